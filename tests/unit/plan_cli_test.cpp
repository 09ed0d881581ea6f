// enipool-plan max-pods, run as a process: its outputs in every format (expectations worked
// out by hand from docs/domain.md section 2), the acceptance run over the whole built-in table
// against the VPC CNI's published eni-max-pods.txt, the catalog command, and
// every error path: exit status 2, a message on stderr, nothing on stdout.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_help.hpp"
#include "published_max_pods.hpp"
#include "run_process.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

using run_result = enipool_test::process_result;

// Runs build/bin/enipool-plan with `args`, capturing stdout, stderr and the exit status.
run_result plan(const std::vector<std::string>& args) {
    return enipool_test::run_process(ENIPOOL_BIN_DIR "/enipool-plan", args, ENIPOOL_BIN_DIR);
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line)) out.push_back(line);
    return out;
}

// An extract of the VPC CNI's limits without vCPUs (tests/data/README.md).
const std::string limits_csv = ENIPOOL_SOURCE_DIR "/tests/data/instance-limits.csv";

// A user error: exit 2, nothing on stdout, a message on stderr that contains `why`.
void check_usage_error(const std::vector<std::string>& args, const std::string& why) {
    const auto r = plan(args);
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    INFO("enipool-plan " << cmd << "\nstderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains(why));
}

} // namespace

TEST_CASE("side by side on the built-in catalog, as a table", "[plan][cli]") {
    const auto r = plan({"max-pods", "--type", "m5.large", "--type", "p5.48xlarge", "--type", "m4.large",
                         "--type", "c5.metal", "--type", "m5.large"});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    // By hand (ENIs x (IPv4 - 1) + 2, which nodeadm also gives without an expression;
    // al2-script caps 110 at <= 30 vCPUs else 250; auto-mode
    // min(110, enipool); enipool prefix-first: ENIs x (IPv4 - 1) x 16 + 2 on Nitro/metal):
    //   c5.metal    15x49+2=737   eks min(737,250)=250 (96 vCPUs)  enipool 15x49x16+2=11762
    //   m4.large    2x9+2=20      Xen: enipool falls back to secondary: 20, auto-mode 20
    //   m5.large    3x9+2=29      enipool 3x9x16+2=434, auto-mode 110
    //   p5.48xlarge 2x49+2=100    enipool 2x49x16+2=1570, auto-mode 110
    CHECK(r.out ==
          "instance_type  eni-max-pods  nodeadm  al2-script  karpenter  auto-mode  enipool\n"
          "c5.metal                737      737         250        737        110    11762\n"
          "m4.large                 20       20          20         20         20       20\n"
          "m5.large                 29       29          29         29        110      434\n"
          "p5.48xlarge             100      100         100        100        110     1570\n");
}

TEST_CASE("CSV and JSON output, one calculator and all", "[plan][cli]") {
    auto r = plan({"max-pods", "--type", "m5.large", "--type", "c5.large", "--format", "csv", "--prefix-delegation"});
    REQUIRE(r.status == 0);
    // prefix delegation: m5.large and c5.large (both 3 ENIs x 10, Nitro, 2 vCPUs): 434 -> 110
    CHECK(r.out ==
          "instance_type,eni-max-pods,nodeadm,al2-script,karpenter,auto-mode,enipool\n"
          "c5.large,29,29,110,29,110,434\n"
          "m5.large,29,29,110,29,110,434\n");

    r = plan({"max-pods", "--type", "m5.large", "--calculator", "al2-script", "--prefix-delegation",
              "--show-max-allowed", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods\nm5.large,434\n");
    CHECK(r.err.empty());
    // the former name still works, with a one-line deprecation note on stderr
    const auto old = plan({"max-pods", "--type", "m5.large", "--calculator", "eks-ami", "--prefix-delegation",
                           "--show-max-allowed", "--format", "csv"});
    REQUIRE(old.status == 0);
    CHECK(old.out == r.out);
    CHECK(lines(old.err).size() == 1);
    CHECK_THAT(old.err, Catch::StartsWith("note: --calculator eks-ami is deprecated: it is al2-script now"));

    r = plan({"max-pods", "--type", "m4.large", "--type", "m5.large", "--policy", "prefix-only", "--format", "json"});
    REQUIRE(r.status == 0);
    const auto doc = nlohmann::json::parse(r.out);
    REQUIRE(doc.is_array());
    REQUIRE(doc.size() == 2);
    CHECK(doc[0]["instance_type"] == "m4.large");
    CHECK(doc[0]["enipool"].is_null()); // Xen: no prefixes
    CHECK(doc[0]["eni-max-pods"] == 20);
    CHECK(doc[1]["enipool"] == 434);
    CHECK(doc[1]["auto-mode"] == 110);
    CHECK_THAT(r.err, Catch::Contains("note: enipool has no figure for 1 type (m4.large)"));
    CHECK_THAT(r.err, Catch::Contains("prefix delegation needs a Nitro"));

    r = plan({"max-pods", "--type", "m5.large", "--calculator", "karpenter", "--format", "json"});
    REQUIRE(r.status == 0);
    CHECK(nlohmann::json::parse(r.out) == nlohmann::json::parse(R"([{"instance_type":"m5.large","max_pods":29}])"));
}

TEST_CASE("every calculator flag reaches its calculator", "[plan][cli]") {
    // m5.large: 3 ENIs x 10 IPv4, 2 vCPUs.
    auto csv = [](std::vector<std::string> extra) {
        std::vector<std::string> args{"max-pods", "--type", "m5.large", "--format", "csv"};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = plan(args);
        REQUIRE(r.status == 0);
        const auto l = lines(r.out);
        REQUIRE(l.size() == 2);
        return l[1];
    };
    //                             eni  (nodeadm = eni)  al2-script  karpenter  auto-mode  enipool
    // custom networking:          29   2x9+2=20          29             min(110,2x144+2) 2x9x16+2=290
    CHECK(csv({"--custom-networking"}) == "m5.large,29,29,20,29,110,290");
    // reserved 2:                 29   29                1x9+2=11       min(110,146)    1x144+2=146
    CHECK(csv({"--reserved-enis", "2"}) == "m5.large,29,29,29,11,110,146");
    // cni-max-eni 1:              29   1x9+2=11          29             min(110,146)    146
    CHECK(csv({"--cni-max-eni", "1"}) == "m5.large,29,29,11,29,110,146");
    // pods-per-core 5 (x2 vCPUs = 10), max-pods 300 -> min(10, 300) = 10
    CHECK(csv({"--pods-per-core", "5", "--max-pods", "300"}) == "m5.large,29,29,29,10,110,434");
    // --vcpus 64 with prefix delegation: al2-script 434 capped at 250; pods-per-core 1 x 64 = 29 stays 29
    CHECK(csv({"--vcpus", "64", "--prefix-delegation", "--pods-per-core", "1"}) == "m5.large,29,29,250,29,110,434");
    // secondary-only: enipool 29, auto-mode stays min(110, prefix-first figure)
    CHECK(csv({"--policy", "secondary-only"}) == "m5.large,29,29,29,29,110,29");
}

TEST_CASE("acceptance: eni-max-pods for every built-in type equals the published table", "[plan][cli]") {
    const auto r = plan({"max-pods", "--all", "--calculator", "eni-max-pods", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    const auto out = lines(r.out);
    CHECK(out.at(0) == "instance_type,max_pods");
    // the VPC CNI's misc/eni-max-pods.txt, read on its own
    const auto want = enipool_test::published_max_pods();
    REQUIRE(want.size() >= 1391);
    REQUIRE(out.size() == want.size() + 1);
    std::size_t row = 1;
    for (const auto& [name, pods] : want) CHECK(out.at(row++) == name + "," + std::to_string(pods));
}

TEST_CASE("acceptance: c7i.large under the EKS AMI calculator with prefix delegation", "[plan][cli]") {
    // 3 ENIs x 9 slots x 16 + 2 = 434, capped at 110 because c7i.large has 2 vCPUs (<= 30)
    const auto r = plan({"max-pods", "--type", "c7i.large", "--calculator", "eks-ami", "--prefix-delegation"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type  max_pods\nc7i.large           110\n");
    CHECK_THAT(r.err, Catch::Contains("eks-ami is deprecated")); // the former name of al2-script
    // a type without a known vCPU count: a clear error that asks for --vcpus, no number
    check_usage_error({"max-pods", "--type", "c8id.large", "--calculator", "al2-script", "--prefix-delegation"},
                      "give --vcpus");
    const auto given = plan({"max-pods", "--type", "c8id.large", "--calculator", "al2-script", "--prefix-delegation",
                             "--vcpus", "2", "--format", "csv"});
    REQUIRE(given.status == 0);
    CHECK(given.out == "instance_type,max_pods\nc8id.large,110\n");
}

TEST_CASE("side by side on a table without vCPUs: empty cells and a note", "[plan][cli]") {
    const auto r = plan({"max-pods", "--instances", limits_csv, "--type", "m5.large", "--type", "m5.24xlarge",
                         "--prefix-delegation", "--format", "csv"});
    REQUIRE(r.status == 0);
    // al2-script with prefix delegation: 434 and 15x49x16+2=11762 exceed 110, the cap needs vCPUs
    CHECK(r.out ==
          "instance_type,eni-max-pods,nodeadm,al2-script,karpenter,auto-mode,enipool\n"
          "m5.24xlarge,737,737,,737,110,11762\n"
          "m5.large,29,29,,29,110,434\n");
    CHECK_THAT(r.err, Catch::Contains("note: al2-script has no figure for 2 types (m5.24xlarge, m5.large)"));
    CHECK_THAT(r.err, Catch::Contains("vCPU count"));

    const auto table = plan({"max-pods", "--instances", limits_csv, "--type", "m5.large", "--prefix-delegation"});
    REQUIRE(table.status == 0);
    CHECK_THAT(table.out, Catch::Contains("m5.large                 29       29         n/a         29        110      434"));
}

TEST_CASE("a describe-instance-types JSON file serves as the catalog", "[plan][cli]") {
    const auto r = plan({"max-pods", "--instances", ENIPOOL_SOURCE_DIR "/tests/data/describe-instance-types.json",
                         "--all", "--format", "csv", "--prefix-delegation"});
    REQUIRE(r.status == 0);
    // c5.metal: no Hypervisor in the JSON -> al2-script uses the secondary formula: 737, 96 vCPUs -> 250
    // p5.48xlarge: default card 2 ENIs x 50: 100; prefix 2x49x16+2=1570 -> 250 (192 vCPUs)
    CHECK(r.out ==
          "instance_type,eni-max-pods,nodeadm,al2-script,karpenter,auto-mode,enipool\n"
          "c5.metal,737,737,250,737,110,11762\n"
          "m4.large,20,20,20,20,20,20\n"
          "m5.large,29,29,110,29,110,434\n"
          "p5.48xlarge,100,100,250,100,110,1570\n");
}

TEST_CASE("every user error exits 2 with a message and nothing on stdout", "[plan][cli]") {
    check_usage_error({"max-pods", "--type", "m9.huge", "--type", "m5.large"}, "unknown instance type m9.huge");
    check_usage_error({"max-pods", "--type", "m5.large", "--format", "xml"}, "--format");
    check_usage_error({"max-pods", "--type", "m5.large", "--calculator", "kubelet"}, "--calculator");
    check_usage_error({"max-pods", "--type", "m5.large", "--policy", "prefix"}, "--policy");
    check_usage_error({"max-pods", "--type", "m5.large", "--reserved-enis", "-1"}, "--reserved-enis");
    check_usage_error({"max-pods", "--type", "m5.large", "--cni-max-eni", "two"}, "--cni-max-eni");
    check_usage_error({"max-pods", "--type", "m5.large", "--pods-per-core", "x"}, "--pods-per-core");
    check_usage_error({"max-pods", "--type", "m5.large", "--max-pods", "-5"}, "--max-pods");
    check_usage_error({"max-pods", "--type", "m5.large", "--vcpus", "0"}, "--vcpus");
    check_usage_error({"max-pods", "--type", "m5.large", "--bogus"}, "--bogus");
    check_usage_error({"max-pods"}, "give --type NAME (repeatable) or --all");
    check_usage_error({"max-pods", "--all", "--type", "m5.large"}, "excludes");
    check_usage_error({}, "subcommand");
    check_usage_error({"max-pods", "--all", "--instances", ENIPOOL_BIN_DIR "/no-such-file.csv"},
                      "no-such-file.csv");
    // single calculators that lack data
    check_usage_error({"max-pods", "--type", "m4.large", "--calculator", "enipool", "--policy", "prefix-only"},
                      "enipool has no figure: prefix delegation needs a Nitro");
    const std::string bad_csv = ENIPOOL_BIN_DIR "/plan_cli_bad.csv";
    std::ofstream(bad_csv) << "instance_type,max_enis,ipv4_per_eni,default_network_card_index,network_cards,"
                              "hypervisor,bare_metal\nm5.large,3,10,0,0:3,nitro,false\nc5.large,3,ten,0,0:3,nitro,false\n";
    check_usage_error({"max-pods", "--all", "--instances", bad_csv}, "line 3: ipv4_per_eni 'ten'");
    std::remove(bad_csv.c_str());
    const std::string bad_json = ENIPOOL_BIN_DIR "/plan_cli_bad.json";
    std::ofstream(bad_json) << R"({"InstanceTypes":[{"InstanceType":"m5.large","NetworkInfo":{}}]})";
    check_usage_error({"max-pods", "--all", "--instances", bad_json},
                      "InstanceTypes[0].NetworkInfo.MaximumNetworkInterfaces: missing");
    std::remove(bad_json.c_str());
    check_usage_error({"max-pods", "--instances", limits_csv, "--all", "--calculator", "al2-script",
                       "--prefix-delegation"},
                      "al2-script has no figure: the calculator needs the instance type's vCPU count");
    check_usage_error({"max-pods", "--type", "m5.large", "--calculator", "karpenter", "--max-pods-expression", "1"},
                      "--max-pods-expression applies to --calculator nodeadm (or all)");
}

TEST_CASE("--help exits 0 and prints the flags", "[plan][cli]") {
    const auto r = plan({"max-pods", "--help"});
    CHECK(r.status == 0);
    for (const char* flag : {"--instances", "--type", "--all", "--calculator", "--policy", "--prefix-delegation",
                             "--custom-networking", "--cni-max-eni", "--reserved-enis", "--pods-per-core",
                             "--max-pods", "--show-max-allowed", "--vcpus", "--format", "--max-pods-expression",
                             "--show-reserved", "nodeadm", "al2-script"})
        CHECK_THAT(r.out, Catch::Contains(flag));
    const auto top = plan({"--help"});
    CHECK(top.status == 0);
    CHECK_THAT(top.out, Catch::Contains("max-pods"));
}

namespace {

// The version of `project(enipool VERSION ...)` in CMakeLists.txt, read from the file itself.
std::string project_version() {
    std::ifstream in(ENIPOOL_SOURCE_DIR "/CMakeLists.txt");
    std::stringstream text;
    text << in.rdbuf();
    const std::string all = text.str();
    const std::string head = "project(enipool VERSION ";
    const auto at = all.find(head);
    REQUIRE(at != std::string::npos);
    const auto start = at + head.size();
    return all.substr(start, all.find_first_of(" )\n", start) - start);
}

} // namespace

TEST_CASE("--version prints the project version and exits 0", "[plan][cli]") {
    // Before, it said "A subcommand is required" and exited 2.
    const std::string version = project_version();
    REQUIRE(!version.empty());
    const auto r = plan({"--version"});
    INFO("stderr: " << r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "enipool-plan " + version + "\n");
    CHECK(r.err.empty());
    CHECK_THAT(plan({"--help"}).out, Catch::Contains("--version"));
}

TEST_CASE("subnet --help does not call --subnet repeatable; a second --subnet is refused", "[plan][cli]") {
    // Before, the help shared with simulate said "(repeatable; required)" and the command then
    // said "give exactly one --subnet".
    const auto help_line = [](const std::string& command, const std::string& flag) {
        for (const auto& [name, help] : enipool_test::help_entries(plan({command, "--help"}).out))
            if (name == flag) return help;
        return std::string();
    };
    const std::string subnet = help_line("subnet", "--subnet");
    REQUIRE(!subnet.empty());
    CHECK_THAT(subnet, !Catch::Contains("repeatable"));
    CHECK_THAT(subnet, Catch::Contains("once"));
    CHECK_THAT(help_line("simulate", "--subnet"), Catch::Contains("repeatable"));
    const auto r = plan({"subnet", "--subnet", "198.18.0.0/24", "--subnet", "198.18.1.0/24", "--no-map"});
    INFO("stderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK_THAT(r.err, Catch::Contains("--subnet: give exactly one (it was given 2 times)"));
}

// --- enipool-plan catalog ----------------------------------------------------------------

TEST_CASE("catalog lists the built-in table; CSV and JSON read back as the same catalog", "[plan][cli][catalog]") {
    const auto csv = plan({"catalog", "--format", "csv"});
    REQUIRE(csv.status == 0);
    CHECK(csv.err.empty());
    const auto rows = lines(csv.out);
    CHECK(rows.at(0) == "instance_type,vcpus,max_enis,ipv4_per_eni,default_network_card_index,network_cards,"
                        "hypervisor,bare_metal,efa_supported,efa_only_interfaces,trunk_compatible,branch_interfaces");
    // every type of the published table, once
    CHECK(rows.size() == enipool_test::published_max_pods().size() + 1);
    // fields of m5.large as EC2 documents them: 2 vCPUs, 3 ENIs x 10 IPv4, Nitro, 9 branch ENIs
    CHECK(std::find(rows.begin(), rows.end(), "m5.large,2,3,10,0,0:3,nitro,false,false,0,true,9") != rows.end());

    // the CSV, fed back through --instances, gives the same CSV and the same max pods
    const std::string copy = ENIPOOL_BIN_DIR "/plan_cli_catalog.csv";
    std::ofstream(copy) << csv.out;
    const auto again = plan({"catalog", "--instances", copy, "--format", "csv"});
    REQUIRE(again.status == 0);
    CHECK(again.out == csv.out);
    std::remove(copy.c_str());

    // JSON in describe-instance-types' shape, read back by the JSON reader
    const auto json = plan({"catalog", "--format", "json", "--type", "p5.48xlarge", "--type", "m5.large"});
    REQUIRE(json.status == 0);
    const auto doc = nlohmann::json::parse(json.out);
    REQUIRE(doc.at("InstanceTypes").size() == 2);
    const auto& m5 = doc["InstanceTypes"][0];
    CHECK(m5.at("InstanceType") == "m5.large");
    CHECK(m5.at("VCpuInfo").at("DefaultVCpus") == 2);
    CHECK(m5.at("NetworkInfo").at("Ipv4AddressesPerInterface") == 10);
    const auto& p5 = doc["InstanceTypes"][1];
    CHECK(p5.at("NetworkInfo").at("MaximumNetworkInterfaces") == 64); // 32 cards x 2, as EC2 reports
    CHECK(p5.at("NetworkInfo").at("NetworkCards").size() == 32);
    const std::string json_copy = ENIPOOL_BIN_DIR "/plan_cli_catalog.json";
    std::ofstream(json_copy) << json.out;
    const auto from_json = plan({"catalog", "--instances", json_copy, "--format", "csv"});
    REQUIRE(from_json.status == 0);
    CHECK(from_json.out == plan({"catalog", "--format", "csv", "--type", "m5.large", "--type", "p5.48xlarge"}).out);
    std::remove(json_copy.c_str());
}

TEST_CASE("catalog filters by type and family, as a table", "[plan][cli][catalog]") {
    const auto r = plan({"catalog", "--type", "m5.large", "--type", "c8id.large"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type  vcpus  enis  ipv4/eni  cards  hypervisor  metal  efa  trunk  branch\n"
                   "c8id.large         ?     3        20      1       nitro     no    ?    yes       9\n"
                   "m5.large           2     3        10      1       nitro     no   no    yes       9\n");
    const auto family = plan({"catalog", "--family", "m7i", "--format", "csv"});
    REQUIRE(family.status == 0);
    const auto rows = lines(family.out);
    REQUIRE(rows.size() > 1);
    for (std::size_t i = 1; i < rows.size(); ++i) CHECK(rows[i].rfind("m7i.", 0) == 0); // not m7i-flex
    CHECK(std::find(rows.begin(), rows.end(), "m7i.large,2,3,10,0,0:3,nitro,false,,0,true,9") != rows.end());
}

TEST_CASE("catalog refuses unknown types and families", "[plan][cli][catalog]") {
    check_usage_error({"catalog", "--type", "m5.huge"}, "--type: unknown instance type m5.huge (not in the built-in catalog)");
    check_usage_error({"catalog", "--family", "zz9"}, "--family: no instance type of family zz9 in the built-in catalog");
    check_usage_error({"catalog", "--format", "xml"}, "--format");
    check_usage_error({"catalog", "--instances", ENIPOOL_BIN_DIR "/no-such-file.csv"}, "no-such-file.csv");
}

// --- nodeadm (AL2023) and what max pods reserves ---------------------------------------------

TEST_CASE("acceptance: nodeadm's max pods with and without an expression", "[plan][cli][nodeadm]") {
    // m5.large: 3 default-card ENIs x (10 - 1) + 2 = 29, no prefix term, no cap
    auto r = plan({"max-pods", "--type", "m5.large", "--calculator", "nodeadm", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods\nm5.large,29\n");
    CHECK(r.err.empty());
    // the prefix-delegation expression of the issue: 3 x (9 x 16) + 2 = 434
    r = plan({"max-pods", "--type", "m5.large", "--calculator", "nodeadm", "--max-pods-expression",
              "(default_enis * ((ips_per_eni - 1) * 16)) + 2", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods\nm5.large,434\n");
    CHECK(r.err.empty());
    // an unknown variable: nodeadm falls back to the standard 29 and warns, once
    r = plan({"max-pods", "--type", "m5.large", "--calculator", "nodeadm", "--max-pods-expression",
              "default_enis * pods_per_eni", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods\nm5.large,29\n");
    REQUIRE(lines(r.err).size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("warning: nodeadm, 1 type (m5.large): Failed to evaluate custom expression, "
                                        "using standard max pods value"));
    CHECK_THAT(r.err, Catch::Contains("pods_per_eni"));
    // many types that fall back for the same reason share one warning line (a double is
    // outside the integer subset: the same compile error for every type)
    r = plan({"max-pods", "--type", "m5.large", "--type", "c7i.large", "--type", "m7g.xlarge", "--type", "r8g.large",
              "--calculator", "nodeadm", "--max-pods-expression", "max_pods * 1.5", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods\nc7i.large,29\nm5.large,29\nm7g.xlarge,58\nr8g.large,29\n");
    REQUIRE(lines(r.err).size() == 1);
    CHECK_THAT(r.err, Catch::StartsWith("warning: nodeadm, 4 types (c7i.large, m5.large, m7g.xlarge, ...)"));
    // reasons that differ by type (the value each type's expression gives) get a line each
    r = plan({"max-pods", "--type", "m5.large", "--type", "m7g.xlarge", "--calculator", "nodeadm",
              "--max-pods-expression", "max_pods - 1000", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods\nm5.large,29\nm7g.xlarge,58\n");
    CHECK(lines(r.err).size() == 2);
    CHECK_THAT(r.err, Catch::Contains("max pods value -971 from custom expression evaluation is invalid")); // 29 - 1000
    CHECK_THAT(r.err, Catch::Contains("max pods value -942 from custom expression evaluation is invalid")); // 58 - 1000
}

TEST_CASE("acceptance: --show-reserved gives kube-reserved memory and CPU", "[plan][cli][nodeadm]") {
    // 110 pods (al2-script with prefix delegation on 2 vCPUs): 11 x 110 + 255 = 1465 MiB;
    // CPU for 2 vCPUs: 6% of 1000m + 1% of 1000m = 60 + 10 = 70m
    auto r = plan({"max-pods", "--type", "m5.large", "--calculator", "al2-script", "--prefix-delegation",
                   "--show-reserved", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods,kube_reserved_mib,kube_reserved_cpu_m\nm5.large,110,1465,70\n");
    // side by side: one memory column per calculator (11 x figure + 255), one CPU column
    r = plan({"max-pods", "--type", "m5.large", "--show-reserved", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,eni-max-pods,nodeadm,al2-script,karpenter,auto-mode,enipool,"
                   "eni-max-pods_reserved_mib,nodeadm_reserved_mib,al2-script_reserved_mib,karpenter_reserved_mib,"
                   "auto-mode_reserved_mib,enipool_reserved_mib,kube_reserved_cpu_m\n"
                   "m5.large,29,29,29,29,110,434,574,574,574,574,1465,5029,70\n");
    // unknown vCPUs: no CPU figure, an empty cell. c8id.large: 3 x (20 - 1) + 2 = 59 pods,
    // 11 x 59 + 255 = 904 MiB
    r = plan({"max-pods", "--type", "c8id.large", "--calculator", "nodeadm", "--show-reserved", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods,kube_reserved_mib,kube_reserved_cpu_m\nc8id.large,59,904,\n");
}
