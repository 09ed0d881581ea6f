// ip.hpp: parsing (every malformed input rejected with its own message), formatting,
// containment and alignment, checked against arithmetic done independently here.
#include <enipool/ip.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sstream>

using enipool::errc;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using enipool::ipv6_address;
using enipool::ipv6_prefix;

namespace {
template <class R>
std::string failure_text(const R& r) {
    REQUIRE_FALSE(r.has_value());
    return r.error().message();
}
} // namespace

TEST_CASE("ipv4 addresses parse and format", "[ip]") {
    auto a = ipv4_address::parse("10.1.2.3");
    REQUIRE(a);
    CHECK(a->to_uint() == ((10u << 24) | (1u << 16) | (2u << 8) | 3u));
    CHECK(a->to_string() == "10.1.2.3");
    CHECK(fmt::format("{}", *a) == "10.1.2.3");
    std::ostringstream os;
    os << *a;
    CHECK(os.str() == "10.1.2.3");
    CHECK(ipv4_address::parse("0.0.0.0")->to_uint() == 0);
    CHECK(ipv4_address::parse("255.255.255.255")->to_uint() == 0xFFFFFFFFu);
    CHECK(ipv4_address(198, 18, 0, 1) < ipv4_address(198, 18, 0, 2));
}

TEST_CASE("malformed ipv4 addresses are rejected with position and reason", "[ip]") {
    struct bad_case { const char* text; errc code; const char* reason; };
    const bad_case cases[] = {
        {"10.0.0.256", errc::invalid_address, "octet 256 exceeds 255"},
        {"10.0.0", errc::invalid_address, "expected 4 octets, found 3"},
        {"10.0.0.1.2", errc::invalid_address, "more than 4 octets"},
        {"010.0.0.1", errc::invalid_address, "leading zeros are not allowed"},
        {" 10.0.0.1", errc::invalid_address, "offset 0: expected a decimal digit"},
        {"10.0.0.1x", errc::invalid_address, "offset 8: unexpected trailing characters"},
        {"", errc::invalid_address, "empty text"},
        {"10..0.1", errc::invalid_address, "offset 3: expected a decimal digit"},
        {"10.0.0.1000", errc::invalid_address, "too many digits"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto r = ipv4_address::parse(c.text);
        REQUIRE_FALSE(r);
        CHECK(r.error().code() == c.code);
        CHECK_THAT(r.error().message(), Catch::Contains(c.reason));
        CHECK_THAT(r.error().message(), Catch::StartsWith("invalid IP address"));
    }
}

TEST_CASE("ipv4 prefixes: parse, alignment, containment, blocks", "[ip]") {
    auto p = ipv4_prefix::parse("198.18.0.0/24");
    REQUIRE(p);
    CHECK(p->length() == 24);
    CHECK(p->size() == 256);
    CHECK(p->first() == ipv4_address(198, 18, 0, 0));
    CHECK(p->last() == ipv4_address(198, 18, 0, 255));
    CHECK(p->contains(ipv4_address(198, 18, 0, 77)));
    CHECK_FALSE(p->contains(ipv4_address(198, 18, 1, 0)));
    CHECK(p->block28_count() == 256 / 16);
    CHECK(p->block28(3).to_string() == "198.18.0.48/28");
    CHECK(p->contains(p->block28(15)));
    CHECK_FALSE(p->block28(15).contains(*p));
    CHECK(ipv4_prefix::parse("0.0.0.0/0")->size() == (std::uint64_t{1} << 32));
    CHECK(ipv4_prefix::parse("10.0.0.7/32")->block28_count() == 0);
    CHECK(ipv4_prefix::is_aligned(ipv4_address(10, 0, 0, 32), 28));
    CHECK_FALSE(ipv4_prefix::is_aligned(ipv4_address(10, 0, 0, 33), 28));
    CHECK(ipv4_prefix::truncate(ipv4_address(10, 0, 0, 37), 28).to_string() == "10.0.0.32/28");
    CHECK(fmt::format("{}", *p) == "198.18.0.0/24");
    auto iface = ipv4_prefix::parse_interface("10.0.0.5/24");
    REQUIRE(iface);
    CHECK(iface->address == ipv4_address(10, 0, 0, 5));
    CHECK(iface->length == 24);
}

TEST_CASE("malformed ipv4 prefixes are rejected with position and reason", "[ip]") {
    struct bad_case { const char* text; errc code; const char* reason; };
    const bad_case cases[] = {
        {"10.0.0.1/33", errc::invalid_prefix, "prefix length 33 exceeds 32"},
        {"10.0.0.1/", errc::invalid_prefix, "a number is missing at the end"},
        {"10.0.0.1/28", errc::prefix_not_aligned, "did you mean 10.0.0.0/28"},
        {"10.0.0.0/28x", errc::invalid_prefix, "unexpected trailing characters"},
        {"10.0.0.0", errc::invalid_prefix, "expected '/'"},
        {"10.0.0.0/08", errc::invalid_prefix, "leading zeros"},
        {"10.0.0.256/24", errc::invalid_prefix, "octet 256 exceeds 255"},
        {"", errc::invalid_prefix, "expected '/'"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto r = ipv4_prefix::parse(c.text);
        REQUIRE_FALSE(r);
        CHECK(r.error().code() == c.code);
        CHECK_THAT(r.error().message(), Catch::Contains(c.reason));
    }
    auto made = ipv4_prefix::make(ipv4_address(10, 0, 0, 8), 28);
    CHECK(failure_text(made).find("not a multiple of the prefix size 16") != std::string::npos);
}

TEST_CASE("ipv6 addresses: RFC 5952 canonical text", "[ip]") {
    struct round_trip { const char* in; const char* canonical; };
    const round_trip cases[] = {
        {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},   // first of equal runs
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, // a single 0 is not compressed
        {"::", "::"},
        {"::1", "::1"},
        {"FE80::ABCD", "fe80::abcd"},
        {"2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0"},       // the longer run wins
        {"::ffff:198.18.0.1", "::ffff:c612:1"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"1::", "1::"},
    };
    for (const auto& c : cases) {
        INFO(c.in);
        auto a = ipv6_address::parse(c.in);
        REQUIRE(a);
        CHECK(a->to_string() == c.canonical);
        CHECK(ipv6_address::parse(a->to_string()) == a);
    }
    auto one = ipv6_address::parse("2001:db8::1");
    CHECK(one->high() == 0x20010db800000000ull);
    CHECK(one->low() == 1);
}

TEST_CASE("malformed ipv6 addresses are rejected with position and reason", "[ip]") {
    struct bad_case { const char* text; const char* reason; };
    const bad_case cases[] = {
        {"::g", "offset 2: expected a hex digit"},
        {"1:2:3:4:5:6:7:8:9", "more than 8 groups"},
        {"1:2:3", "expected 8 groups, found 3"},
        {"1::2::3", "'::' may appear only once"},
        {"12345::", "more than 4 hex digits"},
        {":1::", "a single leading ':'"},
        {"", "empty text"},
        {"1:2:3:4:5:6:7::8", "'::' stands for no group"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto r = ipv6_address::parse(c.text);
        REQUIRE_FALSE(r);
        CHECK(r.error().code() == errc::invalid_address);
        CHECK_THAT(r.error().message(), Catch::Contains(c.reason));
    }
}

TEST_CASE("ipv6 /80 prefixes", "[ip]") {
    auto p = ipv6_prefix::parse("2001:db8:1:2:3::/80");
    REQUIRE(p);
    CHECK(p->length() == 80);
    CHECK(p->contains(p->at(12345)));
    CHECK(p->at(1).to_string() == "2001:db8:1:2:3::1");
    CHECK_FALSE(p->contains(*ipv6_address::parse("2001:db8:1:2:4::1")));
    auto bad = ipv6_prefix::parse("2001:db8:1:2:3::1/80");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code() == errc::prefix_not_aligned);
    CHECK(ipv6_prefix::parse("::/129").error().code() == errc::invalid_prefix);
}
