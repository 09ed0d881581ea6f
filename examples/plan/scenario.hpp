// enipool-plan: the flags `simulate` and `subnet` share (subnets, reservations,
// pre-fragmentation, instance type, policy, the warm strategy and its settings, max pods) and how
// they turn into library values. Every parse failure throws usage_error.
#pragma once

#include "command.hpp"
#include "registry_cli.hpp"

#include <enipool/max_pods.hpp>
#include <enipool/policy.hpp>
#include <enipool/registry.hpp>
#include <enipool/sim/cluster.hpp>
#include <enipool/subnet.hpp>
#include <enipool/warm/vpc_cni_warm.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace enipool_plan {

/// The shared flags, as parsed.
struct scenario_args {
    std::vector<std::string> subnets;    ///< --subnet CIDR (repeatable on simulate, once on subnet)
    std::vector<std::string> reserves;   ///< --reserve CIDR:prefix|explicit (repeatable)
    double pre_fragment = 0.0;           ///< --pre-fragment PCT
    std::string instances;               ///< --instances FILE (empty: built-in catalog)
    std::string instance_type = "m5.large";
    std::string policy;                  ///< --policy (default set by the command)
    unsigned warm_eni_target = 1;        ///< --warm-eni-target
    unsigned warm_ip_target = 0;         ///< --warm-ip-target (given only)
    unsigned minimum_ip_target = 0;      ///< --minimum-ip-target (given only)
    unsigned warm_prefix_target = 0;     ///< --warm-prefix-target (given only)
    std::string warm{enipool::type_at<enipool::warm_strategies, 0>::name};  ///< --warm (warm_strategies' names)
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
    // the flags strategies declare themselves (warm_strategy's cli_flags), by flag
    std::map<std::string, std::string, std::less<>> strategy_values;
    std::map<std::string, CLI::Option*, std::less<>> strategy_flags;
};

/// One warm-pool behaviour to simulate: the agent's exact decisions, or with enipool's
/// improvements on. `suffix` is appended to the policy's label ("" or "+improved").
struct behaviour {
    bool improved = false;
    const char* suffix = "";
};

/// What a command does with --subnet and --reserve, in its --help: each command says its own.
struct subnet_flags_help {
    std::string subnet;   ///< --subnet's help (say "repeatable" only if the command takes several)
    std::string reserve;  ///< --reserve's help
};

/// Adds the shared flags to `cmd` (the policy flag takes `policy_default` and, when
/// `allow_all`, the value "all"). `pre_fragment_default` is --pre-fragment's default. A
/// command that takes one --subnet (`several_subnets` false) refuses a second at parse time.
void add_scenario_flags(CLI::App& cmd, scenario_args& args, const std::string& policy_default, bool allow_all,
                        double pre_fragment_default, const subnet_flags_help& help, bool several_subnets);

/// The instance type of --instance-type from --instances or the built-in catalog.
[[nodiscard]] enipool::instance_type scenario_type(const scenario_args& args);

/// The policies of --policy ("all": every one of growth_policies, in its order).
[[nodiscard]] std::vector<enipool::growth_policy_kind> scenario_policies(const scenario_args& args);

/// The behaviours of --behaviour: agent, improved, or both (agent first). Throws usage_error
/// for --behaviour other than agent with --warm auto-mode (enipool's own model, no agent).
[[nodiscard]] std::vector<behaviour> scenario_behaviours(const scenario_args& args);

/// Whether --behaviour improved|both applies to strategy W: its config has `improved()`.
template <class W>
inline constexpr bool has_improved = requires { W::config::improved(); };

/// Whether strategy W declares flags of its own (warm_strategy's cli_flags and from_cli).
template <class W>
inline constexpr bool has_cli_flags = requires { W::cli_flags; W::from_cli; };

/// Adds the flags each strategy of `Warms` declares (cli_flags) to `cmd`, help suffixed with
/// the strategy's name; their text goes to args.strategy_values.
template <class Warms>
void add_strategy_flags(CLI::App& cmd, scenario_args& args) {
    enipool::for_each_type(Warms{}, [&]<class W>() {
        if constexpr (has_cli_flags<W>) {
            for (const enipool::warm_flag& f : W::cli_flags) {
                const std::string flag(f.flag);
                args.strategy_flags[flag] = cmd.add_option(flag, args.strategy_values[flag],
                                                           fmt::format("{} ({})", f.help, W::name));
            }
        }
    });
}

/// Strategy W's settings from the flags. The default: W's `from_cli` over its declared
/// flags when it has them, else its default config (or `config::improved()` with `improved`
/// when it has one). The built-in strategies read their own flags (specialisations in
/// scenario.cpp). Throws usage_error for a value from_cli refuses.
template <class W>
[[nodiscard]] typename W::config warm_settings(const scenario_args& args, bool improved) {
    if constexpr (has_cli_flags<W>) {
        const enipool::warm_flag_lookup given = [&](std::string_view flag) -> std::optional<std::string> {
            const auto opt = args.strategy_flags.find(flag);
            if (opt == args.strategy_flags.end() || opt->second->count() == 0) return std::nullopt;
            return args.strategy_values.find(flag)->second;
        };
        auto c = W::from_cli(given, improved);
        if (!c) throw usage_error(fmt::format("--warm {}: {}", W::name, c.error().detail()));
        return *c;
    } else if constexpr (has_improved<W>) {
        if (improved) return W::config::improved();
    }
    return typename W::config{};
}
template <>
[[nodiscard]] enipool::vpc_cni_warm_config warm_settings<enipool::vpc_cni_warm>(const scenario_args&, bool);
template <>
[[nodiscard]] enipool::cilium_watermarks_config warm_settings<enipool::cilium_watermarks>(const scenario_args&, bool);
template <>
[[nodiscard]] enipool::auto_mode_warm_config warm_settings<enipool::auto_mode_warm>(const scenario_args&, bool);

/// Throws usage_error when a flag of another strategy than --warm's was given (e.g.
/// --pre-allocate without --warm cilium): it would be silently ignored.
void refuse_other_strategies_flags(const scenario_args& args);

/// The warm strategy of --warm among `Warms` with its flags (unset ones stay unset): the
/// agent's exact decisions, or with `improved` every enipool improvement on
/// (vpc_cni_warm_config::improved, cilium_watermarks_config::improved). Throws usage_error
/// when a flag of another strategy was given, or for a name outside `Warms` (naming them).
template <class Warms = enipool::warm_strategies>
[[nodiscard]] enipool::sim::warm_config_of<Warms> scenario_warm_of(const scenario_args& args, bool improved = false) {
    refuse_other_strategies_flags(args);
    enipool::for_each_type(Warms{}, [&]<class W>() {
        if constexpr (has_cli_flags<W>) {
            if (args.warm == W::name) return;
            for (const enipool::warm_flag& f : W::cli_flags)
                if (const auto opt = args.strategy_flags.find(f.flag); opt != args.strategy_flags.end() && opt->second->count() > 0)
                    throw usage_error(fmt::format("{} applies to --warm {} only", f.flag, W::name));
        }
    });
    const auto i = enipool::index_of_name<Warms>(args.warm, "warm strategy");
    if (!i) throw usage_error(fmt::format("--warm: {}", i.error().detail()));
    return enipool::visit_index<Warms>(*i, [&]<class W>() -> enipool::sim::warm_config_of<Warms> {
        return warm_settings<W>(args, improved);
    });
}

/// scenario_warm_of over the built-in strategies.
[[nodiscard]] inline enipool::sim::warm_config scenario_warm(const scenario_args& args, bool improved = false) {
    return scenario_warm_of<>(args, improved);
}

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
