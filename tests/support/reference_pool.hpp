// reference_pool.hpp: a naive node pool on std::map / std::set, the model the RapidCheck
// tests compare `enipool::node_pool` against. Written for obviousness, not speed: every
// address is an element of one set (free), one map (assigned) or one list (cooling); CIDRs
// being released or detached are "leaving" and in none of them.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/pool_view.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace pool_test {

template <class Key>
struct reference_pool {
    struct cidr_info {
        std::string eni;
        unsigned length = 28;
        bool serves = true;
        bool leaving = false;
    };

    std::chrono::nanoseconds cooldown{};
    bool reclaim = false;
    std::uint64_t max_pods = 0;
    std::map<std::uint32_t, cidr_info> cidrs;  // base -> CIDR
    std::set<std::uint32_t> free;
    std::map<Key, std::uint32_t> assigned;
    std::deque<std::pair<std::uint32_t, enipool::timestamp>> cooling;  // release order

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

    void add_cidr(const std::string& eni, enipool::ipv4_prefix c, bool serves) {
        cidrs[c.base().to_uint()] = cidr_info{eni, c.length(), serves, false};
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

    /// What assign must do: the same address, an error, or any free address (nullopt + ok).
    struct expectation {
        std::optional<enipool::errc> error;
        std::optional<std::uint32_t> exact;  // when set, the address must be this one
    };

    expectation expect_assign(const Key& k, enipool::timestamp now) {
        drain(now);
        if (auto it = assigned.find(k); it != assigned.end()) return {std::nullopt, it->second};
        if (max_pods != 0 && assigned.size() >= max_pods) return {enipool::errc::max_pods_reached, std::nullopt};
        if (!free.empty()) return {};
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
