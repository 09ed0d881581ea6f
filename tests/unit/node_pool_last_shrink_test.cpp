// node_pool: the view carries the time of the last planned release / detach, so that the VPC
// CNI's "release at most every shrink_interval (30 s)" rule holds in a real pool, not only
// on hand-built views. Expectations derived by hand in the comments.
#include "pool_test_support.hpp"

#include <catch2/catch.hpp>

#include <variant>

namespace {

using namespace pool_test;
using namespace enipool;

using vpc_pool = node_pool<prefix_first, vpc_cni_warm, enipool::pod_key<std::uint64_t>, enipool::clock<manual_clock>>;

// Released CIDRs of a plan (0 when it plans no release).
std::size_t released(const std::vector<action>& plan) {
    std::size_t n = 0;
    for (const action& a : plan)
        if (auto* r = std::get_if<release_from_eni>(&a)) n += r->cidrs.size();
    return n;
}

} // namespace

TEST_CASE("view().last_shrink is the time plan() last emitted a release", "[node_pool][plan]") {
    manual_clock clk;
    using pool_t = node_pool<toy_prefix_first, scripted_warm, enipool::pod_key<std::uint64_t>, enipool::clock<manual_clock>>;
    pool_t::config cfg;
    cfg.type = m5_large();
    auto created = pool_t::create(cfg, clk);
    REQUIRE(created.has_value());
    auto p = std::move(*created);
    auto queue = p.configuration().warm.queue;
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28"), cidr("10.0.0.16/28")})).has_value());
    CHECK_FALSE(p.view().last_shrink.has_value());  // nothing released yet
    clk.advance(5s);
    queue->push_back(assign_to_eni{0, "eni-0", address_mode::prefix, 1});
    REQUIRE(p.plan().size() == 1);
    CHECK_FALSE(p.view().last_shrink.has_value());  // growth is not a shrink
    clk.advance(7s);                                 // t = 12 s
    queue->push_back(release_from_eni{0, "eni-0", {cidr("10.0.0.16/28")}});
    const auto rel = p.plan();
    REQUIRE(rel.size() == 1);
    CHECK(p.view().last_shrink == timestamp{12s});
    clk.advance(1s);
    REQUIRE(p.apply(outcome{rel[0], grant{}}).has_value());
    CHECK(p.view().last_shrink == timestamp{12s});  // answering does not move it
    REQUIRE(p.check().has_value());
}

TEST_CASE("vpc_cni_warm in a pool releases at most once per shrink_interval", "[node_pool][plan]") {
    manual_clock clk;
    vpc_pool::config cfg;
    cfg.type = m5_large();
    cfg.cooldown = 0s;                      // a released pod's prefix is wholly free at once
    cfg.warm.warm_prefix_target = 1;        // keep one wholly free /28; shrink_interval 30 s
    auto created = vpc_pool::create(cfg, clk);
    REQUIRE(created.has_value());
    auto p = std::move(*created);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28"), cidr("10.0.0.16/28"),
                                                      cidr("10.0.0.32/28")})).has_value());
    REQUIRE(p.assign(1).value() == addr("10.0.0.0"));  // lowest lane: prefix A = 10.0.0.0/28
    // t = 0: wholly free B and C, target 1 -> one excess prefix is released.
    const auto first = p.plan();
    REQUIRE(released(first) == 1);
    REQUIRE(p.apply(outcome{first[0], grant{}}).has_value());
    // t = 10 s: pod 1 leaves, A is wholly free: two free prefixes, one too many. The last
    // release was 10 s ago (< 30 s): nothing is released.
    clk.advance(10s);
    REQUIRE(p.release(1).has_value());
    CHECK(released(p.plan()) == 0);
    // t = 29 s: still inside the interval.
    clk.advance(19s);
    CHECK(released(p.plan()) == 0);
    // t = 30 s: ipamd skips a decrease while the last one is at most 30 s old.
    clk.advance(1s);
    CHECK(released(p.plan()) == 0);
    // Just past 30 s: the excess prefix goes.
    clk.advance(1ns);
    CHECK(released(p.plan()) == 1);
    REQUIRE(p.check().has_value());
}
