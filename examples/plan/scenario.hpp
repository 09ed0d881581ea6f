// enipool-plan: the flags `simulate` and `subnet` share (subnets, reservations,
// pre-fragmentation, instance type, policy, the warm strategy and its settings, max pods) and how
// they turn into library values. Every parse failure throws usage_error.
#pragma once

#include "command.hpp"

#include <enipool/max_pods.hpp>
#include <enipool/sim/cluster.hpp>
#include <enipool/subnet.hpp>
#include <enipool/warm/vpc_cni_warm.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace enipool_plan {

/// The shared flags, as parsed.
struct scenario_args {
    std::vector<std::string> subnets;    ///< --subnet CIDR (repeatable)
    std::vector<std::string> reserves;   ///< --reserve CIDR:prefix|explicit (repeatable)
    double pre_fragment = 0.0;           ///< --pre-fragment PCT
    std::string instances;               ///< --instances FILE (empty: built-in catalog)
    std::string instance_type = "m5.large";
    std::string policy;                  ///< --policy (default set by the command)
    unsigned warm_eni_target = 1;        ///< --warm-eni-target
    unsigned warm_ip_target = 0;         ///< --warm-ip-target (given only)
    unsigned minimum_ip_target = 0;      ///< --minimum-ip-target (given only)
    unsigned warm_prefix_target = 0;     ///< --warm-prefix-target (given only)
    std::string warm = "vpc-cni";        ///< --warm vpc-cni | cilium | auto-mode
    std::string behaviour = "agent";     ///< --behaviour agent | improved | both
    unsigned pre_allocate = 8;           ///< --pre-allocate (cilium)
    unsigned min_allocate = 0;           ///< --min-allocate (cilium)
    unsigned max_allocate = 0;           ///< --max-allocate (cilium; 0: none)
    unsigned max_above_watermark = 0;    ///< --max-above-watermark (cilium)
    unsigned warm_addresses = 0;         ///< --warm-addresses (auto-mode; given only)
    std::uint64_t max_pods = 0;          ///< --max-pods (0: the AL2 AMI script's calculator)
    std::uint64_t seed = 1;              ///< --seed
    // which optional flags were given
    CLI::Option* warm_ip_flag = nullptr;
    CLI::Option* minimum_ip_flag = nullptr;
    CLI::Option* warm_prefix_flag = nullptr;
    CLI::Option* warm_eni_flag = nullptr;
    std::vector<CLI::Option*> cilium_flags;
    CLI::Option* warm_addresses_flag = nullptr;
    CLI::Option* behaviour_flag = nullptr;
};

/// One warm-pool behaviour to simulate: the agent's exact decisions, or with enipool's
/// improvements on. `suffix` is appended to the policy's label ("" or "+improved").
struct behaviour {
    bool improved = false;
    const char* suffix = "";
};

/// Adds the shared flags to `cmd` (the policy flag takes `policy_default` and, when
/// `allow_all`, the value "all"). `pre_fragment_default` is --pre-fragment's default.
void add_scenario_flags(CLI::App& cmd, scenario_args& args, const std::string& policy_default, bool allow_all,
                        double pre_fragment_default);

/// The instance type of --instance-type from --instances or the built-in catalog.
[[nodiscard]] enipool::instance_type scenario_type(const scenario_args& args);

/// The policies of --policy ("all": the three, in CLI order).
[[nodiscard]] std::vector<enipool::growth_policy_kind> scenario_policies(const scenario_args& args);

/// The behaviours of --behaviour: agent, improved, or both (agent first). Throws usage_error
/// for --behaviour other than agent with --warm auto-mode (enipool's own model, no agent).
[[nodiscard]] std::vector<behaviour> scenario_behaviours(const scenario_args& args);

/// The warm strategy of --warm with its flags (unset ones stay unset): the agent's exact
/// decisions, or with `improved` every enipool improvement on (vpc_cni_warm_config::improved,
/// cilium_watermarks_config::improved). Throws usage_error when a flag of another strategy
/// was given (e.g. --pre-allocate without --warm cilium).
[[nodiscard]] enipool::sim::warm_config scenario_warm(const scenario_args& args, bool improved = false);

/// The subnets of --subnet, seeded from --seed, with --reserve applied (each reservation to
/// the subnet containing it) and then --pre-fragment scattered.
[[nodiscard]] std::vector<enipool::subnet> scenario_subnets(const scenario_args& args);

/// Applies --reserve and --pre-fragment to subnets built elsewhere.
void apply_reserves_and_fragment(const scenario_args& args, std::vector<enipool::subnet>& subnets);

/// Parses a duration: "90s", "30m", "1h", "500ms", "2.5s", or a plain number of seconds.
[[nodiscard]] enipool::sim::sim_time parse_duration(const std::string& flag, const std::string& text);

/// The check of every duration flag: text that parse_duration takes (and, when `positive`,
/// more than 0), in the sentence style of `number`.
[[nodiscard]] CLI::Validator duration_text(bool positive);

/// The check of --subnet: an aligned IPv4 CIDR.
[[nodiscard]] CLI::Validator cidr_text();

/// The check of --reserve: CIDR:prefix or CIDR:explicit.
[[nodiscard]] CLI::Validator reservation_text();

} // namespace enipool_plan
