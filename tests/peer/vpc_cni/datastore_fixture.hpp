// datastore_fixture.hpp (tests/peer/vpc_cni): an ipamd datastore (pkg/ipamd/datastore) played
// by a node pool, for the transcriptions of the datastore's own tests (data_store_test.cpp,
// secondary_eni_exclusion_focused_test.cpp).
//
//   NewDataStore(pd)              node_pool<secondary_only | prefix_only, vpc_cni_warm> on a
//                                 manual clock; type test.8x10 (9 slots an ENI, room for every
//                                 ENI the tests add); cooldown 30 s (IP_COOLDOWN_PERIOD's default)
//   AddENI(id, device, primary)   add_eni; an isPrimary ENI becomes enipool's primary (device
//                                 index 0); subnet 0.0.0.0/1 so that the unrelated ranges the
//                                 tests put on one ENI (1.1.1.1, 10.0.0.0/28, 30.0.0.0/28) fit;
//                                 primary IP 100.64.0.<device>, used by no test
//   AddIPv4CidrToStore            add_cidrs (a /32 secondary IP or a /28 prefix)
//   AssignPodIPv4Address          assign(cni_key{network, sandbox, ifname}, {namespace, name});
//                                 the device number is the holding ENI's device index (route
//                                 tables are not modelled)
//   UnassignPodIPAddress          release
//   DelIPv4CidrFromStore(force)   remove_cidrs(eni, {cidr}, removal::force | refuse_if_used)
//   RemoveENIFromDataStore(force) remove_eni(eni, removal::force | refuse_if_used)
//   ds.total, ds.assigned         stats().total, stats().assigned
//   len(AvailableIPv4Cidrs)       the ENI's secondary IPs + prefixes
//   time.Sleep(cooldown)          clock advance of cooldown + 1 ns (ipamd cools while
//                                 time.Since(unassigned) <= period, ds.go:252-254)
#pragma once

#include "pool_test_support.hpp"

#include <enipool/policy.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace peer_vpc_cni {

using namespace std::chrono_literals;

/// An IPAMKey and its IPAMMetadata (namespace "default" as in every datastore test).
struct pod {
    std::string network;
    std::string sandbox;
    std::string name;
    [[nodiscard]] enipool::cni_key key() const { return enipool::cni_key::make(network, sandbox, "eth0").value(); }
};

/// A datastore: a node pool with secondary-IP (`Policy` = secondary_only) or prefix
/// (prefix_only, isPDEnabled) growth, its clock, and the reads the datastore tests assert.
template <class Policy>
class datastore {
public:
    using pool_type = enipool::node_pool<Policy, enipool::vpc_cni_warm, enipool::clock<enipool::manual_clock>>;

    explicit datastore(std::chrono::nanoseconds cooldown = 30s) : pool(make(clock, cooldown)) {}
    datastore(const datastore&) = delete;
    datastore& operator=(const datastore&) = delete;

    /// AddENI: `device` 0 is the primary.
    enipool::result<void> add_eni(std::string id, unsigned device, const std::vector<const char*>& cidrs = {},
                                  enipool::eni_flags flags = {}) {
        enipool::eni_spec s;
        s.id = std::move(id);
        s.device_index = device;
        s.subnet = pool_test::cidr("0.0.0.0/1");
        s.primary_ip = enipool::ipv4_address(100, 64, 0, static_cast<std::uint8_t>(device));
        for (const char* c : cidrs) s.cidrs.push_back(pool_test::cidr(c));
        s.flags = flags;
        return pool.add_eni(s);
    }
    /// AddIPv4CidrToStore of one /32 or /28.
    enipool::result<void> add_cidr(std::string_view eni, const char* c) { return pool.add_cidrs(eni, {pool_test::cidr(c)}); }
    enipool::result<enipool::ipv4_address> assign(const pod& p) {
        return pool.assign(p.key(), enipool::pod_metadata{"default", p.name});
    }
    enipool::result<enipool::ipv4_address> release(const pod& p) { return pool.release(p.key()); }

    /// AssignPodIPv4Address succeeds with `address` on device number `device`.
    void assigns(const pod& p, const char* address, unsigned device) {
        const auto r = assign(p);
        REQUIRE(r.has_value());
        CHECK(r->to_string() == address);
        CHECK(device_of(p) == device);
    }
    /// The device index of the ENI holding the pod's address.
    unsigned device_of(const pod& p) {
        const auto* a = pool.find(p.key());
        REQUIRE(a != nullptr);
        return pool.enis()[a->eni].device_index();
    }
    /// ENIs in the pool (len(ds.eniPool)).
    std::size_t eni_count() const {
        return static_cast<std::size_t>(
            std::count_if(pool.enis().begin(), pool.enis().end(), [](const enipool::eni& x) { return !x.vacant(); }));
    }
    enipool::eni_stats eni(std::string_view id) const {
        const auto index = pool.eni_index(id);
        REQUIRE(index.has_value());
        return pool.eni_stats_at(*index);
    }
    /// len(AvailableIPv4Cidrs): the ENI's /32s and /28s.
    unsigned cidrs_on(std::string_view id) const {
        const enipool::eni_stats s = eni(id);
        return s.secondaries + s.prefixes;
    }
    enipool::eni_view view_of(std::string_view id) {
        const enipool::pool_view v = pool.view();
        const auto it = std::find_if(v.enis.begin(), v.enis.end(), [&](const enipool::eni_view& e) { return e.id == id; });
        REQUIRE(it != v.enis.end());
        return *it;
    }
    /// GetAllocatableENIs' filter (ds.go:1118-1139) read off the view: ENIs that take pod
    /// addresses (not trunk, not excluded) and have a free slot.
    std::vector<std::string> allocatable_enis() {
        std::vector<std::string> ids;
        for (const enipool::eni_view& e : pool.view().enis)
            if (e.serves_pods && e.slots_used < e.slots_total) ids.push_back(e.id);
        return ids;
    }
    /// The ENIs the warm strategy grows now: ids of planned assign_to_eni actions, "attach"
    /// for a planned attach_eni.
    std::vector<std::string> growth_targets() {
        std::vector<std::string> ids;
        for (const enipool::action& a : pool.plan()) {
            if (const auto* as = std::get_if<enipool::assign_to_eni>(&a)) ids.push_back(as->eni_id);
            if (std::holds_alternative<enipool::attach_eni>(a)) ids.emplace_back("attach");
        }
        return ids;
    }

    /// DelIPv4CidrFromStore(eni, cidr, force): remove_cidrs of one CIDR.
    auto del_cidr(std::string_view eni, const char* c, bool force) {
        return pool.remove_cidrs(eni, {pool_test::cidr(c)},
                                 force ? enipool::removal::force : enipool::removal::refuse_if_used);
    }
    /// RemoveENIFromDataStore(eni, force).
    auto remove_eni(std::string_view eni, bool force) {
        return pool.remove_eni(eni, force ? enipool::removal::force : enipool::removal::refuse_if_used);
    }

    /// RemoveUnusedENIFromStore(warmIPTarget, minimumIPTarget, warmPrefixTarget): the ENI
    /// vpc_cni_warm's getDeletableENI picks with those targets, removed from the pool; "" for none.
    std::string remove_unused_eni(unsigned warm_ip, unsigned minimum_ip, unsigned warm_prefix) {
        enipool::vpc_cni_warm_config c;
        c.warm_ip_target = warm_ip;
        c.minimum_ip_target = minimum_ip;
        c.warm_prefix_target = warm_prefix;
        const auto id = enipool::vpc_cni_warm(c).deletable_eni(pool.view());
        if (!id) return "";
        REQUIRE(pool.remove_eni(*id).has_value());
        checked();
        return *id;
    }
    /// CheckFreeableENIexists.
    bool freeable_eni_exists() { return enipool::vpc_cni_warm::freeable_eni_exists(pool.view()); }
    /// createTime = time.Time{} (and cooldowns over): the clock moves past the minimum ENI age.
    void age_enis() { clock.advance(std::chrono::minutes{1} + std::chrono::nanoseconds{1}); }

    /// pool.check() succeeds.
    void checked() const {
        const auto ok = pool.check();
        INFO((ok ? std::string() : ok.error().message()));
        REQUIRE(ok.has_value());
    }
    /// `call` fails with `code` and changes nothing observable; check() still succeeds.
    template <class F>
    void refused(enipool::errc code, F&& call) {
        const observed before(pool);
        const auto r = call();
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == code);
        CHECK(observed(pool) == before);
        checked();
    }

    enipool::manual_clock clock;
    pool_type pool;

private:
    // Everything a caller can observe, for before / after comparisons.
    struct observed {
        enipool::pool_stats stats;
        enipool::pool_view view;
        std::vector<std::pair<enipool::cni_key, enipool::ipv4_address>> allocations;
        std::vector<enipool::ipv4_address> cooling;
        explicit observed(pool_type& p) : stats(p.stats()), view(p.view()) {
            for (const auto& [k, a] : p.allocations()) allocations.emplace_back(k, a.address);
            std::sort(allocations.begin(), allocations.end());
            for (const auto& c : p.cooling()) cooling.push_back(c.address);
        }
        bool operator==(const observed&) const = default;
    };

    static pool_type make(enipool::manual_clock& clk, std::chrono::nanoseconds cooldown) {
        typename pool_type::config cfg{pool_test::nitro_type(8, 10)};
        cfg.cooldown = cooldown;
        auto p = pool_type::create(cfg, clk);
        REQUIRE(p.has_value());
        return std::move(*p);
    }
};

/// NewDataStore(…, isPDEnabled=false, …) and (…, true, …).
using secondary_datastore = datastore<enipool::secondary_only>;
using pd_datastore = datastore<enipool::prefix_only>;

} // namespace peer_vpc_cni
