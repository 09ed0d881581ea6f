// enipool/packing.hpp: packing strategies, which free lane a node pool hands out next.
//
// Tag types name the strategy (`node_pool<..., packing<fullest_prefix>>`); the pool keeps a
// `detail::packer<Tag>` that it informs whenever a slot's number of free lanes changes.
// Every pick is O(1): a few count-trailing-zeros over hierarchical bitsets, no scan.
#pragma once

#include <enipool/bitset.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/registry.hpp>

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstdint>
#include <string_view>
#include <utility>

namespace enipool {

/// Lowest lane first (default): the lowest ENI (in the pool's order) with a free lane, its
/// lowest free lane. Deterministic; fills slots in order.
struct lowest_lane {
    static constexpr std::string_view name = "lowest-lane";
    static constexpr std::string_view description = "lowest free lane of the lowest ENI";
};

/// Fullest prefix first: the lane comes from the slot with the fewest free lanes (secondary
/// IPs, with one lane, count as fullest), lowest such slot on ties. Pods concentrate, so
/// whole prefixes empty out and can be released (the VPC Resource Controller's rule).
struct fullest_prefix {
    static constexpr std::string_view name = "fullest-prefix";
    static constexpr std::string_view description = "a lane of the slot with the fewest free lanes";
};

/// Spread: round-robin over ENIs, and within an ENI over its slots, so that consecutive
/// pods land on different ENIs / prefixes.
struct spread {
    static constexpr std::string_view name = "spread";
    static constexpr std::string_view description = "round-robin over ENIs and their slots";
};

/// Every packing, in the order of the default first. node_pool's `packing<P>` option takes
/// one of these (each has its `detail::packer` specialisation below).
using packings = type_list<lowest_lane, fullest_prefix, spread>;
static_assert(names_unique<packings>());

namespace detail {

/// A (ENI index, lane) pair that a packer picked.
struct lane_pick {
    unsigned eni = 0;
    unsigned lane = 0;
};

template <class Packing>
class packer;

template <>
class packer<lowest_lane> {
public:
    template <class Enis>
    [[nodiscard]] lane_pick pick(const hierarchical_bitset<max_enis_per_node>& with_free,
                                 const Enis& enis) const noexcept {
        const auto e = static_cast<unsigned>(with_free.find_first());
        return {e, static_cast<unsigned>(enis[e].free_lanes().find_first())};
    }
    static constexpr bool tracks_slots = false;  ///< slot_changed does nothing: skip counting
    void slot_changed(unsigned, unsigned, unsigned, unsigned) noexcept {}
    template <class Enis>
    [[nodiscard]] result<void> check(const Enis&) const { return success(); }
};

template <>
class packer<spread> {
public:
    template <class Enis>
    [[nodiscard]] lane_pick pick(const hierarchical_bitset<max_enis_per_node>& with_free,
                                 const Enis& enis) noexcept {
        const auto e = static_cast<unsigned>(with_free.find_next_wrapping((last_eni_ + 1) % max_enis_per_node));
        const auto& free = enis[e].free_lanes();
        const unsigned next_slot = (last_slot_[e] + 1u) % max_slots_per_eni;
        const auto lane = static_cast<unsigned>(free.find_next_wrapping(next_slot * lanes_per_slot));
        last_eni_ = e;
        last_slot_[e] = static_cast<std::uint8_t>(lane / lanes_per_slot);
        return {e, lane};
    }
    static constexpr bool tracks_slots = false;  ///< slot_changed does nothing: skip counting
    void slot_changed(unsigned, unsigned, unsigned, unsigned) noexcept {}
    template <class Enis>
    [[nodiscard]] result<void> check(const Enis&) const { return success(); }

private:
    unsigned last_eni_ = max_enis_per_node - 1;
    std::array<std::uint8_t, max_enis_per_node> last_slot_ = filled(max_slots_per_eni - 1);
    static constexpr std::array<std::uint8_t, max_enis_per_node> filled(unsigned v) noexcept {
        std::array<std::uint8_t, max_enis_per_node> a{};
        a.fill(static_cast<std::uint8_t>(v));
        return a;
    }
};

template <>
class packer<fullest_prefix> {
    static constexpr std::size_t node_slots = std::size_t{max_enis_per_node} * max_slots_per_eni;

public:
    // Slots with k free lanes (k = 1..16) sit in bucket k-1, indexed eni * 63 + slot.
    template <class Enis>
    [[nodiscard]] lane_pick pick(const hierarchical_bitset<max_enis_per_node>&,
                                 const Enis& enis) const noexcept {
        const auto bucket = static_cast<unsigned>(std::countr_zero(non_empty_));
        const std::size_t node_slot = buckets_[bucket].find_first();
        const auto e = static_cast<unsigned>(node_slot / max_slots_per_eni);
        const auto s = static_cast<unsigned>(node_slot % max_slots_per_eni);
        return {e, static_cast<unsigned>(enis[e].free_lanes().find_next(s * lanes_per_slot))};
    }
    static constexpr bool tracks_slots = true;
    void slot_changed(unsigned e, unsigned s, unsigned old_free, unsigned new_free) noexcept {
        if (old_free == new_free) return;
        const std::size_t node_slot = std::size_t{e} * max_slots_per_eni + s;
        if (old_free > 0) {
            buckets_[old_free - 1].reset(node_slot);
            if (buckets_[old_free - 1].empty()) non_empty_ &= ~(1u << (old_free - 1));
        }
        if (new_free > 0) {
            buckets_[new_free - 1].set(node_slot);
            non_empty_ |= 1u << (new_free - 1);
        }
    }
    template <class Enis>
    [[nodiscard]] result<void> check(const Enis& enis) const {
        std::size_t members = 0;
        for (unsigned b = 0; b < lanes_per_slot; ++b) {
            if (!buckets_[b].invariants_hold() || buckets_[b].empty() != !((non_empty_ >> b) & 1u))
                return error(errc::pool_invariant_broken, fmt::format("fullest_prefix: bucket {} is inconsistent", b + 1));
            members += buckets_[b].count();
        }
        std::size_t expected = 0;
        for (unsigned e = 0; e < enis.size(); ++e)
            for (unsigned s = 0; s < enis[e].slot_count(); ++s) {
                const unsigned f = enis[e].slot_free(s);
                if (f == 0) continue;
                ++expected;
                if (!buckets_[f - 1].test(std::size_t{e} * max_slots_per_eni + s))
                    return error(errc::pool_invariant_broken,
                                 fmt::format("fullest_prefix: slot {} of ENI {} is not in bucket {}", s, e, f));
            }
        if (expected != members)
            return error(errc::pool_invariant_broken, "fullest_prefix: a bucket holds a stale slot");
        return success();
    }

private:
    std::array<hierarchical_bitset<node_slots>, lanes_per_slot> buckets_{};
    std::uint32_t non_empty_ = 0;
};

} // namespace detail
} // namespace enipool
