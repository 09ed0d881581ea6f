// sim/enipool/<nodes>: the cluster simulation at scale. sim/enipool/1000 (make bench's
// figure): 1,000 m5.large nodes (kubelet max pods 110, so 108 pods with an address each),
// prefix-first, on as many /16 subnets as they need, 100,000 pods arriving over a minute,
// then Poisson churn of 10,000 replacements per second (2 pod events each) until 10 million
// pod events: each node's pool runs its warm-pool tick every 2.5 s through the simulated
// EC2. Cooldown 1 s (30 s at this churn would hold ~300 cooling addresses per node, over its
// address ceiling). Every figure scales with the node count (100 pods, 10 replacements per
// second and 10,000 pod events per node), so every size simulates the same 496 s;
// sim/enipool/20 (2,000 pods, 200,000 events, well under a second) is the row bench.smoke runs.
//
// Counters: events_per_second (pod events / wall time of the whole run, cluster creation
// included), cpu_events_per_second (the same over CPU time: on a shared machine wall time
// counts the other processes too), peak_rss_mb (the process's peak resident set, getrusage; it includes whatever
// ran before in the same process, so run this benchmark alone for the figure).
// Checksum: the pod events the simulation processed must equal those of the workload
// generator alone up to the same time (1 per create, 2 per replace), counted independently.
#include "bench_support.hpp"

#include <enipool/sim/cluster.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cstdint>

namespace {

namespace sim = enipool::sim;
using namespace std::chrono_literals;

/// The scenario's figures for a cluster of `nodes` nodes.
struct sim_scale {
    unsigned nodes = 0;
    std::uint64_t base_pods = 0;
    double churn = 0;
    std::uint64_t target_events = 0;
    sim::sim_time duration{};

    explicit sim_scale(unsigned n)
        : nodes(n), base_pods(std::uint64_t{100} * n), churn(10.0 * n), target_events(std::uint64_t{10000} * n),
          // Churn from the start: base pods + 2 * churn * T events = target for T = 495 s;
          // one second more so that the Poisson count is above the target (at 1,000 nodes its
          // standard deviation is ~4.5 k).
          duration(1s + std::chrono::milliseconds((target_events - base_pods) * 1000 /
                                                  static_cast<std::uint64_t>(2 * churn))) {}
};

enipool::instance_type m5_large() {
    enipool::instance_type t;
    t.name = "m5.large";
    t.vcpus = 2;
    t.max_enis = 3;
    t.ipv4_per_eni = 10;
    t.hypervisor = enipool::hypervisor_kind::nitro;
    t.network_cards = {{0, 3}};
    return t;
}

sim::cluster_config scenario(const sim_scale& scale) {
    sim::cluster_config c;
    sim::node_group g;
    g.type = m5_large();
    g.policy = enipool::growth_policy_kind::prefix_first;
    g.max_pods = 110;
    g.cooldown = 1s;
    // Subnets: per node at most 7 prefixes + 1 warm (16 addresses each) + 3 ENI primaries.
    const std::uint64_t per_node = 8 * 16 + 3;
    const std::uint64_t subnets = (scale.nodes * per_node + 65535) / 65536;
    for (std::uint64_t i = 0; i < subnets; ++i)
        c.subnets.push_back(*enipool::subnet::create(
            enipool::ipv4_prefix::truncate(enipool::ipv4_address(100, static_cast<std::uint8_t>(64 + i), 0, 0), 16)));
    c.groups.push_back(g);
    c.workload.pods = scale.base_pods;
    c.workload.ramp = 60s;
    c.workload.churn_per_second = scale.churn;
    c.workload.burst_pods = 0;
    c.workload.seed = 42;
    c.ec2.seed = 42;
    c.autoscaler.min_nodes = scale.nodes;
    c.autoscaler.max_nodes = scale.nodes;
    c.duration = scale.duration;
    c.sample_interval = 10s;
    return c;
}

// Pod events of the workload alone up to `duration` (the reference for the checksum).
std::uint64_t expected_events(const sim::workload_config& w, sim::sim_time duration) {
    sim::workload gen(w);
    std::uint64_t events = 0;
    while (gen.peek() <= duration) {
        const auto e = gen.pop();
        events += e.kind == sim::workload_event_kind::replace ? 2 : 1;
    }
    return events;
}

void sim_cluster(benchmark::State& state) {
    const sim_scale scale(static_cast<unsigned>(state.range(0)));
    const sim::cluster_config cfg = scenario(scale);
    const std::uint64_t expected = expected_events(cfg.workload, scale.duration);
    std::uint64_t events = 0;
    double seconds = 0, cpu_seconds = 0;
    const auto cpu_now = [] {
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
               static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    };
    for (auto _ : state) {
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = cpu_now();
        auto c = sim::cluster::create(cfg);
        if (!c || !c->run()) {
            state.SkipWithError("the simulation failed");
            return;
        }
        seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        cpu_seconds += cpu_now() - c0;
        events += c->pod_events();
        benchmark::DoNotOptimize(c->pods_running());
        state.counters["pods_running_end"] = static_cast<double>(c->pods_running());
        state.counters["pods_pending_end"] = static_cast<double>(c->pods_pending());
    }
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    state.counters["events_per_second"] = static_cast<double>(events) / seconds;
    state.counters["cpu_events_per_second"] = static_cast<double>(events) / cpu_seconds;
    state.counters["pod_events"] = static_cast<double>(events / static_cast<std::uint64_t>(state.iterations()));
    state.counters["peak_rss_mb"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
    enipool_bench::verify_checksum(state, events / static_cast<std::uint64_t>(state.iterations()), expected);
}

// No ->Iterations(1): it would rename the run ("/iterations:1"); one run of 10 M events
// already exceeds the default minimum time, so Google Benchmark runs it once.
BENCHMARK(sim_cluster)->Name("sim/enipool")->Arg(1000)->Unit(benchmark::kSecond);
BENCHMARK(sim_cluster)->Name("sim/enipool")->Arg(20)->Unit(benchmark::kMillisecond);

} // namespace
