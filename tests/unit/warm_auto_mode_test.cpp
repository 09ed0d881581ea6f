// warm/auto_mode_warm.hpp: EKS Auto Mode's fixed warm pool on worked m5.large examples (each
// expectation derived by hand in a comment), plus the common plan rules on random views.
#include <enipool/warm/auto_mode_warm.hpp>

#include "plan_summary.hpp"
#include "random_view.hpp"
#include "view_builder.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using enipool::address_mode;
using enipool::auto_mode_warm;
using enipool::auto_mode_warm_config;
using enipool_test::summarize;
using enipool_test::view_builder;

// m5.large under Auto Mode: 3 ENIs x 9 slots, max pods min(110, 434) = 110 in prefix mode,
// min(110, 29) = 29 in secondary mode (ipv4PrefixSize "32").
view_builder m5_prefix() { return view_builder(address_mode::prefix, 9, 3, 110); }
view_builder m5_secondary() { return view_builder(address_mode::secondary, 9, 3, 29); }

std::vector<enipool::action> plan_of(const auto_mode_warm_config& c, const enipool::pool_view& v) {
    return enipool_test::checked_plan<auto_mode_warm>(c, v);
}

} // namespace

TEST_CASE("auto mode, prefix: one prefix's worth of free addresses is kept", "[warm][auto_mode]") {
    const auto_mode_warm_config c;  // warm unset: 16 in prefix mode; release after 30 s
    // Fresh: free 0 < 16: short 16: ceil(16 / 16) = 1 prefix on eni-0.
    auto s = summarize(plan_of(c, m5_prefix().eni().build()));
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 1);
    CHECK(s.grow_mode == address_mode::prefix);
    // One prefix, 3 pods: free 13 < 16: short 3: 1 more prefix.
    CHECK(summarize(plan_of(c, m5_prefix().eni().prefix(3).build())).units == 1);
    // Two prefixes (3 pods, one wholly free): free 29: excess 13 < 16, no /28 fits: nothing.
    CHECK(plan_of(c, m5_prefix().now(100s).eni().prefix(3).prefix(0).build()).empty());
}

TEST_CASE("auto mode, prefix: unused prefixes go back once their cooldown expired", "[warm][auto_mode][release]") {
    const auto_mode_warm_config c;
    // A full prefix and two wholly free since 10 s: free 32, warm 16, excess 16: one /28 fits.
    auto b = m5_prefix().eni().prefix(16).prefix(0, 0, 10s).prefix(0, 0, 10s);
    CHECK(plan_of(c, b.now(39s).build()).empty());  // free for 29 s < 30 s
    auto s = summarize(plan_of(c, b.now(40s).build()));
    CHECK(s.released == 1);
    REQUIRE(s.released_cidrs.size() == 1);
    CHECK(s.released_cidrs[0].length() == 28);
    // A release in flight: nothing.
    CHECK(plan_of(c, b.now(40s).shrink_in_flight(true).build()).empty());
}

TEST_CASE("auto mode: secondary IPs left from a fallback are given back too", "[warm][auto_mode][release]") {
    const auto_mode_warm_config c;
    // Back in prefix mode: a full prefix, a wholly free prefix, 3 free secondary IPs from the
    // fallback. free 16 + 3 = 19, warm 16, excess 3: the /28 (16) does not fit, the three
    // /32s do.
    const auto v = m5_prefix().now(100s).eni().prefix(16).prefix(0).secondaries(3, 'f').build();
    const auto s = summarize(plan_of(c, v));
    CHECK(s.released == 3);
    for (const auto& cidr : s.released_cidrs) CHECK(cidr.length() == 32);
}

TEST_CASE("auto mode, ipv4PrefixSize 32: one warm IP", "[warm][auto_mode][secondary]") {
    const auto_mode_warm_config c;  // warm unset: 1 in secondary mode
    // Fresh: free 0 < 1: 1 IP on eni-0.
    auto s = summarize(plan_of(c, m5_secondary().eni().build()));
    CHECK(s.units == 1);
    CHECK(s.grow_mode == address_mode::secondary);
    // 2 pods + 1 free: nothing.
    CHECK(plan_of(c, m5_secondary().now(100s).eni().secondaries(2, 'a').secondary('f').build()).empty());
    // 2 pods + 3 free (free since 0): excess 2: two /32s back.
    CHECK(summarize(plan_of(c, m5_secondary().now(100s).eni().secondaries(2, 'a').secondaries(3, 'f').build())).released == 2);
    // 9 pods on a full eni-0: attach a new ENI with 1 IP.
    s = summarize(plan_of(c, m5_secondary().eni().secondaries(9, 'a').build()));
    CHECK(s.attach);
    CHECK(s.units == 1);
}

TEST_CASE("auto mode: cooling addresses are not free", "[warm][auto_mode][cooling]") {
    const auto_mode_warm_config c;
    // One prefix: 10 pods, 6 cooling: free 0 < 16: grow 1 prefix.
    CHECK(summarize(plan_of(c, m5_prefix().eni().prefix(10, 6).build())).units == 1);
}

TEST_CASE("auto mode: a configured warm size and the limits", "[warm][auto_mode][limits]") {
    auto_mode_warm_config c;
    c.warm_addresses = 40;
    // Fresh: short 40: ceil(40 / 16) = 3 prefixes.
    CHECK(summarize(plan_of(c, m5_prefix().eni().build())).units == 3);
    // Max pods 110: 7 full prefixes hold 112 >= 110: never grow.
    auto b = m5_prefix().eni();
    for (int i = 0; i < 7; ++i) b.prefix(16);
    CHECK(plan_of(c, b.build()).empty());
    // Max pods 20 on a fresh node: short 40 wants 3 prefixes, but ceil((20 - 0) / 16) = 2 reach max pods.
    CHECK(summarize(plan_of(c, view_builder(address_mode::prefix, 9, 3, 20).eni().build())).units == 2);
    // Growth in flight or backing off: nothing.
    CHECK(plan_of(c, m5_prefix().eni().growth_in_flight(true).build()).empty());
    CHECK(plan_of(c, m5_prefix().eni().may_grow(false).build()).empty());
}

TEST_CASE("auto_mode_warm keeps the plan rules and its warm target on random pools", "[warm][auto_mode][property]") {
    rc::prop("plans keep the limits; growth when short, release only of excess", [] {
        const enipool::pool_view v = *enipool_test::random_view();
        auto_mode_warm_config c;
        if (*rc::gen::arbitrary<bool>()) c.warm_addresses = *rc::gen::inRange(0u, 64u);
        const auto plan = auto_mode_warm(c).plan(v);
        RC_ASSERT(enipool_test::plan_breaks_rules(v, plan, c.release_delay) == "");
        const auto s = summarize(plan);
        const std::uint64_t warm = c.warm_addresses.value_or(v.mode == address_mode::prefix ? 16u : 1u);
        // Released addresses never take the free count below the warm target.
        std::uint64_t released_addresses = 0;
        for (const auto& cidr : s.released_cidrs) released_addresses += cidr.size();
        RC_ASSERT(released_addresses <= (v.free > warm ? v.free - warm : 0));
        // Growth only when short, and never more units than the shortfall needs.
        if (s.growth_actions > 0) {
            RC_ASSERT(v.free < warm);
            const std::uint64_t unit = v.mode == address_mode::prefix ? 16 : 1;
            RC_ASSERT(static_cast<std::uint64_t>(s.units) <= (warm - v.free + unit - 1) / unit);
        }
        RC_ASSERT(s.detaches == 0);
    });
}
