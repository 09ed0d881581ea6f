// enipool/sim/autoscaler.hpp: a simple cluster autoscaler, launch nodes for unschedulable
// pods and remove empty ones (the decisions only; the cluster carries them out).
//
// Like Kubernetes' cluster-autoscaler, it sees pods the scheduler cannot place: pending pods
// beyond the room that nodes have by max pods (ready nodes' free pod slots plus the whole
// capacity of nodes still booting). Pods that wait for an IP on a node that has room by max
// pods do NOT trigger a launch: the scheduler thinks they fit (this is how a node whose
// subnet has no free /28 stalls pods without the autoscaler noticing).
#pragma once

#include <enipool/sim/ec2.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace enipool::sim {

/// The autoscaler's knobs; every default here (cluster-autoscaler's where it has one).
struct autoscaler_config {
    unsigned min_nodes = 1;                                 ///< nodes at the start, never fewer
    unsigned max_nodes = 10;                                ///< never more (booting ones included)
    sim_time interval = std::chrono::seconds(10);           ///< scan interval (cluster-autoscaler: 10 s)
    sim_time boot_time = std::chrono::seconds(60);          ///< launch -> node ready for pods
    sim_time scale_down_after = std::chrono::minutes(10);   ///< empty this long -> removed (10 min)
};

/// What the autoscaler sees at a scan.
struct autoscaler_input {
    std::uint64_t pending = 0;          ///< pods without an address
    std::uint64_t room = 0;             ///< free pod slots (by max pods) on ready nodes
    std::uint64_t booting_capacity = 0; ///< pod slots of nodes still booting
    unsigned nodes = 0;                 ///< ready + booting
    std::uint64_t pods_per_node = 1;    ///< pod slots of a node to launch (> 0)
};

/// How many nodes to launch now. ceil(unschedulable / pods_per_node), at most max - nodes,
/// where unschedulable = pending - room - booting_capacity (at least 0). O(1), no errors.
[[nodiscard]] inline unsigned nodes_to_launch(const autoscaler_config& c, const autoscaler_input& in) noexcept {
    const std::uint64_t covered = in.room + in.booting_capacity;
    if (in.pending <= covered || in.nodes >= c.max_nodes) return 0;
    const std::uint64_t per = std::max<std::uint64_t>(1, in.pods_per_node);
    const std::uint64_t wanted = (in.pending - covered + per - 1) / per;
    return static_cast<unsigned>(std::min<std::uint64_t>(wanted, c.max_nodes - in.nodes));
}

/// Whether an empty node may be removed now: it has been empty since `empty_since` for at
/// least scale_down_after, and removing it leaves at least min_nodes. O(1), no errors.
[[nodiscard]] inline bool may_remove(const autoscaler_config& c, sim_time now, sim_time empty_since,
                                     unsigned nodes) noexcept {
    return nodes > c.min_nodes && now - empty_since >= c.scale_down_after;
}

} // namespace enipool::sim
