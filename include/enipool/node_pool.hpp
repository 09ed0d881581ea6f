// enipool/node_pool.hpp: a node's pod IPAM: ENIs, pod keys, O(1) hand-out, cooldown, plan/apply.
//
// `node_pool<Policy, Warm, Options...>` hands pod addresses out of the ENIs' slots in O(1):
// a bitset of ENIs with a free lane, the ENI's free-lane bitset, one hash insert. Released
// addresses cool down in a FIFO (one period for all, so release order is expiry order) that
// is drained lazily at the start of assign / stats / plan. The pool is sans-IO: `plan()`
// says what to ask EC2 for, `apply()` feeds back what EC2 answered.
//
// Options (enipool/node_pool_options.hpp; types, any order): pod_key<K> (cni_key),
// packing<P> (lowest_lane), clock<C> (steady_clock; the pool holds a reference to a C).
// This header holds the operations that change a pool; detail::node_pool_state (its base)
// holds the state, the read access (enis(), allocations(), cooling(), check(), ...) and the
// steps operations share. The machinery is in detail/: eni_lanes (the ENIs with their
// free-lane bitset, lane sums, cidr_index and packer), plan_clipping and card_limits
// (plan()), pool_shrink (eviction, releases, detaches, exclusion), eni_view_of (view()),
// pool_invariants (check()), restored_holds and pool_restore (checkpoint restores).
// Single-threaded like a container; wrap it in `synchronized<>` for concurrent callers.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/clock.hpp>
#include <enipool/detail/card_limits.hpp>
#include <enipool/detail/eni_lanes.hpp>
#include <enipool/detail/eni_view_of.hpp>
#include <enipool/detail/node_pool_state.hpp>
#include <enipool/detail/plan_clipping.hpp>
#include <enipool/detail/pool_invariants.hpp>
#include <enipool/detail/pool_restore.hpp>
#include <enipool/detail/pool_shrink.hpp>
#include <enipool/detail/restored_holds.hpp>
#include <enipool/error.hpp>
#include <enipool/growth_policy.hpp>
#include <enipool/node_pool_options.hpp>
#include <enipool/node_pool_types.hpp>
#include <enipool/pod_table.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/warm_strategy.hpp>

#include <boost/circular_buffer.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace enipool {

/// A node pool. See the header comment for the options; detail::node_pool_state holds its
/// state and documents its read access (enis(), allocations(), cooling(), check(), ...).
template <growth_policy Policy, warm_strategy Warm, class... Options>
class node_pool
    : public detail::node_pool_state<Policy, Warm, detail::apply_options_t<node_pool_defaults, Options...>> {
    static_assert((detail::is_node_pool_option<Options>::value && ...),
                  "node_pool<Policy, Warm, Options...>: each option must be enipool::pod_key<K>, "
                  "enipool::packing<P> or enipool::clock<C>");
    using state = detail::node_pool_state<Policy, Warm, detail::apply_options_t<node_pool_defaults, Options...>>;
    // The state's members and steps by name (names of a dependent base need this).
    using state::cfg_, state::clock_, state::policy_, state::warm_, state::max_pods_, state::lanes_, state::pods_,
        state::holds_, state::cooling_, state::in_flight_, state::next_request_id_, state::last_shrink_,
        state::growth_failures_;
    using state::drain, state::retire_lane, state::release_restored, state::evict, state::refused,
        state::add_eni_at, state::add_cidrs, state::serves_pods, state::is_primary, state::home_card,
        state::freeable, state::pods_on, state::stats_snapshot, state::clips_growth_to_max_pods;
    using typename state::pod_table_type;

public:
    using typename state::key_type, typename state::clock_type, typename state::metadata_type,
        typename state::config, typename state::allocation, typename state::cooling_entry;
    using state::now, state::eni_index, state::eni_holding;

    /// Validates the config and builds an empty pool (no ENI; add the node's ENIs with
    /// add_eni). O(1). Errors: `invalid_instance_limits`, `prefix_not_supported` (a prefix
    /// policy on a type that is neither Nitro nor bare metal), `malformed_config` (negative
    /// cooldown, a network card above 0 the type does not list besides its default, or
    /// warm settings the strategy's check_config rejects).
    [[nodiscard]] static result<node_pool> create(config cfg, clock_type& clk) {
        if (auto ok = validate(cfg.type); !ok) return ok.error();
        if (Policy::needs_prefix_support && !cfg.type.supports_prefixes())
            return error(errc::prefix_not_supported,
                         fmt::format("{} is not Nitro and not bare metal", cfg.type.name));
        if (cfg.cooldown < std::chrono::nanoseconds::zero())
            return error(errc::malformed_config, "the cooldown must not be negative");
        if (cfg.network_card != 0 && !detail::has_secondary_card(cfg.type, cfg.network_card))
            return error(errc::malformed_config,
                         fmt::format("network card {} is not a card above the default of {}", cfg.network_card, cfg.type.name));
        if constexpr (requires { Warm::check_config(cfg.warm); })
            if (auto ok = Warm::check_config(cfg.warm); !ok) return ok.error();
        return node_pool(std::move(cfg), clk);
    }

    // --- hand-out ----------------------------------------------------------------------

    /// The pod's address: the one it holds (idempotent; metadata is not changed), else a
    /// free lane chosen by the packing. O(1) (amortised: drains expired cooldowns first).
    /// Errors: `max_pods_reached`, `no_available_addresses` (nothing free; with
    /// reclaim_cooling_when_exhausted the oldest cooling address is taken instead).
    /// Allocates only when the key index grows.
    [[nodiscard]] result<ipv4_address> assign(const key_type& key, const metadata_type& metadata = {}) {
        const timestamp t = now();
        drain(t);
        const std::uint32_t h = pod_table_type::hash(key);
        const bool can_take = lanes_.any_free() || (cfg_.reclaim_cooling_when_exhausted && !cooling_.empty());
        const bool at_max = max_pods_ != 0 && pods_.size() >= max_pods_;
        if (!can_take || at_max) {
            if (const allocation* held = pods_.find(key, h)) return held->address;
            return at_max ? errc::max_pods_reached : errc::no_available_addresses;
        }
        // One probe files a new key or finds a held one. May allocate (growth): before any
        // state changes.
        const auto [filed, is_new] = pods_.try_insert(key, h);
        if (!is_new) return filed->address;
        allocation& a = *filed;
        unsigned e = 0, lane = 0;
        if (lanes_.any_free()) {
            const auto pick = lanes_.pick();
            e = pick.eni;
            lane = pick.lane;
            lanes_.template change<eni::lane_op::take>(e, lane, t);
        } else {
            const cooling_entry oldest = cooling_.front();
            cooling_.pop_front();
            e = oldest.eni;
            lane = oldest.lane;
            lanes_.template change<eni::lane_op::take_cooling>(e, lane, t);
        }
        const ipv4_address address = lanes_[e].address_of(lane);
        a.address = address;
        a.eni = static_cast<std::uint8_t>(e);
        a.lane = static_cast<std::uint16_t>(lane);
        a.assigned_at = t;
        // A new entry holds default metadata or, in the slab layout (CNI keys), its position's
        // last pod's: copy only what differs (two std::string assignments cost about a tenth
        // of a hand-out; equal metadata, e.g. none, skips them).
        if constexpr (!std::is_empty_v<metadata_type>)
            if (!(a.metadata == metadata)) a.metadata = metadata;
        return address;
    }

    /// Gives `key` exactly `address` (restore from a checkpoint, static addresses).
    /// Idempotent when the key already holds it. O(1). `assigned_at` defaults to now.
    /// Errors: `pod_key_conflict` (the key holds another address), `address_not_in_pool`
    /// (on no prefix / secondary IP of the node, e.g. a primary IP),
    /// `eni_excluded` (on a trunk / efa-only / excluded ENI), `address_already_in_datastore`
    /// (another pod holds it), `address_in_use` (cooling, or its CIDR is being released),
    /// `max_pods_reached`. Nothing changes on error.
    [[nodiscard]] result<ipv4_address> assign_specific(const key_type& key, ipv4_address address,
                                                       const metadata_type& metadata = {},
                                                       std::optional<timestamp> assigned_at = std::nullopt) {
        const timestamp t = now();
        drain(t);
        const std::uint32_t h = pod_table_type::hash(key);
        if (const allocation* filed = pods_.find(key, h)) {
            const ipv4_address held = filed->address;
            if (held == address) return address;
            return error(errc::pod_key_conflict, fmt::format("it holds {}, asked for {}", held, address));
        }
        const auto where = lanes_.cidrs().locate(address);
        if (!where) return errc::address_not_in_pool;
        const eni& x = lanes_[where->first];
        if (!x.serves_pods()) return errc::eni_excluded;
        if (auto free = detail::lane_is_free(x, where->second); !free) return free.error();
        if (max_pods_ != 0 && pods_.size() >= max_pods_) return errc::max_pods_reached;
        allocation& a = *pods_.try_insert(key, h).first;  // new: the key was not found above
        lanes_.template change<eni::lane_op::take>(where->first, where->second, t);
        a = allocation{address, static_cast<std::uint8_t>(where->first), static_cast<std::uint16_t>(where->second),
                       assigned_at.value_or(t), metadata};
        return address;
    }

    /// Releases the pod's address, which cools down for the configured period (or is free
    /// at once when the cooldown is 0). O(1), no allocation (the cooldown FIFO grows
    /// amortised). Errors: `unknown_pod` (nothing changes).
    [[nodiscard]] result<ipv4_address> release(const key_type& key) {
        ipv4_address address;
        unsigned e = 0, lane = 0;
        const bool held = pods_.erase(key, pod_table_type::hash(key), [&](const allocation& a) {
            address = a.address;
            e = a.eni;
            lane = a.lane;
        });
        if (!held) return errc::unknown_pod;
        const timestamp t = now();
        if (!holds_.empty()) [[unlikely]]
            return release_restored(key, address, e, lane, t);
        retire_lane(address, e, lane, t);
        return address;
    }

    /// Holds `address` for `key` as an agent's checkpoint says, the way ipamd's
    /// ReadBackingStore restores an allocation (data_store.go L375-409 at b52188387f2e): the
    /// address may lie on any ENI of the pool, one serving no pods (excluded, trunk,
    /// efa-only) included, where it stays held until released and is never handed out; and
    /// a key that already holds another address keeps both (the new one is listed in
    /// extra_holdings(); each release frees one). Idempotent when the key already holds
    /// `address`. Unlike assign_specific it is not bounded by max pods for a further address
    /// of a key. O(1) (a further address: O(1) amortised). `assigned_at` defaults to now.
    /// Errors (nothing changes): `address_not_in_pool`, `address_already_in_datastore`
    /// (another pod, or this one as a further address, holds it), `address_in_use` (cooling,
    /// or its CIDR is being released), `max_pods_reached` (a new key at max pods).
    [[nodiscard]] result<ipv4_address> restore_allocation(const key_type& key, ipv4_address address,
                                                          const metadata_type& metadata = {},
                                                          std::optional<timestamp> assigned_at = std::nullopt) {
        const timestamp t = now();
        drain(t);
        return detail::restore_allocation(lanes_, pods_, holds_, key, pod_table_type::hash(key),
                                          allocation{address, 0, 0, assigned_at.value_or(t), metadata}, max_pods_, t);
    }




    /// Node statistics, after draining expired cooldowns. O(1) amortised.
    [[nodiscard]] pool_stats stats() {
        drain(now());
        return stats_snapshot();
    }



    /// Restore: puts a free address back into cooldown as released at `released_at`
    /// (kept in release order; expired entries leave at the next drain). O(cooling).
    /// Errors: `address_not_in_pool`, `eni_excluded`, `address_in_use` (not free).
    [[nodiscard]] result<void> restore_cooling(ipv4_address address, timestamp released_at) {
        return detail::restore_cooling(lanes_, cooling_, address, released_at, cfg_.cooldown);
    }

    // --- ENIs ------------------------------------------------------------------------------

    /// Adds an ENI that already exists (agent restart, CNI config) with its CIDRs.
    /// O(CIDRs + ENIs). Errors: `duplicate_eni` (id, or device index on that card, known),
    /// `eni_limit_reached` (the card allows no further ENI), `slot_limit_reached` (more CIDRs
    /// than slots), `conflicting_grant` (primary or a CIDR outside the subnet, a CIDR neither
    /// /28 nor /32, overlapping anything the pool holds, or an ENI on another network card
    /// than the pool's: ipamd keeps each card's ENIs in that card's datastore). Nothing
    /// changes on error.
    [[nodiscard]] result<void> add_eni(const eni_spec& spec) { return add_eni_at(spec, now()); }

    /// Removes an ENI (its CIDRs leave the pool). O(CIDRs + ENIs).
    /// Errors: `unknown_eni`, `eni_in_use` (a pod holds, or an address cools on, it).
    [[nodiscard]] result<void> remove_eni(std::string_view id) {
        drain(now());
        const auto index = eni_index(id);
        if (!index) return errc::unknown_eni;
        const eni& x = lanes_[*index];
        if (pods_on(static_cast<unsigned>(*index)) != 0 || x.stats().cooling() != 0) return errc::eni_in_use;
        lanes_.erase(*index);
        return success();
    }

    /// Removes an ENI EC2 no longer lists (ipamd's RemoveENIFromDataStore, reconcile). Its
    /// CIDRs leave the pool, addresses cooling on it are dropped, and actions in flight on it
    /// are forgotten (their outcomes are then `unexpected_outcome`). With removal::force its
    /// pods are unassigned (no cooldown: the addresses are gone) and their keys returned;
    /// with refuse_if_used a pod on it refuses the call. O(ENI's lanes + pods + cooling).
    /// Errors (nothing changes): `unknown_eni`, `eni_in_use` (refuse_if_used and a pod holds an address).
    [[nodiscard]] result<std::vector<key_type>> remove_eni(std::string_view id, removal how) {
        const timestamp t = now();
        drain(t);
        const auto index = eni_index(id);
        if (!index) return errc::unknown_eni;
        const auto e = static_cast<unsigned>(*index);
        if (how == removal::refuse_if_used && pods_on(e) != 0)
            return error(errc::eni_in_use, fmt::format("ENI {} holds pods", id));
        std::vector<key_type> evicted = evict(e, [](unsigned) { return true; }, t);
        std::erase_if(in_flight_, [&](const action& a) { return detail::names_eni(a, id); });
        lanes_.erase(e);
        return evicted;
    }

    /// Removes CIDRs EC2 no longer lists on an ENI that stays (ipamd's DelIPv4CidrFromStore,
    /// the per-CIDR reconcile). Addresses cooling on them are dropped; with removal::force
    /// their pods are unassigned (no cooldown) and their keys returned, with refuse_if_used a
    /// pod on any of them refuses the whole call. All or nothing. O(CIDRs + ENI's lanes +
    /// pods + cooling). Errors (nothing changes): `unknown_eni`, `address_not_in_pool` (a
    /// CIDR that is not one of the ENI's), `address_in_use` (refuse_if_used and a pod holds an address).
    [[nodiscard]] result<std::vector<key_type>> remove_cidrs(std::string_view eni_id, const std::vector<ipv4_prefix>& cidrs,
                                                             removal how) {
        const timestamp t = now();
        drain(t);
        const auto index = eni_index(eni_id);
        if (!index) return errc::unknown_eni;
        return detail::remove_cidrs<key_type>(lanes_, pods_, holds_, cooling_, *index, cidrs,
                                              how == removal::refuse_if_used, t);
    }

    /// Excludes an ENI from pod IPs, or returns it to them, at run time (ipamd's
    /// SetENIExcludedForPodIPs, data_store.go L498-515 at b52188387f2e, which changes the flag
    /// and nothing else). Pods on it keep their addresses, held as restore_allocation holds
    /// them on an ENI serving no pods, until released; no new pod gets an address there, and
    /// the strategies count it and free it as an excluded ENI. Addresses cooling on it are
    /// dropped from the cooldown (an excluded ENI hands nothing out; ipamd keeps their
    /// cooling time, which only delays freeing the excluded ENI by up to one cooldown).
    /// Returned to pods, its free lanes are handed out again and its pods stay. A trunk or
    /// efa-only ENI, or the primary under custom networking, stays out of service either
    /// way. Idempotent. O(lanes + pods + cooling). Errors: `unknown_eni` (nothing changes).
    [[nodiscard]] result<void> set_excluded(std::string_view id, bool excluded) {
        const timestamp t = now();
        drain(t);
        const auto index = eni_index(id);
        if (!index) return errc::unknown_eni;
        eni_flags flags = lanes_[*index].flags();
        flags.excluded = excluded;
        detail::set_service(lanes_, pods_, holds_, cooling_, *index, serves_pods(flags, is_primary(lanes_[*index])), flags, t);
        return success();
    }

    // --- planning --------------------------------------------------------------------------

    /// The pool as the policies see it (drains expired cooldowns), with `last_shrink` the time
    /// plan() last emitted a release. O(ENIs + slots).
    [[nodiscard]] pool_view view() {
        const timestamp t = now();
        drain(t);
        pool_view v;
        v.now = t;
        v.mode = policy_.mode(t);
        v.may_grow = policy_.may_grow(t);
        const pool_stats s = stats_snapshot();
        v.total = s.total;
        v.assigned = s.assigned;
        v.cooling = s.cooling;
        v.free = s.free;
        v.max_pods = max_pods_;
        v.network_card = cfg_.network_card;
        v.max_enis = detail::max_serving_enis(cfg_.type, cfg_.budget, cfg_.network_card);
        v.slots_per_eni = cfg_.type.slots_per_eni();
        for (const action& a : in_flight_) (detail::is_growth(a) ? v.growth_in_flight : v.shrink_in_flight) = true;
        v.last_shrink = last_shrink_;
        v.growth_failures = growth_failures_;
        for (const eni* x : detail::in_view_order(lanes_.enis())) {
            const std::uint64_t held = x->serves_pods() ? 0 : detail::holds_on_unserved(*x, holds_);
            v.enis.push_back(detail::eni_view_of(*x, is_primary(*x), held, [&](unsigned slot) { return freeable(*x, slot); }));
            const eni_stats es = x->stats();
            if (x->serves_pods()) {
                v.total_prefixes += es.prefixes;
                v.free_prefixes += es.wholly_free_prefixes;
            }
        }
        return v;
    }

    /// What to ask EC2 for now: builds the view, asks the warm strategy, drops growth while
    /// growth is in flight and shrink while shrink is, clips to the limits (view.max_enis,
    /// the pool's card's ENIs, the ENI's free slots, max pods), stamps request ids, the
    /// lowest device index free on the pool's card and the card, marks CIDRs / ENIs being
    /// released as leaving (no longer handed out; a CIDR no pod holds is released, its
    /// cooling addresses dropped), and remembers the actions as in flight. O(ENIs + slots + actions + cooling addresses of released CIDRs).
    [[nodiscard]] std::vector<action> plan() {
        const pool_view v = view();
        std::vector<action> wanted = warm_.plan(v);
        std::vector<action> out;
        detail::growth_clipper growth(lanes_.enis(), in_flight_, v.total,
                                      {max_pods_, clips_growth_to_max_pods(), v.max_enis, home_card(),
                                       detail::home_card_limit(cfg_.type, cfg_.network_card), cfg_.type.slots_per_eni()});
        for (action& a : wanted) {
            if (detail::is_growth(a) ? v.growth_in_flight : v.shrink_in_flight) continue;
            if (auto* at = std::get_if<attach_eni>(&a)) {
                if (!v.may_grow || !growth.clip(*at, lanes_.enis(), in_flight_, out)) continue;
            } else if (auto* as = std::get_if<assign_to_eni>(&a)) {
                const auto index = eni_index(as->eni_id);
                if (!v.may_grow || !index || !growth.clip(*as, lanes_[*index], out)) continue;
            } else if (auto* rel = std::get_if<release_from_eni>(&a)) {
                if (!detail::start_release<key_type>(lanes_, pods_, holds_, cooling_, *rel, v.now)) continue;
            } else if (auto* det = std::get_if<detach_eni>(&a)) {
                if (!detail::start_detach(lanes_, holds_, *det, [this](const eni& x) { return is_primary(x); }, v.now))
                    continue;
            }
            std::visit([this](auto& x) { x.request_id = next_request_id_++; }, a);
            // The VPC CNI's "decrease at most every 30 s": releases arm it, detaches do not.
            if (std::holds_alternative<release_from_eni>(a)) last_shrink_ = v.now;
            out.push_back(a);
        }
        in_flight_.insert(in_flight_.end(), out.begin(), out.end());
        return out;
    }

    /// Feeds back EC2's answer to a planned action. A grant adds the ENI / CIDRs (validated
    /// all-or-nothing) and tells the growth policy; a refused growth request is remembered
    /// (view().growth_failures, until the next grant) and told to the policy unless the warm
    /// strategy absorbs it; a refused release or detach
    /// returns the leaving CIDRs to service; a successful release removes the
    /// CIDRs, a detach the ENI. The action is then no longer in flight. O(CIDRs + ENIs).
    /// Errors (nothing changes, the action stays in flight): `unexpected_outcome` (no such
    /// request in flight), `duplicate_eni`, `eni_limit_reached`, `unknown_eni`,
    /// `slot_limit_reached`, `conflicting_grant` (misaligned, outside the subnet, or
    /// overlapping).
    [[nodiscard]] result<void> apply(const outcome& o) {
        const std::uint64_t id = request_id_of(o.request);
        const auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                                     [id](const action& a) { return request_id_of(a) == id; });
        if (it == in_flight_.end() || it->index() != o.request.index())
            return error(errc::unexpected_outcome, fmt::format("request id {}", id));
        const timestamp t = now();
        drain(t);
        const action planned = *it;
        if (!o.response) {
            if (auto* at = std::get_if<attach_eni>(&planned)) {
                refused({std::string(), at->mode, at->count, o.response.error().code(), t});
            } else if (auto* as = std::get_if<assign_to_eni>(&planned)) {
                refused({as->eni_id, as->mode, as->count, o.response.error().code(), t});
            } else {
                detail::end_shrink(lanes_, in_flight_, planned, t, false);
            }
        } else if (auto* at = std::get_if<attach_eni>(&planned)) {
            const grant& g = *o.response;
            eni_spec spec{g.eni_id, g.device_index != 0 ? g.device_index : at->device_index,
                          at->network_card, g.subnet, g.primary_ip, g.cidrs, {}};
            if (auto ok = add_eni_at(spec, t); !ok) return ok;
            policy_.on_grant(t, at->mode);
            growth_failures_.clear();
        } else if (auto* as = std::get_if<assign_to_eni>(&planned)) {
            if (auto ok = add_cidrs(as->eni_id, o.response->cidrs, t); !ok) return ok;
            policy_.on_grant(t, as->mode);
            growth_failures_.clear();
        } else {
            detail::end_shrink(lanes_, in_flight_, planned, t, true);
        }
        in_flight_.erase(std::find_if(in_flight_.begin(), in_flight_.end(),
                                      [id](const action& a) { return request_id_of(a) == id; }));
        return success();
    }

    /// Grants CIDRs to a known ENI outside plan/apply (static config). All-or-nothing.
    /// O(CIDRs + ENIs). Errors: `unknown_eni`, `slot_limit_reached`, `conflicting_grant`.
    [[nodiscard]] result<void> add_cidrs(std::string_view eni_id, const std::vector<ipv4_prefix>& cidrs) {
        return add_cidrs(eni_id, cidrs, now());
    }


private:
    node_pool(config cfg, clock_type& clk) : state(std::move(cfg), clk) {}
};

} // namespace enipool
