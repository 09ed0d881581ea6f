// eni: lane states and counters on one ENI, by hand: a prefix and a secondary IP, every lane
// operation, wholly-free tracking, leaving slots; check() after each step.
#include <enipool/eni.hpp>

#include <catch2/catch.hpp>

using namespace enipool;
using namespace std::chrono_literals;

namespace {
ipv4_prefix p(const char* t) { return ipv4_prefix::parse(t).value(); }
}

TEST_CASE("eni lanes move between free, assigned and cooling with counters in step", "[eni]") {
    eni x("eni-1", 1, 0, p("10.0.0.0/16"), ipv4_address(10, 0, 255, 1), 9, {}, true, timestamp{});
    x.add_slot(0, p("10.0.1.0/28"), timestamp{5s});   // lanes 0..15
    x.add_slot(1, p("10.0.2.7/32"), timestamp{5s});   // lane 16 only
    REQUIRE(x.check().has_value());
    CHECK(x.stats().prefix_lanes.total == 16);
    CHECK(x.stats().secondary_lanes.total == 1);
    CHECK(x.stats().wholly_free_prefixes == 1);
    CHECK(x.slot_at(0).free_since == timestamp{5s});
    CHECK(x.address_of(3) == ipv4_address(10, 0, 1, 3));
    CHECK(x.address_of(16) == ipv4_address(10, 0, 2, 7));
    CHECK(x.state(17) == lane_state::none);  // a secondary IP uses lane 16*i only

    CHECK(x.take(3) == -1);  // the prefix is no longer wholly free
    CHECK(x.state(3) == lane_state::assigned);
    CHECK(x.stats().assigned() == 1);
    CHECK(x.cool(3) == 0);
    CHECK(x.state(3) == lane_state::cooling);
    CHECK(x.stats().cooling() == 1);
    CHECK(x.stats().wholly_free_prefixes == 0);  // cooling is not free
    CHECK(x.unfreeze(3, timestamp{40s}) == +1);
    CHECK(x.slot_at(0).free_since == timestamp{40s});
    CHECK(x.stats().free() == 17);
    REQUIRE(x.check().has_value());

    x.set_leaving(0, true, timestamp{41s});  // being released: out of service
    CHECK(x.state(3) == lane_state::leaving);
    CHECK(x.stats().prefix_lanes.total == 0);
    CHECK(x.stats().prefixes == 1);  // still held until EC2 confirms
    REQUIRE(x.check().has_value());
    x.set_leaving(0, false, timestamp{42s});  // release failed: back in service
    CHECK(x.stats().prefix_lanes.free == 16);
    x.remove_slot(1);
    CHECK(x.stats().secondaries == 0);
    CHECK(x.first_empty_slot() == 1);
    REQUIRE(x.check().has_value());
}

TEST_CASE("an eni that serves no pods keeps its CIDRs but no free lane", "[eni]") {
    eni trunk("eni-t", 2, 0, p("10.0.0.0/16"), ipv4_address(10, 0, 255, 2), 9, {true, false, false}, false, timestamp{});
    trunk.add_slot(0, p("10.0.3.0/28"), timestamp{});
    CHECK(trunk.stats().prefixes == 1);
    CHECK(trunk.stats().total() == 0);
    CHECK(trunk.free_lanes().empty());
    REQUIRE(trunk.check().has_value());
}
