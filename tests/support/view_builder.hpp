// view_builder.hpp (tests): builds consistent pool_views by hand, CIDR by CIDR.
//
// Every count of the view (total, assigned, cooling, free, prefixes, wholly free CIDRs) is
// summed from the CIDRs added, so a worked example states only what each CIDR holds.
// Addresses are documentation-style 10.x ranges: pure model, no interface is configured.
#pragma once

#include <enipool/pool_view.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace enipool_test {

using namespace std::chrono_literals;

class view_builder {
public:
    /// `slots` is ipv4_per_eni - 1 (9 for an m5.large), `max_enis` the ENIs that may serve pods.
    view_builder(enipool::address_mode mode, unsigned slots, unsigned max_enis, std::uint64_t max_pods = 0) {
        v_.mode = mode;
        v_.slots_per_eni = slots;
        v_.max_enis = max_enis;
        v_.max_pods = max_pods;
    }

    view_builder& now(enipool::timestamp t) { v_.now = t; return *this; }
    view_builder& may_grow(bool b) { v_.may_grow = b; return *this; }
    view_builder& growth_in_flight(bool b) { v_.growth_in_flight = b; return *this; }
    view_builder& shrink_in_flight(bool b) { v_.shrink_in_flight = b; return *this; }
    view_builder& last_shrink(enipool::timestamp t) { v_.last_shrink = t; return *this; }

    /// The pool's network card (before the first eni()): its ENIs are on it; above card 0
    /// none of them is the primary.
    view_builder& card(unsigned c) { v_.network_card = c; return *this; }

    /// Starts a new ENI serving pods; the first one is the primary (device index 0 of card 0).
    view_builder& eni(enipool::timestamp attached_at = {}) {
        enipool::eni_view e;
        e.device_index = static_cast<unsigned>(v_.enis.size());
        e.id = "eni-" + std::to_string(e.device_index);
        e.network_card = v_.network_card;
        e.primary = e.device_index == 0 && v_.network_card == 0;
        e.slots_total = v_.slots_per_eni;
        e.attached_at = attached_at;
        v_.enis.push_back(std::move(e));
        return *this;
    }
    /// Starts an ENI excluded from pod IPs (no_manage tag or excluded subnet): serves no pods.
    view_builder& excluded(enipool::timestamp attached_at = {}) {
        eni(attached_at);
        v_.enis.back().serves_pods = false;
        v_.enis.back().excluded = true;
        return *this;
    }
    /// Starts an ENI of interface type efa (serves pods, never freed).
    view_builder& efa(enipool::timestamp attached_at = {}) {
        eni(attached_at);
        v_.enis.back().efa = true;
        return *this;
    }
    /// Starts a trunk ENI (serves no pods, holds nothing).
    view_builder& trunk() {
        eni();
        auto& e = v_.enis.back();
        e.serves_pods = false;
        e.trunk = true;
        return *this;
    }
    /// Adds a /28 to the current ENI with `assigned` and `cooling` of its 16 addresses.
    view_builder& prefix(unsigned assigned, unsigned cooling = 0, enipool::timestamp free_since = {}) {
        auto& e = v_.enis.back();
        const auto cidr = enipool::ipv4_prefix::truncate(
            enipool::ipv4_address(10, static_cast<std::uint8_t>(e.device_index), static_cast<std::uint8_t>(e.slots_used), 0), 28);
        ++e.slots_used;
        ++e.prefixes;
        if (assigned == 0 || !e.serves_pods) {
            ++e.unassigned_prefixes;
            e.freeable.push_back(cidr);
        }
        if (!e.serves_pods) return *this;  // an ENI serving no pods holds no lane
        e.assigned += assigned;
        e.cooling += cooling;
        e.free += 16 - assigned - cooling;
        e.prefix_lanes.total += 16;
        e.prefix_lanes.cooling += cooling;
        e.prefix_lanes.free += 16 - assigned - cooling;
        if (assigned == 0 && cooling == 0) e.wholly_free.push_back({cidr, free_since});
        return *this;
    }
    /// Adds a /32 secondary IP to the current ENI: 'a' assigned, 'c' cooling, 'f' free.
    view_builder& secondary(char state, enipool::timestamp free_since = {}) {
        auto& e = v_.enis.back();
        const auto cidr = enipool::ipv4_prefix::truncate(
            enipool::ipv4_address(10, static_cast<std::uint8_t>(100 + e.device_index), static_cast<std::uint8_t>(e.slots_used), 1), 32);
        ++e.slots_used;
        ++e.secondaries;
        if (state != 'a' || !e.serves_pods) {
            ++e.unassigned_secondaries;
            e.freeable.push_back(cidr);
        }
        if (!e.serves_pods) return *this;  // an ENI serving no pods holds no lane
        (state == 'a' ? e.assigned : state == 'c' ? e.cooling : e.free) += 1;
        e.secondary_lanes.total += 1;
        if (state == 'c') e.secondary_lanes.cooling += 1;
        if (state == 'f') e.secondary_lanes.free += 1;
        if (state == 'f') e.wholly_free.push_back({cidr, free_since});
        return *this;
    }
    /// n secondary IPs of one state.
    view_builder& secondaries(unsigned n, char state, enipool::timestamp free_since = {}) {
        for (unsigned i = 0; i < n; ++i) secondary(state, free_since);
        return *this;
    }

    /// The view with every count summed over the ENIs serving pods.
    [[nodiscard]] enipool::pool_view build() const {
        enipool::pool_view v = v_;
        v.total = v.assigned = v.cooling = v.free = 0;
        v.total_prefixes = v.free_prefixes = 0;
        for (const auto& e : v.enis) {
            if (!e.serves_pods) continue;
            v.assigned += e.assigned;
            v.cooling += e.cooling;
            v.free += e.free;
            v.total_prefixes += e.prefixes;
            for (const auto& f : e.wholly_free)
                if (f.cidr.length() == 28) ++v.free_prefixes;
        }
        v.total = v.assigned + v.cooling + v.free;
        return v;
    }

private:
    enipool::pool_view v_;
};

} // namespace enipool_test
