// synchronized<node_pool>: four threads assign and release concurrently; afterwards every
// address was handed to one pod at a time and the pool's invariants hold.
#include "pool_test_support.hpp"

#include <enipool/synchronized.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

using namespace pool_test;
using namespace enipool;

TEST_CASE("synchronized<node_pool> serves concurrent assign / release", "[node_pool][synchronized]") {
    using pool_t = node_pool<toy_prefix_first, no_warm, enipool::pod_key<std::uint64_t>, enipool::clock<manual_clock>>;
    manual_clock clk;
    pool_t::config cfg;
    cfg.type = m5_large();
    cfg.cooldown = 0s;
    auto raw = pool_t::create(cfg, clk).value();
    REQUIRE(raw.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28"), cidr("10.0.0.16/28")})).has_value());
    synchronized<pool_t> pool(std::move(raw));
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (std::uint64_t t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            // Each thread holds at most 8 pods (4 x 8 = 32 = capacity): assigns never fail.
            for (std::uint64_t round = 0; round < 500; ++round) {
                for (std::uint64_t i = 0; i < 8; ++i)
                    if (!pool.assign(t * 1000 + i)) ++failures;
                for (std::uint64_t i = 0; i < 8; ++i)
                    if (!pool.release(t * 1000 + i)) ++failures;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(failures == 0);
    CHECK(pool.check().has_value());
    CHECK(pool.stats().assigned == 0);
    // A compound operation under one lock: assign two pods and read both back.
    const auto both = pool.with_lock([](pool_t& p) {
        const auto a = p.assign(1u).value();
        const auto b = p.assign(2u).value();
        return std::set<ipv4_address>{a, b, p.find(1u)->address};
    });
    CHECK(both.size() == 2);
}
