// enipool/limits.hpp: an instance type's network limits and the pod-address capacity they
// allow. The node pool and the max-pods calculators both use these functions, so a planner
// and a pool can never disagree about what a node can hold.
#pragma once

#include <enipool/error.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enipool {

/// The hypervisor EC2 reports for an instance type.
enum class hypervisor_kind : std::uint8_t { nitro, xen, unknown };

/// EC2's name of a hypervisor: "nitro", "xen", "unknown". O(1).
[[nodiscard]] constexpr std::string_view to_string(hypervisor_kind h) noexcept {
    return h == hypervisor_kind::nitro ? "nitro" : h == hypervisor_kind::xen ? "xen" : "unknown";
}

/// What one ENI slot holds: one secondary IPv4 address, or one /28 prefix (16 addresses).
enum class address_mode : std::uint8_t { secondary, prefix };

/// One network card and the ENIs it allows.
struct network_card {
    unsigned index = 0;
    unsigned max_enis = 0;
    friend bool operator==(const network_card&, const network_card&) = default;
};

/// The limits of an EC2 instance type that decide its pod addresses (docs/domain.md
/// section 1). An optional member is a fact that the catalog's source may not give: empty
/// means unknown, never a guess.
struct instance_type {
    std::string name;
    std::optional<unsigned> vcpus;        ///< EC2's DefaultVCpus
    unsigned max_enis = 0;                ///< ENIs of the default network card
    unsigned ipv4_per_eni = 0;            ///< IPv4 slots per ENI, including the primary IP
    unsigned default_network_card_index = 0;
    std::vector<network_card> network_cards;
    hypervisor_kind hypervisor = hypervisor_kind::unknown;
    bool bare_metal = false;
    std::optional<bool> efa_supported;
    unsigned efa_only_interfaces = 0;     ///< efa-only interfaces on the default card
    std::optional<bool> trunk_compatible; ///< can carry a trunk ENI (security groups for pods)
    std::optional<unsigned> branch_interfaces; ///< branch ENIs a trunk can carry

    /// Slots per ENI that can hold pod addresses (the primary IP's slot excluded).
    [[nodiscard]] unsigned slots_per_eni() const noexcept {
        return ipv4_per_eni == 0 ? 0 : ipv4_per_eni - 1;
    }
    /// Prefix delegation needs Nitro, or bare metal (the VPC CNI's rule; docs/domain.md section 1).
    [[nodiscard]] bool supports_prefixes() const noexcept {
        return hypervisor == hypervisor_kind::nitro || bare_metal;
    }
    friend bool operator==(const instance_type&, const instance_type&) = default;
};

/// Host-network pods every max-pods formula adds (aws-node, kube-proxy): they need no pod IP.
inline constexpr std::uint64_t host_network_pods = 2;

/// The largest ENI the library models: 63 slots of a /28 each.
inline constexpr unsigned max_slots_per_eni = 63;
inline constexpr unsigned addresses_per_prefix = 16;

/// Node-level choices that shrink the ENIs available for pods.
struct eni_budget {
    unsigned reserved_enis = 0;               ///< ENIs kept for other uses (Karpenter's term)
    bool custom_networking = false;           ///< the primary ENI serves no pods
    std::optional<unsigned> max_enis;         ///< a cap (the VPC CNI's MAX_ENI / cni_max_eni)
    unsigned excluded_enis = 0;               ///< ENIs tagged no_manage, never used for pods
    bool trunk_eni = false;                   ///< security groups for pods: one ENI is a trunk
};

/// Checks that limits can be real: at least one ENI, 2 .. 64 IPv4 per ENI.
/// O(1). Errors: `invalid_instance_limits` naming the field.
[[nodiscard]] inline result<void> validate(const instance_type& type) {
    if (type.max_enis == 0)
        return error(errc::invalid_instance_limits, fmt::format("{}: max_enis is 0", type.name));
    if (type.ipv4_per_eni < 2 || type.ipv4_per_eni > max_slots_per_eni + 1)
        return error(errc::invalid_instance_limits,
                     fmt::format("{}: ipv4_per_eni {} is outside 2..{}", type.name,
                                 type.ipv4_per_eni, max_slots_per_eni + 1));
    return success();
}

/// ENIs that may hold pod addresses: the default card's ENIs, capped, minus reserved,
/// excluded, trunk and (custom networking) the primary. Never negative. O(1).
[[nodiscard]] inline unsigned usable_enis(const instance_type& type, const eni_budget& budget) noexcept {
    unsigned enis = type.max_enis;
    if (budget.max_enis && *budget.max_enis < enis) enis = *budget.max_enis;
    const unsigned minus = budget.reserved_enis + budget.excluded_enis +
                           (budget.trunk_eni ? 1u : 0u) + (budget.custom_networking ? 1u : 0u);
    return enis > minus ? enis - minus : 0;
}

/// Pod addresses one ENI can carry in `mode`. O(1).
[[nodiscard]] inline std::uint64_t addresses_per_eni(const instance_type& type, address_mode mode) noexcept {
    const std::uint64_t slots = type.slots_per_eni();
    return mode == address_mode::prefix ? slots * addresses_per_prefix : slots;
}

/// Pod addresses a node can hold when every usable slot holds `mode`. O(1).
/// Errors: `prefix_not_supported` (prefix mode on a non-Nitro, non-metal type),
/// `invalid_instance_limits`.
[[nodiscard]] inline result<std::uint64_t> pod_address_capacity(const instance_type& type,
                                                                address_mode mode,
                                                                const eni_budget& budget = {}) {
    if (auto ok = validate(type); !ok) return ok.error();
    if (mode == address_mode::prefix && !type.supports_prefixes())
        return error(errc::prefix_not_supported,
                     fmt::format("{} runs on {} and is not bare metal", type.name,
                                 type.hypervisor == hypervisor_kind::xen ? "Xen" : "an unknown hypervisor"));
    return std::uint64_t{usable_enis(type, budget)} * addresses_per_eni(type, mode);
}

} // namespace enipool
