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

/// A CIDR of an ENI with no assigned and no cooling address, and since when it is so.
struct free_cidr {
    ipv4_prefix cidr;      ///< a /28 prefix or a /32 secondary IP
    timestamp free_since{};
    friend bool operator==(const free_cidr&, const free_cidr&) = default;
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
    unsigned slots_total = 0;    ///< ipv4_per_eni - 1
    unsigned slots_used = 0;     ///< prefixes + secondary IPs, of either mode
    unsigned prefixes = 0;
    unsigned secondaries = 0;
    std::uint64_t assigned = 0;  ///< addresses held by pods
    std::uint64_t cooling = 0;   ///< released addresses still in cooldown
    std::uint64_t free = 0;      ///< addresses ready for a pod
    std::vector<free_cidr> wholly_free;  ///< CIDRs with nothing assigned or cooling
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
    unsigned max_enis = 0;         ///< ENIs that may serve pods (limits.hpp usable_enis)
    unsigned slots_per_eni = 0;
    bool growth_in_flight = false; ///< an attach / assign is planned and not yet applied
    bool shrink_in_flight = false; ///< a release / detach is planned and not yet applied
    std::optional<timestamp> last_shrink; ///< when a release / detach was last planned (none yet: empty)
    std::vector<eni_view> enis;    ///< every known ENI, by device index
    friend bool operator==(const pool_view&, const pool_view&) = default;
};

} // namespace enipool
