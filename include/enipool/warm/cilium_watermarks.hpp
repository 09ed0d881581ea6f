// enipool/warm/cilium_watermarks.hpp: Cilium's ENI-mode watermarks as a warm strategy.
//
// pre-allocate, min-allocate, max-allocate and max-above-watermark (docs/domain.md section 5):
// needed = max(pre - (avail - used), min - avail), clamped to max; growth asks needed +
// max-above-watermark. Excess addresses (Cilium's calculateExcessIPs, never below min) are
// given back after a delay (180 s), in prefix mode only as whole /28s. Cilium's
// permanent fallback to secondary IPs on InsufficientCidrBlocks belongs to the growth policy:
// use `prefix_first` with `permanent_fallback = true`. Cilium never detaches ENIs; neither
// does this strategy.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/warm_support.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/warm_strategy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace enipool {

/// cilium_watermarks' knobs, named after Cilium's CiliumNode spec.ipam fields; every default
/// here. As in Cilium, 0 means "not set" for min_allocate and max_allocate.
struct cilium_watermarks_config {
    unsigned pre_allocate = 8;         ///< spec.ipam.pre-allocate: free addresses to keep (8)
    unsigned min_allocate = 0;         ///< spec.ipam.min-allocate: addresses to hold at least (0: none)
    unsigned max_allocate = 0;         ///< spec.ipam.max-allocate: addresses to hold at most (0: none)
    unsigned max_above_watermark = 0;  ///< spec.ipam.max-above-watermark: extra per growth (0)
    /// Give excess capacity back at all (Cilium's --aws-release-excess-ips; Cilium's default
    /// is false, enipool's true so that the watermarks work both ways).
    bool release_excess = true;
    /// A wholly free CIDR is given back only after it has been free this long (Cilium's
    /// excess-IP release delay, 180 s).
    std::chrono::nanoseconds release_delay = std::chrono::seconds{180};
};

/// Cilium's watermark decisions. Stateless: a pure function of the view. In Cilium's terms
/// avail = addresses held (view.total) and used = addresses not free (assigned + cooling:
/// a cooling address cannot be handed out, so it is used here).
class cilium_watermarks {
public:
    using config = cilium_watermarks_config;

    /// O(1), no errors.
    explicit cilium_watermarks(const config& c = {}) noexcept : config_(c) {}
    /// Errors: `malformed_config` when min_allocate is above a set max_allocate (no pool
    /// size satisfies both). O(1).
    [[nodiscard]] static result<void> check_config(const config& c) {
        if (c.max_allocate != 0 && c.min_allocate > c.max_allocate)
            return error(errc::malformed_config, fmt::format("min-allocate {} is above max-allocate {}",
                                                             c.min_allocate, c.max_allocate));
        return success();
    }

    [[nodiscard]] const config& settings() const noexcept { return config_; }

    /// needed = max(pre - (avail - used), min - avail), then at most max - avail, at least 0.
    /// In addresses. O(1).
    [[nodiscard]] std::uint64_t needed(const pool_view& v) const noexcept {
        const std::uint64_t avail = v.total;
        const std::uint64_t spare = v.free;  // avail - used
        std::uint64_t n = std::max(detail::minus_floor0(config_.pre_allocate, spare),
                                   detail::minus_floor0(config_.min_allocate, avail));
        if (config_.max_allocate != 0) n = std::min(n, detail::minus_floor0(config_.max_allocate, avail));
        return n;
    }

    /// Addresses a growth step asks for: needed + max_above_watermark (0 when nothing is
    /// needed), at most max - avail. O(1).
    [[nodiscard]] std::uint64_t growth_addresses(const pool_view& v) const noexcept {
        const std::uint64_t n = needed(v);
        if (n == 0) return 0;
        std::uint64_t want = n + config_.max_above_watermark;
        if (config_.max_allocate != 0) want = std::min(want, detail::minus_floor0(config_.max_allocate, v.total));
        return want;
    }

    /// Cilium's calculateExcessIPs: 0 while used <= min + max_above_watermark and avail <=
    /// min + max_above_watermark (the initial allocation is kept), else avail - used - pre -
    /// max_above_watermark, at least 0. enipool adds a floor: never below min_allocate held
    /// (Cilium's formula can release below it and then grow again). 0 when release_excess is
    /// off. In addresses. O(1).
    [[nodiscard]] std::uint64_t excess(const pool_view& v) const noexcept {
        if (!config_.release_excess) return 0;
        const std::uint64_t avail = v.total;
        const std::uint64_t used = detail::minus_floor0(v.total, v.free);
        const std::uint64_t socket = std::uint64_t{config_.min_allocate} + config_.max_above_watermark;
        if (used <= socket && avail <= socket) return 0;
        const std::uint64_t e = detail::minus_floor0(
            v.free, std::uint64_t{config_.pre_allocate} + config_.max_above_watermark);
        return std::min(e, detail::minus_floor0(avail, config_.min_allocate));
    }

    /// CIDRs of the current mode to give back: excess / 16 whole /28s in prefix mode, excess
    /// /32s in secondary mode. O(1).
    [[nodiscard]] std::uint64_t excess_cidrs(const pool_view& v) const noexcept {
        return excess(v) / detail::unit_addresses(v.mode);
    }

    /// Growth (needed > 0: ceil(growth_addresses / unit) units of view.mode on the first ENI
    /// with a free slot, else a new ENI) or release of excess_cidrs wholly free CIDRs free
    /// for release_delay. Request ids are left 0. O(ENIs + free CIDRs).
    [[nodiscard]] std::vector<action> plan(const pool_view& v) const {
        std::vector<action> out;
        if (v.max_pods != 0 && v.total >= v.max_pods) {
            // At max pods: never grow; excess is still given back.
        } else if (const std::uint64_t want = growth_addresses(v); want > 0) {
            detail::plan_growth(v, detail::ceil_div(want, detail::unit_addresses(v.mode)), out);
            return out;
        }
        detail::plan_release_of_mode(v, config_.release_delay, v.mode, excess_cidrs(v), out);
        return out;
    }

private:
    config config_;
};

static_assert(warm_strategy<cilium_watermarks>);

} // namespace enipool
