// enipool/nodeadm.hpp: max pods as EKS AL2023 nodes compute it (nodeadm), with the user's
// maxPodsExpression, and the kube-reserved memory and CPU nodeadm derives from it.
//
// Upstream: awslabs/amazon-eks-ami, commit 81fec2e, nodeadm/internal/kubelet/eni_max_pods.go
// (CalcMaxPods, calculateStandardMaxPods, evaluateCustomMaxPodsExpression) and config.go
// (withDefaultReservedResources, getMemoryMebibytesToReserve, getCPUMillicoresToReserve).
// nodeadm reads two numbers of the instance type, the default card's ENIs and the IPv4
// addresses per ENI, and nothing else: no custom networking, prefix delegation or 110/250 cap.
// Those are what the expression is for (`((default_enis - 1) * (ips_per_eni - 1)) + 2`).
#pragma once

#include <enipool/error.hpp>
#include <enipool/limits.hpp>
#include <enipool/max_pods_expression.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace enipool {

/// nodeadm's max pods when it cannot look the instance type up at all (neither its cached
/// table nor EC2 knows it): kubelet's default. The expression is then not evaluated.
inline constexpr std::uint64_t nodeadm_unknown_type_max_pods = 110;

/// The largest max pods nodeadm takes from an expression (Go's math.MaxInt32: kubelet's maxPods
/// is an int32). nodeadm's message says "less than" it, but the value itself is accepted.
inline constexpr std::int64_t nodeadm_max_pods_limit = 2147483647;

/// What nodeadm reads from the NodeConfig for max pods.
struct nodeadm_options {
    /// spec.kubelet.maxPodsExpression. Unset or empty: the standard value, silently.
    std::optional<std::string> max_pods_expression;
};

/// nodeadm's max pods for a type, and why the expression was not used when it was not.
struct nodeadm_max_pods_result {
    std::uint64_t max_pods = 0;
    /// Set when an expression was given but fell back to the standard value: nodeadm's log
    /// line ("Failed to evaluate custom expression, using standard max pods value: ...").
    std::optional<std::string> warning;
};

/// calculateStandardMaxPods: `max_enis * (ipv4_per_eni - 1) + 2`, default card only. O(1).
/// Errors: `invalid_instance_limits` (validate(), or a value beyond nodeadm's int32).
[[nodiscard]] inline result<std::uint64_t> nodeadm_standard_max_pods(const instance_type& type) {
    if (auto ok = validate(type); !ok) return ok.error();
    const std::uint64_t standard = std::uint64_t{type.max_enis} * type.slots_per_eni() + host_network_pods;
    if (standard > static_cast<std::uint64_t>(nodeadm_max_pods_limit))
        return error(errc::invalid_instance_limits,
                     fmt::format("{}: {} pods do not fit nodeadm's int32", type.name, standard));
    return standard;
}

/// The variables nodeadm binds for a type: default_enis = max_enis, ips_per_eni =
/// ipv4_per_eni, max_pods = the standard value. O(1). Errors: those of
/// `nodeadm_standard_max_pods`.
[[nodiscard]] inline result<max_pods_variables> nodeadm_variables(const instance_type& type) {
    auto standard = nodeadm_standard_max_pods(type);
    if (!standard) return standard.error();
    return max_pods_variables{type.max_enis, type.ipv4_per_eni, static_cast<std::int64_t>(*standard)};
}

/// evaluateCustomMaxPodsExpression on a parsed expression: its int result when it lies in
/// 1 .. 2147483647. O(nodes). Errors: `max_pods_expression_failed` with nodeadm's sentence:
/// `could not interpret result "division by zero" from evaluation of custom max pods expression
/// as an integer: division by zero (offset 4)` (any evaluation fault; the offset is enipool's),
/// the same with `"true"` and `type conversion error from 'bool' to 'int'` for a bool, and
/// `max pods value 0 from custom expression evaluation is invalid: value must be a positive
/// integer less than 2147483647` for a value out of range.
[[nodiscard]] inline result<std::uint64_t> nodeadm_evaluate_max_pods_expression(const max_pods_expression& expression,
                                                                               const max_pods_variables& vars) {
    const auto out = expression.run(vars);
    if (out.fault != expression_fault::none)
        return error(errc::max_pods_expression_failed,
                     fmt::format("could not interpret result \"{0}\" from evaluation of custom max pods "
                                 "expression as an integer: {0} (offset {1})",
                                 to_string(out.fault), out.offset));
    if (out.value.type == expression_type::boolean)
        return error(errc::max_pods_expression_failed,
                     fmt::format("could not interpret result \"{}\" from evaluation of custom max pods "
                                 "expression as an integer: type conversion error from 'bool' to 'int'",
                                 out.value.value != 0 ? "true" : "false"));
    const std::int64_t value = out.value.value;
    if (value > nodeadm_max_pods_limit || value <= 0)
        return error(errc::max_pods_expression_failed,
                     fmt::format("max pods value {} from custom expression evaluation is invalid: value "
                                 "must be a positive integer less than {}",
                                 value, nodeadm_max_pods_limit));
    return static_cast<std::uint64_t>(value);
}

/// evaluateCustomMaxPodsExpression on text: parses, then evaluates as above. O(n).
/// Errors: `invalid_max_pods_expression` ("failed to compile custom max pods expression: "
/// and the parse error), or those of the overload above.
[[nodiscard]] inline result<std::uint64_t> nodeadm_evaluate_max_pods_expression(std::string_view expression,
                                                                               const max_pods_variables& vars) {
    auto parsed = max_pods_expression::parse(expression);
    if (!parsed)
        return error(errc::invalid_max_pods_expression,
                     "failed to compile custom max pods expression: " + parsed.error().detail());
    return nodeadm_evaluate_max_pods_expression(*parsed, vars);
}

/// CalcMaxPods with the expression parsed once, for planners that ask for many types.
class nodeadm_calculator {
public:
    /// Parses the options' expression, if any. O(length of the expression). A parse error is
    /// kept, not returned: nodeadm reports it on every node and uses the standard value.
    explicit nodeadm_calculator(const nodeadm_options& options = {}) {
        if (!options.max_pods_expression || options.max_pods_expression->empty()) return;
        auto parsed = max_pods_expression::parse(*options.max_pods_expression);
        if (parsed) expression_ = std::move(*parsed);
        else compile_error_ = "failed to compile custom max pods expression: " + parsed.error().detail();
    }

    /// CalcMaxPods: the standard value without an expression; with one, its result when it is
    /// an int in 1 .. 2147483647, else the standard value and a warning saying why. O(nodes of
    /// the expression). Errors: `invalid_instance_limits` only (nodeadm_standard_max_pods).
    [[nodiscard]] result<nodeadm_max_pods_result> operator()(const instance_type& type) const {
        auto vars = nodeadm_variables(type);
        if (!vars) return vars.error();
        const auto standard = static_cast<std::uint64_t>(vars->max_pods);
        if (compile_error_) return nodeadm_max_pods_result{standard, fallback(*compile_error_)};
        if (!expression_) return nodeadm_max_pods_result{standard, std::nullopt};
        auto custom = nodeadm_evaluate_max_pods_expression(*expression_, *vars);
        if (!custom) return nodeadm_max_pods_result{standard, fallback(custom.error().detail())};
        return nodeadm_max_pods_result{*custom, std::nullopt};
    }

private:
    std::optional<max_pods_expression> expression_;
    std::optional<std::string> compile_error_;

    [[nodiscard]] static std::string fallback(std::string_view why) {
        return fmt::format("Failed to evaluate custom expression, using standard max pods value: {}", why);
    }
};

/// CalcMaxPods for one type (parses the expression on every call; see nodeadm_calculator).
/// O(length of the expression). Errors: `invalid_instance_limits` only.
[[nodiscard]] inline result<nodeadm_max_pods_result> nodeadm_max_pods(const instance_type& type,
                                                                    const nodeadm_options& options = {}) {
    return nodeadm_calculator(options)(type);
}

/// getMemoryMebibytesToReserve: kube-reserved memory, `11 * max_pods + 255` MiB, from
/// nodeadm's max pods (even when a kubelet drop-in overrides maxPods, as the e2e case
/// kubelet-config-max-pods shows). Computed in 64 bits: nodeadm's int32 would wrap above
/// 195,225,762 pods, which no type reaches. O(1), no errors.
[[nodiscard]] constexpr std::uint64_t kube_reserved_memory_mib(std::uint64_t max_pods) noexcept {
    return 11 * max_pods + 255;
}

/// getCPUMillicoresToReserve: kube-reserved CPU in millicores from the node's CPU count (nodeadm
/// counts online CPUs in sysfs; on EC2 that is the type's vCPU count): 6% of the first core,
/// 1% of the second, 0.5% of cores 3-4, 0.25% of the rest, each band truncated separately (the
/// ranges {0, 1000, 2000, 4000, total} and percentages {600, 100, 50, 25} / 10000 of the
/// function). 0 vCPUs give 0, as nodeadm gives when it cannot count. O(1), no errors.
[[nodiscard]] constexpr std::uint64_t kube_reserved_cpu_millicores(unsigned vcpus) noexcept {
    const std::uint64_t total = std::uint64_t{vcpus} * 1000;
    const std::uint64_t ranges[] = {0, 1000, 2000, 4000, total};
    const std::uint64_t per_10000[] = {600, 100, 50, 25};
    std::uint64_t reserved = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (total <= ranges[i]) continue; // getResourceToReserveInRange: nothing in this band
        const std::uint64_t end = std::min(total, ranges[i + 1]);
        reserved += (end - ranges[i]) * per_10000[i] / 10000;
    }
    return reserved;
}

} // namespace enipool
