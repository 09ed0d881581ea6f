// enipool/node_pool_config.hpp: a node pool's runtime configuration (`node_pool::config`,
// node_pool_config<Policy, Warm> here) and the checks node_pool::create makes on it.
//
// A namespace-scope template rather than a struct nested in node_pool so that node_pool.hpp
// holds the pool's operations; `node_pool<Policy, Warm, Options...>::config` names it, and
// pools that differ only in their options share it.
#pragma once

#include <enipool/detail/card_limits.hpp>
#include <enipool/error.hpp>
#include <enipool/limits.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdint>

namespace enipool {

/// node_pool<Policy, Warm, ...>'s runtime configuration (`node_pool::config`).
template <class Policy, class Warm>
struct node_pool_config {
    instance_type type;
    eni_budget budget{};
    std::chrono::nanoseconds cooldown = std::chrono::seconds(30);  ///< 0 allowed
    bool reclaim_cooling_when_exhausted = false;  ///< take the oldest cooling address rather than fail
    std::uint64_t max_pods = 0;                   ///< ceiling on pod addresses; 0 = from limits
    /// The network card whose datastore this pool is: ipamd keeps one per card
    /// (ENABLE_MULTI_NIC). 0 is the default card. On a card above 0 the pool holds only
    /// that card's ENIs, attaches new ones there, and may hold as many ENIs serving pods
    /// as ipamd's hasRoomForEni allows (ipamd.go L2592-2621): the default card's ENIs
    /// (type.max_enis, not the card's own), capped by budget.max_enis (MAX_ENI), minus
    /// budget.reserved_enis and budget.excluded_enis read as that card's unmanaged and
    /// excluded ENIs; budget.trunk_eni and custom_networking do not apply (the trunk and
    /// the primary ENI are on card 0). The card's own ENI limit still bounds attaches
    /// (EC2 would refuse one more). max_pods should be the node's: ipamd compares each
    /// card's total with it.
    unsigned network_card = 0;
    typename Policy::config policy{};
    typename Warm::config warm{};
};

namespace detail {

/// Whether a policy runs on a type without prefix support rather than being refused there:
/// it has `without_prefix_support()` (growth_policy.hpp), which the pool calls at create.
template <class Policy>
inline constexpr bool runs_without_prefixes = requires(Policy& p) { p.without_prefix_support(); };

/// node_pool::create's checks of `cfg` (the contract is there): the instance limits, prefix
/// support for a prefix policy that cannot run without it, the cooldown, the network card and the warm strategy's own
/// check_config. O(cards). Errors: `invalid_instance_limits`, `prefix_not_supported`,
/// `malformed_config`.
template <class Policy, class Warm>
[[nodiscard]] result<void> check_config(const node_pool_config<Policy, Warm>& cfg) {
    if (auto ok = enipool::validate(cfg.type); !ok) return ok.error();
    if (Policy::needs_prefix_support && !runs_without_prefixes<Policy> && !cfg.type.supports_prefixes())
        return error(errc::prefix_not_supported, fmt::format("{} is not Nitro and not bare metal", cfg.type.name));
    if (cfg.cooldown < std::chrono::nanoseconds::zero())
        return error(errc::malformed_config, "the cooldown must not be negative");
    if (cfg.network_card != 0 && !has_secondary_card(cfg.type, cfg.network_card))
        return error(errc::malformed_config,
                     fmt::format("network card {} is not a card above the default of {}", cfg.network_card, cfg.type.name));
    if constexpr (requires { Warm::check_config(cfg.warm); })
        if (auto ok = Warm::check_config(cfg.warm); !ok) return ok.error();
    return success();
}

} // namespace detail
} // namespace enipool
