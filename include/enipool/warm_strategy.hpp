// enipool/warm_strategy.hpp: the warm_strategy concept, how much spare capacity a pool holds.
//
// A warm strategy turns a `pool_view` (the pool's counts, its ENIs, the growth policy's unit
// and back-off) into the actions an agent should take with EC2: attach an ENI, assign more
// IPs / prefixes, release wholly free CIDRs, detach an ENI. It is a pure function of the view
// and its own `config`; request ids are stamped by the pool afterwards.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/pool_view.hpp>

#include <concepts>
#include <vector>

namespace enipool {

/// What a node pool needs from its warm-strategy template parameter.
///
/// ```
/// struct my_warm {
///     struct config { unsigned warm_addresses = 16; };
///     explicit my_warm(const config&);
///     std::vector<action> plan(const pool_view& v) const;
/// };
/// ```
/// For a readable diagnostic of a type that does not satisfy it, write
/// `ENIPOOL_CHECK_WARM_STRATEGY(my_warm);` (one static_assert per missing member).
/// Optional: `static result<void> check_config(const config&)`; node_pool::create calls it
/// and refuses a configuration it rejects (settings that contradict each other).
template <class W>
concept warm_strategy = requires(const W& w, const pool_view& v) {
    typename W::config;
    requires std::constructible_from<W, const typename W::config&>;
    { w.plan(v) } -> std::same_as<std::vector<action>>;
};

/// Checks each requirement of `warm_strategy` on its own, with a static_assert whose message
/// names the missing member and how to add it; returns true when all hold. Compile time only.
template <class W>
constexpr bool check_warm_strategy() noexcept {
    constexpr bool has_config = requires { typename W::config; };
    static_assert(has_config,
                  "warm_strategy: missing nested type `config`; add `struct config { ... };` "
                  "holding the strategy's targets with their defaults");
    static_assert(!has_config || requires { requires std::constructible_from<W, const typename W::config&>; },
                  "warm_strategy: W cannot be built from its config; add the constructor "
                  "`explicit W(const config&)`");
    static_assert(requires(const W& w, const pool_view& v) { { w.plan(v) } -> std::same_as<std::vector<action>>; },
                  "warm_strategy: missing `std::vector<enipool::action> plan(const pool_view&) "
                  "const` (it must be const and return exactly std::vector<action>)");
    return warm_strategy<W>;
}

} // namespace enipool

/// Fails compilation with one message per missing member when `W` is not a warm_strategy.
#define ENIPOOL_CHECK_WARM_STRATEGY(W)                                                         \
    static_assert(::enipool::check_warm_strategy<W>(), "warm_strategy: " #W " does not satisfy enipool::warm_strategy")
