// enipool-plan subnet: how many nodes and pods a subnet takes before InsufficientCidrBlocks
// and before InsufficientFreeAddressesInSubnet, with the subnet's map at each point; from an
// empty subnet or from a real one's occupancy (the AWS CLI's JSON).
#include "command.hpp"
#include "scenario.hpp"

#include <enipool/json/aws_subnet.hpp>
#include <enipool/sim/capacity.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace enipool_plan {

namespace {

struct subnet_args {
    scenario_args scenario;
    std::vector<std::string> interfaces;  ///< --network-interfaces FILE...
    std::string reservations;             ///< --reservations FILE
    std::string subnet_id;                ///< --subnet-id
    unsigned max_nodes = 100000;
    bool no_map = false;
};

std::string read_or_throw(const std::string& flag, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error(fmt::format("{} {}: cannot open the file", flag, path));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string figures(const enipool::sim::fill_point& p) {
    return fmt::format("  nodes {:>5}   pods {:>7}   pod addresses held {:>7}\n"
                       "  subnet: {} free addresses, {} free aligned /28s, fragmentation {:.3f}\n",
                       p.nodes, p.pods, p.addresses_held, p.free_addresses, p.free_28s, p.fragmentation);
}

std::string point(const std::string& heading, const std::optional<enipool::sim::fill_point>& p, bool map) {
    if (!p) return fmt::format("{}: never\n\n", heading);
    std::string out = fmt::format("{}:\n{}", heading, figures(*p));
    if (map) out += "\n" + p->map;
    return out + "\n";
}

std::string stop_reason(enipool::sim::fill_stop s) {
    switch (s) {
    case enipool::sim::fill_stop::no_primary_address: return "a further node could not launch (no address for its primary ENI)";
    case enipool::sim::fill_stop::node_got_no_pod: return "a further node launched but got no pod address";
    default: return "--max-nodes reached";
    }
}

// An AWS subnet ID: "subnet-" and 8 or 17 lowercase hex digits.
CLI::Validator subnet_id_text() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            constexpr std::string_view head = "subnet-";
            const std::string_view digits = std::string_view(text).substr(std::min(text.size(), head.size()));
            const bool hex = std::all_of(digits.begin(), digits.end(),
                                         [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
            if (text.rfind(head, 0) != 0 || (digits.size() != 8 && digits.size() != 17) || !hex)
                return fmt::format("'{}' is not a subnet ID (subnet- and 8 or 17 hex digits)", text);
            return {};
        },
        "SUBNET-ID");
}

int run_subnet(const subnet_args& args) {
    const auto type = scenario_type(args.scenario);
    const auto policies = scenario_policies(args.scenario);
    std::vector<enipool::subnet> subnets;
    if (args.interfaces.empty()) {
        if (!args.reservations.empty()) throw usage_error("--reservations needs --network-interfaces");
        subnets = scenario_subnets(args.scenario);
    } else {
        const auto cidr = enipool::ipv4_prefix::parse(args.scenario.subnets.front());
        if (!cidr) throw usage_error(fmt::format("--subnet {}: {}", args.scenario.subnets.front(), cidr.error().message()));
        std::string interfaces, reservations;
        for (const auto& path : args.interfaces) interfaces += read_or_throw("--network-interfaces", path) + "\n";
        if (!args.reservations.empty()) reservations = read_or_throw("--reservations", args.reservations);
        auto s = enipool::subnet_from_aws(*cidr, interfaces, reservations, args.subnet_id);
        // A --subnet-id no interface has (malformed_config; the detail lists the ones there are).
        if (!s && s.error().code() == enipool::errc::malformed_config && !args.subnet_id.empty())
            throw usage_error(fmt::format("--subnet-id {}", s.error().detail()));
        if (!s) throw usage_error(fmt::format("--network-interfaces: {}", s.error().message()));
        subnets.push_back(std::move(*s));
        apply_reserves_and_fragment(args.scenario, subnets);
    }
    const enipool::subnet& start = subnets.front();

    std::string out;
    const bool map = !args.no_map;
    out += fmt::format("subnet {}: {} free addresses, {} free aligned /28s, fragmentation {:.3f}\n", start.cidr().to_string(),
                       start.free_addresses(), start.free_blocks() + start.reserved_free_blocks(),
                       start.fragmentation());
    if (map) out += "\n" + start.render() + "\n" + enipool::subnet::render_legend() + "\n";
    for (auto policy : policies)
        for (const behaviour& b : scenario_behaviours(args.scenario)) {
            enipool::sim::fill_config c;
            c.type = type;
            c.policy = policy;
            c.warm = scenario_warm(args.scenario, b.improved);
            c.max_pods = args.scenario.max_pods;
            c.max_nodes = args.max_nodes;
            c.seed = args.scenario.seed;
            auto r = enipool::sim::fill_subnet(start, c);
            if (!r) throw usage_error(fmt::format("{}{}: {}", enipool::to_string(policy), b.suffix, r.error().message()));
            out += fmt::format("== {}{} on {} ({} pods per node) ==\n\n", enipool::to_string(policy), b.suffix, type.name,
                               r->pods_per_node);
            out += point("before the first InsufficientCidrBlocks", r->at_insufficient_cidr_blocks, map);
            out += point("before the first InsufficientFreeAddressesInSubnet", r->at_insufficient_free_addresses, map);
            out += fmt::format("at the end ({}):\n{}", stop_reason(r->stop), figures(r->end));
            if (policy == enipool::growth_policy_kind::prefix_first)
                out += fmt::format("  nodes that fell back to secondary IPs: {}\n", r->fallbacks);
            if (map) out += "\n" + r->end.map;
            out += "\n";
        }
    emit(out);
    return 0;
}

runner add_subnet_command(CLI::App& parent) {
    auto args = std::make_shared<subnet_args>();
    auto* cmd = parent.add_subcommand(
        "subnet", "How many nodes and pods fit in a subnet before InsufficientCidrBlocks and before "
                  "InsufficientFreeAddressesInSubnet, with the subnet map at each point");
    add_scenario_flags(*cmd, args->scenario, "prefix-first", true, 0.0,
                       {"The CIDR, /16 .. /28, of the one subnet the nodes fill (with --network-interfaces: the real "
                        "subnet's; given once; required)",
                        "CIDR reservation CIDR:prefix or CIDR:explicit added to the subnet (after --reservations), "
                        "before the pre-fragmentation (repeatable)"},
                       false);
    auto* interfaces = cmd->add_option("--network-interfaces", args->interfaces,
                    "Start from a real subnet: `aws ec2 describe-network-interfaces` output (repeatable: one file per "
                    "page, or pages one after another in a file)")
        ->check(input_file());
    cmd->add_option("--reservations", args->reservations,
                    "The subnet's CIDR reservations: `aws ec2 get-subnet-cidr-reservations --subnet-id ...` output "
                    "(its SubnetIpv4CidrReservations)")
        ->check(input_file())
        ->needs(interfaces);
    cmd->add_option("--subnet-id", args->subnet_id, "Only the interfaces of this SubnetId (subnet-0123abcd...); an ID that none of them has is an "
                    "error listing the ones they have")
        ->check(subnet_id_text())
        ->needs(interfaces);
    cmd->add_option("--max-nodes", args->max_nodes, "Stop after this many nodes")
        ->check(number(1u, 1000000u))
        ->capture_default_str();
    cmd->add_flag("--no-map", args->no_map, "Figures only, no subnet maps")->disable_flag_override();
    return [args] { return run_subnet(*args); };
}

const command_registration reg{"subnet", add_subnet_command};

} // namespace

} // namespace enipool_plan
