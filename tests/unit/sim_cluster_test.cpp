#include <enipool/catalog.hpp>
#include <enipool/sim/cluster.hpp>
#include <catch2/catch.hpp>
TEST_CASE("smoke") {
    namespace sim = enipool::sim;
    sim::cluster_config c;
    c.subnets.push_back(*enipool::subnet::create(*enipool::ipv4_prefix::parse("198.18.0.0/22")));
    sim::node_group g;
    g.type = *enipool::builtin_catalog().at("m5.large");
    c.groups.push_back(g);
    auto cl = sim::cluster::create(c);
    REQUIRE(cl.has_value());
    REQUIRE(cl->run().has_value());
    REQUIRE(cl->check().has_value());
    auto s = cl->summary();
    CHECK(s.peak_pods_running > 0);
    WARN(sim::to_csv(cl->samples()).substr(0, 2000));
}
