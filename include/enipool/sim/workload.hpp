// enipool/sim/workload.hpp: a seeded workload of pod arrivals and departures on virtual time.
//
// Three streams, merged in time order (ties: ramp, churn, burst):
//  - the ramp: the base deployment's `pods` pods arrive evenly over `ramp`;
//  - churn: a Poisson process of `churn_per_second` replacements (a random existing pod is
//    deleted and a new pod of the same deployment created, as a rollout or a crash does);
//  - bursts: every `burst_every` a new deployment scales up by `burst_pods`, and scales down
//    to 0 `burst_hold` later.
// The generator only says what happens when; the cluster owns the pods. Its random numbers
// come from `sim::rng` (splitmix64, the same sequence on every compiler and library).
#pragma once

#include <enipool/sim/ec2.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

namespace enipool::sim {

/// A small seeded generator (splitmix64): portable, so same seed -> same run everywhere.
class rng {
public:
    explicit rng(std::uint64_t seed = 1) noexcept : state_(seed) {}
    /// The next 64 random bits. O(1).
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1). O(1).
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [0, n) (n > 0; n < 2^32). O(1).
    std::uint64_t below(std::uint64_t n) noexcept { return ((next() >> 32) * n) >> 32; }
    /// An exponentially distributed gap of mean 1/rate seconds (rate > 0). O(1).
    sim_time exponential(double rate) noexcept {
        const double seconds = -std::log1p(-uniform()) / rate;
        return std::chrono::duration_cast<sim_time>(std::chrono::duration<double>(seconds));
    }

private:
    std::uint64_t state_;
};

/// The workload's knobs; every default here (a small cluster's steady state with churn).
struct workload_config {
    std::uint64_t pods = 200;                        ///< pods of the base deployment
    sim_time ramp = std::chrono::seconds(60);        ///< the base pods arrive evenly over this
    double churn_per_second = 1.0;                   ///< Poisson rate of pod replacements (0: none)
    std::uint64_t burst_pods = 0;                    ///< pods a burst deployment adds (0: no bursts)
    sim_time burst_every = std::chrono::minutes(10); ///< a burst starts every this long (first at 1x)
    sim_time burst_hold = std::chrono::minutes(5);   ///< and scales down to 0 this long later (<= burst_every)
    std::uint64_t seed = 1;
};

/// What happens at one point of the workload.
enum class workload_event_kind : std::uint8_t {
    create,      ///< one pod of `deployment` is created
    replace,     ///< a random existing pod is deleted and one of its deployment created
    scale_up,    ///< `count` pods of the new deployment `deployment` are created
    scale_down,  ///< every pod of `deployment` is deleted
};

struct workload_event {
    sim_time at{};
    workload_event_kind kind = workload_event_kind::create;
    std::uint32_t deployment = 0;  ///< 0: the base deployment; k: the k-th burst
    std::uint64_t count = 1;
};

/// The merged event stream of a workload. `peek()` and `pop()` are O(1); the generator
/// holds O(1) state (one pending time per stream).
class workload {
public:
    static constexpr sim_time never = sim_time::max();

    /// O(1), no errors (a negative or NaN churn rate counts as 0; burst_hold is clamped to
    /// 0 .. burst_every so bursts never overlap).
    explicit workload(const workload_config& c) noexcept
        : config_(c), rng_(c.seed ^ 0x776f726b6c6f6164u), picks_(c.seed ^ 0x7069636b73u) {
        if (!(config_.churn_per_second > 0)) config_.churn_per_second = 0;
        next_churn_ = config_.churn_per_second > 0 ? rng_.exponential(config_.churn_per_second) : never;
        next_burst_ = config_.burst_pods > 0 && config_.burst_every > sim_time::zero() ? config_.burst_every : never;
        config_.burst_hold = std::clamp(config_.burst_hold, sim_time::zero(), config_.burst_every);
    }

    /// The time of the next event (`never` when none is left). O(1).
    [[nodiscard]] sim_time peek() const noexcept { return std::min({ramp_time(), next_churn_, burst_time()}); }

    /// The next event, advancing its stream. Precondition: peek() != never. O(1).
    workload_event pop() noexcept {
        const sim_time r = ramp_time(), c = next_churn_, b = burst_time();
        if (r <= c && r <= b) {
            ++ramped_;
            return {r, workload_event_kind::create, 0, 1};
        }
        if (c <= b) {
            next_churn_ = c + rng_.exponential(config_.churn_per_second);
            return {c, workload_event_kind::replace, 0, 1};
        }
        if (down_pending_ && down_at_ <= next_burst_) {
            down_pending_ = false;
            return {down_at_, workload_event_kind::scale_down, bursts_, 0};
        }
        const sim_time at = next_burst_;
        ++bursts_;
        down_pending_ = true;
        down_at_ = at + config_.burst_hold;
        next_burst_ = at + config_.burst_every;
        return {at, workload_event_kind::scale_up, bursts_, config_.burst_pods};
    }

    /// Random numbers for the consumer (the cluster picks the pod a `replace` deletes), apart
    /// from the event times' own: drawing from it never moves an event. O(1).
    rng& random() noexcept { return picks_; }
    /// The configuration in force (churn and burst hold clamped). O(1).
    [[nodiscard]] const workload_config& settings() const noexcept { return config_; }

private:
    [[nodiscard]] sim_time ramp_time() const noexcept {
        if (ramped_ >= config_.pods) return never;
        // pod i arrives at i * ramp / pods (IEEE double, truncated: the same everywhere)
        const double ramp = static_cast<double>(config_.ramp.count());
        return sim_time(static_cast<sim_time::rep>(ramp * static_cast<double>(ramped_) /
                                                    static_cast<double>(config_.pods)));
    }
    [[nodiscard]] sim_time burst_time() const noexcept {
        // a burst's scale-down comes before the next scale-up when it is due first
        return down_pending_ ? std::min(down_at_, next_burst_) : next_burst_;
    }

    workload_config config_;
    rng rng_;
    rng picks_;
    std::uint64_t ramped_ = 0;
    sim_time next_churn_ = never;
    sim_time next_burst_ = never;
    bool down_pending_ = false;
    sim_time down_at_ = never;
    std::uint32_t bursts_ = 0;
};

} // namespace enipool::sim
