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
// After the timed loop (outside the timed region) a verification phase proves that no
// address was held twice, which the conservation identity above cannot see: the pool must
// hold exactly `held` distinct addresses; then `verify_pairs` more pairs (2 x keys: every
// pod is replaced twice) run against a set of the addresses held, kept here: an assign that
// returns an address already held, or a release that returns one not held, fails the run.
//
// Adapter interface:
//   std::uint32_t assign(std::size_t key_index);   // address as integer; 0 = failure
//   std::uint32_t release(std::size_t key_index);  // address as integer; 0 = failure
//   void advance(std::chrono::nanoseconds);         // move the pool's clock
//   std::vector<std::uint32_t> held_addresses() const;  // every pod's address, one per pod
// Key indices are 0 .. held (held + 1 distinct keys; the adapter makes them up front).
#pragma once

#include "bench_support.hpp"

#include <enipool/ip.hpp>

#include <benchmark/benchmark.h>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace enipool_bench {

/// The numbers of one handout run.
struct handout_shape {
    std::size_t capacity = 0;
    std::size_t held = 0;            ///< pods held: 90% of capacity
    std::size_t cooling_budget = 0;  ///< addresses cooling at the steady state
    std::chrono::nanoseconds cooldown{};
    std::chrono::nanoseconds step{};  ///< clock advance per pair
    std::size_t verify_pairs = 0;     ///< pairs of the verification phase: 2 x keys
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
    s.verify_pairs = 2 * s.keys();
    return s;
}

/// The sum of the addresses the pool holds (the conservation identity's "held").
template <class Adapter>
std::uint64_t held_sum(const Adapter& pool) {
    const std::vector<std::uint32_t> held = pool.held_addresses();
    return std::accumulate(held.begin(), held.end(), std::uint64_t{0});
}

/// The verification phase (see above), after the timed loop: `next` and `newest` continue
/// the workload's key indices. Marks the run as failed, with a sentence, on the first fault.
template <class Adapter>
void verify_no_address_held_twice(benchmark::State& state, Adapter& pool, const handout_shape& shape,
                                  std::size_t next, std::size_t newest) {
    const auto fail = [&](const std::string& what) { state.SkipWithError(what.c_str()); };
    const auto text = [](std::uint32_t a) { return enipool::ipv4_address(a).to_string(); };
    boost::unordered_flat_set<std::uint32_t> held;
    for (const std::uint32_t a : pool.held_addresses())
        if (!held.insert(a).second) return fail("address " + text(a) + " is held by two pods");
    if (held.size() != shape.held)
        return fail("the pool holds " + std::to_string(held.size()) + " addresses, expected " +
                    std::to_string(shape.held));
    const std::size_t keys = shape.keys();
    for (std::size_t i = 0; i < shape.verify_pairs; ++i) {
        pool.advance(shape.step);
        const std::uint32_t a = pool.assign(newest);
        if (a == 0 || !held.insert(a).second)
            return fail("verification pair " + std::to_string(i) + ": assign returned " +
                        (a == 0 ? "a failure" : text(a) + ", an address already held"));
        const std::uint32_t r = pool.release(next);
        if (r == 0 || held.erase(r) == 0)
            return fail("verification pair " + std::to_string(i) + ": release returned " +
                        (r == 0 ? "a failure" : text(r) + ", an address not held"));
        next = next + 1 == keys ? 0 : next + 1;
        newest = newest + 1 == keys ? 0 : newest + 1;
    }
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
    const std::uint64_t held_before = held_sum(pool);
    std::uint64_t assigned_sum = 0, released_sum = 0;
    bool ok = true;
    for (auto _ : state) ok &= pair(assigned_sum, released_sum);
    if (!ok) {
        state.SkipWithError("an assign or release failed during the run");
        return;
    }
    const std::uint64_t held_after = held_sum(pool);
    verify_checksum(state, assigned_sum, released_sum + held_after - held_before);
    if (!state.error_occurred()) verify_no_address_held_twice(state, pool, shape, next, newest);
    state.SetItemsProcessed(state.iterations());
    state.counters["capacity"] = static_cast<double>(shape.capacity);
}

} // namespace enipool_bench
