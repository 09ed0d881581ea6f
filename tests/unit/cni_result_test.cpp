// Tests of what the CNI plugin prints: results in both versions, error replies with the
// spec's codes, the VERSION reply, and the reader of prevResult addresses. Expected JSON is
// written out by hand from the CNI spec's examples.
#include <enipool/json/cni_result.hpp>

#include <catch2/catch.hpp>

using enipool::errc;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using nlohmann::json;
namespace cni = enipool::cni;

namespace {

cni::ipam_result sample() {
    cni::ipam_result r;
    r.ips.push_back({{ipv4_address(100, 64, 1, 3), 16}, ipv4_address(100, 64, 0, 1)});
    r.routes.push_back({ipv4_prefix::parse("0.0.0.0/0").value(), std::nullopt});
    r.routes.push_back({ipv4_prefix::parse("100.127.0.0/16").value(), ipv4_address(100, 64, 0, 2)});
    return r;
}

} // namespace

TEST_CASE("cni result: 1.0.0 has no per-address version") {
    const json expected = json::parse(R"({
      "cniVersion": "1.0.0",
      "ips": [{"address": "100.64.1.3/16", "gateway": "100.64.0.1"}],
      "routes": [{"dst": "0.0.0.0/0"}, {"dst": "100.127.0.0/16", "gw": "100.64.0.2"}],
      "dns": {}
    })");
    CHECK(cni::to_json(sample(), "1.0.0") == expected);
}

TEST_CASE("cni result: 0.4.0 says version 4 in each address") {
    const json expected = json::parse(R"({
      "cniVersion": "0.4.0",
      "ips": [{"version": "4", "address": "100.64.1.3/16", "gateway": "100.64.0.1"}],
      "routes": [{"dst": "0.0.0.0/0"}, {"dst": "100.127.0.0/16", "gw": "100.64.0.2"}],
      "dns": {}
    })");
    CHECK(cni::to_json(sample(), "0.4.0") == expected);
}

TEST_CASE("cni result: no routes, no gateway") {
    cni::ipam_result r;
    r.ips.push_back({{ipv4_address(100, 64, 1, 3), 24}, std::nullopt});
    const json expected =
        json::parse(R"({"cniVersion": "1.0.0", "ips": [{"address": "100.64.1.3/24"}], "dns": {}})");
    CHECK(cni::to_json(r, "1.0.0") == expected);
}

TEST_CASE("cni error: codes follow the spec, msg is the sentence, details the detail") {
    CHECK(cni::code_for(errc::unsupported_cni_version) == cni::error_code::incompatible_version);
    CHECK(static_cast<unsigned>(cni::code_for(errc::unsupported_cni_version)) == 1);
    CHECK(static_cast<unsigned>(cni::code_for(errc::invalid_cni_environment)) == 4);
    CHECK(static_cast<unsigned>(cni::code_for(errc::io_error)) == 5);
    CHECK(static_cast<unsigned>(cni::code_for(errc::no_space)) == 5);
    CHECK(static_cast<unsigned>(cni::code_for(errc::malformed_json)) == 6);
    CHECK(static_cast<unsigned>(cni::code_for(errc::malformed_config)) == 7);
    CHECK(static_cast<unsigned>(cni::code_for(errc::prefix_not_aligned)) == 7);
    CHECK(static_cast<unsigned>(cni::code_for(errc::lock_failed)) == 11);
    CHECK(static_cast<unsigned>(cni::code_for(errc::no_available_addresses)) == 100);
    CHECK(static_cast<unsigned>(cni::code_for(errc::checkpoint_invalid)) == 101);
    CHECK(static_cast<unsigned>(cni::code_for(errc::checkpoint_version)) == 101);
    CHECK(static_cast<unsigned>(cni::code_for(errc::unknown_pod)) == 3);
    CHECK(static_cast<unsigned>(cni::code_for(errc::pod_key_conflict)) == 102);
    CHECK(static_cast<unsigned>(cni::code_for(errc::unknown_instance_type)) == 199);

    const auto reply =
        cni::reply_for(enipool::error(errc::no_available_addresses, "all 18 addresses are in use"));
    const json expected = json::parse(R"({
      "cniVersion": "0.4.0", "code": 100, "msg": "no available IP/Prefix addresses",
      "details": "all 18 addresses are in use"
    })");
    CHECK(cni::to_json(reply, "0.4.0") == expected);

    const json no_details = json::parse(R"({"cniVersion": "1.0.0", "code": 3, "msg": "unknown pod"})");
    CHECK(cni::to_json(cni::reply_for(errc::unknown_pod), "1.0.0") == no_details);
}

TEST_CASE("cni version reply lists both versions") {
    const json expected =
        json::parse(R"({"cniVersion": "1.0.0", "supportedVersions": ["0.4.0", "1.0.0"]})");
    CHECK(cni::version_reply() == expected);
}

TEST_CASE("cni prevResult: IPv4 addresses are read, IPv6 skipped, junk rejected") {
    auto ok = cni::addresses_of(json::parse(R"({"cniVersion": "1.0.0", "interfaces": [{"name": "eth0"}],
        "ips": [{"address": "fd00::5/64"}, {"address": "100.64.1.3/16", "interface": 0}]})"));
    REQUIRE(ok.has_value());
    REQUIRE(ok->size() == 1);
    CHECK((*ok)[0] == enipool::ipv4_interface_address{ipv4_address(100, 64, 1, 3), 16});
    CHECK(cni::addresses_of(json())->empty());
    CHECK(cni::addresses_of(json::parse(R"({"cniVersion": "1.0.0"})"))->empty());

    auto bad = cni::addresses_of(json::parse(R"({"ips": [{"address": "100.64.1.3"}]})"));
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code() == errc::malformed_config);
    CHECK_THAT(bad.error().detail(), Catch::Contains("prevResult.ips[0].address"));
    CHECK_FALSE(cni::addresses_of(json::parse(R"({"ips": [5]})")).has_value());
    CHECK_FALSE(cni::addresses_of(json::parse(R"({"ips": {}})")).has_value());
}
