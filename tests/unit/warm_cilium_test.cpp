// warm/cilium_watermarks.hpp: Cilium's watermark decisions on worked m5.large examples (each
// expectation derived by hand in a comment) and against the plain reference formulas of
// tests/support/warm_reference.hpp on random consistent pool views (RapidCheck).
#include <enipool/warm/cilium_watermarks.hpp>

#include "plan_summary.hpp"
#include "random_view.hpp"
#include "view_builder.hpp"
#include "warm_reference.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using enipool::address_mode;
using enipool::cilium_watermarks;
using enipool::cilium_watermarks_config;
using enipool_test::summarize;
using enipool_test::view_builder;

// m5.large: 3 ENIs x 9 slots besides the primary IP.
view_builder m5(address_mode mode, std::uint64_t max_pods = 0) { return view_builder(mode, 9, 3, max_pods); }

std::vector<enipool::action> plan_of(const cilium_watermarks_config& c, const enipool::pool_view& v) {
    return enipool_test::checked_plan<cilium_watermarks>(c, v);
}

} // namespace

TEST_CASE("cilium: pre-allocate 8 on a fresh m5.large", "[warm][cilium]") {
    const cilium_watermarks_config c;  // pre 8, min 0, max 0, above 0
    // Secondary: avail 0, used 0: needed = 8 - (0 - 0) = 8: 8 IPs on eni-0 (9 free slots).
    auto s = summarize(plan_of(c, m5(address_mode::secondary).eni().build()));
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 8);
    CHECK(s.grow_mode == address_mode::secondary);
    // Prefix: needed 8 addresses: ceil(8 / 16) = 1 prefix.
    s = summarize(plan_of(c, m5(address_mode::prefix).eni().build()));
    CHECK(s.units == 1);
    CHECK(s.grow_mode == address_mode::prefix);
}

TEST_CASE("cilium: needed counts only free addresses; the ENI's free slots cap the request", "[warm][cilium]") {
    const cilium_watermarks_config c;
    // eni-0: 8 IPs, 3 assigned: needed = 8 - (8 - 3) = 3; eni-0 has 9 - 8 = 1 free slot: 1 IP.
    auto s = summarize(plan_of(c, m5(address_mode::secondary).eni().secondaries(3, 'a').secondaries(5, 'f').build()));
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 1);
    // A cooling address is used, not free: 3 assigned + 2 cooling + 3 free: needed 8 - 3 = 5.
    s = summarize(plan_of(c, m5(address_mode::secondary).eni().secondaries(3, 'a').secondaries(2, 'c').secondaries(3, 'f').build()));
    CHECK(s.units == 1);  // still capped by eni-0's one free slot
    CHECK(cilium_watermarks(c).needed(m5(address_mode::secondary).eni().secondaries(3, 'a').secondaries(2, 'c')
                                          .secondaries(3, 'f').build()) == 5);
    // Prefix: one prefix with 10 assigned: 6 free: needed 2: 1 prefix.
    s = summarize(plan_of(c, m5(address_mode::prefix).eni().prefix(10).build()));
    CHECK(s.units == 1);
    // 8 free already: needed 0, nothing.
    CHECK(plan_of(c, m5(address_mode::prefix).eni().prefix(8).build()).empty());
}

TEST_CASE("cilium: max-above-watermark, min-allocate and max-allocate", "[warm][cilium]") {
    cilium_watermarks_config c;
    // Above 4: needed 8, ask 8 + 4 = 12, eni-0 has 9 slots: 9 IPs.
    c.max_above_watermark = 4;
    CHECK(summarize(plan_of(c, m5(address_mode::secondary).eni().build())).units == 9);
    // In prefix mode: 12 addresses: ceil(12 / 16) = 1 prefix.
    CHECK(summarize(plan_of(c, m5(address_mode::prefix).eni().build())).units == 1);
    // Min 40 (above 0): needed = max(8 - 0, 40 - 0) = 40: prefix mode ceil(40 / 16) = 3.
    c = {};
    c.min_allocate = 40;
    CHECK(summarize(plan_of(c, m5(address_mode::prefix).eni().build())).units == 3);
    // Max 10: eni-0 has 9 IPs, 5 assigned: needed = 8 - 4 = 4, but 9 + 4 > 10: 10 - 9 = 1;
    // eni-0 is full: attach with 1 IP.
    c = {};
    c.max_allocate = 10;
    auto s = summarize(plan_of(c, m5(address_mode::secondary).eni().secondaries(5, 'a').secondaries(4, 'f').build()));
    CHECK(s.attach);
    CHECK(s.units == 1);
    // At max (10 held): nothing more, whatever is free.
    CHECK(plan_of(c, m5(address_mode::secondary).eni().secondaries(9, 'a').eni().secondary('a').build()).empty());
}

TEST_CASE("cilium: excess goes back after 180 s, as whole /28s in prefix mode", "[warm][cilium][release]") {
    const cilium_watermarks_config c;
    // One prefix with 10 assigned, three wholly free since 0 s: avail 64, used 10:
    // excess = 64 - 10 - 8 - 0 = 46: 46 / 16 = 2 whole /28s.
    auto b = m5(address_mode::prefix).eni().prefix(10).prefix(0, 0, 0s).prefix(0, 0, 0s).prefix(0, 0, 0s);
    CHECK(plan_of(c, b.now(179s).build()).empty());  // free for 179 s < 180 s
    auto s = summarize(plan_of(c, b.now(180s).build()));
    CHECK(s.released == 2);
    for (const auto& cidr : s.released_cidrs) CHECK(cidr.length() == 28);
    // Secondary: eni-0 1 assigned + 8 free, eni-1 9 free, all free since 0 s, now 200 s:
    // avail 18, used 1: excess = 18 - 1 - 8 = 9 /32s.
    auto sec = m5(address_mode::secondary).now(200s).eni().secondary('a').secondaries(8, 'f').eni().secondaries(9, 'f');
    CHECK(summarize(plan_of(c, sec.build())).released == 9);
    // release_excess off: nothing.
    cilium_watermarks_config keep;
    keep.release_excess = false;
    CHECK(plan_of(keep, sec.build()).empty());
    // min-allocate 15 (enipool's floor): min(9, 18 - 15) = 3.
    cilium_watermarks_config floor;
    floor.min_allocate = 15;
    CHECK(summarize(plan_of(floor, sec.build())).released == 3);
}

TEST_CASE("cilium: the initial min-allocate + max-above-watermark socket is kept", "[warm][cilium][release]") {
    // pre 2, min 10, above 4: 14 free IPs held (9 on eni-0, 5 on eni-1), none used:
    // used 0 <= 14 and avail 14 <= 14: excess 0 (without that rule: 14 - 0 - 2 - 4 = 8).
    cilium_watermarks_config c;
    c.pre_allocate = 2;
    c.min_allocate = 10;
    c.max_above_watermark = 4;
    const auto v = m5(address_mode::secondary).now(1000s).eni().secondaries(9, 'f').eni().secondaries(5, 'f').build();
    CHECK(cilium_watermarks(c).excess(v) == 0);
    CHECK(plan_of(c, v).empty());
}

TEST_CASE("cilium: limits and in-flight rules", "[warm][cilium][limits]") {
    const cilium_watermarks_config c;
    // 3 full ENIs, all assigned: needed 8 but no slot and no ENI left: nothing.
    auto full = m5(address_mode::secondary).eni().secondaries(9, 'a').eni().secondaries(9, 'a').eni().secondaries(9, 'a');
    CHECK(plan_of(c, full.build()).empty());
    // Max pods 12, eni-0 9 assigned: attach min(8, 9, 12 - 9 = 3) = 3.
    auto s = summarize(plan_of(c, m5(address_mode::secondary, 12).eni().secondaries(9, 'a').build()));
    CHECK(s.attach);
    CHECK(s.units == 3);
    CHECK(plan_of(c, m5(address_mode::secondary).eni().growth_in_flight(true).build()).empty());
    CHECK(plan_of(c, m5(address_mode::secondary).eni().may_grow(false).build()).empty());
}

TEST_CASE("cilium_watermarks::plan agrees with the reference formulas on random pools", "[warm][cilium][property]") {
    rc::prop("growth and releases match warm_reference", [] {
        const enipool::pool_view v = *enipool_test::random_view();
        cilium_watermarks_config c;
        warm_ref::cilium_knobs k;
        k.pre = c.pre_allocate = *rc::gen::inRange(0u, 40u);
        k.min = c.min_allocate = *rc::gen::element(0u, 0u, 10u, 50u, 100u);
        k.max = c.max_allocate = *rc::gen::element(0u, 0u, 20u, 100u, 300u);
        k.max_above = c.max_above_watermark = *rc::gen::element(0u, 0u, 4u, 16u);
        const long delay = *rc::gen::element(0L, 180L);
        c.release_delay = std::chrono::seconds{delay};
        k.release_delay_s = delay;

        const auto plan = cilium_watermarks(c).plan(v);
        RC_ASSERT(enipool_test::plan_breaks_rules(v, plan, c.release_delay) == "");
        const auto s = summarize(plan);
        RC_ASSERT(enipool_test::differs_from_reference(v, s, warm_ref::cilium_expect_growth(v, k),
                                                       warm_ref::cilium_expect_released(v, k)) == "");
        RC_ASSERT(s.detaches == 0);  // Cilium never detaches ENIs
    });
}
