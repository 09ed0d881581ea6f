// enipool/detail/node_pool_state.hpp: what a node_pool holds, the accessors that read it,
// and the steps its operations share (internal: node_pool derives from it).
//
// node_pool.hpp keeps the operations that change a pool (hand-out, restore, ENIs,
// plan/apply); this base holds the state they change (the ENIs' lanes, the pod table,
// restored holds, the cooldown FIFO, the actions in flight), reads it for callers
// (enis(), allocations(), cooling(), check(), ...), and offers the steps several
// operations take (drain the cooldown, retire a lane, add an ENI or CIDRs, tell the
// growth policy of a refusal). The accessors are node_pool's public API and documented
// here.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/card_limits.hpp>
#include <enipool/detail/eni_lanes.hpp>
#include <enipool/detail/lane_accounting.hpp>
#include <enipool/detail/pool_invariants.hpp>
#include <enipool/detail/pool_shrink.hpp>
#include <enipool/detail/restored_holds.hpp>
#include <enipool/error.hpp>
#include <enipool/node_pool_options.hpp>
#include <enipool/node_pool_types.hpp>
#include <enipool/pod_table.hpp>
#include <enipool/pool_view.hpp>

#include <boost/circular_buffer.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace enipool::detail {

/// node_pool<Policy, Warm, Options...>'s state; `Opts` is node_pool_defaults with the
/// options applied.
template <class Policy, class Warm, class Opts>
class node_pool_state {
public:
    using key_type = typename Opts::key_type;
    using packing_type = typename Opts::packing_type;
    using clock_type = typename Opts::clock_type;
    using policy_type = Policy;
    using warm_type = Warm;
    using metadata_type = typename pod_key_traits<key_type>::metadata;
    using hasher = typename pod_key_traits<key_type>::hasher;
    using config = node_pool_config<Policy, Warm>;           ///< runtime configuration
    using allocation = pool_allocation<metadata_type>;       ///< where a pod's address lives
    using cooling_entry = pool_cooling_entry;                ///< a released address in cooldown
    /// Every pod, key -> allocation (allocation_map's contract).
    using allocation_map = enipool::allocation_map<pod_table<key_type, allocation, hasher>>;

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

    // --- invariants ------------------------------------------------------------------------

    /// Walks the whole state and checks every invariant: each lane in exactly one state,
    /// counters equal to the bitsets, the ENI-with-free-lane bitset, the key index against
    /// the lanes, the cooldown FIFO (cooling lanes, release order), the CIDR index, the
    /// packing's buckets and the limits. O(state). Errors: `pool_invariant_broken`.
    [[nodiscard]] result<void> check() const {
        return detail::check_pool(lanes_.enis(), lanes_.with_free(), lanes_.cidrs(), node_sums(), pods_, holds_, cooling_, lanes_.packing(),
                                  max_pods_, cfg_.type.slots_per_eni());
    }

protected:
    using pod_table_type = pod_table<key_type, allocation, hasher>;

    node_pool_state(config cfg, clock_type& clk) : cfg_(std::move(cfg)), clock_(&clk), policy_(cfg_.policy), warm_(cfg_.warm) {
        lanes_.reserve(cfg_.type.max_enis);
        max_pods_ = cfg_.max_pods;
        if (max_pods_ == 0) {
            const auto mode = Policy::needs_prefix_support ? address_mode::prefix : address_mode::secondary;
            const auto capacity = pod_address_capacity(cfg_.type, mode, cfg_.budget);
            max_pods_ = capacity ? *capacity : 0;
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

    result<void> add_eni_at(const eni_spec& spec, timestamp t) {
        if (spec.id.empty()) return error(errc::conflicting_grant, "the ENI has no id");
        if (spec.network_card != home_card())
            return error(errc::conflicting_grant, fmt::format("{} is on network card {}; this pool is card {}'s datastore",
                                                              spec.id, spec.network_card, home_card()));
        const bool primary = spec.device_index == 0 && spec.network_card == cfg_.type.default_network_card_index;
        return lanes_.add(spec, serves_pods(spec.flags, primary), detail::card_limit(cfg_.type, spec.network_card),
                          cfg_.type.slots_per_eni(), t);
    }

    unsigned home_card() const noexcept { return detail::home_card(cfg_.type, cfg_.network_card); }

    result<void> add_cidrs(std::string_view eni_id, const std::vector<ipv4_prefix>& cidrs, timestamp t) {
        const auto index = eni_index(eni_id);
        if (!index) return error(errc::unknown_eni, std::string(eni_id));
        const auto e = static_cast<unsigned>(*index);
        const eni& x = lanes_[e];
        if (cidrs.size() > x.slot_count() - x.slots_used())
            return error(errc::slot_limit_reached, fmt::format("{} CIDRs for {} free slots on {}", cidrs.size(),
                                                               x.slot_count() - x.slots_used(), eni_id));
        if (auto ok = lanes_.cidrs().validate(x.subnet(), cidrs, std::nullopt); !ok) return ok;
        lanes_.add_cidrs(e, cidrs, t);
        return success();
    }

    bool freeable(const eni& x, unsigned s) const noexcept { return detail::freeable(x, s, holds_); }
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

    template <class On>
    std::vector<key_type> evict(unsigned e, On on, timestamp t) {
        return detail::evict<key_type>(lanes_, pods_, holds_, cooling_, e, on, t);
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

} // namespace enipool::detail
