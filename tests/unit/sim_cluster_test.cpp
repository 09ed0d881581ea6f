// The cluster simulation reproduces documented behaviour, with figures worked out by hand:
// prefix-only stalls on a fragmented subnet while prefix-first keeps scheduling through the
// fallback; a prefix reservation removes the fallback; WARM_ENI_TARGET=1 holds more idle
// addresses than WARM_IP_TARGET=5; Auto Mode's and Cilium's warm pools hold what their
// rules allow; same seed -> same CSV. Plus the workload's and the
// autoscaler's rules on their own.
#include <enipool/catalog.hpp>
#include <enipool/sim/capacity.hpp>
#include <enipool/sim/cluster.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using enipool::errc;
using enipool::growth_policy_kind;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
namespace sim = enipool::sim;

namespace {

const ipv4_prefix slash24 = *ipv4_prefix::parse("198.18.0.0/24");

enipool::instance_type m5_large() { return *enipool::builtin_catalog().at("m5.large"); }

// The classic fragmented /24: one foreign address at 16*b + 5 in every block b in 1..14
// except those in `skip`, so no unreserved aligned /28 is wholly free (block 0 and 15 hold
// EC2's reserved addresses).
enipool::subnet fragmented(const std::vector<std::uint32_t>& skip = {}) {
    auto s = *enipool::subnet::create(slash24);
    for (std::uint32_t b = 1; b <= 14; ++b)
        if (std::find(skip.begin(), skip.end(), b) == skip.end())
            REQUIRE(s.allocate_specific(ipv4_address(slash24.base().to_uint() + 16 * b + 5)).has_value());
    return s;
}

// One m5.large node (min = max = 1), `pods` pods arriving over the first minute (pod i at
// 3i s for 20 pods), no churn, no bursts, 5 minutes.
sim::cluster_config one_node(enipool::subnet s, growth_policy_kind policy, std::uint64_t pods = 20) {
    sim::cluster_config c;
    c.subnets.push_back(std::move(s));
    sim::node_group g;
    g.type = m5_large();
    g.policy = policy;
    c.groups.push_back(g);
    c.workload.pods = pods;
    c.workload.churn_per_second = 0;
    c.workload.burst_pods = 0;
    c.autoscaler.min_nodes = 1;
    c.autoscaler.max_nodes = 1;
    c.duration = 5min;
    return c;
}

sim::cluster run(sim::cluster_config c) {
    auto made = sim::cluster::create(std::move(c));
    REQUIRE(made.has_value());
    // in steps of 10 s, checking every pool and subnet invariant between them
    for (auto t = 10s; t <= made->configuration().duration; t += 10s) {
        REQUIRE(made->run_until(t).has_value());
        const auto ok = made->check();
        INFO((ok ? std::string("ok") : ok.error().message()));
        REQUIRE(ok.has_value());
    }
    return std::move(*made);
}

} // namespace

TEST_CASE("prefix-only stalls on a fragmented subnet; prefix-first schedules through the fallback", "[sim][cluster]") {
    auto only = run(one_node(fragmented(), growth_policy_kind::prefix_only));
    const auto so = only.summary();
    // No /28 is ever free: the node gets no address, every pod waits to the end.
    CHECK(so.peak_pods_running == 0);
    CHECK(only.pods_pending() == 20);
    // Pod i waits from 3i s to 300 s: 20 * 300 - 3 * (0 + 1 + ... + 19) = 6000 - 570.
    CHECK(so.pending_pod_seconds == Approx(5430.0));
    // The node's first plan (t = 0) asks for a prefix; the call completes 300 ms later.
    REQUIRE(so.first_insufficient_cidr_blocks.has_value());
    CHECK(*so.first_insufficient_cidr_blocks == 300ms);
    CHECK(so.fallbacks == 0);
    CHECK(only.cloud().errors(errc::insufficient_cidr_blocks) >= 1);

    auto first = run(one_node(fragmented(), growth_policy_kind::prefix_first));
    const auto sf = first.summary();
    CHECK(sf.peak_pods_running == 20);
    CHECK(first.pods_running() == 20);
    CHECK(first.pods_pending() == 0);
    CHECK(sf.fallbacks >= 1);
    REQUIRE(sf.first_insufficient_cidr_blocks.has_value());
    CHECK(*sf.first_insufficient_cidr_blocks == 300ms);
    // Pods wait only while the node falls back (seconds), not the whole run.
    CHECK(sf.pending_pod_seconds < 5430.0 / 10);
    // Every address the node holds is a secondary IP: the subnet has no prefix allocated.
    CHECK(first.cloud().subnet_at(0).allocated_prefixes() == 0);
}

TEST_CASE("a prefix reservation removes the fallback", "[sim][cluster]") {
    // Reserve 198.18.0.128/26 (blocks 8..11) for prefixes first, then fragment the rest.
    auto s = *enipool::subnet::create(slash24);
    REQUIRE(s.reserve(*ipv4_prefix::parse("198.18.0.128/26"), enipool::reservation_type::prefix).has_value());
    for (std::uint32_t b = 1; b <= 14; ++b)
        if (b < 8 || b > 11)
            REQUIRE(s.allocate_specific(ipv4_address(slash24.base().to_uint() + 16 * b + 5)).has_value());
    REQUIRE(s.free_blocks() == 0);
    REQUIRE(s.reserved_free_blocks() == 4);

    auto c = run(one_node(s, growth_policy_kind::prefix_first));
    const auto sum = c.summary();
    CHECK(sum.fallbacks == 0);
    CHECK_FALSE(sum.first_insufficient_cidr_blocks.has_value());
    CHECK(c.cloud().errors(errc::insufficient_cidr_blocks) == 0);
    CHECK(sum.peak_pods_running == 20);
    // 20 pods need ceil(20 / 16) = 2 prefixes, all from the reservation.
    const auto& sub = c.cloud().subnet_at(0);
    CHECK(sub.allocated_prefixes() >= 2);
    CHECK(sub.reserved_free_blocks() == 4 - sub.allocated_prefixes());

    // The same subnet without the reservation: the fallback is back.
    auto without = run(one_node(fragmented(), growth_policy_kind::prefix_first));
    CHECK(without.summary().fallbacks >= 1);
}

TEST_CASE("WARM_ENI_TARGET=1 holds more idle addresses than WARM_IP_TARGET=5", "[sim][cluster][warm]") {
    // secondary-only on m5.large: 3 ENIs x 9 secondary IPs, capacity 27 (max pods 29 - 2).
    auto eni_cfg = one_node(*enipool::subnet::create(slash24), growth_policy_kind::secondary_only, 10);
    auto ip_cfg = eni_cfg;
    enipool::vpc_cni_warm_config warm_ip;
    warm_ip.warm_ip_target = 5;
    ip_cfg.groups[0].warm = warm_ip;

    auto eni = run(eni_cfg);
    auto ip = run(ip_cfg);
    const sim::sample& e = eni.samples().back();
    const sim::sample& i = ip.samples().back();
    CHECK(e.addresses_used == 10);
    CHECK(i.addresses_used == 10);
    // WARM_ENI_TARGET=1: a whole ENI's 9 IPs must stay available. With 10 pods: 2 ENIs (18)
    // leave 8 < 9, so a 3rd ENI comes: 27 held, which is max pods, so growth stops there.
    CHECK(e.addresses_held == 27);
    // WARM_IP_TARGET=5: exactly 5 available: 10 + 5 = 15 held.
    CHECK(i.addresses_held == 15);
    CHECK(e.idle_addresses() == 17);
    CHECK(i.idle_addresses() == 5);
    CHECK(e.idle_addresses() > i.idle_addresses());
    // And in subnet space: ENI target holds 12 more addresses (plus one more primary IP).
    CHECK(i.subnet_free_addresses - e.subnet_free_addresses == 12 + 1);
}

TEST_CASE("Auto Mode's warm pool and Cilium's watermarks hold what their rules imply", "[sim][cluster][warm]") {
    // prefix-first on an empty /24, 20 pods on one m5.large, no churn: every figure below is
    // the end state those rules allow, worked out by hand. Pods fill the lowest lanes, so
    // the 20 pods sit in the first two prefixes and only a third prefix can be wholly free.
    auto auto_cfg = one_node(*enipool::subnet::create(slash24), growth_policy_kind::prefix_first, 20);
    auto_cfg.groups[0].warm = enipool::auto_mode_warm_config{};
    auto cilium_cfg = auto_cfg;
    // pre-allocate 8, with enipool's improvements (release on, whole /28s) as this test assumes
    cilium_cfg.groups[0].warm = enipool::cilium_watermarks_config::improved();
    auto small_cfg = auto_cfg;
    enipool::auto_mode_warm_config five;
    five.warm_addresses = 5;
    small_cfg.groups[0].warm = five;
    CHECK(std::string(sim::warm_strategy_name(auto_cfg.groups[0].warm)) == "auto-mode");
    CHECK(std::string(sim::warm_strategy_name(cilium_cfg.groups[0].warm)) == "cilium");

    auto automode = run(auto_cfg);
    auto cilium = run(cilium_cfg);
    auto small = run(small_cfg);
    const sim::sample& a = automode.samples().back();
    const sim::sample& c = cilium.samples().back();
    const sim::sample& s = small.samples().back();
    CHECK(a.addresses_used == 20);
    CHECK(c.addresses_used == 20);
    CHECK(s.addresses_used == 20);
    // Auto Mode, 16 warm (one prefix): it grows while fewer than 16 are free and gives a
    // wholly free /28 back only if 16 would still be free after, so 16 <= held - 20 < 32:
    // held = 48 (3 prefixes), 28 idle.
    CHECK(a.addresses_held == 48);
    CHECK(a.idle_addresses() == 28);
    // Cilium, pre-allocate 8: grows while fewer than 8 are free, releases whole /28s of the
    // excess (free - 8), so 8 <= held - 20 < 24: held = 32, 12 idle.
    CHECK(c.addresses_held == 32);
    CHECK(c.idle_addresses() == 12);
    // Auto Mode with 5 warm: 5 <= held - 20 < 21: held = 32.
    CHECK(s.addresses_held == 32);
    // In subnet space: the one extra /28 Auto Mode holds (all on the primary ENI).
    CHECK(c.subnet_free_addresses - a.subnet_free_addresses == 16);
    CHECK(a.pods_pending == 0);
    CHECK(c.pods_pending == 0);
}

TEST_CASE("same seed and configuration give the same CSV; another seed another", "[sim][cluster][determinism]") {
    const auto make = [](std::uint64_t seed) {
        sim::cluster_config c;
        auto s = *enipool::subnet::create(*ipv4_prefix::parse("198.18.0.0/22"), seed);
        (void)sim::scatter_foreign(s, 0.15);
        c.subnets.push_back(std::move(s));
        sim::node_group g;
        g.type = m5_large();
        c.groups.push_back(g);
        c.workload.pods = 150;
        c.workload.churn_per_second = 2;
        c.workload.burst_pods = 60;
        c.workload.burst_every = 4min;
        c.workload.burst_hold = 2min;
        c.workload.seed = seed;
        c.ec2.seed = seed;
        c.ec2[sim::call_kind::assign_to_eni].throttle_rate = 0.05;
        c.autoscaler.max_nodes = 8;
        c.duration = 12min;
        return c;
    };
    auto a = run(make(7));
    auto b = run(make(7));
    auto other = run(make(8));
    const std::string csv = sim::to_csv(a.samples());
    CHECK(csv == sim::to_csv(b.samples()));
    CHECK(csv != sim::to_csv(other.samples()));
    // 12 minutes sampled every 10 s, both ends included: 73 rows + header.
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 74);
    CHECK(a.summary().pod_events == b.summary().pod_events);
    CHECK(a.summary().pod_events > 150);
}

TEST_CASE("workload: ramp, bursts and churn in time order", "[sim][workload]") {
    sim::workload_config c;
    c.pods = 4;
    c.ramp = 8s;
    c.churn_per_second = 0;
    c.burst_pods = 3;
    c.burst_every = 10s;
    c.burst_hold = 4s;
    sim::workload w(c);
    // Ramp: pod i at i * 8 / 4 = 0, 2, 4, 6 s; bursts up at 10, 20 s, down 4 s later.
    const std::vector<std::pair<sim::sim_time, sim::workload_event_kind>> expected{
        {0s, sim::workload_event_kind::create},      {2s, sim::workload_event_kind::create},
        {4s, sim::workload_event_kind::create},      {6s, sim::workload_event_kind::create},
        {10s, sim::workload_event_kind::scale_up},   {14s, sim::workload_event_kind::scale_down},
        {20s, sim::workload_event_kind::scale_up},   {24s, sim::workload_event_kind::scale_down}};
    for (const auto& [at, kind] : expected) {
        const auto e = w.pop();
        CHECK(e.at == at);
        CHECK(e.kind == kind);
    }

    // Churn at 2/s: gaps are exponential with mean 0.5 s; 4000 gaps average 0.5 s +- 5 %.
    sim::workload_config k;
    k.pods = 0;
    k.churn_per_second = 2;
    sim::workload churn(k);
    sim::sim_time last{};
    for (int n = 0; n < 4000; ++n) {
        const auto e = churn.pop();
        CHECK(e.kind == sim::workload_event_kind::replace);
        CHECK(e.at >= last);
        last = e.at;
    }
    CHECK(std::chrono::duration<double>(last).count() / 4000 == Approx(0.5).epsilon(0.05));
}

TEST_CASE("autoscaler: launches for unschedulable pods only, removes after the grace period", "[sim][autoscaler]") {
    sim::autoscaler_config c;
    c.max_nodes = 5;
    // 100 pending, room 30 + booting 20: 50 unschedulable -> ceil(50 / 27) = 2 nodes.
    CHECK(sim::nodes_to_launch(c, {100, 30, 20, 2, 27}) == 2);
    // Pending pods that fit by max pods trigger nothing (they wait for an address).
    CHECK(sim::nodes_to_launch(c, {40, 40, 0, 2, 27}) == 0);
    // Never beyond max: 4 nodes, 1 more at most.
    CHECK(sim::nodes_to_launch(c, {1000, 0, 0, 4, 27}) == 1);
    CHECK(sim::may_remove(c, 11min, 1min, 2));
    CHECK_FALSE(sim::may_remove(c, 10min, 1min, 2));  // empty 9 min < 10 min
    CHECK_FALSE(sim::may_remove(c, 11min, 1min, 1));  // min_nodes
}

TEST_CASE("fill_subnet: secondary-only on an empty /24, counted by hand", "[sim][capacity]") {
    sim::fill_config c;
    c.type = m5_large();
    c.policy = growth_policy_kind::secondary_only;
    const auto r = sim::fill_subnet(*enipool::subnet::create(slash24), c);
    REQUIRE(r.has_value());
    // A full node: 3 ENIs, 3 primary IPs + 27 secondary IPs = 30 addresses, 27 pods.
    // 251 usable addresses: 8 full nodes take 240, 11 remain; node 9: primary (10 left),
    // 9 secondary IPs on ENI 0 (1 left), the 2nd ENI's attach asks for 9:
    // InsufficientFreeAddressesInSubnet with 8 * 27 + 9 = 225 pods. Node 10 takes the last
    // address for its primary ENI and gets no pod.
    CHECK(r->pods_per_node == 27);
    CHECK_FALSE(r->at_insufficient_cidr_blocks.has_value());
    REQUIRE(r->at_insufficient_free_addresses.has_value());
    CHECK(r->at_insufficient_free_addresses->nodes == 9);
    CHECK(r->at_insufficient_free_addresses->pods == 225);
    CHECK(r->end.pods == 225);
    CHECK(r->end.nodes == 10);
    CHECK(r->end.free_addresses == 0);
    CHECK(r->stop == sim::fill_stop::node_got_no_pod);
}

TEST_CASE("cluster::create rejects bad configurations", "[sim][cluster]") {
    sim::cluster_config none;
    CHECK(sim::cluster::create(none).error().code() == errc::malformed_config);
    auto xen = one_node(*enipool::subnet::create(slash24), growth_policy_kind::prefix_only);
    xen.groups[0].type = *enipool::builtin_catalog().at("c4.large");
    CHECK(sim::cluster::create(xen).error().code() == errc::prefix_not_supported);
    // prefix-first runs there in secondary-IP mode, as ipamd does (growth_policy.hpp).
    xen.groups[0].policy = growth_policy_kind::prefix_first;
    CHECK(sim::cluster::create(xen).has_value());
    auto bad_subnet = one_node(*enipool::subnet::create(slash24), growth_policy_kind::prefix_first);
    bad_subnet.groups[0].subnets = {3};
    CHECK(sim::cluster::create(bad_subnet).error().code() == errc::malformed_config);
}
