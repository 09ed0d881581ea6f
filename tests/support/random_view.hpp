// random_view.hpp (tests): a RapidCheck generator of consistent pool_views.
//
// Counts add up (they are summed by view_builder from the CIDRs), slots_used <= slots_total,
// ENIs serving pods <= max_enis, free_since and attached_at not after now. Prefixes and
// secondary IPs are mixed on one ENI (as after a fallback), and CIDRs are often wholly free
// so that releases and detaches occur.
#pragma once

#include "view_builder.hpp"

#include <enipool/pool_view.hpp>

#include <rapidcheck.h>

#include <chrono>

namespace enipool_test {

inline rc::Gen<enipool::pool_view> random_view() {
    return rc::gen::exec([] {
        using rc::gen::inRange;
        const bool prefix_mode = *rc::gen::arbitrary<bool>();
        const auto mode = prefix_mode ? enipool::address_mode::prefix : enipool::address_mode::secondary;
        const unsigned slots = *inRange(1u, 16u);
        const unsigned max_enis = *inRange(1u, 5u);
        const long now_s = *inRange(0L, 601L);
        view_builder b(mode, slots, max_enis);
        b.now(std::chrono::seconds{now_s});
        const unsigned enis = *inRange(1u, max_enis + 1);
        const bool saturated = *inRange(0, 4) == 0;  // every ENI's slots used
        for (unsigned i = 0; i < enis; ++i) {
            b.eni(std::chrono::seconds{*inRange(0L, now_s + 1)});
            // Profiles: 0 anything, 1 idle (every CIDR wholly free: detach candidates),
            // 2 every slot used (so that new ENIs are attached).
            const int profile = saturated ? 2 : *inRange(0, 3);
            const unsigned cidrs = profile == 2 ? slots : *inRange(0u, slots + 1);
            for (unsigned j = 0; j < cidrs; ++j) {
                const auto since = std::chrono::seconds{*inRange(0L, now_s + 1)};
                const bool as_prefix = *inRange(0, 10) < (prefix_mode ? 8 : 2);
                if (profile == 1) {
                    if (as_prefix) b.prefix(0, 0, since);
                    else b.secondary('f', since);
                } else if (as_prefix) {
                    if (*inRange(0, 3) == 0) {
                        b.prefix(0, 0, since);  // wholly free
                    } else {
                        const unsigned assigned = *inRange(0u, 17u);
                        const unsigned cooling = *inRange(0u, 17u - assigned);
                        b.prefix(assigned, cooling, since);
                    }
                } else {
                    b.secondary(*rc::gen::element('a', 'c', 'f', 'f'), since);
                }
            }
        }
        if (*inRange(0, 4) == 0) b.trunk();
        // An ENI excluded from pod IPs (holding CIDRs no pod may use) or an EFA ENI.
        if (*inRange(0, 5) == 0) b.excluded(std::chrono::seconds{*inRange(0L, now_s + 1)}).secondaries(*inRange(0u, slots + 1), 'f');
        if (enis < max_enis && *inRange(0, 6) == 0) b.efa(std::chrono::seconds{*inRange(0L, now_s + 1)}).secondaries(*inRange(0u, slots + 1), 'f');
        enipool::pool_view v = b.build();
        if (*inRange(0, 3) != 0) v.max_pods = *inRange<std::uint64_t>(1, v.total + 64);
        v.may_grow = *inRange(0, 8) != 0;
        v.growth_in_flight = *inRange(0, 8) == 0;
        v.shrink_in_flight = *inRange(0, 8) == 0;
        if (*rc::gen::arbitrary<bool>()) v.last_shrink = std::chrono::seconds{*inRange(0L, now_s + 1)};
        return v;
    });
}

} // namespace enipool_test
