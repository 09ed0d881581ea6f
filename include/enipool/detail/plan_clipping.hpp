// enipool/detail/plan_clipping.hpp: unit sizes and the clipping of planned growth to the
// room and to max pods (internal).
//
// The one place that computes how many addresses a unit holds and how many units still fit
// under max pods: the warm strategies (detail/warm_support.hpp) use it when they ask, the
// node pool when it clips what they asked for.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/eni.hpp>
#include <enipool/limits.hpp>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <variant>
#include <vector>

namespace enipool::detail {

/// ceil(a / b) for b > 0. O(1).
[[nodiscard]] constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) noexcept {
    return (a + b - 1) / b;
}

/// max(a - b, 0) on unsigned counts. O(1).
[[nodiscard]] constexpr std::uint64_t minus_floor0(std::uint64_t a, std::uint64_t b) noexcept {
    return a > b ? a - b : 0;
}

/// Addresses one unit of `mode` holds: 16 for a /28 prefix, 1 for a secondary IP. O(1).
[[nodiscard]] constexpr std::uint64_t unit_addresses(address_mode mode) noexcept {
    return mode == address_mode::prefix ? addresses_per_prefix : 1;
}

/// Units of `mode` that may still be asked for when the pool holds `total` addresses:
/// ceil((max_pods - total) / unit), so the last prefix may carry the total up to 15
/// addresses past max_pods (otherwise max_pods pods could never all get an address in
/// prefix mode; the VPC CNI does the same). Unbounded when max_pods is 0. O(1).
[[nodiscard]] constexpr std::uint64_t units_below_max_pods(std::uint64_t max_pods, std::uint64_t total,
                                                           address_mode mode) noexcept {
    if (max_pods == 0) return std::numeric_limits<std::uint64_t>::max();
    return ceil_div(minus_floor0(max_pods, total), unit_addresses(mode));
}

/// A planned count of `mode` units clipped to `room` and to max pods, given the `capacity`
/// (addresses held and already planned): nothing once capacity reaches max pods; else, with
/// `clip_to_max_pods`, at most units_below_max_pods (one unit may overshoot), without it
/// the room alone (the VPC CNI's way). O(1).
[[nodiscard]] constexpr unsigned clip_count(address_mode mode, unsigned wanted, unsigned room, std::uint64_t capacity,
                                            std::uint64_t max_pods, bool clip_to_max_pods) noexcept {
    std::uint64_t count = std::min(wanted, room);
    if (max_pods != 0) {
        if (capacity >= max_pods) return 0;
        if (clip_to_max_pods) count = std::min(count, units_below_max_pods(max_pods, capacity, mode));
    }
    return static_cast<unsigned>(count);
}

/// Whether a pool with warm strategy `warm` clips growth counts to max pods: yes, unless the
/// strategy says no (`clips_growth_to_max_pods()`; the VPC CNI only stops growing once max
/// pods is reached). O(1).
template <class Warm>
[[nodiscard]] bool clips_growth_to_max_pods(const Warm& warm) noexcept {
    if constexpr (requires(const Warm& w) { { w.clips_growth_to_max_pods() } -> std::convertible_to<bool>; })
        return warm.clips_growth_to_max_pods();
    else
        return true;
}

/// True for the actions that grow the pool (attach, assign). O(1).
[[nodiscard]] inline bool is_growth(const action& a) noexcept {
    return std::holds_alternative<attach_eni>(a) || std::holds_alternative<assign_to_eni>(a);
}

/// True when action `a` names ENI `id`. O(1).
[[nodiscard]] inline bool names_eni(const action& a, std::string_view id) noexcept {
    return std::visit(
        [&](const auto& x) {
            if constexpr (requires { x.eni_id; }) return x.eni_id == id;
            else return false;
        },
        a);
}

/// The lowest device index on `card` that no ENI in `enis` uses and no attach in the
/// `planned` lists asks for (ipamd's awsGetFreeDeviceNumber). O(index x (ENIs + actions)).
template <class Enis>
[[nodiscard]] unsigned lowest_free_device_index(const Enis& enis, unsigned card,
                                                std::initializer_list<const std::vector<action>*> planned) noexcept {
    for (unsigned d = 0;; ++d) {
        bool used = false;
        for (const auto& x : enis) used = used || (!x.vacant() && x.network_card() == card && x.device_index() == d);
        for (const auto* list : planned)
            for (const action& a : *list)
                if (auto* at = std::get_if<attach_eni>(&a)) used = used || at->device_index == d;
        if (!used) return d;
    }
}

/// Clips one plan()'s growth actions, in order, to what is left after those before them:
/// ENIs (serving ones under `max_serving`, the card's under `card_limit`, attaches in
/// flight counted), an ENI's free slots (less earlier assigns to it) and max pods.
class growth_clipper {
public:
    struct limits {
        std::uint64_t max_pods = 0;     ///< 0: none
        bool clip_to_max_pods = true;   ///< see clip_count
        unsigned max_serving = 0;       ///< view.max_enis
        unsigned card = 0;              ///< the pool's card
        unsigned card_limit = 0;        ///< ENIs the card holds
        unsigned slots_per_eni = 0;
    };

    /// Starts from the pool's ENIs, its attaches in flight and its `total` addresses.
    /// O(ENIs + actions).
    growth_clipper(const std::vector<eni>& enis, const std::vector<action>& in_flight, std::uint64_t total, limits l)
        : limits_(l), capacity_(total) {
        for (const eni& x : enis) {
            if (x.vacant()) continue;
            if (x.serves_pods()) ++serving_;
            if (x.network_card() == l.card) ++on_card_;
        }
        for (const action& a : in_flight)
            if (std::holds_alternative<attach_eni>(a)) {
                ++serving_;
                ++on_card_;
            }
    }

    /// Clips `at` and stamps its card and the lowest free device index (`enis`, the
    /// `in_flight` and `planned` attaches considered). False: drop it. O(index x (ENIs + actions)).
    bool clip(attach_eni& at, const std::vector<eni>& enis, const std::vector<action>& in_flight,
              const std::vector<action>& planned) noexcept {
        if (serving_ >= limits_.max_serving || on_card_ >= limits_.card_limit) return false;
        const unsigned count = clip_count(at.mode, at.count, limits_.slots_per_eni);
        if (count == 0) return false;
        at.count = count;
        at.network_card = limits_.card;
        at.device_index = lowest_free_device_index(enis, limits_.card, {&in_flight, &planned});
        capacity_ += count * unit_addresses(at.mode);
        ++serving_;
        ++on_card_;
        return true;
    }

    /// Clips `as`, an assign to `x`, to its free slots less the `planned` assigns to it.
    /// False: drop it. O(actions).
    bool clip(assign_to_eni& as, const eni& x, const std::vector<action>& planned) noexcept {
        if (!x.serves_pods() || x.detaching()) return false;
        unsigned room = x.slot_count() - x.slots_used();
        for (const action& o : planned)
            if (auto* prior = std::get_if<assign_to_eni>(&o); prior && prior->eni_id == as.eni_id) room -= prior->count;
        const unsigned count = clip_count(as.mode, as.count, room);
        if (count == 0) return false;
        as.count = count;
        capacity_ += count * unit_addresses(as.mode);
        return true;
    }

private:
    unsigned clip_count(address_mode mode, unsigned wanted, unsigned room) const noexcept {
        return detail::clip_count(mode, wanted, room, capacity_, limits_.max_pods, limits_.clip_to_max_pods);
    }

    limits limits_;
    std::uint64_t capacity_ = 0;
    unsigned serving_ = 0;
    unsigned on_card_ = 0;
};

} // namespace enipool::detail
