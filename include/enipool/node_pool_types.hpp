// enipool/node_pool_types.hpp: the plain types node_pool's API speaks besides its own
// nested ones: how a removal treats pods, an existing ENI's description, node statistics.
#pragma once

#include <enipool/eni.hpp>
#include <enipool/ip.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace enipool {

/// What `remove_eni` and `remove_cidrs` do when a pod holds an address of what they remove.
enum class removal {
    refuse_if_used,  ///< refuse (ipamd's non-forced delete): nothing changes
    force,           ///< EC2 says it is gone: its pods lose their addresses, returned to the caller
};

/// Everything an ENI that already exists brings (agent restart, CNI config): `add_eni`.
struct eni_spec {
    std::string id;
    unsigned device_index = 0;
    unsigned network_card = 0;
    ipv4_prefix subnet{};
    ipv4_address primary_ip{};
    std::vector<ipv4_prefix> cidrs;  ///< its /28 prefixes and /32 secondary IPs
    eni_flags flags{};
};

/// A node's statistics. O(1): counters, not loops. Addresses cover ENIs that serve pods;
/// `leaving` counts addresses of CIDRs being given back (neither free nor held).
struct pool_stats {
    std::uint64_t total = 0;     ///< free + assigned + cooling
    std::uint64_t assigned = 0;
    std::uint64_t cooling = 0;
    std::uint64_t free = 0;
    unsigned prefixes = 0;       ///< /28 slots held (leaving included)
    unsigned secondaries = 0;    ///< secondary-IP slots held (leaving included)
    unsigned wholly_free_prefixes = 0;
    lane_counts prefix_lanes;    ///< per slot kind: addresses of prefixes
    lane_counts secondary_lanes; ///< per slot kind: secondary IPs
    friend bool operator==(const pool_stats&, const pool_stats&) = default;
};
namespace detail {

/// The node's statistics from its lane sums (detail::node_sums). O(1).
[[nodiscard]] constexpr pool_stats pool_stats_of(const eni_stats& n) noexcept {
    pool_stats s;
    s.prefix_lanes = n.prefix_lanes;
    s.secondary_lanes = n.secondary_lanes;
    s.total = n.total();
    s.free = n.free();
    s.cooling = n.cooling();
    s.assigned = n.assigned();
    s.prefixes = n.prefixes;
    s.secondaries = n.secondaries;
    s.wholly_free_prefixes = n.wholly_free_prefixes;
    return s;
}

} // namespace detail
} // namespace enipool
