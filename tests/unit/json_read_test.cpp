// Tests of the shared JSON reader (enipool/json/detail/read.hpp): the JSON path in every
// error, absent and null members, the reader's wording and errc, arrays read element by
// element, and the parser's limits. The four readers' own tests pin their texts.
#include <enipool/json/aws_subnet.hpp>
#include <enipool/json/catalog_json.hpp>
#include <enipool/json/checkpoint.hpp>
#include <enipool/json/cni_config.hpp>
#include <enipool/json/detail/read.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using enipool::errc;
using enipool::detail::json_node;
using enipool::detail::json_wording;
using nlohmann::json;

namespace {

constexpr json_wording wording{errc::malformed_json, "is missing", "expected {3}, found {2}", "expected {3}, found {2}",
                               "a boolean", "{2} is not an unsigned integer", "{0} is negative",
                               "{0} exceeds {1}"};

const json doc = json::parse(R"({"ipam": {"ranges": [[{"subnet": "10.0.0.0/16"}, {"subnet": 5}]],
                                          "gone": null, "flag": "yes", "n": -2, "big": 70000}})");

} // namespace

TEST_CASE("every error names the JSON path of the value it is about", "[json]") {
    const json_node root(doc, wording, "(document)");
    const auto bad = root.member("ipam").member("ranges").at(0).at(1).member("subnet").string();
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code() == errc::malformed_json);
    CHECK(bad.error().detail() == "ipam.ranges[0][1].subnet: expected a string, found number");
    CHECK(*root.member("ipam").member("ranges").at(0).at(0).member("subnet").string() == "10.0.0.0/16");

    CHECK(root.member("ipam").member("nothing").string().error().detail() == "ipam.nothing: is missing");
    CHECK(root.member("ipam").member("flag").boolean(false).error().detail() == "ipam.flag: expected a boolean, found string");
    CHECK(root.member("ipam").member("n").unsigned_integer(10).error().detail() == "ipam.n: -2 is negative");
    CHECK(root.member("ipam").member("big").unsigned_integer(65535).error().detail() == "ipam.big: 70000 exceeds 65535");
    CHECK(root.member("ipam").member("ranges").object().error().detail() == "ipam.ranges: expected an object, found array");
    CHECK(json_node(json::array(), wording, "(document)").object().error().detail() ==
          "(document): expected an object, found array");
    CHECK(json_node::nested(doc, wording, "prevResult").member("x").string().error().detail() == "prevResult.x: is missing");
}

TEST_CASE("null is absent; absent optional values take their fallback", "[json]") {
    const json_node ipam = json_node(doc, wording, "(document)").member("ipam");
    CHECK_FALSE(ipam.member("gone").present());
    CHECK(*ipam.member("gone").boolean(true));
    CHECK_FALSE(ipam.member("gone").optional_string()->has_value());
    CHECK_FALSE(ipam.member("gone").optional_unsigned(5)->has_value());
    CHECK(*ipam.member("gone").optional_array() == 0);
    CHECK_FALSE(*ipam.member("gone").optional_object());
    CHECK(ipam.member("gone").array().error().detail() == "ipam.gone: is missing");
    // A member of something that is not an object is absent, not an exception.
    CHECK_FALSE(ipam.member("flag").member("x").present());
    CHECK_FALSE(ipam.member("flag").at(3).present());
}

TEST_CASE("append_each reads every element and stops at the first error", "[json]") {
    const json list = json::parse(R"({"v": ["10.0.0.1", "10.0.0.2", "x", "10.0.0.4"]})");
    const json_node v = json_node(list, wording, "(document)").member("v");
    std::vector<enipool::ipv4_address> out;
    auto parse = [](std::string_view t) { return enipool::ipv4_address::parse(t); };
    auto why = [](std::string_view text, const enipool::error&) { return fmt::format("'{}' is no address", text); };
    const auto r = v.append_each(out, [&](const json_node& e) { return e.parsed(parse, why); });
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().detail() == "v[2]: 'x' is no address");
    CHECK(out.size() == 2);
    std::size_t calls = 0;
    CHECK(json_node(list, wording, "(document)").member("w").for_each([&](const json_node&) -> enipool::result<void> {
        ++calls;
        return enipool::success();
    }).has_value());
    CHECK(calls == 0);
    CHECK(json_node(list, wording, "(document)").member("w").for_each([](const json_node&) { return enipool::success(); }, true)
              .error().detail() == "w: is missing");
}

TEST_CASE("parse_json reports where the text breaks and refuses deep nesting", "[json]") {
    const auto broken = enipool::detail::parse_json(R"({"a": [1, )", errc::malformed_config, "config: ");
    REQUIRE_FALSE(broken.has_value());
    CHECK(broken.error().code() == errc::malformed_config);
    CHECK_THAT(broken.error().detail(), Catch::StartsWith("config: not valid JSON at byte "));
    const auto deep = enipool::detail::parse_json(std::string(40, '[') + std::string(40, ']'), errc::malformed_json, "", 32);
    REQUIRE_FALSE(deep.has_value());
    CHECK(deep.error().detail() == "nested 40 levels deep, at most 32 are accepted");
    CHECK(enipool::detail::parse_json("1e999", errc::malformed_json, "").error().detail().find("not valid JSON") == 0);
    CHECK(enipool::detail::parse_json(R"({"a": [1]})", errc::malformed_json, "")->at("a").size() == 1);
}

TEST_CASE("the readers give nested paths through the shared reader", "[json]") {
    // One path per reader, deeper than the readers' own tests go.
    const auto config = enipool::cni::parse_network_config(
        R"({"cniVersion": "1.0.0", "name": "n", "ipam": {"type": "x", "subnet": "100.64.0.0/16",
            "enis": [{"id": "e", "primaryIp": "100.64.0.10", "secondaryIps": ["100.64.0.11", 7]}]}})");
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().detail() == "ipam.enis[0].secondaryIps[1]: expected an IPv4 address string, found number");

    const auto catalog = enipool::parse_catalog_json(
        R"({"InstanceTypes": [{"InstanceType": "x.a", "NetworkInfo": {"MaximumNetworkInterfaces": 2,
            "Ipv4AddressesPerInterface": 4, "NetworkCards": [{"NetworkCardIndex": 0, "MaximumNetworkInterfaces": 5000000000}]}}]})");
    REQUIRE_FALSE(catalog.has_value());
    CHECK(catalog.error().detail() ==
          "InstanceTypes[0].NetworkInfo.NetworkCards[0].MaximumNetworkInterfaces: 5000000000 exceeds the largest "
          "allowed value 4294967295");

    const auto aws = enipool::parse_aws_network_interfaces(
        R"({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "Ipv4Prefixes": [{"Ipv4Prefix": null}]}]})");
    REQUIRE_FALSE(aws.has_value());
    CHECK(aws.error().detail() == "NetworkInterfaces[0].Ipv4Prefixes[0].Ipv4Prefix: missing");
}
