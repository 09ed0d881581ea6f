// enipool/detail/cidr_index.hpp: address -> (ENI, slot) for a node pool (internal).
//
// Every /28 prefix, /32 secondary IP and ENI primary IP the pool holds is filed under its
// base address; a second map counts the /32s in each /28 block so that a new /28 can be
// tested for overlap in O(1). The pool files and unfiles CIDRs as its ENIs gain and lose
// slots; this index knows nothing of lanes.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/eni.hpp>

#include <boost/unordered/unordered_flat_map.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace enipool::detail {

class cidr_index {
public:
    /// The slot number filed for an ENI's primary IP.
    static constexpr std::uint8_t primary_slot = 0xFF;

    /// What an entry says: the ENI index, its slot (primary_slot for the primary IP) and
    /// the CIDR's length (28 or 32).
    struct ref {
        std::uint8_t eni = 0;
        std::uint8_t slot = 0;
        std::uint8_t length = 32;
    };

    /// (ENI index, lane) holding a pod address (not a primary IP), or nullopt. O(1).
    [[nodiscard]] std::optional<std::pair<unsigned, unsigned>> locate(ipv4_address a) const noexcept {
        const std::uint32_t v = a.to_uint();
        if (auto p = cidrs_.find(v & ~15u); p != cidrs_.end() && p->second.length == 28)
            return std::pair<unsigned, unsigned>{p->second.eni, p->second.slot * lanes_per_slot + (v & 15u)};
        if (auto p = cidrs_.find(v); p != cidrs_.end() && p->second.length == 32 && p->second.slot != primary_slot)
            return std::pair<unsigned, unsigned>{p->second.eni, p->second.slot * lanes_per_slot};
        return std::nullopt;
    }

    /// The slot of ENI `e` that holds exactly the CIDR `c`, or nullopt. O(1).
    [[nodiscard]] std::optional<unsigned> slot_of(unsigned e, const ipv4_prefix& c) const noexcept {
        auto p = cidrs_.find(c.base().to_uint());
        if (p == cidrs_.end() || p->second.eni != e || p->second.slot == primary_slot ||
            p->second.length != c.length())
            return std::nullopt;
        return p->second.slot;
    }

    /// The entry filed under `base`, or nullopt. O(1).
    [[nodiscard]] std::optional<ref> find(std::uint32_t base) const noexcept {
        auto p = cidrs_.find(base);
        if (p == cidrs_.end()) return std::nullopt;
        return p->second;
    }

    /// Entries filed (CIDRs and primary IPs). O(1).
    [[nodiscard]] std::size_t size() const noexcept { return cidrs_.size(); }

    /// True if `c` (a /28 or /32) overlaps anything filed. O(1).
    [[nodiscard]] bool overlaps(const ipv4_prefix& c) const noexcept {
        const std::uint32_t v = c.base().to_uint();
        if (auto p = cidrs_.find(v & ~15u); p != cidrs_.end() && (p->second.length == 28 || (v & 15u) == 0))
            return true;
        if (c.length() == 28) return block_use_.contains(v);
        return cidrs_.contains(v);
    }

    /// Whether new CIDRs (and a new primary IP) may join: /28 or /32, inside `subnet`,
    /// overlapping neither each other nor anything filed. O(n log n) in the CIDRs.
    /// Errors: `conflicting_grant`.
    [[nodiscard]] result<void> validate(ipv4_prefix subnet, const std::vector<ipv4_prefix>& cidrs,
                                        std::optional<ipv4_address> primary) const {
        std::vector<ipv4_prefix> all = cidrs;
        if (primary) all.push_back(ipv4_prefix::truncate(*primary, 32));
        for (const ipv4_prefix& c : all) {
            if (c.length() != 28 && c.length() != 32)
                return error(errc::conflicting_grant, fmt::format("{} is neither a /28 nor a /32", c));
            if (!subnet.contains(c))
                return error(errc::conflicting_grant, fmt::format("{} is outside the subnet {}", c, subnet));
            if (overlaps(c)) return error(errc::conflicting_grant, fmt::format("{} overlaps what the pool holds", c));
        }
        std::sort(all.begin(), all.end());
        for (std::size_t i = 1; i < all.size(); ++i)
            if (all[i - 1].overlaps(all[i]))
                return error(errc::conflicting_grant, fmt::format("{} and {} overlap", all[i - 1], all[i]));
        return success();
    }

    /// Files slot `slot` of ENI `e` holding `c` (a validated /28 or /32). O(1) amortised.
    void add(unsigned e, unsigned slot, const ipv4_prefix& c) {
        cidrs_.emplace(c.base().to_uint(),
                       ref{static_cast<std::uint8_t>(e), static_cast<std::uint8_t>(slot), static_cast<std::uint8_t>(c.length())});
        if (c.length() == 32) ++block_use_[c.base().to_uint() & ~15u];
    }

    /// Files ENI `e`'s primary IP. O(1) amortised.
    void add_primary(unsigned e, ipv4_address ip) {
        add(e, primary_slot, ipv4_prefix::truncate(ip, 32));
    }

    /// Unfiles `c` (a CIDR or primary IP that is filed). O(1).
    void remove(const ipv4_prefix& c) {
        cidrs_.erase(c.base().to_uint());
        if (c.length() == 32) {
            auto b = block_use_.find(c.base().to_uint() & ~15u);
            if (--b->second == 0) block_use_.erase(b);
        }
    }

private:
    boost::unordered_flat_map<std::uint32_t, ref> cidrs_;               // prefix base / IP -> slot
    boost::unordered_flat_map<std::uint32_t, std::uint16_t> block_use_;  // /28 block -> /32s in it
};

} // namespace enipool::detail
