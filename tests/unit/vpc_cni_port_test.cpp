// bench/baseline/vpc_cni_datastore.hpp (the VPC CNI port, the benchmarks' baseline): it hands
// out, refuses and cools addresses with the documented semantics, checked by hand-derived
// cases and by RapidCheck against a naive model (std::map key -> address, std::set of free
// addresses, cooling list) and against the node pool tests' reference model
// (tests/support/reference_pool.hpp) on the same random sequences.
#include "baseline/vpc_cni_datastore.hpp"
#include "reference_pool.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

using enipool::errc;
using enipool_baseline::vpc_cni_datastore;
using enipool_baseline::vpc_cni_key;
using namespace std::chrono_literals;
using time_point = vpc_cni_datastore::time_point;

namespace {

// A CNI key with a 64-hex container id derived from `id`.
vpc_cni_key key_of(unsigned id) {
    return {"aws-cni", fmt::format("{:064x}", id), "eth0"};
}

// The observable state: address -> (holder's container id or "", cooling?) for every address
// handed out and not yet free again. Compared before and after failing operations.
using snapshot_type = std::map<std::string, std::pair<std::string, bool>>;
snapshot_type snapshot(const vpc_cni_datastore& ds, time_point now) {
    snapshot_type s;
    for (const auto& [eni_id, eni] : ds.enis())
        for (const auto& [cidr_text, cidr] : eni.cidrs)
            for (const auto& [text, entry] : cidr.addresses) {
                const bool cooling = !entry.assigned() && now - entry.unassigned_at <= ds.cooldown();
                if (entry.assigned() || cooling) s[text] = {entry.key.container_id, cooling};
            }
    return s;
}

// One ENI with the prefix 198.18.0.16/28 (addresses .16 .. .31).
vpc_cni_datastore one_prefix() {
    vpc_cni_datastore ds(true);
    REQUIRE(ds.add_eni("eni-0001", 0, true));
    REQUIRE(ds.add_ipv4_cidr("eni-0001", "198.18.0.16/28", true));
    return ds;
}

} // namespace

TEST_CASE("vpc_cni port: assign is idempotent and hands out the lowest untouched address", "[vpc_cni_port]") {
    auto ds = one_prefix();
    // An empty CIDR map: the first candidate is the lowest address of the /28, 198.18.0.16.
    auto a = ds.assign(key_of(1), 0s);
    REQUIRE(a);
    CHECK(*a == "198.18.0.16");
    auto again = ds.assign(key_of(1), 1s);  // the same key gets the same address
    REQUIRE(again);
    CHECK(*again == "198.18.0.16");
    auto b = ds.assign(key_of(2), 1s);  // .16 is taken: the next lowest is .17
    REQUIRE(b);
    CHECK(*b == "198.18.0.17");
    CHECK(ds.address_of(key_of(2)) == "198.18.0.17");
    const auto s = ds.stats(1s);
    CHECK(s.total == 16);
    CHECK(s.assigned == 2);
    CHECK(s.cooling == 0);
    CHECK(ds.check().empty());
    auto empty_key = ds.assign(vpc_cni_key{}, 1s);
    REQUIRE_FALSE(empty_key);
    CHECK(empty_key.error().code() == errc::malformed_config);
}

TEST_CASE("vpc_cni port: releasing an unknown pod fails and changes nothing", "[vpc_cni_port]") {
    auto ds = one_prefix();
    REQUIRE(ds.assign(key_of(1), 0s));
    const auto before = snapshot(ds, 0s);
    auto r = ds.release(key_of(2), 0s);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == errc::unknown_pod);
    CHECK(r.error().message() == "unknown pod");
    CHECK(snapshot(ds, 0s) == before);
    CHECK(ds.check().empty());
    // A released key is unknown afterwards, too.
    REQUIRE(ds.release(key_of(1), 0s));
    CHECK(ds.release(key_of(1), 0s).error().code() == errc::unknown_pod);
}

TEST_CASE("vpc_cni port: exhaustion and cooldown (not reused within 30 s, reused after)", "[vpc_cni_port]") {
    auto ds = one_prefix();
    for (unsigned i = 0; i < 16; ++i) {
        auto a = ds.assign(key_of(i), 0s);
        REQUIRE(a);
        CHECK(*a == fmt::format("198.18.0.{}", 16 + i));  // lowest untouched, in order
    }
    auto full = ds.assign(key_of(100), 0s);
    REQUIRE_FALSE(full);
    CHECK(full.error().code() == errc::no_available_addresses);
    CHECK(full.error().message() == "no available IP/Prefix addresses");

    auto released = ds.release(key_of(5), 100s);  // key 5 holds .21
    REQUIRE(released);
    CHECK(*released == "198.18.0.21");
    CHECK(ds.stats(100s).cooling == 1);
    // The only non-assigned address cools until 100 s + 30 s inclusive (VPC CNI: cooling while
    // now - released <= cooldown): refused at +10 s and at exactly +30 s, state unchanged.
    for (const time_point t : {time_point(110s), time_point(130s)}) {
        const auto before = snapshot(ds, t);
        auto r = ds.assign(key_of(100), t);
        REQUIRE_FALSE(r);
        CHECK(r.error().code() == errc::no_available_addresses);
        CHECK(snapshot(ds, t) == before);
        CHECK(ds.check().empty());
    }
    // One nanosecond later the cooldown is over: .21 is handed out again.
    auto reused = ds.assign(key_of(100), time_point(130s) + 1ns);
    REQUIRE(reused);
    CHECK(*reused == "198.18.0.21");
    CHECK(ds.stats(131s).cooling == 0);
    CHECK(ds.stats(131s).assigned == 16);
    CHECK(ds.check().empty());
}

TEST_CASE("vpc_cni port: a cooling address is skipped for a free one", "[vpc_cni_port]") {
    auto ds = one_prefix();
    REQUIRE(ds.assign(key_of(1), 0s));  // .16
    REQUIRE(ds.release(key_of(1), 0s)); // .16 cools until 30 s
    auto next = ds.assign(key_of(2), 5s);
    REQUIRE(next);
    CHECK(*next == "198.18.0.17");  // .16 is cooling: the lowest untouched is .17
    auto after = ds.assign(key_of(3), 31s);
    REQUIRE(after);
    CHECK(*after == "198.18.0.16");  // cooldown over: the released entry is preferred
}

TEST_CASE("vpc_cni port: only CIDRs of the current mode are assigned from", "[vpc_cni_port]") {
    vpc_cni_datastore ds(true);
    REQUIRE(ds.add_eni("eni-0001", 0, true));
    REQUIRE(ds.add_ipv4_cidr("eni-0001", "198.18.1.5/32", false));  // a secondary IP
    REQUIRE(ds.add_ipv4_cidr("eni-0001", "198.18.0.32/28", true));  // a prefix
    for (unsigned i = 0; i < 16; ++i) {
        auto a = ds.assign(key_of(i), 0s);
        REQUIRE(a);
        CHECK(*a != "198.18.1.5");  // prefix mode never takes the /32
    }
    CHECK(ds.assign(key_of(16), 0s).error().code() == errc::no_available_addresses);
    ds.set_prefix_mode(false);  // after a mode switch only the /32 is used
    auto secondary = ds.assign(key_of(16), 0s);
    REQUIRE(secondary);
    CHECK(*secondary == "198.18.1.5");
    CHECK(ds.assign(key_of(17), 0s).error().code() == errc::no_available_addresses);
    // Releasing a prefix address in secondary mode does not make it assignable.
    REQUIRE(ds.release(key_of(3), 0s));
    CHECK(ds.assign(key_of(17), 60s).error().code() == errc::no_available_addresses);
    CHECK(ds.stats(60s).total == 17);
    CHECK(ds.check().empty());
}

TEST_CASE("vpc_cni port: ENI and CIDR errors", "[vpc_cni_port]") {
    vpc_cni_datastore ds(true);
    REQUIRE(ds.add_eni("eni-0001", 0, true));
    CHECK(ds.add_eni("eni-0001", 1).error().code() == errc::duplicate_eni);
    CHECK(ds.add_ipv4_cidr("eni-0002", "198.18.0.0/28", true).error().code() == errc::unknown_eni);
    REQUIRE(ds.add_eni("eni-0002", 1));
    REQUIRE(ds.add_ipv4_cidr("eni-0001", "198.18.0.0/28", true));
    CHECK(ds.add_ipv4_cidr("eni-0002", "198.18.0.0/28", true).error().code() ==
          errc::address_already_in_datastore);
    CHECK(ds.add_ipv4_cidr("eni-0002", "198.18.0.0/27", true).error().code() == errc::invalid_prefix);
    CHECK(ds.add_ipv4_cidr("eni-0002", "198.18.0.17/32", true).error().code() == errc::invalid_prefix);
    CHECK(ds.add_ipv4_cidr("eni-0002", "198.18.0.3/28", true).error().code() == errc::prefix_not_aligned);
    CHECK(ds.add_ipv4_cidr("eni-0002", "198.18.0/28", true).error().code() == errc::invalid_prefix);
    CHECK(ds.stats(0s).total == 16);
}

// The naive model: which key holds which address, which addresses are free (never handed out
// or cooled off), and when each cooling address was released. Cooling as the VPC CNI: while
// now - released <= cooldown.
namespace {

struct naive_model {
    std::map<unsigned, std::string> holder;         // key id -> address
    std::set<std::string> prefix_addresses, secondary_addresses;
    std::map<std::string, time_point> released_at; // released addresses -> release time
    bool prefix_mode = true;
    static constexpr time_point cooldown = 30s;

    bool is_free(const std::string& a, time_point now) const {
        for (const auto& [k, held] : holder)
            if (held == a) return false;
        auto it = released_at.find(a);
        return it == released_at.end() || now - it->second > cooldown;
    }
    bool any_free(time_point now) const {
        for (const auto& a : prefix_mode ? prefix_addresses : secondary_addresses)
            if (is_free(a, now)) return true;
        return false;
    }
    std::size_t cooling(time_point now) const {
        std::size_t n = 0;
        for (const auto& [a, t] : released_at)
            if (now - t <= cooldown && is_free_of_holder(a)) ++n;
        return n;
    }
    bool is_free_of_holder(const std::string& a) const {
        for (const auto& [k, held] : holder)
            if (held == a) return false;
        return true;
    }
};

} // namespace

TEST_CASE("vpc_cni port: random sequences agree with a naive model", "[vpc_cni_port][property]") {
    rc::prop("assign / release / time / mode switch", [] {
        vpc_cni_datastore ds(true);
        naive_model model;
        RC_ASSERT(ds.add_eni("eni-0001", 0, true));
        RC_ASSERT(ds.add_eni("eni-0002", 1));
        // Two prefixes on two ENIs (32 addresses) and three secondary IPs.
        RC_ASSERT(ds.add_ipv4_cidr("eni-0001", "198.18.0.0/28", true));
        RC_ASSERT(ds.add_ipv4_cidr("eni-0002", "198.18.0.48/28", true));
        for (unsigned i = 0; i < 16; ++i) {
            model.prefix_addresses.insert(fmt::format("198.18.0.{}", i));
            model.prefix_addresses.insert(fmt::format("198.18.0.{}", 48 + i));
        }
        for (const char* s : {"198.18.1.1", "198.18.1.2", "198.18.1.3"}) {
            RC_ASSERT(ds.add_ipv4_cidr("eni-0001", std::string(s) + "/32", false));
            model.secondary_addresses.insert(s);
        }
        time_point now{};
        const int steps = *rc::gen::inRange(1, 200);
        for (int step = 0; step < steps; ++step) {
            const int op = *rc::gen::inRange(0, 11);
            if (op < 5) {  // assign one of 40 keys (more keys than addresses: exhaustion happens)
                const auto id = *rc::gen::inRange(0u, 40u);
                const auto before = snapshot(ds, now);
                auto r = ds.assign(key_of(id), now);
                if (auto held = model.holder.find(id); held != model.holder.end()) {
                    RC_ASSERT(r.has_value());
                    RC_ASSERT(*r == held->second);  // idempotent
                } else if (!model.any_free(now)) {
                    RC_ASSERT(!r.has_value());
                    RC_ASSERT(r.error().code() == errc::no_available_addresses);
                    RC_ASSERT(snapshot(ds, now) == before);
                } else {
                    RC_ASSERT(r.has_value());
                    const auto& pool = model.prefix_mode ? model.prefix_addresses : model.secondary_addresses;
                    RC_ASSERT(pool.count(*r) == 1);  // current mode only
                    RC_ASSERT(model.is_free(*r, now)); // never assigned, never cooling
                    model.holder[id] = *r;
                    model.released_at.erase(*r);
                }
            } else if (op < 8) {  // release one of 40 keys
                const auto id = *rc::gen::inRange(0u, 40u);
                const auto before = snapshot(ds, now);
                auto r = ds.release(key_of(id), now);
                if (auto held = model.holder.find(id); held != model.holder.end()) {
                    RC_ASSERT(r.has_value());
                    RC_ASSERT(*r == held->second);
                    model.released_at[held->second] = now;
                    model.holder.erase(held);
                } else {
                    RC_ASSERT(!r.has_value());
                    RC_ASSERT(r.error().code() == errc::unknown_pod);
                    RC_ASSERT(snapshot(ds, now) == before);
                }
            } else if (op < 10) {  // time moves in 5 s steps, so the 30 s boundary is hit exactly
                now += std::chrono::seconds(5 * *rc::gen::inRange(0, 8));
            } else {
                model.prefix_mode = !model.prefix_mode;
                ds.set_prefix_mode(model.prefix_mode);
            }
            RC_ASSERT(ds.check().empty());
            const auto s = ds.stats(now);
            RC_ASSERT(s.assigned == model.holder.size());
            RC_ASSERT(s.cooling == model.cooling(now));
            RC_ASSERT(s.total == 35u);
        }
    });
}

TEST_CASE("vpc_cni port: restore_assignment adopts checkpointed pods without a key scan", "[vpc_cni_port]") {
    auto ds = one_prefix();
    REQUIRE(ds.restore_assignment(key_of(7), "198.18.0.20", 0s));
    CHECK(ds.address_of(key_of(7)) == "198.18.0.20");
    auto again = ds.assign(key_of(7), 1s);  // the adopted pod is found by the key scan
    REQUIRE(again);
    CHECK(*again == "198.18.0.20");
    auto lowest = ds.assign(key_of(8), 1s);  // .16 is still the lowest untouched address
    REQUIRE(lowest);
    CHECK(*lowest == "198.18.0.16");
    const auto before = snapshot(ds, 1s);
    CHECK(ds.restore_assignment(key_of(9), "198.18.0.20", 1s).error().code() ==
          errc::address_already_in_datastore);
    CHECK(ds.restore_assignment(key_of(9), "198.18.5.1", 1s).error().code() == errc::checkpoint_invalid);
    CHECK(ds.restore_assignment(key_of(9), "198.18.0.300", 1s).error().code() == errc::invalid_address);
    CHECK(snapshot(ds, 1s) == before);
    CHECK(ds.check().empty());
}

// The same random sequences on the port and on the node pool tests' reference model
// (pool_test::reference_pool): equal outcomes (success / error kind), the same address for a
// repeated key and on release, a new address always one the model holds free (so cooldown is
// respected). The models differ at the instant the cooldown ends (the VPC CNI frees an
// address after MORE than 30 s, the reference at 30 s): time moves in steps of 7 s, so no
// release is ever exactly 30 s old.
TEST_CASE("vpc_cni port: random sequences agree with the node pool's reference model", "[vpc_cni_port][property]") {
    rc::prop("assign / release / time on both models", [] {
        vpc_cni_datastore ds(true);
        pool_test::reference_pool<unsigned> reference;
        reference.cooldown = 30s;
        reference.packing = pool_test::packing_rule::any_free;  // the port's order is its own
        reference.add_eni("eni-0001");
        reference.add_eni("eni-0002");
        RC_ASSERT(ds.add_eni("eni-0001", 0, true));
        RC_ASSERT(ds.add_eni("eni-0002", 1));
        const char* prefixes[] = {"198.18.0.0/28", "198.18.0.32/28", "198.18.2.16/28"};
        for (int i = 0; i < 3; ++i) {
            const std::string eni = i == 0 ? "eni-0001" : "eni-0002";
            RC_ASSERT(ds.add_ipv4_cidr(eni, prefixes[i], true));
            reference.add_cidr(eni, *enipool::ipv4_prefix::parse(prefixes[i]), true);
        }
        // A secondary IP: not of the current mode, so neither model may hand it out.
        RC_ASSERT(ds.add_ipv4_cidr("eni-0001", "198.18.1.9/32", false));
        reference.add_cidr("eni-0001", *enipool::ipv4_prefix::parse("198.18.1.9/32"), false);

        time_point now{};
        const int steps = *rc::gen::inRange(1, 250);
        for (int step = 0; step < steps; ++step) {
            const int op = *rc::gen::inRange(0, 10);
            const auto id = *rc::gen::inRange(0u, 60u);
            if (op < 5) {
                const auto expected = reference.expect_assign(id, now);
                auto r = ds.assign(key_of(id), now);
                if (expected.error) {
                    RC_ASSERT(!r.has_value());
                    RC_ASSERT(r.error().code() == *expected.error);
                } else {
                    RC_ASSERT(r.has_value());
                    const auto address = enipool::ipv4_address::parse(*r);
                    RC_ASSERT(address.has_value());
                    if (expected.exact) {
                        RC_ASSERT(address->to_uint() == *expected.exact);
                    } else {
                        RC_ASSERT(reference.free.count(address->to_uint()) == 1u);
                    }
                    reference.did_assign(id, address->to_uint());
                }
            } else if (op < 8) {
                const auto expected = reference.release(id, now);
                auto r = ds.release(key_of(id), now);
                RC_ASSERT(r.has_value() == expected.has_value());
                if (expected) RC_ASSERT(*r == enipool::ipv4_address(*expected).to_string());
                else RC_ASSERT(r.error().code() == errc::unknown_pod);
            } else {
                now += std::chrono::seconds(7 * *rc::gen::inRange(0, 6));
            }
            RC_ASSERT(ds.check().empty());
            reference.drain(now);
            const auto s = ds.stats(now);
            RC_ASSERT(s.assigned == reference.assigned.size());
            RC_ASSERT(s.cooling == reference.cooling.size());
        }
    });
}
