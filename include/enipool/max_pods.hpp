// enipool/max_pods.hpp: the max-pods calculators users compare against (docs/domain.md
// section 2), one function each, plus enipool's own figure: what a node really holds under a
// policy. AL2023's nodeadm has its own header (nodeadm.hpp); `max_pods()` runs it too.
//
// Every calculator counts only the default network card's ENIs (`instance_type::max_enis`),
// returns `result<std::uint64_t>` and never throws. The `+2` of every formula counts the two
// host-network pods (aws-node, kube-proxy) that need no pod IP.
#pragma once

#include <enipool/error.hpp>
#include <enipool/limits.hpp>
#include <enipool/nodeadm.hpp>
#include <enipool/policy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace enipool {

// ---------------------------------------------------------------------------------------
// eni-max-pods.txt (the VPC CNI's table)
// ---------------------------------------------------------------------------------------

/// eni-max-pods.txt: `max_enis * (ipv4_per_eni - 1) + 2`, default card only, no cap, no
/// prefix variant. O(1). Errors: `invalid_instance_limits`.
[[nodiscard]] inline result<std::uint64_t> eni_max_pods(const instance_type& type) {
    if (auto ok = validate(type); !ok) return ok.error();
    return std::uint64_t{type.max_enis} * type.slots_per_eni() + host_network_pods;
}

// ---------------------------------------------------------------------------------------
// The AL2 AMI's max-pods-calculator.sh
// ---------------------------------------------------------------------------------------

/// The knobs of the AL2 AMI's calculator script (its command-line flags).
struct al2_script_options {
    bool prefix_delegation = false;       ///< --cni-prefix-delegation-enabled
    bool custom_networking = false;       ///< --cni-custom-networking-enabled
    std::optional<unsigned> cni_max_eni;  ///< --cni-max-eni
    bool show_max_allowed = false;        ///< --show-max-allowed: no 110/250 cap
};

/// The EKS-optimized AL2 AMI's max-pods-calculator.sh (removed upstream with AL2; AL2023
/// nodes use nodeadm, see nodeadm.hpp; docs/domain.md section 2):
///   `enis = min(cni_max_eni, max_enis)`, minus 1 with custom networking (never below 0);
///   prefix delegation on a `nitro` type (the script checks the hypervisor only, so bare
///   metal types get the secondary-IP formula): `enis * ((ipv4_per_eni - 1) * 16) + 2`,
///   else `enis * (ipv4_per_eni - 1) + 2`;
///   then, unless show_max_allowed, `min(count, vcpus <= 30 ? 110 : 250)`.
/// vCPUs are needed only when the cap can change the answer (count > 110): at or below 110
/// both caps give the count itself, so a type without vCPUs still gets its figure. O(1).
/// Errors: `invalid_instance_limits`; `missing_vcpus` when count > 110, the cap applies and
/// the type has no vCPU count.
[[nodiscard]] inline result<std::uint64_t> al2_script(const instance_type& type,
                                                     const al2_script_options& options = {}) {
    if (auto ok = validate(type); !ok) return ok.error();
    std::uint64_t enis = type.max_enis;
    if (options.cni_max_eni) enis = std::min<std::uint64_t>(enis, *options.cni_max_eni);
    if (options.custom_networking) enis = enis > 0 ? enis - 1 : 0;
    const bool prefix = options.prefix_delegation && type.hypervisor == hypervisor_kind::nitro;
    const std::uint64_t per_eni = std::uint64_t{type.slots_per_eni()} * (prefix ? addresses_per_prefix : 1u);
    const std::uint64_t count = enis * per_eni + host_network_pods;
    if (options.show_max_allowed || count <= 110) return count;
    if (!type.vcpus)
        return error(errc::missing_vcpus,
                     fmt::format("{}: {} pods exceed 110, and the cap (110 or 250) depends on the vCPU count",
                                 type.name, count));
    return std::min<std::uint64_t>(count, *type.vcpus <= 30 ? 110 : 250);
}

/// The former name of `al2_script_options`.
using eks_ami_options [[deprecated("renamed al2_script_options: it models the AL2 AMI's script")]] =
    al2_script_options;

/// The former name of `al2_script`.
[[deprecated("renamed al2_script: it models the AL2 AMI's max-pods-calculator.sh")]] [[nodiscard]] inline result<
    std::uint64_t>
eks_ami(const instance_type& type, const al2_script_options& options = {}) {
    return al2_script(type, options);
}

// ---------------------------------------------------------------------------------------
// Karpenter
// ---------------------------------------------------------------------------------------

/// The knobs of Karpenter's pod count (EC2NodeClass kubelet settings and the controller's
/// reserved ENIs).
struct karpenter_options {
    unsigned reserved_enis = 0;            ///< --reserved-enis (RESERVED_ENIS)
    std::optional<std::uint64_t> max_pods; ///< kubelet.maxPods: replaces the ENI formula
    unsigned pods_per_core = 0;            ///< kubelet.podsPerCore (0: off)
};

/// Karpenter: `max_pods` when set; else
///   `usable = max(max_enis - reserved_enis - efa_only_interfaces, 0)`,
///   `usable == 0 ? 0 : usable * (ipv4_per_eni - 1) + 2`;
/// then `min(pods_per_core * vcpus, count)` when pods_per_core > 0 (applies to the override
/// too). No prefix-delegation term, no cap. O(1).
/// Errors: `invalid_instance_limits`; `missing_vcpus` when pods_per_core > 0 and the type
/// has no vCPU count.
[[nodiscard]] inline result<std::uint64_t> karpenter(const instance_type& type,
                                                    const karpenter_options& options = {}) {
    if (auto ok = validate(type); !ok) return ok.error();
    std::uint64_t count = 0;
    if (options.max_pods) {
        count = *options.max_pods;
    } else {
        const std::uint64_t minus = std::uint64_t{options.reserved_enis} + type.efa_only_interfaces;
        const std::uint64_t usable = type.max_enis > minus ? type.max_enis - minus : 0;
        count = usable == 0 ? 0 : usable * type.slots_per_eni() + host_network_pods;
    }
    if (options.pods_per_core > 0) {
        if (!type.vcpus)
            return error(errc::missing_vcpus,
                         fmt::format("{}: pods-per-core needs the vCPU count", type.name));
        count = std::min(count, std::uint64_t{options.pods_per_core} * *type.vcpus);
    }
    return count;
}

// ---------------------------------------------------------------------------------------
// enipool's own figure, and EKS Auto Mode built on it
// ---------------------------------------------------------------------------------------

/// The knobs of enipool's own figure: the growth policy and the node's ENI budget
/// (reserved ENIs, custom networking, MAX_ENI cap, excluded ENIs, trunk ENI).
struct enipool_options {
    growth_policy_kind policy = growth_policy_kind::prefix_first;
    eni_budget budget{};
};

/// What a node of `type` can really hand out, plus the 2 host-network pods:
/// `pod_address_capacity(type, mode, budget) + 2`, the same code the node pool sizes itself
/// with, where `usable_enis = min(max_enis, budget.max_enis) - reserved - excluded - trunk -
/// (custom networking ? 1 : 0)` and each usable ENI carries `ipv4_per_eni - 1` slots of one
/// address (secondary) or 16 (prefix). The mode is the policy type's `capacity_mode(type)`:
///   - prefix-only: prefix; on a type without prefix support (not Nitro, not bare metal):
///     `prefix_not_supported`;
///   - prefix-first: prefix when the type supports prefixes, else secondary: the policy
///     falls back to secondary IPs there, so the honest capacity is the secondary one;
///   - secondary-only: secondary.
/// No max-pods cap is applied: this is the address capacity. O(1).
/// Errors: `invalid_instance_limits`, `prefix_not_supported` (prefix-only only).
[[nodiscard]] inline result<std::uint64_t> enipool_max_pods(const instance_type& type,
                                                           const enipool_options& options = {}) {
    return visit_growth_policy(options.policy, [&]<class P>() -> result<std::uint64_t> {
        auto capacity = pod_address_capacity(type, P::capacity_mode(type), options.budget);
        if (!capacity) return capacity.error();
        return *capacity + host_network_pods;
    });
}

/// EKS Auto Mode's documented cap.
inline constexpr std::uint64_t auto_mode_pod_cap = 110;

/// EKS Auto Mode: `min(110, calculated)`. AWS does not publish "calculated"; Auto Mode
/// assigns /28 prefixes first and falls back to secondary IPs (docs/domain.md section 5), so enipool
/// takes calculated = `enipool_max_pods(type, {prefix_first, budget})`: the node's prefix
/// capacity + 2 where prefixes work, its secondary capacity + 2 elsewhere. Needs no vCPUs.
/// O(1). Errors: `invalid_instance_limits`.
[[nodiscard]] inline result<std::uint64_t> auto_mode(const instance_type& type,
                                                    const eni_budget& budget = {}) {
    auto calculated = enipool_max_pods(type, {growth_policy_kind::prefix_first, budget});
    if (!calculated) return calculated.error();
    return std::min(auto_mode_pod_cap, *calculated);
}

// ---------------------------------------------------------------------------------------
// All of them side by side
// ---------------------------------------------------------------------------------------

/// The calculators by name, for side-by-side output.
enum class calculator : std::uint8_t { eni_max_pods, nodeadm, al2_script, karpenter, auto_mode, enipool };

/// Every calculator, in the order of the side-by-side output.
inline constexpr std::array<calculator, 6> all_calculators{
    calculator::eni_max_pods, calculator::nodeadm,   calculator::al2_script,
    calculator::karpenter,    calculator::auto_mode, calculator::enipool};

/// The former CLI name of `al2-script`, still accepted by `parse_calculator`.
inline constexpr std::string_view deprecated_eks_ami_name = "eks-ami";

/// The CLI name: "eni-max-pods", "nodeadm", "al2-script", "karpenter", "auto-mode",
/// "enipool". O(1).
[[nodiscard]] constexpr std::string_view to_string(calculator c) noexcept {
    switch (c) {
    case calculator::eni_max_pods: return "eni-max-pods";
    case calculator::nodeadm: return "nodeadm";
    case calculator::al2_script: return "al2-script";
    case calculator::karpenter: return "karpenter";
    case calculator::auto_mode: return "auto-mode";
    case calculator::enipool: return "enipool";
    }
    return "?";
}

/// Parses a calculator's CLI name; the former name "eks-ami" gives `al2_script` (a caller
/// that wants to warn about it compares with `deprecated_eks_ami_name`). O(1).
/// Errors: `malformed_config` listing the names.
[[nodiscard]] inline result<calculator> parse_calculator(std::string_view text) {
    for (auto c : all_calculators)
        if (text == to_string(c)) return c;
    if (text == deprecated_eks_ami_name) return calculator::al2_script;
    return error(errc::malformed_config,
                 fmt::format("unknown calculator '{}' (expected eni-max-pods, nodeadm, al2-script, "
                             "karpenter, auto-mode or enipool)",
                             text));
}

/// The options of every calculator at once (what the CLI's flags fill).
struct max_pods_options {
    nodeadm_options nodeadm{};
    al2_script_options al2_script{};
    karpenter_options karpenter{};
    enipool_options enipool{};   ///< its budget serves auto_mode too
};

/// Runs one calculator by name. O(1), plus the length of a nodeadm expression (parsed on
/// each call; `nodeadm_calculator` parses once). When nodeadm falls back from the expression
/// to its standard value and `warning` is not null, nodeadm's warning is stored there (else
/// it is left alone). Errors: those of the calculator.
[[nodiscard]] inline result<std::uint64_t> max_pods(calculator c, const instance_type& type,
                                                   const max_pods_options& options = {},
                                                   std::string* warning = nullptr) {
    switch (c) {
    case calculator::eni_max_pods: return eni_max_pods(type);
    case calculator::nodeadm: {
        auto figure = nodeadm_max_pods(type, options.nodeadm);
        if (!figure) return figure.error();
        if (figure->warning && warning != nullptr) *warning = *figure->warning;
        return figure->max_pods;
    }
    case calculator::al2_script: return al2_script(type, options.al2_script);
    case calculator::karpenter: return karpenter(type, options.karpenter);
    case calculator::auto_mode: return auto_mode(type, options.enipool.budget);
    case calculator::enipool: return enipool_max_pods(type, options.enipool);
    }
    return error(errc::malformed_config, "unknown calculator");
}

} // namespace enipool
