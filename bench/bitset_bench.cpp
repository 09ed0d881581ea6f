// bitset/enipool/<capacity>: take the first free lane, then free it again. The free lanes are
// the last 10% of the range, so every search descends through every level (the worst case).
#include "bench_support.hpp"

#include <enipool/bitset.hpp>

#include <memory>

namespace {

template <std::size_t Capacity>
void bitset_pair(benchmark::State& state) {
    auto free_lanes = std::make_unique<enipool::hierarchical_bitset<Capacity>>();
    const std::size_t first_free = Capacity - (Capacity + 9) / 10;
    for (std::size_t i = first_free; i < Capacity; ++i) free_lanes->set(i);
    std::uint64_t checksum = 0;
    std::uint64_t pairs = 0;
    for (auto _ : state) {
        const std::size_t lane = free_lanes->find_first();  // take
        free_lanes->reset(lane);
        benchmark::DoNotOptimize(lane);
        free_lanes->set(lane);                               // free again
        checksum += lane;
        ++pairs;
    }
    enipool_bench::verify_checksum(state, checksum, pairs * first_free);
    state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(bitset_pair<16>)->Name("bitset/enipool/16");
BENCHMARK(bitset_pair<256>)->Name("bitset/enipool/256");
BENCHMARK(bitset_pair<1008>)->Name("bitset/enipool/1008");
BENCHMARK(bitset_pair<24192>)->Name("bitset/enipool/24192");
BENCHMARK(bitset_pair<65536>)->Name("bitset/enipool/65536");
