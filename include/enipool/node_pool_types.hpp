// enipool/node_pool_types.hpp: the plain types node_pool's API speaks besides its own
// nested ones: the view of every pod (named `node_pool::allocation_map` inside the class),
// how a removal treats pods, an existing ENI's description, node statistics.
#pragma once

#include <enipool/eni.hpp>
#include <enipool/ip.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace enipool {

/// Every pod of a node pool, key -> allocation (`node_pool::allocation_map`, from
/// allocations()): a forward range of `const value_type&` (unordered) with size() and
/// empty(), over the pool's pod table `Table` (a detail::pod_table). Valid until the pool
/// changes.
template <class Table>
class allocation_map {
public:
    /// std::pair<const key_type, allocation> for integer keys, std::pair<key_type,
    /// allocation> for CNI keys (detail::pod_table's two layouts).
    using value_type = typename Table::value_type;
    using const_iterator = typename Table::const_iterator;
    using iterator = const_iterator;
    /// A view of `pods` (node_pool::allocations() makes it). O(1).
    explicit allocation_map(const Table* pods) noexcept : pods_(pods) {}
    [[nodiscard]] const_iterator begin() const noexcept { return pods_->begin(); }
    [[nodiscard]] const_iterator end() const noexcept { return pods_->end(); }
    [[nodiscard]] std::size_t size() const noexcept { return pods_->size(); }
    [[nodiscard]] bool empty() const noexcept { return pods_->empty(); }

private:
    const Table* pods_;
};

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
