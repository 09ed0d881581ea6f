// enipool-plan max-pods, run as a process: its outputs in every format (expectations worked
// out by hand from DOMAIN.md section 2), the acceptance run over the whole shared table, and
// every error path: exit status 2, a message on stderr, nothing on stdout.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run_process.hpp"

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

const std::string shared_csv = ENIPOOL_SHARED_DIR "/data/instance-limits.csv";
bool have_shared() { return std::ifstream(shared_csv).good(); }

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
    // By hand (ENIs x (IPv4 - 1) + 2; eks-ami caps 110 at <= 30 vCPUs else 250; auto-mode
    // min(110, enipool); enipool prefix-first: ENIs x (IPv4 - 1) x 16 + 2 on Nitro/metal):
    //   c5.metal    15x49+2=737   eks min(737,250)=250 (96 vCPUs)  enipool 15x49x16+2=11762
    //   m4.large    2x9+2=20      Xen: enipool falls back to secondary: 20, auto-mode 20
    //   m5.large    3x9+2=29      enipool 3x9x16+2=434, auto-mode 110
    //   p5.48xlarge 2x49+2=100    enipool 2x49x16+2=1570, auto-mode 110
    CHECK(r.out ==
          "instance_type  eni-max-pods  eks-ami  karpenter  auto-mode  enipool\n"
          "c5.metal                737      250        737        110    11762\n"
          "m4.large                 20       20         20         20       20\n"
          "m5.large                 29       29         29        110      434\n"
          "p5.48xlarge             100      100        100        110     1570\n");
}

TEST_CASE("CSV and JSON output, one calculator and all", "[plan][cli]") {
    auto r = plan({"max-pods", "--type", "m5.large", "--type", "c5.large", "--format", "csv", "--prefix-delegation"});
    REQUIRE(r.status == 0);
    // prefix delegation: m5.large and c5.large (both 3 ENIs x 10, Nitro, 2 vCPUs): 434 -> 110
    CHECK(r.out ==
          "instance_type,eni-max-pods,eks-ami,karpenter,auto-mode,enipool\n"
          "c5.large,29,110,29,110,434\n"
          "m5.large,29,110,29,110,434\n");

    r = plan({"max-pods", "--type", "m5.large", "--calculator", "eks-ami", "--prefix-delegation",
              "--show-max-allowed", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.out == "instance_type,max_pods\nm5.large,434\n");

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
    //                             eni  eks-ami           karpenter      auto-mode       enipool
    // custom networking:          29   2x9+2=20          29             min(110,2x144+2) 2x9x16+2=290
    CHECK(csv({"--custom-networking"}) == "m5.large,29,20,29,110,290");
    // reserved 2:                 29   29                1x9+2=11       min(110,146)    1x144+2=146
    CHECK(csv({"--reserved-enis", "2"}) == "m5.large,29,29,11,110,146");
    // cni-max-eni 1:              29   1x9+2=11          29             min(110,146)    146
    CHECK(csv({"--cni-max-eni", "1"}) == "m5.large,29,11,29,110,146");
    // pods-per-core 5 (x2 vCPUs = 10), max-pods 300 -> min(10, 300) = 10
    CHECK(csv({"--pods-per-core", "5", "--max-pods", "300"}) == "m5.large,29,29,10,110,434");
    // --vcpus 64 with prefix delegation: eks-ami 434 capped at 250; pods-per-core 1 x 64 = 29 stays 29
    CHECK(csv({"--vcpus", "64", "--prefix-delegation", "--pods-per-core", "1"}) == "m5.large,29,250,29,110,434");
    // secondary-only: enipool 29, auto-mode stays min(110, prefix-first figure)
    CHECK(csv({"--policy", "secondary-only"}) == "m5.large,29,29,29,110,29");
}

TEST_CASE("acceptance: eni-max-pods for all 1391 types of the shared table", "[plan][cli]") {
    if (!have_shared()) {
        WARN("skipped: " << shared_csv << " is missing");
        return;
    }
    const auto r = plan({"max-pods", "--instances", shared_csv, "--all", "--calculator", "eni-max-pods", "--format", "csv"});
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    const auto out = lines(r.out);
    REQUIRE(out.size() == 1392);
    CHECK(out[0] == "instance_type,max_pods");
    // independent expectations: max_enis * (ipv4_per_eni - 1) + 2 from the shared file, sorted by name
    std::map<std::string, long> want;
    const auto in = lines(enipool_test::slurp_file(shared_csv));
    for (std::size_t i = 1; i < in.size(); ++i) {
        std::stringstream ss(in[i]);
        std::string name, enis, ipv4;
        std::getline(ss, name, ',');
        std::getline(ss, enis, ',');
        std::getline(ss, ipv4, ',');
        want[name] = std::stol(enis) * (std::stol(ipv4) - 1) + 2;
    }
    REQUIRE(want.size() == 1391);
    std::size_t row = 1;
    for (const auto& [name, pods] : want) CHECK(out.at(row++) == name + "," + std::to_string(pods));
}

TEST_CASE("side by side on the shared table: empty cells and a note where vCPUs are missing", "[plan][cli]") {
    if (!have_shared()) {
        WARN("skipped: " << shared_csv << " is missing");
        return;
    }
    const auto r = plan({"max-pods", "--instances", shared_csv, "--type", "m5.large", "--type", "m5.24xlarge",
                         "--prefix-delegation", "--format", "csv"});
    REQUIRE(r.status == 0);
    // eks-ami with prefix delegation: 434 and 15x49x16+2=11762 exceed 110, the cap needs vCPUs
    CHECK(r.out ==
          "instance_type,eni-max-pods,eks-ami,karpenter,auto-mode,enipool\n"
          "m5.24xlarge,737,,737,110,11762\n"
          "m5.large,29,,29,110,434\n");
    CHECK_THAT(r.err, Catch::Contains("note: eks-ami has no figure for 2 types (m5.24xlarge, m5.large)"));
    CHECK_THAT(r.err, Catch::Contains("vCPU count"));

    const auto table = plan({"max-pods", "--instances", shared_csv, "--type", "m5.large", "--prefix-delegation"});
    REQUIRE(table.status == 0);
    CHECK_THAT(table.out, Catch::Contains("m5.large                 29      n/a         29        110      434"));
}

TEST_CASE("a describe-instance-types JSON file serves as the catalog", "[plan][cli]") {
    const auto r = plan({"max-pods", "--instances", ENIPOOL_SOURCE_DIR "/tests/data/describe-instance-types.json",
                         "--all", "--format", "csv", "--prefix-delegation"});
    REQUIRE(r.status == 0);
    // c5.metal: no Hypervisor in the JSON -> eks-ami uses the secondary formula: 737, 96 vCPUs -> 250
    // p5.48xlarge: default card 2 ENIs x 50: 100; prefix 2x49x16+2=1570 -> 250 (192 vCPUs)
    CHECK(r.out ==
          "instance_type,eni-max-pods,eks-ami,karpenter,auto-mode,enipool\n"
          "c5.metal,737,250,737,110,11762\n"
          "m4.large,20,20,20,20,20\n"
          "m5.large,29,110,29,110,434\n"
          "p5.48xlarge,100,250,100,110,1570\n");
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
    if (have_shared())
        check_usage_error({"max-pods", "--instances", shared_csv, "--all", "--calculator", "eks-ami",
                           "--prefix-delegation"},
                          "eks-ami has no figure: the calculator needs the instance type's vCPU count");
}

TEST_CASE("--help exits 0 and prints the flags", "[plan][cli]") {
    const auto r = plan({"max-pods", "--help"});
    CHECK(r.status == 0);
    for (const char* flag : {"--instances", "--type", "--all", "--calculator", "--policy", "--prefix-delegation",
                             "--custom-networking", "--cni-max-eni", "--reserved-enis", "--pods-per-core",
                             "--max-pods", "--show-max-allowed", "--vcpus", "--format"})
        CHECK_THAT(r.out, Catch::Contains(flag));
    const auto top = plan({"--help"});
    CHECK(top.status == 0);
    CHECK_THAT(top.out, Catch::Contains("max-pods"));
}
