// enipool-plan: the flags `simulate` and `subnet` share, and their conversion.
#include "scenario.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>
#include <string_view>

namespace enipool_plan {

void add_scenario_flags(CLI::App& cmd, scenario_args& args, const std::string& policy_default, bool allow_all,
                        double pre_fragment_default, const subnet_flags_help& help, bool several_subnets) {
    args.policy = policy_default;
    args.pre_fragment = pre_fragment_default;
    auto* subnet = cmd.add_option("--subnet", args.subnets, help.subnet)->required()->check(cidr_text());
    // One value: a second --subnet is a parse error naming the flag, not a later surprise.
    if (!several_subnets) subnet->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    cmd.add_option("--reserve", args.reserves, help.reserve)->check(reservation_text());
    cmd.add_option("--pre-fragment", args.pre_fragment,
                   "Percent of each subnet's free addresses scattered first as foreign allocations (other "
                   "tenants), at random places outside reservations")
        ->check(number(0.0, 100.0))
        ->capture_default_str();
    add_instances_option(cmd, args.instances);
    cmd.add_option("--instance-type", args.instance_type, "Instance type of the nodes")
        ->check(non_empty())
        ->capture_default_str();
    const auto policies = registry_choices<enipool::growth_policies>(allow_all ? std::vector<std::string>{"all"}
                                                                               : std::vector<std::string>{});
    const std::string policy_names = registry_help<enipool::growth_policies>(false);
    cmd.add_option("--policy", args.policy, allow_all ? policy_names + " | all (each on the same seed)" : policy_names)
        ->check(CLI::IsMember(policies))
        ->capture_default_str();
    const auto counts = number(0u, 100000u);
    add_warm_option<enipool::warm_strategies>(cmd, args.warm);
    add_strategy_flags<enipool::warm_strategies>(cmd, args);
    args.behaviour_flag =
        cmd.add_option("--behaviour", args.behaviour,
                       "agent: the VPC CNI's (v1.23.1) or Cilium's exact decisions | improved: with enipool's "
                       "improvements (see docs/fidelity.md) | both: each, side by side")
            ->check(CLI::IsMember({"agent", "improved", "both"}))
            ->capture_default_str();
    args.warm_eni_flag = cmd.add_option("--warm-eni-target", args.warm_eni_target, "WARM_ENI_TARGET (vpc-cni)")
                             ->check(counts)
                             ->capture_default_str();
    args.warm_ip_flag =
        cmd.add_option("--warm-ip-target", args.warm_ip_target, "WARM_IP_TARGET (vpc-cni; default: unset)")->check(counts);
    args.minimum_ip_flag =
        cmd.add_option("--minimum-ip-target", args.minimum_ip_target, "MINIMUM_IP_TARGET (vpc-cni; default: unset)")
            ->check(counts);
    args.warm_prefix_flag =
        cmd.add_option("--warm-prefix-target", args.warm_prefix_target, "WARM_PREFIX_TARGET (vpc-cni; default: unset)")
            ->check(counts);
    args.cilium_flags = {
        cmd.add_option("--pre-allocate", args.pre_allocate, "Cilium's pre-allocate: free addresses to keep (cilium)")
            ->check(counts)
            ->capture_default_str(),
        cmd.add_option("--min-allocate", args.min_allocate, "Cilium's min-allocate: addresses to hold at least (cilium)")
            ->check(counts),
        cmd.add_option("--max-allocate", args.max_allocate,
                       "Cilium's max-allocate: addresses to hold at most (cilium; default: no limit)")
            ->check(counts),
        cmd.add_option("--max-above-watermark", args.max_above_watermark,
                       "Cilium's max-above-watermark: extra addresses per growth (cilium)")
            ->check(counts)};
    args.warm_addresses_flag =
        cmd.add_option("--warm-addresses", args.warm_addresses,
                       "Free addresses Auto Mode keeps ready (auto-mode; default: 16 while growing with prefixes, 1 "
                       "with secondary IPs)")
            ->check(counts);
    cmd.add_option("--max-pods", args.max_pods,
                   "Kubelet max pods per node (default: the AL2 AMI script's calculator, prefix delegation for the prefix "
                   "policies; 2 of them are host-network pods without an address)")
        ->check(number<std::uint64_t>(3, 100000));
    cmd.add_option("--seed", args.seed, "Seed of every random choice (same seed and flags: same results)")
        ->check(number<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max()))
        ->capture_default_str();
}

enipool::instance_type scenario_type(const scenario_args& args) {
    const auto catalog = load_instances(args.instances);
    auto t = catalog.at(args.instance_type);
    if (!t) throw usage_error(fmt::format("--instance-type: {}", t.error().message()));
    return *t;
}

std::vector<enipool::growth_policy_kind> scenario_policies(const scenario_args& args) {
    if (args.policy == "all") {
        std::vector<enipool::growth_policy_kind> all;
        for (std::size_t i = 0; i < enipool::growth_policies::size; ++i)
            all.push_back(static_cast<enipool::growth_policy_kind>(i));
        return all;
    }
    auto p = enipool::parse_growth_policy(args.policy);
    if (!p) throw usage_error(fmt::format("--policy: {}", p.error().message()));
    return {*p};
}

namespace {

bool given(const CLI::Option* flag) { return flag != nullptr && flag->count() > 0; }

// A flag of another strategy than --warm's would be silently ignored: refuse it instead.
void refuse_unless(bool strategy_chosen, const CLI::Option* flag, std::string_view strategy) {
    if (!strategy_chosen && given(flag))
        throw usage_error(fmt::format("{} applies to --warm {} only", flag->get_name(), strategy));
}

// "--warm a and --warm b": the built-in strategies that --behaviour improved applies to.
std::string improvable_strategies() {
    std::vector<std::string_view> names;
    enipool::for_each_type(enipool::warm_strategies{}, [&]<class W>() {
        if constexpr (has_improved<W>) names.push_back(W::name);
    });
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
        out += fmt::format("--warm {}", names[i]);
    }
    return out;
}

} // namespace

std::vector<behaviour> scenario_behaviours(const scenario_args& args) {
    bool improvable = false;
    enipool::for_each_type(enipool::warm_strategies{}, [&]<class W>() {
        if (args.warm == W::name) improvable = has_improved<W>;
    });
    if (!improvable && args.behaviour != "agent")
        throw usage_error(fmt::format("--behaviour applies to {} only", improvable_strategies()));
    if (args.behaviour == "improved") return {behaviour{true, "+improved"}};
    if (args.behaviour == "both") return {behaviour{}, behaviour{true, "+improved"}};
    return {behaviour{}};
}

void refuse_other_strategies_flags(const scenario_args& args) {
    constexpr std::string_view vpc_cni = enipool::vpc_cni_warm::name;
    constexpr std::string_view cilium = enipool::cilium_watermarks::name;
    constexpr std::string_view auto_mode = enipool::auto_mode_warm::name;
    for (const CLI::Option* f : {args.warm_eni_flag, args.warm_ip_flag, args.minimum_ip_flag, args.warm_prefix_flag})
        refuse_unless(args.warm == vpc_cni, f, vpc_cni);
    for (const CLI::Option* f : args.cilium_flags) refuse_unless(args.warm == cilium, f, cilium);
    refuse_unless(args.warm == auto_mode, args.warm_addresses_flag, auto_mode);
}

template <>
enipool::cilium_watermarks_config warm_settings<enipool::cilium_watermarks>(const scenario_args& args, bool improved) {
    auto c = improved ? enipool::cilium_watermarks_config::improved() : enipool::cilium_watermarks_config{};
    c.pre_allocate = static_cast<int>(args.pre_allocate);
    c.min_allocate = args.min_allocate;
    c.max_allocate = args.max_allocate;
    c.max_above_watermark = args.max_above_watermark;
    return c;
}

template <>
enipool::auto_mode_warm_config warm_settings<enipool::auto_mode_warm>(const scenario_args& args, bool) {
    enipool::auto_mode_warm_config a;
    if (given(args.warm_addresses_flag)) a.warm_addresses = args.warm_addresses;
    return a;
}

template <>
enipool::vpc_cni_warm_config warm_settings<enipool::vpc_cni_warm>(const scenario_args& args, bool improved) {
    auto w = improved ? enipool::vpc_cni_warm_config::improved() : enipool::vpc_cni_warm_config{};
    w.warm_eni_target = args.warm_eni_target;
    if (given(args.warm_ip_flag)) w.warm_ip_target = args.warm_ip_target;
    if (given(args.minimum_ip_flag)) w.minimum_ip_target = args.minimum_ip_target;
    if (given(args.warm_prefix_flag)) w.warm_prefix_target = args.warm_prefix_target;
    return w;
}

namespace {

// "CIDR:prefix" or "CIDR:explicit" of --reserve, or why `text` is not one.
struct reservation {
    enipool::ipv4_prefix cidr;
    enipool::reservation_type type{};
    std::string error; ///< empty: parsed
};

reservation parse_reservation(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return {{}, {}, fmt::format("'{}' is not CIDR:prefix or CIDR:explicit", text)};
    const std::string kind = text.substr(colon + 1);
    enipool::reservation_type type{};
    if (kind == "prefix") type = enipool::reservation_type::prefix;
    else if (kind == "explicit") type = enipool::reservation_type::explicit_;
    else return {{}, {}, fmt::format("{}: the type must be prefix or explicit, not '{}'", text, kind)};
    const auto cidr = enipool::ipv4_prefix::parse(text.substr(0, colon));
    if (!cidr) return {{}, {}, fmt::format("{}: {}", text, cidr.error().message())};
    return {*cidr, type, {}};
}

} // namespace

void apply_reserves_and_fragment(const scenario_args& args, std::vector<enipool::subnet>& subnets) {
    for (const std::string& text : args.reserves) {
        const auto [cidr, type, why] = parse_reservation(text);
        if (!why.empty()) throw usage_error(fmt::format("--reserve: {}", why));
        bool done = false;
        for (auto& s : subnets) {
            if (!s.cidr().contains(cidr)) continue;
            if (auto ok = s.reserve(cidr, type); !ok)
                throw usage_error(fmt::format("--reserve {}: {}", text, ok.error().message()));
            done = true;
            break;
        }
        if (!done) throw usage_error(fmt::format("--reserve {}: inside no --subnet", text));
    }
    for (auto& s : subnets) (void)enipool::sim::scatter_foreign(s, args.pre_fragment / 100.0);
}

std::vector<enipool::subnet> scenario_subnets(const scenario_args& args) {
    std::vector<enipool::subnet> out;
    for (std::size_t i = 0; i < args.subnets.size(); ++i) {
        const auto cidr = enipool::ipv4_prefix::parse(args.subnets[i]);
        if (!cidr) throw usage_error(fmt::format("--subnet {}: {}", args.subnets[i], cidr.error().message()));
        for (const auto& s : out)
            if (s.cidr().overlaps(*cidr))
                throw usage_error(fmt::format("--subnet {} overlaps {}", args.subnets[i], s.cidr().to_string()));
        auto s = enipool::subnet::create(*cidr, args.seed * 1000003u + i);
        if (!s) throw usage_error(fmt::format("--subnet {}: {}", args.subnets[i], s.error().message()));
        out.push_back(std::move(*s));
    }
    apply_reserves_and_fragment(args, out);
    return out;
}

namespace {

constexpr const char* duration_shape = "a duration such as 90s, 30m, 1h, 500ms (at most 1e7 s)";

// The duration `text` stands for, or nothing when it is not one.
std::optional<enipool::sim::sim_time> duration_of(const std::string& text) {
    std::string_view t = text;
    double scale = 1.0;  // seconds
    const auto ends = [&](std::string_view suffix) {
        if (t.size() > suffix.size() && t.substr(t.size() - suffix.size()) == suffix) {
            t.remove_suffix(suffix.size());
            return true;
        }
        return false;
    };
    if (ends("ms")) scale = 0.001;
    else if (ends("s")) scale = 1.0;
    else if (ends("m")) scale = 60.0;
    else if (ends("h")) scale = 3600.0;
    double value = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc{} || end != t.data() + t.size() || !std::isfinite(value) || value < 0 || value * scale > 1e7)
        return std::nullopt;
    return std::chrono::duration_cast<enipool::sim::sim_time>(std::chrono::duration<double>(value * scale));
}

} // namespace

enipool::sim::sim_time parse_duration(const std::string& flag, const std::string& text) {
    const auto d = duration_of(text);
    if (!d) throw usage_error(fmt::format("{} {}: expected {}", flag, text, duration_shape));
    return *d;
}

CLI::Validator duration_text(bool positive) {
    return CLI::Validator(
        [positive](std::string& text) -> std::string {
            const auto d = duration_of(text);
            if (!d) return fmt::format("'{}' is not {}", text, duration_shape);
            if (positive && *d <= enipool::sim::sim_time::zero()) return fmt::format("{} is not a positive duration", text);
            return {};
        },
        positive ? "DURATION > 0" : "DURATION");
}

CLI::Validator cidr_text() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const auto cidr = enipool::ipv4_prefix::parse(text);
            return cidr ? std::string() : fmt::format("'{}' is not a CIDR: {}", text, cidr.error().message());
        },
        "CIDR");
}

CLI::Validator reservation_text() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            return parse_reservation(text).error;
        },
        "CIDR:prefix|explicit");
}

} // namespace enipool_plan
