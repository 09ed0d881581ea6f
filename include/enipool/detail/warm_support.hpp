// enipool/detail/warm_support.hpp: the steps every warm strategy shares (internal).
//
// Growth (fill the first ENI that serves pods and has a free slot, else attach a new ENI,
// within the ENI, slot and max-pods limits) and release (wholly free CIDRs of one kind that
// have been free for the strategy's release delay) are the same for the VPC CNI's targets,
// Cilium's watermarks and Auto Mode's warm pool; only how much to ask or give back differs.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/plan_clipping.hpp>
#include <enipool/limits.hpp>
#include <enipool/pool_view.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

namespace enipool::detail {

/// True for a CIDR of `mode`: a /28 for prefix, a /32 for secondary. O(1).
[[nodiscard]] constexpr bool cidr_of_mode(const ipv4_prefix& cidr, address_mode mode) noexcept {
    return cidr.length() == (mode == address_mode::prefix ? 28u : 32u);
}

/// ENIs that serve pods (what view.max_enis bounds). O(ENIs).
[[nodiscard]] inline unsigned serving_enis(const pool_view& v) noexcept {
    return static_cast<unsigned>(
        std::count_if(v.enis.begin(), v.enis.end(), [](const eni_view& e) { return e.serves_pods; }));
}

/// The device index a new ENI gets: one past the highest on the pool's card
/// (view.network_card), so free on that card (the node pool then takes the lowest free one,
/// as ipamd's awsGetFreeDeviceNumber does). O(ENIs).
[[nodiscard]] inline unsigned next_device_index(const pool_view& v) noexcept {
    unsigned next = 0;
    for (const eni_view& e : v.enis)
        if (e.network_card == v.network_card) next = std::max(next, e.device_index + 1);
    return next;
}

/// Units of `mode` that may still be asked for under view.max_pods (see
/// detail/plan_clipping.hpp). Unbounded when max_pods is 0. O(1).
[[nodiscard]] inline std::uint64_t units_below_max_pods(const pool_view& v, address_mode mode) noexcept {
    return units_below_max_pods(v.max_pods, v.total, mode);
}

/// The growth step: `want` units of view.mode on the first ENI that serves pods and has a
/// free slot (at most its free slots), else on a new ENI on view.network_card if fewer than
/// view.max_enis serve pods (at most view.slots_per_eni). Nothing when `want` is 0, growth
/// is in flight, the growth policy backs off, or (with `clip_to_max_pods`) max_pods is
/// reached; without it, the count is not clipped to max pods (the VPC CNI's way: it stops
/// growing only once the total reaches max pods).
/// ENIs for which `skip(eni)` holds are passed over. O(ENIs).
template <class Skip>
void plan_growth(const pool_view& v, std::uint64_t want, std::vector<action>& out, bool clip_to_max_pods, Skip skip) {
    if (want == 0 || v.growth_in_flight || !v.may_grow) return;
    if (clip_to_max_pods) want = std::min(want, units_below_max_pods(v, v.mode));
    if (want == 0) return;
    for (const eni_view& e : v.enis) {
        if (!e.serves_pods || e.slots_used >= e.slots_total || skip(e)) continue;
        const auto count = static_cast<unsigned>(std::min<std::uint64_t>(want, e.slots_total - e.slots_used));
        out.emplace_back(assign_to_eni{0, e.id, v.mode, count});
        return;
    }
    if (serving_enis(v) >= v.max_enis || v.slots_per_eni == 0) return;
    const auto count = static_cast<unsigned>(std::min<std::uint64_t>(want, v.slots_per_eni));
    out.emplace_back(attach_eni{0, v.mode, count, next_device_index(v), v.network_card});
}

inline void plan_growth(const pool_view& v, std::uint64_t want, std::vector<action>& out,
                        bool clip_to_max_pods = true) {
    plan_growth(v, want, out, clip_to_max_pods, [](const eni_view&) { return false; });
}

/// True when a wholly free CIDR has been free for at least `delay`. O(1).
[[nodiscard]] inline bool old_enough(const pool_view& v, const free_cidr& c, std::chrono::nanoseconds delay) noexcept {
    return v.now - c.free_since >= delay;
}

/// Wholly free CIDRs that `plan_release` may give back: of ENIs serving pods, for which
/// `eligible(cidr)` holds, free for at least `delay`. O(ENIs + free CIDRs).
template <class Eligible>
[[nodiscard]] std::uint64_t count_releasable(const pool_view& v, std::chrono::nanoseconds delay, Eligible eligible) {
    std::uint64_t n = 0;
    for (const eni_view& e : v.enis)
        if (e.serves_pods)
            for (const free_cidr& c : e.wholly_free)
                if (eligible(c.cidr) && old_enough(v, c, delay)) ++n;
    return n;
}

/// The release step: walks ENIs serving pods in view order and their wholly free CIDRs in
/// order; `take(cidr)` says whether to give a CIDR back (and counts it). One
/// release_from_eni per ENI. Nothing while a shrink is in flight. O(ENIs + free CIDRs).
template <class Take>
void plan_release(const pool_view& v, std::chrono::nanoseconds delay, Take take, std::vector<action>& out) {
    if (v.shrink_in_flight) return;
    for (const eni_view& e : v.enis) {
        if (!e.serves_pods) continue;
        release_from_eni r{0, e.id, {}};
        for (const free_cidr& c : e.wholly_free)
            if (old_enough(v, c, delay) && take(c.cidr)) r.cidrs.push_back(c.cidr);
        if (!r.cidrs.empty()) out.emplace_back(std::move(r));
    }
}

/// Releases up to `count` wholly free CIDRs of `mode`. O(ENIs + free CIDRs).
inline void plan_release_of_mode(const pool_view& v, std::chrono::nanoseconds delay, address_mode mode,
                                 std::uint64_t count, std::vector<action>& out) {
    if (count == 0) return;
    plan_release(
        v, delay,
        [&](const ipv4_prefix& cidr) {
            if (count == 0 || !cidr_of_mode(cidr, mode)) return false;
            --count;
            return true;
        },
        out);
}

} // namespace enipool::detail
