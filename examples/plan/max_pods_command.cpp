// enipool-plan max-pods: flags, selection of types, the side-by-side figures and their
// table / CSV / JSON rendering.
#include "max_pods_command.hpp"
#include "registry_cli.hpp"

#include <enipool/max_pods.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

namespace enipool_plan {

namespace {

const command_registration registration{"max-pods", add_max_pods_command};

struct optional_numbers {
    std::string max_pods_expression;
    unsigned cni_max_eni = 0;
    std::uint64_t max_pods = 0;
    unsigned vcpus = 0;
};

struct figure_row {
    std::string type;
    std::vector<std::optional<std::uint64_t>> cells; // one per chosen calculator
};

// Why some cells are empty: per calculator and error code, how many types and which.
struct gap {
    std::size_t count = 0;
    std::vector<std::string> examples;
    std::string first_detail;
};

std::vector<enipool::calculator> chosen_calculators(const std::string& name) {
    if (name == "all") return {enipool::all_calculators.begin(), enipool::all_calculators.end()};
    auto one = enipool::parse_calculator(name);
    if (!one) throw usage_error(fmt::format("--calculator: {}", one.error().detail()));
    if (name == enipool::deprecated_eks_ami_name)
        note("--calculator eks-ami is deprecated: it is al2-script now (the AL2 AMI's max-pods-calculator.sh; "
             "AL2023 nodes compute max pods with nodeadm)");
    return {*one};
}

bool chosen(const std::vector<enipool::calculator>& calculators, enipool::calculator c) {
    return std::find(calculators.begin(), calculators.end(), c) != calculators.end();
}

std::vector<enipool::instance_type> chosen_types(const max_pods_args& args, const enipool::catalog& catalog) {
    std::vector<enipool::instance_type> out;
    if (args.all) {
        for (const auto& entry : catalog) out.push_back(entry.second);
    } else {
        auto names = args.types;
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        std::vector<std::string> unknown;
        for (const auto& name : names) {
            if (const auto* type = catalog.find(name)) out.push_back(*type);
            else unknown.push_back(name);
        }
        if (!unknown.empty())
            throw usage_error(fmt::format("--type: unknown instance type{} {} (not in {}; see --instances)",
                                          unknown.size() > 1 ? "s" : "", fmt::join(unknown, ", "),
                                          args.instances.empty() ? "the built-in catalog" : args.instances));
    }
    if (args.vcpus)
        for (auto& type : out) type.vcpus = *args.vcpus;
    return out;
}

enipool::max_pods_options calculator_options(const max_pods_args& args) {
    enipool::max_pods_options o;
    o.nodeadm.max_pods_expression = args.max_pods_expression;
    o.al2_script.prefix_delegation = args.prefix_delegation;
    o.al2_script.custom_networking = args.custom_networking;
    o.al2_script.cni_max_eni = args.cni_max_eni;
    o.al2_script.show_max_allowed = args.show_max_allowed;
    o.karpenter.reserved_enis = args.reserved_enis;
    o.karpenter.max_pods = args.max_pods;
    o.karpenter.pods_per_core = args.pods_per_core;
    auto policy = enipool::parse_growth_policy(args.policy);
    if (!policy) throw usage_error(fmt::format("--policy: {}", policy.error().detail()));
    o.enipool.policy = *policy;
    o.enipool.budget.reserved_enis = args.reserved_enis;
    o.enipool.budget.custom_networking = args.custom_networking;
    o.enipool.budget.max_enis = args.cni_max_eni;
    return o;
}

std::string cell_text(const std::optional<std::uint64_t>& v, std::string_view missing) {
    return v ? fmt::to_string(*v) : std::string(missing);
}

std::string render_table(const std::vector<std::string>& columns, const std::vector<figure_row>& rows) {
    std::vector<std::vector<std::string>> cells;
    for (const auto& row : rows) {
        auto& line = cells.emplace_back(std::vector<std::string>{row.type});
        for (const auto& cell : row.cells) line.push_back(cell_text(cell, "n/a"));
    }
    return render_text_table(columns, cells);
}

std::string render_csv(const std::vector<std::string>& columns, const std::vector<figure_row>& rows) {
    std::string out = fmt::format("{}\n", fmt::join(columns, ","));
    for (const auto& row : rows) {
        out += row.type;
        for (const auto& cell : row.cells) out += "," + cell_text(cell, "");
        out += '\n';
    }
    return out;
}

std::string render_json(const std::vector<std::string>& columns, const std::vector<figure_row>& rows) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& row : rows) {
        nlohmann::ordered_json entry;
        entry[columns[0]] = row.type;
        for (std::size_t c = 0; c < row.cells.size(); ++c) {
            if (row.cells[c]) entry[columns[c + 1]] = *row.cells[c];
            else entry[columns[c + 1]] = nullptr;
        }
        out.push_back(std::move(entry));
    }
    return out.dump(2) + "\n";
}

} // namespace

std::string render_max_pods(const max_pods_args& args, const enipool::catalog& catalog) {
    if (args.format != "table" && args.format != "csv" && args.format != "json")
        throw usage_error(fmt::format("--format: '{}' is not table, csv or json", args.format));
    const auto calculators = chosen_calculators(args.calculator);
    if (args.max_pods_expression && !chosen(calculators, enipool::calculator::nodeadm))
        throw usage_error("--max-pods-expression applies to --calculator nodeadm (or all)");
    const auto options = calculator_options(args);
    const auto types = chosen_types(args, catalog);

    std::vector<figure_row> rows;
    std::map<std::pair<enipool::calculator, enipool::errc>, gap> gaps;
    std::map<std::string, gap> warnings; // nodeadm's fallback warnings, by text
    for (const auto& type : types) {
        figure_row row{type.name, {}};
        std::vector<std::optional<std::uint64_t>> reserved;
        for (auto c : calculators) {
            std::string warning;
            auto figure = enipool::max_pods(c, type, options, &warning);
            if (!warning.empty()) {
                auto& w = warnings[warning];
                if (w.count++ == 0) w.first_detail = warning;
                if (w.examples.size() < 3) w.examples.push_back(type.name);
            }
            if (figure) {
                row.cells.emplace_back(*figure);
                reserved.emplace_back(enipool::kube_reserved_memory_mib(*figure));
                continue;
            }
            if (calculators.size() == 1)
                throw usage_error(fmt::format("{} has no figure: {}", enipool::to_string(c), figure.error().message()));
            auto& g = gaps[std::make_pair(c, figure.error().code())];
            if (g.count++ == 0) g.first_detail = figure.error().detail();
            if (g.examples.size() < 3) g.examples.push_back(type.name);
            row.cells.emplace_back(std::nullopt);
            reserved.emplace_back(std::nullopt);
        }
        if (args.show_reserved) {
            row.cells.insert(row.cells.end(), reserved.begin(), reserved.end());
            if (type.vcpus) row.cells.emplace_back(enipool::kube_reserved_cpu_millicores(*type.vcpus));
            else row.cells.emplace_back(std::nullopt);
        }
        rows.push_back(std::move(row));
    }

    for (const auto& [key, g] : gaps) {
        const auto& [calc, code] = key;
        note(fmt::format("{} has no figure for {} type{} ({}{}): {} (first: {})", enipool::to_string(calc), g.count,
                         g.count == 1 ? "" : "s", fmt::join(g.examples, ", "), g.count > g.examples.size() ? ", ..." : "",
                         enipool::make_error_code(code).message(), g.first_detail));
    }
    for (const auto& [text, w] : warnings)
        fmt::print(stderr, "warning: nodeadm, {} type{} ({}{}): {}\n", w.count, w.count == 1 ? "" : "s",
                   fmt::join(w.examples, ", "), w.count > w.examples.size() ? ", ..." : "", text);

    std::vector<std::string> columns{"instance_type"};
    if (calculators.size() == 1) columns.emplace_back("max_pods");
    else
        for (auto c : calculators) columns.emplace_back(enipool::to_string(c));
    if (args.show_reserved) {
        // kube-reserved memory follows each max-pods figure (nodeadm's 11 x max pods + 255 MiB);
        // the CPU reservation depends on the vCPUs only.
        if (calculators.size() == 1) columns.emplace_back("kube_reserved_mib");
        else
            for (auto c : calculators) columns.emplace_back(fmt::format("{}_reserved_mib", enipool::to_string(c)));
        columns.emplace_back("kube_reserved_cpu_m");
    }

    if (args.format == "csv") return render_csv(columns, rows);
    if (args.format == "json") return render_json(columns, rows);
    return render_table(columns, rows);
}

runner add_max_pods_command(CLI::App& parent) {
    auto args = std::make_shared<max_pods_args>();
    const auto counts = number(0u, 1000000u);
    auto* cmd = parent.add_subcommand(
        "max-pods", "Max pods per instance type: eni-max-pods.txt, AL2023 nodeadm, the AL2 AMI script, Karpenter, EKS Auto "
                    "Mode and enipool's own figure (the pod addresses a node really holds), side by side");
    add_instances_option(*cmd, args->instances);
    auto* type = cmd->add_option("--type", args->types, "Instance type (repeatable)")->check(non_empty());
    auto* all = cmd->add_flag("--all", args->all, "Every instance type of the catalog")->disable_flag_override();
    type->excludes(all);
    cmd->add_option("--calculator", args->calculator,
                    "eni-max-pods | nodeadm (AL2023) | al2-script (the AL2 AMI's script; eks-ami is its former name) | "
                    "karpenter | auto-mode | enipool | all (one column each)")
        ->check(CLI::IsMember({"eni-max-pods", "nodeadm", "al2-script", "eks-ami", "karpenter", "auto-mode",
                               "enipool", "all"}))
        ->capture_default_str();
    cmd->add_option("--policy", args->policy,
                    "Growth policy of the enipool column: " + registry_help<enipool::growth_policies>(false))
        ->check(CLI::IsMember(registry_choices<enipool::growth_policies>()))
        ->capture_default_str();
    cmd->add_flag("--prefix-delegation", args->prefix_delegation, "al2-script: prefix delegation enabled")->disable_flag_override();
    cmd->add_flag("--custom-networking", args->custom_networking,
                  "The primary ENI serves no pods (al2-script, enipool, auto-mode)")->disable_flag_override();
    // Optional numbers: parsed (and range-checked) by CLI11 into `given`, kept when given.
    auto given = std::make_shared<optional_numbers>();
    auto* cni = cmd->add_option("--cni-max-eni", given->cni_max_eni,
                                "Cap on ENIs (al2-script's cni_max_eni; MAX_ENI for enipool, auto-mode)")
                    ->check(number(1u, 1000000u)); // 0: not even the primary ENI
    cmd->add_option("--reserved-enis", args->reserved_enis, "ENIs kept for other uses (karpenter, enipool, auto-mode)")
        ->check(counts);
    cmd->add_option("--pods-per-core", args->pods_per_core, "karpenter: pods per vCPU limit (0: off)")
        ->check(counts);
    auto* max_pods = cmd->add_option("--max-pods", given->max_pods, "karpenter: kubelet maxPods override")
                         ->check(number<std::uint64_t>(1, 1000000)); // 0: a node without pods
    cmd->add_flag("--show-max-allowed", args->show_max_allowed, "al2-script: no 110/250 cap")->disable_flag_override();
    auto* expression = cmd->add_option("--max-pods-expression", given->max_pods_expression,
                                       "nodeadm: NodeConfig's maxPodsExpression, a CEL integer expression over "
                                       "default_enis, ips_per_eni and max_pods; on any error nodeadm uses its "
                                       "standard value and warns")
                          ->check(non_empty());
    cmd->add_flag("--show-reserved", args->show_reserved,
                  "Add kube-reserved memory (11 x max pods + 255 MiB, per calculator) and CPU (millicores, from the "
                  "vCPUs) as nodeadm reserves them")->disable_flag_override();
    auto* vcpus = cmd->add_option("--vcpus", given->vcpus, "vCPU count for every selected type (overrides the catalog)")
                      ->check(number(1u, 1000000u));
    cmd->add_option("--format", args->format, "table | csv | json")
        ->check(CLI::IsMember({"table", "csv", "json"}))
        ->capture_default_str();

    return [args, given, cni, max_pods, vcpus, expression] {
        if (args->types.empty() && !args->all) throw usage_error("give --type NAME (repeatable) or --all");
        if (*expression) args->max_pods_expression = given->max_pods_expression;
        if (*cni) args->cni_max_eni = given->cni_max_eni;
        if (*max_pods) args->max_pods = given->max_pods;
        if (*vcpus) args->vcpus = given->vcpus;
        const auto catalog = load_instances(args->instances);
        emit(render_max_pods(*args, catalog));
        return 0;
    };
}

} // namespace enipool_plan
