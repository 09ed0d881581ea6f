// enipool/detail/lane_accounting.hpp: a node pool's lane sums over its ENIs (internal).
//
// The hot path keeps only the sums it cannot derive: the secondary-IP lanes' free and
// cooling counts (a prefix pool rarely has any, so their update sits behind a
// well-predicted branch) and the wholly-free slot counts. Every assigned lane is a pod and
// every cooling lane a cooldown FIFO entry (check() verifies both), so the node's assigned
// and cooling figures are those containers' sizes, and the prefix figures are what the
// secondary ones leave.
#pragma once

#include <enipool/eni.hpp>

#include <cstdint>
#include <type_traits>

namespace enipool::detail {

/// Adds (`sign` > 0) or subtracts `s` to / from `to`, field by field. O(1).
inline void add_stats(eni_stats& to, const eni_stats& s, int sign) noexcept {
    const auto mv = [sign](auto& a, auto b) { a = static_cast<std::remove_reference_t<decltype(a)>>(sign > 0 ? a + b : a - b); };
    mv(to.prefix_lanes.total, s.prefix_lanes.total);
    mv(to.prefix_lanes.free, s.prefix_lanes.free);
    mv(to.prefix_lanes.cooling, s.prefix_lanes.cooling);
    mv(to.secondary_lanes.total, s.secondary_lanes.total);
    mv(to.secondary_lanes.free, s.secondary_lanes.free);
    mv(to.secondary_lanes.cooling, s.secondary_lanes.cooling);
    mv(to.prefixes, s.prefixes);
    mv(to.secondaries, s.secondaries);
    mv(to.wholly_free_prefixes, s.wholly_free_prefixes);
    mv(to.wholly_free_secondaries, s.wholly_free_secondaries);
}

/// The node's sums over its ENIs from the kept ones (`kept`, whose prefix free and cooling
/// counts are stale) and the sizes of what holds lanes: `pods` pod-table entries, `extras`
/// further addresses of keys, `unserved` of those on ENIs serving no pods (they hold no
/// counted lane), `cooling` cooldown entries. O(1).
[[nodiscard]] inline eni_stats node_sums(eni_stats kept, std::uint64_t pods, std::uint64_t extras,
                                         std::uint64_t unserved, std::uint64_t cooling) noexcept {
    const std::uint64_t assigned = pods + extras - unserved;
    const std::uint64_t free = kept.total() - assigned - cooling;
    kept.prefix_lanes.free = free - kept.secondary_lanes.free;
    kept.prefix_lanes.cooling = cooling - kept.secondary_lanes.cooling;
    return kept;
}

} // namespace enipool::detail
