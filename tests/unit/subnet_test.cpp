// subnet.hpp worked examples: sizes, EC2's reserved addresses, the classic fragmentation
// failure and its cure (a prefix reservation), every error with "nothing changed", the
// reservation rules, the figures and the rendered map. Expected values are derived by hand
// in the comments.
#include <enipool/subnet.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <set>

using enipool::allocation_strategy;
using enipool::errc;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using enipool::reservation_type;
using enipool::subnet;

namespace {

ipv4_prefix cidr(const char* text) { return *ipv4_prefix::parse(text); }
ipv4_address addr(const char* text) { return *ipv4_address::parse(text); }

std::unique_ptr<subnet> make(const char* text, std::uint64_t seed = 1) {
    auto s = subnet::create(cidr(text), seed);
    REQUIRE(s.has_value());
    return std::make_unique<subnet>(*s);
}

// Runs `op` on `s`, requires it to fail with `code`, and requires `s` unchanged.
template <class Op>
void fails_unchanged(subnet& s, errc code, Op op) {
    const auto before = std::make_unique<subnet>(s);
    const auto got = op(s);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().code() == code);
    CHECK(s == *before);
    CHECK(s.check().has_value());
}

} // namespace

TEST_CASE("subnet sizes: /16 to /28, others refused", "[subnet]") {
    CHECK(subnet::create(cidr("198.18.0.0/15")).error().code() == errc::unsupported_subnet_size);
    CHECK(subnet::create(cidr("198.18.0.0/29")).error().code() == errc::unsupported_subnet_size);
    auto s16 = make("198.18.0.0/16");
    CHECK(s16->size() == 65536);
    CHECK(s16->block_count() == 4096);
    // 65536 - 5 reserved; blocks 0 and 4095 hold the reserved ones: 4094 free blocks.
    CHECK(s16->free_addresses() == 65531);
    CHECK(s16->free_blocks() == 4094);
    auto s28 = make("198.18.0.16/28");
    CHECK(s28->size() == 16);
    CHECK(s28->free_addresses() == 11);  // 16 - 5
    CHECK(s28->free_blocks() == 0);      // its only block holds the 5 reserved addresses
    fails_unchanged(*s28, errc::insufficient_cidr_blocks, [](subnet& s) { return s.allocate_prefix(); });
    CHECK(s16->check().has_value());
    CHECK(s28->check().has_value());
}

TEST_CASE("EC2's 5 reserved addresses are never handed out", "[subnet]") {
    auto s = make("198.18.0.16/28");
    std::set<std::uint32_t> got;
    for (int i = 0; i < 11; ++i) {
        auto a = s->allocate_address(allocation_strategy::random);
        REQUIRE(a.has_value());
        got.insert(a->to_uint() & 0xFF);
    }
    // .16-.19 (first four) and .31 (last) are EC2's; the 11 others are .20 .. .30.
    CHECK(got == std::set<std::uint32_t>{20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30});
    fails_unchanged(*s, errc::insufficient_free_addresses,
                    [](subnet& x) { return x.allocate_address(allocation_strategy::random); });
    fails_unchanged(*s, errc::address_reserved, [](subnet& x) { return x.allocate_specific(addr("198.18.0.16")); });
    fails_unchanged(*s, errc::address_reserved, [](subnet& x) { return x.allocate_specific(addr("198.18.0.31")); });
    fails_unchanged(*s, errc::address_reserved, [](subnet& x) { return x.release(addr("198.18.0.19")); });
}

TEST_CASE("the classic failure: free addresses but no aligned /28", "[subnet]") {
    // A /24 has 16 blocks of 16. Block 0 holds .0-.3 and block 15 holds .255 (EC2's), so
    // 14 blocks start wholly free. One secondary IP in each of blocks 1..14 (at .16b+5)
    // breaks every one of them: 256 - 5 reserved - 14 used = 237 addresses stay free (> 100),
    // yet no aligned /28 is wholly free.
    auto s = make("198.18.0.0/24");
    for (std::uint32_t b = 1; b <= 14; ++b)
        REQUIRE(s->allocate_specific(ipv4_address(addr("198.18.0.0").to_uint() + 16 * b + 5)));
    CHECK(s->free_addresses() == 237);
    CHECK(s->free_blocks() == 0);
    CHECK(s->fragmentation() == 1.0);  // 1 - 16 * 0 / 237
    // Largest aligned free run: in block b the used bit 5 leaves bits 8..15 free: 8 addresses.
    CHECK(s->largest_free_block() == 8);
    fails_unchanged(*s, errc::insufficient_cidr_blocks, [](subnet& x) { return x.allocate_prefix(); });
    fails_unchanged(*s, errc::insufficient_cidr_blocks, [](subnet& x) { return x.allocate_prefixes(1); });
    // Asking for 238 addresses is more than the 237 free: a different error.
    fails_unchanged(*s, errc::insufficient_free_addresses, [](subnet& x) { return x.allocate_addresses(238); });
    auto all = s->allocate_addresses(237);
    REQUIRE(all.has_value());
    CHECK(all->size() == 237);
    CHECK(s->free_addresses() == 0);
    CHECK(s->fragmentation() == 0.0);  // no free address: defined as 0
}

TEST_CASE("the cure: a prefix reservation made beforehand keeps a /28 for prefixes", "[subnet]") {
    // Same /24, but 198.18.0.128/28 (block 8) is reserved for prefixes first. The scatter now
    // reaches blocks 1..7 and 9..14 (13 IPs); random single allocations can never land in
    // the reservation either.
    auto s = make("198.18.0.0/24", 99);
    REQUIRE(s->reserve(cidr("198.18.0.128/28"), reservation_type::prefix));
    for (std::uint32_t b = 1; b <= 14; ++b)
        if (b != 8)
            REQUIRE(s->allocate_specific(ipv4_address(addr("198.18.0.0").to_uint() + 16 * b + 5)));
    // Unreserved free: 256 - 5 - 16 (reservation) - 13 = 222; no unreserved free block.
    CHECK(s->free_addresses() == 222);
    CHECK(s->free_blocks() == 0);
    CHECK(s->reserved_free_blocks() == 1);
    for (int i = 0; i < 100; ++i) {
        auto a = s->allocate_address(allocation_strategy::random);
        REQUIRE(a.has_value());
        CHECK_FALSE(cidr("198.18.0.128/28").contains(*a));
    }
    auto p = s->allocate_prefix();
    REQUIRE(p.has_value());
    CHECK(*p == cidr("198.18.0.128/28"));
    CHECK(s->reserved_free_blocks() == 0);
    fails_unchanged(*s, errc::insufficient_cidr_blocks, [](subnet& x) { return x.allocate_prefix(); });
    // Released, it returns to the reservation, not to the general pool.
    REQUIRE(s->release(*p));
    CHECK(s->reserved_free_blocks() == 1);
    CHECK(s->free_blocks() == 0);
    CHECK(s->check().has_value());
}

TEST_CASE("random scatter fragments a subnet; the failure follows", "[subnet]") {
    // EC2-like random placement until no /28 is wholly free. Whatever the seed, the
    // invariant that matters holds: addresses remain, prefixes fail.
    auto s = make("198.18.0.0/22", 2024);
    std::size_t allocated = 0;
    while (s->free_blocks() > 0) {
        REQUIRE(s->allocate_address(allocation_strategy::random));
        ++allocated;
    }
    // 64 blocks, 62 of them wholly free at first: at least 62 allocations were needed.
    CHECK(allocated >= 62);
    CHECK(s->free_addresses() == 1024 - 5 - allocated);
    CHECK(s->free_addresses() > 0);
    fails_unchanged(*s, errc::insufficient_cidr_blocks, [](subnet& x) { return x.allocate_prefix(); });
    CHECK(s->check().has_value());
}

TEST_CASE("the random strategy is deterministic by seed", "[subnet]") {
    auto a = make("198.18.0.0/20", 5);
    auto b = make("198.18.0.0/20", 5);
    auto c = make("198.18.0.0/20", 6);
    bool differs = false;
    for (int i = 0; i < 50; ++i) {
        const auto x = *a->allocate_address(allocation_strategy::random);
        CHECK(x == *b->allocate_address(allocation_strategy::random));
        differs = differs || x != *c->allocate_address(allocation_strategy::random);
    }
    CHECK(differs);
}

TEST_CASE("lowest strategy and allocate_prefix order", "[subnet]") {
    auto s = make("198.18.0.0/24");
    CHECK(*s->allocate_address() == addr("198.18.0.4"));  // .0-.3 are EC2's
    CHECK(*s->allocate_address() == addr("198.18.0.5"));
    CHECK(*s->allocate_prefix() == cidr("198.18.0.16/28"));  // block 0 is never wholly free
    auto two = s->allocate_prefixes(2);
    REQUIRE(two.has_value());
    CHECK(two->at(0) == cidr("198.18.0.32/28"));
    CHECK(two->at(1) == cidr("198.18.0.48/28"));
    // 11 blocks remain free (14 - 3): 12 are refused as a whole.
    fails_unchanged(*s, errc::insufficient_cidr_blocks, [](subnet& x) { return x.allocate_prefixes(12); });
    CHECK(s->allocate_prefixes(11)->size() == 11);
}

TEST_CASE("every error of allocate_specific and release, nothing changed", "[subnet]") {
    auto s = make("198.18.0.0/24");
    REQUIRE(s->allocate_specific(addr("198.18.0.40")));
    REQUIRE(s->allocate_specific(cidr("198.18.0.64/28")));
    fails_unchanged(*s, errc::address_not_in_subnet, [](subnet& x) { return x.allocate_specific(addr("198.18.1.1")); });
    fails_unchanged(*s, errc::address_not_in_subnet, [](subnet& x) { return x.allocate_specific(cidr("198.18.1.0/28")); });
    fails_unchanged(*s, errc::already_allocated, [](subnet& x) { return x.allocate_specific(addr("198.18.0.40")); });
    fails_unchanged(*s, errc::already_allocated, [](subnet& x) { return x.allocate_specific(addr("198.18.0.70")); });
    fails_unchanged(*s, errc::already_allocated, [](subnet& x) { return x.allocate_specific(cidr("198.18.0.32/28")); });
    fails_unchanged(*s, errc::already_allocated, [](subnet& x) { return x.allocate_specific(cidr("198.18.0.64/28")); });
    fails_unchanged(*s, errc::address_reserved, [](subnet& x) { return x.allocate_specific(cidr("198.18.0.0/28")); });
    fails_unchanged(*s, errc::address_reserved, [](subnet& x) { return x.allocate_specific(cidr("198.18.0.240/28")); });
    fails_unchanged(*s, errc::invalid_prefix, [](subnet& x) { return x.allocate_specific(cidr("198.18.0.64/27")); });
    fails_unchanged(*s, errc::not_allocated, [](subnet& x) { return x.release(addr("198.18.0.41")); });
    fails_unchanged(*s, errc::not_allocated, [](subnet& x) { return x.release(addr("198.18.0.70")); });  // in a prefix
    fails_unchanged(*s, errc::not_allocated, [](subnet& x) { return x.release(cidr("198.18.0.32/28")); });
    fails_unchanged(*s, errc::not_allocated, [](subnet& x) { return x.release(cidr("198.18.0.32/32")); });
    fails_unchanged(*s, errc::address_not_in_subnet, [](subnet& x) { return x.release(addr("198.18.1.1")); });
    fails_unchanged(*s, errc::address_not_in_subnet, [](subnet& x) { return x.release(cidr("198.18.1.0/28")); });
    fails_unchanged(*s, errc::invalid_prefix, [](subnet& x) { return x.release(cidr("198.18.0.64/27")); });
    // A /32 prefix is a single address, both ways.
    REQUIRE(s->release(cidr("198.18.0.40/32")));
    REQUIRE(s->allocate_specific(cidr("198.18.0.40/32")));
    CHECK(s->is_allocated(addr("198.18.0.40")));
    CHECK(s->is_allocated_prefix(cidr("198.18.0.64/28")));
    CHECK(s->is_ec2_reserved(addr("198.18.0.255")));
}

TEST_CASE("reservations: overlap, explicit never auto-assigned, unreserve", "[subnet]") {
    auto s = make("198.18.0.0/24");
    REQUIRE(s->allocate_specific(addr("198.18.0.100")));
    // 198.18.0.96/28 holds the allocated .100.
    fails_unchanged(*s, errc::reservation_overlap,
                    [](subnet& x) { return x.reserve(cidr("198.18.0.96/28"), reservation_type::explicit_); });
    REQUIRE(s->reserve(cidr("198.18.0.16/28"), reservation_type::explicit_));
    REQUIRE(s->reserve(cidr("198.18.0.36/30"), reservation_type::explicit_));  // part of block 2
    fails_unchanged(*s, errc::reservation_overlap,
                    [](subnet& x) { return x.reserve(cidr("198.18.0.0/27"), reservation_type::prefix); });
    fails_unchanged(*s, errc::reservation_overlap,
                    [](subnet& x) { return x.reserve(cidr("198.18.0.38/32"), reservation_type::explicit_); });
    fails_unchanged(*s, errc::invalid_prefix,
                    [](subnet& x) { return x.reserve(cidr("198.18.0.48/29"), reservation_type::prefix); });
    fails_unchanged(*s, errc::address_not_in_subnet,
                    [](subnet& x) { return x.reserve(cidr("198.18.0.0/23"), reservation_type::prefix); });
    fails_unchanged(*s, errc::unknown_reservation, [](subnet& x) { return x.unreserve(cidr("198.18.0.16/29")); });
    // Free unreserved: 251 - 1 (.100) - 16 - 4 = 230. Free blocks: 14 - block 1 (reserved)
    // - block 2 (partly reserved) - block 6 (holds .100) = 11.
    CHECK(s->free_addresses() == 230);
    CHECK(s->free_blocks() == 11);
    // The lowest strategy skips the reserved ranges: .4 .. .15, then .32 .. .35, then .40.
    for (int i = 0; i < 12; ++i) REQUIRE(s->allocate_address());
    CHECK(*s->allocate_address() == addr("198.18.0.32"));
    for (int i = 0; i < 3; ++i) REQUIRE(s->allocate_address());
    CHECK(*s->allocate_address() == addr("198.18.0.40"));
    // Prefixes never come from explicit reservations: the lowest is block 3 (.48).
    CHECK(*s->allocate_prefix() == cidr("198.18.0.48/28"));
    // But a caller may name an address inside an explicit reservation.
    REQUIRE(s->allocate_specific(addr("198.18.0.20")));
    const auto free_before = s->free_addresses();
    REQUIRE(s->release(addr("198.18.0.20")));
    CHECK(s->free_addresses() == free_before);  // back to the reservation, not to the pool
    REQUIRE(s->unreserve(cidr("198.18.0.16/28")));
    CHECK(s->free_addresses() == free_before + 16);
    CHECK(s->free_blocks() == 11 - 1 + 1);  // block 3 taken, block 1 rejoined
    REQUIRE(s->reservations().size() == 1);
    CHECK(s->reservations()[0].cidr == cidr("198.18.0.36/30"));
    CHECK(s->check().has_value());
}

TEST_CASE("figures: fragmentation and largest free block by hand", "[subnet]") {
    auto s = make("198.18.0.0/24");
    // Fresh: 251 free, 14 free blocks: 1 - 16*14/251 = 27/251.
    CHECK(s->fragmentation() == Approx(27.0 / 251.0));
    // Halves hold blocks 0 and 15 (EC2's addresses); quarters .64/26 and .128/26 are free.
    CHECK(s->largest_free_block() == 64);
    REQUIRE(s->allocate_specific(addr("198.18.0.70")));
    REQUIRE(s->allocate_specific(addr("198.18.0.130")));
    // Now .96/27 (blocks 6-7) and .160/27 (blocks 10-11) are the largest: 32.
    CHECK(s->largest_free_block() == 32);
    // 249 free, 12 free blocks: 1 - 192/249.
    CHECK(s->fragmentation() == Approx(1.0 - 192.0 / 249.0));
    auto t = make("198.18.0.16/28");
    // Free: .20 .. .30 (offsets 4..14): aligned runs .24/29 (offsets 8..15)? No, .31 is
    // EC2's: offsets 8..14 are 7 addresses; the largest aligned run is offsets 4..7: 4.
    CHECK(t->largest_free_block() == 4);
}

TEST_CASE("render draws one character per /28", "[subnet]") {
    auto s = make("198.18.0.0/25");  // 8 blocks
    CHECK(s->render() == "198.18.0.0      x......x\n");
    REQUIRE(s->allocate_prefix());                              // block 1: P
    REQUIRE(s->allocate_specific(addr("198.18.0.36")));         // block 2: partly used
    for (std::uint32_t i = 48; i < 64; ++i)                     // block 3: fully used
        REQUIRE(s->allocate_specific(ipv4_address(addr("198.18.0.0").to_uint() + i)));
    REQUIRE(s->reserve(cidr("198.18.0.64/28"), reservation_type::prefix));       // block 4: r
    REQUIRE(s->reserve(cidr("198.18.0.80/30"), reservation_type::explicit_));    // block 5: R
    CHECK(s->render() == "198.18.0.0      xP+#rR.x\n");
    auto big = make("198.18.0.0/20");  // 256 blocks: 4 lines of 64
    const auto map = big->render();
    CHECK(map.substr(0, 16) == "198.18.0.0      ");
    CHECK(map.find("198.18.4.0      ") != std::string::npos);   // 64 blocks * 16 = 1024 on
    CHECK(map.find("198.18.12.0     ") != std::string::npos);
    CHECK(std::count(map.begin(), map.end(), '\n') == 4);
    CHECK(subnet::render_legend().find("P allocated as a prefix") != std::string::npos);
}

TEST_CASE("check() reports a broken invariant", "[subnet]") {
    // A subnet is only changed through its members; a healthy one passes, and check()
    // returns a value that tests can require.
    auto s = make("198.18.0.0/16");
    for (int i = 0; i < 1000; ++i) REQUIRE(s->allocate_address(allocation_strategy::random));
    for (int i = 0; i < 100; ++i) REQUIRE(s->allocate_prefix());
    CHECK(s->check().has_value());
    CHECK(s->allocated_addresses() == 1000);
    CHECK(s->allocated_prefixes() == 100);
}
