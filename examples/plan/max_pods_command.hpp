// enipool-plan max-pods: every published max-pods figure and enipool's own, side by side.
#pragma once

#include "command.hpp"

#include <enipool/catalog.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace enipool_plan {

/// The flags of `max-pods`, as parsed.
struct max_pods_args {
    std::string instances;              ///< --instances FILE (empty: built-in catalog)
    std::vector<std::string> types;     ///< --type NAME...
    bool all = false;                   ///< --all
    std::string calculator = "all";     ///< --calculator
    std::string policy = "prefix-first";///< --policy (the enipool and auto-mode columns)
    bool prefix_delegation = false;     ///< --prefix-delegation (al2-script)
    bool custom_networking = false;     ///< --custom-networking (al2-script, enipool, auto-mode)
    std::optional<unsigned> cni_max_eni;///< --cni-max-eni (al2-script, enipool, auto-mode)
    unsigned reserved_enis = 0;         ///< --reserved-enis (karpenter, enipool, auto-mode)
    unsigned pods_per_core = 0;         ///< --pods-per-core (karpenter)
    std::optional<std::uint64_t> max_pods; ///< --max-pods (karpenter)
    bool show_max_allowed = false;      ///< --show-max-allowed (al2-script)
    std::optional<std::string> max_pods_expression; ///< --max-pods-expression (nodeadm)
    bool show_reserved = false;         ///< --show-reserved: kube-reserved memory and CPU
    std::optional<unsigned> vcpus;      ///< --vcpus: the vCPU count of every selected type
    std::string format = "table";       ///< --format table|csv|json
};

/// Computes the figures for `args` over `types` and renders them in args.format; notes about
/// cells without a figure, nodeadm's fallback warnings and the eks-ami deprecation go to
/// stderr. Throws `usage_error` for bad flag values and when a
/// single chosen calculator has no figure for a type.
[[nodiscard]] std::string render_max_pods(const max_pods_args& args, const enipool::catalog& types);

/// Adds `max-pods` to `parent`; returns its runner.
runner add_max_pods_command(CLI::App& parent);

} // namespace enipool_plan
