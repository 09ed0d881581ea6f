// warm/cilium_watermarks.hpp: Cilium's watermark decisions on worked m5.large examples (each
// expectation derived by hand in a comment) and against the plain reference formulas of
// tests/support/cilium_reference.hpp on random consistent pool views (RapidCheck).
#include <enipool/warm/cilium_watermarks.hpp>

#include "plan_summary.hpp"
#include "random_view.hpp"
#include "view_builder.hpp"
#include "cilium_reference.hpp"

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

// Release on, with pre-allocate, min-allocate and max-above-watermark.
cilium_watermarks_config releasing(int pre, unsigned min, unsigned mab) {
    cilium_watermarks_config c;
    c.release_excess = true;
    c.pre_allocate = pre;
    c.min_allocate = min;
    c.max_above_watermark = mab;
    return c;
}

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
    const auto nine = m5(address_mode::secondary).eni().secondaries(5, 'a').secondaries(4, 'f');
    auto s = summarize(plan_of(c, nine.build()));
    CHECK(s.attach);
    CHECK(s.units == 1);
    // At max (10 held): nothing more, whatever is free.
    CHECK(plan_of(c, m5(address_mode::secondary).eni().secondaries(9, 'a').eni().secondary('a').build()).empty());
    // Above 4 with max 10: Cilium asks needed 1 + 4 = 5, past max-allocate (not capped);
    // cap_growth_at_max_allocate asks min(5, 10 - 9) = 1.
    c.max_above_watermark = 4;
    CHECK(summarize(plan_of(c, nine.build())).units == 5);
    c.cap_growth_at_max_allocate = true;
    CHECK(summarize(plan_of(c, nine.build())).units == 1);
}

TEST_CASE("cilium: pre-allocate 0 means 8; negative passes through", "[warm][cilium]") {
    cilium_watermarks_config c;
    c.pre_allocate = 0;
    // getPreAllocate: 0 -> 8: a fresh node gets 8 IPs.
    CHECK(summarize(plan_of(c, m5(address_mode::secondary).eni().build())).units == 8);
    // zero_pre_allocate_means_zero: nothing.
    c.zero_pre_allocate_means_zero = true;
    CHECK(plan_of(c, m5(address_mode::secondary).eni().build()).empty());
    // Pre -1, min 10, 10 held, 8 used: needed = max(-1 - 2, 10 - 10) = 0.
    c = {};
    c.pre_allocate = -1;
    c.min_allocate = 10;
    CHECK(plan_of(c, m5(address_mode::secondary).eni().secondaries(8, 'a').secondaries(2, 'f').build()).empty());
}

TEST_CASE("cilium: excess is kept by default; released with release_excess", "[warm][cilium][release]") {
    // Secondary: eni-0 1 assigned + 8 free, eni-1 9 free, all free since 0 s, now 200 s:
    // avail 18, used 1: excess = 18 - 1 - 8 = 9.
    auto sec = m5(address_mode::secondary).now(200s).eni().secondary('a').secondaries(8, 'f').eni().secondaries(9, 'f');
    CHECK(plan_of(cilium_watermarks_config{}, sec.build()).empty());  // --aws-release-excess-ips false
    cilium_watermarks_config c;
    c.release_excess = true;
    CHECK(cilium_watermarks(c).excess(sec.build()) == 9);
    // One ENI per round, the one with most releasable: eni-0 min(8, 9) = 8, eni-1 min(9, 9) = 9.
    auto s = summarize(plan_of(c, sec.build()));
    CHECK(s.released == 9);
    CHECK(s.release_enis == std::vector<std::string>{"eni-1"});
    // release_across_enis: eni-0's 8 then 1 of eni-1's.
    c.release_across_enis = true;
    s = summarize(plan_of(c, sec.build()));
    CHECK(s.released == 9);
    CHECK(s.release_enis == std::vector<std::string>{"eni-0", "eni-1"});
    // Not before the delay (free since 0 s, now 179 s).
    CHECK(plan_of(c, sec.now(179s).build()).empty());
}

TEST_CASE("cilium: cilium#28467 excess, and the legacy formula with its min floor", "[warm][cilium][release]") {
    // pre 4, min 15, above 4; 27 IPs held, 10 used: used 10 <= 19, avail 27 > 19, used + pre
    // 14 <= 19: excess 27 - 15 - 4 = 8. Legacy: 27 - 10 - 4 - 4 = 9, floor 27 - 15 = 12: 9.
    cilium_watermarks_config c = releasing(4, 15, 4);
    const auto v = m5(address_mode::secondary).eni().secondaries(9, 'a').eni().secondary('a').secondaries(8, 'f')
                       .eni().secondaries(9, 'f').build();
    CHECK(cilium_watermarks(c).excess(v) == 8);
    c.legacy_excess_with_min_floor = true;
    CHECK(cilium_watermarks(c).excess(v) == 9);
    // The floor: pre 8, min 15, 18 held, 1 used: legacy 18 - 1 - 8 = 9, floored at 18 - 15 = 3.
    c.pre_allocate = 8;
    c.max_above_watermark = 0;
    const auto w = m5(address_mode::secondary).eni().secondary('a').secondaries(8, 'f').eni().secondaries(9, 'f').build();
    CHECK(cilium_watermarks(c).excess(w) == 3);
}

TEST_CASE("cilium: prefix mode counts a touched /28 as 16 used and keeps prefixes", "[warm][cilium][release]") {
    // One prefix with 10 assigned, three wholly free since 0 s: avail 64, used 10, used
    // with prefixes 16: excess = 64 - 16 - 8 = 40 (exactly: 64 - 10 - 8 = 46).
    cilium_watermarks_config c;
    c.release_excess = true;
    auto b = m5(address_mode::prefix).now(180s).eni().prefix(10).prefix(0, 0, 0s).prefix(0, 0, 0s).prefix(0, 0, 0s);
    CHECK(cilium_watermarks(c).excess(b.build()) == 40);
    // The ENI holds prefixes: Cilium's release skips it: nothing.
    CHECK(plan_of(c, b.build()).empty());
    // release_whole_prefixes: /28s while 16 fit in 40: 2.
    c.release_whole_prefixes = true;
    auto s = summarize(plan_of(c, b.build()));
    CHECK(s.released == 2);
    for (const auto& cidr : s.released_cidrs) CHECK(cidr.length() == 28);
    CHECK(plan_of(c, b.now(179s).build()).empty());  // free for 179 s < 180 s
    // count_used_exactly_in_prefix_mode: 46.
    c.count_used_exactly_in_prefix_mode = true;
    CHECK(cilium_watermarks(c).excess(b.build()) == 46);
}

TEST_CASE("cilium: the initial min-allocate + max-above-watermark socket is kept", "[warm][cilium][release]") {
    // pre 2, min 10, above 4: 14 free IPs held (9 on eni-0, 5 on eni-1), none used:
    // used 0 <= 14 and avail 14 <= 14: excess 0 (without that rule: 14 - 0 - 2 - 4 = 8).
    const cilium_watermarks_config c = releasing(2, 10, 4);
    const auto v = m5(address_mode::secondary).now(1000s).eni().secondaries(9, 'f').eni().secondaries(5, 'f').build();
    CHECK(cilium_watermarks(c).excess(v) == 0);
    CHECK(plan_of(c, v).empty());
}

TEST_CASE("cilium: limits, new ENI size and in-flight rules", "[warm][cilium][limits]") {
    cilium_watermarks_config c;
    // 3 full ENIs, all assigned: needed 8 but no slot and no ENI left: nothing.
    auto full = m5(address_mode::secondary).eni().secondaries(9, 'a').eni().secondaries(9, 'a').eni().secondaries(9, 'a');
    CHECK(plan_of(c, full.build()).empty());
    // Max pods 12, eni-0 9 assigned: Cilium attaches min(8, 9) = 8 (no max-pods clip);
    // clip_growth_to_max_pods: min(8, 12 - 9) = 3.
    const auto at9 = m5(address_mode::secondary, 12).eni().secondaries(9, 'a').build();
    auto s = summarize(enipool::cilium_watermarks(c).plan(at9));
    CHECK(s.attach);
    CHECK(s.units == 8);
    c.clip_growth_to_max_pods = true;
    s = summarize(plan_of(c, at9));
    CHECK(s.units == 3);
    // Prefix mode, eni-0's 9 prefixes all assigned, above 32: MaxIPs 8 + 32 = 40; a new ENI
    // gets min(40, 9) addresses = 1 prefix; size_new_eni_in_units: ceil(40 / 16) = 3.
    c = {};
    c.max_above_watermark = 32;
    auto pb = m5(address_mode::prefix).eni();
    for (int i = 0; i < 9; ++i) pb.prefix(16);
    CHECK(summarize(plan_of(c, pb.build())).units == 1);
    c.size_new_eni_in_units = true;
    CHECK(summarize(plan_of(c, pb.build())).units == 3);
    c = {};
    CHECK(plan_of(c, m5(address_mode::secondary).eni().growth_in_flight(true).build()).empty());
    CHECK(plan_of(c, m5(address_mode::secondary).eni().may_grow(false).build()).empty());
}

TEST_CASE("cilium: check_config refuses contradictory settings", "[warm][cilium][config]") {
    cilium_watermarks_config c;
    c.min_allocate = 40;
    c.max_allocate = 20;
    auto r = cilium_watermarks::check_config(c);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == enipool::errc::malformed_config);
    CHECK(r.error().message().find("min-allocate 40 is above max-allocate 20") != std::string::npos);
    c.max_allocate = 40;
    CHECK(cilium_watermarks::check_config(c).has_value());
    c.release_delay = -1s;
    r = cilium_watermarks::check_config(c);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("release delay") != std::string::npos);
    c = {};
    c.pre_allocate = -1;  // Cilium's tests use -1: allowed
    CHECK(cilium_watermarks::check_config(c).has_value());
}

TEST_CASE("cilium_watermarks::plan agrees with the reference formulas on random pools", "[warm][cilium][property]") {
    rc::prop("growth and releases match cilium_reference, by default and with every improvement", [] {
        const enipool::pool_view v = *enipool_test::random_view();
        const bool improved = *rc::gen::arbitrary<bool>();
        cilium_watermarks_config c = improved ? cilium_watermarks_config::improved() : cilium_watermarks_config{};
        warm_ref::cilium_knobs k;
        k.improved = improved;
        k.release = c.release_excess = improved || *rc::gen::arbitrary<bool>();
        k.pre = c.pre_allocate = *rc::gen::inRange(-2, 40);
        k.min = c.min_allocate = *rc::gen::element(0u, 0u, 10u, 50u, 100u);
        k.max = c.max_allocate = *rc::gen::element(0u, 0u, 20u, 100u, 300u);
        k.max_above = c.max_above_watermark = *rc::gen::element(0u, 0u, 4u, 16u);
        const long delay = *rc::gen::element(0L, 180L);
        c.release_delay = std::chrono::seconds{delay};
        k.release_delay_s = delay;

        const auto plan = cilium_watermarks(c).plan(v);
        const auto s = summarize(plan);
        // Shared rules; Cilium's default does not clip growth to max pods (it stops there).
        enipool::pool_view unclipped = v;
        if (!improved) unclipped.max_pods = 0;
        RC_ASSERT(enipool_test::plan_breaks_rules(unclipped, plan, c.release_delay) == "");
        if (v.max_pods != 0 && v.total >= v.max_pods) RC_ASSERT(s.growth_actions == 0);
        const auto g = warm_ref::cilium_expect_growth(v, k);
        RC_ASSERT(s.units == g.units);
        if (g.units > 0) {
            RC_ASSERT(s.attach == g.attach);
            if (!g.attach) RC_ASSERT(s.grow_eni == g.eni_id);
        }
        const auto r = warm_ref::cilium_expect_released(v, k);
        long long addresses = 0;
        for (const auto& cidr : s.released_cidrs) addresses += cidr.length() == 28 ? 16 : 1;
        RC_ASSERT(s.released == r.cidrs);
        RC_ASSERT(addresses == r.addresses);
        if (!improved) RC_ASSERT(s.release_enis.size() <= 1u);  // one ENI per round
        RC_ASSERT(s.detaches == 0);  // Cilium never detaches ENIs
    });
}
