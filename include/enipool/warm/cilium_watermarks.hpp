// enipool/warm/cilium_watermarks.hpp: Cilium's ENI-mode watermarks as a warm strategy.
//
// By default this decides as Cilium's operator does (pinned: DataDog/cilium@06d2b53 pkg/ipam/node.go,
// which carries cilium#28467 and GetUsedIPWithPrefixes; release path of cilium/cilium's
// pkg/aws/eni/node.go PrepareIPRelease): needed = calculateNeededIPs, excess =
// calculateExcessIPs, growth asks needed + max-above-watermark, release (off by default, as
// --aws-release-excess-ips) comes first and takes from one ENI per round. enipool's own
// improvements are opt-in options of cilium_watermarks_config, off by default; improved()
// turns them all on. Cilium's permanent fallback to secondary IPs belongs to the growth
// policy: use `prefix_first` with `permanent_fallback = true`. Cilium never detaches ENIs;
// neither does this strategy. Not modelled: surge allocation for pending pods, and the
// release delay counted from when an address was first selected as excess (the view only
// knows since when it is free).
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/warm_support.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/warm_strategy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace enipool {

/// cilium_watermarks' knobs, named after Cilium's CiliumNode spec.ipam fields; every default
/// here. As in Cilium, 0 means "not set" for min_allocate and max_allocate, and
/// pre_allocate 0 means the default 8.
struct cilium_watermarks_config {
    int pre_allocate = 8;              ///< spec.ipam.pre-allocate (0: 8; negative passes through, as in Cilium)
    unsigned min_allocate = 0;         ///< spec.ipam.min-allocate: addresses to hold at least (0: none)
    unsigned max_allocate = 0;         ///< spec.ipam.max-allocate (0: the instance's maximum)
    unsigned max_above_watermark = 0;  ///< spec.ipam.max-above-watermark: extra per growth (0)
    /// Give excess back at all (Cilium's --aws-release-excess-ips, default false).
    bool release_excess = false;
    /// An address selected for release goes once it has been free this long (Cilium's
    /// --excess-ip-release-delay, 180 s; enipool measures from when the CIDR became free).
    std::chrono::nanoseconds release_delay = std::chrono::seconds{180};

    // enipool's improvements; each off by default.

    /// Cilium maps spec pre-allocate 0 to 8 (pkg/ipam/node.go, getPreAllocate); this option
    /// makes 0 keep no free address, because an explicit 0 should be expressible.
    bool zero_pre_allocate_means_zero = false;
    /// Cilium asks needed + max-above-watermark, not capped by max-allocate (node.go,
    /// determineMaintenanceAction); this option caps the ask at max-allocate - avail, because
    /// max-allocate is meant as a ceiling.
    bool cap_growth_at_max_allocate = false;
    /// Cilium's excess follows cilium#28467 (node.go, calculateExcessIPs); this option uses
    /// the older two-branch formula floored at min-allocate held, because releasing below
    /// min-allocate only grows back (enipool's historic numbers).
    bool legacy_excess_with_min_floor = false;
    /// Cilium counts a /28 with any used address as 16 used for excess in prefix mode
    /// (node.go, recalculate: GetUsedIPWithPrefixes); this option counts used addresses
    /// exactly, because sparse prefixes otherwise hide excess (cilium#39904).
    bool count_used_exactly_in_prefix_mode = false;
    /// Cilium skips ENIs holding prefixes when releasing (pkg/aws/eni/node.go,
    /// PrepareIPRelease); this option releases their wholly free /28s (16 addresses each,
    /// while excess >= 16), because otherwise prefix mode never gives anything back (cilium#32209).
    bool release_whole_prefixes = false;
    /// Cilium releases from one ENI per round, the one with most releasable (eni/node.go,
    /// PrepareIPRelease); this option releases across all ENIs in one plan, because the
    /// pool converges in one round.
    bool release_across_enis = false;
    /// Cilium sizes a new ENI as min(MaxIPsToAllocate, IPv4 per ENI - 1) addresses, so in
    /// prefix mode ceil(that / 16) prefixes (eni/node.go, CreateInterface); this option asks
    /// ceil(MaxIPsToAllocate / 16) prefixes up to the ENI's slots, because it saves EC2 calls.
    bool size_new_eni_in_units = false;
    /// Cilium has no max-pods ceiling on a growth's size (node.go, handleIPAllocation); this
    /// option clips the count to ceil((max pods - held) / unit), because addresses past max
    /// pods are never used. (Growth stops at max pods either way: the pool refuses it.)
    bool clip_growth_to_max_pods = false;

    /// Every improvement on, and release_excess on: enipool's recommended behaviour. O(1).
    [[nodiscard]] static cilium_watermarks_config improved() noexcept {
        cilium_watermarks_config c;
        c.release_excess = c.zero_pre_allocate_means_zero = c.cap_growth_at_max_allocate = true;
        c.legacy_excess_with_min_floor = c.count_used_exactly_in_prefix_mode = c.release_whole_prefixes = true;
        c.release_across_enis = c.size_new_eni_in_units = c.clip_growth_to_max_pods = true;
        return c;
    }
};

/// Cilium's watermark decisions. Stateless: a pure function of the view. In Cilium's terms
/// avail = addresses held (view.total) and used = addresses not free (assigned + cooling:
/// Cilium has no cooldown, so run the pool with cooldown 0 to compare).
class cilium_watermarks {
public:
    using config = cilium_watermarks_config;
    static constexpr std::string_view name = "cilium";  ///< enipool-plan --warm
    static constexpr std::string_view description = "Cilium's watermarks";
    using ll = long long;

    /// O(1), no errors.
    explicit cilium_watermarks(const config& c = {}) noexcept : config_(c) {}

    /// Errors: `malformed_config` when min_allocate is above a set max_allocate (no pool
    /// size satisfies both) or release_delay is negative. O(1).
    [[nodiscard]] static result<void> check_config(const config& c) {
        if (c.max_allocate != 0 && c.min_allocate > c.max_allocate)
            return error(errc::malformed_config, fmt::format("min-allocate {} is above max-allocate {}",
                                                             c.min_allocate, c.max_allocate));
        if (c.release_delay < std::chrono::nanoseconds::zero())
            return error(errc::malformed_config, "the excess release delay must not be negative");
        return success();
    }

    [[nodiscard]] const config& settings() const noexcept { return config_; }

    /// Cilium's calculateNeededIPs: pre - (avail - used), at least min - avail when min > 0,
    /// at most max - avail when max > 0, at least 0. O(1), no errors.
    [[nodiscard]] static constexpr ll calculate_needed_ips(ll avail, ll used, ll pre, ll min, ll max) noexcept {
        ll n = pre - (avail - used);
        if (min > 0) n = std::max(n, min - avail);
        if (max > 0 && avail + n > max) n = max - avail;
        return std::max(n, ll{0});
    }

    /// Cilium's calculateExcessIPs with cilium#28467: 0 while used and avail are within
    /// min + mab; avail - min - mab while used + pre is; else avail - used - pre - mab, at
    /// least 0. O(1), no errors.
    [[nodiscard]] static constexpr ll calculate_excess_ips(ll avail, ll used, ll pre, ll min, ll mab) noexcept {
        if (used <= min + mab) {
            if (avail <= min + mab) return 0;
            if (used + pre <= min + mab) return avail - min - mab;
        }
        return std::max(avail - used - pre - mab, ll{0});
    }

    /// Cilium's getPreAllocate: 0 means 8 (unless zero_pre_allocate_means_zero). O(1).
    [[nodiscard]] ll pre_allocate() const noexcept {
        return config_.pre_allocate == 0 && !config_.zero_pre_allocate_means_zero ? 8 : config_.pre_allocate;
    }

    /// Cilium's IsPrefixDelegated: prefix mode (or prefixes held) and no secondary IP held
    /// on an ENI serving pods. O(ENIs).
    [[nodiscard]] static bool prefix_delegated(const pool_view& v) noexcept {
        if (v.mode != address_mode::prefix && v.total_prefixes == 0) return false;
        return std::none_of(v.enis.begin(), v.enis.end(),
                            [](const eni_view& e) { return e.serves_pods && e.secondaries != 0; });
    }

    /// Cilium's getMaxAllocate: max_allocate, else the instance's maximum (ENIs x slots, x 16
    /// when prefix-delegated: GetMaximumAllocatableIPv4 with first interface index 0). O(ENIs).
    [[nodiscard]] ll max_allocate(const pool_view& v) const noexcept {
        if (config_.max_allocate != 0) return config_.max_allocate;
        return ll{v.max_enis} * v.slots_per_eni * (prefix_delegated(v) ? 16 : 1);
    }

    /// Addresses needed (Cilium's NeededIPs). O(1), no errors.
    [[nodiscard]] std::uint64_t needed(const pool_view& v) const noexcept {
        return static_cast<std::uint64_t>(
            calculate_needed_ips(avail(v), used(v), pre_allocate(), config_.min_allocate, max_allocate(v)));
    }

    /// Addresses a growth step asks for (Cilium's MaxIPsToAllocate): needed +
    /// max_above_watermark, 0 when nothing is needed. O(1), no errors.
    [[nodiscard]] std::uint64_t growth_addresses(const pool_view& v) const noexcept {
        const std::uint64_t n = needed(v);
        if (n == 0) return 0;
        ll want = static_cast<ll>(n) + config_.max_above_watermark;
        if (config_.cap_growth_at_max_allocate && config_.max_allocate != 0)
            want = std::min(want, ll{config_.max_allocate} - avail(v));
        return static_cast<std::uint64_t>(std::max(want, ll{0}));
    }

    /// Used addresses as Cilium's excess counts them: when prefix-delegated a /28 that is
    /// not wholly free counts 16 (GetUsedIPWithPrefixes). O(ENIs + free CIDRs).
    [[nodiscard]] ll used_for_excess(const pool_view& v) const noexcept {
        if (!prefix_delegated(v) || config_.count_used_exactly_in_prefix_mode) return used(v);
        ll n = 0;
        for (const eni_view& e : v.enis) {
            if (!e.serves_pods) continue;
            ll touched = e.prefixes;
            for (const free_cidr& c : e.wholly_free) touched -= c.cidr.length() == 28 ? 1 : 0;
            n += 16 * touched;
        }
        return n;
    }

    /// Addresses in excess (Cilium's ExcessIPs; legacy formula floored at min-allocate with
    /// legacy_excess_with_min_floor). 0 when release_excess is off. O(ENIs).
    [[nodiscard]] std::uint64_t excess(const pool_view& v) const noexcept {
        if (!config_.release_excess) return 0;
        const ll a = avail(v), u = used_for_excess(v), pre = pre_allocate();
        const ll min = config_.min_allocate, mab = config_.max_above_watermark;
        if (!config_.legacy_excess_with_min_floor) return static_cast<std::uint64_t>(calculate_excess_ips(a, u, pre, min, mab));
        if (u <= min + mab && a <= min + mab) return 0;
        return static_cast<std::uint64_t>(std::min(std::max(a - u - pre - mab, ll{0}), std::max(a - min, ll{0})));
    }

    /// Whether node_pool clips growth counts to max pods (clip_growth_to_max_pods). O(1).
    [[nodiscard]] bool clips_growth_to_max_pods() const noexcept { return config_.clip_growth_to_max_pods; }

    /// Release first when there is excess (release_from_eni actions; see plan_release), else
    /// growth when needed: units of view.mode on the first ENI with a free slot, else a new
    /// ENI (Cilium's size, see size_new_eni_in_units). Nothing grows at view.max_pods.
    /// Request ids are left 0. O(ENIs log ENIs + free CIDRs).
    [[nodiscard]] std::vector<action> plan(const pool_view& v) const {
        std::vector<action> out;
        if (const std::uint64_t e = excess(v); e > 0) {
            plan_release(v, e, out);
            return out;
        }
        if (v.max_pods != 0 && v.total >= v.max_pods) return out;
        const std::uint64_t want = growth_addresses(v);
        if (want == 0) return out;
        const std::uint64_t unit = detail::unit_addresses(v.mode);
        const bool slot_free = std::any_of(v.enis.begin(), v.enis.end(), [](const eni_view& e) {
            return e.serves_pods && e.slots_used < e.slots_total;
        });
        const std::uint64_t addresses =
            slot_free || config_.size_new_eni_in_units ? want : std::min<std::uint64_t>(want, v.slots_per_eni);
        detail::plan_growth(v, detail::ceil_div(addresses, unit), out, config_.clip_growth_to_max_pods);
        return out;
    }

private:
    static ll avail(const pool_view& v) noexcept { return static_cast<ll>(v.total); }
    static ll used(const pool_view& v) noexcept { return static_cast<ll>(v.total) - static_cast<ll>(v.free); }

    // The CIDRs of `e` a release of `budget` addresses selects, in view order: wholly free
    // /32s (none on an ENI holding prefixes, unless release_whole_prefixes), and with
    // release_whole_prefixes wholly free /28s while 16 fit. Returns the addresses selected.
    ll select(const eni_view& e, ll budget, std::vector<const free_cidr*>* picked) const {
        if (!e.serves_pods || (e.prefixes != 0 && !config_.release_whole_prefixes)) return 0;
        ll taken = 0;
        for (const free_cidr& c : e.wholly_free) {
            const ll size = c.cidr.length() == 28 ? 16 : 1;
            if (size == 16 && !config_.release_whole_prefixes) continue;
            if (taken + size > budget) continue;
            taken += size;
            if (picked) picked->push_back(&c);
        }
        return taken;
    }

    // Cilium's PrepareIPRelease: the ENI (by sorted id) whose selection is largest, first
    // wins ties (all ENIs in view order with release_across_enis); of the selected CIDRs
    // those free for release_delay are given back. Nothing while a shrink is in flight.
    void plan_release(const pool_view& v, std::uint64_t excess_addresses, std::vector<action>& out) const {
        if (v.shrink_in_flight) return;
        std::vector<const eni_view*> order;
        for (const eni_view& e : v.enis) order.push_back(&e);
        if (!config_.release_across_enis)
            std::stable_sort(order.begin(), order.end(), [](const eni_view* a, const eni_view* b) { return a->id < b->id; });
        ll budget = static_cast<ll>(excess_addresses);
        const eni_view* best = nullptr;
        ll best_size = 0;
        for (const eni_view* e : order) {
            if (config_.release_across_enis) {
                budget -= emit(v, *e, budget, out);
            } else if (const ll s = select(*e, budget, nullptr); s > best_size) {
                best = e;
                best_size = s;
            }
        }
        if (best) emit(v, *best, budget, out);
    }

    // One release_from_eni of `e`'s selection that is old enough; returns the addresses selected.
    ll emit(const pool_view& v, const eni_view& e, ll budget, std::vector<action>& out) const {
        std::vector<const free_cidr*> picked;
        const ll taken = select(e, budget, &picked);
        release_from_eni r{0, e.id, {}};
        for (const free_cidr* c : picked)
            if (detail::old_enough(v, *c, config_.release_delay)) r.cidrs.push_back(c->cidr);
        if (!r.cidrs.empty()) out.emplace_back(std::move(r));
        return taken;
    }

    config config_;
};

static_assert(warm_strategy<cilium_watermarks>);

} // namespace enipool
