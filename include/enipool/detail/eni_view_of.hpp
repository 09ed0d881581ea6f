// enipool/detail/eni_view_of.hpp: what the policies see of a node pool's ENIs (internal):
// the eni_view entries of node_pool::view(), in view order.
#pragma once

#include <enipool/eni.hpp>
#include <enipool/pool_view.hpp>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace enipool::detail {

/// The ENIs of `enis` that are not vacant, by (network card, device index). O(n log n).
[[nodiscard]] inline std::vector<const eni*> in_view_order(const std::vector<eni>& enis) {
    std::vector<const eni*> ordered;
    for (const eni& x : enis)
        if (!x.vacant()) ordered.push_back(&x);
    std::sort(ordered.begin(), ordered.end(), [](const eni* a, const eni* b) {
        return std::pair(a->network_card(), a->device_index()) < std::pair(b->network_card(), b->device_index());
    });
    return ordered;
}

/// ENI `x` as the policies see it: `primary` as the pool decides it, `held_unserved` the
/// addresses pods hold on it when it serves no pods (its lanes do not count them), and
/// `freeable(slot)` the pool's FindFreeableCidrs test. O(slots).
template <class Freeable>
[[nodiscard]] eni_view eni_view_of(const eni& x, bool primary, std::uint64_t held_unserved, Freeable freeable) {
    eni_view ev;
    ev.id = x.id();
    ev.device_index = x.device_index();
    ev.network_card = x.network_card();
    ev.primary = primary;
    ev.serves_pods = x.serves_pods();
    ev.trunk = x.flags().trunk;
    ev.efa_only = x.flags().efa_only;
    ev.efa = x.flags().efa;
    ev.excluded = x.flags().excluded;
    ev.slots_total = x.slot_count();
    ev.slots_used = x.slots_used();
    const eni_stats es = x.stats();
    ev.prefixes = es.prefixes;
    ev.secondaries = es.secondaries;
    ev.assigned = x.serves_pods() ? es.assigned() : held_unserved;
    ev.cooling = es.cooling();
    ev.free = es.free();
    ev.prefix_lanes = es.prefix_lanes;
    ev.secondary_lanes = es.secondary_lanes;
    ev.attached_at = x.attached_at();
    for (unsigned slot = 0; slot < x.slot_count(); ++slot) {
        const auto& sl = x.slot_at(slot);
        if (sl.kind == slot_kind::empty || sl.leaving) continue;
        if (!freeable(slot)) continue;
        ++(sl.kind == slot_kind::prefix ? ev.unassigned_prefixes : ev.unassigned_secondaries);
        ev.freeable.push_back(sl.cidr());
    }
    if (x.serves_pods())
        for (unsigned slot = 0; slot < x.slot_count(); ++slot)
            if (x.wholly_free(slot)) ev.wholly_free.push_back(free_cidr{x.slot_at(slot).cidr(), x.slot_at(slot).free_since});
    return ev;
}

} // namespace enipool::detail
