// enipool/detail/eni_lanes.hpp: a node pool's ENIs and the node-wide indexes kept in step
// with their lanes (internal).
//
// Owns the ENI slots (vacant entries are removed ENIs), the bitset of ENIs with a free
// lane, the kept lane sums (detail/lane_accounting.hpp), the CIDR index and the packer.
// Every lane or slot change goes through it, so those five never disagree (check() in
// detail/pool_invariants.hpp verifies it). The pod table and the cooldown FIFO are the
// pool's: the caller changes them to match. Lane operations are O(1) and inline: they are
// the hand-out's.
#pragma once

#include <enipool/bitset.hpp>
#include <enipool/detail/cidr_index.hpp>
#include <enipool/detail/lane_accounting.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/node_pool_types.hpp>
#include <enipool/packing.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace enipool::detail {

template <class Packing>
class eni_lanes {
public:
    /// Room for `max_enis` ENIs (no doubling waste). O(1).
    void reserve(unsigned max_enis) { enis_.reserve(std::min(max_enis, max_enis_per_node)); }

    [[nodiscard]] const std::vector<eni>& enis() const noexcept { return enis_; }
    [[nodiscard]] const eni& operator[](unsigned e) const noexcept { return enis_[e]; }
    [[nodiscard]] const hierarchical_bitset<max_enis_per_node>& with_free() const noexcept { return with_free_; }
    [[nodiscard]] const cidr_index& cidrs() const noexcept { return cidrs_; }
    [[nodiscard]] const packer<Packing>& packing() const noexcept { return packer_; }
    /// The kept sums (their prefix free / cooling counts are stale: see node_sums). O(1).
    [[nodiscard]] const eni_stats& kept() const noexcept { return kept_; }
    /// True when some ENI has a free lane. O(1).
    [[nodiscard]] bool any_free() const noexcept { return !with_free_.empty(); }
    /// The free lane the packing hands out next (any_free() must hold). O(1).
    ENIPOOL_HOT_INLINE lane_pick pick() noexcept { return packer_.pick(with_free_, enis_); }

    /// The index of the ENI with this id, or nullopt. O(ENIs).
    [[nodiscard]] std::optional<unsigned> index_of(std::string_view id) const noexcept {
        for (unsigned i = 0; i < enis_.size(); ++i)
            if (!enis_[i].vacant() && enis_[i].id() == id) return i;
        return std::nullopt;
    }

    /// Runs lane operation Op on lane `lane` of ENI `e` and moves the kept sums by the
    /// operation's compile-time deltas; the free-lane bitset and the packer are touched
    /// only when the operation changes free lanes. O(1), no loop.
    template <eni::lane_op Op>
    ENIPOOL_HOT_INLINE void change(unsigned e, unsigned lane, timestamp t) noexcept {
        constexpr int df = eni::free_delta<Op>, dc = eni::cooling_delta<Op>;
        const eni::lane_change c = enis_[e].template change<Op>(lane, t);
        if (!c.prefix) [[unlikely]] {
            lane_counts& k = kept_.secondary_lanes;
            if constexpr (df != 0) k.free = static_cast<std::uint64_t>(static_cast<std::int64_t>(k.free) + df);
            if constexpr (dc != 0) k.cooling = static_cast<std::uint64_t>(static_cast<std::int64_t>(k.cooling) + dc);
        }
        if constexpr (df != 0) {
            if (c.wholly_free != 0) {
                unsigned& w = c.prefix ? kept_.wholly_free_prefixes : kept_.wholly_free_secondaries;
                w = c.wholly_free > 0 ? w + 1 : w - 1;
            }
            if constexpr (packer<Packing>::tracks_slots) {
                const unsigned s = lane / lanes_per_slot, now_free = enis_[e].slot_free(s);
                packer_.slot_changed(e, s, static_cast<unsigned>(static_cast<int>(now_free) - df), now_free);
            }
            if (c.eni_free_edge) {  // the ENI's membership is known: no test needed
                if constexpr (df < 0) {
                    with_free_.erase_present(e);
                } else {
                    with_free_.insert_absent(e);
                }
            }
        }
    }

    /// Runs `op(eni&)`, a change to slot `s` of ENI `e` (or to the whole ENI when `s` is
    /// every slot in turn), and moves the kept sums, packer and bitset by before / after.
    /// O(slots of the ENI).
    template <class Op>
    void change_slot(unsigned e, unsigned s, Op op) noexcept {
        eni& x = enis_[e];
        const unsigned old_free = x.slot_free(s);
        add_stats(kept_, x.stats(), -1);
        op(x);
        add_stats(kept_, x.stats(), +1);
        packer_.slot_changed(e, s, old_free, x.slot_free(s));
        refresh_free_bit(e);
    }

    /// Marks slot `s` of ENI `e` as leaving (no longer handed out) or back in service.
    void set_leaving(unsigned e, unsigned s, bool on, timestamp t) noexcept {
        change_slot(e, s, [&](eni& x) { x.set_leaving(s, on, t); });
    }

    /// Marks ENI `e` detaching or not (its slots are set leaving apart). O(1).
    void set_detaching(unsigned e, bool on) noexcept { enis_[e].set_detaching(on); }

    /// Puts ENI `e` in or out of pod service with `flags` (eni::set_service; `held(lane)`
    /// says which lanes pods still hold once it serves none). O(slots).
    template <class Held>
    void set_service(unsigned e, bool serves, const eni_flags& flags, timestamp t, Held held) noexcept {
        eni& x = enis_[e];
        std::array<std::uint8_t, max_slots_per_eni> old_free{};
        for (unsigned s = 0; s < x.slot_count(); ++s) old_free[s] = static_cast<std::uint8_t>(x.slot_free(s));
        add_stats(kept_, x.stats(), -1);
        x.set_service(serves, flags, t, held);
        add_stats(kept_, x.stats(), +1);
        for (unsigned s = 0; s < x.slot_count(); ++s) packer_.slot_changed(e, s, old_free[s], x.slot_free(s));
        refresh_free_bit(e);
    }

    /// Adds the ENI `spec` describes, serving pods or not, with its CIDRs in its first
    /// slots, in the first vacant entry or at the end; its card holds `card_limit` ENIs and
    /// each has `slots` slots. All or nothing. O(CIDRs + ENIs). Errors: `conflicting_grant`
    /// (no id, or CIDRs or primary IP that cidr_index::validate refuses), `duplicate_eni`
    /// (id, or device index on the card, taken), `eni_limit_reached`, `slot_limit_reached`.
    result<void> add(const eni_spec& spec, bool serves, unsigned card_limit, unsigned slots, timestamp t) {
        if (spec.id.empty()) return error(errc::conflicting_grant, "the ENI has no id");
        unsigned on_card = 0, live = 0, e = static_cast<unsigned>(enis_.size());
        for (unsigned i = 0; i < enis_.size(); ++i) {
            const eni& x = enis_[i];
            if (x.vacant()) {
                e = std::min(e, i);
                continue;
            }
            ++live;
            if (x.id() == spec.id) return error(errc::duplicate_eni, spec.id);
            if (x.network_card() == spec.network_card) {
                ++on_card;
                if (x.device_index() == spec.device_index)
                    return error(errc::duplicate_eni, fmt::format("device index {} on card {} is taken by {}",
                                                                  spec.device_index, spec.network_card, x.id()));
            }
        }
        if (on_card >= card_limit || (e == enis_.size() && live >= max_enis_per_node))
            return error(errc::eni_limit_reached, fmt::format("card {} holds {} ENIs", spec.network_card, on_card));
        if (spec.cidrs.size() > slots)
            return error(errc::slot_limit_reached, fmt::format("{} CIDRs for {} slots", spec.cidrs.size(), slots));
        if (auto ok = cidrs_.validate(spec.subnet, spec.cidrs, spec.primary_ip); !ok) return ok;
        eni x(spec.id, spec.device_index, spec.network_card, spec.subnet, spec.primary_ip, slots, spec.flags, serves, t);
        if (e < enis_.size()) {
            enis_[e] = std::move(x);
        } else {
            enis_.push_back(std::move(x));
        }
        cidrs_.add_primary(e, spec.primary_ip);
        for (unsigned i = 0; i < spec.cidrs.size(); ++i) {
            change_slot(e, i, [&](eni& y) { y.add_slot(i, spec.cidrs[i], t); });
            cidrs_.add(e, i, spec.cidrs[i]);
        }
        return success();
    }

    /// Adds validated `cidrs` to ENI `e`'s first empty slots (leaving at once if it is
    /// detaching). O(CIDRs x slots).
    void add_cidrs(unsigned e, const std::vector<ipv4_prefix>& cidrs, timestamp t) {
        for (const ipv4_prefix& c : cidrs) {
            const unsigned s = enis_[e].first_empty_slot();
            change_slot(e, s, [&](eni& y) {
                y.add_slot(s, c, t);
                if (y.detaching()) y.set_leaving(s, true, t);  // granted while detaching: leaves with it
            });
            cidrs_.add(e, s, c);
        }
    }

    /// Empties slot `s` of ENI `e` (its CIDR leaves the index). O(1).
    void remove_slot(unsigned e, unsigned s) {
        cidrs_.remove(enis_[e].slot_at(s).cidr());
        change_slot(e, s, [s](eni& y) { y.remove_slot(s); });
    }

    /// Removes ENI `e`: its CIDRs and primary IP leave the index, its entry becomes vacant.
    /// O(slots).
    void erase(unsigned e) {
        for (unsigned s = 0; s < enis_[e].slot_count(); ++s)
            if (enis_[e].slot_at(s).kind != slot_kind::empty) remove_slot(e, s);
        cidrs_.remove(ipv4_prefix::truncate(enis_[e].primary_ip(), 32));
        enis_[e] = eni{};
        with_free_.reset(e);
    }

private:
    void refresh_free_bit(unsigned e) noexcept {
        if (enis_[e].free_count() == 0) {
            with_free_.reset(e);
        } else {
            with_free_.set(e);
        }
    }

    std::vector<eni> enis_;
    hierarchical_bitset<max_enis_per_node> with_free_;
    eni_stats kept_;  // sums over the ENIs; its prefix free / cooling go stale (see node_sums)
    cidr_index cidrs_;
    [[no_unique_address]] packer<Packing> packer_;
};

} // namespace enipool::detail
