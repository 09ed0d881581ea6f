// node_pool with the real growth policies facing insufficient_cidr_blocks: prefix_first keeps
// giving pods addresses from secondary IPs and returns to prefixes after its 120 s back-off;
// prefix_only does not fall back (no growth for 120 s, pods get no address meanwhile).
#include "pool_test_support.hpp"

#include <enipool/max_pods.hpp>

#include <catch2/catch.hpp>

namespace {

using namespace pool_test;
using namespace enipool;

// Asks for one unit of the policy's current mode on the first ENI whenever nothing is free.
struct one_unit_when_empty {
    struct config {};
    explicit one_unit_when_empty(const config&) {}
    std::vector<action> plan(const pool_view& v) const {
        if (!v.may_grow || v.growth_in_flight || v.free > 0 || v.enis.empty()) return {};
        return {assign_to_eni{0, v.enis.front().id, v.mode, 1}};
    }
};

template <class Policy>
using pool_t = node_pool<Policy, one_unit_when_empty, enipool::pod_key<std::uint64_t>, enipool::clock<manual_clock>>;

template <class Policy>
pool_t<Policy> full_pool(manual_clock& clk) {
    typename pool_t<Policy>::config cfg;
    cfg.type = m5_large();
    auto p = pool_t<Policy>::create(cfg, clk).value();
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    for (std::uint64_t i = 0; i < 16; ++i) REQUIRE(p.assign(i).has_value());
    return p;
}

} // namespace

TEST_CASE("prefix_first falls back to secondary IPs and returns to prefixes after 120 s", "[node_pool][fallback]") {
    manual_clock clk;
    auto p = full_pool<prefix_first>(clk);
    auto a = p.plan();
    REQUIRE(a.size() == 1);
    CHECK(std::get<assign_to_eni>(a[0]).mode == address_mode::prefix);
    REQUIRE(p.apply(outcome{a[0], error(errc::insufficient_cidr_blocks)}).has_value());
    // The subnet has no free /28: the next plan asks for a secondary IP instead.
    a = p.plan();
    REQUIRE(a.size() == 1);
    CHECK(std::get<assign_to_eni>(a[0]).mode == address_mode::secondary);
    REQUIRE(p.apply(outcome{a[0], grant{"eni-0", 0, {}, {}, {cidr("10.0.5.1/32")}}}).has_value());
    CHECK(p.assign(100u).value() == addr("10.0.5.1"));  // the pod gets the secondary IP
    clk.advance(60s);
    a = p.plan();  // still within the back-off: secondary again
    REQUIRE(a.size() == 1);
    CHECK(std::get<assign_to_eni>(a[0]).mode == address_mode::secondary);
    REQUIRE(p.apply(outcome{a[0], grant{"eni-0", 0, {}, {}, {cidr("10.0.5.2/32")}}}).has_value());
    CHECK(p.assign(101u).value() == addr("10.0.5.2"));
    clk.advance(60s);  // 120 s after the refusal: prefixes again
    a = p.plan();
    REQUIRE(a.size() == 1);
    CHECK(std::get<assign_to_eni>(a[0]).mode == address_mode::prefix);
    REQUIRE(p.apply(outcome{a[0], grant{"eni-0", 0, {}, {}, {cidr("10.0.1.0/28")}}}).has_value());
    CHECK(p.assign(102u).value() == addr("10.0.1.0"));
    const auto s = p.stats();
    CHECK(s.secondary_lanes.total == 2);  // prefixes and secondary IPs both serve pods
    CHECK(s.prefix_lanes.total == 32);
    REQUIRE(p.check().has_value());
}

TEST_CASE("prefix_only does not fall back: no growth during the back-off", "[node_pool][fallback]") {
    manual_clock clk;
    auto p = full_pool<prefix_only>(clk);
    auto a = p.plan();
    REQUIRE(a.size() == 1);
    REQUIRE(p.apply(outcome{a[0], error(errc::insufficient_cidr_blocks)}).has_value());
    CHECK(p.plan().empty());  // stalled, and never secondary
    CHECK(p.assign(100u).error().code() == errc::no_available_addresses);
    clk.advance(120s);
    CHECK(p.plan().empty());  // the stall holds through its 120th second
    clk.advance(1ns);
    a = p.plan();
    REQUIRE(a.size() == 1);
    CHECK(std::get<assign_to_eni>(a[0]).mode == address_mode::prefix);
}

// ipamd with prefix delegation enabled on a type without prefixes (neither Nitro nor bare
// metal) warns and runs in secondary-IP mode (ipamd.go L2772-2779 at b52188387f2e);
// prefix_first does the same, while prefix_only is refused.
TEST_CASE("prefix_first on a Xen type grows with secondary IPs only", "[node_pool][fallback]") {
    manual_clock clk;
    pool_t<prefix_first>::config cfg;
    cfg.type = m5_large();
    cfg.type.name = "xen.large";
    cfg.type.hypervisor = hypervisor_kind::xen;
    REQUIRE_FALSE(cfg.type.supports_prefixes());
    CHECK(pool_t<prefix_only>::create({cfg.type}, clk).error().code() == errc::prefix_not_supported);
    auto p = pool_t<prefix_first>::create(cfg, clk).value();
    // Max pods counts secondary IPs, by the formula: usable ENIs x (IPv4 per ENI - 1) = 3 x 9.
    CHECK(p.max_pods() == 27);
    CHECK(p.max_pods() == enipool_max_pods(cfg.type, enipool_options{growth_policy_kind::prefix_first}).value() - 2);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.5.1/32")})).has_value());
    REQUIRE(p.assign(1u).has_value());
    for (int round = 0; round < 3; ++round) {
        auto a = p.plan();
        REQUIRE(a.size() == 1);
        CHECK(std::get<assign_to_eni>(a[0]).mode == address_mode::secondary);
        const auto ip = cidr(fmt::format("10.0.5.{}/32", 2 + round).c_str());
        REQUIRE(p.apply(outcome{a[0], grant{"eni-0", 0, {}, {}, {ip}}}).has_value());
        REQUIRE(p.assign(static_cast<std::uint64_t>(2 + round)).has_value());
        clk.advance(200s);  // past any retry back-off: still secondary
    }
    CHECK(p.policy().fallbacks() == 0);  // secondary from the start is not a fallback
    CHECK(p.stats().prefix_lanes.total == 0);
    REQUIRE(p.check().has_value());
}
