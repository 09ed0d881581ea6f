// enipool/detail/plan_clipping.hpp: unit sizes and the clipping of planned growth to the
// room and to max pods (internal).
//
// The one place that computes how many addresses a unit holds and how many units still fit
// under max pods: the warm strategies (detail/warm_support.hpp) use it when they ask, the
// node pool when it clips what they asked for.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/limits.hpp>

#include <algorithm>
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

} // namespace enipool::detail
