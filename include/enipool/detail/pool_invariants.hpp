// enipool/detail/pool_invariants.hpp: node_pool::check(), the walk over a pool's whole
// state (internal). Tests call it after every step; it is never on a hot path.
#pragma once

#include <enipool/bitset.hpp>
#include <enipool/detail/cidr_index.hpp>
#include <enipool/detail/lane_accounting.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace enipool::detail {

/// Checks every invariant of a node pool's parts: each lane in exactly one state, `sums`
/// (the node's, from lane_accounting) equal to the sum over `enis`, the ENI-with-free-lane
/// bitset, the CIDR index, the pod table and the restored holds against the lanes, the
/// cooldown FIFO (cooling lanes, release order), the packer's buckets and max pods.
/// O(state). Errors: `pool_invariant_broken`.
template <class Pods, class Holds, class Cooling, class Packer>
[[nodiscard]] result<void> check_pool(const std::vector<eni>& enis, const hierarchical_bitset<max_enis_per_node>& with_free,
                                      const cidr_index& cidrs, const eni_stats& sums, const Pods& pods,
                                      const Holds& holds, const Cooling& cooling, const Packer& packer,
                                      std::uint64_t max_pods, unsigned slots_per_eni) {
    const auto broken = [](std::string what) { return error(errc::pool_invariant_broken, std::move(what)); };
    eni_stats sum;
    std::vector<std::uint64_t> assigned_per_eni(enis.size(), 0);
    std::size_t cidr_entries = 0;
    if (enis.size() > max_enis_per_node) return broken("more ENIs than a node pool holds");
    for (std::size_t i = 0; i < enis.size(); ++i) {
        const eni& x = enis[i];
        if (with_free.test(i) != (!x.vacant() && x.stats().free() != 0))
            return broken(fmt::format("ENI index {}: free-lane summary bit is wrong", i));
        if (x.vacant()) continue;
        if (auto ok = x.check(); !ok) return ok;
        if (x.slot_count() != slots_per_eni) return broken("an ENI has the wrong slot count");
        add_stats(sum, x.stats(), +1);
        for (unsigned s = 0; s < x.slot_count(); ++s) {
            const auto& sl = x.slot_at(s);
            if (sl.kind == slot_kind::empty) continue;
            ++cidr_entries;
            const auto f = cidrs.find(sl.base);
            if (!f || f->eni != i || f->slot != s || f->length != (sl.kind == slot_kind::prefix ? 28 : 32))
                return broken(fmt::format("CIDR {} is missing from the index", sl.cidr()));
        }
        ++cidr_entries;  // the primary IP
        const auto p = cidrs.find(x.primary_ip().to_uint());
        if (!p || p->eni != i || p->slot != cidr_index::primary_slot)
            return broken(fmt::format("primary IP {} is missing from the index", x.primary_ip()));
    }
    if (cidrs.size() != cidr_entries) return broken("the CIDR index holds stale entries");
    if (!(sum == sums)) return broken("node counters differ from the sum over ENIs");
    std::set<std::pair<unsigned, unsigned>> lanes;
    if (auto ok = pods.check(); !ok) return ok;
    std::size_t unserved = 0;
    const auto check_hold = [&](const auto& a) -> result<void> {
        if (a.eni >= enis.size() || enis[a.eni].vacant()) return broken("a pod points at no ENI");
        if (enis[a.eni].state(a.lane) != lane_state::assigned)
            return broken(fmt::format("pod at {} holds a lane that is not assigned", a.address));
        if (enis[a.eni].address_of(a.lane) != a.address) return broken("a pod's address differs from its lane");
        if (!lanes.insert({a.eni, a.lane}).second) return broken(fmt::format("two pods hold {}", a.address));
        if (enis[a.eni].serves_pods()) {
            ++assigned_per_eni[a.eni];
        } else if (holds.holds_unserved(a.address)) {
            ++unserved;
        } else {
            return broken(fmt::format("pod at {} on an ENI serving no pods is not recorded", a.address));
        }
        return success();
    };
    for (const auto& [key, a] : pods) {
        if (pods.find(key, Pods::hash(key)) != &a) return broken("a pod is not found by its key");
        if (auto ok = check_hold(a); !ok) return ok;
    }
    for (const auto& [key, a] : holds.extras()) {
        if (pods.find(key, Pods::hash(key)) == nullptr)
            return broken(fmt::format("{} is a further address of a key holding none", a.address));
        if (auto ok = check_hold(a); !ok) return ok;
    }
    if (unserved != holds.unserved_count()) return broken("an address held on an ENI serving no pods has no pod");
    for (std::size_t i = 0; i < enis.size(); ++i)
        if (!enis[i].vacant() && assigned_per_eni[i] != enis[i].stats().assigned())
            return broken(fmt::format("ENI {}: {} pods but {} assigned lanes", enis[i].id(), assigned_per_eni[i],
                                      enis[i].stats().assigned()));
    if (max_pods != 0 && pods.size() > max_pods) return broken("more pods than max pods");
    std::set<std::pair<unsigned, unsigned>> cooling_lanes;
    for (std::size_t i = 0; i < cooling.size(); ++i) {
        const auto& c = cooling[i];
        if (c.eni >= enis.size() || enis[c.eni].state(c.lane) != lane_state::cooling ||
            enis[c.eni].address_of(c.lane) != c.address)
            return broken(fmt::format("cooling entry {} is not a cooling lane", c.address));
        if (!cooling_lanes.insert({c.eni, c.lane}).second) return broken("a lane cools twice");
        if (i > 0 && cooling[i - 1].released_at > c.released_at) return broken("the cooldown FIFO is out of release order");
    }
    if (cooling.size() != sum.cooling()) return broken("cooling lanes differ from the cooldown FIFO");
    return packer.check(enis);
}

} // namespace enipool::detail
