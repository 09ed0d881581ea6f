// enipool/policy.hpp: every growth policy and warm-pool strategy (node_pool.hpp includes only
// their concepts).
// The registries below are the one place that lists them: the simulator's pool variant,
// enipool-plan's choices and help, the max-pods column, to_string and parsing all derive
// from them (docs/extending.md).
#pragma once

#include <enipool/error.hpp>
#include <enipool/growth_policy.hpp>
#include <enipool/registry.hpp>
#include <enipool/warm/auto_mode_warm.hpp>
#include <enipool/warm/cilium_watermarks.hpp>
#include <enipool/warm/vpc_cni_warm.hpp>
#include <enipool/warm_strategy.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace enipool {

/// Every growth policy, in CLI order (`--policy all` runs them so).
using growth_policies = type_list<prefix_first, prefix_only, secondary_only>;

/// Every warm strategy; the first is the default of a node group and of `--warm`.
using warm_strategies = type_list<vpc_cni_warm, cilium_watermarks, auto_mode_warm>;

static_assert(names_unique<growth_policies>() && types_unique(growth_policies{}));
static_assert(names_unique<warm_strategies>() && types_unique(warm_strategies{}));
static_assert(types_unique(configs_of<warm_strategies>{}),
              "warm_strategies: two strategies share a config type; the simulator tells them apart by it");

/// A growth policy chosen at run time (CLI flags, planner configs): its index in
/// `growth_policies`. The enumerators spell the list out once more so that code can name a
/// policy as a value; the static_assert keeps the two the same length.
enum class growth_policy_kind : std::uint8_t { prefix_first, prefix_only, secondary_only };
static_assert(static_cast<std::size_t>(growth_policy_kind::secondary_only) + 1 == growth_policies::size,
              "growth_policy_kind: one enumerator per entry of growth_policies, in its order");

/// The policy's CLI name (its type's `name`): "prefix-first", "prefix-only", "secondary-only";
/// "?" for a value outside the list. O(1).
[[nodiscard]] constexpr std::string_view to_string(growth_policy_kind p) noexcept {
    constexpr auto names = names_of(growth_policies{});
    const auto i = static_cast<std::size_t>(p);
    return i < names.size() ? names[i] : std::string_view("?");
}

/// Parses a CLI policy name (as `to_string` prints it). O(policies).
/// Errors: `malformed_config` naming the accepted values.
[[nodiscard]] inline result<growth_policy_kind> parse_growth_policy(std::string_view text) {
    auto i = index_of_name<growth_policies>(text, "growth policy");
    if (!i) return i.error();
    return static_cast<growth_policy_kind>(*i);
}

/// Calls `f.template operator()<P>()`, which returns a `result<...>`, with the policy type P
/// that `kind` names, and returns what it returns. O(1). Errors: those of `f`, and
/// `malformed_config` for a value outside the list (never a silent default).
template <class F>
auto visit_growth_policy(growth_policy_kind kind, F&& f) -> decltype(f.template operator()<type_at<growth_policies, 0>>()) {
    const auto i = static_cast<std::size_t>(kind);
    if (i >= growth_policies::size)
        return error(errc::malformed_config, fmt::format("no growth policy number {}", i));
    return visit_index<growth_policies>(i, f);
}

} // namespace enipool
