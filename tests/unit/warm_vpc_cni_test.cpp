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
    // serves pods < 3: attach one with min(9 slots, maxIPsPerENI 9) = 9 IPs at device 1.
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
    // Too high? Secondary mode without IP targets never frees single IPs. Free an ENI? The
    // gate: available 13 < (WARM_ENI_TARGET + 1) * 9 = 18, so ipamd does not look. Nothing.
    const auto v = m5_secondary().now(600s).eni().secondaries(5, 'a').secondaries(4, 'f').eni().secondaries(9, 'f').build();
    CHECK(plan_of({}, v).empty());
}

TEST_CASE("m5.large secondary, WARM_ENI_TARGET=1: detach an idle ENI that is not needed, not before 1 minute",
          "[warm][vpc_cni][secondary][detach]") {
    // eni-0, eni-1, eni-2 each 9 free IPs, no pods: available 27. Not too low; no release
    // (WARM_ENI_TARGET). Gate: 27 >= (1 + 1) * 9. eni-2 (the last candidate): no pod, no
    // cooling, and without IP targets nothing else is checked: freed if at least 60 s old.
    const auto old_enough = m5_secondary().now(200s).eni().secondaries(9, 'f').eni(0s).secondaries(9, 'f')
                                .eni(100s).secondaries(9, 'f').build();
    auto s = summarize(plan_of({}, old_enough));  // eni-2 attached at 100 s: 100 s old
    CHECK(s.detaches == 1);
    CHECK(s.detach_eni == "eni-2");
    // At 150 s eni-2 is 50 s old: too young; eni-1 (150 s old) goes instead.
    auto young = old_enough;
    young.now = 150s;
    s = summarize(plan_of({}, young));
    CHECK(s.detach_eni == "eni-1");
    // The primary ENI is never detached (and 9 < 18 closes the gate anyway).
    auto only_primary = m5_secondary().now(200s).eni().secondaries(9, 'f').build();
    CHECK(plan_of({}, only_primary).empty());
}

TEST_CASE("an ENI with a cooling address or a pod is not detached", "[warm][vpc_cni][detach]") {
    // eni-2 has one cooling IP (or one pod): never detached even though the rest has 18 free.
    for (char state : {'c', 'a'}) {
        const auto v = m5_secondary(0).now(200s).eni().secondaries(9, 'f').eni().secondaries(9, 'f')
                           .eni().secondary(state).secondaries(8, 'f').build();
        const auto s = summarize(plan_of({}, v));
        // Gate: available 27 (cooling counts) or 26 >= 18. eni-1 is freed instead.
        CHECK(s.detach_eni == "eni-1");
    }
}

// --- cooling counted or not ----------------------------------------------------------------

TEST_CASE("cooling addresses count as available, as in ipamd; exclude_cooling_from_available grows",
          "[warm][vpc_cni][cooling][option]") {
    // eni-0: 9 IPs all assigned; eni-1: 9 IPs all cooling (just released by pods).
    // ipamd: available = total - assigned = 18 - 9 = 9 >= 9: not too low, nothing happens and
    // new pods wait for the cooldown (gate: 9 < 18, no ENI freed). With the option:
    // available = free = 0 < 9: too low; both ENIs full, 2 < 3 ENIs: attach a third with 9 IPs.
    const auto v = m5_secondary().eni().secondaries(9, 'a').eni().secondaries(9, 'c').build();
    CHECK(plan_of({}, v).empty());
    CHECK(vpc_cni_warm(vpc_cni_warm_config{}).available(vpc_cni_warm::counts_of(v)) == 9);
    vpc_cni_warm_config improved;
    improved.exclude_cooling_from_available = true;
    const auto s = summarize(plan_of(improved, v));
    CHECK(s.attach);
    CHECK(s.units == 9);
    CHECK(vpc_cni_warm(improved).available(vpc_cni_warm::counts_of(v)) == 0);
}

// --- 0 means unset ---------------------------------------------------------------------------

TEST_CASE("WARM_IP_TARGET=0 and MINIMUM_IP_TARGET=0 mean unset, as in ipamd; zero_ip_target_means_none",
          "[warm][vpc_cni][warm_ip][option]") {
    // ipamd reads 0 as noWarmIPTarget: WARM_ENI_TARGET=1 stays in charge. eni-0 full of pods:
    // available 0 < 9: attach a warm ENI of 9 IPs, exactly as with both targets unset.
    const auto v = m5_secondary().eni().secondaries(9, 'a').build();
    const auto zero = ip_targets(0, 0);
    CHECK_FALSE(vpc_cni_warm(zero).ip_targets_set());
    const auto s = summarize(plan_of(zero, v));
    CHECK(s.attach);
    CHECK(s.units == 9);
    CHECK(summarize(plan_of({}, v)).units == 9);
    // The option: 0 is "hold no warm IP": short = max(0 - 0, 0, 0 - 9) = 0, never too low.
    auto none = zero;
    none.zero_ip_target_means_none = true;
    CHECK(vpc_cni_warm(none).ip_targets_set());
    CHECK(plan_of(none, v).empty());
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
    // The last shrink was 10 s ago: nothing; exactly 30 s ago: still nothing (ipamd skips while
    // the time since the last decrease is <= 30 s); 31 s ago: the same 8.
    CHECK(plan_of(c, b.last_shrink(90s).build()).empty());
    CHECK(plan_of(c, b.last_shrink(70s).build()).empty());
    CHECK(summarize(plan_of(c, b.last_shrink(69s).build())).released == 8);
    // eni-1 is old and idle but MINIMUM_IP_TARGET needs it: the others hold 9 < 10 addresses.
    CHECK(summarize(plan_of(c, b.last_shrink(69s).build())).detaches == 0);
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
    // no release. Gate: 76 < 3 * 144, but a freeable ENI exists (eni-1). getDeletableENI:
    // the others hold 0 CIDRs without a pod < WARM_PREFIX_TARGET 2: eni-1 is needed, it stays.
    auto b = m5_prefix().now(600s).eni().prefix(1).prefix(1).prefix(1).prefix(1).eni(0s).prefix(0);
    CHECK(plan_of(c, b.build()).empty());
    // With two wholly free prefixes on eni-0 besides, the others keep 2: eni-1 goes. (free
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

TEST_CASE("growth is not clipped to max pods, as in ipamd; clip_growth_to_max_pods clips it",
          "[warm][vpc_cni][limits][option]") {
    // Secondary, max pods 12: eni-0 9 assigned, available 0: too low; ipamd attaches with
    // maxIPsPerENI = 9 IPs (total 18 > 12); clipped: ceil((12 - 9) / 1) = 3.
    const auto secondary = m5_secondary(12).eni().secondaries(9, 'a').build();
    auto s = summarize(plan_of({}, secondary));
    CHECK(s.attach);
    CHECK(s.units == 9);
    vpc_cni_warm_config clipped;
    clipped.clip_growth_to_max_pods = true;
    CHECK(summarize(plan_of(clipped, secondary)).units == 3);
    CHECK(vpc_cni_warm(clipped).clips_growth_to_max_pods());
    CHECK_FALSE(vpc_cni_warm(vpc_cni_warm_config{}).clips_growth_to_max_pods());
    // Prefix, max pods 110, WARM_PREFIX_TARGET=3: 6 full prefixes (96): available 0 < 48:
    // ask max(1, 3 - 0) = 3 prefixes (total 144); clipped: ceil((110 - 96) / 16) = 1.
    vpc_cni_warm_config c;
    c.warm_prefix_target = 3;
    auto b = m5_prefix().eni();
    for (int i = 0; i < 6; ++i) b.prefix(16);
    CHECK(summarize(plan_of(c, b.build())).units == 3);
    clipped.warm_prefix_target = 3;
    CHECK(summarize(plan_of(clipped, b.build())).units == 1);
    // 7 full prefixes: total 112 >= 110: never too low, either way.
    CHECK(plan_of(c, b.prefix(16).build()).empty());
}

// --- freeing ENIs: ipamd's gate and getDeletableENI ------------------------------------------

TEST_CASE("the WARM_ENI_TARGET + 1 gate keeps a spare ENI; strict_detach frees it",
          "[warm][vpc_cni][detach][option]") {
    // eni-0: 9 free IPs; eni-1 (attached at 0 s, now 600 s): 3 free IPs; no pods. available
    // 12 >= 9: not too low. ipamd's gate: 12 < (1 + 1) * 9 = 18: no ENI is looked for.
    const auto v = m5_secondary().now(600s).eni().secondaries(9, 'f').eni(0s).secondaries(3, 'f').build();
    CHECK_FALSE(vpc_cni_warm(vpc_cni_warm_config{}).should_remove_extra_enis(v));
    CHECK(plan_of({}, v).empty());
    // strict_detach has no gate: without eni-1 the rest holds 9 >= 9, so eni-1 goes.
    vpc_cni_warm_config strict;
    strict.strict_detach = true;
    CHECK(summarize(plan_of(strict, v)).detach_eni == "eni-1");
}

TEST_CASE("without IP targets ipamd checks nothing once the gate is open", "[warm][vpc_cni][detach][option]") {
    // eni-0: 9 assigned; eni-1, eni-2 (old): 9 free each. available 18 >= 18: the gate opens,
    // and getDeletableENI without IP targets frees eni-2 (left: 9 available, still >= 9).
    const auto v = m5_secondary().now(600s).eni().secondaries(9, 'a').eni(0s).secondaries(9, 'f')
                       .eni(0s).secondaries(9, 'f').build();
    CHECK(summarize(plan_of({}, v)).detach_eni == "eni-2");
    // WARM_ENI_TARGET=2: available 18 < 27, the gate stays shut.
    vpc_cni_warm_config two;
    two.warm_eni_target = 2;
    CHECK(plan_of(two, v).empty());
    // strict_detach, WARM_ENI_TARGET=2: without eni-2 the rest has 9 < 18: kept.
    two.strict_detach = true;
    CHECK(plan_of(two, v).empty());
    // strict_detach, WARM_ENI_TARGET=0: eni-0 full of pods, eni-1 (old) 3 free. Without eni-1
    // the rest has available 0 with target 0, too low by "target == 0 && available == 0": kept.
    vpc_cni_warm_config zero;
    zero.warm_eni_target = 0;
    zero.strict_detach = true;
    const auto w = m5_secondary().now(600s).eni().secondaries(9, 'a').eni(0s).secondaries(3, 'f').build();
    CHECK(plan_of(zero, w).empty());
}

TEST_CASE("prefix mode rounds WARM_IP_TARGET up to whole /28s when deciding to free an ENI",
          "[warm][vpc_cni][detach][prefix]") {
    // WARM_IP_TARGET=5, prefix mode. eni-0: one /28 with 8 pods (8 warm); eni-1 (old): one
    // wholly free /28. Releases wait for the 30 s interval. getDeletableENI: the others' warm
    // 8 < ceil(5 / 16) * 16 = 16: eni-1 is required.
    vpc_cni_warm_config c;
    c.warm_ip_target = 5;
    const auto v = m5_prefix().now(600s).last_shrink(590s).eni().prefix(8).eni(0s).prefix(0).build();
    const vpc_cni_warm w(c);
    CHECK_FALSE(w.deletable(v, v.enis[1]));
    CHECK(plan_of(c, v).empty());
    // In secondary mode the target is not rounded: 8 warm >= 5, the same ENI may go.
    const auto unrounded = m5_secondary().now(600s).eni().secondaries(1, 'a').secondaries(8, 'f')
                               .eni(0s).secondaries(9, 'f').build();
    CHECK(w.deletable(unrounded, unrounded.enis[1]));
}

TEST_CASE("an ENI excluded from pod IPs may be freed, an EFA ENI never", "[warm][vpc_cni][detach]") {
    // eni-0: 9 free; eni-1 excluded (old, no pod); eni-2 efa (old, 9 free). WARM_IP_TARGET=3
    // opens the gate; getDeletableENI frees eni-1 (excluded ENIs are not skipped), never eni-2.
    vpc_cni_warm_config c;
    c.warm_ip_target = 3;
    const auto v = m5_secondary().now(600s).eni().secondaries(9, 'f').excluded(0s).secondaries(2, 'f')
                       .efa(0s).secondaries(9, 'f').build();
    const vpc_cni_warm w(c);
    CHECK(w.deletable(v, v.enis[1]));
    CHECK_FALSE(w.deletable(v, v.enis[2]));
    CHECK(w.deletable_eni(v) == std::optional<std::string>("eni-1"));
    CHECK(summarize(plan_of(c, v)).detach_eni == "eni-1");
    // strict_detach never frees an excluded ENI.
    c.strict_detach = true;
    CHECK_FALSE(vpc_cni_warm(c).deletable(v, v.enis[1]));
}

TEST_CASE("a /28 whose used addresses only cool is freed, as in ipamd; release_wholly_free_only keeps it",
          "[warm][vpc_cni][shrink][option]") {
    // Prefix mode, WARM_PREFIX_TARGET unset (0): eni-0 holds a full /28 and a /28 with 5
    // cooling addresses and no pod. GetFreePrefixes counts prefixes without a pod: 1 > 0, so
    // one CIDR is over; FindFreeableCidrs ignores the cooldown: the cooling /28 goes.
    const auto v = m5_prefix().now(100s).eni().prefix(16).prefix(0, 5).build();
    auto s = summarize(plan_of({}, v));
    CHECK(s.released == 1);
    REQUIRE(s.released_cidrs.size() == 1);
    CHECK(s.released_cidrs[0] == v.enis[0].freeable[0]);
    vpc_cni_warm_config whole;
    whole.release_wholly_free_only = true;
    CHECK(plan_of(whole, v).empty());
    CHECK(vpc_cni_warm(whole).excess(vpc_cni_warm::counts_of(v)) == 1);
}

TEST_CASE("CIDRs of either kind are freed, as in ipamd; release_current_mode_only keeps the other kind",
          "[warm][vpc_cni][shrink][option]") {
    // Prefix mode, WARM_PREFIX_TARGET unset: eni-0 holds a full /28, a free /32 (left from
    // secondary mode) and two wholly free /28s. free prefixes 2 > 0: two CIDRs over.
    // FindFreeableCidrs lists the /32 and both /28s in slot order, so ipamd frees the /32 and
    // one /28; the option frees the two /28s and keeps the /32.
    const auto v = m5_prefix().now(100s).eni().prefix(16).secondary('f').prefix(0).prefix(0).build();
    auto s = summarize(plan_of({}, v));
    REQUIRE(s.released == 2);
    CHECK(s.released_cidrs[0].length() == 32);  // the /32 comes first on eni-0
    CHECK(s.released_cidrs[1].length() == 28);
    vpc_cni_warm_config mode_only;
    mode_only.release_current_mode_only = true;
    s = summarize(plan_of(mode_only, v));
    REQUIRE(s.released == 2);
    for (const auto& c : s.released_cidrs) CHECK(c.length() == 28);
}

TEST_CASE("check_config refuses negative durations, naming the setting", "[warm][vpc_cni][errors]") {
    vpc_cni_warm_config c;
    CHECK(vpc_cni_warm::check_config(c).has_value());
    c.release_delay = -1s;
    auto r = vpc_cni_warm::check_config(c);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == enipool::errc::malformed_config);
    CHECK(r.error().message().find("release_delay") != std::string::npos);
    c = {};
    c.pass_interval = 0s;
    r = vpc_cni_warm::check_config(c);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message().find("pass_interval") != std::string::npos);
    c = {};
    c.shrink_interval = -5s;
    CHECK(vpc_cni_warm::check_config(c).error().message().find("shrink_interval") != std::string::npos);
}

TEST_CASE("improved() turns every improvement on, with ipamd's default targets", "[warm][vpc_cni][option]") {
    const auto r = vpc_cni_warm_config::improved();
    CHECK(r.warm_eni_target == 1u);
    CHECK_FALSE(r.warm_ip_target);
    CHECK(r.zero_ip_target_means_none);
    CHECK(r.exclude_cooling_from_available);
    CHECK(r.clip_growth_to_max_pods);
    CHECK(r.strict_detach);
    CHECK(r.release_current_mode_only);
    CHECK(r.release_wholly_free_only);
    CHECK(r.back_off_on_refusal);
    CHECK(r.release_delay == 60s);
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

// --- network cards above 0: ipamd's own targets 1 and 1 (ipamd.go L205-207) ------------------

TEST_CASE("card 1: WARM_IP_TARGET and MINIMUM_IP_TARGET are 1 whatever is configured", "[warm][vpc_cni][card]") {
    const vpc_cni_warm w(ip_targets(5, 10));
    CHECK(w.warm_ip(1) == 1);
    CHECK(w.minimum_ip(1) == 1);
    CHECK(w.warm_ip(0) == 5);
    CHECK(vpc_cni_warm(vpc_cni_warm_config{}).ip_targets_set(1));  // no IP target configured: still set on card 1
    // eni-0 of card 1: 3 pods, 1 free IP. total 4, available 1.
    // card 1: short = max(1 - 1, 0, 1 - 4) = 0: not too low; over = min(max(1 - 1, 0), 4 - 1) = 0.
    const auto card1 = m5_secondary().card(1).eni().secondaries(3, 'a').secondary('f').build();
    CHECK(plan_of(ip_targets(5, 10), card1).empty());
    // The same pool on card 0: short = max(5 - 1, 10 - 4) = 6; eni-0 has 9 - 4 = 5 free slots.
    auto card0 = card1;
    card0.network_card = 0;
    const auto s0 = summarize(plan_of(ip_targets(5, 10), card0));
    CHECK(s0.grow_eni == "eni-0");
    CHECK(s0.units == 5);
    // An empty ENI of card 1 with the default config (WARM_ENI_TARGET 1, no IP target):
    // short = max(1 - 0, 1 - 0) = 1 -> one IP, where card 0 asks maxIPsPerENI = 9.
    const auto empty1 = m5_secondary().card(1).eni().build();
    const auto e1 = summarize(plan_of({}, empty1));
    CHECK(e1.grow_eni == "eni-0");
    CHECK(e1.units == 1);
}

TEST_CASE("card 1 in prefix mode: short and over are counted in addresses, not /28s", "[warm][vpc_cni][card][prefix]") {
    // eni-0 of card 1: a full /28 (16 pods) and a wholly free one. total 32, assigned 16,
    // available 16. Card 1 (1/1): short = max(1 - 16, 0, 1 - 32) = 0; over = min(max(16 - 1,
    // 0), 32 - 1) = 15 addresses, taken as 15 CIDRs: the one freeable /28 is released.
    const auto v = m5_prefix().card(1).eni().prefix(16).prefix(0).build();
    const vpc_cni_warm w{vpc_cni_warm_config{}};
    const auto c = vpc_cni_warm::counts_of(v);
    CHECK(w.shortfall(c) == 0);
    CHECK(w.excess(c) == 15);
    const auto s = summarize(plan_of({}, v));
    CHECK(s.growth_actions == 0);
    CHECK(s.released == 1);
    // Card 0 with WARM_IP_TARGET = MINIMUM_IP_TARGET = 1 rounds to /28s: over_prefixes =
    // min(1 free, 2 - ceil((16 + 1) / 16) = 0, 2 - ceil(1 / 16) = 1) = 0: nothing released.
    auto card0 = v;
    card0.network_card = 0;
    CHECK(vpc_cni_warm(ip_targets(1, 1)).excess(vpc_cni_warm::counts_of(card0)) == 0);
    CHECK(summarize(plan_of(ip_targets(1, 1), card0)).released == 0);
    // 15 of 16 addresses used: available 1, short 0 -> card 1 does not grow, while card 0 with
    // WARM_PREFIX_TARGET 1 (no IP target) does: available 1 < 16 x 1.
    vpc_cni_warm_config warm_prefix_1;
    warm_prefix_1.warm_prefix_target = 1;
    const auto nearly_full = m5_prefix().card(1).eni().prefix(15).build();
    CHECK_FALSE(vpc_cni_warm(warm_prefix_1).too_low(vpc_cni_warm::counts_of(nearly_full)));
    auto nearly_full0 = nearly_full;
    nearly_full0.network_card = 0;
    CHECK(vpc_cni_warm(warm_prefix_1).too_low(vpc_cni_warm::counts_of(nearly_full0)));
    // Full: available 0, short = max(1 - 0, 1 - 16) = 1 -> getPrefixesNeeded max(1, 1) = 1 /28,
    // though WARM_PREFIX_TARGET asks 3 (IP targets take precedence, ipamd.go L2724).
    warm_prefix_1.warm_prefix_target = 3;
    const auto full = summarize(plan_of(warm_prefix_1, m5_prefix().card(1).eni().prefix(16).build()));
    CHECK(full.grow_eni == "eni-0");
    CHECK(full.units == 1);
}

TEST_CASE("card 1: the ENI removal gate is always open, and getDeletableENI keeps 1 warm address", "[warm][vpc_cni][card][detach]") {
    // Secondary mode, default config (WARM_ENI_TARGET 1). eni-0 of card 1: 2 pods, 1 free IP;
    // eni-1: 2 free IPs, attached at 0 (now 3600 s). The last decrease 10 s ago (no release).
    const auto v = m5_secondary().card(1).now(3600s).last_shrink(3590s).eni().secondaries(2, 'a').secondary('f')
                       .eni().secondaries(2, 'f').build();
    // total 5, available 3: short = 0. Card 0 would gate: 3 < (1 + 1) x 9 = 18.
    auto card0 = v;
    card0.network_card = 0;
    card0.enis.front().primary = true;
    CHECK_FALSE(vpc_cni_warm(vpc_cni_warm_config{}).should_remove_extra_enis(card0));
    CHECK(vpc_cni_warm(vpc_cni_warm_config{}).should_remove_extra_enis(v));
    // getDeletableENI(1, 1): eni-1 is not needed: the others keep 1 warm (>= 1) and 3 in
    // total (>= 1). eni-0 is no primary on card 1, but holds pods.
    const auto s = summarize(plan_of({}, v));
    CHECK(s.detach_eni == "eni-1");
    CHECK(s.growth_actions == 0);
    // eni-0 without its free IP: eni-1 holds the only warm addresses (others 0 < 1): kept.
    const auto needed = m5_secondary().card(1).now(3600s).last_shrink(3590s).eni().secondaries(2, 'a')
                            .eni().secondaries(2, 'f').build();
    CHECK_FALSE(vpc_cni_warm(vpc_cni_warm_config{}).deletable_eni(needed).has_value());
    // Prefix mode rounds the 1 up to a /28 (isRequiredForWarmIPTarget): eni-0 has 1 free
    // address < 16, so eni-1's free /28 is kept.
    const auto pd = m5_prefix().card(1).now(3600s).last_shrink(3590s).eni().prefix(15).eni().prefix(0).build();
    CHECK_FALSE(vpc_cni_warm(vpc_cni_warm_config{}).deletable_eni(pd).has_value());
}

TEST_CASE("card 1: growth attaches a new ENI on card 1 at a free device index", "[warm][vpc_cni][card]") {
    // eni-0 of card 1 full (9 pods): short = 1 -> a new ENI of min(1, 9) = 1 IP, on card 1,
    // device index 1 (eni-0 holds 0).
    const auto v = m5_secondary().card(1).eni().secondaries(9, 'a').build();
    const auto plan = plan_of({}, v);
    REQUIRE(plan.size() == 1);
    const auto* at = std::get_if<enipool::attach_eni>(&plan.front());
    REQUIRE(at != nullptr);
    CHECK(at->network_card == 1);
    CHECK(at->device_index == 1);
    CHECK(at->count == 1);
}

// --- differential: plan() against the plain formulas on random views ------------------------

TEST_CASE("vpc_cni_warm::plan agrees with the reference formulas on random pools", "[warm][vpc_cni][property]") {
    rc::prop("growth, releases and detach match warm_reference, with and without the options", [] {
        enipool::pool_view v = *enipool_test::random_view();
        if (*rc::gen::inRange(0, 4) == 0) {  // a datastore of network card 1: no primary ENI
            v.network_card = 1;
            for (auto& e : v.enis) {
                e.network_card = 1;
                e.primary = false;
            }
        }
        vpc_cni_warm_config c;
        warm_ref::vpc_knobs k;
        c.warm_eni_target = *rc::gen::inRange(0u, 3u);
        k.warm_eni = c.warm_eni_target;
        if (*rc::gen::inRange(0, 3) == 0) k.warm_ip = *(c.warm_ip_target = *rc::gen::inRange(0u, 40u));
        if (*rc::gen::inRange(0, 3) == 0) k.min_ip = *(c.minimum_ip_target = *rc::gen::inRange(0u, 60u));
        if (*rc::gen::inRange(0, 2) == 0) k.warm_prefix = *(c.warm_prefix_target = *rc::gen::inRange(0u, 4u));
        k.zero_means_none = c.zero_ip_target_means_none = *rc::gen::arbitrary<bool>();
        k.exclude_cooling = c.exclude_cooling_from_available = *rc::gen::arbitrary<bool>();
        k.clip_to_max_pods = c.clip_growth_to_max_pods = *rc::gen::arbitrary<bool>();
        k.strict_detach = c.strict_detach = *rc::gen::arbitrary<bool>();
        k.current_mode_only = c.release_current_mode_only = *rc::gen::arbitrary<bool>();
        k.wholly_free_only = c.release_wholly_free_only = *rc::gen::arbitrary<bool>();
        const long delay = *rc::gen::element(0L, 60L);
        c.release_delay = std::chrono::seconds{delay};
        k.release_delay_s = delay;

        const auto plan = vpc_cni_warm(c).plan(v);
        const std::string broken = enipool_test::plan_breaks_rules(v, plan, c.release_delay, enipool_test::rules_of(c));
        RC_ASSERT(broken == "");
        const auto s = summarize(plan);

        RC_ASSERT(enipool_test::differs_from_reference(v, s, warm_ref::vpc_expect_growth(v, k),
                                                       warm_ref::vpc_expect_released(v, k),
                                                       !c.release_current_mode_only) == "");
        RC_ASSERT(s.detach_eni == warm_ref::vpc_expect_detach(v, k));
        // Growth and release never share a plan (ipamd: increase, else decrease).
        RC_ASSERT(!(s.growth_actions > 0 && s.released > 0));
    });
}

// --- refusals: ipamd's pass (retry with one, next ENI, new ENI) -------------------------------

namespace {

enipool::growth_failure refusal(std::string eni, unsigned count, enipool::errc code, enipool::timestamp at) {
    return {std::move(eni), address_mode::secondary, count, code, at};
}

} // namespace

TEST_CASE("a refused request is retried with one address on the same ENI, then the next ENI, then a new ENI",
          "[warm][vpc_cni][refusal]") {
    using enipool::errc;
    // eni-0: 2 free slots, eni-1: 4 free slots, everything assigned: available 0 < 9, too low.
    auto b = m5_secondary(0).now(10s).eni().secondaries(7, 'a').eni().secondaries(5, 'a');
    auto v = b.build();
    auto s = summarize(plan_of({}, v));  // the pass starts on eni-0 with min(2, 9) = 2
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 2);
    // EC2 refused it (InsufficientFreeAddressesInSubnet): "try to just get one more IP".
    v.growth_failures = {refusal("eni-0", 2, errc::insufficient_free_addresses, 10s)};
    s = summarize(plan_of({}, v));
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 1);
    // The retry refused too: subnet discovery goes on to eni-1 with min(4, 9) = 4.
    v.growth_failures.push_back(refusal("eni-0", 1, errc::insufficient_free_addresses, 10s));
    s = summarize(plan_of({}, v));
    CHECK(s.grow_eni == "eni-1");
    CHECK(s.units == 4);
    // eni-1 and its retry refused: a new ENI in the same pass, with maxIPsPerENI 9.
    v.growth_failures.push_back(refusal("eni-1", 4, errc::insufficient_cidr_blocks, 10s));
    v.growth_failures.push_back(refusal("eni-1", 1, errc::insufficient_cidr_blocks, 10s));
    s = summarize(plan_of({}, v));
    CHECK(s.attach);
    CHECK(s.units == 9);
    // The new ENI refused: the pass is over (the growth policy stalls growth).
    v.growth_failures.push_back(refusal("", 9, errc::insufficient_free_addresses, 10s));
    CHECK(plan_of({}, v).empty());
    // 5 s later a new pass starts from the first ENI with the full count.
    v.now = 15s;
    CHECK(summarize(plan_of({}, v)).grow_eni == "eni-0");
}

TEST_CASE("without subnet discovery, or after any other refusal, the pass ends", "[warm][vpc_cni][refusal]") {
    using enipool::errc;
    auto v = m5_secondary(0).now(10s).eni().secondaries(7, 'a').eni().secondaries(5, 'a').build();
    v.growth_failures = {refusal("eni-0", 2, errc::insufficient_free_addresses, 9s),
                         refusal("eni-0", 1, errc::insufficient_free_addresses, 10s)};
    vpc_cni_warm_config off;
    off.subnet_discovery = false;
    CHECK(plan_of(off, v).empty());
    // Throttled retry: no next ENI, no back-off; the next pass 5 s after the refusal.
    v.growth_failures.back().code = errc::request_limit_exceeded;
    CHECK(plan_of({}, v).empty());
    v.now = 14s;
    CHECK(plan_of({}, v).empty());
    v.now = 15s;
    CHECK(summarize(plan_of({}, v)).units == 2);
    // PrivateIpAddressLimitExceeded: ipamd reads the ENI back from EC2; the pass is over.
    v.now = 10s;
    v.growth_failures = {refusal("eni-0", 2, errc::private_ip_address_limit_exceeded, 10s)};
    CHECK(plan_of({}, v).empty());
}

TEST_CASE("absorbs_refusal: which refusals stop growth through the growth policy", "[warm][vpc_cni][refusal][option]") {
    using enipool::errc;
    const vpc_cni_warm w{vpc_cni_warm_config{}};
    const auto first = refusal("eni-0", 2, errc::insufficient_free_addresses, 10s);
    const auto retry = refusal("eni-0", 1, errc::insufficient_free_addresses, 10s);
    const auto eni = refusal("", 9, errc::insufficient_cidr_blocks, 10s);
    CHECK(w.absorbs_refusal({}, first));                   // retried with one
    CHECK(w.absorbs_refusal({first}, retry));              // subnet discovery: next ENI
    CHECK_FALSE(w.absorbs_refusal({}, eni));               // a new ENI without room: 120 s stall
    CHECK(w.absorbs_refusal({}, refusal("", 9, errc::request_limit_exceeded, 10s)));  // next pass, no back-off
    vpc_cni_warm_config off;
    off.subnet_discovery = false;
    CHECK(vpc_cni_warm(off).absorbs_refusal({}, first));
    CHECK_FALSE(vpc_cni_warm(off).absorbs_refusal({first}, retry));  // the retry's subnet error stalls
    // A refusal of a pass long gone is a first one again.
    CHECK(w.absorbs_refusal({refusal("eni-0", 2, errc::insufficient_free_addresses, 1s)}, retry));
    // back_off_on_refusal: the growth policy hears of every refusal, and there is no chain.
    vpc_cni_warm_config back_off;
    back_off.back_off_on_refusal = true;
    CHECK_FALSE(vpc_cni_warm(back_off).absorbs_refusal({}, first));
    auto v = m5_secondary(0).now(10s).eni().secondaries(7, 'a').build();
    v.growth_failures = {first};
    CHECK(summarize(plan_of(back_off, v)).units == 2);
}
