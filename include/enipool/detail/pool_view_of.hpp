// enipool/detail/pool_view_of.hpp: node_pool::view(), the pool_view the policies see
// (internal): the growth policy's mode and back-off, the node's counts and limits, what is
// in flight, and every ENI (detail/eni_view_of.hpp) in view order.
//
// Built from the pool's parts, passed as explicit arguments. The warm strategies read it
// once per plan(); it is never on the hand-out path.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/card_limits.hpp>
#include <enipool/detail/eni_view_of.hpp>
#include <enipool/detail/plan_clipping.hpp>
#include <enipool/detail/pool_shrink.hpp>
#include <enipool/eni.hpp>
#include <enipool/node_pool_types.hpp>
#include <enipool/pool_view.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace enipool::detail {

/// The view at `t` of a pool with growth `policy`, config `cfg`, ENIs `enis`, restored
/// `holds`, node statistics `s` and `max_pods`, with the actions `in_flight`, the time
/// plan() last emitted a release and the growth refused since the last grant. O(ENIs + slots).
template <class Policy, class Config, class Holds>
[[nodiscard]] pool_view pool_view_of(const Policy& policy, const Config& cfg, const std::vector<eni>& enis,
                                     const Holds& holds, const pool_stats& s, std::uint64_t max_pods,
                                     const std::vector<action>& in_flight, std::optional<timestamp> last_shrink,
                                     const std::vector<growth_failure>& growth_failures, timestamp t) {
    pool_view v;
    v.now = t;
    v.mode = policy.mode(t);
    v.may_grow = policy.may_grow(t);
    v.total = s.total;
    v.assigned = s.assigned;
    v.cooling = s.cooling;
    v.free = s.free;
    v.max_pods = max_pods;
    v.network_card = cfg.network_card;
    v.max_enis = max_serving_enis(cfg.type, cfg.budget, cfg.network_card);
    v.slots_per_eni = cfg.type.slots_per_eni();
    for (const action& a : in_flight) (is_growth(a) ? v.growth_in_flight : v.shrink_in_flight) = true;
    v.last_shrink = last_shrink;
    v.growth_failures = growth_failures;
    for (const eni* x : in_view_order(enis)) {
        const std::uint64_t held = x->serves_pods() ? 0 : holds_on_unserved(*x, holds);
        const bool primary = is_primary(x->device_index(), x->network_card(), cfg.type);
        v.enis.push_back(eni_view_of(*x, primary, held, [&](unsigned slot) { return freeable(*x, slot, holds); }));
        const eni_stats es = x->stats();
        if (x->serves_pods()) {
            v.total_prefixes += es.prefixes;
            v.free_prefixes += es.wholly_free_prefixes;
        }
    }
    return v;
}

} // namespace enipool::detail
