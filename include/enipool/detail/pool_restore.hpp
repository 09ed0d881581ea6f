// enipool/detail/pool_restore.hpp: node_pool's restore paths. An agent's checkpoint is put
// back into the pool's lanes (detail::eni_lanes), pod table, restored holds and cooldown FIFO;
// node_pool::restore_allocation and restore_cooling state the contracts.
#pragma once

#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/pool_view.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace enipool::detail {

/// Why lane `lane` of `x` cannot go to a pod, or success when it is free. O(1).
[[nodiscard]] inline result<void> lane_is_free(const eni& x, unsigned lane) {
    switch (x.state(lane)) {
    case lane_state::free: return success();
    case lane_state::assigned: return errc::address_already_in_datastore;
    case lane_state::cooling: return error(errc::address_in_use, "the address is cooling down");
    default: return error(errc::address_in_use, "the address's CIDR is being released");
    }
}

/// node_pool::restore_allocation once the cooldown is drained: holds `a.address` for `key`
/// (hash `h`), on an ENI serving pods through its lane, else as a restored hold; a key that
/// holds another address keeps both. `a.eni` and `a.lane` are filled in here. O(1)
/// (a further address: O(1) amortised). Errors as node_pool::restore_allocation's; nothing
/// changes on error.
template <class Lanes, class Pods, class Holds, class Key, class Allocation>
[[nodiscard]] result<ipv4_address> restore_allocation(Lanes& lanes, Pods& pods, Holds& holds, const Key& key,
                                                      std::uint32_t h, Allocation a, std::uint64_t max_pods,
                                                      timestamp t) {
    const auto where = lanes.cidrs().locate(a.address);
    if (!where) return errc::address_not_in_pool;
    const auto [e, lane] = *where;
    const eni& x = lanes[e];
    const auto* filed = pods.find(key, h);
    if (filed != nullptr && filed->address == a.address) return a.address;
    if (x.serves_pods() || x.slot_at(lane / lanes_per_slot).leaving) {
        if (auto free = lane_is_free(x, lane); !free) return free.error();
    } else if (holds.holds_unserved(a.address)) {
        return errc::address_already_in_datastore;
    }
    if (filed == nullptr && max_pods != 0 && pods.size() >= max_pods) return errc::max_pods_reached;
    a.eni = static_cast<std::uint8_t>(e);
    a.lane = static_cast<std::uint16_t>(lane);
    // Containers grow first (they may throw bad_alloc), the lanes change last.
    if (filed != nullptr) {
        holds.add_extra(key, a);
    } else {
        *pods.try_insert(key, h).first = a;
    }
    if (x.serves_pods()) {
        lanes.template change<eni::lane_op::take>(e, lane, t);
    } else {
        holds.hold_unserved(a.address);
    }
    return a.address;
}

/// node_pool::restore_cooling: puts the free `address` into the FIFO `cooling` as released
/// at `released_at`, in release order (nothing to do with a zero `cooldown`). O(cooling).
/// Errors: `address_not_in_pool`, `eni_excluded`, `address_in_use` (not free); nothing
/// changes on error.
template <class Lanes, class Cooling>
[[nodiscard]] result<void> restore_cooling(Lanes& lanes, Cooling& cooling, ipv4_address address,
                                           timestamp released_at, std::chrono::nanoseconds cooldown) {
    const auto where = lanes.cidrs().locate(address);
    if (!where) return errc::address_not_in_pool;
    const auto [e, lane] = *where;
    if (!lanes[e].serves_pods()) return errc::eni_excluded;
    if (lanes[e].state(lane) != lane_state::free) return errc::address_in_use;
    if (cooldown == std::chrono::nanoseconds::zero()) return success();
    if (cooling.full()) cooling.set_capacity(std::max<std::size_t>(16, 2 * cooling.capacity()));
    const auto pos = std::upper_bound(cooling.begin(), cooling.end(), released_at,
                                      [](timestamp at, const auto& c) { return at < c.released_at; });
    cooling.insert(pos, typename Cooling::value_type{address, static_cast<std::uint8_t>(e),
                                                     static_cast<std::uint16_t>(lane), released_at});
    lanes.template change<eni::lane_op::take>(e, lane, released_at);  // free -> cooling
    lanes.template change<eni::lane_op::cool>(e, lane, released_at);
    return success();
}

} // namespace enipool::detail
