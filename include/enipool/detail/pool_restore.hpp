// enipool/detail/pool_restore.hpp: how a node pool takes back what an agent's checkpoint
// says (internal): an address a pod holds, an address still cooling down.
//
// node_pool::restore_allocation and restore_cooling state the contracts; the functions here
// do the work on the pool's parts, passed as explicit arguments: the ENIs with their
// indexes (detail::eni_lanes), the pod table, the restored holds (detail/restored_holds.hpp)
// and the cooldown FIFO. Restores run once, at agent start: none of this is on the hand-out
// path. lane_is_free is assign_specific's test too.
#pragma once

#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace enipool::detail {

/// Why lane `lane` of `x` (an eni) cannot go to a pod, or success when it is free. O(1).
/// A template so that it is compiled only where it is used: as a plain inline function it
/// changed GCC 12's register allocation of node_pool::assign in a TU that never calls it.
template <class Eni>
[[nodiscard]] result<void> lane_is_free(const Eni& x, unsigned lane) {
    switch (x.state(lane)) {
    case lane_state::free: return success();
    case lane_state::assigned: return errc::address_already_in_datastore;
    case lane_state::cooling: return error(errc::address_in_use, "the address is cooling down");
    default: return error(errc::address_in_use, "the address's CIDR is being released");
    }
}

/// node_pool::restore_allocation once the cooldown is drained: holds `address` for `key`
/// as an `Allocation` assigned at `assigned_at`, through its lane on an ENI serving pods,
/// else as a restored hold; a key that holds another address keeps both (the new one as a
/// further address). O(1) (a further address: O(1) amortised). Errors as
/// node_pool::restore_allocation's; nothing changes on error.
template <class Allocation, class Lanes, class Pods, class Holds, class Key, class Metadata>
[[nodiscard]] result<ipv4_address> restore_allocation(Lanes& lanes, Pods& pods, Holds& holds, const Key& key,
                                                      ipv4_address address, const Metadata& metadata,
                                                      timestamp assigned_at, std::uint64_t max_pods, timestamp t) {
    const auto where = lanes.cidrs().locate(address);
    if (!where) return errc::address_not_in_pool;
    const auto [e, lane] = *where;
    const eni& x = lanes[e];
    const std::uint32_t h = Pods::hash(key);
    const Allocation* filed = pods.find(key, h);
    if (filed != nullptr && filed->address == address) return address;
    if (x.serves_pods() || x.slot_at(lane / lanes_per_slot).leaving) {
        if (auto free = lane_is_free(x, lane); !free) return free.error();
    } else if (holds.holds_unserved(address)) {
        return errc::address_already_in_datastore;
    }
    if (filed == nullptr && max_pods != 0 && pods.size() >= max_pods) return errc::max_pods_reached;
    const Allocation a{address, static_cast<std::uint8_t>(e), static_cast<std::uint16_t>(lane), assigned_at, metadata};
    // Containers grow first (they may throw bad_alloc), the lanes change last.
    if (filed != nullptr) {
        holds.add_extra(key, a);
    } else {
        *pods.try_insert(key, h).first = a;
    }
    if (x.serves_pods()) {
        lanes.template change<eni::lane_op::take>(e, lane, t);
    } else {
        holds.hold_unserved(address);
    }
    return address;
}

/// node_pool::restore_cooling: puts the free `address` into the FIFO `cooling` as released
/// at `released_at`, kept in release order (nothing to do with a zero `cooldown`).
/// O(cooling). Errors: `address_not_in_pool`, `eni_excluded`, `address_in_use` (not free);
/// nothing changes on error.
template <class Lanes, class Cooling>
[[nodiscard]] result<void> restore_cooling(Lanes& lanes, Cooling& cooling, ipv4_address address, timestamp released_at,
                                           std::chrono::nanoseconds cooldown) {
    const auto where = lanes.cidrs().locate(address);
    if (!where) return errc::address_not_in_pool;
    if (!lanes[where->first].serves_pods()) return errc::eni_excluded;
    if (lanes[where->first].state(where->second) != lane_state::free) return errc::address_in_use;
    if (cooldown == std::chrono::nanoseconds::zero()) return success();
    if (cooling.full()) cooling.set_capacity(std::max<std::size_t>(16, 2 * cooling.capacity()));
    using entry = typename Cooling::value_type;
    const auto pos = std::upper_bound(cooling.begin(), cooling.end(), released_at,
                                      [](timestamp at, const entry& c) { return at < c.released_at; });
    cooling.insert(pos, entry{address, static_cast<std::uint8_t>(where->first),
                              static_cast<std::uint16_t>(where->second), released_at});
    lanes.template change<eni::lane_op::take>(where->first, where->second, released_at);  // free -> cooling
    lanes.template change<eni::lane_op::cool>(where->first, where->second, released_at);
    return success();
}

} // namespace enipool::detail
