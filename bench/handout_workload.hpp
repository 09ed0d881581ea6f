// handout_workload.hpp: the pod hand-out workload of the `handout/...` benchmarks, reusable
// for any pool implementation (enipool's node_pool, the VPC CNI port) through an adapter.
//
// A pool of `capacity` addresses is held 90% full. Each timed iteration is one pair: the
// clock moves by `step`, one new pod is assigned, the oldest pod is released. The cooldown
// (default 30 s) stays ON; `step = cooldown / cooling_budget` makes the cooldown queue drain
// at a steady state with about `cooling_budget` (half the spare) addresses cooling, so the
// other half is always free. Keys are generated before timing. The checksum is the sum of
// the handed-out addresses, which must equal the sum released plus the change of the sum
// held (read from the pool before and after).
//
// Adapter interface:
//   std::uint32_t assign(std::size_t key_index);   // address as integer; 0 = failure
//   std::uint32_t release(std::size_t key_index);  // address as integer; 0 = failure
//   void advance(std::chrono::nanoseconds);         // move the pool's clock
//   std::uint64_t held_sum();                        // sum of every pod's address
// Key indices are 0 .. held (held + 1 distinct keys; the adapter makes them up front).
#pragma once

#include "bench_support.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace enipool_bench {

/// The numbers of one handout run.
struct handout_shape {
    std::size_t capacity = 0;
    std::size_t held = 0;            ///< pods held: 90% of capacity
    std::size_t cooling_budget = 0;  ///< addresses cooling at the steady state
    std::chrono::nanoseconds cooldown{};
    std::chrono::nanoseconds step{};  ///< clock advance per pair
    [[nodiscard]] std::size_t keys() const noexcept { return held + 1; }
};

inline handout_shape make_handout_shape(std::size_t capacity,
                                        std::chrono::nanoseconds cooldown = std::chrono::seconds(30)) {
    handout_shape s;
    s.capacity = capacity;
    s.held = capacity * 9 / 10;
    s.cooling_budget = std::max<std::size_t>(1, (capacity - s.held) / 2);
    s.cooldown = cooldown;
    // Rounded up so that at most cooling_budget addresses cool at any time.
    s.step = (cooldown + std::chrono::nanoseconds(static_cast<long>(s.cooling_budget) - 1)) /
             static_cast<long>(s.cooling_budget);
    return s;
}

/// Runs the workload on `pool` (an adapter, see above) under Google Benchmark's `state`.
template <class Adapter>
void run_handout(benchmark::State& state, Adapter& pool, const handout_shape& shape) {
    const std::size_t keys = shape.keys();
    for (std::size_t i = 0; i < shape.held; ++i)
        if (pool.assign(i) == 0) {
            state.SkipWithError("could not fill the pool to 90%");
            return;
        }
    // Warm up until the cooldown queue is at its steady state.
    std::size_t next = 0;              // the oldest pod's key index
    std::size_t newest = shape.held;   // the next new pod's: (next + held) % keys, kept without a division
    const auto pair = [&](std::uint64_t& assigned_sum, std::uint64_t& released_sum) {
        pool.advance(shape.step);
        const std::uint32_t a = pool.assign(newest);
        const std::uint32_t r = pool.release(next);
        next = next + 1 == keys ? 0 : next + 1;
        newest = newest + 1 == keys ? 0 : newest + 1;
        assigned_sum += a;
        released_sum += r;
        return a != 0 && r != 0;
    };
    std::uint64_t ignore_a = 0, ignore_r = 0;
    for (std::size_t i = 0; i < 2 * shape.cooling_budget + 16; ++i)
        if (!pair(ignore_a, ignore_r)) {
            state.SkipWithError("warm-up pair failed");
            return;
        }
    const std::uint64_t held_before = pool.held_sum();
    std::uint64_t assigned_sum = 0, released_sum = 0;
    bool ok = true;
    for (auto _ : state) ok &= pair(assigned_sum, released_sum);
    if (!ok) {
        state.SkipWithError("an assign or release failed during the run");
        return;
    }
    const std::uint64_t held_after = pool.held_sum();
    verify_checksum(state, assigned_sum, released_sum + held_after - held_before);
    state.SetItemsProcessed(state.iterations());
    state.counters["capacity"] = static_cast<double>(shape.capacity);
}

} // namespace enipool_bench
