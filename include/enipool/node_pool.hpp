// enipool/node_pool.hpp: a node's pod IPAM: ENIs, pod keys, O(1) hand-out, cooldown, plan/apply.
//
// `node_pool<Policy, Warm, Options...>` hands pod addresses out of the ENIs' slots in O(1):
// a bitset of ENIs with a free lane, the ENI's free-lane bitset, one hash insert. Released
// addresses cool down in a FIFO (one period for all, so release order is expiry order) that
// is drained lazily at the start of assign / stats / plan. The pool is sans-IO: `plan()`
// says what to ask EC2 for, `apply()` feeds back what EC2 answered.
//
// Options (types, any order; defaults in `node_pool_defaults`):
//   pod_key<cni_key | std::uint64_t>            the key pods are filed under (cni_key)
//   packing<lowest_lane | fullest_prefix | spread> which free lane goes next (lowest_lane)
//   clock<C>                                     time source (enipool::steady_clock); the
//                                                pool holds a reference to a C object
// Single-threaded like a container; wrap it in `synchronized<>` for concurrent callers.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/bitset.hpp>
#include <enipool/detail/restored_holds.hpp>
#include <enipool/clock.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/limits.hpp>
#include <enipool/packing.hpp>
#include <enipool/pod_key.hpp>
#include <enipool/pod_table.hpp>
#include <enipool/policy.hpp>
#include <enipool/pool_view.hpp>

#include <boost/circular_buffer.hpp>
#include <boost/unordered/unordered_flat_map.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace enipool {

// --- options ---------------------------------------------------------------------------

/// The defaults every node_pool option overrides: CNI keys, lowest lane, steady clock.
struct node_pool_defaults {
    using key_type = cni_key;
    using packing_type = lowest_lane;
    using clock_type = steady_clock;
};

/// Option: the pod key type (`cni_key` or `std::uint64_t`, or one with `pod_key_traits`).
template <class Key>
struct pod_key {
    template <class Base>
    struct apply : Base {
        using key_type = Key;
    };
};

/// Option: the packing strategy (`lowest_lane`, `fullest_prefix`, `spread`).
template <class Packing>
struct packing {
    static_assert(std::is_same_v<Packing, lowest_lane> || std::is_same_v<Packing, fullest_prefix> ||
                      std::is_same_v<Packing, spread>,
                  "enipool::packing<P>: P must be enipool::lowest_lane, enipool::fullest_prefix "
                  "or enipool::spread");
    template <class Base>
    struct apply : Base {
        using packing_type = Packing;
    };
};

/// Option: the clock type (anything with `now()` returning a std::chrono time_point).
template <class Clock>
struct clock {
    template <class Base>
    struct apply : Base {
        using clock_type = Clock;
    };
};

namespace detail {

template <class T>
struct is_node_pool_option : std::false_type {};
template <class K>
struct is_node_pool_option<pod_key<K>> : std::true_type {};
template <class P>
struct is_node_pool_option<packing<P>> : std::true_type {};
template <class C>
struct is_node_pool_option<clock<C>> : std::true_type {};

template <class Base, class... Options>
struct apply_options {
    using type = Base;
};
template <class Base, class First, class... Rest>
struct apply_options<Base, First, Rest...> {
    using type = typename apply_options<typename First::template apply<Base>, Rest...>::type;
};


} // namespace detail

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

    /// Runtime configuration.
    struct config {
        instance_type type;
        eni_budget budget{};
        std::chrono::nanoseconds cooldown = std::chrono::seconds(30);  ///< 0 allowed
        bool reclaim_cooling_when_exhausted = false;  ///< take the oldest cooling address rather than fail
        std::uint64_t max_pods = 0;                   ///< ceiling on pod addresses; 0 = from limits
        /// The network card whose datastore this pool is: ipamd keeps one per card
        /// (ENABLE_MULTI_NIC). 0 is the default card. On a card above 0 the pool holds only
        /// that card's ENIs, attaches new ones there, and may hold as many ENIs serving pods
        /// as ipamd's hasRoomForEni allows (ipamd.go L2592-2621): the default card's ENIs
        /// (type.max_enis, not the card's own), capped by budget.max_enis (MAX_ENI), minus
        /// budget.reserved_enis and budget.excluded_enis read as that card's unmanaged and
        /// excluded ENIs; budget.trunk_eni and custom_networking do not apply (the trunk and
        /// the primary ENI are on card 0). The card's own ENI limit still bounds attaches
        /// (EC2 would refuse one more). max_pods should be the node's: ipamd compares each
        /// card's total with it.
        unsigned network_card = 0;
        typename Policy::config policy{};
        typename Warm::config warm{};
    };

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

    /// Every pod, key -> allocation: a forward range of `const value_type&` (unordered) with
    /// size() and empty(). Valid until the pool changes.
    class allocation_map {
    public:
        /// std::pair<const key_type, allocation> for integer keys, std::pair<key_type,
        /// allocation> for CNI keys (detail::pod_table's two layouts).
        using value_type = typename detail::pod_table<key_type, allocation, hasher>::value_type;
        using const_iterator = typename detail::pod_table<key_type, allocation, hasher>::const_iterator;
        using iterator = const_iterator;
        [[nodiscard]] const_iterator begin() const noexcept { return pods_->begin(); }
        [[nodiscard]] const_iterator end() const noexcept { return pods_->end(); }
        [[nodiscard]] std::size_t size() const noexcept { return pods_->size(); }
        [[nodiscard]] bool empty() const noexcept { return pods_->empty(); }

    private:
        friend class node_pool;
        explicit allocation_map(const detail::pod_table<key_type, allocation, hasher>* pods) : pods_(pods) {}
        const detail::pod_table<key_type, allocation, hasher>* pods_;
    };

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
        if (cfg.network_card != 0 && !has_secondary_card(cfg.type, cfg.network_card))
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
        const bool can_take = !enis_with_free_.empty() || (cfg_.reclaim_cooling_when_exhausted && !cooling_.empty());
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
        if (!enis_with_free_.empty()) {
            const auto pick = packer_.pick(enis_with_free_, enis_);
            e = pick.eni;
            lane = pick.lane;
            change_lane<eni::lane_op::take>(e, lane, t);
        } else {
            const cooling_entry oldest = cooling_.front();
            cooling_.pop_front();
            e = oldest.eni;
            lane = oldest.lane;
            change_lane<eni::lane_op::take_cooling>(e, lane, t);
        }
        const ipv4_address address = enis_[e].address_of(lane);
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
        const auto where = locate(address);
        if (!where) return errc::address_not_in_pool;
        const eni& x = enis_[where->first];
        if (!x.serves_pods()) return errc::eni_excluded;
        if (auto free = lane_is_free(x, where->second); !free) return free.error();
        if (max_pods_ != 0 && pods_.size() >= max_pods_) return errc::max_pods_reached;
        allocation& a = *pods_.try_insert(key, h).first;  // new: the key was not found above
        change_lane<eni::lane_op::take>(where->first, where->second, t);
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
        const auto where = locate(address);
        if (!where) return errc::address_not_in_pool;
        const auto [e, lane] = *where;
        const eni& x = enis_[e];
        const std::uint32_t h = pod_table_type::hash(key);
        const allocation* filed = pods_.find(key, h);
        if (filed != nullptr && filed->address == address) return address;
        if (x.serves_pods() || x.slot_at(lane / lanes_per_slot).leaving) {
            if (auto free = lane_is_free(x, lane); !free) return free.error();
        } else if (holds_.holds_unserved(address)) {
            return errc::address_already_in_datastore;
        }
        if (filed == nullptr && max_pods_ != 0 && pods_.size() >= max_pods_) return errc::max_pods_reached;
        const allocation a{address, static_cast<std::uint8_t>(e), static_cast<std::uint16_t>(lane),
                           assigned_at.value_or(t), metadata};
        // Containers grow first (they may throw bad_alloc), the lanes change last.
        if (filed != nullptr) {
            holds_.add_extra(key, a);
        } else {
            *pods_.try_insert(key, h).first = a;
        }
        if (x.serves_pods()) {
            change_lane<eni::lane_op::take>(e, lane, t);
        } else {
            holds_.hold_unserved(address);
        }
        return address;
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
        const auto where = locate(address);
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
    [[nodiscard]] eni_stats eni_stats_at(std::size_t index) const noexcept { return enis_[index].stats(); }

    // --- read access (checkpoints, tools) -------------------------------------------------

    /// Every ENI slot of the pool; vacant entries (removed ENIs) have `vacant()` true.
    [[nodiscard]] const std::vector<eni>& enis() const noexcept { return enis_; }
    /// The index of the ENI with this id, or nullopt. O(ENIs).
    [[nodiscard]] std::optional<unsigned> eni_index(std::string_view id) const noexcept {
        for (unsigned i = 0; i < enis_.size(); ++i)
            if (!enis_[i].vacant() && enis_[i].id() == id) return i;
        return std::nullopt;
    }
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
        const auto where = locate(address);
        if (!where) return errc::address_not_in_pool;
        if (!enis_[where->first].serves_pods()) return errc::eni_excluded;
        if (enis_[where->first].state(where->second) != lane_state::free) return errc::address_in_use;
        if (cfg_.cooldown == std::chrono::nanoseconds::zero()) return success();
        if (cooling_.full()) cooling_.set_capacity(std::max<std::size_t>(16, 2 * cooling_.capacity()));
        const auto pos = std::upper_bound(cooling_.begin(), cooling_.end(), released_at,
                                          [](timestamp t, const cooling_entry& c) { return t < c.released_at; });
        cooling_.insert(pos, cooling_entry{address, static_cast<std::uint8_t>(where->first),
                                           static_cast<std::uint16_t>(where->second), released_at});
        change_lane<eni::lane_op::take>(where->first, where->second, released_at);  // free -> cooling
        change_lane<eni::lane_op::cool>(where->first, where->second, released_at);
        return success();
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
        const eni& x = enis_[*index];
        if (pods_on(static_cast<unsigned>(*index)) != 0 || x.stats().cooling() != 0) return errc::eni_in_use;
        erase_eni(*index);
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
        std::erase_if(in_flight_, [&](const action& a) { return names_eni(a, id); });
        erase_eni(e);
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
        const auto e = static_cast<unsigned>(*index);
        std::vector<unsigned> slots;
        for (const ipv4_prefix& c : cidrs) {
            const auto s = slot_of(e, c);
            if (!s) return error(errc::address_not_in_pool, fmt::format("{} is not a CIDR of ENI {}", c.to_string(), eni_id));
            if (how == removal::refuse_if_used && slot_has_pod(e, *s))
                return error(errc::address_in_use, fmt::format("a pod holds an address of {}", c.to_string()));
            slots.push_back(*s);
        }
        const auto in_slots = [&](unsigned lane) {
            return std::find(slots.begin(), slots.end(), lane / lanes_per_slot) != slots.end();
        };
        std::vector<key_type> evicted = evict(e, in_slots, t);
        for (const unsigned s : slots) {
            if (enis_[e].slot_at(s).kind == slot_kind::empty) continue;  // listed twice
            unindex_cidr(enis_[e].slot_at(s).cidr());
            change_slot(e, s, [s](eni& y) { y.remove_slot(s); });
        }
        return evicted;
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
        const auto e = static_cast<unsigned>(*index);
        eni& x = enis_[e];
        eni_flags flags = x.flags();
        flags.excluded = excluded;
        const bool serves = serves_pods(flags, is_primary(x));
        const auto none = [](unsigned) { return false; };
        if (serves == x.serves_pods()) {
            x.set_service(serves, flags, t, none);
            return success();
        }
        std::vector<ipv4_address> held_here;  // containers grow before the state changes
        for (const auto& [key, a] : pods_)
            if (a.eni == e) held_here.push_back(a.address);
        for (const auto& [key, a] : holds_.extras())
            if (a.eni == e) held_here.push_back(a.address);
        holds_.reserve_unserved(held_here.size());
        if (!serves) {
            drop_cooling(e, [](unsigned) { return true; }, t);
            for (const ipv4_address a : held_here) holds_.hold_unserved(a);
        }
        std::vector<unsigned> old_free(x.slot_count());
        for (unsigned s = 0; s < x.slot_count(); ++s) old_free[s] = x.slot_free(s);
        add_stats(node_, x.stats(), -1);
        x.set_service(serves, flags, t, [&](unsigned lane) { return holds_.holds_unserved(x.address_of(lane)); });
        add_stats(node_, x.stats(), +1);
        for (unsigned s = 0; s < x.slot_count(); ++s) packer_.slot_changed(e, s, old_free[s], x.slot_free(s));
        if (x.free_count() == 0) {
            enis_with_free_.reset(e);
        } else {
            enis_with_free_.set(e);
        }
        if (serves)
            for (const ipv4_address a : held_here) (void)holds_.drop_unserved(a);
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
        v.max_enis = max_serving_enis();
        v.slots_per_eni = cfg_.type.slots_per_eni();
        for (const action& a : in_flight_) (is_growth(a) ? v.growth_in_flight : v.shrink_in_flight) = true;
        v.last_shrink = last_shrink_;
        v.growth_failures = growth_failures_;
        std::vector<const eni*> ordered;
        for (const eni& x : enis_)
            if (!x.vacant()) ordered.push_back(&x);
        std::sort(ordered.begin(), ordered.end(), [](const eni* a, const eni* b) {
            return std::pair(a->network_card(), a->device_index()) < std::pair(b->network_card(), b->device_index());
        });
        for (const eni* x : ordered) {
            eni_view ev;
            ev.id = x->id();
            ev.device_index = x->device_index();
            ev.network_card = x->network_card();
            ev.primary = is_primary(*x);
            ev.serves_pods = x->serves_pods();
            ev.trunk = x->flags().trunk;
            ev.efa_only = x->flags().efa_only;
            ev.efa = x->flags().efa;
            ev.excluded = x->flags().excluded;
            ev.slots_total = x->slot_count();
            ev.slots_used = x->slots_used();
            const eni_stats es = x->stats();
            ev.prefixes = es.prefixes;
            ev.secondaries = es.secondaries;
            ev.assigned = x->serves_pods() ? es.assigned() : holds_on_unserved(*x);
            ev.cooling = es.cooling();
            ev.free = es.free();
            ev.prefix_lanes = es.prefix_lanes;
            ev.secondary_lanes = es.secondary_lanes;
            ev.attached_at = x->attached_at();
            for (unsigned slot = 0; slot < x->slot_count(); ++slot) {
                const auto& sl = x->slot_at(slot);
                if (sl.kind == slot_kind::empty || sl.leaving) continue;
                if (!freeable(*x, slot)) continue;
                ++(sl.kind == slot_kind::prefix ? ev.unassigned_prefixes : ev.unassigned_secondaries);
                ev.freeable.push_back(sl.cidr());
            }
            if (x->serves_pods())
                for (unsigned slot = 0; slot < x->slot_count(); ++slot)
                    if (x->wholly_free(slot))
                        ev.wholly_free.push_back(free_cidr{x->slot_at(slot).cidr(), x->slot_at(slot).free_since});
            if (x->serves_pods()) {
                v.total_prefixes += es.prefixes;
                v.free_prefixes += es.wholly_free_prefixes;
            }
            v.enis.push_back(std::move(ev));
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
        std::uint64_t capacity = v.total;
        unsigned serving = 0;
        unsigned on_card = 0;
        for (const eni& x : enis_) {
            if (x.vacant()) continue;
            if (x.serves_pods()) ++serving;
            if (x.network_card() == home_card()) ++on_card;
        }
        for (const action& a : in_flight_)
            if (std::holds_alternative<attach_eni>(a)) {
                ++serving;
                ++on_card;
            }
        for (action& a : wanted) {
            if (is_growth(a) ? v.growth_in_flight : v.shrink_in_flight) continue;
            if (auto* at = std::get_if<attach_eni>(&a)) {
                if (!v.may_grow || serving >= v.max_enis || on_card >= home_card_limit()) continue;
                const unsigned count = clip_count(at->mode, at->count, cfg_.type.slots_per_eni(), capacity);
                if (count == 0) continue;
                at->count = count;
                at->network_card = home_card();
                at->device_index = lowest_free_device_index(out);
                capacity += count * unit(at->mode);
                ++serving;
                ++on_card;
            } else if (auto* as = std::get_if<assign_to_eni>(&a)) {
                const auto index = eni_index(as->eni_id);
                if (!v.may_grow || !index) continue;
                const eni& x = enis_[*index];
                if (!x.serves_pods() || x.detaching()) continue;
                unsigned room = x.slot_count() - x.slots_used();
                for (const action& o : out)
                    if (auto* prior = std::get_if<assign_to_eni>(&o); prior && prior->eni_id == as->eni_id)
                        room -= prior->count;
                const unsigned count = clip_count(as->mode, as->count, room, capacity);
                if (count == 0) continue;
                as->count = count;
                capacity += count * unit(as->mode);
            } else if (auto* rel = std::get_if<release_from_eni>(&a)) {
                const auto index = eni_index(rel->eni_id);
                if (!index) continue;
                std::vector<ipv4_prefix> kept;
                const auto e = static_cast<unsigned>(*index);
                for (const ipv4_prefix& c : rel->cidrs) {
                    const auto s = slot_of(e, c);
                    if (!s || !freeable(enis_[e], *s)) continue;
                    if (enis_[e].slot_cooling(*s) != 0)  // its cooling addresses go with it
                        (void)evict(e, [&](unsigned lane) { return lane / lanes_per_slot == *s; }, v.now);
                    set_leaving(e, *s, true, v.now);
                    kept.push_back(c);
                }
                if (kept.empty()) continue;
                rel->cidrs = std::move(kept);
            } else if (auto* det = std::get_if<detach_eni>(&a)) {
                const auto index = eni_index(det->eni_id);
                if (!index) continue;
                eni& x = enis_[*index];
                if (is_primary(x) || x.flags().trunk || x.flags().efa_only || x.detaching() ||
                    pods_on(static_cast<unsigned>(*index)) != 0 || x.stats().cooling() != 0)
                    continue;
                for (unsigned s = 0; s < x.slot_count(); ++s)
                    if (x.slot_at(s).kind != slot_kind::empty) set_leaving(*index, s, true, v.now);
                x.set_detaching(true);
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
                end_shrink(planned, t, false);
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
            end_shrink(planned, t, true);
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

    // --- invariants ------------------------------------------------------------------------

    /// Walks the whole state and checks every invariant: each lane in exactly one state,
    /// counters equal to the bitsets, the ENI-with-free-lane bitset, the key index against
    /// the lanes, the cooldown FIFO (cooling lanes, release order), the CIDR index, the
    /// packing's buckets and the limits. O(state). Errors: `pool_invariant_broken`.
    [[nodiscard]] result<void> check() const {
        const auto broken = [](std::string what) { return error(errc::pool_invariant_broken, std::move(what)); };
        eni_stats sum;
        std::vector<std::uint64_t> assigned_per_eni(enis_.size(), 0);
        std::size_t cidr_entries = 0;
        if (enis_.size() > max_enis_per_node) return broken("more ENIs than a node pool holds");
        for (std::size_t i = 0; i < enis_.size(); ++i) {
            const eni& x = enis_[i];
            if (enis_with_free_.test(i) != (!x.vacant() && x.stats().free() != 0))
                return broken(fmt::format("ENI index {}: free-lane summary bit is wrong", i));
            if (x.vacant()) continue;
            if (auto ok = x.check(); !ok) return ok;
            if (x.slot_count() != cfg_.type.slots_per_eni()) return broken("an ENI has the wrong slot count");
            add_stats(sum, x.stats(), +1);
            for (unsigned s = 0; s < x.slot_count(); ++s) {
                const auto& sl = x.slot_at(s);
                if (sl.kind == slot_kind::empty) continue;
                ++cidr_entries;
                auto f = cidrs_.find(sl.base);
                if (f == cidrs_.end() || f->second.eni != i || f->second.slot != s ||
                    f->second.length != (sl.kind == slot_kind::prefix ? 28 : 32))
                    return broken(fmt::format("CIDR {} is missing from the index", sl.cidr()));
            }
            ++cidr_entries;  // the primary IP
            auto p = cidrs_.find(x.primary_ip().to_uint());
            if (p == cidrs_.end() || p->second.eni != i || p->second.slot != primary_slot)
                return broken(fmt::format("primary IP {} is missing from the index", x.primary_ip()));
        }
        if (cidrs_.size() != cidr_entries) return broken("the CIDR index holds stale entries");
        if (!(sum == node_sums())) return broken("node counters differ from the sum over ENIs");
        std::set<std::pair<unsigned, unsigned>> lanes;
        if (auto ok = pods_.check(); !ok) return ok;
        std::size_t unserved = 0;
        const auto check_hold = [&](const allocation& a) -> result<void> {
            if (a.eni >= enis_.size() || enis_[a.eni].vacant()) return broken("a pod points at no ENI");
            if (enis_[a.eni].state(a.lane) != lane_state::assigned)
                return broken(fmt::format("pod at {} holds a lane that is not assigned", a.address));
            if (enis_[a.eni].address_of(a.lane) != a.address) return broken("a pod's address differs from its lane");
            if (!lanes.insert({a.eni, a.lane}).second) return broken(fmt::format("two pods hold {}", a.address));
            if (enis_[a.eni].serves_pods()) {
                ++assigned_per_eni[a.eni];
            } else if (holds_.holds_unserved(a.address)) {
                ++unserved;
            } else {
                return broken(fmt::format("pod at {} on an ENI serving no pods is not recorded", a.address));
            }
            return success();
        };
        for (const auto& [key, a] : allocations()) {
            if (find(key) != &a) return broken("a pod is not found by its key");
            if (auto ok = check_hold(a); !ok) return ok;
        }
        for (const auto& [key, a] : holds_.extras()) {
            if (find(key) == nullptr) return broken(fmt::format("{} is a further address of a key holding none", a.address));
            if (auto ok = check_hold(a); !ok) return ok;
        }
        if (unserved != holds_.unserved_count()) return broken("an address held on an ENI serving no pods has no pod");
        for (std::size_t i = 0; i < enis_.size(); ++i)
            if (!enis_[i].vacant() && assigned_per_eni[i] != enis_[i].stats().assigned())
                return broken(fmt::format("ENI {}: {} pods but {} assigned lanes", enis_[i].id(),
                                          assigned_per_eni[i], enis_[i].stats().assigned()));
        if (max_pods_ != 0 && pods_.size() > max_pods_) return broken("more pods than max pods");
        std::set<std::pair<unsigned, unsigned>> cooling_lanes;
        for (std::size_t i = 0; i < cooling_.size(); ++i) {
            const cooling_entry& c = cooling_[i];
            if (c.eni >= enis_.size() || enis_[c.eni].state(c.lane) != lane_state::cooling ||
                enis_[c.eni].address_of(c.lane) != c.address)
                return broken(fmt::format("cooling entry {} is not a cooling lane", c.address));
            if (!cooling_lanes.insert({c.eni, c.lane}).second) return broken("a lane cools twice");
            if (i > 0 && cooling_[i - 1].released_at > c.released_at)
                return broken("the cooldown FIFO is out of release order");
        }
        if (cooling_.size() != sum.cooling()) return broken("cooling lanes differ from the cooldown FIFO");
        if (auto ok = packer_.check(enis_); !ok) return ok;
        unsigned serving = 0;
        for (const eni& x : enis_) serving += (!x.vacant() && x.serves_pods()) ? 1u : 0u;
        (void)serving;
        return success();
    }

private:
    static constexpr std::uint8_t primary_slot = 0xFF;
    struct cidr_ref {
        std::uint8_t eni = 0;
        std::uint8_t slot = 0;    ///< primary_slot for the ENI's primary IP
        std::uint8_t length = 32; ///< 28 or 32
    };

    node_pool(config cfg, clock_type& clk) : cfg_(std::move(cfg)), clock_(&clk), policy_(cfg_.policy), warm_(cfg_.warm) {
        enis_.reserve(std::min(cfg_.type.max_enis, max_enis_per_node));  // no doubling waste
        max_pods_ = cfg_.max_pods;
        if (max_pods_ == 0) {
            const auto mode = Policy::needs_prefix_support ? address_mode::prefix : address_mode::secondary;
            const auto capacity = pod_address_capacity(cfg_.type, mode, cfg_.budget);
            max_pods_ = capacity ? *capacity : 0;
        }
    }

    using pod_table_type = detail::pod_table<key_type, allocation, hasher>;

    static bool is_growth(const action& a) noexcept {
        return std::holds_alternative<attach_eni>(a) || std::holds_alternative<assign_to_eni>(a);
    }
    // Why lane `lane` of `x` cannot go to a pod, or success when it is free.
    static result<void> lane_is_free(const eni& x, unsigned lane) {
        switch (x.state(lane)) {
        case lane_state::free: return success();
        case lane_state::assigned: return errc::address_already_in_datastore;
        case lane_state::cooling: return error(errc::address_in_use, "the address is cooling down");
        default: return error(errc::address_in_use, "the address's CIDR is being released");
        }
    }

    // Whether an ENI with these flags serves pods: not a trunk, efa-only or excluded ENI, nor
    // the primary under custom networking.
    bool serves_pods(const eni_flags& f, bool primary) const noexcept {
        return !f.trunk && !f.efa_only && !f.excluded && !(primary && cfg_.budget.custom_networking);
    }
    bool is_primary(const eni& x) const noexcept {
        return x.device_index() == 0 && x.network_card() == cfg_.type.default_network_card_index;
    }
    static std::uint64_t unit(address_mode m) noexcept { return m == address_mode::prefix ? addresses_per_prefix : 1; }

    // A refused growth request: the growth policy hears of it unless the warm strategy
    // handles it itself (`absorbs_refusal`: ipamd retries within its pass); remembered for
    // the view until the next grant.
    void refused(growth_failure f) {
        bool absorbed = false;
        if constexpr (requires(const Warm& w) { { w.absorbs_refusal(growth_failures_, f) } -> std::convertible_to<bool>; })
            absorbed = warm_.absorbs_refusal(growth_failures_, f);
        if (!absorbed) policy_.on_error(f.at, f.mode, f.code);
        if (growth_failures_.size() == max_growth_failures) growth_failures_.erase(growth_failures_.begin());
        growth_failures_.push_back(std::move(f));
    }
    static constexpr std::size_t max_growth_failures = 32;

    // Whether growth counts are clipped to max pods: yes, unless the warm strategy says no
    // (`clips_growth_to_max_pods()`; the VPC CNI only stops growing once max pods is reached).
    bool clips_growth_to_max_pods() const noexcept {
        if constexpr (requires(const Warm& w) { { w.clips_growth_to_max_pods() } -> std::convertible_to<bool>; })
            return warm_.clips_growth_to_max_pods();
        else
            return true;
    }

    // Count clipped to the room and to max pods (at most one unit beyond the ceiling, or, for
    // a strategy that does not clip, nothing once max pods is reached).
    unsigned clip_count(address_mode m, unsigned wanted, unsigned room, std::uint64_t capacity) const noexcept {
        std::uint64_t count = std::min(wanted, room);
        if (max_pods_ != 0) {
            if (capacity >= max_pods_) return 0;
            if (!clips_growth_to_max_pods()) return static_cast<unsigned>(count);
            const std::uint64_t needed = (max_pods_ - capacity + unit(m) - 1) / unit(m);
            count = std::min(count, needed);
        }
        return static_cast<unsigned>(count);
    }

    unsigned lowest_free_device_index(const std::vector<action>& planned) const noexcept {
        const unsigned card = home_card();
        for (unsigned d = 0;; ++d) {
            bool used = false;
            for (const eni& x : enis_) used = used || (!x.vacant() && x.network_card() == card && x.device_index() == d);
            for (const auto* list : {&in_flight_, &planned})
                for (const action& a : *list)
                    if (auto* at = std::get_if<attach_eni>(&a)) used = used || at->device_index == d;
            if (!used) return d;
        }
    }

    static void add_stats(eni_stats& to, const eni_stats& s, int sign) noexcept {
        const auto mv = [sign](auto& a, auto b) { a = static_cast<std::remove_reference_t<decltype(a)>>(sign > 0 ? a + b : a - b); };
        mv(to.prefix_lanes.total, s.prefix_lanes.total);
        mv(to.prefix_lanes.free, s.prefix_lanes.free);
        mv(to.prefix_lanes.cooling, s.prefix_lanes.cooling);
        mv(to.secondary_lanes.total, s.secondary_lanes.total);
        mv(to.secondary_lanes.free, s.secondary_lanes.free);
        mv(to.secondary_lanes.cooling, s.secondary_lanes.cooling);
        mv(to.prefixes, s.prefixes);
        mv(to.secondaries, s.secondaries);
        mv(to.wholly_free_prefixes, s.wholly_free_prefixes);
        mv(to.wholly_free_secondaries, s.wholly_free_secondaries);
    }

    // The node's sums over its ENIs, O(1). The hot path keeps only what it cannot derive:
    // the secondary-IP lanes' free and cooling counts (a prefix pool rarely has any, so
    // their update sits behind a well-predicted branch) and the wholly-free slot counts.
    // Every assigned lane is a pod and every cooling lane a cooldown FIFO entry (check()
    // verifies both), so the node's assigned and cooling figures are those containers'
    // sizes, and the prefix figures are what the secondary ones leave.
    eni_stats node_sums() const noexcept {
        eni_stats n = node_;
        const std::uint64_t cooling = cooling_.size();
        // Pods on ENIs serving no pods hold no counted lane; further addresses of a key do.
        const std::uint64_t assigned = pods_.size() + holds_.extras().size() - holds_.unserved_count();
        const std::uint64_t free = n.total() - assigned - cooling;
        n.prefix_lanes.free = free - n.secondary_lanes.free;
        n.prefix_lanes.cooling = cooling - n.secondary_lanes.cooling;
        return n;
    }

    pool_stats stats_snapshot() const noexcept {
        const eni_stats n = node_sums();
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

    // Runs lane operation Op on ENI e and keeps the node's kept counters (node_sums; moved
    // by the operation's compile-time deltas), the ENI-with-free bitset and the packer in
    // step; the latter two are touched only when the operation changes free lanes. O(1), no
    // loop. The caller changes the pod table and the cooldown FIFO to match.
    template <eni::lane_op Op>
    ENIPOOL_HOT_INLINE void change_lane(unsigned e, unsigned lane, timestamp t) noexcept {
        constexpr int df = eni::free_delta<Op>, dc = eni::cooling_delta<Op>;
        const eni::lane_change c = enis_[e].template change<Op>(lane, t);
        if (!c.prefix) [[unlikely]] {
            lane_counts& k = node_.secondary_lanes;
            if constexpr (df != 0) k.free = static_cast<std::uint64_t>(static_cast<std::int64_t>(k.free) + df);
            if constexpr (dc != 0) k.cooling = static_cast<std::uint64_t>(static_cast<std::int64_t>(k.cooling) + dc);
        }
        if constexpr (df != 0) {
            if (c.wholly_free != 0) {
                unsigned& w = c.prefix ? node_.wholly_free_prefixes : node_.wholly_free_secondaries;
                w = c.wholly_free > 0 ? w + 1 : w - 1;
            }
            if constexpr (detail::packer<packing_type>::tracks_slots) {
                const unsigned s = lane / lanes_per_slot, now_free = enis_[e].slot_free(s);
                packer_.slot_changed(e, s, static_cast<unsigned>(static_cast<int>(now_free) - df), now_free);
            }
            if (c.eni_free_edge) {  // the ENI's membership is known: no test needed
                if constexpr (df < 0) {
                    enis_with_free_.erase_present(e);
                } else {
                    enis_with_free_.insert_absent(e);
                }
            }
        }
    }

    // Slot-level changes (not hot): node counters by before/after.
    template <class Op>
    void change_slot(unsigned e, unsigned s, Op op) noexcept {
        eni& x = enis_[e];
        const unsigned old_free = x.slot_free(s);
        add_stats(node_, x.stats(), -1);
        op(x);
        add_stats(node_, x.stats(), +1);
        packer_.slot_changed(e, s, old_free, x.slot_free(s));
        if (x.free_count() == 0) {
            enis_with_free_.reset(e);
        } else {
            enis_with_free_.set(e);
        }
    }

    void set_leaving(unsigned e, unsigned s, bool on, timestamp t) noexcept {
        change_slot(e, s, [&](eni& x) { x.set_leaving(s, on, t); });
    }

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
            change_lane<eni::lane_op::unfreeze>(e, lane, expiry);
        }
    }

    // (ENI index, lane) holding an address, via the CIDR index. O(1).
    std::optional<std::pair<unsigned, unsigned>> locate(ipv4_address a) const noexcept {
        const std::uint32_t v = a.to_uint();
        if (auto p = cidrs_.find(v & ~15u); p != cidrs_.end() && p->second.length == 28)
            return std::pair<unsigned, unsigned>{p->second.eni, p->second.slot * lanes_per_slot + (v & 15u)};
        if (auto p = cidrs_.find(v); p != cidrs_.end() && p->second.length == 32 && p->second.slot != primary_slot)
            return std::pair<unsigned, unsigned>{p->second.eni, p->second.slot * lanes_per_slot};
        return std::nullopt;
    }

    std::optional<unsigned> slot_of(unsigned e, const ipv4_prefix& c) const noexcept {
        auto p = cidrs_.find(c.base().to_uint());
        if (p == cidrs_.end() || p->second.eni != e || p->second.slot == primary_slot ||
            p->second.length != c.length())
            return std::nullopt;
        return p->second.slot;
    }

    // True if `c` (a /28 or /32) overlaps anything in the pool.
    bool overlaps_pool(const ipv4_prefix& c) const noexcept {
        const std::uint32_t v = c.base().to_uint();
        if (auto p = cidrs_.find(v & ~15u); p != cidrs_.end() && (p->second.length == 28 || (v & 15u) == 0))
            return true;
        if (c.length() == 28) return block_use_.contains(v);
        return cidrs_.contains(v);
    }

    // Validates new CIDRs (and a new primary IP) against the subnet, each other and the pool.
    result<void> validate_cidrs(ipv4_prefix subnet, const std::vector<ipv4_prefix>& cidrs,
                                std::optional<ipv4_address> primary) const {
        std::vector<ipv4_prefix> all = cidrs;
        if (primary) all.push_back(ipv4_prefix::truncate(*primary, 32));
        for (const ipv4_prefix& c : all) {
            if (c.length() != 28 && c.length() != 32)
                return error(errc::conflicting_grant, fmt::format("{} is neither a /28 nor a /32", c));
            if (!subnet.contains(c))
                return error(errc::conflicting_grant, fmt::format("{} is outside the subnet {}", c, subnet));
            if (overlaps_pool(c))
                return error(errc::conflicting_grant, fmt::format("{} overlaps what the pool holds", c));
        }
        std::sort(all.begin(), all.end());
        for (std::size_t i = 1; i < all.size(); ++i)
            if (all[i - 1].overlaps(all[i]))
                return error(errc::conflicting_grant, fmt::format("{} and {} overlap", all[i - 1], all[i]));
        return success();
    }

    void index_cidr(unsigned e, unsigned slot, const ipv4_prefix& c) {
        cidrs_.emplace(c.base().to_uint(), cidr_ref{static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(slot),
                                                    static_cast<std::uint8_t>(c.length())});
        if (c.length() == 32) ++block_use_[c.base().to_uint() & ~15u];
    }
    void unindex_cidr(const ipv4_prefix& c) {
        cidrs_.erase(c.base().to_uint());
        if (c.length() == 32) {
            auto b = block_use_.find(c.base().to_uint() & ~15u);
            if (--b->second == 0) block_use_.erase(b);
        }
    }

    result<void> add_eni_at(const eni_spec& spec, timestamp t) {
        if (spec.id.empty()) return error(errc::conflicting_grant, "the ENI has no id");
        if (spec.network_card != home_card())
            return error(errc::conflicting_grant, fmt::format("{} is on network card {}; this pool is card {}'s datastore",
                                                              spec.id, spec.network_card, home_card()));
        unsigned on_card = 0, live = 0;
        std::optional<std::size_t> hole;
        for (std::size_t i = 0; i < enis_.size(); ++i) {
            const eni& x = enis_[i];
            if (x.vacant()) {
                if (!hole) hole = i;
                continue;
            }
            ++live;
            if (x.id() == spec.id) return error(errc::duplicate_eni, spec.id);
            if (x.network_card() == spec.network_card) {
                ++on_card;
                if (x.device_index() == spec.device_index)
                    return error(errc::duplicate_eni, fmt::format("device index {} on card {} is taken by {}",
                                                                  spec.device_index, spec.network_card, x.id()));
            }
        }
        if (on_card >= card_limit(spec.network_card) || (!hole && live >= max_enis_per_node))
            return error(errc::eni_limit_reached, fmt::format("card {} holds {} ENIs", spec.network_card, on_card));
        if (spec.cidrs.size() > cfg_.type.slots_per_eni())
            return error(errc::slot_limit_reached, fmt::format("{} CIDRs for {} slots", spec.cidrs.size(),
                                                               cfg_.type.slots_per_eni()));
        if (auto ok = validate_cidrs(spec.subnet, spec.cidrs, spec.primary_ip); !ok) return ok;
        const bool primary = spec.device_index == 0 && spec.network_card == cfg_.type.default_network_card_index;
        const bool serves = serves_pods(spec.flags, primary);
        const auto e = static_cast<unsigned>(hole ? *hole : enis_.size());
        eni x(spec.id, spec.device_index, spec.network_card, spec.subnet, spec.primary_ip,
              cfg_.type.slots_per_eni(), spec.flags, serves, t);
        if (hole) {
            enis_[e] = std::move(x);
        } else {
            enis_.push_back(std::move(x));
        }
        cidrs_.emplace(spec.primary_ip.to_uint(), cidr_ref{static_cast<std::uint8_t>(e), primary_slot, 32});
        ++block_use_[spec.primary_ip.to_uint() & ~15u];
        for (unsigned i = 0; i < spec.cidrs.size(); ++i) {
            change_slot(e, i, [&](eni& y) { y.add_slot(i, spec.cidrs[i], t); });
            index_cidr(e, i, spec.cidrs[i]);
        }
        return success();
    }

    unsigned card_limit(unsigned card) const noexcept {
        for (const network_card& c : cfg_.type.network_cards)
            if (c.index == card) return c.max_enis;
        return card == cfg_.type.default_network_card_index ? cfg_.type.max_enis : 0;
    }

    // A card above 0 that the type lists and that is not its default card.
    static bool has_secondary_card(const instance_type& type, unsigned card) noexcept {
        if (card == type.default_network_card_index) return false;
        return std::any_of(type.network_cards.begin(), type.network_cards.end(),
                           [&](const network_card& c) { return c.index == card && c.max_enis != 0; });
    }

    // The card the pool's ENIs are on: config::network_card, 0 meaning the default card.
    unsigned home_card() const noexcept {
        return cfg_.network_card == 0 ? cfg_.type.default_network_card_index : cfg_.network_card;
    }

    // ENIs the pool's card allows (card 0: the type's max_enis, as before cards were modelled).
    unsigned home_card_limit() const noexcept {
        return cfg_.network_card == 0 ? cfg_.type.max_enis : card_limit(cfg_.network_card);
    }

    // view().max_enis: usable_enis on card 0; above it ipamd's hasRoomForEni (ipamd.go
    // L2592-2621): c.maxENI (the default card's ENIs, capped by MAX_ENI) minus the card's
    // unmanaged and excluded ENIs; the trunk is reserved on card 0 only. See config::network_card.
    unsigned max_serving_enis() const noexcept {
        if (cfg_.network_card == 0) return usable_enis(cfg_.type, cfg_.budget);
        eni_budget b = cfg_.budget;
        b.trunk_eni = false;
        b.custom_networking = false;
        return usable_enis(cfg_.type, b);
    }

    result<void> add_cidrs(std::string_view eni_id, const std::vector<ipv4_prefix>& cidrs, timestamp t) {
        const auto index = eni_index(eni_id);
        if (!index) return error(errc::unknown_eni, std::string(eni_id));
        const auto e = static_cast<unsigned>(*index);
        const eni& x = enis_[e];
        if (cidrs.size() > x.slot_count() - x.slots_used())
            return error(errc::slot_limit_reached, fmt::format("{} CIDRs for {} free slots on {}", cidrs.size(),
                                                               x.slot_count() - x.slots_used(), eni_id));
        if (auto ok = validate_cidrs(x.subnet(), cidrs, std::nullopt); !ok) return ok;
        for (const ipv4_prefix& c : cidrs) {
            const unsigned s = enis_[e].first_empty_slot();
            change_slot(e, s, [&](eni& y) {
                y.add_slot(s, c, t);
                if (y.detaching()) y.set_leaving(s, true, t);  // granted while detaching: leaves with it
            });
            index_cidr(e, s, c);
        }
        return success();
    }

    void erase_eni(std::size_t index) {
        const auto e = static_cast<unsigned>(index);
        for (unsigned s = 0; s < enis_[e].slot_count(); ++s) {
            const auto sl = enis_[e].slot_at(s);
            if (sl.kind == slot_kind::empty) continue;
            unindex_cidr(sl.cidr());
            change_slot(e, s, [s](eni& y) { y.remove_slot(s); });
        }
        unindex_cidr(ipv4_prefix::truncate(enis_[e].primary_ip(), 32));
        enis_[e] = eni{};
        enis_with_free_.reset(e);
    }

    // True when no pod holds an address of slot `s` of ENI `x` and it is not being released
    // already (ipamd's FindFreeableCidrs). O(1), or O(restored holds) on an ENI serving no pods.
    bool freeable(const eni& x, unsigned s) const noexcept {
        const auto& sl = x.slot_at(s);
        if (sl.kind == slot_kind::empty || sl.leaving) return false;
        if (!x.serves_pods()) return holds_.unserved_count() == 0 || holds_.unserved_in(sl.cidr()) == 0;
        return x.slot_free(s) + x.slot_cooling(s) == sl.lanes();
    }

    // True when a pod holds an address of slot `s` of ENI `e` (leaving slots hold none).
    bool slot_has_pod(unsigned e, unsigned s) const noexcept {
        return enis_[e].slot_at(s).kind != slot_kind::empty && !enis_[e].slot_at(s).leaving && !freeable(enis_[e], s);
    }

    // Pods holding an address on an ENI serving no pods. O(restored holds).
    std::uint64_t holds_on_unserved(const eni& x) const noexcept {
        if (holds_.unserved_count() == 0) return 0;
        std::uint64_t n = 0;
        for (const auto& sl : x.slots())
            if (sl.kind != slot_kind::empty) n += holds_.unserved_in(sl.cidr());
        return n;
    }

    // Addresses pods hold on ENI `e`. O(1), or O(restored holds) on an ENI serving no pods.
    std::uint64_t pods_on(unsigned e) const noexcept {
        return enis_[e].serves_pods() ? enis_[e].stats().assigned() : holds_on_unserved(enis_[e]);
    }

    // A released address leaves its lane: cooling for the configured period, or free at once.
    ENIPOOL_HOT_INLINE void retire_lane(ipv4_address address, unsigned e, unsigned lane, timestamp t) {
        if (cfg_.cooldown == std::chrono::nanoseconds::zero()) {
            change_lane<eni::lane_op::give_back>(e, lane, t);
        } else {
            change_lane<eni::lane_op::cool>(e, lane, t);
            if (cooling_.full()) cooling_.set_capacity(std::max<std::size_t>(16, 2 * cooling_.capacity()));
            cooling_.push_back(cooling_entry{address, static_cast<std::uint8_t>(e), static_cast<std::uint16_t>(lane), t});
        }
    }

    // release() when restored holds exist: an address on an ENI serving no pods just stops
    // being held (its lane is never free); then the key's oldest further address, if any,
    // becomes its pod-table entry.
    ipv4_address release_restored(const key_type& key, ipv4_address address, unsigned e, unsigned lane, timestamp t) {
        if (!holds_.drop_unserved(address)) retire_lane(address, e, lane, t);
        promote_extra(key);
        return address;
    }

    // Files `key`'s oldest further address in the pod table (which has room: the key's entry
    // was just erased).
    void promote_extra(const key_type& key) {
        if (holds_.extras().empty()) return;
        if (auto next = holds_.take_extra(key)) *pods_.try_insert(key, pod_table_type::hash(key)).first = *next;
    }

    // Unassigns every pod and drops every cooling address on ENI `e`'s lanes for which
    // `on(lane)` holds (those lanes become free); returns the pods' keys, one per address
    // lost (a key that also holds a further address elsewhere keeps that one).
    template <class On>
    std::vector<key_type> evict(unsigned e, On on, timestamp t) {
        std::vector<key_type> keys;
        const auto unhold = [&](const allocation& a) {
            if (!holds_.drop_unserved(a.address)) change_lane<eni::lane_op::give_back>(e, a.lane, t);
        };
        if (!holds_.extras().empty())
            for (const auto& [k, a] : holds_.take_extras_if([&](const allocation& a) { return a.eni == e && on(a.lane); })) {
                unhold(a);
                keys.push_back(k);
            }
        const std::size_t first_table_key = keys.size();
        for (const auto& entry : pods_)
            if (entry.second.eni == e && on(entry.second.lane)) keys.push_back(entry.first);
        for (std::size_t i = first_table_key; i < keys.size(); ++i) {
            const key_type& k = keys[i];
            allocation gone;
            (void)pods_.erase(k, pod_table_type::hash(k), [&](const allocation& a) { gone = a; });
            unhold(gone);
            promote_extra(k);
        }
        drop_cooling(e, on, t);
        return keys;
    }

    // Frees the cooling lanes of ENI `e` for which `on(lane)` holds and drops their entries.
    template <class On>
    void drop_cooling(unsigned e, On on, timestamp t) {
        boost::circular_buffer<cooling_entry> kept(cooling_.capacity());
        for (const cooling_entry& c : cooling_) {
            if (c.eni == e && on(c.lane)) {
                change_lane<eni::lane_op::unfreeze>(e, c.lane, t);
            } else {
                kept.push_back(c);
            }
        }
        cooling_ = std::move(kept);
    }

    static bool names_eni(const action& a, std::string_view id) noexcept {
        return std::visit(
            [&](const auto& x) {
                if constexpr (requires { x.eni_id; }) return x.eni_id == id;
                else return false;
            },
            a);
    }

    // The answer to a release / detach: success removes, failure returns to service.
    void end_shrink(const action& planned, timestamp t, bool succeeded) {
        if (auto* rel = std::get_if<release_from_eni>(&planned)) {
            const auto index = eni_index(rel->eni_id);
            if (!index) return;
            const auto e = static_cast<unsigned>(*index);
            for (const ipv4_prefix& c : rel->cidrs) {
                const auto s = slot_of(e, c);
                if (!s || !enis_[e].slot_at(*s).leaving) continue;
                if (succeeded) {
                    unindex_cidr(c);
                    change_slot(e, *s, [&](eni& y) { y.remove_slot(*s); });
                } else if (!enis_[e].detaching()) {
                    set_leaving(e, *s, false, t);
                }
            }
        } else if (auto* det = std::get_if<detach_eni>(&planned)) {
            const auto index = eni_index(det->eni_id);
            if (!index) return;
            if (succeeded) {
                erase_eni(*index);
                return;
            }
            const auto e = static_cast<unsigned>(*index);
            enis_[e].set_detaching(false);
            for (unsigned s = 0; s < enis_[e].slot_count(); ++s)
                if (enis_[e].slot_at(s).leaving && !release_in_flight(e, s)) set_leaving(e, s, false, t);
        }
    }

    bool release_in_flight(unsigned e, unsigned s) const noexcept {
        const ipv4_prefix c = enis_[e].slot_at(s).cidr();
        for (const action& a : in_flight_)
            if (auto* rel = std::get_if<release_from_eni>(&a); rel && rel->eni_id == enis_[e].id())
                if (std::find(rel->cidrs.begin(), rel->cidrs.end(), c) != rel->cidrs.end()) return true;
        return false;
    }

    config cfg_;
    clock_type* clock_;
    Policy policy_;
    Warm warm_;
    std::uint64_t max_pods_ = 0;
    std::vector<eni> enis_;
    hierarchical_bitset<max_enis_per_node> enis_with_free_;
    eni_stats node_;  // kept sums over the ENIs; its prefix free / cooling go stale (read node_sums)
    pod_table_type pods_;                            // key -> allocation
    detail::restored_holds<key_type, allocation> holds_;  // held outside the hand-out rules
    boost::circular_buffer<cooling_entry> cooling_;  // grown by doubling when full
    boost::unordered_flat_map<std::uint32_t, cidr_ref> cidrs_;       // prefix base / IP -> slot
    boost::unordered_flat_map<std::uint32_t, std::uint16_t> block_use_;  // /28 block -> /32s in it
    std::vector<action> in_flight_;
    std::uint64_t next_request_id_ = 1;
    std::optional<timestamp> last_shrink_;  // when plan() last emitted a release
    std::vector<growth_failure> growth_failures_;  // refused growth since the last grant
    [[no_unique_address]] detail::packer<packing_type> packer_;
};

} // namespace enipool
