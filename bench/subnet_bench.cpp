// subnet_prefix/enipool/<used %> and subnet_address/enipool/<used %>: an allocate + release
// pair on a /16 where that percentage of the addresses is held by scattered single
// allocations while 5% of the /28 blocks are kept wholly free (so every prefix request
// succeeds). The address pair uses the random strategy (EC2's scatter). The checksum counts
// the pairs whose allocate and release both succeeded: it must equal the number of pairs.
#include "bench_support.hpp"

#include <enipool/subnet.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <vector>

namespace {

std::unique_ptr<enipool::subnet> fragmented_slash16(unsigned used_percent) {
    const auto cidr = enipool::ipv4_prefix::truncate(enipool::ipv4_address(198, 18, 0, 0), 16);
    auto s = std::make_unique<enipool::subnet>(*enipool::subnet::create(cidr, 7));
    // Every 20th block (5%) stays wholly free; the singles scatter over the other blocks.
    std::vector<std::uint32_t> candidates;
    for (std::uint32_t off = 0; off < 65536; ++off) {
        const std::uint32_t block = off / 16;
        const bool ec2_reserved = off < 4 || off == 65535;
        if (block % 20 != 10 && !ec2_reserved) candidates.push_back(off);
    }
    std::mt19937_64 rng(used_percent + 1);
    std::shuffle(candidates.begin(), candidates.end(), rng);
    const std::size_t used = std::size_t{65536} * used_percent / 100;
    for (std::size_t i = 0; i < used; ++i)
        if (!s->allocate_specific(enipool::ipv4_address(cidr.base().to_uint() + candidates[i])))
            return nullptr;
    return s;
}

// One allocate + release pair per iteration; `allocate(subnet&)` returns a result of what
// `release` takes back.
template <class Allocate>
void run_pairs(benchmark::State& state, unsigned used_percent, Allocate allocate) {
    auto s = fragmented_slash16(used_percent);
    if (!s) {
        state.SkipWithError("could not build the fragmented subnet");
        return;
    }
    std::uint64_t successes = 0;
    std::uint64_t pairs = 0;
    for (auto _ : state) {
        auto got = allocate(*s);
        benchmark::DoNotOptimize(got);
        if (got && s->release(*got)) ++successes;
        ++pairs;
    }
    enipool_bench::verify_checksum(state, successes, pairs);
    state.SetItemsProcessed(state.iterations());
}

void subnet_prefix_pair(benchmark::State& state, unsigned used_percent) {
    run_pairs(state, used_percent, [](enipool::subnet& s) { return s.allocate_prefix(); });
}

void subnet_address_pair(benchmark::State& state, unsigned used_percent) {
    run_pairs(state, used_percent, [](enipool::subnet& s) {
        return s.allocate_address(enipool::allocation_strategy::random);
    });
}

} // namespace

BENCHMARK_CAPTURE(subnet_prefix_pair, used0, 0u)->Name("subnet_prefix/enipool/0");
BENCHMARK_CAPTURE(subnet_prefix_pair, used50, 50u)->Name("subnet_prefix/enipool/50");
BENCHMARK_CAPTURE(subnet_prefix_pair, used90, 90u)->Name("subnet_prefix/enipool/90");
BENCHMARK_CAPTURE(subnet_address_pair, used0, 0u)->Name("subnet_address/enipool/0");
BENCHMARK_CAPTURE(subnet_address_pair, used50, 50u)->Name("subnet_address/enipool/50");
BENCHMARK_CAPTURE(subnet_address_pair, used90, 90u)->Name("subnet_address/enipool/90");
