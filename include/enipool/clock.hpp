// enipool/clock.hpp: the clocks a node pool runs on. Cooldowns and back-offs use a steady
// clock; tests and simulators inject `manual_clock` and move time themselves.
#pragma once

#include <chrono>

namespace enipool {

/// The default clock: monotonic, real time.
using steady_clock = std::chrono::steady_clock;

/// A clock whose time moves only when told to; deterministic tests and simulations.
/// Meets the Cpp17Clock requirements with a per-object `now()` (pools hold a reference).
class manual_clock {
public:
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<manual_clock, duration>;
    static constexpr bool is_steady = true;

    [[nodiscard]] time_point now() const noexcept { return now_; }
    /// Moves time forward by `d` (negative durations are ignored: the clock is steady).
    void advance(duration d) noexcept {
        if (d > duration::zero()) now_ += d;
    }
    /// Sets the time, if it is not earlier than now.
    void set(time_point t) noexcept {
        if (t > now_) now_ = t;
    }

private:
    time_point now_{};
};

} // namespace enipool
