// catalog_csv/enipool/<rows>: parse an instance table of that many rows (synthetic rows in
// the shared CSV format, generated with known limits). Checksum: the sum of max_enis,
// known from the generator.
// max_pods/side_by_side/<rows>: all six calculators (enipool::all_calculators) on every type
// of such a catalog (what `enipool-plan max-pods --all` computes). Checksum: the sum of all
// figures, from the plain formulas of docs/domain.md section 2 over the generator's limits
// (no vCPUs: nodeadm without an expression, al2-script with show-max-allowed, karpenter
// without options, auto-mode = min(110, enipool prefix-first)).
#include "bench_support.hpp"

#include <enipool/catalog.hpp>
#include <enipool/max_pods.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace {

struct synthetic_table {
    std::string csv;
    std::uint64_t sum_max_enis = 0;
    std::uint64_t sum_figures = 0;
};

synthetic_table make_table(std::size_t rows) {
    synthetic_table t;
    t.csv = "instance_type,max_enis,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,bare_metal\n";
    for (std::size_t i = 0; i < rows; ++i) {
        const std::uint64_t enis = 1 + i % 24;      // 1..24
        const std::uint64_t ipv4 = 2 + (i * 7) % 63; // 2..64
        const bool xen = i % 10 == 0;
        t.csv += fmt::format("t{}.bench,{},{},0,0:{},{},false\n", i, enis, ipv4, enis, xen ? "xen" : "nitro");
        t.sum_max_enis += enis;
        const std::uint64_t secondary = enis * (ipv4 - 1) + 2;
        const std::uint64_t own = xen ? secondary : enis * (ipv4 - 1) * 16 + 2;
        // eni-max-pods, nodeadm, al2-script (uncapped, no prefix), karpenter: the secondary
        // formula; auto-mode, enipool: the node's own (prefix on Nitro, secondary on Xen).
        t.sum_figures += secondary * 4 + std::min<std::uint64_t>(110, own) + own;
    }
    return t;
}

void bm_catalog_csv(benchmark::State& state, std::size_t rows) {
    const auto table = make_table(rows);
    std::uint64_t sum = 0;
    for (auto _ : state) {
        auto parsed = enipool::parse_catalog_csv(table.csv);
        sum = 0;
        if (parsed)
            for (const auto& entry : *parsed) sum += entry.second.max_enis;
        benchmark::DoNotOptimize(sum);
    }
    enipool_bench::verify_checksum(state, sum, table.sum_max_enis);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rows));
}

void bm_side_by_side(benchmark::State& state, std::size_t rows) {
    const auto table = make_table(rows);
    const auto parsed = enipool::parse_catalog_csv(table.csv);
    if (!parsed) {
        state.SkipWithError("synthetic table did not parse");
        return;
    }
    enipool::max_pods_options options;
    options.al2_script.show_max_allowed = true;
    std::uint64_t sum = 0;
    for (auto _ : state) {
        sum = 0;
        for (const auto& entry : *parsed)
            for (auto c : enipool::all_calculators) {
                auto figure = enipool::max_pods(c, entry.second, options);
                sum += figure ? *figure : 0;
            }
        benchmark::DoNotOptimize(sum);
    }
    enipool_bench::verify_checksum(state, sum, table.sum_figures);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rows));
}

} // namespace

BENCHMARK_CAPTURE(bm_catalog_csv, rows1391, std::size_t{1391})->Name("catalog_csv/enipool/1391");
BENCHMARK_CAPTURE(bm_side_by_side, rows1391, std::size_t{1391})->Name("max_pods/side_by_side/1391");
