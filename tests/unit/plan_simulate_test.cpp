// enipool-plan simulate and subnet, run as processes: every usage error exits 2 with a
// message on stderr and nothing on stdout; same seed and flags write byte-identical CSV;
// the summary has one row per policy labelled with its CLI name; `subnet` reports the
// figures worked out by hand for an empty /24.
#include "run_process.hpp"

#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

enipool_test::process_result plan(const std::vector<std::string>& args) {
    return enipool_test::run_process(ENIPOOL_BIN_DIR "/enipool-plan", args, ENIPOOL_BIN_DIR);
}

void check_usage_error(const std::vector<std::string>& args, const std::string& why) {
    const auto r = plan(args);
    INFO("stderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(why) != std::string::npos);
}

const std::vector<std::string> quick{"--duration", "3m", "--pods", "60", "--burst-pods", "20", "--burst-every",
                                     "1m", "--burst-hold", "30s", "--max-nodes", "4"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

} // namespace

TEST_CASE("simulate: usage errors exit 2 with nothing on stdout", "[plan][simulate]") {
    check_usage_error({"simulate"}, "--subnet");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/33"}, "198.18.0.0/33");
    check_usage_error({"simulate", "--subnet", "198.18.0.1/24"}, "198.18.0.1/24");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/12"}, "198.18.0.0/12");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--instance-type", "m5.huge"}, "m5.huge");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--policy", "prefix-last"}, "prefix-last");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--reserve", "198.18.1.0/28:prefix"}, "inside no");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--reserve", "198.18.0.0/28:maybe"}, "maybe");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--duration", "soon"}, "--duration");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--pre-fragment", "120"}, "--pre-fragment");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--format", "xml"}, "xml");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--instance-type", "c4.large", "--policy",
                       "prefix-only"},
                      "prefix");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--csv", "/nonexistent-dir/x.csv", "--duration", "10s"},
                      "/nonexistent-dir/x.csv");
    // Warm strategies: an unknown one, and a flag of a strategy that was not chosen (it would
    // be ignored silently otherwise).
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--warm", "eager"}, "eager");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--pre-allocate", "4"},
                      "--pre-allocate applies to --warm cilium only");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--warm", "cilium", "--warm-ip-target", "5"},
                      "--warm-ip-target applies to --warm vpc-cni only");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--warm", "auto-mode", "--warm-eni-target", "2"},
                      "--warm-eni-target applies to --warm vpc-cni only");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--warm-addresses", "4"},
                      "--warm-addresses applies to --warm auto-mode only");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--warm", "cilium", "--min-allocate", "40",
                       "--max-allocate", "20"},
                      "min-allocate 40 is above max-allocate 20");
}

TEST_CASE("simulate: --warm and its flags reach the node pools", "[plan][simulate][warm]") {
    // One m5.large node, 20 pods, no churn, prefix-first on an empty /24: the end states of
    // sim_cluster_test's warm case, worked out by hand there. addresses_held is the CSV's
    // 7th column; the last row is the end of the run.
    const std::string csv = ENIPOOL_BIN_DIR "/plan_simulate_warm.csv";
    const auto held_at_end = [&](const std::vector<std::string>& warm) {
        const auto r = plan(with({"simulate", "--subnet", "198.18.0.0/24", "--pre-fragment", "0", "--policy",
                                  "prefix-first", "--max-nodes", "1", "--pods", "20", "--churn", "0", "--burst-pods",
                                  "0", "--duration", "5m", "--csv", csv},
                                 warm));
        INFO("stderr: " << r.err);
        REQUIRE(r.status == 0);
        const std::string text = enipool_test::slurp_file(csv);
        const std::size_t last = text.rfind('\n', text.size() - 2) + 1;
        std::vector<std::string> fields;
        std::size_t start = last;
        for (std::size_t comma; (comma = text.find_first_of(",\n", start)) != std::string::npos; start = comma + 1) {
            fields.push_back(text.substr(start, comma - start));
            if (text[comma] == '\n') break;
        }
        REQUIRE(fields.size() > 7);
        CHECK(fields[0] == "prefix-first");
        CHECK(fields[7] == "20");  // addresses_used: every pod runs
        return fields[6];
    };
    CHECK(held_at_end({"--warm", "auto-mode"}) == "48");                          // 16 <= held - 20 < 32
    CHECK(held_at_end({"--warm", "auto-mode", "--warm-addresses", "5"}) == "32");  // 5 <= held - 20 < 21
    CHECK(held_at_end({"--warm", "cilium"}) == "32");                             // 8 <= held - 20 < 24
    CHECK(held_at_end({"--warm", "cilium", "--pre-allocate", "20"}) == "48");     // 20 <= held - 20 < 36
    std::remove(csv.c_str());
}

TEST_CASE("simulate: --warm-ip-target 0 grows under WARM_ENI_TARGET, as the VPC CNI does", "[plan][simulate][warm]") {
    // One m5.large, 20 pods, secondary IPs. ipamd reads WARM_IP_TARGET=0 as unset, so
    // WARM_ENI_TARGET=1 grows the pool and all 20 pods run (peak_pods_running, column 2).
    // --behaviour both adds the row with enipool's improvements, where 0 means "hold no warm
    // IP": the pool never grows and no pod gets an address.
    const auto r = plan({"simulate", "--subnet", "198.18.0.0/24", "--pre-fragment", "0", "--policy", "secondary-only",
                         "--max-nodes", "1", "--pods", "20", "--churn", "0", "--burst-pods", "0", "--duration", "5m",
                         "--warm-ip-target", "0", "--behaviour", "both", "--format", "csv"});
    INFO("stderr: " << r.err);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("\nsecondary-only,20,0,") != std::string::npos);
    CHECK(r.out.find("\nsecondary-only+improved,0,") != std::string::npos);
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--warm", "auto-mode", "--behaviour", "both"},
                      "--behaviour applies to --warm vpc-cni and --warm cilium only");
    check_usage_error({"simulate", "--subnet", "198.18.0.0/24", "--behaviour", "exact"}, "--behaviour");
}

TEST_CASE("subnet: usage errors exit 2 with nothing on stdout", "[plan][subnet]") {
    check_usage_error({"subnet"}, "--subnet");
    check_usage_error({"subnet", "--subnet", "300.18.0.0/24"}, "300.18.0.0/24");
    check_usage_error({"subnet", "--subnet", "198.18.0.0/24", "--network-interfaces", "/nonexistent.json"},
                      "/nonexistent.json");
    check_usage_error({"subnet", "--subnet", "198.18.0.0/24", "--reservations",
                       ENIPOOL_SOURCE_DIR "/tests/data/aws/get-subnet-cidr-reservations.json"},
                      "--network-interfaces");
    check_usage_error({"subnet", "--subnet", "198.18.0.0/24", "--subnet", "198.18.1.0/24"}, "exactly one");
}

TEST_CASE("every floating-point flag refuses NaN, infinities and non-numbers", "[plan][simulate]") {
    // CLI11's Range lets NaN through (every comparison with NaN is false); the planner's shared
    // finite_number check must not. Each case: exit 2, nothing on stdout, the flag named.
    struct flag {
        std::vector<std::string> command;
        std::string name;
    };
    const std::vector<flag> flags{
        {{"simulate", "--subnet", "198.18.0.0/24"}, "--churn"},
        {{"simulate", "--subnet", "198.18.0.0/24"}, "--throttle-rate"},
        {{"simulate", "--subnet", "198.18.0.0/24"}, "--pre-fragment"},
        {{"subnet", "--subnet", "198.18.0.0/24"}, "--pre-fragment"},
    };
    const std::vector<std::pair<std::string, std::string>> bad{
        {"nan", "nan is not a finite number"},   {"NaN", "NaN is not a finite number"},
        {"inf", "inf is not a finite number"},   {"-inf", "-inf is not a finite number"},
        {"infinity", "infinity is not a finite number"},
        {"1e400", "1e400 is out of range"},      {"", "'' is not a number"},
        {"1.5x", "'1.5x' is not a number"},      {"0x10", "'0x10' is not a number"},
        {"-1", "-1 is outside 0"},
    };
    int cases = 0;
    for (const auto& f : flags)
        for (const auto& [value, why] : bad) {
            auto args = f.command;
            args.push_back(f.name);
            args.push_back(value);
            const auto r = plan(args);
            INFO(f.command[0] << " " << f.name << " '" << value << "': " << r.err);
            CHECK(r.status == 2);
            CHECK(r.out.empty());
            CHECK_THAT(r.err, Catch::Contains(f.name + ": " + why));
            ++cases;
        }
    CHECK(cases == 40);
    // the bounds themselves and ordinary values still pass the check
    const std::vector<std::string> quick_subnet{"--duration", "10s", "--pods", "5", "--max-nodes", "1"};
    CHECK(plan(with({"simulate", "--subnet", "198.18.0.0/24", "--churn", "0", "--throttle-rate", "1",
                     "--pre-fragment", "0"},
                    quick_subnet))
              .status == 0);
    // 100% pre-fragmented leaves no address for a node: a refusal, but not of the flag
    const auto full = plan(with({"simulate", "--subnet", "198.18.0.0/24", "--pre-fragment", "100"}, quick_subnet));
    CHECK_THAT(full.err, !Catch::Contains("--pre-fragment"));
    CHECK_THAT(full.err, Catch::Contains("InsufficientFreeAddressesInSubnet"));
    CHECK(plan(with({"simulate", "--subnet", "198.18.0.0/24", "--churn", "2.5e-1", "--throttle-rate", "0.05"},
                    quick_subnet))
              .status == 0);
}

TEST_CASE("simulate: same seed and flags, byte-identical CSV; a summary row per policy", "[plan][simulate]") {
    const std::string a = ENIPOOL_BIN_DIR "/plan_simulate_a.csv", b = ENIPOOL_BIN_DIR "/plan_simulate_b.csv";
    const auto base = with({"simulate", "--subnet", "198.18.0.0/23", "--seed", "5", "--format", "csv"}, quick);
    const auto ra = plan(with(base, {"--csv", a}));
    const auto rb = plan(with(base, {"--csv", b}));
    REQUIRE(ra.status == 0);
    REQUIRE(rb.status == 0);
    CHECK(ra.out == rb.out);
    CHECK(ra.err.empty());  // stderr is no terminal: no progress bar
    const std::string csv_a = enipool_test::slurp_file(a);
    CHECK(csv_a == enipool_test::slurp_file(b));
    // 3 policies x (3 min / 10 s + 1) samples + the header
    CHECK(std::count(csv_a.begin(), csv_a.end(), '\n') == 3 * 19 + 1);
    CHECK(csv_a.rfind("policy,time_s,pods_running,pods_pending", 0) == 0);
    // the summary: header + one row per policy, in CLI order, labelled with CLI names
    std::vector<std::string> rows;
    std::size_t start = 0;
    for (std::size_t nl; (nl = ra.out.find('\n', start)) != std::string::npos; start = nl + 1)
        rows.push_back(ra.out.substr(start, nl - start));
    REQUIRE(rows.size() == 4);
    CHECK(rows[1].rfind("prefix-first,", 0) == 0);
    CHECK(rows[2].rfind("prefix-only,", 0) == 0);
    CHECK(rows[3].rfind("secondary-only,", 0) == 0);
    std::remove(a.c_str());
    std::remove(b.c_str());
}

TEST_CASE("simulate: JSON summary and SVG chart", "[plan][simulate]") {
    const std::string svg = ENIPOOL_BIN_DIR "/plan_simulate.svg";
    const auto r = plan(with({"simulate", "--subnet", "198.18.0.0/23", "--policy", "secondary-only", "--format",
                              "json", "--svg", svg},
                             quick));
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.size() == 1);
    CHECK(j[0]["policy"] == "secondary-only");
    CHECK(j[0]["first_insufficient_cidr_blocks_s"].is_null());  // never asks for a prefix
    CHECK(j[0]["fallbacks"] == 0);
    const std::string chart = enipool_test::slurp_file(svg);
    CHECK(chart.rfind("<svg", 0) == 0);
    CHECK(chart.find("</svg>") != std::string::npos);
    CHECK(std::count(chart.begin(), chart.end(), '\n') > 10);
    // two panels, one line each for the single policy
    std::size_t lines = 0;
    for (std::size_t p = 0; (p = chart.find("<polyline", p)) != std::string::npos; ++p) ++lines;
    CHECK(lines == 2);
    CHECK(chart.find(">secondary-only</text>") != std::string::npos);
    std::remove(svg.c_str());
}

TEST_CASE("simulate: the summary shows max pods and what nodeadm reserves for it", "[plan][simulate]") {
    // m5.large (2 vCPUs): max pods by the AL2 script, 110 with prefix delegation and 29
    // without; memory 11 x max pods + 255 MiB; CPU 6% of the first 1000m + 1% of the next = 70m
    const auto r = plan(with({"simulate", "--subnet", "198.18.0.0/23", "--format", "json"}, quick));
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.size() == 3);
    for (const auto& row : j) {
        INFO(row.dump());
        const std::uint64_t pods = row["policy"] == "secondary-only" ? 29 : 110;
        CHECK(row["max_pods"] == pods);
        CHECK(row["kube_reserved_mib"] == 11 * pods + 255);
        CHECK(row["kube_reserved_cpu_m"] == 70);
    }
    // --max-pods sets it; a type whose vCPUs no source gives has no CPU figure
    const auto set = plan(with({"simulate", "--subnet", "198.18.0.0/23", "--policy", "secondary-only",
                                "--instance-type", "c8id.large", "--max-pods", "40", "--format", "json"},
                               quick));
    REQUIRE(set.status == 0);
    const auto k = nlohmann::json::parse(set.out);
    CHECK(k[0]["max_pods"] == 40);
    CHECK(k[0]["kube_reserved_mib"] == 11 * 40 + 255);
    CHECK(k[0]["kube_reserved_cpu_m"].is_null());
}

TEST_CASE("subnet: an empty /24 under secondary-only, counted by hand", "[plan][subnet]") {
    const auto r = plan({"subnet", "--subnet", "198.18.0.0/24", "--policy", "secondary-only", "--no-map"});
    INFO(r.err);
    REQUIRE(r.status == 0);
    // See sim_cluster_test: 8 full nodes (27 pods each) + 9 pods on node 9 = 225 pods.
    CHECK(r.out.find("before the first InsufficientCidrBlocks: never") != std::string::npos);
    CHECK(r.out.find("nodes     9   pods     225") != std::string::npos);
    CHECK(r.out.find("nodes    10   pods     225") != std::string::npos);
}

TEST_CASE("simulate: --progress draws a bar on a terminal, never on a pipe", "[plan][simulate][tty]") {
    // script(1) gives the program a terminal; its typescript records what was drawn there.
    if (!std::ifstream("/usr/bin/script").good()) {
        WARN("no /usr/bin/script: progress bar not checked");
        return;
    }
    const std::string typescript = ENIPOOL_BIN_DIR "/plan_simulate_typescript", out = ENIPOOL_BIN_DIR "/plan_simulate_tty.out";
    const std::string simulate = std::string(ENIPOOL_BIN_DIR "/enipool-plan") +
                                 " simulate --subnet 100.64.0.0/22 --duration 3m --pods 60 --burst-pods 0"
                                 " --max-nodes 4";  // every policy in turn
    const auto on_terminal = [&](const std::string& progress) {
        const auto r = enipool_test::run_process(
            "/usr/bin/script", {"-qc", simulate + " --progress " + progress + " > " + out, typescript}, ENIPOOL_BIN_DIR);
        REQUIRE(r.status == 0);
        // the summary went to the file, not to the terminal
        CHECK(enipool_test::slurp_file(out).rfind("policy", 0) == 0);
        return enipool_test::slurp_file(typescript);
    };
    SECTION("always: the bar from the first step, each policy in turn, up to 100%, then erased") {
        const std::string drawn = on_terminal("always");
        CHECK(drawn.find("peak running") == std::string::npos);
        // draw_progress's line: "\r<label padded to 15> [<30 of # and .>] <percent>%"; the
        // fraction is of all three runs, so half way is the middle of the second
        CHECK(drawn.find("\rprefix-first    [") != std::string::npos);
        CHECK(drawn.find("\rprefix-only     [") != std::string::npos);
        CHECK(drawn.find("\rsecondary-only  [") != std::string::npos);
        CHECK(drawn.find("[" + std::string(15, '#') + std::string(15, '.') + "]  50%") != std::string::npos);
        CHECK(drawn.find("[" + std::string(30, '#') + "] 100%") != std::string::npos);
        CHECK(drawn.find("\r\033[K") != std::string::npos);
    }
    SECTION("never: nothing drawn on the terminal") {
        // (the typescript starts with script's own header line, which names the command)
        const std::string drawn = on_terminal("never");
        CHECK(drawn.find("prefix-first    [") == std::string::npos);
        CHECK(drawn.find('#') == std::string::npos);
        CHECK(drawn.find('%') == std::string::npos);
        CHECK(drawn.find('\r') == std::string::npos);
    }
    SECTION("always, stderr a pipe: no bar, no escape sequences") {
        const auto r = enipool_test::run_process(
            "/bin/sh", {"-c", simulate + " --progress always 2>&1 >/dev/null | cat"}, ENIPOOL_BIN_DIR);
        REQUIRE(r.status == 0);
        CHECK(r.out.empty());  // stderr, through the pipe: nothing at all
    }
    std::remove(typescript.c_str());
    std::remove(out.c_str());
}
