// warm/vpc_cni_warm.hpp: the VPC CNI's warm-pool decisions on worked m5.large examples (each
// expectation derived by hand in a comment) and against the plain reference formulas of
// tests/support/warm_reference.hpp on random consistent pool views (RapidCheck).
#include <enipool/warm/vpc_cni_warm.hpp>

#include "plan_summary.hpp"
#include "random_view.hpp"
#include "view_builder.hpp"
#include "warm_reference.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <chrono>
#include <optional>

namespace {

using namespace std::chrono_literals;
using enipool::address_mode;
using enipool::vpc_cni_warm;
using enipool::vpc_cni_warm_config;
using enipool_test::summarize;
using enipool_test::view_builder;

// m5.large: 3 ENIs x 10 IPv4 addresses: 9 slots per ENI besides the primary IP.
// Max pods 29 in secondary mode, 110 in prefix mode (docs/domain.md section 2).
constexpr unsigned m5_slots = 9;
constexpr unsigned m5_enis = 3;

view_builder m5_secondary(std::uint64_t max_pods = 29) {
    return view_builder(address_mode::secondary, m5_slots, m5_enis, max_pods);
}
view_builder m5_prefix(std::uint64_t max_pods = 110) {
    return view_builder(address_mode::prefix, m5_slots, m5_enis, max_pods);
}

std::vector<enipool::action> plan_of(const vpc_cni_warm_config& c, const enipool::pool_view& v) {
    return enipool_test::checked_plan<vpc_cni_warm>(c, v);
}

vpc_cni_warm_config ip_targets(unsigned warm_ip, unsigned min_ip) {
    vpc_cni_warm_config c;
    c.warm_ip_target = warm_ip;
    c.minimum_ip_target = min_ip;
    return c;
}

} // namespace

// --- secondary-IP mode, WARM_ENI_TARGET = 1 (the default) ----------------------------------

TEST_CASE("m5.large secondary, WARM_ENI_TARGET=1: a fresh node fills its primary ENI",
          "[warm][vpc_cni][secondary]") {
    // total 0, available 0 < 9 (max_ips_per_eni) * 1 (target): too low.
    // First ENI with a free slot is eni-0 (0 of 9 used): ask min(9 - 0, 9) = 9 IPs.
    const auto v = m5_secondary().eni().build();
    const auto s = summarize(plan_of({}, v));
    CHECK(s.growth_actions == 1);
    CHECK_FALSE(s.attach);
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 9);
    CHECK(s.grow_mode == address_mode::secondary);
}

TEST_CASE("m5.large secondary, WARM_ENI_TARGET=1: one pod on a full ENI attaches a whole warm ENI",
          "[warm][vpc_cni][secondary]") {
    // eni-0 holds 9 IPs, 1 assigned: available 8 < 9: too low. eni-0 has no free slot, 1 ENI
    // serves pods < 3: attach one with min(9, 9, ceil((29 - 9) / 1) = 20) = 9 IPs at device 1.
    const auto v = m5_secondary().eni().secondaries(1, 'a').secondaries(8, 'f').build();
    const auto plan = plan_of({}, v);
    REQUIRE(plan.size() == 1);
    const auto& a = std::get<enipool::attach_eni>(plan[0]);
    CHECK(a.count == 9);
    CHECK(a.mode == address_mode::secondary);
    CHECK(a.device_index == 1);
}

TEST_CASE("m5.large secondary, WARM_ENI_TARGET=1: a warm ENI's worth is enough, and IPs are never freed",
          "[warm][vpc_cni][secondary]") {
    // eni-0: 9 IPs, 5 assigned; eni-1: 9 free. available 4 + 9 = 13 >= 9: not too low.
    // Too high? Secondary mode without IP targets never frees single IPs. Detach eni-1? The
    // rest would have available 4 < 9: too low, so no. Nothing to do.
    const auto v = m5_secondary().now(600s).eni().secondaries(5, 'a').secondaries(4, 'f').eni().secondaries(9, 'f').build();
    CHECK(plan_of({}, v).empty());
}

TEST_CASE("m5.large secondary, WARM_ENI_TARGET=1: detach an idle ENI that is not needed, not before 1 minute",
          "[warm][vpc_cni][secondary][detach]") {
    // eni-0, eni-1, eni-2 each 9 free IPs, no pods: available 27. Not too low; no release
    // (WARM_ENI_TARGET). eni-2 (the last candidate): no pod, no cooling; without it available
    // 18 >= 9: detachable if it is at least 60 s old.
    const auto old_enough = m5_secondary().now(200s).eni().secondaries(9, 'f').eni(0s).secondaries(9, 'f')
                                .eni(100s).secondaries(9, 'f').build();
    auto s = summarize(plan_of({}, old_enough));  // eni-2 attached at 100 s: 100 s old
    CHECK(s.detaches == 1);
    CHECK(s.detach_eni == "eni-2");
    // At 150 s eni-2 is 50 s old: too young; eni-1 (150 s old) goes instead (rest: 18 >= 9).
    auto young = old_enough;
    young.now = 150s;
    s = summarize(plan_of({}, young));
    CHECK(s.detach_eni == "eni-1");
    // The primary ENI is never detached: with eni-1 and eni-2 gone only eni-0 is left.
    auto only_primary = m5_secondary().now(200s).eni().secondaries(9, 'f').build();
    CHECK(plan_of({}, only_primary).empty());
}

TEST_CASE("an ENI with a cooling address or a pod is not detached", "[warm][vpc_cni][detach]") {
    // eni-2 has one cooling IP (or one pod): never detached even though the rest has 18 free.
    for (char state : {'c', 'a'}) {
        const auto v = m5_secondary(0).now(200s).eni().secondaries(9, 'f').eni().secondaries(9, 'f')
                           .eni().secondary(state).secondaries(8, 'f').build();
        const auto s = summarize(plan_of({}, v));
        // eni-1 is detachable instead: without it available is 9 + 8 = 17 >= 9.
        CHECK(s.detach_eni == "eni-1");
    }
}

// --- cooling counted or not ----------------------------------------------------------------

TEST_CASE("cooling addresses: the VPC CNI's counting stalls growth, enipool's does not",
          "[warm][vpc_cni][cooling]") {
    // eni-0: 9 IPs all assigned; eni-1: 9 IPs all cooling (just released by pods).
    // VPC CNI: available = total - assigned = 18 - 9 = 9 >= 9: not too low, nothing happens
    // and new pods wait for the cooldown. enipool: available = free = 0 < 9: too low; both
    // ENIs full, 2 < 3 ENIs: attach a third with min(9, 9, 29 - 18 = 11) = 9 IPs.
    const auto v = m5_secondary().eni().secondaries(9, 'a').eni().secondaries(9, 'c').build();
    vpc_cni_warm_config buggy;
    buggy.count_cooling_as_available = true;
    CHECK(plan_of(buggy, v).empty());
    const auto s = summarize(plan_of({}, v));
    CHECK(s.attach);
    CHECK(s.units == 9);
    CHECK(vpc_cni_warm(buggy).available(vpc_cni_warm::counts_of(v)) == 9);
    CHECK(vpc_cni_warm(vpc_cni_warm_config{}).available(vpc_cni_warm::counts_of(v)) == 0);
}

// --- WARM_IP_TARGET = 5, MINIMUM_IP_TARGET = 10 ------------------------------------------

TEST_CASE("m5.large secondary, WARM_IP_TARGET=5 MINIMUM_IP_TARGET=10: growth", "[warm][vpc_cni][warm_ip]") {
    const auto c = ip_targets(5, 10);
    // Fresh: short = max(5 - 0, 0, 10 - 0) = 10. eni-0 has 9 free slots: min(9, 10) = 9 IPs.
    auto s = summarize(plan_of(c, m5_secondary().eni().build()));
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 9);
    // eni-0 holds 9 free: short = max(5 - 9, 0, 10 - 9) = 1; eni-0 is full: attach with 1 IP.
    s = summarize(plan_of(c, m5_secondary().eni().secondaries(9, 'f').build()));
    CHECK(s.attach);
    CHECK(s.units == 1);
    // eni-0 9 IPs (8 assigned), eni-1 1 free IP: total 10, available 2:
    // short = max(5 - 2, 0, 10 - 10) = 3: fill eni-1 (8 free slots) with min(8, 3) = 3.
    s = summarize(plan_of(c, m5_secondary().eni().secondaries(8, 'a').secondary('f').eni().secondary('f').build()));
    CHECK(s.grow_eni == "eni-1");
    CHECK(s.units == 3);
    // total 10, 3 assigned: available 7, short = max(-2, 0, 0) = 0; over = max(min(7 - 5, 10 -
    // 10), 0) = 0: nothing either way.
    CHECK(plan_of(c, m5_secondary().eni().secondaries(3, 'a').secondaries(6, 'f').eni().secondary('f').build()).empty());
}

TEST_CASE("m5.large secondary, WARM_IP_TARGET=5 MINIMUM_IP_TARGET=10: shrink at most every 30 s",
          "[warm][vpc_cni][warm_ip][shrink]") {
    const auto c = ip_targets(5, 10);
    // eni-0: 2 assigned + 7 free; eni-1: 9 free. total 18, available 16.
    // short = max(5 - 16, 0, 10 - 18) = 0; over = max(min(16 - 5 = 11, 18 - 10 = 8), 0) = 8:
    // release 8 /32s, in ENI order: eni-0's 7 free, then 1 of eni-1.
    auto b = m5_secondary().now(100s).eni().secondaries(2, 'a').secondaries(7, 'f').eni().secondaries(9, 'f');
    auto s = summarize(plan_of(c, b.build()));
    CHECK(s.released == 8);
    CHECK(s.release_enis == std::vector<std::string>{"eni-0", "eni-1"});
    for (const auto& cidr : s.released_cidrs) CHECK(cidr.length() == 32);
    // The last shrink was 10 s ago: nothing; 30 s ago: the same 8.
    CHECK(plan_of(c, b.last_shrink(90s).build()).empty());
    CHECK(summarize(plan_of(c, b.last_shrink(70s).build())).released == 8);
    // A release already in flight: nothing.
    CHECK(plan_of(c, b.last_shrink(0s).shrink_in_flight(true).build()).empty());
}

TEST_CASE("m5.large prefix, WARM_IP_TARGET=5 MINIMUM_IP_TARGET=10", "[warm][vpc_cni][warm_ip][prefix]") {
    const auto c = ip_targets(5, 10);
    // Fresh: short = max(5, 0, 10) = 10 addresses: max(1, ceil(10 / 16)) = 1 prefix on eni-0.
    auto s = summarize(plan_of(c, m5_prefix().eni().build()));
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 1);
    CHECK(s.grow_mode == address_mode::prefix);
    // One prefix, 0 assigned: total 16, available 16: short = max(-11, 0, -6) = 0. over_prefixes
    // = max(min(1, 1 - ceil(5 / 16) = 0, 1 - ceil(10 / 16) = 0), 0) = 0: nothing.
    CHECK(plan_of(c, m5_prefix().now(100s).eni().prefix(0).build()).empty());
    // One prefix with 12 assigned: available 4: short = 1: max(1, ceil(1 / 16)) = 1 prefix.
    s = summarize(plan_of(c, m5_prefix().eni().prefix(12).build()));
    CHECK(s.units == 1);
    // Three prefixes: 12 assigned in one, two wholly free: over_prefixes = max(min(2, 3 -
    // ceil((12 + 5) / 16) = 1, 3 - ceil(10 / 16) = 2), 0) = 1: release one /28.
    s = summarize(plan_of(c, m5_prefix().now(100s).eni().prefix(12).prefix(0).prefix(0).build()));
    CHECK(s.released == 1);
    REQUIRE(s.released_cidrs.size() == 1);
    CHECK(s.released_cidrs[0].length() == 28);
}

// --- prefix mode: WARM_PREFIX_TARGET -------------------------------------------------------

TEST_CASE("m5.large prefix, default targets (WARM_PREFIX_TARGET unset, ipamd's 0)", "[warm][vpc_cni][prefix]") {
    // WARM_ENI_TARGET=1 (the default) plays no part in prefix mode: ipamd's too-low test
    // uses unit 16 and target WARM_PREFIX_TARGET there (docs/domain.md section 4).
    // Fresh: available 0, target 0: too low by (target == 0 && available == 0).
    // Without IP targets: max(1, 0 - 0) = 1 prefix on eni-0.
    auto s = summarize(plan_of({}, m5_prefix().eni().build()));
    CHECK(s.units == 1);
    CHECK(s.grow_eni == "eni-0");
    // One prefix, 3 assigned: available 13 >= 16 * 0 and not 0: not too low; free prefixes
    // 0 - 0 = 0 over: nothing. A partly used prefix counts.
    CHECK(plan_of({}, m5_prefix().now(100s).eni().prefix(3).build()).empty());
    // Two prefixes, one full and one wholly free: free_prefixes 1 > 0: release it.
    s = summarize(plan_of({}, m5_prefix().now(100s).eni().prefix(16).prefix(0).build()));
    CHECK(s.released == 1);
}

TEST_CASE("m5.large prefix, WARM_PREFIX_TARGET=1", "[warm][vpc_cni][prefix]") {
    vpc_cni_warm_config c;
    c.warm_prefix_target = 1;
    // One prefix with 1 pod: available 15 < 16 * 1: too low; ask max(1, 1 - 0) = 1 prefix.
    auto s = summarize(plan_of(c, m5_prefix().eni().prefix(1).build()));
    CHECK(s.units == 1);
    CHECK(s.grow_eni == "eni-0");
    // Then: 1 pod + one wholly free prefix: available 31 >= 16; free prefixes 1, not > 1:
    // nothing to release.
    CHECK(plan_of(c, m5_prefix().now(100s).eni().prefix(1).prefix(0).build()).empty());
    // Three wholly free beside a full one: 3 > 1: release 3 - 1 = 2.
    s = summarize(plan_of(c, m5_prefix().now(100s).eni().prefix(16).prefix(0).prefix(0).prefix(0).build()));
    CHECK(s.released == 2);
    // WARM_PREFIX_TARGET=3 with 1 free prefix: available 16 < 48: ask max(1, 3 - 1) = 2.
    c.warm_prefix_target = 3;
    s = summarize(plan_of(c, m5_prefix().eni().prefix(16).prefix(0).build()));
    CHECK(s.units == 2);
}

TEST_CASE("m5.large prefix, WARM_PREFIX_TARGET=2: an ENI holding the only free prefix stays",
          "[warm][vpc_cni][prefix][detach]") {
    vpc_cni_warm_config c;
    c.warm_prefix_target = 2;
    // eni-0: 4 prefixes with 1 pod each (available 60); eni-1 (attached at 0 s, now 600 s):
    // one wholly free prefix. available 76 >= 16 * 2: not too low; free prefixes 1, not > 2:
    // no release. Detach eni-1? The rest has available 60 >= 32 (not too low) but 0 wholly
    // free prefixes < WARM_PREFIX_TARGET 2: it stays.
    auto b = m5_prefix().now(600s).eni().prefix(1).prefix(1).prefix(1).prefix(1).eni(0s).prefix(0);
    CHECK(plan_of(c, b.build()).empty());
    // With two wholly free prefixes on eni-0 besides, the rest keeps 2: eni-1 goes. (free
    // prefixes 3 > 2 would release one first: releases wait for the 30 s interval here.)
    b = m5_prefix().now(600s).last_shrink(590s).eni().prefix(1).prefix(0).prefix(0).eni(0s).prefix(0);
    const auto s = summarize(plan_of(c, b.build()));
    CHECK(s.released == 0);
    CHECK(s.detach_eni == "eni-1");
}

TEST_CASE("release delay: a wholly free CIDR goes back only once it has been free long enough",
          "[warm][vpc_cni][shrink]") {
    vpc_cni_warm_config c;
    c.release_delay = 60s;
    // free_prefixes 1 > 0 (target unset): one to release, free since 70 s.
    auto b = m5_prefix().eni().prefix(16).prefix(0, 0, 70s);
    CHECK(plan_of(c, b.now(129s).build()).empty());                // free for 59 s
    CHECK(summarize(plan_of(c, b.now(130s).build())).released == 1);  // free for 60 s
}

// --- limits ---------------------------------------------------------------------------------

TEST_CASE("growth stops at max_enis ENIs serving pods", "[warm][vpc_cni][limits]") {
    // 3 full ENIs with every IP assigned: too low (available 0), no ENI has a free slot and
    // 3 ENIs already serve pods: nothing (max pods 0: no ceiling here).
    const auto v = m5_secondary(0).eni().secondaries(9, 'a').eni().secondaries(9, 'a').eni().secondaries(9, 'a').build();
    CHECK(plan_of({}, v).empty());
    // With a trunk ENI the budget is 2 ENIs for pods (usable_enis): 2 full ENIs, nothing.
    auto b = view_builder(address_mode::secondary, m5_slots, 2).eni().secondaries(9, 'a').trunk().eni().secondaries(9, 'a');
    CHECK(plan_of({}, b.build()).empty());
}

TEST_CASE("max pods is a ceiling on what a plan asks for", "[warm][vpc_cni][limits]") {
    // Secondary, max pods 12: eni-0 9 assigned, available 0: too low; attach with
    // min(9, 9, 12 - 9 = 3) = 3 IPs.
    auto s = summarize(plan_of({}, m5_secondary(12).eni().secondaries(9, 'a').build()));
    CHECK(s.attach);
    CHECK(s.units == 3);
    // Prefix, max pods 110, WARM_PREFIX_TARGET=1: 6 full prefixes (96): available 0 < 16:
    // ask 1, cap ceil((110 - 96) / 16) = 1: 1 prefix (total 112: the last unit may pass).
    vpc_cni_warm_config c;
    c.warm_prefix_target = 1;
    auto b = m5_prefix().eni();
    for (int i = 0; i < 6; ++i) b.prefix(16);
    s = summarize(plan_of(c, b.build()));
    CHECK(s.units == 1);
    // 7 full prefixes: total 112 >= 110: never too low.
    CHECK(plan_of(c, b.prefix(16).build()).empty());
}

TEST_CASE("nothing grows while growth is in flight or the growth policy backs off", "[warm][vpc_cni][limits]") {
    auto b = m5_secondary().eni();
    CHECK(plan_of({}, b.growth_in_flight(true).build()).empty());
    CHECK(plan_of({}, b.growth_in_flight(false).may_grow(false).build()).empty());
    CHECK(summarize(plan_of({}, b.may_grow(true).build())).units == 9);
}

TEST_CASE("the growth unit follows view.mode (prefix_first falling back)", "[warm][vpc_cni]") {
    // A prefix node that fell back: view.mode is secondary while the ENI holds a full prefix.
    // WARM_ENI_TARGET=1 in secondary mode: available 0 < 9: ask min(8 free slots, 9) = 8 IPs.
    auto v = m5_prefix().eni().prefix(16).build();
    v.mode = address_mode::secondary;
    const auto s = summarize(plan_of({}, v));
    CHECK(s.grow_mode == address_mode::secondary);
    CHECK(s.units == 8);
}

// --- differential: plan() against the plain formulas on random views ------------------------

TEST_CASE("vpc_cni_warm::plan agrees with the reference formulas on random pools", "[warm][vpc_cni][property]") {
    rc::prop("growth, releases and detach match warm_reference", [] {
        const enipool::pool_view v = *enipool_test::random_view();
        vpc_cni_warm_config c;
        warm_ref::vpc_knobs k;
        c.warm_eni_target = *rc::gen::inRange(0u, 3u);
        k.warm_eni = c.warm_eni_target;
        if (*rc::gen::inRange(0, 3) == 0) k.warm_ip = *(c.warm_ip_target = *rc::gen::inRange(0u, 40u));
        if (*rc::gen::inRange(0, 3) == 0) k.min_ip = *(c.minimum_ip_target = *rc::gen::inRange(0u, 60u));
        if (*rc::gen::inRange(0, 2) == 0) k.warm_prefix = *(c.warm_prefix_target = *rc::gen::inRange(0u, 4u));
        k.cooling_is_available = c.count_cooling_as_available = *rc::gen::arbitrary<bool>();
        const long delay = *rc::gen::element(0L, 60L);
        c.release_delay = std::chrono::seconds{delay};
        k.release_delay_s = delay;

        const auto plan = vpc_cni_warm(c).plan(v);
        const std::string broken = enipool_test::plan_breaks_rules(v, plan, c.release_delay);
        RC_ASSERT(broken == "");
        const auto s = summarize(plan);

        RC_ASSERT(enipool_test::differs_from_reference(v, s, warm_ref::vpc_expect_growth(v, k),
                                                       warm_ref::vpc_expect_released(v, k)) == "");
        RC_ASSERT(s.detach_eni == warm_ref::vpc_expect_detach(v, k));
        // Growth, release and detach never share a plan.
        RC_ASSERT((s.growth_actions > 0) + (s.released > 0) + (s.detaches > 0) <= 1);
    });
}
