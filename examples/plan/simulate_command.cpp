// enipool-plan simulate: a cluster on one or more subnets under each growth policy, same
// seed, side by side: a summary per policy, the time series (--csv) and a chart (--svg).
#include "command.hpp"
#include "scenario.hpp"
#include "svg_chart.hpp"

#include <enipool/nodeadm.hpp>
#include <enipool/sim/cluster.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace enipool_plan {

namespace {

struct simulate_args {
    scenario_args scenario;
    unsigned max_nodes = 20;
    std::uint64_t pods = 200;
    double churn = 1.0;
    std::uint64_t burst_pods = 100;
    std::string burst_every = "10m";
    std::string burst_hold = "5m";
    std::string duration = "30m";
    std::string sample = "10s";
    std::string cooldown = "30s";
    double throttle_rate = 0.0;
    std::string format = "table";
    std::string progress = "auto";
    std::string csv;
    std::string svg;
};

struct policy_run {
    std::string label;
    enipool::sim::run_summary summary;
    std::vector<enipool::sim::sample> samples;
    std::uint64_t max_pods = 0;          ///< the node group's kubelet max pods
    std::optional<unsigned> vcpus;       ///< of the instance type, for the CPU reservation
};

// What nodeadm reserves for the kubelet on each node: memory from max pods, CPU from vCPUs.
std::string reserved_memory(const policy_run& r) {
    return fmt::format("{}", enipool::kube_reserved_memory_mib(r.max_pods));
}
std::string reserved_cpu(const policy_run& r, std::string_view unknown) {
    return r.vcpus ? fmt::format("{}", enipool::kube_reserved_cpu_millicores(*r.vcpus)) : std::string(unknown);
}

// Draws "\r<label> [#####.....]  45%" on stderr.
void draw_progress(const std::string& label, double fraction) {
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    fmt::print(stderr, "\r{:<15} [{}{}] {:3}%", label, std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(width - filled), '.'), static_cast<int>(fraction * 100));
    std::fflush(stderr);
}

std::string seconds(enipool::sim::sim_time t) {
    return fmt::format("{:.1f}", std::chrono::duration<double>(t).count());
}

std::string render_summary(const std::vector<policy_run>& runs, const std::string& format) {
    const std::vector<std::string> columns{
        "policy", "peak_pods_running", "pending_pod_seconds", "first_insufficient_cidr_blocks_s", "fallbacks",
        "ec2_calls", "ec2_errors", "addresses_held_mean", "addresses_used_mean", "peak_nodes", "max_pods",
        "kube_reserved_mib", "kube_reserved_cpu_m"};
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : runs) {
        const auto& s = r.summary;
        rows.push_back({r.label, fmt::format("{}", s.peak_pods_running), fmt::format("{:.0f}", s.pending_pod_seconds),
                        s.first_insufficient_cidr_blocks ? seconds(*s.first_insufficient_cidr_blocks) : "never",
                        fmt::format("{}", s.fallbacks), fmt::format("{}", s.ec2_calls), fmt::format("{}", s.ec2_errors),
                        fmt::format("{:.1f}", s.mean_addresses_held), fmt::format("{:.1f}", s.mean_addresses_used),
                        fmt::format("{}", s.peak_nodes), fmt::format("{}", r.max_pods), reserved_memory(r),
                        reserved_cpu(r, format == "csv" ? "" : "?")});
    }
    if (format == "json") {
        nlohmann::ordered_json out = nlohmann::ordered_json::array();
        for (const auto& r : runs) {
            const auto& s = r.summary;
            nlohmann::ordered_json j;
            j["policy"] = r.label;
            j["peak_pods_running"] = s.peak_pods_running;
            j["pending_pod_seconds"] = s.pending_pod_seconds;
            j["first_insufficient_cidr_blocks_s"] =
                s.first_insufficient_cidr_blocks
                    ? nlohmann::ordered_json(std::chrono::duration<double>(*s.first_insufficient_cidr_blocks).count())
                    : nlohmann::ordered_json(nullptr);
            j["fallbacks"] = s.fallbacks;
            j["ec2_calls"] = s.ec2_calls;
            j["ec2_errors"] = s.ec2_errors;
            j["addresses_held_mean"] = s.mean_addresses_held;
            j["addresses_used_mean"] = s.mean_addresses_used;
            j["peak_nodes"] = s.peak_nodes;
            j["max_pods"] = r.max_pods;
            j["kube_reserved_mib"] = enipool::kube_reserved_memory_mib(r.max_pods);
            j["kube_reserved_cpu_m"] =
                r.vcpus ? nlohmann::ordered_json(enipool::kube_reserved_cpu_millicores(*r.vcpus))
                        : nlohmann::ordered_json(nullptr);
            j["launch_failures"] = s.launch_failures;
            j["pod_events"] = s.pod_events;
            out.push_back(std::move(j));
        }
        return out.dump(2) + "\n";
    }
    if (format == "csv") {
        std::string out = fmt::format("{}\n", fmt::join(columns, ","));
        for (const auto& row : rows) out += fmt::format("{}\n", fmt::join(row, ","));
        return out;
    }
    const std::vector<std::string> heads{"policy", "peak running", "pending pod-s", "first ICB (s)", "fallbacks",
                                         "EC2 calls", "EC2 errors", "held (mean)", "used (mean)", "peak nodes",
                                         "max pods", "reserved MiB", "reserved CPU m"};
    std::vector<std::size_t> w(heads.size());
    for (std::size_t c = 0; c < heads.size(); ++c) {
        w[c] = heads[c].size();
        for (const auto& row : rows) w[c] = std::max(w[c], row[c].size());
    }
    std::string out;
    const auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t c = 0; c < cells.size(); ++c)
            out += c == 0 ? fmt::format("{:<{}}", cells[c], w[c]) : fmt::format("  {:>{}}", cells[c], w[c]);
        out += '\n';
    };
    line(heads);
    std::vector<std::string> rule;
    for (auto n : w) rule.emplace_back(n, '-');
    line(rule);
    for (const auto& row : rows) line(row);
    return out;
}

std::string render_series_csv(const std::vector<policy_run>& runs) {
    std::string out = "policy," + enipool::sim::csv_header() + "\n";
    for (const auto& r : runs)
        for (const auto& s : r.samples) out += enipool::sim::csv_row(s, r.label) + "\n";
    return out;
}

std::string render_chart(const std::vector<policy_run>& runs, const std::string& title) {
    svg_panel running{"Pods running", "pods", {}}, blocks{"Free aligned /28s in the subnets", "free /28s", {}};
    for (const auto& r : runs) {
        svg_series a{r.label, {}, {}}, b{r.label, {}, {}};
        for (const auto& s : r.samples) {
            const double minutes = std::chrono::duration<double>(s.at).count() / 60.0;
            a.x.push_back(minutes);
            a.y.push_back(static_cast<double>(s.pods_running));
            b.x.push_back(minutes);
            b.y.push_back(static_cast<double>(s.free_28s));
        }
        running.series.push_back(std::move(a));
        blocks.series.push_back(std::move(b));
    }
    return render_svg(title, "time (minutes)", {running, blocks});
}

void write_file(const std::string& flag, const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw usage_error(fmt::format("{} {}: cannot open for writing", flag, path));
    out << text;
    out.close();
    if (!out) throw usage_error(fmt::format("{} {}: write failed", flag, path));
}

int run_simulate(const simulate_args& args) {
    namespace sim = enipool::sim;
    const auto type = scenario_type(args.scenario);
    const auto policies = scenario_policies(args.scenario);
    const auto subnets = scenario_subnets(args.scenario);

    sim::cluster_config base;
    base.subnets = subnets;
    base.duration = parse_duration("--duration", args.duration);
    base.sample_interval = parse_duration("--sample", args.sample);
    if (base.sample_interval <= sim::sim_time::zero()) throw usage_error("--sample must be positive");
    base.workload.pods = args.pods;
    base.workload.churn_per_second = args.churn;
    base.workload.burst_pods = args.burst_pods;
    base.workload.burst_every = parse_duration("--burst-every", args.burst_every);
    base.workload.burst_hold = parse_duration("--burst-hold", args.burst_hold);
    base.workload.seed = args.scenario.seed;
    base.ec2.seed = args.scenario.seed;
    for (auto& call : base.ec2.calls) call.throttle_rate = args.throttle_rate;
    base.autoscaler.max_nodes = args.max_nodes;
    base.autoscaler.min_nodes = std::min(1u, args.max_nodes);
    const auto cooldown = parse_duration("--cooldown", args.cooldown);

    // Build every cluster first: a configuration error is a usage error before any output.
    std::vector<sim::cluster> clusters;
    std::vector<std::string> labels;
    for (auto p : policies)
        for (const behaviour& b : scenario_behaviours(args.scenario)) {
            sim::cluster_config c = base;
            sim::node_group g;
            g.name = std::string(enipool::to_string(p));
            g.type = type;
            g.policy = p;
            g.warm = scenario_warm(args.scenario, b.improved);
            g.max_pods = args.scenario.max_pods;
            g.cooldown = cooldown;
            c.groups.push_back(std::move(g));
            const std::string label = fmt::format("{}{}", enipool::to_string(p), b.suffix);
            auto made = sim::cluster::create(std::move(c));
            if (!made) throw usage_error(fmt::format("{}: {}", label, made.error().message()));
            clusters.push_back(std::move(*made));
            labels.push_back(label);
        }

    // The bar is drawn only on a terminal (on a pipe its carriage returns would litter a
    // log): `auto` once the runs have lasted a second, `always` from the first step.
    const bool may_draw = isatty(2) != 0 && args.progress != "never";
    const auto started = std::chrono::steady_clock::now();
    bool drawing = may_draw && args.progress == "always";
    std::vector<policy_run> runs;
    for (std::size_t i = 0; i < clusters.size(); ++i) {
        constexpr int steps = 100;
        for (int k = 1; k <= steps; ++k) {
            const auto until = std::chrono::duration_cast<sim::sim_time>(base.duration * (static_cast<double>(k) / steps));
            if (auto ok = clusters[i].run_until(k == steps ? base.duration : until); !ok)
                throw std::runtime_error(fmt::format("{}: {}", labels[i], ok.error().message()));
            if (may_draw && (drawing || std::chrono::steady_clock::now() - started > std::chrono::seconds(1))) {
                drawing = true;
                draw_progress(labels[i], (static_cast<double>(i) + k / double(steps)) / static_cast<double>(clusters.size()));
            }
        }
        runs.push_back(policy_run{labels[i], clusters[i].summary(), clusters[i].samples(),
                                  clusters[i].configuration().groups.at(0).max_pods, type.vcpus});
    }
    if (drawing) fmt::print(stderr, "\r\033[K");

    const std::string title = fmt::format("{} nodes of {}, {} pods ({} churn/s, bursts of {}), subnets {}{}{}",
                                          args.max_nodes, type.name, args.pods, args.churn, args.burst_pods,
                                          fmt::join(args.scenario.subnets, " "),
                                          args.scenario.pre_fragment > 0
                                              ? fmt::format(", {}% pre-fragmented", args.scenario.pre_fragment)
                                              : std::string(),
                                          args.scenario.warm != enipool::type_at<enipool::warm_strategies, 0>::name
                                              ? fmt::format(", warm pool: {}", args.scenario.warm)
                                              : std::string());
    if (!args.csv.empty()) write_file("--csv", args.csv, render_series_csv(runs));
    if (!args.svg.empty()) write_file("--svg", args.svg, render_chart(runs, title));
    emit(render_summary(runs, args.format));
    return 0;
}

runner add_simulate_command(CLI::App& parent) {
    auto args = std::make_shared<simulate_args>();
    auto* cmd = parent.add_subcommand(
        "simulate",
        "Simulate a cluster on the subnets under each growth policy (same seed): pods running and pending, "
        "warm-pool waste, free /28s, fallbacks, EC2 calls and errors");
    add_scenario_flags(*cmd, args->scenario, "all", true, 15.0,
                       {"Subnet CIDR, /16 .. /28, the nodes take addresses from (repeatable: several subnets, each "
                        "node launched in the one with the most free addresses; required)",
                        "CIDR reservation CIDR:prefix or CIDR:explicit in the --subnet that contains it, made before "
                        "the pre-fragmentation (repeatable)"},
                       true);
    cmd->add_option("--max-nodes", args->max_nodes, "Autoscaler's node limit")
        ->check(number(1u, static_cast<unsigned>(enipool::sim::cluster::max_nodes)))
        ->capture_default_str();
    cmd->add_option("--pods", args->pods, "Pods of the base deployment (they arrive over the first minute)")
        ->check(number<std::uint64_t>(0, 10000000))
        ->capture_default_str();
    cmd->add_option("--churn", args->churn, "Pod replacements per second (Poisson: a random pod deleted, a new one "
                                            "created)")
        ->check(number(0.0, 1e6))
        ->capture_default_str();
    cmd->add_option("--burst-pods", args->burst_pods, "Pods a deployment burst adds (0: no bursts)")
        ->check(number<std::uint64_t>(0, 10000000))
        ->capture_default_str();
    // Durations: `positive` refuses 0 (a run or sample of no time).
    const auto add_duration = [cmd](const char* name, std::string& value, const char* help, bool positive) {
        cmd->add_option(name, value, help)->check(duration_text(positive))->capture_default_str();
    };
    add_duration("--burst-every", args->burst_every, "A burst starts every (first after this long; 0: no bursts)",
                 false);
    add_duration("--burst-hold", args->burst_hold, "A burst scales down to 0 after", false);
    add_duration("--duration", args->duration, "Virtual time simulated (90s, 30m, 1h...)", true);
    add_duration("--sample", args->sample, "Sample interval of the time series", true);
    add_duration("--cooldown", args->cooldown, "IP_COOLDOWN_PERIOD: a released address is reused after", false);
    cmd->add_option("--throttle-rate", args->throttle_rate,
                    "Share of EC2 calls refused with RequestLimitExceeded (throttling); the pools back off and "
                    "retry")
        ->check(number(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--format", args->format, "Summary format: table | csv | json")
        ->check(CLI::IsMember({"table", "csv", "json"}))
        ->capture_default_str();
    cmd->add_option("--progress", args->progress,
                    "Progress bar on stderr, only when it is a terminal: auto (once a run has lasted a second) | "
                    "always | never")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->capture_default_str();
    cmd->add_option("--csv", args->csv, "Write the time series (one row per policy and sample) to FILE")
        ->check(output_file());
    cmd->add_option("--svg", args->svg, "Write a chart (pods running, free /28s over time) to FILE")
        ->check(output_file());
    return [args] { return run_simulate(*args); };
}

const command_registration reg{"simulate", add_simulate_command};

} // namespace

} // namespace enipool_plan
