// enipool/sim/capacity.hpp: how many nodes and pods a subnet takes before EC2 says
// InsufficientCidrBlocks and before InsufficientFreeAddressesInSubnet.
//
// `fill_subnet` launches nodes of one type one after another on a copy of the subnet and
// fills each with pods up to its pod capacity (kubelet max pods minus the 2 host-network
// pods), each node growing through its own node pool and a `sim::ec2` whose calls complete at
// once (no latency, no faults), then lets it take the warm capacity its warm targets ask for.
// It stops when a new node cannot launch (no address for its primary ENI), when a new node
// gets no pod address at all, or at `max_nodes`. At the first refusal of each kind it keeps
// a picture: nodes launched, pods running, the subnet's figures and its map.
#pragma once

#include <enipool/sim/cluster.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace enipool::sim {

/// What to fill a subnet with; every default here.
struct fill_config {
    instance_type type;
    growth_policy_kind policy = growth_policy_kind::prefix_first;
    warm_config warm{};           ///< warm strategy and settings (default: the VPC CNI's)
    std::uint64_t max_pods = 0;   ///< kubelet max pods (0: default_max_pods)
    unsigned max_nodes = 100000;  ///< stop after this many nodes
    std::uint64_t seed = 1;       ///< EC2's generator (primary and secondary IPs land at random)
};

/// The subnet and the cluster at one point of the fill.
struct fill_point {
    unsigned nodes = 0;              ///< nodes launched (the one being filled included)
    std::uint64_t pods = 0;          ///< pods holding an address
    std::uint64_t addresses_held = 0;///< pod addresses on the nodes' ENIs
    std::size_t free_addresses = 0;  ///< subnet, outside reservations
    std::size_t free_28s = 0;        ///< wholly free /28s, prefix reservations included
    double fragmentation = 0.0;
    std::string map;                 ///< subnet::render()
};

/// Why the fill ended.
enum class fill_stop : std::uint8_t {
    no_primary_address,  ///< a new node could not launch: no address for its primary ENI
    node_got_no_pod,     ///< a new node launched but got no pod address
    max_nodes,           ///< the node limit was reached
};

/// A fill's answer.
struct fill_result {
    std::uint64_t pods_per_node = 0;                          ///< pod capacity of one node
    fill_point start;                                         ///< before the first node
    std::optional<fill_point> at_insufficient_cidr_blocks;    ///< just as EC2 first said so
    std::optional<fill_point> at_insufficient_free_addresses; ///< just as EC2 first said so
    fill_point end;                                           ///< when the fill stopped
    fill_stop stop = fill_stop::max_nodes;
    std::uint64_t fallbacks = 0;                              ///< prefix-first nodes that fell back
};

namespace detail {

inline fill_point picture(const subnet& s, unsigned nodes, std::uint64_t pods, std::uint64_t held) {
    return fill_point{nodes, pods, held, s.free_addresses(), s.free_blocks() + s.reserved_free_blocks(),
                      s.fragmentation(), s.render()};
}

} // namespace detail

/// Fills a copy of `start` as the header comment says. O(nodes * (pods + growth calls) *
/// levels + pictures * size / 16). Errors: `invalid_instance_limits`, `prefix_not_supported`
/// (a prefix policy on a Xen type), `pool_invariant_broken` (a pool refused EC2's answer:
/// a bug, reported).
[[nodiscard]] inline result<fill_result> fill_subnet(const subnet& start, const fill_config& cfg) {
    fill_result out;
    std::uint64_t max_pods = cfg.max_pods;
    if (max_pods == 0) {
        auto m = default_max_pods(cfg.type, cfg.policy);
        if (!m) return m.error();
        max_pods = *m;
    }
    out.pods_per_node = max_pods > host_network_pods ? max_pods - host_network_pods : 0;
    manual_clock clk;
    if (auto probe = make_pool(cfg.policy, cfg.type, cfg.warm, out.pods_per_node, std::chrono::seconds(30), clk); !probe)
        return probe.error();

    ec2_config ec{};
    ec.seed = cfg.seed;
    ec2 cloud(ec);
    cloud.add_subnet(start);
    const subnet& s = cloud.subnet_at(0);
    out.start = detail::picture(s, 0, 0, 0);
    std::uint64_t pods = 0, held_before = 0, key = 0;
    unsigned nodes = 0;

    for (;;) {
        if (nodes >= cfg.max_nodes) {
            out.stop = fill_stop::max_nodes;
            break;
        }
        auto id = cloud.register_node(cfg.type, 0);
        if (!id) {
            if (!out.at_insufficient_free_addresses)
                out.at_insufficient_free_addresses = detail::picture(s, nodes, pods, held_before);
            out.stop = fill_stop::no_primary_address;
            break;
        }
        ++nodes;
        auto made = make_pool(cfg.policy, cfg.type, cfg.warm, out.pods_per_node, std::chrono::seconds(30), clk);
        any_pool pool = std::move(*made);
        const eni_record& primary = cloud.node(*id).enis.front();
        (void)std::visit([&](auto& p) { return p.add_eni(eni_spec{primary.id, 0, primary.network_card, s.cidr(),
                                                                  primary.primary_ip, {}, {}}); },
                         pool);
        std::uint64_t on_node = 0;
        // One growth round: plan, carry out each action at once, apply. True if EC2 granted any.
        const auto grow = [&]() -> result<bool> {
            clk.advance(std::chrono::milliseconds(1));
            auto actions = std::visit([](auto& p) { return p.plan(); }, pool);
            bool granted = false;
            for (auto& a : actions) {
                auto response = cloud.execute(*id, a);
                if (!response) {
                    const errc code = response.error().code();
                    const std::uint64_t held = held_before + std::visit([](auto& p) { return p.stats().total; }, pool);
                    if (code == errc::insufficient_cidr_blocks && !out.at_insufficient_cidr_blocks)
                        out.at_insufficient_cidr_blocks = detail::picture(s, nodes, pods, held);
                    if (code == errc::insufficient_free_addresses && !out.at_insufficient_free_addresses)
                        out.at_insufficient_free_addresses = detail::picture(s, nodes, pods, held);
                } else {
                    granted = true;
                }
                auto applied = std::visit([&](auto& p) { return p.apply(outcome{a, std::move(response)}); }, pool);
                if (!applied) return error(errc::pool_invariant_broken, applied.error().message());
            }
            return granted;
        };
        while (on_node < out.pods_per_node) {
            const bool ok = std::visit([&](auto& p) { return p.assign(key).has_value(); }, pool);
            if (ok) {
                ++key;
                ++on_node;
                ++pods;
                continue;
            }
            auto g = grow();
            if (!g) return g.error();
            if (!*g) {
                // prefix-first falls back on the refusal: its next plan asks for secondary IPs
                auto again = grow();
                if (!again) return again.error();
                if (!*again) break;
            }
        }
        for (int round = 0; round < 64; ++round) {  // the warm capacity the node holds with its pods
            auto g = grow();
            if (!g) return g.error();
            if (!*g) break;
        }
        held_before += std::visit([](auto& p) { return p.stats().total; }, pool);
        if (fallbacks_of(pool) > 0) ++out.fallbacks;
        if (on_node == 0) {
            out.stop = fill_stop::node_got_no_pod;
            break;
        }
    }
    out.end = detail::picture(s, nodes, pods, held_before);
    return out;
}

} // namespace enipool::sim
