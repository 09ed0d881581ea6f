// plan_summary.hpp (tests): what a warm strategy's plan asks for, in totals, and the checks
// every plan must pass whatever the strategy (limits, in-flight rules, eligible releases).
#pragma once

#include "warm_reference.hpp"

#include <enipool/actions.hpp>
#include <enipool/pool_view.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace enipool_test {

struct plan_summary {
    int growth_actions = 0;
    bool attach = false;
    std::string grow_eni;               // assign_to_eni's ENI
    long long units = 0;                // prefixes or IPs asked, summed
    enipool::address_mode grow_mode = enipool::address_mode::prefix;
    long long released = 0;             // CIDRs given back, summed
    std::vector<enipool::ipv4_prefix> released_cidrs;
    std::vector<std::string> release_enis;
    int detaches = 0;
    std::string detach_eni;
};

inline plan_summary summarize(const std::vector<enipool::action>& plan) {
    plan_summary s;
    for (const auto& a : plan) {
        if (const auto* at = std::get_if<enipool::attach_eni>(&a)) {
            ++s.growth_actions;
            s.attach = true;
            s.units += at->count;
            s.grow_mode = at->mode;
        } else if (const auto* as = std::get_if<enipool::assign_to_eni>(&a)) {
            ++s.growth_actions;
            s.grow_eni = as->eni_id;
            s.units += as->count;
            s.grow_mode = as->mode;
        } else if (const auto* r = std::get_if<enipool::release_from_eni>(&a)) {
            s.released += static_cast<long long>(r->cidrs.size());
            s.release_enis.push_back(r->eni_id);
            s.released_cidrs.insert(s.released_cidrs.end(), r->cidrs.begin(), r->cidrs.end());
        } else if (const auto* d = std::get_if<enipool::detach_eni>(&a)) {
            ++s.detaches;
            s.detach_eni = d->eni_id;
        }
    }
    return s;
}

inline const enipool::eni_view* find_eni(const enipool::pool_view& v, const std::string& id) {
    for (const auto& e : v.enis)
        if (e.id == id) return &e;
    return nullptr;
}

/// Where a strategy's rules differ: the VPC CNI does not clip growth to max pods and may
/// free an ENI excluded from pod IPs (unless its options say otherwise).
struct plan_rules {
    bool clip_to_max_pods = true;
    bool may_detach_excluded = false;
    bool may_release_freeable = false;  ///< CIDRs no pod holds (cooling, or on an ENI serving none)
};

/// The rules of a strategy's config. O(1).
template <class Config>
plan_rules rules_of(const Config& c) {
    plan_rules r;
    if constexpr (requires { c.clip_growth_to_max_pods; c.strict_detach; c.release_wholly_free_only; }) {
        r.clip_to_max_pods = c.clip_growth_to_max_pods;
        r.may_detach_excluded = !c.strict_detach;
        r.may_release_freeable = !c.release_wholly_free_only;
    }
    return r;
}

/// The rules every strategy's plan keeps (brief: limits, in flight, serving ENIs, eligible
/// releases). Returns "" or what was broken.
inline std::string plan_breaks_rules(const enipool::pool_view& v, const std::vector<enipool::action>& plan,
                                     std::chrono::nanoseconds release_delay, const plan_rules& rules = {}) {
    const plan_summary s = summarize(plan);
    unsigned serving = 0;
    for (const auto& e : v.enis) serving += e.serves_pods ? 1u : 0u;
    const std::uint64_t unit = v.mode == enipool::address_mode::prefix ? 16 : 1;
    if (s.growth_actions > 1) return "more than one growth action";
    if (s.growth_actions == 1) {
        if (v.growth_in_flight) return "growth while growth is in flight";
        if (!v.may_grow) return "growth while the policy backs off";
        if (s.grow_mode != v.mode) return "growth in a mode other than view.mode";
        if (s.units <= 0) return "growth of 0 units";
        if (v.max_pods != 0 && rules.clip_to_max_pods) {
            if (v.total >= v.max_pods) return "growth at max pods";
            // The last unit may pass max_pods, never a whole unit more.
            if (v.total + static_cast<std::uint64_t>(s.units) * unit >= v.max_pods + unit) return "growth past max pods";
        }
        if (s.attach) {
            if (serving >= v.max_enis) return "attach beyond max_enis";
            if (static_cast<unsigned>(s.units) > v.slots_per_eni) return "attach with more than the ENI's slots";
        } else {
            const auto* e = find_eni(v, s.grow_eni);
            if (!e) return "assign to an unknown ENI";
            if (!e->serves_pods) return "assign to an ENI that serves no pods";
            if (static_cast<unsigned>(s.units) > e->slots_total - e->slots_used) return "assign beyond the ENI's free slots";
        }
    }
    if ((s.released > 0 || s.detaches > 0) && v.shrink_in_flight) return "shrink while a shrink is in flight";
    std::set<std::uint32_t> seen;
    for (const auto& a : plan) {
        const auto* r = std::get_if<enipool::release_from_eni>(&a);
        if (!r) continue;
        const auto* e = find_eni(v, r->eni_id);
        if (!e) return "release from an unknown ENI";
        if (rules.may_release_freeable) {
            for (const auto& c : r->cidrs) {
                if (std::find(e->freeable.begin(), e->freeable.end(), c) == e->freeable.end())
                    return "release of a CIDR a pod holds an address of";
                if (!seen.insert(c.base().to_uint()).second) return "a CIDR released twice";
            }
            continue;
        }
        if (!e->serves_pods) return "release from an ENI that serves no pods";
        for (const auto& c : r->cidrs) {
            bool found = false;
            for (const auto& f : e->wholly_free)
                if (f.cidr == c) {
                    found = true;
                    if (v.now - f.free_since < release_delay) return "release before the release delay";
                }
            if (!found) return "release of a CIDR that is not wholly free on that ENI";
            if (!seen.insert(c.base().to_uint()).second) return "a CIDR released twice";
        }
    }
    if (s.detaches > 1) return "more than one detach";
    if (s.detaches == 1) {
        const auto* e = find_eni(v, s.detach_eni);
        if (!e || e->primary || e->trunk || e->efa_only || e->efa) return "detach of a protected ENI";
        if (!e->serves_pods && !(rules.may_detach_excluded && e->excluded)) return "detach of an ENI serving no pods";
        if (e->assigned != 0 || e->cooling != 0) return "detach of an ENI with pods or cooling addresses";
    }
    return "";
}

/// A strategy's plan for `v`, with a Catch check that it keeps the rules above.
template <class Strategy>
std::vector<enipool::action> checked_plan(const typename Strategy::config& c, const enipool::pool_view& v) {
    auto plan = Strategy(c).plan(v);
    const std::string broken = plan_breaks_rules(v, plan, c.release_delay, rules_of(c));
    INFO(broken);
    CHECK(broken.empty());
    return plan;
}

/// "" when a plan's growth and releases are what the reference expects (growth units, attach
/// or the ENI filled, CIDRs released, all of the view's mode), else what differs.
inline std::string differs_from_reference(const enipool::pool_view& v, const plan_summary& s,
                                          const warm_ref::growth_expect& g, long long released,
                                          bool releases_either_kind = false) {
    if (s.units != g.units) return "growth units differ";
    if (g.units > 0 && s.attach != g.attach) return "attach versus assign differs";
    if (g.units > 0 && !g.attach && s.grow_eni != g.eni_id) return "the ENI to fill differs";
    if (s.released != released) return "CIDRs released differ";
    const unsigned length = v.mode == enipool::address_mode::prefix ? 28u : 32u;
    for (const auto& cidr : s.released_cidrs)
        if (!releases_either_kind && cidr.length() != length) return "a released CIDR of the other mode";
    return "";
}

} // namespace enipool_test
