// enipool/warm/vpc_cni_warm.hpp: the VPC CNI's (ipamd's) warm-pool targets as a warm strategy.
//
// WARM_ENI_TARGET, WARM_IP_TARGET, MINIMUM_IP_TARGET and WARM_PREFIX_TARGET with the decisions
// of docs/domain.md section 4: pool too low, growth order and counts, pool too high, shrink (only
// wholly free CIDRs, at most every 30 s) and ENI detach. One difference by default: cooling
// addresses are not counted as available (`count_cooling_as_available = true` restores the
// VPC CNI's counting, available = total - assigned, so the difference can be shown).
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/warm_support.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/warm_strategy.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace enipool {

/// vpc_cni_warm's knobs, named after the VPC CNI's environment variables; every default here.
/// An unset std::optional differs from 0: WARM_IP_TARGET=0 means "hold no warm IP" and
/// switches the ENI target off, while unset leaves WARM_ENI_TARGET in charge.
struct vpc_cni_warm_config {
    unsigned warm_eni_target = 1;                  ///< WARM_ENI_TARGET (default 1)
    std::optional<unsigned> warm_ip_target;        ///< WARM_IP_TARGET (unset)
    std::optional<unsigned> minimum_ip_target;     ///< MINIMUM_IP_TARGET (unset)
    /// WARM_PREFIX_TARGET (unset: 0, ipamd's default; the EKS manifest sets 1).
    std::optional<unsigned> warm_prefix_target;
    /// true: available = total - assigned, cooling addresses count as available (the VPC
    /// CNI's known bug: under churn the pool does not grow and pods wait).
    bool count_cooling_as_available = false;
    /// Releases happen at most this often (ipamd's decreaseIPPoolInterval, 30 s).
    std::chrono::nanoseconds shrink_interval = std::chrono::seconds{30};
    /// A wholly free CIDR is released only after it has been free this long (ipamd: none).
    std::chrono::nanoseconds release_delay = std::chrono::seconds{0};
    /// An ENI is detached only when it is older than this (ipamd's minENILifeTime, 1 min).
    std::chrono::nanoseconds min_eni_age = std::chrono::minutes{1};
};

/// The VPC CNI's warm-pool decisions (docs/domain.md section 4). Stateless: a pure function of the view.
///
/// Per plan, at most one of: one growth action (fill the first ENI with a free slot, else
/// attach one ENI), releases of wholly free CIDRs of the current mode, one detach.
class vpc_cni_warm {
public:
    using config = vpc_cni_warm_config;

    /// The counts the decisions read, from a view (or a view minus one ENI, for detach).
    struct counts {
        address_mode mode = address_mode::prefix;
        std::uint64_t total = 0;
        std::uint64_t assigned = 0;
        std::uint64_t cooling = 0;
        std::uint64_t free = 0;
        std::uint64_t total_prefixes = 0;
        std::uint64_t free_prefixes = 0;
        std::uint64_t max_pods = 0;
        std::uint64_t slots_per_eni = 0;
    };

    /// O(1), no errors.
    explicit vpc_cni_warm(const config& c = {}) noexcept : config_(c) {}

    [[nodiscard]] const config& settings() const noexcept { return config_; }

    /// The counts of a view. O(1).
    [[nodiscard]] static counts counts_of(const pool_view& v) noexcept {
        return {v.mode, v.total, v.assigned, v.cooling, v.free, v.total_prefixes,
                v.free_prefixes, v.max_pods, v.slots_per_eni};
    }

    /// WARM_IP_TARGET or MINIMUM_IP_TARGET is set (ipamd's warmTargetDefined). O(1).
    [[nodiscard]] bool ip_targets_set() const noexcept {
        return config_.warm_ip_target.has_value() || config_.minimum_ip_target.has_value();
    }

    /// Addresses a pod could get: free, plus cooling when count_cooling_as_available. O(1).
    [[nodiscard]] std::uint64_t available(const counts& c) const noexcept {
        return config_.count_cooling_as_available ? detail::minus_floor0(c.total, c.assigned) : c.free;
    }

    /// max_ips_per_eni: slots x 1 (secondary) or x 16 (prefix). O(1).
    [[nodiscard]] static std::uint64_t max_ips_per_eni(const counts& c) noexcept {
        return c.slots_per_eni * detail::unit_addresses(c.mode);
    }

    /// short = max(warm_ip - available, 0, minimum_ip - total), in addresses. O(1).
    [[nodiscard]] std::uint64_t shortfall(const counts& c) const noexcept {
        return std::max(detail::minus_floor0(config_.warm_ip_target.value_or(0), available(c)),
                        detail::minus_floor0(config_.minimum_ip_target.value_or(0), c.total));
    }

    /// Pool too low (docs/domain.md section 4): never at max_pods; with IP targets short > 0; else
    /// available < unit * target || (target == 0 && available == 0). O(1).
    [[nodiscard]] bool too_low(const counts& c) const noexcept {
        if (c.max_pods != 0 && c.total >= c.max_pods) return false;
        if (ip_targets_set()) return shortfall(c) > 0;
        const bool prefix = c.mode == address_mode::prefix;
        const std::uint64_t unit = prefix ? addresses_per_prefix : max_ips_per_eni(c);
        const std::uint64_t target = prefix ? config_.warm_prefix_target.value_or(0) : config_.warm_eni_target;
        const std::uint64_t avail = available(c);
        return avail < unit * target || (target == 0 && avail == 0);
    }

    /// Units to ask for when too low (before the ENI's slots and max_pods cap them):
    /// secondary: short, or max_ips_per_eni without IP targets; prefix: max(1, ceil(short /
    /// 16)), or max(1, WARM_PREFIX_TARGET - free prefixes) without IP targets. O(1).
    [[nodiscard]] std::uint64_t growth_units(const counts& c) const noexcept {
        if (c.mode == address_mode::secondary)
            return ip_targets_set() ? shortfall(c) : max_ips_per_eni(c);
        const std::uint64_t need =
            ip_targets_set() ? detail::ceil_div(shortfall(c), addresses_per_prefix)
                             : detail::minus_floor0(config_.warm_prefix_target.value_or(0), c.free_prefixes);
        return std::max<std::uint64_t>(1, need);
    }

    /// CIDRs of the current mode to give back when the pool is too high (0: not too high).
    /// With IP targets, secondary: over = max(min(max(available - warm_ip, 0), total -
    /// minimum_ip), 0); prefix: over_prefixes = max(min(free_prefixes, total_prefixes -
    /// ceil((assigned + warm_ip) / 16), total_prefixes - ceil(minimum_ip / 16)), 0). Without:
    /// prefix mode free_prefixes - WARM_PREFIX_TARGET; secondary mode 0 (never frees IPs). O(1).
    [[nodiscard]] std::uint64_t excess(const counts& c) const noexcept {
        const std::uint64_t warm_ip = config_.warm_ip_target.value_or(0);
        const std::uint64_t min_ip = config_.minimum_ip_target.value_or(0);
        if (ip_targets_set()) {
            if (c.mode == address_mode::secondary)
                return std::min(detail::minus_floor0(available(c), warm_ip), detail::minus_floor0(c.total, min_ip));
            const std::uint64_t for_warm = detail::ceil_div(c.assigned + warm_ip, addresses_per_prefix);
            const std::uint64_t for_min = detail::ceil_div(min_ip, addresses_per_prefix);
            return std::min({c.free_prefixes, detail::minus_floor0(c.total_prefixes, for_warm),
                             detail::minus_floor0(c.total_prefixes, for_min)});
        }
        if (c.mode == address_mode::prefix)
            return detail::minus_floor0(c.free_prefixes, config_.warm_prefix_target.value_or(0));
        return 0;
    }

    /// True when the pool without ENI `e` would still meet the targets: not too low, and in
    /// prefix mode with WARM_PREFIX_TARGET set, still that many wholly free prefixes. O(CIDRs of e).
    [[nodiscard]] bool others_meet_targets(const pool_view& v, const eni_view& e) const noexcept {
        counts rest = counts_of(v);
        const std::uint64_t held = e.assigned + e.cooling + e.free;
        rest.total = detail::minus_floor0(rest.total, held);
        rest.assigned = detail::minus_floor0(rest.assigned, e.assigned);
        rest.cooling = detail::minus_floor0(rest.cooling, e.cooling);
        rest.free = detail::minus_floor0(rest.free, e.free);
        rest.total_prefixes = detail::minus_floor0(rest.total_prefixes, e.prefixes);
        const auto free28 = static_cast<std::uint64_t>(std::count_if(
            e.wholly_free.begin(), e.wholly_free.end(),
            [](const free_cidr& f) { return f.cidr.length() == 28; }));
        rest.free_prefixes = detail::minus_floor0(rest.free_prefixes, free28);
        if (too_low(rest)) return false;
        if (rest.mode == address_mode::prefix && config_.warm_prefix_target)
            return rest.free_prefixes >= *config_.warm_prefix_target;
        return true;
    }

    /// True when ENI `e` may be detached (docs/domain.md section 4): serves pods, not primary / trunk /
    /// EFA, no pod, no cooling address, older than min_eni_age, its CIDRs free for the
    /// release delay, and the other ENIs still meet the targets. O(CIDRs of e).
    [[nodiscard]] bool detachable(const pool_view& v, const eni_view& e) const noexcept {
        if (!e.serves_pods || e.primary || e.trunk || e.efa_only) return false;
        if (e.assigned != 0 || e.cooling != 0) return false;
        if (v.now - e.attached_at < config_.min_eni_age) return false;
        for (const free_cidr& f : e.wholly_free)
            if (!detail::old_enough(v, f, config_.release_delay)) return false;
        return others_meet_targets(v, e);
    }

    /// The actions that bring the pool to its targets (see the class comment); request ids
    /// are left 0 for the pool to stamp. O(ENIs + free CIDRs). Allocates only the result.
    [[nodiscard]] std::vector<action> plan(const pool_view& v) const {
        std::vector<action> out;
        const counts c = counts_of(v);
        if (too_low(c)) {
            detail::plan_growth(v, growth_units(c), out);
            return out;
        }
        if (v.shrink_in_flight) return out;
        const bool may_release = !v.last_shrink || v.now - *v.last_shrink >= config_.shrink_interval;
        if (may_release) {
            detail::plan_release_of_mode(v, config_.release_delay, v.mode, excess(c), out);
            if (!out.empty()) return out;
        }
        for (auto it = v.enis.rbegin(); it != v.enis.rend(); ++it)
            if (detachable(v, *it)) {
                out.emplace_back(detach_eni{0, it->id});
                break;
            }
        return out;
    }

private:
    config config_;
};

static_assert(warm_strategy<vpc_cni_warm>);

} // namespace enipool
