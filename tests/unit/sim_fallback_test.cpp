// A node pool driven through sim::ec2 on a fragmented subnet: under prefix_first it keeps
// serving pods through the fallback to secondary IPs and returns to prefixes once a /28 is
// free again after the back-off; under prefix_only the same node serves nobody.
// The pool and EC2 run on one virtual clock: plan -> submit -> advance -> poll -> apply.
#include <enipool/node_pool.hpp>
#include <enipool/policy.hpp>
#include <enipool/sim/ec2.hpp>
#include <enipool/subnet.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

using namespace std::chrono_literals;
using enipool::errc;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using enipool::manual_clock;
namespace sim = enipool::sim;

namespace {

// m5.xlarge: 4 ENIs x 15 IPv4 (14 slots each), Nitro.
enipool::instance_type m5_xlarge() {
    enipool::instance_type t;
    t.name = "m5.xlarge";
    t.max_enis = 4;
    t.ipv4_per_eni = 15;
    t.hypervisor = enipool::hypervisor_kind::nitro;
    return t;
}

const ipv4_prefix slash24 = *ipv4_prefix::parse("198.18.0.0/24");

// The classic fragmented /24: one secondary IP at .16b+5 in each block 1..14, so no aligned
// /28 is wholly free while 237 addresses are.
enipool::subnet fragmented() {
    auto s = *enipool::subnet::create(slash24);
    for (std::uint32_t b = 1; b <= 14; ++b)
        REQUIRE(s.allocate_specific(ipv4_address(slash24.base().to_uint() + 16 * b + 5)));
    REQUIRE(s.free_blocks() == 0);
    return s;
}

template <class Policy>
struct harness {
    using pool_t = enipool::node_pool<Policy, enipool::vpc_cni_warm, enipool::pod_key<std::uint64_t>,
                                      enipool::clock<manual_clock>>;
    manual_clock clk;
    std::unique_ptr<sim::ec2> ec2;
    sim::node_id node = 0;
    std::unique_ptr<pool_t> pool;
    std::uint64_t served = 0;  // pods 0 .. served-1 hold an address

    harness() {
        sim::ec2_config c;
        c.strategy = enipool::allocation_strategy::lowest;  // keeps block 10 clear below
        c[sim::call_kind::attach_eni].latency = 1500ms;
        c[sim::call_kind::assign_to_eni].latency = 300ms;
        ec2 = std::make_unique<sim::ec2>(c);
        ec2->add_subnet(fragmented());
        node = *ec2->register_node(m5_xlarge());
        typename pool_t::config cfg;
        cfg.type = m5_xlarge();
        cfg.warm.warm_ip_target = 2;  // keep two addresses warm: small, exact growth steps
        auto p = pool_t::create(cfg, clk);
        REQUIRE(p.has_value());
        pool = std::make_unique<pool_t>(std::move(*p));
        // The node's primary ENI (device 0) as EC2 created it.
        const auto& primary = ec2->node(node).enis.at(0);
        REQUIRE(pool->add_eni(enipool::eni_spec{primary.id, 0, 0, slash24, primary.primary_ip, {}, {}}));
    }

    // One tick: plan, submit, advance the clock, poll, apply, check.
    void tick(std::chrono::milliseconds dt) {
        for (auto& a : pool->plan()) REQUIRE(ec2->submit(node, a, pool->now()));
        clk.advance(dt);
        for (const auto& o : ec2->poll(pool->now())) {
            const auto applied = pool->apply(o);
            INFO((applied ? std::string("ok") : applied.error().message()));
            REQUIRE(applied.has_value());
        }
        REQUIRE(pool->check().has_value());
        REQUIRE(ec2->subnet_at(0).check().has_value());
    }

    // Ticks for `duration`, trying each tick to give pods served .. wanted-1 an address.
    void run(std::chrono::milliseconds duration, std::uint64_t wanted) {
        for (auto t = 0ms; t < duration; t += 100ms) {
            while (served < wanted && pool->assign(served)) ++served;
            tick(100ms);
        }
        while (served < wanted && pool->assign(served)) ++served;
    }
};

} // namespace

TEST_CASE("prefix_first keeps serving pods on a fragmented subnet through the fallback", "[sim][fallback]") {
    harness<enipool::prefix_first> h;
    h.run(30s, 20);
    // Every pod got an address although no /28 was ever free.
    CHECK(h.served == 20);
    CHECK(h.ec2->errors(errc::insufficient_cidr_blocks) >= 1);
    CHECK(h.pool->policy().fallbacks() >= 1);
    const auto stats = h.pool->stats();
    CHECK(stats.assigned == 20);
    CHECK(stats.prefixes == 0);
    // 20 pods + 2 warm = 22 secondary IPs (WARM_IP_TARGET=2), none from a reserved range.
    CHECK(stats.secondaries == 22);
    for (std::uint64_t pod = 0; pod < 20; ++pod) {
        const auto* a = h.pool->find(pod);
        REQUIRE(a != nullptr);
        CHECK(h.ec2->subnet_at(0).is_allocated(a->address));
    }

    // Another tenant frees its address in block 10 (.165): 198.18.0.160/28 is wholly free.
    REQUIRE(h.ec2->subnet_at(0).release(*ipv4_address::parse("198.18.0.165")));
    REQUIRE(h.ec2->subnet_at(0).free_blocks() == 1);
    // Past the 120 s back-off the policy asks for prefixes again; 3 more pods use up the
    // warm addresses, so the pool grows, this time with the free /28.
    h.run(150s, 20);
    CHECK(h.pool->policy().mode(h.pool->now()) == enipool::address_mode::prefix);
    h.run(10s, 23);
    CHECK(h.served == 23);
    CHECK(h.pool->stats().prefixes == 1);
    CHECK(h.ec2->subnet_at(0).is_allocated_prefix(*ipv4_prefix::parse("198.18.0.160/28")));
    CHECK(h.ec2->subnet_at(0).free_blocks() == 0);
}

TEST_CASE("prefix_only on the same fragmented subnet serves no pod", "[sim][fallback]") {
    harness<enipool::prefix_only> h;
    h.run(30s, 20);
    CHECK(h.served == 0);
    CHECK(h.ec2->errors(errc::insufficient_cidr_blocks) >= 1);
    CHECK(h.pool->stats().total == 0);
}
