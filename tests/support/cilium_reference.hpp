// cilium_reference.hpp (tests): Cilium's watermark decisions written plainly, the way
// Cilium's Go reads them (DataDog/cilium@06d2b53 pkg/ipam/node.go: calculateNeededIPs,
// calculateExcessIPs with cilium#28467, getPreAllocate, getMaxAllocate, determineMaintenanceAction;
// cilium/cilium pkg/aws/eni/node.go: PrepareIPRelease, CreateInterface), in signed long long.
// `improved` turns every enipool improvement of cilium_watermarks_config on at once.
#pragma once

#include "warm_reference.hpp"

namespace warm_ref {

struct cilium_knobs {
    ll pre = 8, min = 0, max = 0, max_above = 0;
    ll release_delay_s = 180;
    bool release = false;   // --aws-release-excess-ips
    bool improved = false;  // every improvement on
};

// calculateNeededIPs.
inline ll needed_ips(ll avail, ll used, ll pre, ll min, ll max) {
    ll needed = pre - (avail - used);
    if (min > 0) needed = std::max(needed, min - avail);
    if (max > 0 && avail + needed > max) needed = max - avail;
    if (needed < 0) needed = 0;
    return needed;
}

// calculateExcessIPs (cilium#28467).
inline ll excess_ips(ll avail, ll used, ll pre, ll min, ll max_above) {
    if (used <= min + max_above) {
        if (avail <= min + max_above) return 0;
        if (used + pre <= min + max_above) return avail - min - max_above;
    }
    ll excess = avail - used - pre - max_above;
    if (excess < 0) excess = 0;
    return excess;
}

// The older formula, floored at min-allocate held (legacy_excess_with_min_floor).
inline ll legacy_excess_ips(ll avail, ll used, ll pre, ll min, ll max_above) {
    if (used <= min + max_above && avail <= min + max_above) return 0;
    ll excess = max0(avail - used - pre - max_above);
    if (avail - excess < min) excess = max0(avail - min);
    return excess;
}

inline ll cilium_unit(const enipool::pool_view& v) { return v.mode == enipool::address_mode::prefix ? 16 : 1; }
inline ll cilium_avail(const enipool::pool_view& v) { return to_ll(v.total); }
inline ll cilium_used(const enipool::pool_view& v) { return to_ll(v.total) - to_ll(v.free); }
inline ll cilium_pre(const cilium_knobs& k) { return k.pre == 0 && !k.improved ? 8 : k.pre; }

// IsPrefixDelegated: prefix mode or prefixes held, and no secondary IP held.
inline bool cilium_prefix_delegated(const enipool::pool_view& v) {
    if (v.mode != enipool::address_mode::prefix && v.total_prefixes == 0) return false;
    for (const auto& e : v.enis)
        if (e.serves_pods && e.secondaries > 0) return false;
    return true;
}

// GetUsedIPWithPrefixes while prefix-delegated, else plain used.
inline ll cilium_used_for_excess(const enipool::pool_view& v, const cilium_knobs& k) {
    if (!cilium_prefix_delegated(v) || k.improved) return cilium_used(v);
    ll touched = 0;
    for (const auto& e : v.enis) {
        if (!e.serves_pods) continue;
        ll free28 = 0;
        for (const auto& f : e.wholly_free) free28 += f.cidr.length() == 28 ? 1 : 0;
        touched += ll{e.prefixes} - free28;
    }
    return 16 * touched;
}

inline ll cilium_excess(const enipool::pool_view& v, const cilium_knobs& k) {
    if (!k.release) return 0;
    const ll avail = cilium_avail(v), used = cilium_used_for_excess(v, k);
    return k.improved ? legacy_excess_ips(avail, used, cilium_pre(k), k.min, k.max_above)
                      : excess_ips(avail, used, cilium_pre(k), k.min, k.max_above);
}

inline growth_expect cilium_expect_growth(const enipool::pool_view& v, const cilium_knobs& k) {
    if (cilium_excess(v, k) > 0) return {};  // release comes first
    const ll avail = cilium_avail(v), used = cilium_used(v);
    if (v.max_pods > 0 && avail >= to_ll(v.max_pods)) return {};
    const ll instance_max = ll{v.max_enis} * ll{v.slots_per_eni} * (cilium_prefix_delegated(v) ? 16 : 1);
    const ll needed = needed_ips(avail, used, cilium_pre(k), k.min, k.max > 0 ? k.max : instance_max);
    if (needed == 0) return {};
    ll ask = needed + k.max_above;
    if (k.improved && k.max > 0) ask = std::min(ask, k.max - avail);
    bool slot_free = false;
    for (const auto& e : v.enis) slot_free = slot_free || (serves(e) && e.slots_used < e.slots_total);
    if (!slot_free && !k.improved) ask = std::min(ask, ll{v.slots_per_eni});  // CreateInterface's size
    enipool::pool_view unclipped = v;
    if (!k.improved) unclipped.max_pods = 0;  // no clip to max pods
    return expect_growth(unclipped, div_ceil(ask, cilium_unit(v)));
}

struct release_expect {
    ll cidrs = 0;
    ll addresses = 0;
};

// PrepareIPRelease: ENIs by id; ENIs with prefixes skipped; the first wholly free /32s up to
// the excess; the ENI with the most wins (first on ties). improved: /28s while 16 fit, every
// ENI in view order sharing the excess. Selected CIDRs go once free for the delay.
inline release_expect cilium_expect_released(const enipool::pool_view& v, const cilium_knobs& k) {
    release_expect r;
    const ll excess = cilium_excess(v, k);
    if (excess == 0 || v.shrink_in_flight) return r;
    std::vector<const enipool::eni_view*> enis;
    for (const auto& e : v.enis) enis.push_back(&e);
    if (!k.improved)
        std::stable_sort(enis.begin(), enis.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
    ll left = excess;
    ll best_taken = 0;
    release_expect best;
    for (const auto* e : enis) {
        if (!serves(*e) || (e->prefixes > 0 && !k.improved)) continue;
        ll taken = 0;
        release_expect mine;
        for (const auto& f : e->wholly_free) {
            const ll size = f.cidr.length() == 28 ? 16 : 1;
            if ((size == 16 && !k.improved) || taken + size > left) continue;
            taken += size;
            if ((v.now - f.free_since).count() >= seconds_ns(k.release_delay_s)) {
                ++mine.cidrs;
                mine.addresses += size;
            }
        }
        if (k.improved) {
            left -= taken;
            r.cidrs += mine.cidrs;
            r.addresses += mine.addresses;
        } else if (taken > best_taken) {
            best_taken = taken;
            best = mine;
        }
    }
    return k.improved ? r : best;
}

} // namespace warm_ref
