// enipool/pool_view.hpp: a read-only picture of a node pool, what policies decide from.
//
// `node_pool::plan(now)` builds a `pool_view` (O(ENIs + free CIDRs); planning is not the hot
// path), asks its growth policy which unit to grow with and its warm strategy which actions
// to take, then stamps request ids on those actions. Strategies are thereby pure functions
// of this view and their own config, and are tested without a pool.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/ip.hpp>
#include <enipool/limits.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace enipool {

/// A point on the pool's (steady) clock, as time since that clock's epoch.
using timestamp = std::chrono::nanoseconds;

/// Lanes of one slot kind: held (free + assigned + cooling, leaving excluded), free, cooling.
struct lane_counts {
    std::uint64_t total = 0;
    std::uint64_t free = 0;
    std::uint64_t cooling = 0;
    [[nodiscard]] constexpr std::uint64_t assigned() const noexcept { return total - free - cooling; }
    friend bool operator==(const lane_counts&, const lane_counts&) = default;
};

/// A CIDR of an ENI with no assigned and no cooling address, and since when it is so.
struct free_cidr {
    ipv4_prefix cidr;      ///< a /28 prefix or a /32 secondary IP
    timestamp free_since{};
    friend bool operator==(const free_cidr&, const free_cidr&) = default;
};

/// A growth request EC2 refused (node_pool::apply with an error outcome).
struct growth_failure {
    std::string eni_id;  ///< the ENI that was to get more CIDRs; empty for a new ENI
    address_mode mode = address_mode::prefix;
    unsigned count = 0;  ///< CIDRs (or, for a new ENI, CIDRs on it) asked for
    errc code{};
    timestamp at{};
    friend bool operator==(const growth_failure&, const growth_failure&) = default;
};

/// One ENI as the policies see it.
struct eni_view {
    std::string id;
    unsigned device_index = 0;
    unsigned network_card = 0;
    bool primary = false;        ///< device index 0 on the default card
    bool serves_pods = true;     ///< false: trunk, efa-only, excluded, or primary under custom networking
    bool trunk = false;
    bool efa_only = false;
    bool efa = false;            ///< interface type efa: serves pods, never detached
    bool excluded = false;       ///< excluded from pod IPs (no_manage tag or subnet exclusion)
    unsigned slots_total = 0;    ///< ipv4_per_eni - 1
    unsigned slots_used = 0;     ///< prefixes + secondary IPs, of either mode
    unsigned prefixes = 0;
    unsigned secondaries = 0;
    std::uint64_t assigned = 0;  ///< addresses held by pods
    std::uint64_t cooling = 0;   ///< released addresses still in cooldown
    std::uint64_t free = 0;      ///< addresses ready for a pod
    lane_counts prefix_lanes;      ///< addresses of its /28s (leaving ones excluded)
    lane_counts secondary_lanes;   ///< its secondary IPs (leaving ones excluded)
    unsigned unassigned_prefixes = 0;    ///< /28s no pod holds (cooling addresses allowed)
    unsigned unassigned_secondaries = 0; ///< secondary IPs no pod holds (free or cooling)
    std::vector<free_cidr> wholly_free;  ///< CIDRs with nothing assigned or cooling
    /// ipamd's FindFreeableCidrs: every CIDR no pod holds an address of (wholly free, only
    /// cooling, or on an ENI that serves no pods), not already being released. A release of
    /// one drops its cooling addresses.
    std::vector<ipv4_prefix> freeable;
    timestamp attached_at{};
    friend bool operator==(const eni_view&, const eni_view&) = default;
};

/// The whole pool as the policies see it. Address counts cover ENIs that serve pods and
/// CIDRs of either mode (prefixes and secondary IPs both serve pods).
struct pool_view {
    timestamp now{};
    address_mode mode = address_mode::prefix;  ///< the unit the growth policy grows with now
    bool may_grow = true;          ///< false while the growth policy backs off
    std::uint64_t total = 0;       ///< addresses held (assigned + cooling + free)
    std::uint64_t assigned = 0;
    std::uint64_t cooling = 0;
    std::uint64_t free = 0;
    unsigned total_prefixes = 0;
    unsigned free_prefixes = 0;    ///< wholly free /28s (no address assigned or cooling)
    std::uint64_t max_pods = 0;    ///< ceiling on pod addresses (0: none)
    /// The network card whose datastore this pool is (ipamd keeps one per card; 0 is the
    /// default card). New ENIs are attached on it.
    unsigned network_card = 0;
    /// ENIs that may serve pods: limits.hpp usable_enis on card 0; on a card above 0,
    /// ipamd's hasRoomForEni bound (node_pool's config::network_card)
    unsigned max_enis = 0;
    unsigned slots_per_eni = 0;
    bool growth_in_flight = false; ///< an attach / assign is planned and not yet applied
    bool shrink_in_flight = false; ///< a release / detach is planned and not yet applied
    std::optional<timestamp> last_shrink; ///< when a release was last planned (none yet: empty)
    /// Growth requests refused since the last grant, oldest first (at most the last 32).
    std::vector<growth_failure> growth_failures;
    std::vector<eni_view> enis;    ///< every known ENI, by device index
    friend bool operator==(const pool_view&, const pool_view&) = default;
};

} // namespace enipool
