// warm_reference.hpp (tests): the VPC CNI's and Cilium's warm-pool decisions written plainly,
// the way docs/domain.md sections 4 and 5 (and ipamd / Cilium's Go) read them.
//
// Signed integers as in the Go originals, one small function per formula, no code shared
// with include/enipool/warm/. The differential tests compare plan()'s totals with these.
// Where enipool makes a documented choice that docs/domain.md does not state (max_pods as a
// ceiling rounded up to a whole unit, the release delay, the 30 s shrink interval applied
// to releases only, one detach per plan of the last detachable ENI), it is written here too.
#pragma once

#include <enipool/pool_view.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace warm_ref {

using ll = long long;

inline ll max0(ll x) { return x > 0 ? x : 0; }
inline ll div_ceil(ll a, ll b) { return (a + b - 1) / b; }
inline ll to_ll(std::uint64_t x) { return static_cast<ll>(x); }
inline ll seconds_ns(ll s) { return s * 1'000'000'000LL; }

// ------------------------------------------------------------------ VPC CNI (docs/domain.md section 4)

struct vpc_knobs {
    ll warm_eni = 1;                  // WARM_ENI_TARGET
    std::optional<ll> warm_ip;        // WARM_IP_TARGET
    std::optional<ll> min_ip;         // MINIMUM_IP_TARGET
    std::optional<ll> warm_prefix;    // WARM_PREFIX_TARGET (unset behaves as ipamd's 0)
    bool cooling_is_available = false;
    ll shrink_interval_s = 30;
    ll release_delay_s = 0;
    ll min_eni_age_s = 60;
};

struct vpc_stats {
    bool prefix_mode = false;
    ll total = 0, assigned = 0, free = 0;
    ll total_prefixes = 0, free_prefixes = 0;
    ll max_pods = 0;                  // 0: none
    ll max_ips_per_eni = 0;           // slots, x16 in prefix mode
};

inline vpc_stats stats_of(const enipool::pool_view& v) {
    vpc_stats s;
    s.prefix_mode = v.mode == enipool::address_mode::prefix;
    s.total = to_ll(v.total);
    s.assigned = to_ll(v.assigned);
    s.free = to_ll(v.free);
    s.total_prefixes = v.total_prefixes;
    s.free_prefixes = v.free_prefixes;
    s.max_pods = to_ll(v.max_pods);
    s.max_ips_per_eni = ll{v.slots_per_eni} * (s.prefix_mode ? 16 : 1);
    return s;
}

// available = total - assigned (cooling counted, the VPC CNI) or free only (enipool).
inline ll available(const vpc_stats& s, const vpc_knobs& k) {
    return k.cooling_is_available ? s.total - s.assigned : s.free;
}

inline bool warm_target_defined(const vpc_knobs& k) { return k.warm_ip.has_value() || k.min_ip.has_value(); }

// short = max(warm_ip - available, 0, minimum_ip - total)
inline ll short_ips(const vpc_stats& s, const vpc_knobs& k) {
    ll sh = k.warm_ip.value_or(0) - available(s, k);
    sh = std::max(sh, ll{0});
    sh = std::max(sh, k.min_ip.value_or(0) - s.total);
    return sh;
}

// Pool too low?
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

// Units to ask for on the first ENI with a free slot (before its slots and max pods cap it).
inline ll growth_request(const vpc_stats& s, const vpc_knobs& k) {
    if (!s.prefix_mode) {
        // min(max_ips_per_eni - current, short or max_ips_per_eni): the first term is the
        // ENI's free slots, applied by the caller.
        return warm_target_defined(k) ? short_ips(s, k) : s.max_ips_per_eni;
    }
    if (warm_target_defined(k)) return std::max(ll{1}, div_ceil(short_ips(s, k), 16));
    return std::max(ll{1}, k.warm_prefix.value_or(0) - s.free_prefixes);
}

// over = max(min(max(available - warm_ip, 0), total - minimum_ip), 0)
inline ll over(const vpc_stats& s, const vpc_knobs& k) {
    ll o = std::max(available(s, k) - k.warm_ip.value_or(0), ll{0});
    o = std::min(o, s.total - k.min_ip.value_or(0));
    return std::max(o, ll{0});
}

// over_prefixes = max(min(free_prefixes, total_prefixes - ceil((assigned + warm_ip) / 16),
//                         total_prefixes - ceil(minimum_ip / 16)), 0)
inline ll over_prefixes(const vpc_stats& s, const vpc_knobs& k) {
    const ll needed_for_warm = div_ceil(s.assigned + k.warm_ip.value_or(0), 16);
    const ll needed_for_min = div_ceil(k.min_ip.value_or(0), 16);
    ll o = std::min(s.free_prefixes, s.total_prefixes - needed_for_warm);
    o = std::min(o, s.total_prefixes - needed_for_min);
    return std::max(o, ll{0});
}

// CIDRs to give back when the pool is too high (0: it is not).
inline ll cidrs_over(const vpc_stats& s, const vpc_knobs& k) {
    if (warm_target_defined(k)) return s.prefix_mode ? over_prefixes(s, k) : over(s, k);
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

inline growth_expect expect_growth(const enipool::pool_view& v, ll want) {
    growth_expect g;
    if (want <= 0 || v.growth_in_flight || !v.may_grow) return g;
    const ll cap = max_pods_cap(v);
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

inline growth_expect vpc_expect_growth(const enipool::pool_view& v, const vpc_knobs& k) {
    const vpc_stats s = stats_of(v);
    if (!is_too_low(s, k)) return {};
    return expect_growth(v, growth_request(s, k));
}

inline ll vpc_expect_released(const enipool::pool_view& v, const vpc_knobs& k) {
    const vpc_stats s = stats_of(v);
    if (is_too_low(s, k) || v.shrink_in_flight) return 0;
    if (v.last_shrink && (v.now - *v.last_shrink).count() < seconds_ns(k.shrink_interval_s)) return 0;
    const unsigned length = s.prefix_mode ? 28 : 32;
    return std::min(cidrs_over(s, k), releasable(v, length, k.release_delay_s));
}

// The ENI a plan should detach ("" for none): no growth, no release, not in flight, and the
// last ENI that is not primary / trunk / EFA, serves pods, holds no pod and no cooling
// address, is at least a minute old, whose CIDRs are free for the release delay, and
// without which the pool is still not too low (and in prefix mode keeps WARM_PREFIX_TARGET
// wholly free prefixes).
inline std::string vpc_expect_detach(const enipool::pool_view& v, const vpc_knobs& k) {
    const vpc_stats s = stats_of(v);
    if (is_too_low(s, k) || v.shrink_in_flight || vpc_expect_released(v, k) > 0) return "";
    std::string pick;
    for (const auto& e : v.enis) {
        if (!serves(e) || e.primary || e.trunk || e.efa_only) continue;
        if (e.assigned != 0 || e.cooling != 0) continue;
        if ((v.now - e.attached_at).count() < seconds_ns(k.min_eni_age_s)) continue;
        bool old = true;
        ll free28 = 0;
        for (const auto& f : e.wholly_free) {
            if ((v.now - f.free_since).count() < seconds_ns(k.release_delay_s)) old = false;
            if (f.cidr.length() == 28) ++free28;
        }
        if (!old) continue;
        vpc_stats rest = s;
        rest.total -= to_ll(e.free);
        rest.free -= to_ll(e.free);
        rest.total_prefixes -= e.prefixes;
        rest.free_prefixes -= free28;
        if (is_too_low(rest, k)) continue;
        if (rest.prefix_mode && k.warm_prefix && rest.free_prefixes < *k.warm_prefix) continue;
        pick = e.id;
    }
    return pick;
}

// ------------------------------------------------------------------ Cilium (docs/domain.md section 5)

struct cilium_knobs {
    ll pre = 8, min = 0, max = 0, max_above = 0;
    ll release_delay_s = 180;
};

// Cilium's calculateNeededIPs.
inline ll needed_ips(ll avail, ll used, ll pre, ll min, ll max) {
    ll needed = pre - (avail - used);
    if (min > 0) needed = std::max(needed, min - avail);
    if (max > 0 && avail + needed > max) needed = max - avail;
    if (needed < 0) needed = 0;
    return needed;
}

// Cilium's calculateExcessIPs, with enipool's floor at min-allocate.
inline ll excess_ips(ll avail, ll used, ll pre, ll min, ll max_above) {
    if (used <= min + max_above && avail <= min + max_above) return 0;
    ll excess = avail - used - pre - max_above;
    if (excess < 0) excess = 0;
    if (avail - excess < min) excess = max0(avail - min);
    return excess;
}

inline growth_expect cilium_expect_growth(const enipool::pool_view& v, const cilium_knobs& k) {
    const ll avail = to_ll(v.total), used = to_ll(v.total) - to_ll(v.free);
    if (v.max_pods > 0 && avail >= to_ll(v.max_pods)) return {};
    const ll needed = needed_ips(avail, used, k.pre, k.min, k.max);
    if (needed == 0) return {};
    ll ask = needed + k.max_above;
    if (k.max > 0) ask = std::min(ask, k.max - avail);
    const ll unit = v.mode == enipool::address_mode::prefix ? 16 : 1;
    return expect_growth(v, div_ceil(ask, unit));
}

inline ll cilium_expect_released(const enipool::pool_view& v, const cilium_knobs& k) {
    if (cilium_expect_growth(v, k).units > 0 || v.shrink_in_flight) return 0;
    const ll avail = to_ll(v.total), used = to_ll(v.total) - to_ll(v.free);
    // Needed but unable to grow (in flight, backing off, limits): Cilium still finds no excess.
    if (!(v.max_pods > 0 && avail >= to_ll(v.max_pods)) && needed_ips(avail, used, k.pre, k.min, k.max) > 0) return 0;
    const ll excess = excess_ips(avail, used, k.pre, k.min, k.max_above);
    const bool prefix = v.mode == enipool::address_mode::prefix;
    const ll cidrs = prefix ? excess / 16 : excess;  // whole /28s only in prefix mode
    return std::min(cidrs, releasable(v, prefix ? 28 : 32, k.release_delay_s));
}

} // namespace warm_ref
