// enipool/sim/cluster.hpp: a discrete-event cluster simulation: node groups of node pools on
// one or more subnets, through a simulated EC2, under a seeded workload and an autoscaler.
//
// Model (virtual time; everything runs on one `manual_clock` moved by the event loop):
//  - Events sit in a priority queue ordered by (time, kind, sequence): node readiness, each
//    node's warm-pool tick (every `warm_interval`: pending pods are placed on the node, then
//    `plan()` and its actions go to `sim::ec2`), autoscaler scans, samples. Two streams
//    interleave in time order, first at equal times: EC2 completions (`ec2::next_completion`;
//    the outcomes are applied to their nodes' pools, which then take pending pods at once),
//    then the workload's pod events (sim/workload.hpp).
//  - A pod is placed on the lowest-numbered ready node that is below its pod capacity
//    (kubelet max pods minus the 2 host-network pods) and whose pool has a free address
//    (first fit: nodes fill up and empty nodes can go); its address comes from that pool.
//    Otherwise it waits, pending, in FIFO order.
//  - The autoscaler (sim/autoscaler.hpp) launches nodes (EC2 gives each a primary ENI on the
//    subnet of its group with the most free addresses) and removes nodes empty for long
//    enough while no pod is pending (`ec2::terminate_node`: the ENIs are deleted and their
//    addresses go back to the subnet).
//
// Growth policy and warm strategy are template parameters of the pool; a node group's
// run-time choice of both maps to `any_pool`, a std::variant of every pool type (each of
// `growth_policies` with each of `warm_strategies`, policy.hpp; integer pod keys). A variant
// rather than a virtual interface: no allocation per node, the visit is a jump table, and
// the cluster can still read each policy's own figures (fallbacks).
#pragma once

#include <enipool/bitset.hpp>
#include <enipool/clock.hpp>
#include <enipool/error.hpp>
#include <enipool/limits.hpp>
#include <enipool/max_pods.hpp>
#include <enipool/node_pool.hpp>
#include <enipool/policy.hpp>
#include <enipool/sim/autoscaler.hpp>
#include <enipool/sim/ec2.hpp>
#include <enipool/sim/metrics.hpp>
#include <enipool/sim/workload.hpp>
#include <enipool/registry.hpp>
#include <enipool/subnet.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace enipool::sim {

/// The node pool a simulated node runs: policy P, warm strategy W, integer pod keys (no
/// allocation per pod), the simulation's manual clock.
template <class P, class W = vpc_cni_warm>
using sim_pool = node_pool<P, W, pod_key<std::uint64_t>, clock<manual_clock>>;

/// The configuration variant of a list of warm strategies: a node group's strategy is the one
/// whose config it holds (their config types differ: see policy.hpp).
template <class Warms>
using warm_config_of = variant_of<configs_of<Warms>>;

/// A node group's warm strategy, chosen at run time by which configuration it holds: the
/// VPC CNI's targets (the default), Cilium's watermarks or EKS Auto Mode's fixed warm pool.
using warm_config = warm_config_of<warm_strategies>;

/// The strategy's name as enipool-plan spells it ("vpc-cni", "cilium", "auto-mode"): the
/// `name` of the strategy whose config `w` holds. O(1).
template <class Warms = warm_strategies>
[[nodiscard]] std::string_view warm_strategy_name(const warm_config_of<Warms>& w) noexcept {
    constexpr auto names = names_of(Warms{});
    return names[w.index()];
}

/// The node pool of every growth policy (growth_policies) with every strategy of `Warms`,
/// as a variant (policy-major): a node group's run-time choice of both.
template <class Warms>
using any_pool_of = variant_of<product_of<growth_policies, sim_pool, Warms>>;

/// A node pool of any growth policy and built-in warm strategy.
using any_pool = any_pool_of<warm_strategies>;

/// Builds the pool of `kind` and the strategy `warm` holds, with the shared knobs. O(1).
/// Errors: those of node_pool::create (`prefix_not_supported` for a prefix policy on a Xen
/// type, `invalid_instance_limits`); `malformed_config` for a `kind` outside growth_policies.
template <class Warms = warm_strategies>
[[nodiscard]] result<any_pool_of<Warms>> make_pool(growth_policy_kind kind, const instance_type& type,
                                                   const warm_config_of<Warms>& warm,
                                                   std::uint64_t max_pod_addresses,
                                                   std::chrono::nanoseconds cooldown, manual_clock& clk) {
    using pool_variant = any_pool_of<Warms>;
    return visit_growth_policy(kind, [&]<class P>() -> result<pool_variant> {
        return visit_index<Warms>(warm.index(), [&]<class W>() -> result<pool_variant> {
            using pool_t = sim_pool<P, W>;
            typename pool_t::config c;
            c.type = type;
            c.warm = std::get<typename W::config>(warm);
            c.max_pods = max_pod_addresses;
            c.cooldown = cooldown;
            auto p = pool_t::create(std::move(c), clk);
            if (!p) return p.error();
            return pool_variant(std::in_place_type<pool_t>, std::move(*p));
        });
    });
}

/// Times `pool` fell back from prefixes to secondary IPs (prefix_first only; 0 otherwise). O(1).
template <class... Pools>
[[nodiscard]] std::uint64_t fallbacks_of(const std::variant<Pools...>& pool) noexcept {
    return std::visit(
        []<class Pool>(const Pool& p) -> std::uint64_t {
            if constexpr (std::is_same_v<typename Pool::policy_type, prefix_first>) {
                return p.policy().fallbacks();
            } else {
                return 0;
            }
        },
        pool);
}

/// Kubelet max pods of a node of `type` under `kind`, by the AL2 AMI script's calculator (prefix
/// delegation for the prefix policies; 110 / 250 cap by vCPUs; a type without vCPU count
/// whose count exceeds 110 gets 110). O(1). Errors: `invalid_instance_limits`.
[[nodiscard]] inline result<std::uint64_t> default_max_pods(const instance_type& type, growth_policy_kind kind) {
    return visit_growth_policy(kind, [&]<class P>() -> result<std::uint64_t> {
        al2_script_options o;
        o.prefix_delegation = P::needs_prefix_support;
        auto n = al2_script(type, o);
        if (!n && n.error().code() == errc::missing_vcpus) return std::uint64_t{110};
        return n;
    });
}

/// One node group: what the autoscaler launches. `Warms`: the warm strategies it may run
/// (a test may add its own).
template <class Warms = warm_strategies>
struct basic_node_group {
    std::string name = "default";
    instance_type type;
    growth_policy_kind policy = growth_policy_kind::prefix_first;
    warm_config_of<Warms> warm{};          ///< the warm strategy and its settings (default: the list's first, the VPC CNI's)
    std::uint64_t max_pods = 0;             ///< kubelet max pods (0: default_max_pods)
    std::chrono::nanoseconds cooldown = std::chrono::seconds(30);  ///< IP_COOLDOWN_PERIOD
    std::vector<std::size_t> subnets;       ///< indexes into cluster_config::subnets (empty: all)
    unsigned max_nodes = 0;                 ///< this group's own cap (0: the autoscaler's only)
};

using node_group = basic_node_group<>;

/// A whole simulation's configuration; every default here.
template <class Warms = warm_strategies>
struct basic_cluster_config {
    std::vector<subnet> subnets;            ///< at least one
    std::vector<basic_node_group<Warms>> groups;        ///< at least one; the autoscaler launches from the
                                            ///< first group with room (a priority expander)
    workload_config workload{};
    autoscaler_config autoscaler{};
    ec2_config ec2{};
    sim_time duration = std::chrono::minutes(30);
    sim_time sample_interval = std::chrono::seconds(10);
    sim_time warm_interval = std::chrono::milliseconds(2500);  ///< ipamd's reconcile period
};

using cluster_config = basic_cluster_config<>;

/// Scatters `share` (0..1) of a subnet's free addresses as foreign single allocations at
/// random places drawn from the subnet's own seeded generator (other tenants, ENIs of other
/// clusters): a pre-fragmented subnet. Reservations are left alone. O(n * levels). Returns how many were placed.
inline std::size_t scatter_foreign(subnet& s, double share) {
    share = std::clamp(std::isnan(share) ? 0.0 : share, 0.0, 1.0);
    const auto n = static_cast<std::size_t>(std::llround(share * static_cast<double>(s.free_addresses())));
    std::size_t placed = 0;
    for (; placed < n; ++placed)
        if (!s.allocate_address(allocation_strategy::random)) break;
    return placed;
}

/// A cluster simulation. Create, then `run()` (or `run_until` in steps); read `samples()`
/// and `summary()`. Movable; not copyable (pools refer to the cluster's clock). `Warms`: the
/// warm strategies its node groups may run (`cluster` runs the built-in ones).
template <class Warms = warm_strategies>
class basic_cluster {
public:
    using cluster_config = basic_cluster_config<Warms>;
    using node_group = basic_node_group<Warms>;
    using any_pool = any_pool_of<Warms>;

    /// Validates and builds the cluster with `autoscaler.min_nodes` nodes ready at time 0.
    /// O(subnets + groups + min_nodes). Errors: `malformed_config` (no subnet, no group, a
    /// group's subnet index out of range, a zero interval, min > max nodes),
    /// `invalid_instance_limits`, `prefix_not_supported` (a prefix policy on a Xen type),
    /// `insufficient_free_addresses` (no address for a first node's primary ENI).
    [[nodiscard]] static result<basic_cluster> create(cluster_config cfg) {
        if (cfg.subnets.empty()) return error(errc::malformed_config, "the cluster needs at least one subnet");
        if (cfg.groups.empty()) return error(errc::malformed_config, "the cluster needs at least one node group");
        if (cfg.sample_interval <= sim_time::zero() || cfg.warm_interval <= sim_time::zero() ||
            cfg.autoscaler.interval <= sim_time::zero())
            return error(errc::malformed_config, "intervals must be positive");
        if (cfg.autoscaler.min_nodes > cfg.autoscaler.max_nodes)
            return error(errc::malformed_config, "min nodes exceed max nodes");
        if (cfg.autoscaler.max_nodes > max_nodes)
            return error(errc::malformed_config, fmt::format("at most {} nodes", max_nodes));
        basic_cluster c(std::move(cfg));
        for (auto& g : c.cfg_.groups) {
            for (std::size_t s : g.subnets)
                if (s >= c.cfg_.subnets.size())
                    return error(errc::malformed_config, fmt::format("group {}: no subnet {}", g.name, s));
            if (g.subnets.empty())
                for (std::size_t s = 0; s < c.cfg_.subnets.size(); ++s) g.subnets.push_back(s);
            if (g.max_pods == 0) {
                auto m = default_max_pods(g.type, g.policy);
                if (!m) return m.error();
                g.max_pods = *m;
            }
            // the pool is validated once here, so node launches cannot fail on it later
            auto probe = make_pool<Warms>(g.policy, g.type, g.warm, pod_capacity(g), g.cooldown, *c.clock_);
            if (!probe) return error(probe.error().code(), fmt::format("group {}: {}", g.name, probe.error().message()));
        }
        for (const subnet& s : c.cfg_.subnets) c.ec2_->add_subnet(s);
        for (unsigned i = 0; i < c.cfg_.autoscaler.min_nodes; ++i) {
            auto n = c.launch(sim_time::zero());
            if (!n) return n.error();
            c.make_ready(*n);
        }
        c.push(sim_time::zero(), event_kind::autoscale);
        c.push(sim_time::zero(), event_kind::sample);
        return c;
    }

    basic_cluster(basic_cluster&&) noexcept = default;
    basic_cluster& operator=(basic_cluster&&) noexcept = default;

    /// Runs to `cfg.duration`. See run_until.
    [[nodiscard]] result<void> run() { return run_until(cfg_.duration); }

    /// Processes every event up to `until` (at most the duration) in time order. O(events *
    /// log queued). Errors: `pool_invariant_broken` / `unexpected_outcome` when a pool
    /// refuses EC2's answer (a bug in the model, reported rather than hidden).
    [[nodiscard]] result<void> run_until(sim_time until) {
        until = std::min(until, cfg_.duration);
        for (;;) {
            // Three sources in time order: EC2 completions, then the workload, then the queue
            // (at equal times; the workload stream is read directly, not queued: one pod event
            // costs no heap operation).
            const sim_time te = events_.empty() ? workload::never : events_.top().at;
            const sim_time tw = workload_.peek();
            const auto tc = ec2_->next_completion();
            const sim_time t = std::min({te, tw, tc ? *tc : workload::never});
            if (t > until || t == workload::never) break;
            advance_to(t);
            if (tc && *tc == t) {
                if (auto ok = complete_calls(t); !ok) return ok;
            } else if (tw == t) {
                on_workload();
            } else {
                const event e = events_.top();
                events_.pop();
                handle(e);
            }
        }
        advance_to(until);
        return success();
    }

    /// Virtual time reached. O(1).
    [[nodiscard]] sim_time now() const noexcept { return now_; }
    /// The configuration, with each group's defaults filled in (subnets, max pods). O(1).
    [[nodiscard]] const cluster_config& configuration() const noexcept { return cfg_; }
    /// Every sample so far, in time order. O(1).
    [[nodiscard]] const std::vector<sample>& samples() const noexcept { return samples_; }
    /// The run's figures so far. O(samples).
    [[nodiscard]] run_summary summary() const {
        run_summary s = summary_;
        s.pending_pod_seconds = pending_ns_ / 1e9;
        s.ec2_calls = total_calls();
        s.ec2_errors = 0;
        for (const auto& [code, n] : ec2_->errors_by_code()) s.ec2_errors += n;
        s.fallbacks = fallbacks();
        if (!samples_.empty()) {
            double held = 0, used = 0;
            for (const sample& x : samples_) {
                held += static_cast<double>(x.addresses_held);
                used += static_cast<double>(x.addresses_used);
            }
            s.mean_addresses_held = held / static_cast<double>(samples_.size());
            s.mean_addresses_used = used / static_cast<double>(samples_.size());
        }
        return s;
    }
    /// The simulated EC2 (subnets, call log, error counts). O(1).
    [[nodiscard]] const ec2& cloud() const noexcept { return *ec2_; }
    /// Pods running now. O(1).
    [[nodiscard]] std::uint64_t pods_running() const noexcept { return running_; }
    /// Pods pending now (waiting for a node or an address). O(1).
    [[nodiscard]] std::uint64_t pods_pending() const noexcept { return pending_count_; }
    /// Ready nodes now. O(1).
    [[nodiscard]] unsigned ready_nodes() const noexcept { return ready_; }
    /// Pod creations + deletions so far. O(1).
    [[nodiscard]] std::uint64_t pod_events() const noexcept { return summary_.pod_events; }

    /// Checks every live node's pool and every subnet (`check()` of each). O(state).
    /// Errors: the first broken invariant.
    [[nodiscard]] result<void> check() const {
        for (const node& n : nodes_)
            if (n.state == node_state::ready)
                if (auto ok = std::visit([](const auto& p) { return p.check(); }, *n.pool); !ok) return ok;
        for (std::size_t i = 0; i < ec2_->subnet_count(); ++i)
            if (auto ok = ec2_->subnet_at(i).check(); !ok) return ok;
        std::uint64_t pods = 0;
        for (const node& n : nodes_) pods += n.pods;
        if (pods != running_) return error(errc::pool_invariant_broken, "node pod counts differ from running pods");
        return success();
    }

    /// The most nodes a cluster simulates.
    static constexpr std::size_t max_nodes = 65536;

private:
    enum class event_kind : std::uint8_t { node_ready, node_tick, autoscale, sample };
    enum class node_state : std::uint8_t { booting, ready, removed };

    struct event {
        sim_time at{};
        event_kind kind = event_kind::node_tick;
        std::uint64_t seq = 0;
        std::uint32_t node = 0;
        friend bool operator>(const event& a, const event& b) noexcept {
            if (a.at != b.at) return a.at > b.at;
            if (a.kind != b.kind) return a.kind > b.kind;
            return a.seq > b.seq;
        }
    };

    struct node {
        std::uint32_t group = 0;
        node_id ec2_id = 0;
        node_state state = node_state::booting;
        std::uint64_t pods = 0;
        std::uint64_t capacity = 0;   // pods needing an address
        sim_time empty_since{};
        std::unique_ptr<any_pool> pool;  // set when ready
    };

    static constexpr std::uint32_t no_node = 0xFFFFFFFFu;
    struct pod {
        std::uint32_t gen = 0;
        std::uint32_t node = no_node;     // no_node: pending (when alive)
        std::uint32_t deployment = 0;
        std::uint32_t pos_existing = 0;
        std::uint32_t pos_member = 0;
        bool alive = false;
    };
    struct pod_ref {
        std::uint32_t slot = 0;
        std::uint32_t gen = 0;
    };

    explicit basic_cluster(cluster_config cfg)
        : cfg_(std::move(cfg)), clock_(std::make_unique<manual_clock>()), ec2_(std::make_unique<ec2>(cfg_.ec2)),
          workload_(cfg_.workload), open_(std::make_unique<hierarchical_bitset<max_nodes>>()) {}

    static std::uint64_t pod_capacity(const node_group& g) noexcept {
        return g.max_pods > host_network_pods ? g.max_pods - host_network_pods : 0;
    }
    static std::uint64_t key_of(std::uint32_t slot, std::uint32_t gen) noexcept {
        return (std::uint64_t{gen} << 32) | slot;
    }

    void push(sim_time at, event_kind kind, std::uint32_t n = 0) { events_.push(event{at, kind, seq_++, n}); }

    void advance_to(sim_time t) {
        if (t <= now_) return;
        pending_ns_ += static_cast<double>(pending_count_) * static_cast<double>((t - now_).count());
        now_ = t;
        clock_->set(manual_clock::time_point(t));
    }

    void handle(const event& e) {
        switch (e.kind) {
        case event_kind::node_ready: make_ready(e.node); break;
        case event_kind::node_tick: on_tick(e.node); break;
        case event_kind::autoscale: on_autoscale(); break;
        case event_kind::sample: on_sample(); break;
        }
    }

    // --- pods ----------------------------------------------------------------------------

    void create_pod(std::uint32_t deployment) {
        ++summary_.pod_events;
        std::uint32_t slot;
        if (!free_slots_.empty()) {
            slot = free_slots_.back();
            free_slots_.pop_back();
        } else {
            slot = static_cast<std::uint32_t>(pods_.size());
            pods_.emplace_back();
        }
        if (deployment >= members_.size()) members_.resize(deployment + 1);  // [0] stays empty
        pod& p = pods_[slot];
        ++p.gen;
        p.alive = true;
        p.node = no_node;
        p.deployment = deployment;
        p.pos_existing = static_cast<std::uint32_t>(existing_.size());
        existing_.push_back(slot);
        if (deployment != 0) {  // the base deployment never scales down: no member list
            p.pos_member = static_cast<std::uint32_t>(members_[deployment].size());
            members_[deployment].push_back(slot);
        }
        if (!place(slot)) {
            pending_.push_back(pod_ref{slot, p.gen});
            ++pending_count_;
        }
    }

    void delete_pod(std::uint32_t slot) {
        ++summary_.pod_events;
        pod& p = pods_[slot];
        // swap-remove from a list, keeping the moved pod's position in that list
        const auto unlink = [this](std::vector<std::uint32_t>& v, std::uint32_t pos, bool existing) {
            const std::uint32_t last = v.back();
            v[pos] = last;
            (existing ? pods_[last].pos_existing : pods_[last].pos_member) = pos;
            v.pop_back();
        };
        unlink(existing_, p.pos_existing, true);
        if (p.deployment != 0) unlink(members_[p.deployment], p.pos_member, false);
        p.alive = false;
        free_slots_.push_back(slot);
        if (p.node == no_node) {
            --pending_count_;  // its queue entry is skipped when reached (not alive)
            if (pending_count_ == 0) pending_.clear();
            return;
        }
        const std::uint32_t n = p.node;
        node& x = nodes_[n];
        (void)std::visit([&](auto& pool) { return pool.release(key_of(slot, p.gen)); }, *x.pool);
        --x.pods;
        --running_;
        if (x.pods == 0) x.empty_since = now_;
        refresh(n);
    }

    // Places the pod on the first open node that gives it an address. O(levels) per node tried;
    // a node that cannot give one is closed until it changes.
    bool place(std::uint32_t slot) {
        for (std::size_t n = open_->find_first(); n != open_->npos; n = open_->find_next(n + 1)) {
            if (assign_on(static_cast<std::uint32_t>(n), slot)) return true;
        }
        return false;
    }

    bool assign_on(std::uint32_t n, std::uint32_t slot) {
        node& x = nodes_[n];
        pod& p = pods_[slot];
        const bool ok = x.pods < x.capacity &&
                        std::visit([&](auto& pool) { return pool.assign(key_of(slot, p.gen)).has_value(); }, *x.pool);
        if (!ok) {
            open_->reset(n);
            return false;
        }
        p.node = n;
        ++x.pods;
        ++running_;
        summary_.peak_pods_running = std::max(summary_.peak_pods_running, running_);
        if (x.pods >= x.capacity) open_->reset(n);
        return true;
    }

    // Pending pods onto node n while it takes them, then its open bit from its state.
    void refresh(std::uint32_t n) {
        node& x = nodes_[n];
        if (x.state != node_state::ready) return;
        while (pending_count_ > 0 && x.pods < x.capacity) {
            const pod_ref r = pending_.front();
            const pod& p = pods_[r.slot];
            if (!p.alive || p.gen != r.gen || p.node != no_node) {  // deleted while pending
                pending_.pop_front();
                continue;
            }
            if (!assign_on(n, r.slot)) break;
            pending_.pop_front();
            --pending_count_;
        }
        const bool can = x.pods < x.capacity &&
                         std::visit([](auto& pool) { return pool.stats().free > 0; }, *x.pool);
        if (can) {
            open_->set(n);
        } else {
            open_->reset(n);
        }
    }

    void on_workload() {
        const workload_event w = workload_.pop();
        switch (w.kind) {
        case workload_event_kind::create: create_pod(w.deployment); break;
        case workload_event_kind::replace:
            if (!existing_.empty()) {
                const std::uint32_t slot = existing_[workload_.random().below(existing_.size())];
                const std::uint32_t d = pods_[slot].deployment;
                delete_pod(slot);
                create_pod(d);
            }
            break;
        case workload_event_kind::scale_up:
            for (std::uint64_t i = 0; i < w.count; ++i) create_pod(w.deployment);
            break;
        case workload_event_kind::scale_down:
            if (w.deployment < members_.size())
                while (!members_[w.deployment].empty()) delete_pod(members_[w.deployment].back());
            break;
        }
    }

    // --- nodes ---------------------------------------------------------------------------

    // Registers a node with EC2 (its primary ENI takes an address now) in the first group
    // with room, on that group's subnet with the most free addresses.
    result<std::uint32_t> launch(sim_time t) {
        for (std::uint32_t g = 0; g < cfg_.groups.size(); ++g) {
            const node_group& grp = cfg_.groups[g];
            if (grp.max_nodes != 0 && group_nodes(g) >= grp.max_nodes) continue;
            std::size_t best = grp.subnets.front();
            for (std::size_t s : grp.subnets)
                if (ec2_->subnet_at(s).free_addresses() > ec2_->subnet_at(best).free_addresses()) best = s;
            auto id = ec2_->register_node(grp.type, best);
            if (!id) {
                ++summary_.launch_failures;
                return id.error();
            }
            const auto n = static_cast<std::uint32_t>(nodes_.size());
            node x;
            x.group = g;
            x.ec2_id = *id;
            x.capacity = pod_capacity(grp);
            x.empty_since = t;
            nodes_.push_back(std::move(x));
            ++booting_;
            summary_.peak_nodes = std::max<std::uint64_t>(summary_.peak_nodes, ready_ + booting_);
            return n;
        }
        return error(errc::attachment_limit_exceeded, "every node group is at its maximum");
    }

    unsigned group_nodes(std::uint32_t g) const noexcept {
        unsigned k = 0;
        for (const node& x : nodes_) k += (x.group == g && x.state != node_state::removed) ? 1u : 0u;
        return k;
    }

    void make_ready(std::uint32_t n) {
        node& x = nodes_[n];
        const node_group& g = cfg_.groups[x.group];
        auto pool = make_pool<Warms>(g.policy, g.type, g.warm, x.capacity, g.cooldown, *clock_);  // validated in create
        x.pool = std::make_unique<any_pool>(std::move(*pool));
        const eni_record& primary = ec2_->node(x.ec2_id).enis.front();
        const ipv4_prefix cidr = ec2_->subnet_at(primary.subnet_index).cidr();
        (void)std::visit(
            [&](auto& p) { return p.add_eni(eni_spec{primary.id, 0, primary.network_card, cidr, primary.primary_ip, {}, {}}); },
            *x.pool);
        x.state = node_state::ready;
        x.empty_since = now_;
        --booting_;
        ++ready_;
        if (ec2_to_node_.size() <= x.ec2_id) ec2_to_node_.resize(x.ec2_id + 1, no_node);
        ec2_to_node_[x.ec2_id] = n;
        on_tick(n);
    }

    void on_tick(std::uint32_t n) {
        node& x = nodes_[n];
        if (x.state != node_state::ready) return;
        refresh(n);
        auto actions = std::visit([](auto& p) { return p.plan(); }, *x.pool);
        for (auto& a : actions) (void)ec2_->submit(x.ec2_id, std::move(a), now_);
        push(now_ + cfg_.warm_interval, event_kind::node_tick, n);
    }

    result<void> complete_calls(sim_time t) {
        const auto outcomes = ec2_->poll(t);
        const auto& log = ec2_->log();
        const std::size_t base = log.size() - outcomes.size();
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            const node_id id = log[base + i].node;
            const std::uint32_t n = id < ec2_to_node_.size() ? ec2_to_node_[id] : no_node;
            const outcome& o = outcomes[i];
            if (!o.response && o.response.error().code() == errc::insufficient_cidr_blocks &&
                !summary_.first_insufficient_cidr_blocks)
                summary_.first_insufficient_cidr_blocks = t;
            if (n == no_node || nodes_[n].state != node_state::ready) continue;
            auto applied = std::visit([&](auto& p) { return p.apply(o); }, *nodes_[n].pool);
            if (!applied) return applied.error();
            refresh(n);
        }
        return success();
    }

    void terminate(std::uint32_t n) {
        node& x = nodes_[n];
        fallbacks_removed_ += fallbacks_of(x);
        (void)ec2_->terminate_node(x.ec2_id);  // a live node: cannot fail
        x.state = node_state::removed;
        x.pool.reset();
        open_->reset(n);
        --ready_;
    }

    void on_autoscale() {
        autoscaler_input in;
        in.pending = pending_count_;
        in.nodes = ready_ + booting_;
        std::uint64_t per = 0;
        for (const node& x : nodes_) {
            if (x.state == node_state::ready) in.room += x.capacity - x.pods;
            if (x.state == node_state::booting) in.booting_capacity += x.capacity;
        }
        for (const node_group& g : cfg_.groups) per = std::max(per, pod_capacity(g));
        in.pods_per_node = std::max<std::uint64_t>(per, 1);
        const unsigned launch_count = nodes_to_launch(cfg_.autoscaler, in);
        for (unsigned i = 0; i < launch_count; ++i) {
            auto n = launch(now_);
            if (!n) break;
            push(now_ + cfg_.autoscaler.boot_time, event_kind::node_ready, *n);
        }
        // No removal while pods wait: in Kubernetes they would be bound to nodes already.
        for (std::uint32_t n = 0; pending_count_ == 0 && n < nodes_.size(); ++n) {
            node& x = nodes_[n];
            if (x.state != node_state::ready || x.pods != 0) continue;
            const bool idle = std::visit([](auto& p) { return p.in_flight().empty(); }, *x.pool);
            if (idle && may_remove(cfg_.autoscaler, now_, x.empty_since, ready_ + booting_)) terminate(n);
        }
        push(now_ + cfg_.autoscaler.interval, event_kind::autoscale);
    }

    std::uint64_t fallbacks_of(const node& x) const noexcept {
        if (!x.pool) return 0;
        return sim::fallbacks_of(*x.pool);
    }
    std::uint64_t fallbacks() const noexcept {
        std::uint64_t f = fallbacks_removed_;
        for (const node& x : nodes_) f += fallbacks_of(x);
        return f;
    }
    std::uint64_t total_calls() const noexcept {
        std::uint64_t c = 0;
        for (std::size_t k = 0; k < call_kind_count; ++k) c += ec2_->calls(static_cast<call_kind>(k));
        return c;
    }

    void on_sample() {
        sample s;
        s.at = now_;
        s.pods_running = running_;
        s.pods_pending = pending_count_;
        s.nodes = ready_;
        s.nodes_booting = booting_;
        for (node& x : nodes_) {
            if (x.state != node_state::ready) continue;
            const pool_stats st = std::visit([](auto& p) { return p.stats(); }, *x.pool);
            s.addresses_held += st.total;
            s.addresses_used += st.assigned;
        }
        std::uint64_t unreserved_blocks = 0;
        for (std::size_t i = 0; i < ec2_->subnet_count(); ++i) {
            const subnet& sn = ec2_->subnet_at(i);
            s.subnet_free_addresses += sn.free_addresses();
            s.free_28s += sn.free_blocks() + sn.reserved_free_blocks();
            unreserved_blocks += sn.free_blocks();
        }
        const auto free_unreserved = static_cast<double>(s.subnet_free_addresses);
        s.fragmentation =
            free_unreserved == 0 ? 0.0 : 1.0 - 16.0 * static_cast<double>(unreserved_blocks) / free_unreserved;
        s.fallbacks = fallbacks();
        s.ec2_calls = total_calls();
        for (std::size_t k = 0; k < ec2_error_codes.size(); ++k) s.ec2_errors[k] = ec2_->errors(ec2_error_codes[k]);
        samples_.push_back(s);
        if (now_ + cfg_.sample_interval <= cfg_.duration) push(now_ + cfg_.sample_interval, event_kind::sample);
    }

    cluster_config cfg_;
    std::unique_ptr<manual_clock> clock_;
    std::unique_ptr<ec2> ec2_;
    workload workload_;
    std::unique_ptr<hierarchical_bitset<max_nodes>> open_;  // ready, below capacity, a free address
    std::priority_queue<event, std::vector<event>, std::greater<>> events_;
    std::uint64_t seq_ = 0;
    sim_time now_{};
    std::vector<node> nodes_;
    std::vector<std::uint32_t> ec2_to_node_;
    unsigned ready_ = 0, booting_ = 0;
    std::vector<pod> pods_;
    std::vector<std::uint32_t> free_slots_;
    std::vector<std::uint32_t> existing_;
    std::vector<std::vector<std::uint32_t>> members_;
    std::deque<pod_ref> pending_;
    std::uint64_t pending_count_ = 0;
    std::uint64_t running_ = 0;
    double pending_ns_ = 0.0;
    std::uint64_t fallbacks_removed_ = 0;
    run_summary summary_;
    std::vector<sample> samples_;
};

/// The cluster of the built-in warm strategies.
using cluster = basic_cluster<>;

} // namespace enipool::sim
