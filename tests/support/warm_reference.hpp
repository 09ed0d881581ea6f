// warm_reference.hpp (tests): the VPC CNI's and Cilium's warm-pool decisions written plainly,
// the way docs/domain.md sections 4 and 5 (and ipamd / Cilium's Go) read them.
//
// Signed integers as in the Go originals, one small function per formula, no code shared
// with include/enipool/warm/. The differential tests compare plan()'s totals with these.
// Where enipool makes a documented choice that ipamd leaves open (Go map order: growth and
// releases in device-index order, the last deletable ENI freed), or an option of its own
// (max pods as a ceiling, the release delay, strict detach), it is written here too.
#pragma once

#include <enipool/pool_view.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace warm_ref {

using ll = long long;

inline ll max0(ll x) { return x > 0 ? x : 0; }
inline ll div_ceil(ll a, ll b) { return (a + b - 1) / b; }
inline ll to_ll(std::uint64_t x) { return static_cast<ll>(x); }
inline ll seconds_ns(ll s) { return s * 1'000'000'000LL; }

// ------------------------------------------------------------------ VPC CNI (docs/domain.md section 4)
// ipamd v1.23.1 (pkg/ipamd/ipamd.go, pkg/ipamd/datastore/data_store.go), plus enipool's options.

struct vpc_knobs {
    ll warm_eni = 1;                  // WARM_ENI_TARGET
    std::optional<ll> warm_ip;        // WARM_IP_TARGET
    std::optional<ll> min_ip;         // MINIMUM_IP_TARGET
    std::optional<ll> warm_prefix;    // WARM_PREFIX_TARGET (unset behaves as ipamd's 0)
    ll shrink_interval_s = 30;
    ll min_eni_age_s = 60;
    // enipool's options (all off: ipamd)
    bool zero_means_none = false;
    bool exclude_cooling = false;
    bool clip_to_max_pods = false;
    bool strict_detach = false;
    bool current_mode_only = false;
    bool wholly_free_only = false;
    ll release_delay_s = 0;
};

struct vpc_stats {
    bool prefix_mode = false;
    bool above_card_0 = false;        // a datastore of a network card above 0
    ll total = 0, assigned = 0, cooling = 0;
    ll total_prefixes = 0, free_prefixes = 0;
    ll max_pods = 0;                  // 0: none
    ll max_ips_per_eni = 0;           // slots, x16 in prefix mode
};

// GetIPStats (excluded ENIs skipped, current-mode CIDRs only), TotalPrefixes and
// GetFreePrefixes (every ENI in the datastore; efa-only ENIs are not in it).
inline vpc_stats stats_of(const enipool::pool_view& v) {
    vpc_stats s;
    s.prefix_mode = v.mode == enipool::address_mode::prefix;
    s.above_card_0 = v.network_card > 0;
    for (const auto& e : v.enis) {
        if (e.efa_only) continue;
        s.total_prefixes += e.prefixes;
        s.free_prefixes += e.unassigned_prefixes;
        if (e.excluded) continue;
        const auto& l = s.prefix_mode ? e.prefix_lanes : e.secondary_lanes;
        s.total += to_ll(l.total);
        s.assigned += to_ll(l.total) - to_ll(l.free) - to_ll(l.cooling);
        s.cooling += to_ll(l.cooling);
    }
    s.max_pods = to_ll(v.max_pods);
    s.max_ips_per_eni = ll{v.slots_per_eni} * (s.prefix_mode ? 16 : 1);
    return s;
}

// Network cards above 0: ipamd's DefaultWarmIPTarget = DefaultMinimumIPTarget = 1 replace
// whatever is configured (ipamd.go L205-207, datastoreTargetState L2181-2186, tryFreeENI
// L859-867); WARM_PREFIX_TARGET still reaches getDeletableENI.
inline vpc_knobs knobs_for_card(vpc_knobs k, unsigned card) {
    if (card > 0) k.warm_ip = k.min_ip = 1;
    return k;
}

inline ll warm_ip_of(const vpc_knobs& k) { return k.warm_ip.value_or(0); }
inline ll min_ip_of(const vpc_knobs& k) { return k.min_ip.value_or(0); }

// AvailableAddresses = TotalIPs - AssignedIPs; with exclude_cooling only the free ones.
inline ll available(const vpc_stats& s, const vpc_knobs& k) {
    return k.exclude_cooling ? s.total - s.assigned - s.cooling : s.total - s.assigned;
}

// warmIPTargetsDefined: either target non-zero (0 = unset); with zero_means_none, set.
inline bool warm_target_defined(const vpc_knobs& k) {
    if (k.zero_means_none) return k.warm_ip.has_value() || k.min_ip.has_value();
    return warm_ip_of(k) != 0 || min_ip_of(k) != 0;
}

// short = max(warm_ip - available, 0, minimum_ip - total)
inline ll short_ips(const vpc_stats& s, const vpc_knobs& k) {
    ll sh = warm_ip_of(k) - available(s, k);
    sh = std::max(sh, ll{0});
    sh = std::max(sh, min_ip_of(k) - s.total);
    return sh;
}

// isDatastorePoolTooLow
inline bool is_too_low(const vpc_stats& s, const vpc_knobs& k) {
    if (s.max_pods > 0 && s.total >= s.max_pods) return false;
    if (warm_target_defined(k)) return short_ips(s, k) > 0;
    ll unit = s.max_ips_per_eni;
    ll target = k.warm_eni;
    if (s.prefix_mode) {
        unit = 16;
        target = k.warm_prefix.value_or(0);
    }
    const ll avail = available(s, k);
    return avail < unit * target || (target == 0 && avail == 0);
}

// Units to ask for on the first ENI with a free slot (before its slots cap it).
inline ll growth_request(const vpc_stats& s, const vpc_knobs& k) {
    if (!s.prefix_mode) return warm_target_defined(k) ? short_ips(s, k) : s.max_ips_per_eni;
    // getPrefixesNeeded: max(1, short), short in /28s on card 0 only (ipamd.go L2209).
    if (warm_target_defined(k)) return std::max(ll{1}, s.above_card_0 ? short_ips(s, k) : div_ceil(short_ips(s, k), 16));
    return std::max(ll{1}, k.warm_prefix.value_or(0) - s.free_prefixes);
}

// over = max(min(max(available - warm_ip, 0), total - minimum_ip), 0)
inline ll over(const vpc_stats& s, const vpc_knobs& k) {
    ll o = std::max(available(s, k) - warm_ip_of(k), ll{0});
    o = std::min(o, s.total - min_ip_of(k));
    return std::max(o, ll{0});
}

// over_prefixes = max(min(free_prefixes, total_prefixes - ceil((assigned + warm_ip) / 16),
//                         total_prefixes - ceil(minimum_ip / 16)), 0)
inline ll over_prefixes(const vpc_stats& s, const vpc_knobs& k) {
    const ll needed_for_warm = div_ceil(s.assigned + warm_ip_of(k), 16);
    const ll needed_for_min = div_ceil(min_ip_of(k), 16);
    ll o = std::min(s.free_prefixes, s.total_prefixes - needed_for_warm);
    o = std::min(o, s.total_prefixes - needed_for_min);
    return std::max(o, ll{0});
}

// CIDRs to give back when the pool is too high (0: it is not).
inline ll cidrs_over(const vpc_stats& s, const vpc_knobs& k) {
    if (warm_target_defined(k)) return s.prefix_mode && !s.above_card_0 ? over_prefixes(s, k) : over(s, k);
    if (s.prefix_mode) return max0(s.free_prefixes - k.warm_prefix.value_or(0));
    return 0;  // WARM_ENI_TARGET never frees single IPs
}

// ------------------------------------------------------------------ plan-level expectations

inline bool serves(const enipool::eni_view& e) { return e.serves_pods; }

inline ll serving_count(const enipool::pool_view& v) {
    ll n = 0;
    for (const auto& e : v.enis) n += serves(e) ? 1 : 0;
    return n;
}

// Units a growth request may carry so that the pool does not pass max pods by a whole unit.
inline ll max_pods_cap(const enipool::pool_view& v) {
    if (v.max_pods == 0) return 1LL << 40;
    const ll unit = v.mode == enipool::address_mode::prefix ? 16 : 1;
    return div_ceil(max0(to_ll(v.max_pods) - to_ll(v.total)), unit);
}

// What growth a plan should contain, given the units wanted.
struct growth_expect {
    ll units = 0;            // 0: no growth action
    bool attach = false;     // a new ENI, else the ENI `eni_id`
    std::string eni_id;
};

inline growth_expect expect_growth(const enipool::pool_view& v, ll want, bool clip_to_max_pods = true) {
    growth_expect g;
    if (want <= 0 || v.growth_in_flight || !v.may_grow) return g;
    const ll cap = clip_to_max_pods ? max_pods_cap(v) : (1LL << 40);
    for (const auto& e : v.enis) {
        if (serves(e) && e.slots_used < e.slots_total) {
            g.units = std::min({want, ll{e.slots_total} - ll{e.slots_used}, cap});
            g.eni_id = e.id;
            return g;
        }
    }
    if (serving_count(v) < ll{v.max_enis}) {
        g.units = std::min({want, ll{v.slots_per_eni}, cap});
        g.attach = g.units > 0;
    }
    return g;
}

// Wholly free CIDRs of a length, on ENIs serving pods, free for at least delay seconds.
inline ll releasable(const enipool::pool_view& v, unsigned length, ll delay_s) {
    ll n = 0;
    for (const auto& e : v.enis)
        if (serves(e))
            for (const auto& f : e.wholly_free)
                if (f.cidr.length() == length && (v.now - f.free_since).count() >= seconds_ns(delay_s)) ++n;
    return n;
}

inline growth_expect vpc_expect_growth(const enipool::pool_view& v, const vpc_knobs& knobs) {
    const vpc_knobs k = knobs_for_card(knobs, v.network_card);
    const vpc_stats s = stats_of(v);
    if (!is_too_low(s, k)) return {};
    return expect_growth(v, growth_request(s, k), k.clip_to_max_pods);
}

// True for a freeable CIDR of ENI `e` the release may take: of the mode when asked; with a
// release delay, wholly free for that long (a CIDR with cooling addresses has no such time).
inline bool vpc_releasable(const enipool::pool_view& v, const enipool::eni_view& e, const enipool::ipv4_prefix& c,
                           const vpc_knobs& k) {
    const unsigned length = v.mode == enipool::address_mode::prefix ? 28 : 32;
    if (k.current_mode_only && c.length() != length) return false;
    if (k.release_delay_s == 0) return true;
    for (const auto& f : e.wholly_free)
        if (f.cidr == c) return (v.now - f.free_since).count() >= seconds_ns(k.release_delay_s);
    return false;
}

// The ENIs a release takes CIDRs from, in order, with how many: tryUnassignCidrsFromAll
// walks the ENIs and takes up to `over` freeable CIDRs (wholly free ones in enipool).
inline std::vector<std::pair<std::string, ll>> vpc_expect_releases(const enipool::pool_view& v, const vpc_knobs& knobs) {
    const vpc_knobs k = knobs_for_card(knobs, v.network_card);
    const vpc_stats s = stats_of(v);
    std::vector<std::pair<std::string, ll>> out;
    if (is_too_low(s, k) || v.shrink_in_flight) return out;
    // shouldSkipDataStorePoolDecrease: skipped while time since the last one <= 30 s.
    if (v.last_shrink && (v.now - *v.last_shrink).count() <= seconds_ns(k.shrink_interval_s)) return out;
    // ipamd's FindFreeableCidrs on every ENI of the datastore (efa-only ENIs are not in it);
    // with wholly_free_only, wholly free CIDRs of ENIs serving pods.
    ll left = cidrs_over(s, k);
    for (const auto& e : v.enis) {
        if (e.efa_only || (k.wholly_free_only && !serves(e))) continue;
        std::vector<enipool::ipv4_prefix> candidates;
        if (k.wholly_free_only) {
            for (const auto& f : e.wholly_free) candidates.push_back(f.cidr);
        } else {
            candidates = e.freeable;
        }
        ll n = 0;
        for (const auto& c : candidates)
            if (left > 0 && vpc_releasable(v, e, c, k)) {
                ++n;
                --left;
            }
        if (n > 0) out.emplace_back(e.id, n);
    }
    return out;
}

inline ll vpc_expect_released(const enipool::pool_view& v, const vpc_knobs& k) {
    ll n = 0;
    for (const auto& r : vpc_expect_releases(v, k)) n += r.second;
    return n;
}

// The other non-excluded ENIs' current-mode lanes: without a pod, and all of them.
inline ll others_lanes(const enipool::pool_view& v, const enipool::eni_view& e, bool only_without_pod) {
    ll n = 0;
    for (const auto& o : v.enis) {
        if (o.id == e.id || o.excluded) continue;
        const auto& l = v.mode == enipool::address_mode::prefix ? o.prefix_lanes : o.secondary_lanes;
        n += only_without_pod ? to_ll(l.free) + to_ll(l.cooling) : to_ll(l.total);
    }
    return n;
}

// shouldRemoveExtraENIs: with IP targets always; else available >= (target + 1) x
// maxIPsPerENI, or (prefix mode) CheckFreeableENIexists.
inline bool vpc_should_remove_extra_enis(const enipool::pool_view& v, const vpc_knobs& knobs) {
    const vpc_knobs k = knobs_for_card(knobs, v.network_card);
    if (warm_target_defined(k)) return true;  // always above card 0
    const vpc_stats s = stats_of(v);
    const ll target = (s.prefix_mode ? k.warm_prefix.value_or(0) : k.warm_eni) + 1;
    if (available(s, k) >= target * s.max_ips_per_eni) return true;
    if (!s.prefix_mode) return false;
    for (const auto& e : v.enis)
        if (!e.primary && !e.trunk && !e.efa && !e.efa_only && e.assigned == 0) return true;
    return false;
}

// getDeletableENI, or with strict_detach: the rest is not too low (and keeps
// WARM_PREFIX_TARGET wholly free /28s).
inline bool vpc_deletable(const enipool::pool_view& v, const enipool::eni_view& e, const vpc_knobs& knobs) {
    const vpc_knobs k = knobs_for_card(knobs, v.network_card);
    if (e.primary || e.trunk || e.efa || e.efa_only) return false;
    if ((v.now - e.attached_at).count() < seconds_ns(k.min_eni_age_s)) return false;
    if (e.cooling != 0 || e.assigned != 0) return false;
    for (const auto& f : e.wholly_free)
        if ((v.now - f.free_since).count() < seconds_ns(k.release_delay_s)) return false;
    const bool prefix = v.mode == enipool::address_mode::prefix;
    if (k.strict_detach) {
        if (e.excluded || !e.serves_pods) return false;
        vpc_stats rest = stats_of(v);
        const auto& l = prefix ? e.prefix_lanes : e.secondary_lanes;
        rest.total -= to_ll(l.total);
        rest.cooling -= to_ll(l.cooling);
        rest.assigned -= to_ll(l.total) - to_ll(l.free) - to_ll(l.cooling);
        rest.total_prefixes -= e.prefixes;
        rest.free_prefixes -= e.unassigned_prefixes;
        if (is_too_low(rest, k)) return false;
        return !(prefix && k.warm_prefix && rest.free_prefixes < *k.warm_prefix);
    }
    const auto round = [&](ll t) { return prefix ? div_ceil(t, 16) * 16 : t; };
    if (warm_ip_of(k) != 0 && others_lanes(v, e, true) < round(warm_ip_of(k))) return false;
    if (min_ip_of(k) != 0 && others_lanes(v, e, false) < round(min_ip_of(k))) return false;
    if (prefix && k.warm_prefix.value_or(0) != 0) {
        ll unassigned = 0;
        for (const auto& o : v.enis)
            if (o.id != e.id && !o.excluded) unassigned += o.unassigned_prefixes + o.unassigned_secondaries;
        if (unassigned < *k.warm_prefix) return false;
    }
    return true;
}

// The ENI a plan should detach ("" for none): nothing while a shrink is in flight; else the
// last deletable ENI (by device index) that this plan does not grow.
inline std::string vpc_expect_detach(const enipool::pool_view& v, const vpc_knobs& k) {
    if (v.shrink_in_flight || !(k.strict_detach || vpc_should_remove_extra_enis(v, k))) return "";
    const growth_expect g = vpc_expect_growth(v, k);
    std::string pick;
    for (const auto& e : v.enis)
        if (vpc_deletable(v, e, k) && !(g.units > 0 && !g.attach && g.eni_id == e.id)) pick = e.id;
    return pick;
}

} // namespace warm_ref
