// Tests of enipool-cni's state file (examples/cni/state_file.hpp, on enipool/json/checkpoint.hpp): random
// ADD / DEL histories checked against a naive model after every step, then save -> restore
// must give back exactly the same allocations (key, address, metadata, time) and cooling
// addresses (address, release time), and saving the restored state gives the same document.
// Capacity removed and restored in between must round-trip through the retained lists.
#include "state_file.hpp"

#include <enipool/json/cni_config.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using enipool::ipv4_address;
using nlohmann::json;

namespace {

// Capacity: eni-1 with 100.64.1.0/28 and 100.64.0.11, eni-2 with 100.64.2.0/28: 33 addresses.
// One hour of cooldown: nothing expires while a test runs, so the model needs no clock.
enipool::cni::ipam_config config(bool with_second_prefix = true) {
    auto c = enipool::cni::parse_network_config(std::string(R"({"cniVersion": "1.0.0", "name": "n",
      "ipam": {"type": "enipool-cni", "subnet": "100.64.0.0/16", "cooldownSeconds": 3600,
               "enis": [{"id": "eni-1", "primaryIp": "100.64.0.10", "prefixes": ["100.64.1.0/28"],
                         "secondaryIps": ["100.64.0.11"]},
                        {"id": "eni-2", "primaryIp": "100.64.0.20", "prefixes": [)") +
                                                (with_second_prefix ? R"("100.64.2.0/28")" : "") +
                                                "]}]}}");
    REQUIRE(c.has_value());
    return c->ipam;
}
constexpr std::size_t capacity = 33;

enipool_cni::node_state fresh(enipool::manual_clock& clk, bool with_second_prefix = true) {
    auto s = enipool_cni::build_state(config(with_second_prefix), clk);
    REQUIRE(s.has_value());
    return std::move(*s);
}

enipool::cni_key key_of(int i) {
    return enipool::cni_key::make("n", "c" + std::to_string(i), "eth0").value();
}

// Everything observable: key -> (address, metadata, time); address -> release time;
// retained lists.
struct snapshot {
    std::map<std::string, std::tuple<ipv4_address, std::string, std::string, std::int64_t>> held;
    std::map<ipv4_address, std::int64_t> cooling;
    friend bool operator==(const snapshot&, const snapshot&) = default;
};

snapshot snap(const enipool_cni::node_state& s) {
    snapshot out;
    for (const auto& [k, a] : s.pool.allocations())
        out.held[fmt::format("{}", k)] = {a.address, a.metadata.pod_namespace, a.metadata.pod_name,
                                          a.assigned_at.count()};
    for (const auto& r : s.retained)
        out.held[fmt::format("{}", r.key)] = {r.address, r.metadata.pod_namespace,
                                              r.metadata.pod_name, r.assigned_at.count()};
    for (const auto& c : s.pool.cooling()) out.cooling[c.address] = c.released_at.count();
    for (const auto& c : s.retained_cooling) out.cooling[c.address] = c.released_at.count();
    return out;
}

// Runs the history on `state`, checking each step against the model.
void run_history(enipool_cni::node_state& state, enipool::manual_clock& clk,
                 const std::vector<std::pair<bool, int>>& ops) {
    std::map<int, ipv4_address> model_held;
    std::set<ipv4_address> model_cooling;
    for (const auto& [add, k] : ops) {
        clk.advance(std::chrono::microseconds(1 + k)); // distinct, uneven times
        if (add) {
            auto r = state.pool.assign(key_of(k), {"ns", "pod" + std::to_string(k)});
            if (model_held.count(k)) {
                RC_ASSERT(r.has_value());
                RC_ASSERT(*r == model_held[k]); // idempotent
            } else if (model_held.size() + model_cooling.size() == capacity) {
                RC_ASSERT(!r.has_value());
                RC_ASSERT(r.error().code() == enipool::errc::no_available_addresses);
            } else {
                RC_ASSERT(r.has_value());
                RC_ASSERT(model_cooling.count(*r) == 0u); // cooling addresses are not reused
                for (const auto& [other, a] : model_held) RC_ASSERT(a != *r);
                model_held[k] = *r;
            }
        } else {
            auto r = state.pool.release(key_of(k));
            RC_ASSERT(r.has_value() == (model_held.count(k) == 1));
            if (r) {
                model_cooling.insert(model_held[k]);
                model_held.erase(k);
            }
        }
        RC_ASSERT(state.pool.check().has_value());
    }
}

// A state after a generated history of ADDs (3 in 4) and DELs over 41 keys.
enipool_cni::node_state random_history(enipool::manual_clock& clk) {
    const auto ops = *rc::gen::container<std::vector<std::pair<bool, int>>>(rc::gen::pair(
        rc::gen::weightedElement<bool>({{3, true}, {1, false}}), rc::gen::inRange(0, 40)));
    auto state = fresh(clk);
    run_history(state, clk, ops);
    return state;
}

} // namespace

TEST_CASE("cni checkpoint: random histories round-trip exactly") {
    rc::prop("save -> restore -> save", [] {
        enipool::manual_clock clk;
        enipool_cni::start_clock(clk);
        auto state = random_history(clk);
        const auto saved = enipool_cni::save_state(state);

        auto restored = fresh(clk);
        const auto ok = enipool_cni::restore_state(saved, restored, clk);
        RC_ASSERT(ok.has_value());
        RC_ASSERT(restored.pool.check().has_value());
        RC_ASSERT(snap(restored) == snap(state));
        RC_ASSERT(restored.retained.empty());
        auto again = enipool_cni::save_state(restored);
        again["savedAt"] = saved["savedAt"];
        RC_ASSERT(again == saved);
    });
}

TEST_CASE("cni checkpoint: removed capacity is retained, and comes back when restored") {
    rc::prop("drop eni-2's prefix, then bring it back", [] {
        enipool::manual_clock clk;
        enipool_cni::start_clock(clk);
        auto state = random_history(clk);
        const auto saved = enipool_cni::save_state(state);

        auto shrunk = fresh(clk, false);
        RC_ASSERT(enipool_cni::restore_state(saved, shrunk, clk).has_value());
        RC_ASSERT(shrunk.pool.check().has_value());
        // Nothing is lost: the same keys, addresses and cooling entries, split differently.
        RC_ASSERT(snap(shrunk) == snap(state));
        const auto p2 = enipool::ipv4_prefix::parse("100.64.2.0/28").value();
        RC_TAG(shrunk.retained.empty() ? "no allocation retained" : "allocations retained");
        for (const auto& r : shrunk.retained) RC_ASSERT(p2.contains(r.address));
        for (const auto& [k, a] : shrunk.pool.allocations()) RC_ASSERT(!p2.contains(a.address));
        for (const auto& c : shrunk.retained_cooling) RC_ASSERT(p2.contains(c.address));

        auto back = fresh(clk);
        RC_ASSERT(enipool_cni::restore_state(enipool_cni::save_state(shrunk), back, clk).has_value());
        RC_ASSERT(back.retained.empty());
        RC_ASSERT(back.retained_cooling.empty());
        RC_ASSERT(snap(back) == snap(state));
    });
}

TEST_CASE("cni checkpoint: a rejected document names the entry") {
    enipool::manual_clock clk;
    enipool_cni::start_clock(clk);
    const auto restore = [&](const char* text) {
        auto state = fresh(clk);
        return enipool_cni::restore_state(json::parse(text), state, clk);
    };
    // The saved pool is validated by the library: an ifname longer than 15 characters.
    auto r = restore(R"({"version": "enipool/1", "savedAt": 1, "enis": [{"id": "eni-1", "deviceIndex": 0,
        "subnet": "100.64.0.0/16", "primaryIp": "100.64.0.10", "cidrs": ["100.64.1.0/28"]}],
        "allocations": [
          {"networkName": "n", "containerID": "a", "ifName": "eth0", "ipv4": "100.64.1.1"},
          {"networkName": "n", "containerID": "c", "ifName": "this-is-too-long-for-linux", "ipv4": "100.64.1.2"}]})");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == enipool::errc::checkpoint_invalid);
    CHECK_THAT(r.error().detail(), Catch::Contains("allocations[1]"));
    CHECK_THAT(r.error().detail(), Catch::Contains("ifname"));

    // The retained lists are checked against the saved pool: a key twice, an address twice.
    auto twice = restore(R"({"version": "enipool/1", "savedAt": 1, "enis": [{"id": "eni-1", "deviceIndex": 0,
        "subnet": "100.64.0.0/16", "primaryIp": "100.64.0.10", "cidrs": ["100.64.1.0/28"]}],
        "allocations": [{"networkName": "n", "containerID": "a", "ifName": "eth0", "ipv4": "100.64.1.1"}],
        "retainedAllocations": [{"networkName": "n", "containerID": "a", "ifName": "eth0", "ipv4": "100.64.9.9"}]})");
    REQUIRE_FALSE(twice.has_value());
    CHECK_THAT(twice.error().detail(), Catch::Contains("retainedAllocations[0]: the pod key n/a/eth0 appears twice"));
    auto address_twice = restore(R"({"version": "enipool/1", "savedAt": 1, "enis": [],
        "retainedAllocations": [{"networkName": "n", "containerID": "a", "ifName": "eth0", "ipv4": "100.64.9.9"}],
        "retainedCooling": [{"ipv4": "100.64.9.9", "releasedAt": 5}]})");
    REQUIRE_FALSE(address_twice.has_value());
    CHECK_THAT(address_twice.error().detail(), Catch::Contains("retainedCooling[0].ipv4: 100.64.9.9 appears twice"));
    // A retained address on an ENI's primary IP of the config stays retained (not pod capacity).
    auto state = fresh(clk);
    REQUIRE(enipool_cni::restore_state(json::parse(R"({"version": "enipool/1", "savedAt": 1, "enis": [],
        "retainedAllocations": [{"networkName": "n", "containerID": "p", "ifName": "eth0", "ipv4": "100.64.0.10"}]})"),
                                       state, clk)
                .has_value());
    REQUIRE(state.retained.size() == 1);
    CHECK(state.retained[0].address == ipv4_address(100, 64, 0, 10));
}
