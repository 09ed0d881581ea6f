// enipool/subnet.hpp: EC2's side of one subnet: secondary-IP and aligned-/28 allocation,
// EC2's 5 reserved addresses, CIDR reservations, EC2's errors and fragmentation figures.
//
// A subnet is a /16 .. /28 (at most 65,536 addresses, 4,096 aligned /28 blocks). Its state:
//  - a 16-bit mask per /28 block of the free addresses (not allocated, not EC2-reserved);
//  - a 16-bit mask per block of the addresses inside a CIDR reservation;
//  - `hierarchical_bitset<65536>` of the addresses `allocate_address` may hand out (free and
//    outside every reservation);
//  - `hierarchical_bitset<4096>` of wholly free blocks outside every reservation, and another
//    of wholly free blocks inside `prefix` reservations (`allocate_prefix` takes these first);
//  - counters of blocks by their largest free aligned run (for the largest free block).
// Every allocate / release touches one block: a few mask operations plus O(levels) bitset
// steps, so the free-block bitsets are exact at all times and no operation scans.
#pragma once

#include <enipool/bitset.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace enipool {

/// The two kinds of EC2 subnet CIDR reservation.
enum class reservation_type : std::uint8_t {
    prefix,    ///< EC2 hands /28 prefixes out of it first
    explicit_, ///< EC2's `explicit` (a C++ keyword): never assigned automatically
};

/// How `subnet::allocate_address` picks among free addresses.
enum class allocation_strategy : std::uint8_t {
    lowest, ///< the lowest free address (deterministic, packs the subnet)
    random, ///< a seeded random free address (EC2 scatters addresses: this fragments)
};

/// One CIDR reservation of a subnet.
struct subnet_reservation {
    ipv4_prefix cidr;
    reservation_type type = reservation_type::prefix;
    friend bool operator==(const subnet_reservation&, const subnet_reservation&) = default;
};

namespace detail {

// Largest aligned run of set bits in a 64-bit word, as log2 of its length (0..6), or -1
// when the word is 0. Aligned means a run of 2^k bits starting at a multiple of 2^k.
[[nodiscard]] constexpr int largest_aligned_run(std::uint64_t w) noexcept {
    if (w == 0) return -1;
    constexpr std::array<std::uint64_t, 6> keep = {
        0x5555555555555555u, 0x1111111111111111u, 0x0101010101010101u,
        0x0001000100010001u, 0x0000000100000001u, 0x0000000000000001u};
    int level = 0;
    for (unsigned s = 0; s < 6; ++s) {
        w = w & (w >> (1u << s)) & keep[s];
        if (w == 0) return level;
        ++level;
    }
    return level;
}

// The class of a /28 block's 16-bit free mask: 0 when empty, else 1 + log2 of its largest
// aligned free run (1: a single address .. 5: the whole block). Branch-free.
[[nodiscard]] constexpr std::size_t block_class(std::uint16_t m) noexcept {
    const unsigned x0 = m;
    const unsigned x1 = x0 & (x0 >> 1) & 0x5555u;
    const unsigned x2 = x1 & (x1 >> 2) & 0x1111u;
    const unsigned x3 = x2 & (x2 >> 4) & 0x0101u;
    const unsigned x4 = x3 & (x3 >> 8) & 0x0001u;
    return std::size_t{x0 != 0} + std::size_t{x1 != 0} + std::size_t{x2 != 0} +
           std::size_t{x3 != 0} + std::size_t{x4 != 0};
}

} // namespace detail

/// EC2's side of one subnet (/16 .. /28): who holds which address, and which aligned /28
/// blocks are still wholly free.
///
/// Figures (free addresses, free blocks, fragmentation) cover the part of the subnet outside
/// CIDR reservations, i.e. what EC2 hands out automatically; free blocks inside `prefix`
/// reservations are counted apart (`reserved_free_blocks`).
///
/// Allocation rules (EC2's): the 5 reserved addresses (first four, last) are never handed
/// out; single addresses are never taken from reservations automatically; prefixes come
/// from `prefix` reservations first, then from the rest, never from `explicit` ones.
/// `allocate_specific` may place an address or prefix anywhere that is free (inside
/// reservations too), as EC2 lets a caller name an address of an explicit reservation.
///
/// Every operation that fails leaves the subnet exactly as it was. Errors on the
/// allocate / release paths carry no detail (no allocation on failure). Not thread-safe.
/// About 30 KiB, inline storage; copyable and comparable.
class subnet {
public:
    static constexpr std::size_t max_addresses = 65536;
    static constexpr std::size_t max_blocks = 4096;

    /// A subnet over `cidr` with every address free. `seed` drives the random strategy.
    /// O(size / 16). Errors: `unsupported_subnet_size` (not /16 .. /28).
    [[nodiscard]] static result<subnet> create(ipv4_prefix cidr, std::uint64_t seed = 0x5eed) {
        if (cidr.length() < 16 || cidr.length() > 28)
            return error(errc::unsupported_subnet_size,
                         fmt::format("{} is a /{}", cidr.to_string(), cidr.length()));
        return subnet(cidr, seed);
    }

    // --- figures: all O(1) except largest_free_block ------------------------------------

    /// The subnet's CIDR. O(1).
    [[nodiscard]] const ipv4_prefix& cidr() const noexcept { return cidr_; }
    /// Addresses in the subnet (2^(32 - length)). O(1).
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Aligned /28 blocks in the subnet. O(1).
    [[nodiscard]] std::size_t block_count() const noexcept { return blocks_; }
    /// Free addresses outside reservations (what allocate_address can hand out). O(1).
    [[nodiscard]] std::size_t free_addresses() const noexcept { return avail_.count(); }
    /// Wholly free aligned /28 blocks outside reservations. O(1).
    [[nodiscard]] std::size_t free_blocks() const noexcept { return free_blocks_.count(); }
    /// Wholly free aligned /28 blocks inside `prefix` reservations. O(1).
    [[nodiscard]] std::size_t reserved_free_blocks() const noexcept {
        return reserved_free_blocks_.count();
    }
    /// Addresses allocated one by one (ENI primary and secondary IPs). O(1).
    [[nodiscard]] std::size_t allocated_addresses() const noexcept { return singles_; }
    /// /28 prefixes allocated. O(1).
    [[nodiscard]] std::size_t allocated_prefixes() const noexcept { return prefixes_; }
    /// `1 - 16 * free_blocks / free_addresses` over the unreserved part: 0 when every free
    /// address lies in a wholly free /28, near 1 when free addresses are scattered; 0 when no
    /// address is free. O(1).
    [[nodiscard]] double fragmentation() const noexcept {
        const std::size_t free = free_addresses();
        if (free == 0) return 0.0;
        return 1.0 - 16.0 * static_cast<double>(free_blocks()) / static_cast<double>(free);
    }
    /// Size (in addresses: 1, 2, 4, ... 65536) of the largest naturally aligned block whose
    /// addresses are all free outside reservations; 0 when none is free.
    /// Cost: O(1) when no /28 is wholly free (per-class block counters); otherwise one pass
    /// over the free-block bitset's words, at most 64 words of ~20 operations each.
    [[nodiscard]] std::size_t largest_free_block() const noexcept {
        if (free_blocks_.empty()) {
            for (int k = 3; k >= 0; --k)
                if (class_count_[static_cast<std::size_t>(k + 1)] != 0)
                    return std::size_t{1} << k;
            return 0;
        }
        const std::size_t words = (blocks_ + 63) / 64;
        std::uint64_t full_words = 0;
        int best = 0;
        for (std::size_t i = 0; i < words; ++i) {
            const std::uint64_t w = free_blocks_.word_at(i);
            best = std::max(best, detail::largest_aligned_run(w));
            if (w == ~std::uint64_t{0}) full_words |= std::uint64_t{1} << i;
        }
        if (full_words != 0) best = 6 + detail::largest_aligned_run(full_words);
        return std::size_t{16} << best;
    }

    // --- allocation --------------------------------------------------------------------

    /// Hands out one free address outside reservations. O(levels): one find in the
    /// address bitset (random: a random position, then the next free one, wrapping).
    /// Errors: `insufficient_free_addresses`.
    [[nodiscard]] result<ipv4_address> allocate_address(
        allocation_strategy strategy = allocation_strategy::lowest) noexcept {
        if (avail_.empty()) return errc::insufficient_free_addresses;
        const std::size_t pos = strategy == allocation_strategy::lowest
                                    ? avail_.find_first()
                                    : avail_.find_next_wrapping(random_below(size_));
        take(pos >> 4, bit_of(pos));
        ++singles_;
        return address_at(pos);
    }

    /// Hands out `n` addresses, all or nothing (EC2's SecondaryPrivateIpAddressCount).
    /// O(n * levels). Errors: `insufficient_free_addresses` (fewer than n free).
    [[nodiscard]] result<std::vector<ipv4_address>> allocate_addresses(
        std::size_t n, allocation_strategy strategy = allocation_strategy::lowest) {
        if (n > free_addresses()) return errc::insufficient_free_addresses;
        std::vector<ipv4_address> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) out.push_back(*allocate_address(strategy));
        return out;
    }

    /// Hands out the lowest wholly free aligned /28: from `prefix` reservations first, then
    /// from the unreserved part. O(levels). Errors: `insufficient_cidr_blocks` (no wholly
    /// free block, though free addresses may remain).
    [[nodiscard]] result<ipv4_prefix> allocate_prefix() noexcept {
        std::size_t b = reserved_free_blocks_.find_first();
        if (b == reserved_free_blocks_.npos) b = free_blocks_.find_first();
        if (b == free_blocks_.npos) return errc::insufficient_cidr_blocks;
        take(b, full_block);
        block_flags_[b] |= flag_prefix_allocated;
        ++prefixes_;
        return block_prefix(b);
    }

    /// Hands out `n` /28 prefixes, all or nothing (EC2's Ipv4PrefixCount). O(n * levels).
    /// Errors: `insufficient_cidr_blocks` (fewer than n wholly free blocks available).
    [[nodiscard]] result<std::vector<ipv4_prefix>> allocate_prefixes(std::size_t n) {
        if (n > free_blocks() + reserved_free_blocks()) return errc::insufficient_cidr_blocks;
        std::vector<ipv4_prefix> out;
        out.reserve(n);
        for (std::size_t i = 0; i < n; ++i) out.push_back(*allocate_prefix());
        return out;
    }

    /// Allocates this very address (rebuilding a real subnet, static addresses); it may lie
    /// inside a reservation. O(levels). Errors: `address_not_in_subnet`, `address_reserved`
    /// (one of EC2's 5), `already_allocated`.
    [[nodiscard]] result<void> allocate_specific(ipv4_address a) noexcept {
        if (!cidr_.contains(a)) return errc::address_not_in_subnet;
        const std::size_t pos = offset_of(a);
        const std::size_t b = pos >> 4;
        if (ec2_mask(b) & bit_of(pos)) return errc::address_reserved;
        if (!(free_mask_[b] & bit_of(pos))) return errc::already_allocated;
        take(b, bit_of(pos));
        ++singles_;
        return success();
    }

    /// Allocates this very /28 prefix (a /32 is taken as a single address). O(levels).
    /// Errors: `invalid_prefix` (neither /28 nor /32), `address_not_in_subnet`,
    /// `address_reserved` (it holds one of EC2's 5), `already_allocated` (an address of it
    /// is taken).
    [[nodiscard]] result<void> allocate_specific(const ipv4_prefix& p) noexcept {
        if (p.length() == 32) return allocate_specific(p.base());
        if (p.length() != 28) return errc::invalid_prefix;
        if (!cidr_.contains(p)) return errc::address_not_in_subnet;
        const std::size_t b = offset_of(p.base()) >> 4;
        if (ec2_mask(b) != 0) return errc::address_reserved;
        if (free_mask_[b] != full_block) return errc::already_allocated;
        take(b, full_block);
        block_flags_[b] |= flag_prefix_allocated;
        ++prefixes_;
        return success();
    }

    /// Gives back an address handed out alone. O(levels). Errors: `address_not_in_subnet`,
    /// `address_reserved` (one of EC2's 5), `not_allocated` (free, or part of a prefix).
    [[nodiscard]] result<void> release(ipv4_address a) noexcept {
        if (!cidr_.contains(a)) return errc::address_not_in_subnet;
        const std::size_t pos = offset_of(a);
        const std::size_t b = pos >> 4;
        if (ec2_mask(b) & bit_of(pos)) return errc::address_reserved;
        if ((free_mask_[b] & bit_of(pos)) || (block_flags_[b] & flag_prefix_allocated))
            return errc::not_allocated;
        give(b, bit_of(pos));
        --singles_;
        return success();
    }

    /// Gives back a /28 prefix (a /32 is released as a single address). It returns to the
    /// reservation it lies in, if any. O(levels). Errors: `invalid_prefix` (neither /28 nor
    /// /32), `address_not_in_subnet`, `not_allocated` (not allocated as a prefix).
    [[nodiscard]] result<void> release(const ipv4_prefix& p) noexcept {
        if (p.length() == 32) return release(p.base());
        if (p.length() != 28) return errc::invalid_prefix;
        if (!cidr_.contains(p)) return errc::address_not_in_subnet;
        const std::size_t b = offset_of(p.base()) >> 4;
        if (!(block_flags_[b] & flag_prefix_allocated)) return errc::not_allocated;
        block_flags_[b] = static_cast<std::uint8_t>(block_flags_[b] & ~flag_prefix_allocated);
        give(b, full_block);
        --prefixes_;
        return success();
    }

    // --- reservations ------------------------------------------------------------------

    /// Reserves `cidr` (EC2's CreateSubnetCidrReservation). A `prefix` reservation must be
    /// /28 or larger. O(addresses in cidr / 16 + reservations).
    /// Errors: `address_not_in_subnet`, `invalid_prefix` (prefix reservation smaller than a
    /// /28), `reservation_overlap` (overlaps a reservation or an allocated address).
    [[nodiscard]] result<void> reserve(const ipv4_prefix& r, reservation_type type) {
        if (!cidr_.contains(r))
            return error(errc::address_not_in_subnet,
                         fmt::format("{} is not inside {}", r.to_string(), cidr_.to_string()));
        if (type == reservation_type::prefix && r.length() > 28)
            return error(errc::invalid_prefix,
                         fmt::format("{}: a prefix reservation must be a /28 or larger",
                                     r.to_string()));
        for (const auto& other : reservations_)
            if (other.cidr.overlaps(r))
                return error(errc::reservation_overlap,
                             fmt::format("{} overlaps the reservation {}", r.to_string(),
                                         other.cidr.to_string()));
        const auto [b0, b1] = block_range(r);
        for (std::size_t b = b0; b < b1; ++b) {
            const std::uint16_t allocated =
                static_cast<std::uint16_t>(~free_mask_[b] & ~ec2_mask(b) & range_mask(r, b));
            if (allocated != 0)
                return error(errc::reservation_overlap,
                             fmt::format("{} holds the allocated address {}", r.to_string(),
                                         address_at(b * 16 + static_cast<std::size_t>(
                                                                 std::countr_zero(allocated)))
                                             .to_string()));
        }
        for (std::size_t b = b0; b < b1; ++b) {
            auto flags = block_flags_[b];
            if (type == reservation_type::prefix) flags |= flag_prefix_reserved;
            set_block_meta(b, static_cast<std::uint16_t>(reserved_mask_[b] | range_mask(r, b)),
                           flags);
        }
        const subnet_reservation entry{r, type};
        reservations_.insert(std::upper_bound(reservations_.begin(), reservations_.end(), entry,
                                              [](const auto& x, const auto& y) {
                                                  return x.cidr < y.cidr;
                                              }),
                             entry);
        return success();
    }

    /// Deletes the reservation of exactly `cidr`; its free addresses and blocks rejoin the
    /// unreserved part (allocated ones stay allocated). O(addresses in cidr / 16 +
    /// reservations). Errors: `unknown_reservation`.
    [[nodiscard]] result<void> unreserve(const ipv4_prefix& r) {
        const auto it = std::find_if(reservations_.begin(), reservations_.end(),
                                     [&](const auto& x) { return x.cidr == r; });
        if (it == reservations_.end())
            return error(errc::unknown_reservation, r.to_string());
        const auto [b0, b1] = block_range(r);
        for (std::size_t b = b0; b < b1; ++b)
            set_block_meta(b, static_cast<std::uint16_t>(reserved_mask_[b] & ~range_mask(r, b)),
                           static_cast<std::uint8_t>(block_flags_[b] & ~flag_prefix_reserved));
        reservations_.erase(it);
        return success();
    }

    /// The reservations, ordered by CIDR. O(1).
    [[nodiscard]] const std::vector<subnet_reservation>& reservations() const noexcept {
        return reservations_;
    }

    // --- queries -----------------------------------------------------------------------

    /// True when `a` is in the subnet and allocated (alone or in a prefix). O(1).
    [[nodiscard]] bool is_allocated(ipv4_address a) const noexcept {
        if (!cidr_.contains(a)) return false;
        const std::size_t pos = offset_of(a);
        return !(free_mask_[pos >> 4] & bit_of(pos)) && !(ec2_mask(pos >> 4) & bit_of(pos));
    }
    /// True when `p` is a /28 of this subnet allocated as a prefix. O(1).
    [[nodiscard]] bool is_allocated_prefix(const ipv4_prefix& p) const noexcept {
        return p.length() == 28 && cidr_.contains(p) &&
               (block_flags_[offset_of(p.base()) >> 4] & flag_prefix_allocated);
    }
    /// True when `a` is one of EC2's 5 reserved addresses of this subnet. O(1).
    [[nodiscard]] bool is_ec2_reserved(ipv4_address a) const noexcept {
        if (!cidr_.contains(a)) return false;
        const std::size_t pos = offset_of(a);
        return (ec2_mask(pos >> 4) & bit_of(pos)) != 0;
    }

    // --- for humans --------------------------------------------------------------------

    /// A text map, one character per aligned /28 block (see `render_legend()`), 64 blocks
    /// per line, each line starting with the address of its first block. O(size / 16).
    [[nodiscard]] std::string render() const {
        std::string out;
        for (std::size_t line = 0; line < blocks_; line += 64) {
            out += fmt::format("{:<16}", address_at(line * 16).to_string());
            for (std::size_t b = line; b < std::min<std::size_t>(blocks_, line + 64); ++b) out += block_char(b);
            out += '\n';
        }
        return out;
    }

    /// What each character of `render()` means. O(1).
    [[nodiscard]] static std::string render_legend() {
        return ". wholly free /28   + partly used   # fully used by single addresses\n"
               "P allocated as a prefix   r prefix reservation   R explicit reservation\n"
               "x holds EC2's reserved addresses (first four, last)\n";
    }

    /// Walks the whole state and checks every invariant: the address bitset equals the free
    /// unreserved addresses, the block bitsets equal the wholly free blocks, counters equal
    /// what the masks hold, reservations are ordered, disjoint and match the masks.
    /// O(size). Errors: `pool_invariant_broken` describing the first broken invariant.
    [[nodiscard]] result<void> check() const {
        auto broken = [](std::string what) {
            return error(errc::pool_invariant_broken, "subnet invariant: " + std::move(what));
        };
        if (!avail_.invariants_hold() || !free_blocks_.invariants_hold() ||
            !reserved_free_blocks_.invariants_hold())
            return broken("a bitset's summary bits or count are wrong");
        std::array<std::uint16_t, max_blocks> res{};
        std::array<bool, max_blocks> prefix_res{};
        for (std::size_t i = 0; i < reservations_.size(); ++i) {
            const auto& r = reservations_[i];
            if (!cidr_.contains(r.cidr)) return broken(r.cidr.to_string() + " outside the subnet");
            if (i > 0 && !(reservations_[i - 1].cidr < r.cidr))
                return broken("reservations are not ordered");
            if (i > 0 && reservations_[i - 1].cidr.overlaps(r.cidr))
                return broken("reservations overlap");
            const auto [b0, b1] = block_range(r.cidr);
            for (std::size_t b = b0; b < b1; ++b) {
                res[b] |= range_mask(r.cidr, b);
                if (r.type == reservation_type::prefix) prefix_res[b] = true;
            }
        }
        std::size_t singles = 0, prefixes = 0;
        std::array<std::size_t, 6> classes{};
        for (std::size_t b = 0; b < max_blocks; ++b) {
            const auto where = [&] { return fmt::format("block {}", b); };
            if (b >= blocks_) {
                if (free_mask_[b] || reserved_mask_[b] || block_flags_[b] || free_blocks_.test(b) ||
                    reserved_free_blocks_.test(b) || avail_word(b) != 0)
                    return broken(where() + " lies outside the subnet but is not empty");
                continue;
            }
            const std::uint16_t fm = free_mask_[b];
            if (fm & ec2_mask(b)) return broken(where() + ": an EC2-reserved address is free");
            if (reserved_mask_[b] != res[b])
                return broken(where() + ": reserved mask differs from the reservations");
            if (((block_flags_[b] & flag_prefix_reserved) != 0) != prefix_res[b])
                return broken(where() + ": prefix-reservation flag differs from the reservations");
            const std::uint16_t av = static_cast<std::uint16_t>(fm & ~res[b]);
            if (avail_word(b) != av) return broken(where() + ": address bitset differs");
            if (free_blocks_.test(b) != (fm == full_block && res[b] == 0))
                return broken(where() + ": free-block bit differs");
            if (reserved_free_blocks_.test(b) != (fm == full_block && prefix_res[b]))
                return broken(where() + ": reserved-free-block bit differs");
            const auto used = static_cast<std::uint16_t>(~fm & ~ec2_mask(b));
            if (block_flags_[b] & flag_prefix_allocated) {
                if (fm != 0 || ec2_mask(b) != 0) return broken(where() + ": prefix not wholly used");
                ++prefixes;
            } else {
                singles += static_cast<std::size_t>(std::popcount(used));
            }
            ++classes[static_cast<std::size_t>(detail::largest_aligned_run(av) + 1)];  // independent of block_class
        }
        if (singles != singles_) return broken("single-address counter differs");
        if (prefixes != prefixes_) return broken("prefix counter differs");
        if (classes != class_count_) return broken("block class counters differ");
        return success();
    }

    friend bool operator==(const subnet&, const subnet&) = default;

private:
    static constexpr std::uint16_t full_block = 0xFFFF;
    static constexpr std::uint8_t flag_prefix_allocated = 1;
    static constexpr std::uint8_t flag_prefix_reserved = 2;

    subnet(ipv4_prefix cidr, std::uint64_t seed) noexcept
        : cidr_(cidr), size_(static_cast<std::uint32_t>(cidr.size())),
          blocks_(static_cast<std::uint32_t>(cidr.size() / 16)), rng_(seed) {
        class_count_[0] = blocks_;  // every block starts empty, then is given its addresses
        for (std::size_t b = 0; b < blocks_; ++b)
            give(b, static_cast<std::uint16_t>(full_block & ~ec2_mask(b)));
    }

    [[nodiscard]] std::size_t offset_of(ipv4_address a) const noexcept {
        return a.to_uint() - cidr_.base().to_uint();
    }
    [[nodiscard]] ipv4_address address_at(std::size_t pos) const noexcept {
        return ipv4_address(cidr_.base().to_uint() + static_cast<std::uint32_t>(pos));
    }
    [[nodiscard]] ipv4_prefix block_prefix(std::size_t b) const noexcept {
        return ipv4_prefix::truncate(address_at(b * 16), 28);
    }
    [[nodiscard]] static std::uint16_t bit_of(std::size_t pos) noexcept {
        return static_cast<std::uint16_t>(1u << (pos & 15));
    }
    // EC2's reserved addresses in block b: the first four of block 0, the last of the last.
    [[nodiscard]] std::uint16_t ec2_mask(std::size_t b) const noexcept {
        std::uint16_t m = 0;
        if (b == 0) m |= 0x000F;
        if (b + 1 == blocks_) m |= 0x8000;
        return m;
    }
    // Blocks [first, last) that `r` touches.
    [[nodiscard]] std::pair<std::size_t, std::size_t> block_range(const ipv4_prefix& r) const noexcept {
        const std::size_t first = offset_of(r.base()) >> 4;
        return {first, first + std::max<std::size_t>(1, static_cast<std::size_t>(r.size() / 16))};
    }
    // The addresses of block b that `r` covers.
    [[nodiscard]] std::uint16_t range_mask(const ipv4_prefix& r, std::size_t b) const noexcept {
        if (r.length() <= 28) return full_block;
        const std::size_t lo = offset_of(r.base()) - b * 16;
        const std::size_t n = static_cast<std::size_t>(r.size());
        return static_cast<std::uint16_t>(((1u << n) - 1u) << lo);
    }
    [[nodiscard]] std::uint16_t avail_word(std::size_t b) const noexcept {
        return static_cast<std::uint16_t>(avail_.word_at(b >> 2) >> ((b & 3) * 16));
    }
    [[nodiscard]] std::size_t random_below(std::size_t n) noexcept {
        // splitmix64: one multiply-xorshift step per draw; n <= 65536.
        std::uint64_t z = (rng_ += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        z ^= z >> 31;
        return static_cast<std::size_t>(((z >> 32) * n) >> 32);
    }

    // The unreserved free addresses of block b change from old_av to new_av.
    void change_avail(std::size_t b, std::uint16_t old_av, std::uint16_t new_av) noexcept {
        if (old_av == new_av) return;
        const unsigned shift = static_cast<unsigned>((b & 3) * 16);
        avail_.reset_bits(b >> 2, std::uint64_t{static_cast<std::uint16_t>(old_av & ~new_av)} << shift);
        avail_.set_bits(b >> 2, std::uint64_t{static_cast<std::uint16_t>(new_av & ~old_av)} << shift);
        --class_count_[detail::block_class(old_av)];
        ++class_count_[detail::block_class(new_av)];
    }
    // Block b stops / starts being wholly free: keep the two block bitsets exact.
    void leave_free_block(std::size_t b) noexcept {
        if (block_flags_[b] & flag_prefix_reserved) reserved_free_blocks_.reset(b);
        else if (reserved_mask_[b] == 0) free_blocks_.reset(b);
    }
    void enter_free_block(std::size_t b) noexcept {
        if (block_flags_[b] & flag_prefix_reserved) reserved_free_blocks_.set(b);
        else if (reserved_mask_[b] == 0) free_blocks_.set(b);
    }
    // Marks the (free) addresses `m` of block b allocated.
    void take(std::size_t b, std::uint16_t m) noexcept {
        const std::uint16_t old_free = free_mask_[b];
        const auto new_free = static_cast<std::uint16_t>(old_free & ~m);
        const std::uint16_t res = reserved_mask_[b];
        if (old_free == full_block) leave_free_block(b);
        free_mask_[b] = new_free;
        change_avail(b, static_cast<std::uint16_t>(old_free & ~res),
                     static_cast<std::uint16_t>(new_free & ~res));
    }
    // Marks the (allocated) addresses `m` of block b free.
    void give(std::size_t b, std::uint16_t m) noexcept {
        const std::uint16_t old_free = free_mask_[b];
        const auto new_free = static_cast<std::uint16_t>(old_free | m);
        const std::uint16_t res = reserved_mask_[b];
        free_mask_[b] = new_free;
        change_avail(b, static_cast<std::uint16_t>(old_free & ~res),
                     static_cast<std::uint16_t>(new_free & ~res));
        if (new_free == full_block) enter_free_block(b);
    }
    // Changes block b's reservation mask and flags, keeping every bitset exact.
    void set_block_meta(std::size_t b, std::uint16_t new_res, std::uint8_t new_flags) noexcept {
        const bool wholly_free = free_mask_[b] == full_block;
        if (wholly_free) leave_free_block(b);
        const std::uint16_t fm = free_mask_[b];
        const auto old_av = static_cast<std::uint16_t>(fm & ~reserved_mask_[b]);
        reserved_mask_[b] = new_res;
        block_flags_[b] = new_flags;
        change_avail(b, old_av, static_cast<std::uint16_t>(fm & ~new_res));
        if (wholly_free) enter_free_block(b);
    }
    [[nodiscard]] char block_char(std::size_t b) const noexcept {
        if (block_flags_[b] & flag_prefix_allocated) return 'P';
        if (ec2_mask(b) != 0) return 'x';
        if (block_flags_[b] & flag_prefix_reserved) return 'r';
        if (reserved_mask_[b] != 0) return 'R';
        if (free_mask_[b] == full_block) return '.';
        if (free_mask_[b] == 0) return '#';
        return '+';
    }

    ipv4_prefix cidr_;
    std::uint32_t size_ = 0;
    std::uint32_t blocks_ = 0;
    std::uint64_t rng_ = 0;
    std::size_t singles_ = 0;
    std::size_t prefixes_ = 0;
    hierarchical_bitset<max_addresses> avail_;          // free, unreserved addresses
    hierarchical_bitset<max_blocks> free_blocks_;       // wholly free, unreserved blocks
    hierarchical_bitset<max_blocks> reserved_free_blocks_;  // wholly free, prefix-reserved
    std::array<std::uint16_t, max_blocks> free_mask_{};     // not allocated, not EC2's
    std::array<std::uint16_t, max_blocks> reserved_mask_{}; // inside a reservation
    std::array<std::uint8_t, max_blocks> block_flags_{};
    // Blocks by the largest aligned run of unreserved free addresses: [0] none, [k+1] 2^k.
    std::array<std::size_t, 6> class_count_{};
    std::vector<subnet_reservation> reservations_;
};

} // namespace enipool
