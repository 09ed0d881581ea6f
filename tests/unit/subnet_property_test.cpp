// subnet.hpp against a naive reference (a std::set of used addresses, a std::map of
// reservations, figures by brute-force scans of every aligned block): random sequences of
// every operation on /16, /20, /24 and /28 subnets. After every step every figure and every
// error agree, check() passes, and a failed call leaves the subnet equal to its copy.
#include <enipool/subnet.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

using enipool::allocation_strategy;
using enipool::errc;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using enipool::reservation_type;
using enipool::subnet;

namespace {

// The reference: offsets (0 .. size-1) of used addresses, blocks allocated as prefixes,
// reservations. Everything else is computed by scanning.
struct reference {
    std::uint32_t base = 0;
    std::uint32_t size = 0;
    std::set<std::uint32_t> used;          // singles and prefix members
    std::set<std::uint32_t> prefix_blocks; // block numbers allocated as a prefix
    std::map<ipv4_prefix, reservation_type> reservations;

    bool ec2(std::uint32_t off) const { return off < 4 || off == size - 1; }
    bool in_use(std::uint32_t off) const { return used.count(off) != 0; }
    const std::pair<const ipv4_prefix, reservation_type>* reservation_of(std::uint32_t off) const {
        for (const auto& r : reservations)
            if (r.first.contains(ipv4_address(base + off))) return &r;
        return nullptr;
    }
    bool avail(std::uint32_t off) const { return !ec2(off) && !in_use(off) && !reservation_of(off); }
    bool block_all_free(std::uint32_t b) const {  // no address used or EC2-reserved
        for (std::uint32_t i = 0; i < 16; ++i)
            if (ec2(b * 16 + i) || in_use(b * 16 + i)) return false;
        return true;
    }
    // Which offsets allocate_address may hand out: every offset, less EC2's five, the used
    // ones and every address of a reservation (avail() for each offset, in one pass).
    std::vector<char> avail_map() const {
        std::vector<char> m(size, 1);
        for (std::uint32_t off = 0; off < size; ++off) m[off] = !ec2(off);
        for (const std::uint32_t off : used) m[off] = 0;
        for (const auto& [r, type] : reservations)
            for (std::uint64_t i = 0; i < r.size(); ++i) m[r.at(i).to_uint() - base] = 0;
        return m;
    }
    std::size_t free_addresses(const std::vector<char>& m) const {
        return static_cast<std::size_t>(std::count(m.begin(), m.end(), 1));
    }
    std::size_t free_addresses() const { return free_addresses(avail_map()); }
    // Wholly free blocks inside prefix reservations, lowest first.
    std::vector<std::uint32_t> reserved_free_blocks() const {
        std::vector<std::uint32_t> out;
        for (std::uint32_t b = 0; b < size / 16; ++b) {
            const auto* r = reservation_of(b * 16);
            if (r && r->second == reservation_type::prefix && block_all_free(b)) out.push_back(b);
        }
        return out;
    }
    // Wholly free blocks with no reserved address, lowest first.
    std::vector<std::uint32_t> unreserved_free_blocks() const { return unreserved_free_blocks(avail_map()); }
    std::vector<std::uint32_t> unreserved_free_blocks(const std::vector<char>& m) const {
        std::vector<std::uint32_t> out;
        for (std::uint32_t b = 0; b < size / 16; ++b)
            if (std::all_of(m.begin() + b * 16, m.begin() + b * 16 + 16, [](char c) { return c == 1; }))
                out.push_back(b);
        return out;
    }
    // Largest aligned power-of-two block of available addresses, by trying every size and
    // every aligned start: the block [start, start + len) is available when the run of
    // available addresses ending at its last offset is at least len long.
    std::size_t largest_free_block(const std::vector<char>& m) const {
        std::vector<std::uint32_t> run(size);  // available addresses ending at each offset
        for (std::uint32_t off = 0; off < size; ++off) run[off] = m[off] ? (off ? run[off - 1] : 0) + 1 : 0;
        std::size_t best = 0;
        for (std::uint32_t len = 1; len <= size; len *= 2)
            for (std::uint32_t start = 0; start < size; start += len)
                if (run[start + len - 1] >= len) {
                    best = len;
                    break;
                }
        return best;
    }
};

void check_figures(const subnet& s, const reference& ref) {
    RC_ASSERT(s.check().has_value());
    const auto avail = ref.avail_map();
    const std::size_t free = ref.free_addresses(avail);
    const std::size_t blocks = ref.unreserved_free_blocks(avail).size();
    RC_ASSERT(s.free_addresses() == free);
    RC_ASSERT(s.free_blocks() == blocks);
    RC_ASSERT(s.reserved_free_blocks() == ref.reserved_free_blocks().size());
    RC_ASSERT(s.allocated_prefixes() == ref.prefix_blocks.size());
    RC_ASSERT(s.allocated_addresses() == ref.used.size() - 16 * ref.prefix_blocks.size());
    const double frag = free == 0 ? 0.0 : 1.0 - 16.0 * double(blocks) / double(free);
    RC_ASSERT(s.fragmentation() == frag);
    RC_ASSERT(s.largest_free_block() == ref.largest_free_block(avail));
}

// Expected error of reserving `r` as the reference sees it (0: success).
errc expected_reserve(const reference& ref, const ipv4_prefix& r, reservation_type t,
                      const ipv4_prefix& cidr) {
    if (!cidr.contains(r)) return errc::address_not_in_subnet;
    if (t == reservation_type::prefix && r.length() > 28) return errc::invalid_prefix;
    for (const auto& other : ref.reservations)
        if (other.first.overlaps(r)) return errc::reservation_overlap;
    for (std::uint64_t i = 0; i < r.size(); ++i) {
        const auto off = static_cast<std::uint32_t>(r.at(i).to_uint() - ref.base);
        if (ref.in_use(off)) return errc::reservation_overlap;
    }
    return errc{};
}

template <class R>
void expect_error(const R& got, errc want, const subnet& before, const subnet& after) {
    RC_ASSERT(!got.has_value());
    RC_ASSERT(got.error().code() == want);
    RC_ASSERT(before == after);  // a failed call changes nothing
}

using step = std::tuple<unsigned, std::uint32_t, std::uint32_t>;

void run(unsigned length, const std::vector<step>& steps) {
    const auto cidr = ipv4_prefix::truncate(ipv4_address(198, 18, 0, 0), length);
    auto s = std::make_unique<subnet>(*subnet::create(cidr, 42));
    auto before = std::make_unique<subnet>(*s);
    reference ref;
    ref.base = cidr.base().to_uint();
    ref.size = static_cast<std::uint32_t>(cidr.size());
    check_figures(*s, ref);
    const std::uint32_t size = ref.size;
    for (const auto& [kind, x, y] : steps) {
        *before = *s;
        // Addresses: half the time an address in use (so releases succeed), else any
        // offset, sometimes just outside the subnet.
        auto pick_offset = [&](std::uint32_t v) -> std::uint32_t {
            if ((v & 1) && !ref.used.empty()) {
                auto it = ref.used.begin();
                std::advance(it, static_cast<long>((v >> 1) % ref.used.size()));
                return *it;
            }
            return (v >> 1) % (size + 32);
        };
        const std::uint32_t off = pick_offset(x);
        const ipv4_address addr(ref.base + off);
        const bool inside = off < size;
        switch (kind % 11) {
        case 0:
        case 1: {  // allocate_address, lowest or random
            const auto strategy = kind % 11 == 0 ? allocation_strategy::lowest : allocation_strategy::random;
            auto got = s->allocate_address(strategy);
            if (ref.free_addresses() == 0) {
                expect_error(got, errc::insufficient_free_addresses, *before, *s);
                break;
            }
            RC_ASSERT(got.has_value());
            const auto o = got->to_uint() - ref.base;
            RC_ASSERT(o < size);
            RC_ASSERT(ref.avail(o));
            if (strategy == allocation_strategy::lowest)
                for (std::uint32_t lower = 0; lower < o; ++lower) RC_ASSERT(!ref.avail(lower));
            ref.used.insert(o);
            break;
        }
        case 2: {  // allocate_prefix: prefix reservations first, lowest block
            auto got = s->allocate_prefix();
            auto from = ref.reserved_free_blocks();
            if (from.empty()) from = ref.unreserved_free_blocks();
            if (from.empty()) {
                expect_error(got, errc::insufficient_cidr_blocks, *before, *s);
                break;
            }
            RC_ASSERT(got.has_value());
            RC_ASSERT(got->base().to_uint() == ref.base + from.front() * 16);
            RC_ASSERT(got->length() == 28u);
            for (std::uint32_t i = 0; i < 16; ++i) ref.used.insert(from.front() * 16 + i);
            ref.prefix_blocks.insert(from.front());
            break;
        }
        case 3: {  // allocate_specific(address)
            auto got = s->allocate_specific(addr);
            if (!inside) expect_error(got, errc::address_not_in_subnet, *before, *s);
            else if (ref.ec2(off)) expect_error(got, errc::address_reserved, *before, *s);
            else if (ref.in_use(off)) expect_error(got, errc::already_allocated, *before, *s);
            else {
                RC_ASSERT(got.has_value());
                ref.used.insert(off);
            }
            break;
        }
        case 4: {  // allocate_specific(prefix)
            const std::uint32_t b = off / 16;
            const auto p = ipv4_prefix::truncate(ipv4_address(ref.base + b * 16), 28);
            auto got = s->allocate_specific(p);
            bool any_ec2 = false, any_used = false;
            for (std::uint32_t i = 0; i < 16; ++i) {
                any_ec2 = any_ec2 || (b * 16 + i < size && ref.ec2(b * 16 + i));
                any_used = any_used || ref.in_use(b * 16 + i);
            }
            if (b * 16 >= size) expect_error(got, errc::address_not_in_subnet, *before, *s);
            else if (any_ec2) expect_error(got, errc::address_reserved, *before, *s);
            else if (any_used) expect_error(got, errc::already_allocated, *before, *s);
            else {
                RC_ASSERT(got.has_value());
                for (std::uint32_t i = 0; i < 16; ++i) ref.used.insert(b * 16 + i);
                ref.prefix_blocks.insert(b);
            }
            break;
        }
        case 5: {  // release(address)
            auto got = s->release(addr);
            if (!inside) expect_error(got, errc::address_not_in_subnet, *before, *s);
            else if (ref.ec2(off)) expect_error(got, errc::address_reserved, *before, *s);
            else if (!ref.in_use(off) || ref.prefix_blocks.count(off / 16))
                expect_error(got, errc::not_allocated, *before, *s);
            else {
                RC_ASSERT(got.has_value());
                ref.used.erase(off);
            }
            break;
        }
        case 6: {  // release(prefix): prefer one that is allocated
            std::uint32_t b = off / 16;
            if ((y & 1) && !ref.prefix_blocks.empty()) {
                auto it = ref.prefix_blocks.begin();
                std::advance(it, static_cast<long>((y >> 1) % ref.prefix_blocks.size()));
                b = *it;
            }
            const auto p = ipv4_prefix::truncate(ipv4_address(ref.base + b * 16), 28);
            auto got = s->release(p);
            if (b * 16 >= size) expect_error(got, errc::address_not_in_subnet, *before, *s);
            else if (!ref.prefix_blocks.count(b)) expect_error(got, errc::not_allocated, *before, *s);
            else {
                RC_ASSERT(got.has_value());
                for (std::uint32_t i = 0; i < 16; ++i) ref.used.erase(b * 16 + i);
                ref.prefix_blocks.erase(b);
            }
            break;
        }
        case 7: {  // reserve a CIDR of a random length (mostly /26 .. /32) at `off`
            const unsigned len = std::max(length, 26u + y % 7u) - (y % 13 == 0 ? 2u : 0u);
            const auto r = ipv4_prefix::truncate(addr, std::max(len, length));
            const auto type = (y >> 4) & 1 ? reservation_type::explicit_ : reservation_type::prefix;
            auto got = s->reserve(r, type);
            const errc want = expected_reserve(ref, r, type, cidr);
            if (want != errc{}) expect_error(got, want, *before, *s);
            else {
                RC_ASSERT(got.has_value());
                ref.reservations.emplace(r, type);
            }
            break;
        }
        case 8: {  // unreserve: an existing reservation, or a random CIDR
            ipv4_prefix r = ipv4_prefix::truncate(addr, 28);
            if ((y & 1) && !ref.reservations.empty()) {
                auto it = ref.reservations.begin();
                std::advance(it, static_cast<long>((y >> 1) % ref.reservations.size()));
                r = it->first;
            }
            auto got = s->unreserve(r);
            if (!ref.reservations.count(r)) expect_error(got, errc::unknown_reservation, *before, *s);
            else {
                RC_ASSERT(got.has_value());
                ref.reservations.erase(r);
            }
            break;
        }
        case 9: {  // allocate_addresses(n), all or nothing
            const std::size_t n = y % (size / 4 + 2);
            auto got = s->allocate_addresses(n, y & 1 ? allocation_strategy::random : allocation_strategy::lowest);
            if (n > ref.free_addresses()) {
                expect_error(got, errc::insufficient_free_addresses, *before, *s);
                break;
            }
            RC_ASSERT(got.has_value());
            RC_ASSERT(got->size() == n);
            for (const auto& a : *got) {
                const auto o = a.to_uint() - ref.base;
                RC_ASSERT(ref.avail(o));
                ref.used.insert(o);
            }
            break;
        }
        default: {  // allocate_prefixes(n), all or nothing
            const std::size_t n = y % 6;
            auto got = s->allocate_prefixes(n);
            const std::size_t have = ref.reserved_free_blocks().size() + ref.unreserved_free_blocks().size();
            if (n > have) {
                expect_error(got, errc::insufficient_cidr_blocks, *before, *s);
                break;
            }
            RC_ASSERT(got.has_value());
            RC_ASSERT(got->size() == n);
            // Prefix reservations first, then the rest, lowest block first in each.
            auto expected = ref.reserved_free_blocks();
            const auto rest = ref.unreserved_free_blocks();
            expected.insert(expected.end(), rest.begin(), rest.end());
            for (std::size_t i = 0; i < n; ++i) {
                const auto b = ((*got)[i].base().to_uint() - ref.base) / 16;
                RC_ASSERT(b == expected[i]);
                for (std::uint32_t j = 0; j < 16; ++j) ref.used.insert(b * 16 + j);
                ref.prefix_blocks.insert(b);
            }
            break;
        }
        }
        check_figures(*s, ref);
    }
}

auto steps_gen(std::uint32_t max_steps) {
    return rc::gen::resize(
        static_cast<int>(max_steps),
        rc::gen::container<std::vector<step>>(rc::gen::tuple(
            rc::gen::inRange(0u, 11u), rc::gen::arbitrary<std::uint32_t>(),
            rc::gen::arbitrary<std::uint32_t>())));
}

} // namespace

TEST_CASE("subnet agrees with the reference model on a /28", "[subnet][property]") {
    rc::prop("every figure and error agrees", [] { run(28, *steps_gen(60)); });
}

TEST_CASE("subnet agrees with the reference model on a /24", "[subnet][property]") {
    rc::prop("every figure and error agrees", [] { run(24, *steps_gen(150)); });
}

TEST_CASE("subnet agrees with the reference model on a /20", "[subnet][property]") {
    rc::prop("every figure and error agrees", [] { run(20, *steps_gen(80)); });
}

TEST_CASE("subnet agrees with the reference model on a /16", "[subnet][property]") {
    // The brute-force reference scans 65,536 addresses per step: fewer, longer runs.
    rc::prop("every figure and error agrees", [] { run(16, *steps_gen(25)); });
}
