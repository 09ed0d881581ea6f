// ipv6_pool: worked examples (first addresses, idempotence, cooldown, max pods, errors) and
// a RapidCheck run against a naive model (std::map keys, std::set of used offsets, a list
// of cooling offsets), with check() after every step.
#include "pool_test_support.hpp"

#include <enipool/ipv6_pool.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <deque>
#include <map>
#include <set>

namespace {

using namespace pool_test;
using namespace enipool;
using pool6 = ipv6_pool<enipool::pod_key<std::uint64_t>, enipool::clock<manual_clock>>;

ipv6_prefix doc_prefix() { return ipv6_prefix::parse("2001:db8:0:1:2::/80").value(); }
ipv6_address v6(const char* t) { return ipv6_address::parse(t).value(); }

} // namespace

TEST_CASE("ipv6_pool hands out the /80 in order, idempotently, with cooldown", "[ipv6_pool]") {
    manual_clock clk;
    auto p = pool6::create({doc_prefix()}, clk).value();
    // Interface id 0 is skipped: the first pod gets ...:2:0:0:1.
    CHECK(p.assign(1u).value() == v6("2001:db8:0:1:2::1"));
    CHECK(p.assign(2u).value() == v6("2001:db8:0:1:2::2"));
    CHECK(p.assign(1u).value() == v6("2001:db8:0:1:2::1"));  // same key, same address
    CHECK(p.release(1u).value() == v6("2001:db8:0:1:2::1"));
    CHECK(p.assign(3u).value() == v6("2001:db8:0:1:2::3"));  // ::1 cools
    clk.advance(30s);
    CHECK(p.assign(4u).value() == v6("2001:db8:0:1:2::4"));  // ::1 cools through its 30th second
    clk.advance(1ns);
    CHECK(p.assign(5u).value() == v6("2001:db8:0:1:2::1"));  // cooled down: reused
    const auto s = p.stats();
    CHECK(s.assigned == 4);
    CHECK(s.cooling == 0);
    CHECK(s.never_used == (std::uint64_t{1} << 48) - 5);  // offsets 0..4 are taken or skipped
    REQUIRE(p.check().has_value());
}

TEST_CASE("ipv6_pool errors leave it unchanged", "[ipv6_pool][errors]") {
    manual_clock clk;
    CHECK(pool6::create({ipv6_prefix::parse("2001:db8::/64").value()}, clk).error().code() == errc::invalid_prefix);
    CHECK(pool6::create({doc_prefix(), -1s}, clk).error().code() == errc::malformed_config);
    auto p = pool6::create({doc_prefix(), 30s, 2}, clk).value();
    REQUIRE(p.assign(1u).has_value());
    REQUIRE(p.assign(2u).has_value());
    const auto before = p.stats();
    CHECK(p.assign(3u).error().code() == errc::max_pods_reached);
    CHECK(p.release(9u).error().code() == errc::unknown_pod);
    CHECK(p.stats() == before);
    CHECK(p.find(3u) == nullptr);
    REQUIRE(p.check().has_value());
}

TEST_CASE("ipv6_pool matches a naive model", "[ipv6_pool][property]") {
    rc::prop("random assign / release / time", [](bool zero_cooldown) {
        manual_clock clk;
        const auto cooldown = zero_cooldown ? 0s : 30s;
        auto p = pool6::create({doc_prefix(), cooldown, 12}, clk).value();
        std::map<std::uint64_t, std::uint64_t> held;  // key -> offset
        std::deque<std::pair<std::uint64_t, timestamp>> cooling;
        std::set<std::uint64_t> ready;                 // cooled down
        std::uint64_t next = 1;
        const auto ops = *rc::gen::container<std::vector<std::pair<int, std::uint64_t>>>(
            rc::gen::pair(rc::gen::inRange(0, 3), rc::gen::inRange<std::uint64_t>(0, 16)));
        for (const auto& [kind, key] : ops) {
            while (!cooling.empty() && cooling.front().second + cooldown < p.now()) {
                ready.insert(cooling.front().first);
                cooling.pop_front();
            }
            if (kind == 0) {
                const auto r = p.assign(key);
                if (held.count(key)) {
                    RC_ASSERT(r.value() == doc_prefix().at(held[key]));
                } else if (held.size() >= 12) {
                    RC_ASSERT(r.error().code() == errc::max_pods_reached);
                } else {
                    // A cooled-down address if there is one, else the next never used.
                    const std::uint64_t off = r.value().low() & 0xFFFFFFFFFFFFull;
                    if (ready.empty()) {
                        RC_ASSERT(off == next++);
                    } else {
                        RC_ASSERT(ready.erase(off) == 1u);
                    }
                    held[key] = off;
                }
            } else if (kind == 1) {
                const auto r = p.release(key);
                if (!held.count(key)) {
                    RC_ASSERT(r.error().code() == errc::unknown_pod);
                } else {
                    RC_ASSERT(r.value() == doc_prefix().at(held[key]));
                    if (cooldown == 0s) ready.insert(held[key]);
                    else cooling.emplace_back(held[key], p.now());
                    held.erase(key);
                }
            } else {
                clk.advance(std::chrono::seconds(key * 3));
            }
            RC_ASSERT(p.check().has_value());
            const auto s = p.stats();
            while (!cooling.empty() && cooling.front().second + cooldown < p.now()) {
                ready.insert(cooling.front().first);
                cooling.pop_front();
            }
            RC_ASSERT(s.assigned == held.size());
            RC_ASSERT(s.cooling == cooling.size());
            RC_ASSERT(s.reusable == ready.size());
        }
    });
}
