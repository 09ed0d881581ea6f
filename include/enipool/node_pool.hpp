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
// The config and create()'s checks are in node_pool_config.hpp. The private machinery is in
// detail/, one idea per header, taking the pool's parts as arguments: eni_lanes (the ENIs
// with their free-lane bitset, lane sums, cidr_index and packer), pool_view_of and
// eni_view_of (view()), pool_requests (plan() and apply()) with plan_clipping, pool_grants
// (add_eni, add_cidrs, grants) and card_limits, pool_shrink (eviction, releases, detaches,
// exclusion), pool_restore and restored_holds (checkpoint restores), pool_invariants (check()).
// Single-threaded like a container; wrap it in `synchronized<>` for concurrent callers.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/clock.hpp>
#include <enipool/detail/card_limits.hpp>
#include <enipool/detail/eni_lanes.hpp>
#include <enipool/detail/plan_clipping.hpp>
#include <enipool/detail/pool_invariants.hpp>
#include <enipool/detail/pool_requests.hpp>
#include <enipool/detail/pool_restore.hpp>
#include <enipool/detail/pool_shrink.hpp>
#include <enipool/detail/pool_view_of.hpp>
#include <enipool/detail/restored_holds.hpp>
#include <enipool/error.hpp>
#include <enipool/growth_policy.hpp>
#include <enipool/node_pool_config.hpp>
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
#include <vector>

namespace enipool {

/// A node pool. See the header comment for the options.
template <growth_policy Policy, warm_strategy Warm, class... Options>
class node_pool {
    static_assert((detail::is_node_pool_option<Options>::value && ...),
                  "node_pool<Policy, Warm, Options...>: each option must be enipool::pod_key<K>, "
                  "enipool::packing<P> or enipool::clock<C>");
    using opts = typename detail::apply_options<node_pool_defaults, Options...>::type;

public:
    using key_type = typename opts::key_type;
    using packing_type = typename opts::packing_type;
    using clock_type = typename opts::clock_type;
    using policy_type = Policy;
    using warm_type = Warm;
    using metadata_type = typename pod_key_traits<key_type>::metadata;
    using hasher = typename pod_key_traits<key_type>::hasher;

    /// Runtime configuration: node_pool_config<Policy, Warm> (node_pool_config.hpp), where
    /// each field is described.
    using config = node_pool_config<Policy, Warm>;

    /// Where a pod's address lives.
    struct allocation {
        ipv4_address address;
        std::uint8_t eni = 0;       ///< index into enis()
        std::uint16_t lane = 0;
        timestamp assigned_at{};
        [[no_unique_address]] metadata_type metadata{};
    };

    /// A released address in cooldown.
    struct cooling_entry {
        ipv4_address address;
        std::uint8_t eni = 0;
        std::uint16_t lane = 0;
        timestamp released_at{};
    };

    /// Every pod, key -> allocation (allocations()): enipool::allocation_map, a forward range
    /// over the pod table (node_pool_types.hpp).
    using allocation_map = enipool::allocation_map<detail::pod_table<key_type, allocation, hasher>>;

    /// Validates the config and builds an empty pool (no ENI; add the node's ENIs with
    /// add_eni). O(1). Errors: `invalid_instance_limits`, `prefix_not_supported` (a prefix
    /// policy on a type neither Nitro nor bare metal; one with `without_prefix_support()`
    /// grows with secondary IPs there instead), `malformed_config` (negative cooldown, a
    /// network card above 0 the type does not list, or warm settings check_config rejects).
    [[nodiscard]] static result<node_pool> create(config cfg, clock_type& clk) {
        if (auto ok = detail::check_config(cfg); !ok) return ok.error();
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
        return detail::restore_allocation<allocation>(lanes_, pods_, holds_, key, address, metadata,
                                                      assigned_at.value_or(t), max_pods_, t);
    }

    /// Addresses keys hold beyond their first (restore_allocation of a key that already held
    /// one), oldest first: a key releases its pod-table address first, then these in order.
    /// O(1).
    [[nodiscard]] const std::vector<std::pair<key_type, allocation>>& extra_holdings() const noexcept {
        return holds_.extras();
    }

    /// The index into enis() of the ENI whose prefix or secondary IP holds `address`, or
    /// nullopt. O(1).
    [[nodiscard]] std::optional<unsigned> eni_holding(ipv4_address address) const noexcept {
        const auto where = lanes_.cidrs().locate(address);
        if (!where) return std::nullopt;
        return where->first;
    }

    /// The pod's allocation, or nullptr. O(1).
    [[nodiscard]] const allocation* find(const key_type& key) const noexcept {
        return pods_.find(key, pod_table_type::hash(key));
    }

    /// Node statistics, after draining expired cooldowns. O(1) amortised.
    [[nodiscard]] pool_stats stats() {
        drain(now());
        return stats_snapshot();
    }

    /// One ENI's statistics by index into enis() (no drain). O(slots of the ENI).
    [[nodiscard]] eni_stats eni_stats_at(std::size_t index) const noexcept { return lanes_[static_cast<unsigned>(index)].stats(); }

    // --- read access (checkpoints, tools) -------------------------------------------------

    /// Every ENI slot of the pool; vacant entries (removed ENIs) have `vacant()` true.
    [[nodiscard]] const std::vector<eni>& enis() const noexcept { return lanes_.enis(); }
    /// The index of the ENI with this id, or nullopt. O(ENIs).
    [[nodiscard]] std::optional<unsigned> eni_index(std::string_view id) const noexcept { return lanes_.index_of(id); }
    /// Every pod: key -> allocation (unordered).
    [[nodiscard]] allocation_map allocations() const noexcept { return allocation_map(&pods_); }
    /// Cooling addresses, oldest release first (expired ones are still listed until a drain).
    [[nodiscard]] const boost::circular_buffer<cooling_entry>& cooling() const noexcept { return cooling_; }
    [[nodiscard]] const config& configuration() const noexcept { return cfg_; }
    [[nodiscard]] const Policy& policy() const noexcept { return policy_; }
    /// The ceiling on pod addresses in force (config, else the type's capacity).
    [[nodiscard]] std::uint64_t max_pods() const noexcept { return max_pods_; }
    /// The actions planned and not yet answered by apply().
    [[nodiscard]] const std::vector<action>& in_flight() const noexcept { return in_flight_; }
    /// Now on the pool's clock. O(1).
    [[nodiscard]] timestamp now() const noexcept {
        return std::chrono::duration_cast<timestamp>(clock_->now().time_since_epoch());
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
    [[nodiscard]] result<void> add_eni(const eni_spec& spec) { return detail::add_eni(lanes_, cfg_, spec, now()); }

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
        std::vector<key_type> evicted =
            detail::evict<key_type>(lanes_, pods_, holds_, cooling_, e, [](unsigned) { return true; }, t);
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
        const eni& x = lanes_[*index];
        const bool serves = detail::serves_pods(flags, detail::is_primary(x.device_index(), x.network_card(), cfg_.type),
                                                cfg_.budget);
        detail::set_service(lanes_, pods_, holds_, cooling_, *index, serves, flags, t);
        return success();
    }

    // --- planning --------------------------------------------------------------------------

    /// The pool as the policies see it (drains expired cooldowns), with `last_shrink` the time
    /// plan() last emitted a release. O(ENIs + slots).
    [[nodiscard]] pool_view view() {
        const timestamp t = now();
        drain(t);
        return detail::pool_view_of(policy_, cfg_, lanes_.enis(), holds_, stats_snapshot(), max_pods_, in_flight_,
                                    last_shrink_, growth_failures_, t);
    }

    /// What to ask EC2 for now: builds the view, asks the warm strategy, drops growth while
    /// growth is in flight and shrink while shrink is, clips to the limits (view.max_enis,
    /// the pool's card's ENIs, the ENI's free slots, max pods), stamps request ids, the
    /// lowest device index free on the pool's card and the card, marks CIDRs / ENIs being
    /// released as leaving (no longer handed out; a CIDR no pod holds is released, its
    /// cooling addresses dropped), and remembers the actions as in flight. O(ENIs + slots + actions + cooling addresses of released CIDRs).
    [[nodiscard]] std::vector<action> plan() {
        const pool_view v = view();
        return detail::plan_actions<key_type>(warm_, cfg_, v, max_pods_, lanes_, pods_, holds_, cooling_, in_flight_,
                                              next_request_id_, last_shrink_);
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
        if (detail::answered_request(in_flight_, o) == in_flight_.end())
            return error(errc::unexpected_outcome, fmt::format("request id {}", request_id_of(o.request)));
        const timestamp t = now();
        drain(t);
        return detail::apply_outcome(policy_, warm_, cfg_, lanes_, in_flight_, growth_failures_, o, t);
    }

    /// Grants CIDRs to a known ENI outside plan/apply (static config). All-or-nothing.
    /// O(CIDRs + ENIs). Errors: `unknown_eni`, `slot_limit_reached`, `conflicting_grant`.
    [[nodiscard]] result<void> add_cidrs(std::string_view eni_id, const std::vector<ipv4_prefix>& cidrs) {
        return detail::add_cidrs(lanes_, eni_id, cidrs, now());
    }

    // --- invariants ------------------------------------------------------------------------

    /// Walks the whole state and checks every invariant: each lane in exactly one state,
    /// counters equal to the bitsets, the ENI-with-free-lane bitset, the key index against
    /// the lanes, the cooldown FIFO (cooling lanes, release order), the CIDR index, the
    /// packing's buckets and the limits. O(state). Errors: `pool_invariant_broken`.
    [[nodiscard]] result<void> check() const {
        return detail::check_pool(lanes_.enis(), lanes_.with_free(), lanes_.cidrs(), node_sums(), pods_, holds_, cooling_, lanes_.packing(),
                                  max_pods_, cfg_.type.slots_per_eni());
    }

private:
    node_pool(config cfg, clock_type& clk) : cfg_(std::move(cfg)), clock_(&clk), policy_(cfg_.policy), warm_(cfg_.warm) {
        lanes_.reserve(cfg_.type.max_enis);
        const bool prefixes = Policy::needs_prefix_support && cfg_.type.supports_prefixes();
        if constexpr (detail::runs_without_prefixes<Policy>)
            if (!cfg_.type.supports_prefixes()) policy_.without_prefix_support();
        max_pods_ = cfg_.max_pods;
        if (max_pods_ == 0) {
            const auto capacity = pod_address_capacity(cfg_.type, prefixes ? address_mode::prefix : address_mode::secondary, cfg_.budget);
            max_pods_ = capacity ? *capacity : 0;
        }
    }

    using pod_table_type = detail::pod_table<key_type, allocation, hasher>;

    // The node's sums over its ENIs (detail::node_sums). O(1).
    eni_stats node_sums() const noexcept {
        return detail::node_sums(lanes_.kept(), pods_.size(), holds_.extras().size(), holds_.unserved_count(), cooling_.size());
    }

    pool_stats stats_snapshot() const noexcept { return detail::pool_stats_of(node_sums()); }

    // Pops every cooldown entry whose period has ended. O(1) amortised.
    ENIPOOL_HOT_INLINE void drain(timestamp t) noexcept {
        // An address is still cooling at exactly the cooldown, as in ipamd's inCoolingPeriod
        // (time.Since(unassigned) <= period): entries released before this have expired.
        const timestamp released_before = t - cfg_.cooldown;
        while (!cooling_.empty() && cooling_.front().released_at < released_before) {
            // Field by field, as release wrote them: a copy of the entry reads address, ENI
            // and lane as one 8-byte load, which cannot be forwarded from release's three
            // narrower stores and waits for them to retire (every pair, when one address
            // cools at a time: +3 ns on a 16-address pool).
            const cooling_entry& c = cooling_.front();
            const unsigned e = c.eni, lane = c.lane;
            const timestamp expiry = c.released_at + cfg_.cooldown;
            cooling_.pop_front();
            lanes_.template change<eni::lane_op::unfreeze>(e, lane, expiry);
        }
    }

    std::uint64_t pods_on(unsigned e) const noexcept { return detail::pods_on(lanes_[e], holds_); }

    // A released address leaves its lane: cooling for the configured period, or free at once.
    ENIPOOL_HOT_INLINE void retire_lane(ipv4_address address, unsigned e, unsigned lane, timestamp t) {
        if (cfg_.cooldown == std::chrono::nanoseconds::zero()) {
            lanes_.template change<eni::lane_op::give_back>(e, lane, t);
        } else {
            lanes_.template change<eni::lane_op::cool>(e, lane, t);
            if (cooling_.full()) cooling_.set_capacity(std::max<std::size_t>(16, 2 * cooling_.capacity()));
            cooling_.push_back(cooling_entry{address, static_cast<std::uint8_t>(e), static_cast<std::uint16_t>(lane), t});
        }
    }

    // release() when restored holds exist: an address on an ENI serving no pods just stops
    // being held (its lane is never free); then the key's oldest further address, if any,
    // becomes its pod-table entry.
    ipv4_address release_restored(const key_type& key, ipv4_address address, unsigned e, unsigned lane, timestamp t) {
        if (!holds_.drop_unserved(address)) retire_lane(address, e, lane, t);
        detail::promote_extra(pods_, holds_, key);
        return address;
    }

    config cfg_;
    clock_type* clock_;
    Policy policy_;
    Warm warm_;
    std::uint64_t max_pods_ = 0;
    detail::eni_lanes<packing_type> lanes_;          // ENIs, free-lane bitset, sums, CIDR index, packer
    pod_table_type pods_;                            // key -> allocation
    detail::restored_holds<key_type, allocation> holds_;  // held outside the hand-out rules
    boost::circular_buffer<cooling_entry> cooling_;  // grown by doubling when full
    std::vector<action> in_flight_;
    std::uint64_t next_request_id_ = 1;
    std::optional<timestamp> last_shrink_;  // when plan() last emitted a release
    std::vector<growth_failure> growth_failures_;  // refused growth since the last grant
};

} // namespace enipool
