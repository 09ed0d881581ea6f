// Tests of the CNI network config reader: defaults, every field, and a rejection (with the
// JSON path in the message) for each malformed input the plugin must refuse.
#include <enipool/json/cni_config.hpp>

#include <catch2/catch.hpp>

#include <string>

using enipool::errc;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
namespace cni = enipool::cni;

namespace {

// The issue's example config, as a runtime would pass it (plus fields we must ignore).
const std::string full_config = R"({
  "cniVersion": "1.0.0",
  "name": "podnet",
  "type": "ptp",
  "ipMasq": false,
  "runtimeConfig": {"portMappings": []},
  "ipam": {
    "type": "enipool-cni",
    "dataDir": "/var/lib/enipool/podnet",
    "subnet": "100.64.0.0/16",
    "gateway": "100.64.0.1",
    "cooldownSeconds": 45,
    "enis": [
      {"id": "eni-1", "primaryIp": "100.64.0.10",
       "prefixes": ["100.64.1.0/28"], "secondaryIps": ["100.64.0.11", "100.64.0.12"]},
      {"id": "eni-2", "primaryIp": "100.64.0.20"}
    ],
    "routes": [{"dst": "0.0.0.0/0"}, {"dst": "100.127.0.0/16", "gw": "100.64.0.2"}],
    "importVpcCni": "/var/run/aws-node/ipam.json"
  }
})";

// A minimal valid config with the ipam section's body replaced by `ipam_body`.
std::string with_ipam(const std::string& ipam_body) {
    return R"({"cniVersion": "1.0.0", "name": "podnet", "type": "ptp", "ipam": {"type": "enipool-cni", )" +
           ipam_body + "}}";
}

// Parses `text` and requires a failure with `code` whose detail contains `needle`.
void require_rejected(const std::string& text, errc code, const std::string& needle) {
    INFO(text);
    auto r = cni::parse_network_config(text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == code);
    CHECK_THAT(r.error().detail(), Catch::Contains(needle));
}

} // namespace

TEST_CASE("cni config: every field of the issue's example is read") {
    auto r = cni::parse_network_config(full_config);
    REQUIRE(r.has_value());
    CHECK(r->cni_version == "1.0.0");
    CHECK(r->name == "podnet");
    CHECK(r->type == "ptp");
    const auto& ipam = r->ipam;
    CHECK(ipam.type == "enipool-cni");
    CHECK(ipam.data_dir == "/var/lib/enipool/podnet");
    CHECK(ipam.subnet == ipv4_prefix::parse("100.64.0.0/16").value());
    CHECK(ipam.gateway == ipv4_address(100, 64, 0, 1));
    CHECK(ipam.cooldown == std::chrono::seconds(45));
    REQUIRE(ipam.enis.size() == 2);
    CHECK(ipam.enis[0].id == "eni-1");
    CHECK(ipam.enis[0].primary_ip == ipv4_address(100, 64, 0, 10));
    REQUIRE(ipam.enis[0].prefixes.size() == 1);
    CHECK(ipam.enis[0].prefixes[0] == ipv4_prefix::parse("100.64.1.0/28").value());
    CHECK(ipam.enis[0].secondary_ips ==
          std::vector<ipv4_address>{ipv4_address(100, 64, 0, 11), ipv4_address(100, 64, 0, 12)});
    CHECK(ipam.enis[1].id == "eni-2");
    CHECK(ipam.enis[1].prefixes.empty());
    CHECK(ipam.enis[1].secondary_ips.empty());
    REQUIRE(ipam.routes.size() == 2);
    CHECK(ipam.routes[0].dst == ipv4_prefix::parse("0.0.0.0/0").value());
    CHECK_FALSE(ipam.routes[0].gw.has_value());
    CHECK(ipam.routes[1].gw == ipv4_address(100, 64, 0, 2));
    CHECK(ipam.import_vpc_cni == std::string("/var/run/aws-node/ipam.json"));
    CHECK(r->prev_result.is_null());
}

TEST_CASE("cni config: defaults for gateway, cooldown, dataDir, routes, import") {
    auto r = cni::parse_network_config(with_ipam(
        R"("subnet": "100.65.16.0/20", "enis": [{"id": "e", "primaryIp": "100.65.16.9"}])"));
    REQUIRE(r.has_value());
    // Gateway = subnet base + 1 = 100.65.16.1 (the VPC router).
    CHECK(r->ipam.gateway == ipv4_address(100, 65, 16, 1));
    CHECK(r->ipam.cooldown == std::chrono::seconds(30));
    CHECK(r->ipam.data_dir == "/var/lib/enipool/podnet");
    CHECK(r->ipam.routes.empty());
    CHECK_FALSE(r->ipam.import_vpc_cni.has_value());
}

TEST_CASE("cni config: 0.4.0 is accepted, prevResult is kept") {
    auto r = cni::parse_network_config(
        R"({"cniVersion": "0.4.0", "name": "n", "ipam": {"type": "x", "subnet": "100.64.0.0/24",
           "enis": []}, "prevResult": {"ips": [{"address": "100.64.0.7/24"}]}})");
    REQUIRE(r.has_value());
    CHECK(r->cni_version == "0.4.0");
    CHECK(r->prev_result["ips"][0]["address"] == "100.64.0.7/24");
}

TEST_CASE("cni config: versions") {
    require_rejected(R"({"name": "n", "ipam": {}})", errc::unsupported_cni_version, "missing");
    require_rejected(R"({"cniVersion": "0.3.1", "name": "n", "ipam": {}})",
                     errc::unsupported_cni_version, "'0.3.1'");
    require_rejected(R"({"cniVersion": 1, "name": "n", "ipam": {}})",
                     errc::unsupported_cni_version, "missing");
    CHECK(cni::is_supported_version("1.0.0"));
    CHECK(cni::is_supported_version("0.4.0"));
    CHECK_FALSE(cni::is_supported_version("1.1.0"));
}

TEST_CASE("cni config: text that is not JSON names the byte offset") {
    // The error is at byte 14 or so; we only insist that an offset is named.
    require_rejected(R"({"cniVersion": )", errc::malformed_json, "at byte");
    require_rejected("", errc::malformed_json, "at byte");
    require_rejected("[1, 2", errc::malformed_json, "at byte");
    require_rejected("[]", errc::malformed_config, "expected an object");
}

TEST_CASE("cni config: the network name and the ipam section are required") {
    require_rejected(R"({"cniVersion": "1.0.0", "ipam": {}})", errc::malformed_config,
                     "name: is required");
    require_rejected(R"({"cniVersion": "1.0.0", "name": "-bad", "ipam": {}})",
                     errc::malformed_config, "not a valid network name");
    require_rejected(R"({"cniVersion": "1.0.0", "name": "a b", "ipam": {}})",
                     errc::malformed_config, "not a valid network name");
    require_rejected(R"({"cniVersion": "1.0.0", "name": "n"})", errc::malformed_config,
                     "ipam: is required");
    require_rejected(R"({"cniVersion": "1.0.0", "name": "n", "ipam": []})", errc::malformed_config,
                     "ipam: expected an object, found array");
    require_rejected(R"({"cniVersion": "1.0.0", "name": 5, "ipam": {}})", errc::malformed_config,
                     "name: expected a string, found number");
}

TEST_CASE("cni config: ipam fields with wrong values name their path") {
    const std::string eni = R"("enis": [{"id": "e", "primaryIp": "100.64.0.9"}])";
    require_rejected(with_ipam(eni), errc::malformed_config, "ipam.subnet: is required");
    require_rejected(with_ipam(R"("subnet": "100.64.0.1/24", )" + eni), errc::malformed_config,
                     "ipam.subnet");
    require_rejected(with_ipam(R"("subnet": "100.0.0.0/8", )" + eni), errc::malformed_config,
                     "a VPC subnet is /16 to /28");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/29", )" + eni), errc::malformed_config,
                     "a VPC subnet is /16 to /28");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "gateway": "100.64.1.1", )" + eni),
                     errc::malformed_config, "ipam.gateway: 100.64.1.1 is outside the subnet");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "gateway": "x", )" + eni),
                     errc::malformed_config, "ipam.gateway: 'x'");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "cooldownSeconds": -1, )" + eni),
                     errc::malformed_config, "ipam.cooldownSeconds");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "cooldownSeconds": 1.5, )" + eni),
                     errc::malformed_config, "ipam.cooldownSeconds");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "cooldownSeconds": "30", )" + eni),
                     errc::malformed_config, "ipam.cooldownSeconds");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "cooldownSeconds": 86401, )" + eni),
                     errc::malformed_config, "exceeds one day");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "dataDir": "rel/dir", )" + eni),
                     errc::malformed_config, "ipam.dataDir: 'rel/dir' is not an absolute path");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "importVpcCni": "ipam.json", )" + eni),
                     errc::malformed_config, "ipam.importVpcCni");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24")"), errc::malformed_config,
                     "ipam.enis: is required");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "enis": {})"),
                     errc::malformed_config, "ipam.enis: expected an array, found object");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "routes": [{"gw": "100.64.0.1"}], )" + eni),
                     errc::malformed_config, "ipam.routes[0].dst: is required");
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/24", "routes": [{"dst": "0.0.0.0/0", "gw": "1.2.3"}], )" + eni),
                     errc::malformed_config, "ipam.routes[0].gw");
}

TEST_CASE("cni config: ENIs, prefixes and secondary IPs are checked against the subnet") {
    const std::string subnet = R"("subnet": "100.64.0.0/16", )";
    auto enis = [&](const std::string& list) { return with_ipam(subnet + R"("enis": )" + list); };

    // The issue's examples: a prefix that is not an aligned /28, a secondary outside the subnet.
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "prefixes": ["100.64.1.4/28"]}])"),
                     errc::malformed_config,
                     "ipam.enis[0].prefixes[0]: '100.64.1.4/28' is not an aligned /28 (did you mean 100.64.1.0/28?)");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "secondaryIps": ["100.64.0.11", "100.66.0.1"]}])"),
                     errc::malformed_config,
                     "ipam.enis[0].secondaryIps[1]: 100.66.0.1 is outside the subnet 100.64.0.0/16");
    // A /24 where a /28 is required.
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "prefixes": ["100.64.1.0/24"]}])"),
                     errc::malformed_config, "is a /24; prefixes must be /28");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "prefixes": ["100.99.1.0/28"]}])"),
                     errc::malformed_config, "100.99.1.0/28 is outside the subnet");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "prefixes": [7]}])"),
                     errc::malformed_config, "ipam.enis[0].prefixes[0]: expected a /28 prefix string");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "prefixes": "100.64.1.0/28"}])"),
                     errc::malformed_config, "ipam.enis[0].prefixes: expected an array");
    // Missing fields.
    require_rejected(enis(R"([{"primaryIp": "100.64.0.10"}])"), errc::malformed_config,
                     "ipam.enis[0].id: is required");
    require_rejected(enis(R"([{"id": "", "primaryIp": "100.64.0.10"}])"), errc::malformed_config,
                     "ipam.enis[0].id: must not be empty");
    require_rejected(enis(R"([{"id": "e"}])"), errc::malformed_config,
                     "ipam.enis[0].primaryIp: is required");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10"}, 3])"), errc::malformed_config,
                     "ipam.enis[1]: expected an object, found number");
    // EC2 reserves the first four addresses and the last of the subnet:
    // 100.64.0.0 .. 100.64.0.3 and 100.64.255.255; the /28 at .0 holds them.
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.3"}])"), errc::malformed_config,
                     "one of the 5 addresses EC2 reserves");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "secondaryIps": ["100.64.255.255"]}])"),
                     errc::malformed_config, "ipam.enis[0].secondaryIps[0]: 100.64.255.255 is one of the 5");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "prefixes": ["100.64.0.0/28"]}])"),
                     errc::malformed_config, "ipam.enis[0].prefixes[0]: 100.64.0.0 is one of the 5");
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10", "prefixes": ["100.64.255.240/28"]}])"),
                     errc::malformed_config, "100.64.255.255 is one of the 5");
    // Duplicates and overlaps name both entries.
    require_rejected(enis(R"([{"id": "e", "primaryIp": "100.64.0.10"}, {"id": "e", "primaryIp": "100.64.0.20"}])"),
                     errc::malformed_config, "ipam.enis[1].id: 'e' is already the id of ipam.enis[0]");
    require_rejected(enis(R"([{"id": "a", "primaryIp": "100.64.1.5"}, {"id": "b", "primaryIp": "100.64.0.20", "prefixes": ["100.64.1.0/28"]}])"),
                     errc::malformed_config,
                     "ipam.enis[1].prefixes[0]: 100.64.1.0/28 overlaps 100.64.1.5/32 of ipam.enis[0].primaryIp");
    require_rejected(enis(R"([{"id": "a", "primaryIp": "100.64.0.10", "secondaryIps": ["100.64.0.11", "100.64.0.11"]}])"),
                     errc::malformed_config, "ipam.enis[0].secondaryIps[1]");
    // The gateway (default 100.64.0.1 is reserved anyway; here an explicit one) is no ENI's.
    require_rejected(with_ipam(R"("subnet": "100.64.0.0/16", "gateway": "100.64.0.9", "enis": [{"id": "a", "primaryIp": "100.64.0.9"}])"),
                     errc::malformed_config, "overlaps 100.64.0.9/32 of ipam.gateway");
}

TEST_CASE("cni config: at most 63 slots per ENI") {
    // 64 secondary IPs 100.64.1.0 .. 100.64.1.63 on one ENI: one too many.
    std::string ips;
    for (int i = 0; i < 64; ++i) ips += (i ? ", " : "") + fmt::format(R"("100.64.1.{}")", i);
    require_rejected(
        with_ipam(R"("subnet": "100.64.0.0/16", "enis": [{"id": "e", "primaryIp": "100.64.0.10", "secondaryIps": [)" +
                  ips + "]}]"),
        errc::malformed_config, "64 prefixes and secondary IPs exceed the 63 slots");
    // 63 are fine.
    ips.clear();
    for (int i = 0; i < 63; ++i) ips += (i ? ", " : "") + fmt::format(R"("100.64.1.{}")", i);
    CHECK(cni::parse_network_config(
              with_ipam(R"("subnet": "100.64.0.0/16", "enis": [{"id": "e", "primaryIp": "100.64.0.10", "secondaryIps": [)" +
                        ips + "]}]"))
              .has_value());
}
