// enipool-plan catalog: the instance table the planner uses (the built-in one, or
// --instances FILE), filtered by type or family, as a table, CSV or describe-instance-types
// JSON. Users diff it against their own `aws ec2 describe-instance-types`.
#include "command.hpp"

#include <enipool/json/catalog_json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace enipool_plan {

namespace {

struct catalog_args {
    std::string instances;
    std::vector<std::string> types;
    std::vector<std::string> families;
    std::string format = "table";
};

/// The family of a type name: what comes before the first '.' ("m7i" of "m7i.large").
std::string_view family_of(std::string_view name) { return name.substr(0, name.find('.')); }

enipool::catalog select(const catalog_args& args, const enipool::catalog& all) {
    const std::string where = args.instances.empty() ? "the built-in catalog" : args.instances;
    std::vector<std::string> unknown;
    for (const auto& name : args.types)
        if (all.find(name) == nullptr) unknown.push_back(name);
    if (!unknown.empty())
        throw usage_error(fmt::format("--type: unknown instance type{} {} (not in {})", unknown.size() > 1 ? "s" : "",
                                      fmt::join(unknown, ", "), where));
    const std::set<std::string, std::less<>> families(args.families.begin(), args.families.end());
    std::set<std::string, std::less<>> seen_families;
    std::vector<enipool::instance_type> chosen;
    for (const auto& [name, type] : all) {
        const bool by_type = std::find(args.types.begin(), args.types.end(), name) != args.types.end();
        const bool by_family = families.contains(family_of(name));
        if (by_family) seen_families.emplace(family_of(name));
        if ((args.types.empty() && families.empty()) || by_type || by_family) chosen.push_back(type);
    }
    std::vector<std::string> empty;
    for (const auto& f : families)
        if (!seen_families.contains(f)) empty.push_back(f);
    if (!empty.empty())
        throw usage_error(fmt::format("--family: no instance type of famil{} {} in {}", empty.size() > 1 ? "ies" : "y",
                                      fmt::join(empty, ", "), where));
    auto out = enipool::catalog::from_types(std::move(chosen));
    if (!out) throw usage_error(out.error().message()); // cannot happen: names come from a catalog
    return std::move(*out);
}

std::string render_table(const enipool::catalog& types) {
    const std::vector<std::string> columns{"instance_type", "vcpus", "enis", "ipv4/eni", "cards", "hypervisor",
                                           "metal", "efa", "trunk", "branch"};
    auto yes_no = [](const std::optional<bool>& v) -> std::string { return v ? (*v ? "yes" : "no") : "?"; };
    auto number = [](const std::optional<unsigned>& v) { return v ? fmt::to_string(*v) : std::string("?"); };
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, t] : types) {
        rows.push_back({name, number(t.vcpus), fmt::to_string(t.max_enis), fmt::to_string(t.ipv4_per_eni),
                        fmt::to_string(std::max<std::size_t>(t.network_cards.size(), 1)),
                        std::string(enipool::to_string(t.hypervisor)),
                        t.bare_metal ? "yes" : "no", yes_no(t.efa_supported), yes_no(t.trunk_compatible),
                        number(t.branch_interfaces)});
    }
    return render_text_table(columns, rows);
}

runner add_catalog_command(CLI::App& parent) {
    auto args = std::make_shared<catalog_args>();
    auto* cmd = parent.add_subcommand(
        "catalog", "The instance table the planner uses: ENIs, IPv4 per ENI, network cards, hypervisor, bare metal, "
                   "vCPUs, EFA and trunking ('?' where no source gives a value)");
    add_instances_option(*cmd, args->instances);
    cmd->add_option("--type", args->types, "Only this instance type (repeatable)")->check(non_empty());
    cmd->add_option("--family", args->families, "Only this family, the name before the '.' (e.g. m7i; repeatable)")
        ->check(non_empty());
    cmd->add_option("--format", args->format,
                    "table | csv (reads back with --instances) | json (the shape of describe-instance-types)")
        ->check(CLI::IsMember({"table", "csv", "json"}))
        ->capture_default_str();
    return [args] {
        const auto all = load_instances(args->instances);
        const auto chosen = select(*args, all);
        if (args->format == "csv") emit(enipool::format_catalog_csv(chosen));
        else if (args->format == "json") emit(enipool::format_catalog_json(chosen));
        else emit(render_table(chosen));
        return 0;
    };
}

const command_registration registration{"catalog", add_catalog_command};

} // namespace

} // namespace enipool_plan
