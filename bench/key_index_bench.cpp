// handout_int/boost_flat_map/{16,256,1008,24192}: the key index alone, as a floor for the
// handout_int/enipool rows. The same workload (bench/handout_workload.hpp: 90% full, one new
// key filed and the oldest removed per pair, the same integer keys) on a bare
// boost::unordered_flat_map<std::uint64_t, 16-byte value>, which is what an integer-keyed
// node pool stores its pods in (detail::inline_pod_table). No lanes, no cooldown: whatever
// the node pool costs above this row is its own work; this row is what any pool that looks
// pods up by key through Boost's fastest map pays on this machine.
#include "bench_support.hpp"
#include "handout_workload.hpp"

#include <enipool/pod_table.hpp>

#include <boost/container_hash/hash.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace {

// The size and alignment of node_pool's allocation for integer keys.
struct pod_value {
    std::uint32_t address = 0;
    std::uint8_t eni = 0;
    std::uint16_t lane = 0;
    std::int64_t assigned_at = 0;
};

struct flat_map_adapter {
    // The inline pod table's hasher, so the map probes exactly as the pool's does.
    boost::unordered_flat_map<std::uint64_t, pod_value,
                              enipool::detail::pod_map_hash<std::uint64_t, boost::hash<std::uint64_t>>>
        pods;
    std::vector<std::uint64_t> keys;

    explicit flat_map_adapter(const enipool_bench::handout_shape& shape) {
        for (std::size_t i = 0; i < shape.keys(); ++i) keys.push_back(i * 0x9E3779B97F4A7C15ull);  // as handout_int
    }
    std::uint32_t assign(std::size_t i) {
        const auto [it, inserted] = pods.try_emplace(keys[i]);
        if (inserted) it->second = pod_value{0x64400001u + static_cast<std::uint32_t>(i), 0, 0, 0};
        return it->second.address;
    }
    std::uint32_t release(std::size_t i) {
        const auto it = pods.find(keys[i]);
        if (it == pods.end()) return 0;
        const std::uint32_t address = it->second.address;
        pods.erase(it);
        return address;
    }
    void advance(std::chrono::nanoseconds) {}
    std::vector<std::uint32_t> held_addresses() const {
        std::vector<std::uint32_t> out;
        for (const auto& [k, v] : pods) out.push_back(v.address);
        return out;
    }
};

void key_index(benchmark::State& state) {
    const auto capacity = static_cast<std::size_t>(state.range(0));
    const auto shape = enipool_bench::make_handout_shape(capacity);
    flat_map_adapter adapter(shape);
    enipool_bench::run_handout(state, adapter, shape);
}

} // namespace

BENCHMARK(key_index)->Name("handout_int/boost_flat_map")->Arg(16)->Arg(256)->Arg(1008)->Arg(24192);
