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
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enipool {

/// A command-line flag a warm strategy declares (see warm_strategy): name and help.
struct warm_flag {
    std::string_view flag;
    std::string_view help;
};

/// The text of a declared flag as given on the command line, or nothing when not given.
using warm_flag_lookup = std::function<std::optional<std::string>(std::string_view flag)>;

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
/// Listed in `warm_strategies` (policy.hpp), a strategy also carries
/// `static constexpr std::string_view name, description` (its --warm spelling and help) and,
/// optionally, command-line settings of its own for enipool-plan:
/// ```
///     static constexpr std::array<warm_flag, 1> cli_flags{{{"--my-keep", "Addresses to keep"}}};
///     static result<config> from_cli(const warm_flag_lookup& given, bool improved);
/// ```
/// `given(flag)` is the flag's text when the user gave it; errors are the user's (shown as
/// "--warm NAME: detail").
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
