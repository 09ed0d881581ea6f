// reference_pool.hpp: a naive node pool on std::map / std::set, the model the RapidCheck
// tests compare `enipool::node_pool` against. Written for obviousness, not speed: every
// address is an element of one set (free), one map (assigned) or one list (cooling); CIDRs
// being released or detached are "leaving" and in none of them.
//
// It also predicts which free address an assign hands out, for each packing
// (include/enipool/packing.hpp), from the layout the pool documents: an ENI takes the first
// vacant entry of the pool's ENI list (or a new one at its end), a CIDR the first empty slot
// of its ENI, and address `base + i` of the CIDR in slot `s` is lane `16 * s + i`.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/pool_view.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace pool_test {

/// The packings the model predicts (enipool::lowest_lane, fullest_prefix, spread), or
/// `any_free`: any free address will do (for a pool with an order of its own, such as the
/// VPC CNI port's).
enum class packing_rule { lowest_lane, fullest_prefix, spread, any_free };

template <class Key>
struct reference_pool {
    static constexpr unsigned lanes_per_slot = 16, slots_per_eni = 63, max_entries = 64;

    struct cidr_info {
        std::string eni;
        unsigned length = 28;
        bool serves = true;
        bool leaving = false;
        unsigned slot = 0;  // its slot on the ENI
    };

    std::chrono::nanoseconds cooldown{};
    bool reclaim = false;
    std::uint64_t max_pods = 0;
    std::map<std::uint32_t, cidr_info> cidrs;  // base -> CIDR
    std::set<std::uint32_t> free;
    std::map<Key, std::uint32_t> assigned;
    std::deque<std::pair<std::uint32_t, enipool::timestamp>> cooling;  // release order

    packing_rule packing = packing_rule::lowest_lane;
    std::vector<std::string> entries;  // the pool's ENI entries in order; "" = vacant
    // spread's round robin: the entry and, per entry, the slot it picked last
    unsigned spread_last_entry = max_entries - 1;
    std::array<unsigned, max_entries> spread_last_slot = filled(slots_per_eni - 1);
    static constexpr std::array<unsigned, max_entries> filled(unsigned v) {
        std::array<unsigned, max_entries> a{};
        a.fill(v);
        return a;
    }

    static std::uint64_t size_of(unsigned length) { return std::uint64_t{1} << (32 - length); }

    // The CIDR holding `a`, if any.
    std::optional<std::uint32_t> cidr_of(std::uint32_t a) const {
        auto it = cidrs.upper_bound(a);
        if (it == cidrs.begin()) return std::nullopt;
        --it;
        if (a < it->first + size_of(it->second.length)) return it->first;
        return std::nullopt;
    }
    bool is_cooling(std::uint32_t a) const {
        for (const auto& c : cooling)
            if (c.first == a) return true;
        return false;
    }
    bool holder(std::uint32_t a) const {
        for (const auto& [k, v] : assigned)
            if (v == a) return true;
        return false;
    }

    void drain(enipool::timestamp now) {
        while (!cooling.empty() && cooling.front().second + cooldown < now) {  // cooling through its last instant
            free.insert(cooling.front().first);
            cooling.pop_front();
        }
    }

    // ENI entries: a new ENI takes the first vacant entry; a removed one leaves its vacant.
    void add_eni(const std::string& id) {
        for (auto& e : entries)
            if (e.empty()) {
                e = id;
                return;
            }
        entries.push_back(id);
    }
    void remove_eni(const std::string& id) { entries.at(entry_of(id)) = ""; }
    unsigned entry_of(const std::string& id) const {
        for (unsigned i = 0; i < entries.size(); ++i)
            if (entries[i] == id) return i;
        throw std::logic_error("the model knows no ENI " + id);
    }

    // A CIDR takes the first empty slot of its ENI (the ENI must have been added).
    void add_cidr(const std::string& eni, enipool::ipv4_prefix c, bool serves) {
        (void)entry_of(eni);
        std::set<unsigned> used;
        for (const auto& [b, info] : cidrs)
            if (info.eni == eni) used.insert(info.slot);
        unsigned slot = 0;
        while (used.count(slot)) ++slot;
        cidrs[c.base().to_uint()] = cidr_info{eni, c.length(), serves, false, slot};
        if (serves)
            for (std::uint64_t i = 0; i < c.size(); ++i) free.insert(c.base().to_uint() + static_cast<std::uint32_t>(i));
    }
    bool wholly_free(std::uint32_t base) const {
        const auto& info = cidrs.at(base);
        if (!info.serves || info.leaving) return false;
        for (std::uint64_t i = 0; i < size_of(info.length); ++i)
            if (!free.count(base + static_cast<std::uint32_t>(i))) return false;
        return true;
    }
    // No pod holds an address of it and it is not leaving (ipamd's FindFreeableCidrs): a
    // release may take it.
    bool freeable(std::uint32_t base) const {
        const auto& info = cidrs.at(base);
        if (info.leaving) return false;
        if (!info.serves) return true;
        for (std::uint64_t i = 0; i < size_of(info.length); ++i) {
            const auto a = base + static_cast<std::uint32_t>(i);
            if (!free.count(a) && !is_cooling(a)) return false;
        }
        return true;
    }
    // A released CIDR's cooling addresses go with it: they leave the cooldown, free.
    void drop_cooling(std::uint32_t base) {
        const auto size = size_of(cidrs.at(base).length);
        for (auto it = cooling.begin(); it != cooling.end();) {
            if (it->first >= base && it->first < base + size) {
                free.insert(it->first);
                it = cooling.erase(it);
            } else {
                ++it;
            }
        }
    }
    void set_leaving(std::uint32_t base, bool on) {
        auto& info = cidrs.at(base);
        info.leaving = on;
        for (std::uint64_t i = 0; i < size_of(info.length); ++i) {
            if (on) {
                free.erase(base + static_cast<std::uint32_t>(i));
            } else if (info.serves) {
                free.insert(base + static_cast<std::uint32_t>(i));
            }
        }
    }
    void remove_cidr(std::uint32_t base) {
        const auto info = cidrs.at(base);
        for (std::uint64_t i = 0; i < size_of(info.length); ++i) free.erase(base + static_cast<std::uint32_t>(i));
        cidrs.erase(base);
    }
    std::vector<std::uint32_t> cidrs_of(const std::string& eni) const {
        std::vector<std::uint32_t> out;
        for (const auto& [b, info] : cidrs)
            if (info.eni == eni) out.push_back(b);
        return out;
    }
    bool eni_busy(const std::string& eni) const {
        for (const auto& [k, a] : assigned)
            if (cidrs.at(*cidr_of(a)).eni == eni) return true;
        for (const auto& c : cooling)
            if (cidrs.at(*cidr_of(c.first)).eni == eni) return true;
        return false;
    }

    /// What assign must do: an error, or hand out `exact` (when not set: any free address,
    /// only under packing_rule::any_free).
    struct expectation {
        std::optional<enipool::errc> error;
        std::optional<std::uint32_t> exact;
        bool picked = false;  // the packing chose `exact` among the free addresses
    };

    /// The free address the packing hands out next (free must not be empty): the lane,
    /// as (entry, lane), that include/enipool/packing.hpp's rule names. O(free log free).
    std::uint32_t next_pick() const {
        std::map<std::pair<unsigned, unsigned>, std::uint32_t> lanes;  // (entry, lane) -> address
        for (const std::uint32_t a : free) {
            const std::uint32_t base = *cidr_of(a);
            const cidr_info& info = cidrs.at(base);
            lanes[{entry_of(info.eni), info.slot * lanes_per_slot + (a - base)}] = a;
        }
        const auto first_from = [&](unsigned entry, unsigned lane) {  // lowest lane >= `lane` of the entry
            auto it = lanes.lower_bound({entry, lane});
            return it != lanes.end() && it->first.first == entry ? it : lanes.end();
        };
        switch (packing) {
        case packing_rule::lowest_lane:
        case packing_rule::any_free: return lanes.begin()->second;
        case packing_rule::fullest_prefix: {
            // the slot with the fewest free lanes; the lowest (entry, slot) on a tie
            std::map<std::pair<unsigned, unsigned>, unsigned> free_in_slot;
            for (const auto& [where, a] : lanes) ++free_in_slot[{where.first, where.second / lanes_per_slot}];
            auto best = free_in_slot.begin();
            for (auto it = free_in_slot.begin(); it != free_in_slot.end(); ++it)
                if (it->second < best->second) best = it;
            return first_from(best->first.first, best->first.second * lanes_per_slot)->second;
        }
        case packing_rule::spread: {
            // the next entry with a free lane after the last one picked, wrapping; on it, the
            // first free lane from the slot after the one it gave last, wrapping
            for (unsigned step = 1; step <= max_entries; ++step) {
                const unsigned e = (spread_last_entry + step) % max_entries;
                if (first_from(e, 0) == lanes.end()) continue;
                const unsigned from = (spread_last_slot[e] + 1) % slots_per_eni * lanes_per_slot;
                auto it = first_from(e, from);
                if (it == lanes.end()) it = first_from(e, 0);
                return it->second;
            }
        }
        }
        throw std::logic_error("next_pick with no free address");
    }
    /// Records that the packing handed out `a` (spread remembers where it was).
    void did_pick(std::uint32_t a) {
        const std::uint32_t base = *cidr_of(a);
        spread_last_entry = entry_of(cidrs.at(base).eni);
        spread_last_slot[spread_last_entry] = cidrs.at(base).slot;
    }

    expectation expect_assign(const Key& k, enipool::timestamp now) {
        drain(now);
        if (auto it = assigned.find(k); it != assigned.end()) return {std::nullopt, it->second};
        if (max_pods != 0 && assigned.size() >= max_pods) return {enipool::errc::max_pods_reached, std::nullopt};
        if (!free.empty() && packing == packing_rule::any_free) return {};
        if (!free.empty()) return {std::nullopt, next_pick(), true};
        if (reclaim && !cooling.empty()) return {std::nullopt, cooling.front().first};
        return {enipool::errc::no_available_addresses, std::nullopt};
    }
    /// Records a successful assign of `a` to `k`.
    void did_assign(const Key& k, std::uint32_t a) {
        if (assigned.count(k)) return;
        if (!free.erase(a)) {
            for (auto it = cooling.begin(); it != cooling.end(); ++it)
                if (it->first == a) {
                    cooling.erase(it);
                    break;
                }
        }
        assigned[k] = a;
    }

    std::optional<enipool::errc> expect_assign_specific(const Key& k, std::uint32_t a, enipool::timestamp now) {
        drain(now);
        if (auto it = assigned.find(k); it != assigned.end())
            return it->second == a ? std::nullopt : std::optional(enipool::errc::pod_key_conflict);
        const auto c = cidr_of(a);
        if (!c) return enipool::errc::address_not_in_pool;
        const auto& info = cidrs.at(*c);
        if (!info.serves) return enipool::errc::eni_excluded;
        if (holder(a)) return enipool::errc::address_already_in_datastore;
        if (info.leaving || is_cooling(a)) return enipool::errc::address_in_use;
        if (max_pods != 0 && assigned.size() >= max_pods) return enipool::errc::max_pods_reached;
        return std::nullopt;
    }

    std::optional<std::uint32_t> release(const Key& k, enipool::timestamp now) {
        auto it = assigned.find(k);
        if (it == assigned.end()) return std::nullopt;
        const std::uint32_t a = it->second;
        assigned.erase(it);
        if (cooldown == std::chrono::nanoseconds::zero()) {
            free.insert(a);
        } else {
            cooling.emplace_back(a, now);
        }
        return a;
    }
};

} // namespace pool_test
