// enipool/detail/pool_shrink.hpp: how a node pool gives lanes up (internal): evicting pods
// and cooling addresses from lanes that leave, and the end of a planned release or detach.
//
// The functions take the pool's parts as explicit arguments: the ENIs with their indexes
// (detail::eni_lanes), the pod table, the restored holds and the cooldown FIFO. None of
// this is on the hand-out path.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/eni.hpp>

#include <algorithm>
#include <variant>
#include <vector>

namespace enipool::detail {

/// Frees the cooling lanes of ENI `e` for which `on(lane)` holds and drops their cooldown
/// entries (the others keep their order). O(cooling).
template <class Lanes, class Cooling, class On>
void drop_cooling(Lanes& lanes, Cooling& cooling, unsigned e, On on, timestamp t) {
    Cooling kept(cooling.capacity());
    for (const auto& c : cooling) {
        if (c.eni == e && on(c.lane)) {
            lanes.template change<eni::lane_op::unfreeze>(e, c.lane, t);
        } else {
            kept.push_back(c);
        }
    }
    cooling = std::move(kept);
}

/// Files `key`'s oldest further address (restored_holds) in the pod table, which has room:
/// the key's entry was just erased. O(1), or O(further addresses) when there are any.
template <class Pods, class Holds, class Key>
void promote_extra(Pods& pods, Holds& holds, const Key& key) {
    if (holds.extras().empty()) return;
    if (auto next = holds.take_extra(key)) *pods.try_insert(key, Pods::hash(key)).first = *next;
}

/// Unassigns every pod and drops every cooling address on ENI `e`'s lanes for which
/// `on(lane)` holds (those lanes become free); returns the pods' keys, one per address lost
/// (a key that also holds a further address elsewhere keeps that one).
/// O(pods + further addresses + cooling).
template <class Key, class Lanes, class Pods, class Holds, class Cooling, class On>
std::vector<Key> evict(Lanes& lanes, Pods& pods, Holds& holds, Cooling& cooling, unsigned e, On on, timestamp t) {
    std::vector<Key> keys;
    const auto unhold = [&](const auto& a) {
        if (!holds.drop_unserved(a.address)) lanes.template change<eni::lane_op::give_back>(e, a.lane, t);
    };
    if (!holds.extras().empty())
        for (const auto& [k, a] : holds.take_extras_if([&](const auto& a) { return a.eni == e && on(a.lane); })) {
            unhold(a);
            keys.push_back(k);
        }
    const std::size_t first_table_key = keys.size();
    for (const auto& entry : pods)
        if (entry.second.eni == e && on(entry.second.lane)) keys.push_back(entry.first);
    for (std::size_t i = first_table_key; i < keys.size(); ++i) {
        const Key& k = keys[i];
        typename Holds::extra::second_type gone;
        (void)pods.erase(k, Pods::hash(k), [&](const auto& a) { gone = a; });
        unhold(gone);
        promote_extra(pods, holds, k);
    }
    drop_cooling(lanes, cooling, e, on, t);
    return keys;
}

/// True when a release in `in_flight` names slot `s` of ENI `e`'s CIDR. O(actions).
template <class Lanes>
[[nodiscard]] bool release_in_flight(const Lanes& lanes, const std::vector<action>& in_flight, unsigned e, unsigned s) noexcept {
    const ipv4_prefix c = lanes[e].slot_at(s).cidr();
    for (const action& a : in_flight)
        if (auto* rel = std::get_if<release_from_eni>(&a); rel && rel->eni_id == lanes[e].id())
            if (std::find(rel->cidrs.begin(), rel->cidrs.end(), c) != rel->cidrs.end()) return true;
    return false;
}

/// EC2's answer to a planned release or detach: success removes the CIDRs or the ENI,
/// failure returns what is leaving to service (a CIDR of a detaching ENI, or one a release
/// still in flight names, stays leaving). O(CIDRs + slots x actions).
template <class Lanes>
void end_shrink(Lanes& lanes, const std::vector<action>& in_flight, const action& planned, timestamp t, bool succeeded) {
    if (auto* rel = std::get_if<release_from_eni>(&planned)) {
        const auto index = lanes.index_of(rel->eni_id);
        if (!index) return;
        const auto e = static_cast<unsigned>(*index);
        for (const ipv4_prefix& c : rel->cidrs) {
            const auto s = lanes.cidrs().slot_of(e, c);
            if (!s || !lanes[e].slot_at(*s).leaving) continue;
            if (succeeded) {
                lanes.remove_slot(e, *s);
            } else if (!lanes[e].detaching()) {
                lanes.set_leaving(e, *s, false, t);
            }
        }
    } else if (auto* det = std::get_if<detach_eni>(&planned)) {
        const auto index = lanes.index_of(det->eni_id);
        if (!index) return;
        if (succeeded) {
            lanes.erase(*index);
            return;
        }
        const auto e = static_cast<unsigned>(*index);
        lanes.set_detaching(e, false);
        for (unsigned s = 0; s < lanes[e].slot_count(); ++s)
            if (lanes[e].slot_at(s).leaving && !release_in_flight(lanes, in_flight, e, s)) lanes.set_leaving(e, s, false, t);
    }
}

} // namespace enipool::detail
