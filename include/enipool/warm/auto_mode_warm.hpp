// enipool/warm/auto_mode_warm.hpp: EKS Auto Mode's fixed warm pool as a warm strategy.
//
// Auto Mode keeps a small fixed number of free addresses (one /28 prefix's worth with
// ipv4PrefixSize "Auto", one IP with "32"), ignores the VPC CNI's warm-target variables, and
// gives unused prefixes and IPs back to the VPC once their cooldown has expired
// (docs/domain.md section 5). Cooling addresses are never counted as free. It never detaches ENIs.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/warm_support.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/warm_strategy.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace enipool {

/// auto_mode_warm's knobs; every default here.
struct auto_mode_warm_config {
    /// Free addresses to keep ready. Unset: 16 (one prefix) while the pool grows with
    /// prefixes, 1 while it grows with secondary IPs (ipv4PrefixSize "32").
    std::optional<unsigned> warm_addresses;
    /// A wholly free CIDR goes back to the VPC once it has been free this long (Auto Mode's
    /// cooldown pool; its length is not documented, 30 s like the pod-address cooldown).
    std::chrono::nanoseconds release_delay = std::chrono::seconds{30};
};

/// A fixed warm pool: grow when fewer than `warm` addresses are free, give back wholly free
/// CIDRs (of either kind, so secondary IPs left from a fallback go too) while more than
/// `warm` would stay free. Stateless: a pure function of the view.
class auto_mode_warm {
public:
    using config = auto_mode_warm_config;
    static constexpr std::string_view name = "auto-mode";  ///< enipool-plan --warm
    static constexpr std::string_view description = "EKS Auto Mode's fixed warm pool";

    /// O(1), no errors.
    explicit auto_mode_warm(const config& c = {}) noexcept : config_(c) {}

    [[nodiscard]] const config& settings() const noexcept { return config_; }

    /// The warm target in addresses for the view's mode. O(1).
    [[nodiscard]] std::uint64_t warm(const pool_view& v) const noexcept {
        return config_.warm_addresses.value_or(v.mode == address_mode::prefix ? addresses_per_prefix : 1u);
    }

    /// Free addresses missing: max(warm - free, 0). O(1).
    [[nodiscard]] std::uint64_t shortfall(const pool_view& v) const noexcept {
        return detail::minus_floor0(warm(v), v.free);
    }

    /// Free addresses beyond the warm target: max(free - warm, 0). O(1).
    [[nodiscard]] std::uint64_t excess(const pool_view& v) const noexcept {
        return detail::minus_floor0(v.free, warm(v));
    }

    /// Growth (ceil(shortfall / unit) units of view.mode on the first ENI with a free slot,
    /// else a new ENI) or release of wholly free CIDRs free for release_delay, in view order,
    /// each only if its size still fits in the excess. Request ids are left 0.
    /// O(ENIs + free CIDRs).
    [[nodiscard]] std::vector<action> plan(const pool_view& v) const {
        std::vector<action> out;
        const std::uint64_t missing = shortfall(v);
        if (missing > 0) {
            if (v.max_pods == 0 || v.total < v.max_pods)
                detail::plan_growth(v, detail::ceil_div(missing, detail::unit_addresses(v.mode)), out);
            return out;
        }
        std::uint64_t room = excess(v);
        if (room == 0) return out;
        detail::plan_release(
            v, config_.release_delay,
            [&](const ipv4_prefix& cidr) {
                const std::uint64_t size = cidr.size();
                if (size > room) return false;
                room -= size;
                return true;
            },
            out);
        return out;
    }

private:
    config config_;
};

static_assert(warm_strategy<auto_mode_warm>);

} // namespace enipool
