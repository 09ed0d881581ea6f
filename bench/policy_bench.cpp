// plan/<strategy>/<enis>: one warm strategy's plan() on a pool view of that many ENIs of 63
// /28 prefixes each (3: a small node, 24: a c8a.48xlarge, 24,192 addresses). On every ENI
// the first 61 prefixes are full and the last 2 wholly free (free for 1,000 s), so each
// strategy gives capacity back. Checksum: the CIDRs released, derived by hand:
//   free prefixes F = 2 * enis, free addresses 16 F;
//   vpc_cni_warm (WARM_PREFIX_TARGET 1): F - 1;
//   cilium_watermarks (pre 8, improved(): release on, whole /28s across ENIs):
//     floor((16 F - 8) / 16) = F - 1;
//   auto_mode_warm (warm 16): (16 F - 16) / 16 = F - 1 whole /28s.
// So every row releases 2 * enis - 1 CIDRs per plan.
#include "bench_support.hpp"

#include <enipool/policy.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

namespace {

enipool::pool_view make_view(unsigned enis) {
    using namespace std::chrono_literals;
    enipool::pool_view v;
    v.now = 1000s;
    v.mode = enipool::address_mode::prefix;
    v.slots_per_eni = 63;
    v.max_enis = enis;
    for (unsigned i = 0; i < enis; ++i) {
        enipool::eni_view e;
        e.id = "eni-" + std::to_string(i);
        e.device_index = i;
        e.primary = i == 0;
        e.slots_total = e.slots_used = e.prefixes = 63;
        e.assigned = 61 * 16;
        e.free = 2 * 16;
        e.prefix_lanes = {63 * 16, 2 * 16, 0};
        e.unassigned_prefixes = 2;
        for (unsigned s = 61; s < 63; ++s) {
            const auto cidr = enipool::ipv4_prefix::truncate(
                enipool::ipv4_address(100, static_cast<std::uint8_t>(64 + i), static_cast<std::uint8_t>(s), 0), 28);
            e.wholly_free.push_back({cidr, 0s});
            e.freeable.push_back(cidr);  // no pod holds an address of it
        }
        v.assigned += e.assigned;
        v.free += e.free;
        v.total_prefixes += 63;
        v.free_prefixes += 2;
        v.enis.push_back(std::move(e));
    }
    v.total = v.assigned + v.free;
    return v;
}

template <class Strategy>
void plan_bench(benchmark::State& state, typename Strategy::config cfg) {
    const auto enis = static_cast<unsigned>(state.range(0));
    const enipool::pool_view v = make_view(enis);
    const Strategy strategy(cfg);
    std::uint64_t released = 0;
    std::uint64_t rounds = 0;
    for (auto _ : state) {
        const auto plan = strategy.plan(v);
        for (const auto& a : plan)
            if (const auto* r = std::get_if<enipool::release_from_eni>(&a)) released += r->cidrs.size();
        ++rounds;
    }
    enipool_bench::verify_checksum(state, released, rounds * (2ull * enis - 1));
}

enipool::vpc_cni_warm_config vpc_config() {
    enipool::vpc_cni_warm_config c;
    c.warm_prefix_target = 1;
    return c;
}

void plan_vpc_cni(benchmark::State& state) { plan_bench<enipool::vpc_cni_warm>(state, vpc_config()); }
void plan_cilium(benchmark::State& state) { plan_bench<enipool::cilium_watermarks>(state, enipool::cilium_watermarks_config::improved()); }
void plan_auto_mode(benchmark::State& state) { plan_bench<enipool::auto_mode_warm>(state, {}); }

} // namespace

BENCHMARK(plan_vpc_cni)->Name("plan/vpc_cni_warm")->Arg(3)->Arg(24);
BENCHMARK(plan_cilium)->Name("plan/cilium_watermarks")->Arg(3)->Arg(24);
BENCHMARK(plan_auto_mode)->Name("plan/auto_mode_warm")->Arg(3)->Arg(24);
