// Tests of enipool-cni's command logic, run in-process (examples/cni/plugin.hpp): ADD / DEL /
// CHECK / VERSION, persistence across invocations, cooldown, every error code, config
// changes that remove capacity pods still hold, VPC CNI import, and that every failed
// invocation leaves the checkpoint file exactly as it was.
#include "plugin.hpp"
#include "run_process.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A fresh data directory per test, removed at the end.
struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/enipool-cni-test.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~temp_dir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Capacity: eni-1 holds the /28 100.64.1.0/28 (16 addresses) and the secondary IPs
// 100.64.0.11 and 100.64.0.12: 18 pod addresses.
json make_config(const fs::path& data_dir, const std::string& version = "1.0.0") {
    json c = json::parse(R"({
      "cniVersion": "1.0.0", "name": "podnet", "type": "ptp",
      "ipam": {"type": "enipool-cni", "subnet": "100.64.0.0/16", "cooldownSeconds": 30,
               "enis": [{"id": "eni-1", "primaryIp": "100.64.0.10", "prefixes": ["100.64.1.0/28"],
                         "secondaryIps": ["100.64.0.11", "100.64.0.12"]}],
               "routes": [{"dst": "0.0.0.0/0"}]}})");
    c["cniVersion"] = version;
    c["ipam"]["dataDir"] = data_dir.string();
    return c;
}

using env_map = std::map<std::string, std::string>;

enipool_cni::invocation call(const std::string& command, const std::string& container,
                             const json& config, env_map extra = {}) {
    env_map env{{"CNI_COMMAND", command},
                {"CNI_CONTAINERID", container},
                {"CNI_NETNS", "/var/run/netns/none"},
                {"CNI_IFNAME", "eth0"},
                {"CNI_PATH", "/opt/cni/bin"},
                {"CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-" + container}};
    for (auto& [k, v] : extra) {
        if (v == "<unset>") env.erase(k);
        else env[k] = v;
    }
    return enipool_cni::run(
        [&](const char* name) -> const char* {
            const auto it = env.find(name);
            return it == env.end() ? nullptr : it->second.c_str();
        },
        config.is_string() ? config.get<std::string>() : config.dump());
}

// The address of a successful ADD ("100.64.1.0/16" -> "100.64.1.0").
std::string address_of(const enipool_cni::invocation& r) {
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto j = json::parse(r.out);
    std::string a = j.at("ips").at(0).at("address");
    return a.substr(0, a.find('/'));
}

void require_error(const enipool_cni::invocation& r, unsigned code, const std::string& needle) {
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    const auto j = json::parse(r.out);
    CHECK(j.at("code") == code);
    CHECK_THAT(j.at("msg").get<std::string>() + " " + j.value("details", std::string()),
               Catch::Contains(needle));
}

fs::path checkpoint_of(const temp_dir& d) { return d.path / "podnet.json"; }

} // namespace

TEST_CASE("cni plugin: ADD returns the lowest lane's address with gateway and routes") {
    temp_dir d;
    auto r = call("ADD", "c1", make_config(d.path));
    REQUIRE(r.exit_code == 0);
    // Lowest lane first: lanes of slot 0 (the /28 100.64.1.0/28) come before the secondary
    // IPs, so the first address is 100.64.1.0; the subnet is a /16; gateway = base + 1.
    const json expected = json::parse(R"({"cniVersion": "1.0.0",
        "ips": [{"address": "100.64.1.0/16", "gateway": "100.64.0.1"}],
        "routes": [{"dst": "0.0.0.0/0"}], "dns": {}})");
    CHECK(json::parse(r.out) == expected);
    CHECK(fs::exists(checkpoint_of(d)));
    CHECK(fs::exists(d.path / "podnet.lock"));
}

TEST_CASE("cni plugin: 0.4.0 results carry version 4") {
    temp_dir d;
    auto r = call("ADD", "c1", make_config(d.path, "0.4.0"));
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(r.out).at("ips").at(0).at("version") == "4");
    CHECK(json::parse(r.out).at("cniVersion") == "0.4.0");
}

TEST_CASE("cni plugin: ADD is idempotent per key, keys differ by container and ifname") {
    temp_dir d;
    const auto cfg = make_config(d.path);
    const auto a = address_of(call("ADD", "c1", cfg));
    const auto before = slurp(checkpoint_of(d));
    CHECK(address_of(call("ADD", "c1", cfg)) == a);
    CHECK(slurp(checkpoint_of(d)) == before); // nothing changed, nothing rewritten
    const auto b = address_of(call("ADD", "c2", cfg));
    const auto c = address_of(call("ADD", "c1", cfg, {{"CNI_IFNAME", "net1"}}));
    CHECK(a == "100.64.1.0");
    CHECK(b == "100.64.1.1");
    CHECK(c == "100.64.1.2");
}

TEST_CASE("cni plugin: DEL cools the address down; it survives across invocations") {
    temp_dir d;
    const auto cfg = make_config(d.path);
    CHECK(address_of(call("ADD", "c1", cfg)) == "100.64.1.0");
    auto del = call("DEL", "c1", cfg);
    CHECK(del.exit_code == 0);
    CHECK(del.out.empty());
    // 100.64.1.0 cools for 30 s: the next key gets 100.64.1.1, and the file says why.
    CHECK(address_of(call("ADD", "c2", cfg)) == "100.64.1.1");
    const auto doc = json::parse(slurp(checkpoint_of(d)));
    REQUIRE(doc.at("cooling").size() == 1);
    CHECK(doc["cooling"][0]["ipv4"] == "100.64.1.0");
    REQUIRE(doc.at("allocations").size() == 1);
    CHECK(doc["allocations"][0]["containerID"] == "c2");
    CHECK(doc["allocations"][0]["metadata"]["k8sPodName"] == "pod-c2");
    CHECK(doc["allocations"][0]["metadata"]["k8sPodNamespace"] == "default");
}

TEST_CASE("cni plugin: an expired cooldown in the checkpoint frees the address") {
    temp_dir d;
    const auto cfg = make_config(d.path);
    CHECK(address_of(call("ADD", "c1", cfg)) == "100.64.1.0");
    REQUIRE(call("DEL", "c1", cfg).exit_code == 0);
    // Move the release 31 s into the past (cooldown 30 s): the address is free again.
    auto doc = json::parse(slurp(checkpoint_of(d)));
    doc["cooling"][0]["releasedAt"] = doc["cooling"][0]["releasedAt"].get<std::int64_t>() - 31'000'000'000;
    std::ofstream(checkpoint_of(d)) << doc.dump();
    CHECK(address_of(call("ADD", "c2", cfg)) == "100.64.1.0");
}

TEST_CASE("cni plugin: DEL of an unknown key succeeds, also on first start") {
    temp_dir d;
    auto r = call("DEL", "nobody", make_config(d.path), {{"CNI_NETNS", "<unset>"}});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
}

TEST_CASE("cni plugin: CHECK") {
    temp_dir d;
    auto cfg = make_config(d.path);
    const auto a = address_of(call("ADD", "c1", cfg));
    cfg["prevResult"] = json::parse(call("ADD", "c1", cfg).out);
    CHECK(call("CHECK", "c1", cfg).exit_code == 0);
    // Unknown container: code 3.
    require_error(call("CHECK", "c9", cfg), 3, "unknown pod");
    // prevResult lists another address: code 102.
    cfg["prevResult"]["ips"][0]["address"] = "100.64.1.9/16";
    require_error(call("CHECK", "c1", cfg), 102, "holds 100.64.1.0, prevResult lists: 100.64.1.9");
    CHECK(a == "100.64.1.0");
}

TEST_CASE("cni plugin: VERSION") {
    auto r = enipool_cni::run([](const char* n) -> const char* {
        return std::string_view(n) == "CNI_COMMAND" ? "VERSION" : nullptr;
    }, "");
    CHECK(r.exit_code == 0);
    CHECK(json::parse(r.out) == json::parse(R"({"cniVersion": "1.0.0", "supportedVersions": ["0.4.0", "1.0.0"]})"));
}

TEST_CASE("cni plugin: no free address is code 100, and changes nothing") {
    temp_dir d;
    const auto cfg = make_config(d.path);
    for (int i = 0; i < 18; ++i) REQUIRE(call("ADD", "c" + std::to_string(i), cfg).exit_code == 0);
    const auto before = slurp(checkpoint_of(d));
    require_error(call("ADD", "c18", cfg), 100, "no available IP/Prefix addresses");
    CHECK(slurp(checkpoint_of(d)) == before);
    // A DEL does not help at once: the address cools down (no early reclaim).
    REQUIRE(call("DEL", "c0", cfg).exit_code == 0);
    require_error(call("ADD", "c18", cfg), 100, "held or cooling down");
}

TEST_CASE("cni plugin: bad input gets the spec's codes and changes nothing") {
    temp_dir d;
    auto cfg = make_config(d.path);
    REQUIRE(call("ADD", "c1", cfg).exit_code == 0);
    const auto before = slurp(checkpoint_of(d));

    require_error(call("ADD", "c2", json("{\"cniVersion\": ")), 6, "at byte");
    auto old = cfg;
    old["cniVersion"] = "0.3.1";
    require_error(call("ADD", "c2", old), 1, "'0.3.1'");
    auto bad_prefix = cfg;
    bad_prefix["ipam"]["enis"][0]["prefixes"][0] = "100.64.1.8/28";
    require_error(call("ADD", "c2", bad_prefix), 7, "ipam.enis[0].prefixes[0]: '100.64.1.8/28' is not an aligned /28");
    auto outside = cfg;
    outside["ipam"]["enis"][0]["secondaryIps"][0] = "100.65.0.1";
    require_error(call("ADD", "c2", outside), 7, "100.65.0.1 is outside the subnet");
    require_error(call("ADD", "c2", cfg, {{"CNI_IFNAME", "<unset>"}}), 4, "CNI_IFNAME: is not set");
    require_error(call("ADD", "-bad", cfg), 4, "CNI_CONTAINERID");
    require_error(call("BOGUS", "c2", cfg), 4, "CNI_COMMAND");
    require_error(call("ADD", std::string(65, 'a'), cfg), 4, "container id has 65 characters, at most 64 fit");
    auto long_name = cfg;
    long_name["name"] = std::string(64, 'n');
    require_error(call("ADD", "c2", long_name), 7, "name: 64 characters; at most 63 fit");
    CHECK(slurp(checkpoint_of(d)) == before);
}

TEST_CASE("cni plugin: an unreadable or invalid checkpoint is error 101, never a fresh start") {
    temp_dir d;
    const auto cfg = make_config(d.path);
    REQUIRE(call("ADD", "c1", cfg).exit_code == 0);
    const auto good = json::parse(slurp(checkpoint_of(d)));

    auto expect_101 = [&](const std::string& content, const std::string& needle) {
        std::ofstream(checkpoint_of(d), std::ios::trunc) << content;
        require_error(call("ADD", "c2", cfg), 101, needle);
        CHECK(slurp(checkpoint_of(d)) == content); // left as it was, for a human to look at
    };
    expect_101("", "at byte");
    expect_101(good.dump().substr(0, 40), "at byte"); // truncated
    auto v = good;
    v["version"] = "enipool/2";
    expect_101(v.dump(), "expected \"enipool/1\"");
    auto twice = good;
    twice["allocations"].push_back(good["allocations"][0]);
    expect_101(twice.dump(), "appears twice");
    auto same_address = good;
    same_address["allocations"].push_back(good["allocations"][0]);
    same_address["allocations"][1]["containerID"] = "other";
    expect_101(same_address.dump(), "allocations[1].ipv4: 100.64.1.0 appears twice");
    auto held_and_cooling = good;
    held_and_cooling["cooling"] = json::array({{{"ipv4", "100.64.1.0"}, {"releasedAt", 1}}});
    expect_101(held_and_cooling.dump(), "cooling[0].ipv4");
    auto wrong_type = good;
    wrong_type["allocations"][0]["ipv4"] = 42;
    expect_101(wrong_type.dump(), "allocations[0].ipv4: is a number, not a string");
    auto bad_address = good;
    bad_address["allocations"][0]["ipv4"] = "100.64.1.300";
    expect_101(bad_address.dump(), "allocations[0].ipv4");
    expect_101("[]", "checkpoint: is an array, not a JSON object");
    // Times beyond 2^62 ns (year ~2116) or negative would overflow when the cooldown is added.
    auto far_future = good;
    far_future["cooling"] = json::array({{{"ipv4", "100.64.1.5"}, {"releasedAt", 9223372036854775807}}});
    expect_101(far_future.dump(), "cooling[0].releasedAt: 9223372036854775807 is not a time in unix nanoseconds");
    auto not_a_number = good;
    not_a_number["allocations"][0]["allocationTimestamp"] = "yesterday";
    expect_101(not_a_number.dump(), "allocations[0].allocationTimestamp: is a string, not a time");
}

TEST_CASE("cni plugin: capacity removed from the config while pods hold it is kept and reported") {
    temp_dir d;
    auto cfg = make_config(d.path);
    // Fill the /28 (16 addresses), then take 100.64.0.11 (the 17th: first secondary IP).
    for (int i = 0; i < 16; ++i) REQUIRE(call("ADD", "p" + std::to_string(i), cfg).exit_code == 0);
    CHECK(address_of(call("ADD", "s1", cfg)) == "100.64.0.11");
    REQUIRE(call("DEL", "p3", cfg).exit_code == 0); // 100.64.1.3 cools

    // The agent gave the /28 back and now configures only the secondaries and a new /28.
    auto shrunk = cfg;
    shrunk["ipam"]["enis"][0]["prefixes"] = json::array({"100.64.2.0/28"});
    auto r = call("ADD", "p0", shrunk);
    // p0 keeps its address on the removed /28, and stderr names the 15 kept ones.
    CHECK(address_of(r) == "100.64.1.0");
    CHECK_THAT(r.err, Catch::Contains("15 address(es) of capacity no longer in the config"));
    CHECK_THAT(r.err, Catch::Contains("100.64.1.15 held by podnet/p15/eth0 (pod default/pod-p15)"));
    // A new key gets new capacity: lowest lane of the new /28.
    CHECK(address_of(call("ADD", "new", shrunk)) == "100.64.2.0");
    // Nothing was dropped from the checkpoint: s1 and new in the pool, 15 retained, and the
    // cooling 100.64.1.3 retained too.
    auto doc = json::parse(slurp(checkpoint_of(d)));
    CHECK(doc["allocations"].size() == 2);
    CHECK(doc["retainedAllocations"].size() == 15);
    CHECK(doc["cooling"].size() == 0);
    CHECK(doc["retainedCooling"].size() == 1);
    CHECK(call("CHECK", "p5", shrunk).exit_code == 0);
    // DEL of a retained key releases it.
    auto del = call("DEL", "p15", shrunk);
    CHECK(del.exit_code == 0);
    CHECK_THAT(del.err, Catch::Contains("released 100.64.1.15"));
    CHECK(json::parse(slurp(checkpoint_of(d)))["retainedAllocations"].size() == 14);
    CHECK(json::parse(slurp(checkpoint_of(d)))["retainedCooling"].size() == 2);
    // Restoring the old /28 brings the retained addresses back into the pool.
    auto back = shrunk;
    back["ipam"]["enis"][0]["prefixes"] = json::array({"100.64.1.0/28", "100.64.2.0/28"});
    auto again = call("ADD", "p1", back);
    CHECK(address_of(again) == "100.64.1.1");
    CHECK(again.err.empty());
    // Slot 0 (100.64.1.0/28) is now all held or cooling: 100.64.1.3 (released before the
    // change) and 100.64.1.15 (released while its capacity was gone) both still cool down.
    // Slot 1 (100.64.2.0/28) lane 0 is held by "new": the next key gets 100.64.2.1.
    CHECK(address_of(call("ADD", "next", back)) == "100.64.2.1");
    CHECK(json::parse(slurp(checkpoint_of(d)))["cooling"].size() == 2);
}

TEST_CASE("cni plugin: a VPC CNI ipam.json is adopted on first start only") {
    temp_dir d;
    const auto ipam_json = d.path / "ipam.json";
    std::ofstream(ipam_json) << R"({"version": "vpc-cni-ipam/1", "allocations": [
        {"networkName": "podnet", "containerID": "old1", "ifName": "eth0", "ipv4": "100.64.1.5",
         "allocationTimestamp": 1700000000000000000,
         "metadata": {"k8sPodNamespace": "kube-system", "k8sPodName": "coredns-1"}},
        {"networkName": "podnet", "containerID": "old2", "ifName": "eth0", "ipv4": "100.64.9.9"},
        {"networkName": "podnet", "containerID": "old3", "ifName": "eth0", "ipv6": "fd00::1"}]})";
    auto cfg = make_config(d.path / "state");
    cfg["ipam"]["importVpcCni"] = ipam_json.string();
    // old1 keeps 100.64.1.5; old2's address is on no configured CIDR: retained, reported.
    auto r = call("ADD", "old1", cfg);
    CHECK(address_of(r) == "100.64.1.5");
    CHECK_THAT(r.err, Catch::Contains("adopted 2 allocation(s)"));
    CHECK_THAT(r.err, Catch::Contains("1 IPv6 entries skipped"));
    CHECK_THAT(r.err, Catch::Contains("100.64.9.9 held by podnet/old2/eth0"));
    CHECK(address_of(call("ADD", "old2", cfg)) == "100.64.9.9");
    const auto doc = json::parse(slurp(d.path / "state" / "podnet.json"));
    CHECK(doc["allocations"].size() == 1);
    CHECK(doc["allocations"][0]["allocationTimestamp"] == 1700000000000000000);
    CHECK(doc["retainedAllocations"].size() == 1);
    CHECK(doc["retainedAllocations"][0]["ipv4"] == "100.64.9.9");
    // Later changes to ipam.json are not read again.
    std::ofstream(ipam_json, std::ios::trunc) << "garbage";
    CHECK(call("ADD", "c1", cfg).exit_code == 0);
}

TEST_CASE("cni plugin: a bad ipam.json on first start is error 101 and writes nothing") {
    temp_dir d;
    auto cfg = make_config(d.path / "state");
    cfg["ipam"]["importVpcCni"] = (d.path / "ipam.json").string();
    std::ofstream(d.path / "ipam.json") << R"({"version": "vpc-cni-ipam/2"})";
    require_error(call("ADD", "c1", cfg), 101, "vpc-cni-ipam/1");
    CHECK_FALSE(fs::exists(d.path / "state" / "podnet.json"));
    std::ofstream(d.path / "ipam.json", std::ios::trunc)
        << R"({"version": "vpc-cni-ipam/1", "allocations": [{"networkName": "podnet", "ifName": "eth0", "ipv4": "100.64.1.5"}]})";
    require_error(call("ADD", "c1", cfg), 101, "ipam.json: allocations[0].containerID: is missing");
    CHECK_FALSE(fs::exists(d.path / "state" / "podnet.json"));
}

TEST_CASE("cni plugin: dataDir is created with its parents; a file in the way is error 5") {
    temp_dir d;
    CHECK(call("ADD", "c1", make_config(d.path / "a" / "b" / "c")).exit_code == 0);
    CHECK(fs::is_directory(d.path / "a" / "b" / "c"));
    std::ofstream(d.path / "file") << "x";
    require_error(call("ADD", "c1", make_config(d.path / "file" / "sub")), 5, "mkdir");
}

TEST_CASE("cni plugin: a held lock makes the call fail with 11 after the timeout") {
    temp_dir d;
    const auto cfg = make_config(d.path);
    REQUIRE(call("ADD", "c1", cfg).exit_code == 0);
    auto held = enipool::file_lock::acquire((d.path / "podnet.lock").string());
    REQUIRE(held.has_value());
    env_map env{{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c2"}, {"CNI_NETNS", "/x"},
                {"CNI_IFNAME", "eth0"}, {"CNI_PATH", "/x"}};
    auto r = enipool_cni::run(
        [&](const char* name) -> const char* {
            const auto it = env.find(name);
            return it == env.end() ? nullptr : it->second.c_str();
        },
        cfg.dump(), enipool_cni::run_options{std::chrono::milliseconds(50)});
    require_error(r, 11, "could not take the state lock");
}

// --- the program's command line: --help, --version, no CNI_COMMAND ----------------------

namespace {

// The version of `project(enipool VERSION ...)` in CMakeLists.txt, read from the file itself.
std::string project_version() {
    const std::string all = slurp(ENIPOOL_SOURCE_DIR "/CMakeLists.txt");
    const std::string head = "project(enipool VERSION ";
    const auto at = all.find(head);
    REQUIRE(at != std::string::npos);
    const auto start = at + head.size();
    return all.substr(start, all.find_first_of(" )\n", start) - start);
}

// Runs build/bin/enipool-cni with `args`, CNI_COMMAND set to `command` (nullptr: unset).
enipool_test::process_result run_cni(const std::vector<std::string>& args, const char* command) {
    if (command != nullptr) ::setenv("CNI_COMMAND", command, 1);
    else ::unsetenv("CNI_COMMAND");
    auto r = enipool_test::run_process(ENIPOOL_BIN_DIR "/enipool-cni", args, ENIPOOL_BIN_DIR);
    ::unsetenv("CNI_COMMAND");
    return r;
}

const char* no_env(const char*) { return nullptr; }

} // namespace

TEST_CASE("cni plugin: --help, -h and a run without CNI_COMMAND print the usage, exit 0") {
    // Before, --help was CNI error 4 ("CNI_COMMAND: is not set") on stdout, exit 1.
    const std::string version = project_version();
    for (const auto& [args, command] : std::vector<std::pair<std::vector<std::string>, const char*>>{
             {{"--help"}, nullptr}, {{"-h"}, nullptr}, {{}, nullptr}, {{}, ""}, {{"--help"}, "ADD"}}) {
        const auto r = run_cni(args, command);
        INFO((args.empty() ? "(no argument)" : args.front()) << " CNI_COMMAND=" << (command ? command : "(unset)")
                                                             << "\nstdout: " << r.out << "\nstderr: " << r.err);
        CHECK(r.status == 0);
        CHECK(r.err.empty());
        CHECK(r.out.starts_with("enipool-cni " + version + ": a CNI IPAM plugin"));
        for (const char* needle : {"CNI_COMMAND", "stdin", "ADD", "DEL", "CHECK", "VERSION", "docs/cni.md", "1.0.0"})
            CHECK_THAT(r.out, Catch::Contains(needle));
    }
}

TEST_CASE("cni plugin: --version prints the project version, exit 0") {
    const auto r = run_cni({"--version"}, nullptr);
    CHECK(r.status == 0);
    CHECK(r.out == "enipool-cni " + project_version() + "\n");
    CHECK(r.err.empty());
}

TEST_CASE("cni plugin: an unknown argument is a usage error naming it, exit 2") {
    const auto r = run_cni({"--bogus"}, nullptr);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "enipool-cni: unknown argument '--bogus': a runtime passes none; see --help\n");
}

TEST_CASE("cni plugin: the runtime's calls are untouched: VERSION through the program, ADD in-process") {
    // CNI_COMMAND=VERSION without stdin, as a runtime probes it: the same reply as before.
    const auto r = run_cni({}, "VERSION");
    CHECK(r.status == 0);
    CHECK(json::parse(r.out) == json::parse(R"({"cniVersion": "1.0.0", "supportedVersions": ["0.4.0", "1.0.0"]})"));
    // No argument and CNI_COMMAND set: command_line leaves the call to run().
    const auto add = [](const char* name) -> const char* {
        return std::string_view(name) == "CNI_COMMAND" ? "ADD" : nullptr;
    };
    CHECK(!enipool_cni::command_line({}, add, "9.9.9").has_value());
    const auto usage = enipool_cni::command_line({}, no_env, "9.9.9");
    REQUIRE(usage.has_value());
    CHECK(usage->exit_code == 0);
    CHECK(usage->out == enipool_cni::usage_text("9.9.9"));
}
