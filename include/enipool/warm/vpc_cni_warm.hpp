// enipool/warm/vpc_cni_warm.hpp: the VPC CNI's (ipamd's) warm-pool targets as a warm strategy.
//
// WARM_ENI_TARGET, WARM_IP_TARGET, MINIMUM_IP_TARGET and WARM_PREFIX_TARGET, deciding as
// ipamd v1.23.1 does (aws/amazon-vpc-cni-k8s b52188387f2e, pkg/ipamd/ipamd.go and
// pkg/ipamd/datastore/data_store.go; docs/domain.md section 4): pool too low, growth counts,
// pool too high, which CIDRs to free, whether to look for an ENI to free and which one.
// tests/peer/vpc_cni/ transcribes ipamd's own tests against this class.
//
// enipool's improvements are options of vpc_cni_warm_config, all off by default; each
// says what ipamd does, what the option does instead, and why. `improved()` turns them on.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/warm_support.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/warm_strategy.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

namespace enipool {

/// vpc_cni_warm's knobs, named after the VPC CNI's environment variables; every default is
/// ipamd's. As in ipamd, WARM_IP_TARGET = 0 and MINIMUM_IP_TARGET = 0 mean "not set"
/// (ipamd.go getWarmIPTarget / getMinimumIPTarget, L2029-2057, and warmIPTargetsDefined,
/// L1941-1943), so WARM_ENI_TARGET stays in charge.
struct vpc_cni_warm_config {
    unsigned warm_eni_target = 1;                  ///< WARM_ENI_TARGET (default 1)
    std::optional<unsigned> warm_ip_target;        ///< WARM_IP_TARGET (unset; 0 = unset)
    std::optional<unsigned> minimum_ip_target;     ///< MINIMUM_IP_TARGET (unset; 0 = unset)
    /// WARM_PREFIX_TARGET (unset: 0, ipamd's default; the EKS manifest sets 1).
    std::optional<unsigned> warm_prefix_target;
    /// Releases happen at most this often: ipamd skips a decrease while the time since the
    /// last one is <= 30 s (decreaseIPPoolInterval, shouldSkipDataStorePoolDecrease L825-834).
    std::chrono::nanoseconds shrink_interval = std::chrono::seconds{30};
    /// An ENI is freed only once it is at least this old (minENILifeTime, 1 min).
    std::chrono::nanoseconds min_eni_age = std::chrono::minutes{1};
    /// ENABLE_SUBNET_DISCOVERY (default true): after InsufficientCidrBlocks or
    /// InsufficientFreeAddressesInSubnet on an ENI (and on its retry with one), ipamd goes on
    /// to the next ENI and then attaches a new one in the same pass; without it the pass ends
    /// and growth stops for 120 s (ipamd.go L1140-1146, L1230-1236, L983-1007).
    bool subnet_discovery = true;
    /// ipamd's pass interval (ipPoolMonitorInterval, 5 s): refusals less than this apart
    /// belong to one pass; after a pass that ended in a refusal the next starts this long after it.
    std::chrono::nanoseconds pass_interval = std::chrono::seconds{5};

    // --- enipool's improvements: off by default, see improved() ----------------------------

    /// ipamd treats an engaged 0 as unset (L2029-2057). true: WARM_IP_TARGET=0 means "hold no
    /// warm IP" and switches WARM_ENI_TARGET off, because users who write 0 usually mean it.
    bool zero_ip_target_means_none = false;
    /// ipamd counts cooling addresses as available (AvailableAddresses = TotalIPs -
    /// AssignedIPs, data_store.go L911-913). true: only free addresses count, because under
    /// churn the pool otherwise does not grow while every spare address cools and pods wait.
    bool exclude_cooling_from_available = false;
    /// ipamd asks full counts and stops only once the total reaches max pods (ipamd.go
    /// L2636-2640, L1123-1134, L2551-2568), so the last step can overshoot. true: growth is
    /// clipped to ceil((max_pods - total) / unit), because addresses past max pods can never
    /// serve a pod and cost subnet space.
    bool clip_growth_to_max_pods = false;
    /// ipamd looks for an ENI to free behind the WARM_ENI_TARGET + 1 gate and frees one unless
    /// a set target needs it (shouldRemoveExtraENIs L1488-1514, getDeletableENI data_store.go
    /// L1042-1093; none is checked without IP targets in secondary mode; an excluded ENI may
    /// be freed). true: no gate, and an ENI is freed only when the other ENIs still meet every
    /// target (excluded ENIs are never freed), because a spare ENI kept at the gate's edge
    /// holds addresses no target asks for, and one freed past a target is attached again.
    bool strict_detach = false;
    /// ipamd frees a freeable CIDR of either kind (FindFreeableCidrs, data_store.go
    /// L1562-1586). true: only CIDRs of the current mode, because a node that fell back to
    /// secondary IPs keeps its /28s for when prefixes return.
    bool release_current_mode_only = false;
    /// ipamd frees any CIDR no pod holds, on any ENI, ignoring the cooldown of its released
    /// addresses (FindFreeableCidrs, data_store.go L1562-1586). true: only CIDRs with nothing
    /// assigned or cooling, on ENIs serving pods, because freeing an address still cooling
    /// lets EC2 hand it to another node while connections to the old pod may linger.
    bool release_wholly_free_only = false;
    /// ipamd answers a refusal within its pass (retry with one address, next ENI, new ENI) and
    /// otherwise just waits for its next pass, 5 s later (ipamd.go L1136-1146, L983-1007).
    /// true: no retry chain; every refusal goes to the growth policy (a 120 s stall on subnet
    /// errors, a doubling back-off on throttling and other errors), because EC2 asks clients
    /// to back off when throttled, not to retry at a fixed pace.
    bool back_off_on_refusal = false;
    /// ipamd frees a CIDR as soon as it is freeable. A wholly free CIDR is released only after
    /// it has been free this long, because a CIDR freed and asked for again costs two EC2 calls.
    std::chrono::nanoseconds release_delay = std::chrono::seconds{0};

    /// ipamd's default targets with every improvement above on (release_delay 60 s):
    /// enipool's recommended behaviour. O(1).
    [[nodiscard]] static vpc_cni_warm_config improved() {
        vpc_cni_warm_config c;
        c.zero_ip_target_means_none = true;
        c.exclude_cooling_from_available = true;
        c.clip_growth_to_max_pods = true;
        c.strict_detach = true;
        c.release_current_mode_only = true;
        c.release_wholly_free_only = true;
        c.back_off_on_refusal = true;
        c.release_delay = std::chrono::seconds{60};
        return c;
    }
};

/// The VPC CNI's warm-pool decisions (docs/domain.md section 4). Stateless: a pure function
/// of the view. One plan is one pass of ipamd's updateIPPoolIfRequired: grow when the pool is
/// too low, else free CIDRs when it is too high (at most every shrink_interval); then, in
/// the same pass, free one ENI when shouldRemoveExtraENIs and getDeletableENI find one.
///
/// ipamd walks its ENIs in Go map order, which is unspecified; enipool walks them in
/// device-index order for growth and releases, and frees the last deletable ENI.
///
/// A view of a network card above 0 (view.network_card, one of ipamd's per-card
/// datastores with ENABLE_MULTI_NIC) is decided as ipamd does there, whatever the config
/// says: WARM_IP_TARGET = MINIMUM_IP_TARGET = 1 (DefaultWarmIPTarget /
/// DefaultMinimumIPTarget, ipamd.go L205-207; datastoreTargetState L2177-2186, tryFreeENI
/// L859-867), so IP targets are always set; short and over are counted in addresses even
/// in prefix mode (the /28 rounding is for the default card only, L2209) and used as
/// counts of /28s (getPrefixesNeeded L2714-2731, tryUnassignCidrsFromAll L892-941);
/// shouldRemoveExtraENIs is always true (L1488-1491). WARM_PREFIX_TARGET still reaches
/// getDeletableENI (tryFreeENI passes c.warmPrefixTarget). enipool's options still apply.
class vpc_cni_warm {
public:
    using config = vpc_cni_warm_config;
    static constexpr std::string_view name = "vpc-cni";  ///< enipool-plan --warm
    static constexpr std::string_view description = "the VPC CNI's WARM_* targets";

    /// The counts the decisions read: ipamd's GetIPStats (ENIs excluded from pod IPs are
    /// skipped; only CIDRs of the current mode count), TotalPrefixes (every ENI's /28s) and
    /// GetFreePrefixes (every ENI's /28s without a pod; cooling addresses count as free).
    struct counts {
        address_mode mode = address_mode::prefix;
        std::uint64_t total = 0;
        std::uint64_t assigned = 0;
        std::uint64_t cooling = 0;
        std::uint64_t free = 0;
        std::uint64_t total_prefixes = 0;
        std::uint64_t free_prefixes = 0;
        std::uint64_t max_pods = 0;
        std::uint64_t slots_per_eni = 0;
        unsigned network_card = 0;  ///< the datastore's card (above 0: ipamd's 1/1 targets)
    };

    /// ipamd's DefaultWarmIPTarget and DefaultMinimumIPTarget: the targets of every network
    /// card above 0 (ipamd.go L205-207).
    static constexpr std::uint64_t secondary_card_warm_ip = 1;
    static constexpr std::uint64_t secondary_card_minimum_ip = 1;

    /// O(1), no errors.
    explicit vpc_cni_warm(const config& c = {}) noexcept : config_(c) {}

    /// Errors: `malformed_config` naming the setting when a duration is negative, or the
    /// pass interval is not positive (node_pool::create refuses the pool). O(1).
    [[nodiscard]] static result<void> check_config(const config& c) {
        const std::pair<const char*, std::chrono::nanoseconds> durations[] = {
            {"shrink_interval", c.shrink_interval}, {"min_eni_age", c.min_eni_age}, {"release_delay", c.release_delay}};
        for (const auto& [setting, d] : durations)
            if (d < std::chrono::nanoseconds::zero())
                return error(errc::malformed_config, fmt::format("vpc_cni_warm: {} must not be negative", setting));
        if (c.pass_interval <= std::chrono::nanoseconds::zero())
            return error(errc::malformed_config, "vpc_cni_warm: pass_interval must be positive");
        return success();
    }

    [[nodiscard]] const config& settings() const noexcept { return config_; }

    /// The node pool clips growth to max pods only when clip_growth_to_max_pods. O(1).
    [[nodiscard]] bool clips_growth_to_max_pods() const noexcept { return config_.clip_growth_to_max_pods; }

    /// The current-mode lanes of one ENI. O(1).
    [[nodiscard]] static const lane_counts& lanes_of_mode(const eni_view& e, address_mode mode) noexcept {
        return mode == address_mode::prefix ? e.prefix_lanes : e.secondary_lanes;
    }

    /// The counts of a view (see `counts`). O(ENIs).
    [[nodiscard]] static counts counts_of(const pool_view& v) noexcept {
        counts c;
        c.mode = v.mode;
        c.max_pods = v.max_pods;
        c.slots_per_eni = v.slots_per_eni;
        c.network_card = v.network_card;
        for (const eni_view& e : v.enis) {
            if (e.efa_only) continue;  // not in ipamd's datastore at all
            c.total_prefixes += e.prefixes;
            c.free_prefixes += e.unassigned_prefixes;
            if (e.excluded) continue;
            const lane_counts& l = lanes_of_mode(e, v.mode);
            c.total += l.total;
            c.assigned += l.assigned();
            c.cooling += l.cooling;
            c.free += l.free;
        }
        return c;
    }

    /// WARM_IP_TARGET, as ipamd reads it for network card `card`: 0 when unset or 0 (unless
    /// zero_ip_target_means_none); 1 on a card above 0. O(1).
    [[nodiscard]] std::uint64_t warm_ip(unsigned card = 0) const noexcept {
        return card > 0 ? secondary_card_warm_ip : config_.warm_ip_target.value_or(0);
    }
    /// MINIMUM_IP_TARGET, likewise (1 on a card above 0). O(1).
    [[nodiscard]] std::uint64_t minimum_ip(unsigned card = 0) const noexcept {
        return card > 0 ? secondary_card_minimum_ip : config_.minimum_ip_target.value_or(0);
    }
    /// WARM_PREFIX_TARGET (0 when unset). O(1).
    [[nodiscard]] std::uint64_t warm_prefix() const noexcept { return config_.warm_prefix_target.value_or(0); }

    /// ipamd's warmIPTargetsDefined: WARM_IP_TARGET or MINIMUM_IP_TARGET is non-zero (with
    /// zero_ip_target_means_none: is set); always on a card above 0 (datastoreTargetState
    /// returns enabled for it, ipamd.go L2181-2186). O(1).
    [[nodiscard]] bool ip_targets_set(unsigned card = 0) const noexcept {
        if (card > 0) return true;
        if (config_.zero_ip_target_means_none)
            return config_.warm_ip_target.has_value() || config_.minimum_ip_target.has_value();
        return warm_ip() != 0 || minimum_ip() != 0;
    }

    /// Addresses a pod could get: total - assigned (cooling included), or only the free ones
    /// with exclude_cooling_from_available. O(1).
    [[nodiscard]] std::uint64_t available(const counts& c) const noexcept {
        return config_.exclude_cooling_from_available ? c.free : detail::minus_floor0(c.total, c.assigned);
    }

    /// maxIPsPerENI: slots x 1 (secondary) or x 16 (prefix). O(1).
    [[nodiscard]] static std::uint64_t max_ips_per_eni(const counts& c) noexcept {
        return c.slots_per_eni * detail::unit_addresses(c.mode);
    }

    /// datastoreTargetState's short = max(warm_ip - available, 0, minimum_ip - total), in
    /// addresses, with the card's targets. O(1).
    [[nodiscard]] std::uint64_t shortfall(const counts& c) const noexcept {
        return std::max(detail::minus_floor0(warm_ip(c.network_card), available(c)),
                        detail::minus_floor0(minimum_ip(c.network_card), c.total));
    }

    /// isDatastorePoolTooLow: never once total >= max_pods; with IP targets short > 0; else
    /// available < unit * target || (target == 0 && available == 0), where unit, target are
    /// maxIPsPerENI, WARM_ENI_TARGET (secondary) or 16, WARM_PREFIX_TARGET (prefix). O(1).
    [[nodiscard]] bool too_low(const counts& c) const noexcept {
        if (c.max_pods != 0 && c.total >= c.max_pods) return false;
        if (ip_targets_set(c.network_card)) return shortfall(c) > 0;
        const bool prefix = c.mode == address_mode::prefix;
        const std::uint64_t unit = prefix ? addresses_per_prefix : max_ips_per_eni(c);
        const std::uint64_t target = prefix ? warm_prefix() : config_.warm_eni_target;
        const std::uint64_t avail = available(c);
        return avail < unit * target || (target == 0 && avail == 0);
    }

    /// Units to ask for when too low (before the ENI's slots cap them): secondary: short, or
    /// maxIPsPerENI without IP targets; prefix (getPrefixesNeeded): max(1, ceil(short / 16))
    /// (on a card above 0 max(1, short): short stays in addresses), or max(1,
    /// WARM_PREFIX_TARGET - free prefixes) without IP targets. O(1).
    [[nodiscard]] std::uint64_t growth_units(const counts& c) const noexcept {
        const bool targets = ip_targets_set(c.network_card);
        if (c.mode == address_mode::secondary) return targets ? shortfall(c) : max_ips_per_eni(c);
        std::uint64_t need = detail::minus_floor0(warm_prefix(), c.free_prefixes);
        if (targets) need = c.network_card > 0 ? shortfall(c) : detail::ceil_div(shortfall(c), addresses_per_prefix);
        return std::max<std::uint64_t>(1, need);
    }

    /// CIDRs to free when the pool is too high (0: not too high). With IP targets, secondary
    /// mode or a card above 0 (even in prefix mode, where this count of addresses is taken
    /// as a count of /28s): over = min(max(available - warm_ip, 0), total - minimum_ip);
    /// prefix mode on card 0: over_prefixes = min(free_prefixes, total_prefixes -
    /// ceil((assigned + warm_ip) / 16), total_prefixes - ceil(minimum_ip / 16)), floored at 0.
    /// Without: prefix mode free_prefixes - WARM_PREFIX_TARGET
    /// (computeExtraPrefixesOverWarmTarget); secondary mode 0. O(1).
    [[nodiscard]] std::uint64_t excess(const counts& c) const noexcept {
        if (ip_targets_set(c.network_card)) {
            const std::uint64_t warm = warm_ip(c.network_card);
            const std::uint64_t minimum = minimum_ip(c.network_card);
            if (c.mode == address_mode::secondary || c.network_card > 0)
                return std::min(detail::minus_floor0(available(c), warm), detail::minus_floor0(c.total, minimum));
            const std::uint64_t for_warm = detail::ceil_div(c.assigned + warm, addresses_per_prefix);
            const std::uint64_t for_min = detail::ceil_div(minimum, addresses_per_prefix);
            return std::min({c.free_prefixes, detail::minus_floor0(c.total_prefixes, for_warm),
                             detail::minus_floor0(c.total_prefixes, for_min)});
        }
        if (c.mode == address_mode::prefix) return detail::minus_floor0(c.free_prefixes, warm_prefix());
        return 0;
    }

    /// ipamd's CheckFreeableENIexists: some ENI that is not primary, trunk or EFA holds no
    /// pod (young or cooling ones count). O(ENIs).
    [[nodiscard]] static bool freeable_eni_exists(const pool_view& v) noexcept {
        return std::any_of(v.enis.begin(), v.enis.end(), [](const eni_view& e) {
            return !e.primary && !e.trunk && !e.efa && !e.efa_only && e.assigned == 0;
        });
    }

    /// ipamd's shouldRemoveExtraENIs, the gate before looking for an ENI to free: always with
    /// IP targets and on a card above 0; else available >= (target + 1) x maxIPsPerENI
    /// (target: WARM_ENI_TARGET, or WARM_PREFIX_TARGET in prefix mode), or in prefix mode
    /// freeable_eni_exists. O(ENIs).
    [[nodiscard]] bool should_remove_extra_enis(const pool_view& v) const noexcept {
        if (ip_targets_set(v.network_card)) return true;
        const counts c = counts_of(v);
        const bool prefix = c.mode == address_mode::prefix;
        const std::uint64_t target = (prefix ? warm_prefix() : config_.warm_eni_target) + 1;
        if (available(c) >= target * max_ips_per_eni(c)) return true;
        return prefix && freeable_eni_exists(v);
    }

    /// The ENI ipamd's getDeletableENI would free, "" for none: not primary, at least
    /// min_eni_age old, no cooling address, no pod, not needed by a set WARM_IP_TARGET,
    /// MINIMUM_IP_TARGET (both 1 on a card above 0: tryFreeENI) or (prefix mode)
    /// WARM_PREFIX_TARGET, not trunk, not EFA. With
    /// strict_detach: serving pods, and the others still meet every target. The last such ENI
    /// by device index. O(ENIs^2) (ENIs are few).
    [[nodiscard]] std::optional<std::string> deletable_eni(const pool_view& v) const {
        for (auto it = v.enis.rbegin(); it != v.enis.rend(); ++it)
            if (deletable(v, *it)) return it->id;
        return std::nullopt;
    }

    /// True when ENI `e` may be freed (see deletable_eni). O(ENIs).
    [[nodiscard]] bool deletable(const pool_view& v, const eni_view& e) const noexcept {
        if (e.primary || e.trunk || e.efa || e.efa_only) return false;
        if (v.now - e.attached_at < config_.min_eni_age) return false;
        if (e.cooling != 0 || e.assigned != 0) return false;
        for (const free_cidr& f : e.wholly_free)
            if (!detail::old_enough(v, f, config_.release_delay)) return false;
        if (config_.strict_detach) return !e.excluded && e.serves_pods && others_meet_targets(v, e);
        const bool prefix = v.mode == address_mode::prefix;
        const std::uint64_t warm = warm_ip(v.network_card), minimum = minimum_ip(v.network_card);
        if (warm != 0 && others_warm(v, e) < round_to_mode(warm, v.mode)) return false;
        if (minimum != 0 && others_total(v, e) < round_to_mode(minimum, v.mode)) return false;
        if (prefix && warm_prefix() != 0 && others_unassigned_cidrs(v, e) < warm_prefix()) return false;
        return true;
    }

    /// Whether the node pool should keep a refused growth request from the growth policy:
    /// ipamd retries it with one address, then (with subnet discovery) tries the next ENI and a
    /// new one, and after any other refusal waits for its next pass, without a back-off. Only
    /// a new ENI refused for lack of subnet room, or without subnet discovery a retry refused
    /// so, stops growth (the policy's 120 s stall). Never with back_off_on_refusal.
    /// `earlier`: the refusals before `f` since the last grant. O(earlier).
    [[nodiscard]] bool absorbs_refusal(const std::vector<growth_failure>& earlier, const growth_failure& f) const noexcept {
        if (config_.back_off_on_refusal) return false;
        const bool subnet = subnet_error(f.code);
        if (f.eni_id.empty()) return !subnet;
        if (f.code == errc::private_ip_address_limit_exceeded) return true;
        const auto pass = current_pass(earlier, f.at);  // the pass `f` continues, if any
        if (tries(pass, f.eni_id) == 0) return true;  // a first refusal: retried with one address
        return !(subnet && !config_.subnet_discovery);
    }

    /// The actions of one ipamd pass (see the class comment); request ids are left 0 for the
    /// pool to stamp. O(ENIs^2 + free CIDRs). Allocates only the result.
    [[nodiscard]] std::vector<action> plan(const pool_view& v) const {
        std::vector<action> out;
        const counts c = counts_of(v);
        if (too_low(c)) {
            plan_increase(v, c, out);
        } else if (!v.shrink_in_flight && may_decrease(v)) {
            plan_release(v, excess(c), out);
        }
        if (v.shrink_in_flight || !(config_.strict_detach || should_remove_extra_enis(v))) return out;
        for (auto it = v.enis.rbegin(); it != v.enis.rend(); ++it)
            if (deletable(v, *it) && !touched(out, it->id)) {
                out.emplace_back(detach_eni{0, it->id});
                break;
            }
        return out;
    }

private:
    // containsInsufficientCIDRsOrSubnetIPs: InsufficientCidrBlocks or InsufficientFreeAddressesInSubnet.
    [[nodiscard]] static bool subnet_error(errc e) noexcept {
        return e == errc::insufficient_cidr_blocks || e == errc::insufficient_free_addresses;
    }

    // The refusals of the pass still running at `now`: the newest run of refusals less than
    // pass_interval apart, if the last is less than pass_interval old (else empty).
    [[nodiscard]] std::span<const growth_failure> current_pass(const std::vector<growth_failure>& all,
                                                               timestamp now) const noexcept {
        if (all.empty() || now - all.back().at >= config_.pass_interval) return {};
        std::size_t first = all.size() - 1;
        while (first > 0 && all[first].at - all[first - 1].at < config_.pass_interval) --first;
        return std::span<const growth_failure>(all).subspan(first);
    }
    [[nodiscard]] static std::size_t tries(std::span<const growth_failure> pass, const std::string& eni) noexcept {
        return static_cast<std::size_t>(
            std::count_if(pass.begin(), pass.end(), [&](const growth_failure& f) { return f.eni_id == eni; }));
    }

    // ipamd's increaseDatastorePool, step by step: without refusals in this pass, the first
    // ENI with room (else a new ENI); after a first refusal on an ENI, one address on the same
    // ENI; after its retry was refused for lack of subnet room (with subnet discovery), the
    // next ENI not tried in this pass, else a new ENI. Any other refusal ends the pass.
    void plan_increase(const pool_view& v, const counts& c, std::vector<action>& out) const {
        const bool clip = config_.clip_growth_to_max_pods;
        const std::span<const growth_failure> pass =
            config_.back_off_on_refusal ? std::span<const growth_failure>{} : current_pass(v.growth_failures, v.now);
        if (pass.empty()) {
            detail::plan_growth(v, growth_units(c), out, clip);
            return;
        }
        const growth_failure& last = pass.back();
        if (last.eni_id.empty() || last.code == errc::private_ip_address_limit_exceeded) return;
        if (tries(pass, last.eni_id) == 1) {  // "try to just get one more IP" on the same ENI
            const auto e = std::find_if(v.enis.begin(), v.enis.end(), [&](const eni_view& x) { return x.id == last.eni_id; });
            if (e != v.enis.end() && e->serves_pods && e->slots_used < e->slots_total && v.may_grow && !v.growth_in_flight)
                out.emplace_back(assign_to_eni{0, e->id, v.mode, 1});
            return;
        }
        if (!subnet_error(last.code) || !config_.subnet_discovery) return;
        detail::plan_growth(v, growth_units(c), out, clip, [&](const eni_view& e) { return tries(pass, e.id) > 0; });
    }

    // ipamd's decrease runs unless the last one was at most shrink_interval ago.
    [[nodiscard]] bool may_decrease(const pool_view& v) const noexcept {
        return !v.last_shrink || v.now - *v.last_shrink > config_.shrink_interval;
    }

    // tryUnassignCidrsFromAll: up to `count` freeable CIDRs, ENI by ENI (every ENI in
    // ipamd's datastore: efa-only ones are not in it). A CIDR that is not wholly free (it has
    // cooling addresses, or its ENI serves no pods) has no "free since", so a release delay
    // keeps it. With release_wholly_free_only: wholly free CIDRs of ENIs serving pods.
    void plan_release(const pool_view& v, std::uint64_t count, std::vector<action>& out) const {
        if (count == 0) return;
        const auto eligible = [&](const ipv4_prefix& cidr) {
            return config_.release_current_mode_only ? detail::cidr_of_mode(cidr, v.mode) : true;
        };
        if (config_.release_wholly_free_only) {
            detail::plan_release(
                v, config_.release_delay,
                [&](const ipv4_prefix& cidr) {
                    if (count == 0 || !eligible(cidr)) return false;
                    --count;
                    return true;
                },
                out);
            return;
        }
        for (const eni_view& e : v.enis) {
            if (e.efa_only) continue;
            release_from_eni r{0, e.id, {}};
            for (const ipv4_prefix& cidr : e.freeable) {
                if (count == 0 || !eligible(cidr) || !old_enough(v, e, cidr)) continue;
                r.cidrs.push_back(cidr);
                --count;
            }
            if (!r.cidrs.empty()) out.emplace_back(std::move(r));
        }
    }

    // A freeable CIDR has been wholly free for the release delay (no delay: any freeable CIDR).
    [[nodiscard]] bool old_enough(const pool_view& v, const eni_view& e, const ipv4_prefix& cidr) const noexcept {
        if (config_.release_delay <= std::chrono::nanoseconds::zero()) return true;
        const auto f = std::find_if(e.wholly_free.begin(), e.wholly_free.end(),
                                    [&](const free_cidr& w) { return w.cidr == cidr; });
        return f != e.wholly_free.end() && detail::old_enough(v, *f, config_.release_delay);
    }

    // This plan's growth goes to ENI `id` (ipamd frees an ENI after its CIDRs in one pass,
    // but never one it has just grown: that one is not empty).
    [[nodiscard]] static bool touched(const std::vector<action>& out, const std::string& id) noexcept {
        return std::any_of(out.begin(), out.end(), [&](const action& a) {
            const auto* as = std::get_if<assign_to_eni>(&a);
            return as != nullptr && as->eni_id == id;
        });
    }

    // In prefix mode ipamd rounds WARM_IP_TARGET and MINIMUM_IP_TARGET up to whole /28s
    // when deciding whether an ENI is needed (isRequiredFor*IPTarget, data_store.go L990-994).
    [[nodiscard]] static std::uint64_t round_to_mode(std::uint64_t target, address_mode mode) noexcept {
        if (mode == address_mode::secondary) return target;
        return detail::ceil_div(target, addresses_per_prefix) * addresses_per_prefix;
    }

    // The other non-excluded ENIs' current-mode addresses without a pod (cooling counts).
    [[nodiscard]] static std::uint64_t others_warm(const pool_view& v, const eni_view& e) noexcept {
        std::uint64_t n = 0;
        for (const eni_view& o : v.enis)
            if (&o != &e && !o.excluded) n += lanes_of_mode(o, v.mode).free + lanes_of_mode(o, v.mode).cooling;
        return n;
    }
    // The other non-excluded ENIs' current-mode addresses.
    [[nodiscard]] static std::uint64_t others_total(const pool_view& v, const eni_view& e) noexcept {
        std::uint64_t n = 0;
        for (const eni_view& o : v.enis)
            if (&o != &e && !o.excluded) n += lanes_of_mode(o, v.mode).total;
        return n;
    }
    // The other non-excluded ENIs' CIDRs of either kind without a pod.
    [[nodiscard]] static std::uint64_t others_unassigned_cidrs(const pool_view& v, const eni_view& e) noexcept {
        std::uint64_t n = 0;
        for (const eni_view& o : v.enis)
            if (&o != &e && !o.excluded) n += o.unassigned_prefixes + o.unassigned_secondaries;
        return n;
    }

    // strict_detach: the pool without `e` is not too low and (prefix mode, WARM_PREFIX_TARGET
    // set) keeps that many wholly free /28s.
    [[nodiscard]] bool others_meet_targets(const pool_view& v, const eni_view& e) const noexcept {
        counts rest = counts_of(v);
        const lane_counts& l = lanes_of_mode(e, v.mode);
        rest.total = detail::minus_floor0(rest.total, l.total);
        rest.assigned = detail::minus_floor0(rest.assigned, l.assigned());
        rest.cooling = detail::minus_floor0(rest.cooling, l.cooling);
        rest.free = detail::minus_floor0(rest.free, l.free);
        rest.total_prefixes = detail::minus_floor0(rest.total_prefixes, e.prefixes);
        rest.free_prefixes = detail::minus_floor0(rest.free_prefixes, e.unassigned_prefixes);
        if (too_low(rest)) return false;
        if (rest.mode == address_mode::prefix && config_.warm_prefix_target)
            return rest.free_prefixes >= *config_.warm_prefix_target;
        return true;
    }

    config config_;
};

static_assert(warm_strategy<vpc_cni_warm>);

} // namespace enipool
