// enipool/detail/pool_shrink.hpp: how a node pool gives lanes up (internal): evicting pods
// and cooling addresses from lanes that leave, and the end of a planned release or detach.
//
// The functions take the pool's parts as explicit arguments: the ENIs with their indexes
// (detail::eni_lanes), the pod table, the restored holds and the cooldown FIFO. None of
// this is on the hand-out path.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
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

/// Addresses pods hold on `x` when it serves no pods (restored holds). O(slots), O(1) when
/// nothing is held so.
template <class Holds>
[[nodiscard]] std::uint64_t holds_on_unserved(const eni& x, const Holds& holds) noexcept {
    if (holds.unserved_count() == 0) return 0;
    std::uint64_t n = 0;
    for (const auto& sl : x.slots())
        if (sl.kind != slot_kind::empty) n += holds.unserved_in(sl.cidr());
    return n;
}

/// Addresses pods hold on `x`. O(1), or O(slots) on an ENI serving no pods.
template <class Holds>
[[nodiscard]] std::uint64_t pods_on(const eni& x, const Holds& holds) noexcept {
    return x.serves_pods() ? x.stats().assigned() : holds_on_unserved(x, holds);
}

/// True when no pod holds an address of slot `s` of `x` and it is not being released
/// already (ipamd's FindFreeableCidrs). O(1), or O(restored holds) on an ENI serving no pods.
template <class Holds>
[[nodiscard]] bool freeable(const eni& x, unsigned s, const Holds& holds) noexcept {
    const auto& sl = x.slot_at(s);
    if (sl.kind == slot_kind::empty || sl.leaving) return false;
    if (!x.serves_pods()) return holds.unserved_count() == 0 || holds.unserved_in(sl.cidr()) == 0;
    return x.slot_free(s) + x.slot_cooling(s) == sl.lanes();
}

/// plan()'s release: keeps the CIDRs of `rel` that are freeable, drops their cooling
/// addresses and marks them leaving. False when none is kept (the action is dropped).
/// O(CIDRs + cooling).
template <class Key, class Lanes, class Pods, class Holds, class Cooling>
bool start_release(Lanes& lanes, Pods& pods, Holds& holds, Cooling& cooling, release_from_eni& rel, timestamp now) {
    const auto index = lanes.index_of(rel.eni_id);
    if (!index) return false;
    std::vector<ipv4_prefix> kept;
    const auto e = static_cast<unsigned>(*index);
    for (const ipv4_prefix& c : rel.cidrs) {
        const auto s = lanes.cidrs().slot_of(e, c);
        if (!s || !freeable(lanes[e], *s, holds)) continue;
        if (lanes[e].slot_cooling(*s) != 0)  // its cooling addresses go with it
            (void)evict<Key>(lanes, pods, holds, cooling, e, [&](unsigned lane) { return lane / lanes_per_slot == *s; }, now);
        lanes.set_leaving(e, *s, true, now);
        kept.push_back(c);
    }
    if (kept.empty()) return false;
    rel.cidrs = std::move(kept);
    return true;
}

/// plan()'s detach: marks the ENI detaching and its CIDRs leaving, unless it is the
/// primary (`is_primary(eni)`), a trunk or efa-only ENI, already detaching, or holds pods or
/// cooling addresses. False when refused (the action is dropped). O(slots).
template <class Lanes, class Holds, class IsPrimary>
bool start_detach(Lanes& lanes, const Holds& holds, const detach_eni& det, IsPrimary is_primary, timestamp now) {
    const auto index = lanes.index_of(det.eni_id);
    if (!index) return false;
    const eni& x = lanes[*index];
    if (is_primary(x) || x.flags().trunk || x.flags().efa_only || x.detaching() || pods_on(x, holds) != 0 ||
        x.stats().cooling() != 0)
        return false;
    for (unsigned s = 0; s < x.slot_count(); ++s)
        if (x.slot_at(s).kind != slot_kind::empty) lanes.set_leaving(*index, s, true, now);
    lanes.set_detaching(*index, true);
    return true;
}

/// Removes the CIDRs `cidrs` of ENI `e` (ipamd's DelIPv4CidrFromStore): their cooling
/// addresses are dropped and their pods evicted (keys returned), all or nothing; with
/// `refuse_if_used` a pod on any of them refuses the call. O(CIDRs + pods + cooling).
/// Errors (nothing changes): `address_not_in_pool`, `address_in_use`.
template <class Key, class Lanes, class Pods, class Holds, class Cooling>
result<std::vector<Key>> remove_cidrs(Lanes& lanes, Pods& pods, Holds& holds, Cooling& cooling, unsigned e,
                                      const std::vector<ipv4_prefix>& cidrs, bool refuse_if_used, timestamp t) {
    std::vector<unsigned> slots;
    for (const ipv4_prefix& c : cidrs) {
        const auto s = lanes.cidrs().slot_of(e, c);
        if (!s) return error(errc::address_not_in_pool, fmt::format("{} is not a CIDR of ENI {}", c.to_string(), lanes[e].id()));
        const auto& sl = lanes[e].slot_at(*s);
        if (refuse_if_used && sl.kind != slot_kind::empty && !sl.leaving && !freeable(lanes[e], *s, holds))
            return error(errc::address_in_use, fmt::format("a pod holds an address of {}", c.to_string()));
        slots.push_back(*s);
    }
    const auto in_slots = [&](unsigned lane) { return std::find(slots.begin(), slots.end(), lane / lanes_per_slot) != slots.end(); };
    std::vector<Key> evicted = evict<Key>(lanes, pods, holds, cooling, e, in_slots, t);
    for (const unsigned s : slots)
        if (lanes[e].slot_at(s).kind != slot_kind::empty) lanes.remove_slot(e, s);  // else listed twice
    return evicted;
}

/// Puts ENI `e` in or out of pod service (`serves`, with `flags`), the way ipamd's
/// SetENIExcludedForPodIPs does: pods on it keep their addresses, held as restored holds
/// while it serves none; its cooling addresses are dropped when it stops serving.
/// O(lanes + pods + cooling).
template <class Lanes, class Pods, class Holds, class Cooling>
void set_service(Lanes& lanes, const Pods& pods, Holds& holds, Cooling& cooling, unsigned e, bool serves,
                 const eni_flags& flags, timestamp t) {
    const eni& x = lanes[e];
    if (serves == x.serves_pods()) {
        lanes.set_service(e, serves, flags, t, [](unsigned) { return false; });
        return;
    }
    std::vector<ipv4_address> held_here;  // containers grow before the state changes
    for (const auto& [key, a] : pods)
        if (a.eni == e) held_here.push_back(a.address);
    for (const auto& [key, a] : holds.extras())
        if (a.eni == e) held_here.push_back(a.address);
    holds.reserve_unserved(held_here.size());
    if (!serves) {
        drop_cooling(lanes, cooling, e, [](unsigned) { return true; }, t);
        for (const ipv4_address a : held_here) holds.hold_unserved(a);
    }
    lanes.set_service(e, serves, flags, t, [&](unsigned lane) { return holds.holds_unserved(x.address_of(lane)); });
    if (serves)
        for (const ipv4_address a : held_here) (void)holds.drop_unserved(a);
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
