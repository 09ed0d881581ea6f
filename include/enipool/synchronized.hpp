// enipool/synchronized.hpp: synchronized<Pool>, a mutex adapter for pools shared by threads.
//
// The pools are single-threaded like containers. An agent serving concurrent CNI requests
// wraps its pool: every call takes the lock for its duration; `with_lock(f)` runs a compound
// operation (find, then assign...) under one lock.
#pragma once

#include <mutex>
#include <utility>

namespace enipool {

/// A `Pool` behind a mutex. Each forwarding member takes the lock for the call (the cost of
/// an uncontended std::mutex on top of the pool's own complexity) and returns what the pool
/// returns (by value: references would outlive the lock).
template <class Pool>
class synchronized {
public:
    using pool_type = Pool;

    explicit synchronized(Pool pool) : pool_(std::move(pool)) {}

    /// Runs `f(pool)` under the lock and returns its result. For compound operations.
    template <class F>
    decltype(auto) with_lock(F&& f) {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::forward<F>(f)(pool_);
    }
    template <class F>
    decltype(auto) with_lock(F&& f) const {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::forward<F>(f)(static_cast<const Pool&>(pool_));
    }

    /// pool.assign(args...) under the lock.
    template <class... Args>
    auto assign(Args&&... args) {
        return with_lock([&](Pool& p) { return p.assign(std::forward<Args>(args)...); });
    }
    /// pool.assign_specific(args...) under the lock.
    template <class... Args>
    auto assign_specific(Args&&... args) {
        return with_lock([&](Pool& p) { return p.assign_specific(std::forward<Args>(args)...); });
    }
    /// pool.release(key) under the lock.
    template <class Key>
    auto release(const Key& key) {
        return with_lock([&](Pool& p) { return p.release(key); });
    }
    /// pool.stats() under the lock.
    auto stats() {
        return with_lock([](Pool& p) { return p.stats(); });
    }
    /// pool.plan() under the lock (node pools).
    auto plan() {
        return with_lock([](Pool& p) { return p.plan(); });
    }
    /// pool.apply(outcome) under the lock (node pools).
    template <class Outcome>
    auto apply(const Outcome& o) {
        return with_lock([&](Pool& p) { return p.apply(o); });
    }
    /// pool.check() under the lock.
    auto check() const {
        return with_lock([](const Pool& p) { return p.check(); });
    }

private:
    mutable std::mutex mutex_;
    Pool pool_;
};

} // namespace enipool
