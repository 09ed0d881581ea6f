// handout/vpc_cni_port/<capacity>: one release + assign pair on the port of the VPC CNI's
// datastore (bench/baseline/vpc_cni_datastore.hpp), under the same workload as
// handout/enipool/<capacity>: CNI keys with 64-hex container ids, prefix mode, the pool held
// 90% full, the 30 s cooldown on, and the clock advanced each pair so that the number of
// cooling addresses stays at a steady state (never by turning the cooldown off).
//
// The workload's numbers (shared with the node pool's benchmark; keep them equal):
//  - capacity 16 = 1 prefix, 256 = 16 prefixes, 1008 = one ENI of 63 prefixes,
//    24192 = 24 ENIs x 63 prefixes (a c8a.48xlarge); prefixes from 198.18.0.0 upward;
//  - pods held: capacity * 9 / 10 (14, 230, 907, 21772);
//  - each pair: release the oldest pod, advance the clock, assign a new pod (a fresh key);
//  - clock step: 2 * cooldown / free + 1 ns, with free = capacity - held, so about free / 2
//    addresses cool at any time and a free, non-cooling address always remains.
// Setup (filling the pool, as a checkpoint restore) runs once per size and is not timed; the
// state persists across Google Benchmark's runs of the same size (the workload is a steady
// state, so a later run starts where the previous one stopped).
#include "bench_support.hpp"

#include "baseline/vpc_cni_datastore.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace {

using enipool_baseline::vpc_cni_datastore;
using enipool_baseline::vpc_cni_key;
using namespace std::chrono_literals;

constexpr std::chrono::nanoseconds cooldown = 30s;
constexpr std::size_t held_pods(std::size_t capacity) { return capacity * 9 / 10; }
constexpr std::chrono::nanoseconds clock_step(std::size_t capacity) {
    return 2 * cooldown / static_cast<long>(capacity - held_pods(capacity)) + 1ns;
}

// A container id as runtimes make them: 64 hex digits, random-looking (splitmix64 of `n`).
std::string container_id(std::uint64_t n) {
    std::string id;
    id.reserve(64);
    std::uint64_t x = n;
    for (int part = 0; part < 4; ++part) {
        x += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        fmt::format_to(std::back_inserter(id), "{:016x}", z);
    }
    return id;
}

vpc_cni_key pod_key(std::uint64_t n) { return {"aws-cni", container_id(n), "eth0"}; }

struct workload_state {
    vpc_cni_datastore datastore{true, cooldown};
    std::deque<vpc_cni_key> live;  // pods held, oldest first
    vpc_cni_datastore::time_point now{};
    std::uint64_t next_pod = 0;
    bool broken = false;

    // One pair: release the oldest pod, advance the clock, assign a new one. 2 = both worked.
    std::uint64_t pair(std::chrono::nanoseconds step) {
        std::uint64_t ok = 0;
        if (datastore.release(live.front(), now)) ++ok;
        live.pop_front();
        now += step;
        live.push_back(pod_key(next_pod++));
        if (datastore.assign(live.back(), now)) ++ok;
        return ok;
    }
};

template <std::size_t Capacity>
workload_state& state_for() {
    static std::unique_ptr<workload_state> state = [] {
        auto s = std::make_unique<workload_state>();
        constexpr std::size_t prefixes = Capacity / 16;
        constexpr std::size_t per_eni = 63;
        for (std::size_t p = 0; p < prefixes; ++p) {
            const std::string eni = fmt::format("eni-{:017x}", p / per_eni);
            if (p % per_eni == 0 && !s->datastore.add_eni(eni, static_cast<int>(p / per_eni), p == 0))
                s->broken = true;
            const auto base = enipool::ipv4_address(198, 18, 0, 0).to_uint() + static_cast<std::uint32_t>(16 * p);
            if (!s->datastore.add_ipv4_cidr(eni, enipool::ipv4_address(base).to_string() + "/28", true))
                s->broken = true;
        }
        // Filled as the VPC CNI restores its checkpoint (O(CIDRs) per pod, no key scan), the
        // lowest addresses first, which is where assign would have put them.
        for (std::size_t i = 0; i < held_pods(Capacity); ++i) {
            s->live.push_back(pod_key(s->next_pod++));
            const auto address = enipool::ipv4_address(198, 18, 0, 0).to_uint() + static_cast<std::uint32_t>(i);
            if (!s->datastore.restore_assignment(s->live.back(), enipool::ipv4_address(address).to_string(), s->now))
                s->broken = true;
        }
        // Warm up until the cooling addresses reach their steady state (one cooldown).
        const auto step = clock_step(Capacity);
        for (auto t = 0ns; t <= cooldown + step; t += step)
            if (s->pair(step) != 2) s->broken = true;
        return s;
    }();
    return *state;
}

template <std::size_t Capacity>
void vpc_cni_port_pair(benchmark::State& state) {
    workload_state& w = state_for<Capacity>();
    if (w.broken) {
        state.SkipWithError("setup failed: the port refused an ENI, a CIDR or a pod");
        return;
    }
    const auto step = clock_step(Capacity);
    std::uint64_t checksum = 0;
    std::uint64_t pairs = 0;
    for (auto _ : state) {
        checksum += w.pair(step);
        ++pairs;
    }
    // Every release and every assign must succeed: 2 per pair.
    enipool_bench::verify_checksum(state, checksum, 2 * pairs);
    state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(vpc_cni_port_pair<16>)->Name("handout/vpc_cni_port/16");
BENCHMARK(vpc_cni_port_pair<256>)->Name("handout/vpc_cni_port/256");
BENCHMARK(vpc_cni_port_pair<1008>)->Name("handout/vpc_cni_port/1008");
BENCHMARK(vpc_cni_port_pair<24192>)->Name("handout/vpc_cni_port/24192");
