// subnet_prefix/enipool/<used %> and subnet_address/enipool/<used %>: an allocate + release
// pair on a /16 where that percentage of the addresses is held by scattered single
// allocations while 5% of the /28 blocks are kept wholly free (so every prefix request
// succeeds). The address pair uses the random strategy (EC2's scatter). The checksum counts
// the pairs whose allocate and release both succeeded: it must equal the number of pairs.
// Then, outside the timed region, the subnet is drained: allocating until it refuses must
// hand out exactly the free /28 blocks (or free addresses) of the benchmark's own record of
// what it took (EC2's 5 reserved addresses and the scattered singles), each inside the /16,
// aligned, and free in that record; anything else fails the run.
#include "bench_support.hpp"

#include <enipool/subnet.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

constexpr std::uint32_t subnet_size = 65536;

/// A fragmented /16 and the benchmark's own record of its taken addresses.
struct fragmented_subnet {
    std::unique_ptr<enipool::subnet> subnet;
    std::vector<bool> taken = std::vector<bool>(subnet_size);  ///< by offset: EC2-reserved or a single
};

fragmented_subnet fragmented_slash16(unsigned used_percent) {
    const auto cidr = enipool::ipv4_prefix::truncate(enipool::ipv4_address(198, 18, 0, 0), 16);
    fragmented_subnet f;
    f.subnet = std::make_unique<enipool::subnet>(*enipool::subnet::create(cidr, 7));
    // Every 20th block (5%) stays wholly free; the singles scatter over the other blocks.
    std::vector<std::uint32_t> candidates;
    for (std::uint32_t off = 0; off < subnet_size; ++off) {
        const std::uint32_t block = off / 16;
        const bool ec2_reserved = off < 4 || off == subnet_size - 1;
        if (ec2_reserved) f.taken[off] = true;
        if (block % 20 != 10 && !ec2_reserved) candidates.push_back(off);
    }
    std::mt19937_64 rng(used_percent + 1);
    std::shuffle(candidates.begin(), candidates.end(), rng);
    const std::size_t used = std::size_t{subnet_size} * used_percent / 100;
    for (std::size_t i = 0; i < used; ++i) {
        if (!f.subnet->allocate_specific(enipool::ipv4_address(cidr.base().to_uint() + candidates[i])))
            return {};
        f.taken[candidates[i]] = true;
    }
    return f;
}

// The addresses of what an allocation handed out: a first offset into the /16 and a count.
std::pair<std::uint64_t, std::uint32_t> span_of(const enipool::ipv4_address& a, const enipool::ipv4_prefix& cidr) {
    return {std::uint64_t{a.to_uint()} - cidr.base().to_uint(), 1};
}
std::pair<std::uint64_t, std::uint32_t> span_of(const enipool::ipv4_prefix& p, const enipool::ipv4_prefix& cidr) {
    return {std::uint64_t{p.base().to_uint()} - cidr.base().to_uint(), std::uint32_t{1} << (32 - p.length())};
}

// Drains the subnet with `allocate` (outside the timed region) and checks every allocation
// against the record, and their number against the free units of `unit` addresses in it.
template <class Allocate>
void verify_drain(benchmark::State& state, fragmented_subnet& f, std::uint32_t unit, Allocate allocate) {
    std::uint64_t expected = 0;
    for (std::uint32_t off = 0; off < subnet_size; off += unit)
        expected += std::none_of(f.taken.begin() + off, f.taken.begin() + off + unit, [](bool t) { return t; });
    std::uint64_t handed_out = 0;
    const auto& cidr = f.subnet->cidr();
    while (auto got = allocate(*f.subnet)) {
        const auto [first, count] = span_of(*got, cidr);
        const bool fits = count == unit && first % unit == 0 && first + count <= subnet_size &&
                          std::none_of(f.taken.begin() + static_cast<long>(first),
                                       f.taken.begin() + static_cast<long>(first + count), [](bool t) { return t; });
        if (!fits) {
            const std::string what = "drain: handed out " + got->to_string() + ", not a free /" +
                                     std::to_string(unit == 1 ? 32 : 28) + " of the subnet";
            state.SkipWithError(what.c_str());
            return;
        }
        std::fill_n(f.taken.begin() + static_cast<long>(first), count, true);
        ++handed_out;
    }
    if (handed_out != expected) {
        const std::string what = "drain: handed out " + std::to_string(handed_out) + " before refusing, expected " +
                                 std::to_string(expected);
        state.SkipWithError(what.c_str());
    }
}

// One allocate + release pair per iteration; `allocate(subnet&)` returns a result of what
// `release` takes back, `unit` addresses at a time.
template <class Allocate>
void run_pairs(benchmark::State& state, unsigned used_percent, std::uint32_t unit, Allocate allocate) {
    auto f = fragmented_slash16(used_percent);
    if (!f.subnet) {
        state.SkipWithError("could not build the fragmented subnet");
        return;
    }
    auto& s = f.subnet;
    std::uint64_t successes = 0;
    std::uint64_t pairs = 0;
    for (auto _ : state) {
        auto got = allocate(*s);
        benchmark::DoNotOptimize(got);
        if (got && s->release(*got)) ++successes;
        ++pairs;
    }
    enipool_bench::verify_checksum(state, successes, pairs);
    if (!state.error_occurred()) verify_drain(state, f, unit, allocate);
    state.SetItemsProcessed(state.iterations());
}

void subnet_prefix_pair(benchmark::State& state, unsigned used_percent) {
    run_pairs(state, used_percent, 16, [](enipool::subnet& s) { return s.allocate_prefix(); });
}

void subnet_address_pair(benchmark::State& state, unsigned used_percent) {
    run_pairs(state, used_percent, 1, [](enipool::subnet& s) {
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
