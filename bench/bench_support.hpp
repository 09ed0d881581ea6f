// Shared helpers for enipool-bench: checksum verification so no work can be optimised away.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

namespace enipool_bench {

/// Marks the run as failed when the work's checksum differs from what it must be.
inline void verify_checksum(benchmark::State& state, std::uint64_t got, std::uint64_t expected) {
    benchmark::DoNotOptimize(got);
    if (got != expected) {
        const std::string what = "checksum mismatch: got " + std::to_string(got) + ", expected " +
                                 std::to_string(expected);
        state.SkipWithError(what.c_str());
    }
    state.counters["checksum"] = static_cast<double>(got % 1000000007u);
}

} // namespace enipool_bench
