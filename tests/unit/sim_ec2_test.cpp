// sim/ec2.hpp: every error path (nothing changes on error), the instance type's limits,
// latency ordering on virtual time, fault injection and determinism by seed, the call log
// and counters. Expected values are derived by hand in the comments.
#include <enipool/sim/ec2.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <ostream>

using namespace std::chrono_literals;
using enipool::action;
using enipool::address_mode;
using enipool::allocation_strategy;
using enipool::assign_to_eni;
using enipool::attach_eni;
using enipool::detach_eni;
using enipool::errc;
using enipool::instance_type;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using enipool::release_from_eni;
using enipool::subnet;
namespace sim = enipool::sim;

namespace enipool {
// Lets Catch print a result<grant> when an assertion fails.
std::ostream& operator<<(std::ostream& os, const grant& g) {
    os << g.eni_id << " primary " << g.primary_ip << " cidrs";
    for (const auto& c : g.cidrs) os << ' ' << c;
    return os;
}
} // namespace enipool

namespace {

// m5.large: 3 ENIs x 10 IPv4 (9 slots besides the primary), Nitro.
instance_type m5_large() {
    instance_type t;
    t.name = "m5.large";
    t.max_enis = 3;
    t.ipv4_per_eni = 10;
    t.hypervisor = enipool::hypervisor_kind::nitro;
    return t;
}
// m4.large: 2 ENIs x 10 IPv4, Xen: no prefixes.
instance_type m4_large() {
    instance_type t = m5_large();
    t.name = "m4.large";
    t.max_enis = 2;
    t.hypervisor = enipool::hypervisor_kind::xen;
    return t;
}

subnet make_subnet(const char* text) {
    return *subnet::create(*ipv4_prefix::parse(text), 3);
}

sim::ec2_config lowest_config() {
    sim::ec2_config c;
    c.strategy = allocation_strategy::lowest;  // predictable addresses
    return c;
}

// Runs `a` for `node` now, requires `code`, and requires the subnet and node unchanged.
void fails_unchanged(sim::ec2& e, sim::node_id node, const action& a, errc code) {
    const auto subnet_before = std::make_unique<subnet>(e.subnet_at(e.node(node).subnet_index));
    const auto enis_before = e.node(node).enis;
    const auto got = e.execute(node, a);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().code() == code);
    CHECK(e.subnet_at(e.node(node).subnet_index) == *subnet_before);
    CHECK(e.node(node).enis == enis_before);
}

} // namespace

TEST_CASE("register_node attaches the primary ENI with an address from the subnet", "[sim][ec2]") {
    sim::ec2 e(lowest_config());
    e.add_subnet(make_subnet("198.18.0.0/24"));
    auto n = e.register_node(m5_large());
    REQUIRE(n.has_value());
    const auto& node = e.node(*n);
    REQUIRE(node.enis.size() == 1);
    CHECK(node.enis[0].device_index == 0);
    CHECK(node.enis[0].primary_ip == *ipv4_address::parse("198.18.0.4"));  // lowest after EC2's 4
    CHECK(node.enis[0].id == "eni-00000000000000001");
    CHECK(e.subnet_at(0).allocated_addresses() == 1);
    CHECK(e.register_node(m5_large(), 7).error().code() == errc::invalid_parameter_value);
    instance_type broken = m5_large();
    broken.max_enis = 0;
    CHECK(e.register_node(broken).error().code() == errc::invalid_instance_limits);
    CHECK(e.node_count() == 1);
}

TEST_CASE("attach, assign, release and detach change the subnet as EC2 would", "[sim][ec2]") {
    sim::ec2 e(lowest_config());
    e.add_subnet(make_subnet("198.18.0.0/24"));
    const auto node = *e.register_node(m5_large());        // primary ENI: .4
    const auto before_attach = std::make_unique<subnet>(e.subnet_at(0));
    auto g = e.execute(node, attach_eni{1, address_mode::prefix, 2, 1, 0});
    REQUIRE(g.has_value());
    // Primary .5 (lowest), then the lowest wholly free blocks: .16/28 and .32/28.
    CHECK(g->primary_ip == *ipv4_address::parse("198.18.0.5"));
    CHECK(g->device_index == 1);
    CHECK(g->subnet == *ipv4_prefix::parse("198.18.0.0/24"));
    REQUIRE(g->cidrs.size() == 2);
    CHECK(g->cidrs[0] == *ipv4_prefix::parse("198.18.0.16/28"));
    CHECK(g->cidrs[1] == *ipv4_prefix::parse("198.18.0.32/28"));
    CHECK(e.subnet_at(0).allocated_prefixes() == 2);
    const std::string eni = g->eni_id;

    auto more = e.execute(node, assign_to_eni{2, eni, address_mode::secondary, 3});
    REQUIRE(more.has_value());
    // Secondary IPs: .6 .7 .8 (lowest free).
    REQUIRE(more->cidrs.size() == 3);
    CHECK(more->cidrs[0] == *ipv4_prefix::parse("198.18.0.6/32"));
    CHECK(more->cidrs[2] == *ipv4_prefix::parse("198.18.0.8/32"));
    CHECK(e.node(node).enis[1].cidrs.size() == 5);

    REQUIRE(e.execute(node, release_from_eni{3, eni, {*ipv4_prefix::parse("198.18.0.16/28"),
                                                      *ipv4_prefix::parse("198.18.0.7/32")}}));
    CHECK(e.node(node).enis[1].cidrs.size() == 3);
    CHECK(e.subnet_at(0).allocated_prefixes() == 1);
    CHECK_FALSE(e.subnet_at(0).is_allocated(*ipv4_address::parse("198.18.0.7")));

    // Detach frees the primary and everything on it: the subnet is as before the attach
    // (lowest strategy: the generator was never used).
    REQUIRE(e.execute(node, detach_eni{4, eni}));
    CHECK(e.node(node).enis.size() == 1);
    CHECK(e.subnet_at(0) == *before_attach);
    CHECK(e.subnet_at(0).check().has_value());
}

TEST_CASE("every error path of the simulated EC2 leaves everything unchanged", "[sim][ec2]") {
    sim::ec2 e(lowest_config());
    e.add_subnet(make_subnet("198.18.0.0/24"));
    const auto node = *e.register_node(m5_large());
    const std::string primary_eni = e.node(node).enis[0].id;
    // 9 slots per ENI: 10 is one too many, on attach and on assign.
    fails_unchanged(e, node, attach_eni{1, address_mode::prefix, 10, 1, 0},
                    errc::private_ip_address_limit_exceeded);
    const auto eni = e.execute(node, attach_eni{2, address_mode::secondary, 5, 1, 0})->eni_id;
    fails_unchanged(e, node, assign_to_eni{3, eni, address_mode::prefix, 5},
                    errc::private_ip_address_limit_exceeded);  // 5 used + 5 > 9
    REQUIRE(e.execute(node, assign_to_eni{4, eni, address_mode::prefix, 4}));  // 9 of 9
    fails_unchanged(e, node, assign_to_eni{5, eni, address_mode::secondary, 1},
                    errc::private_ip_address_limit_exceeded);
    // Device index 1 is taken; device 2 is the 3rd and last ENI of an m5.large.
    fails_unchanged(e, node, attach_eni{6, address_mode::secondary, 1, 1, 0}, errc::invalid_parameter_value);
    REQUIRE(e.execute(node, attach_eni{7, address_mode::secondary, 1, 2, 0}));
    fails_unchanged(e, node, attach_eni{8, address_mode::secondary, 1, 3, 0}, errc::attachment_limit_exceeded);
    // Unknown ENIs, CIDRs not on the ENI (or named twice), the primary ENI.
    fails_unchanged(e, node, assign_to_eni{9, "eni-404", address_mode::prefix, 1}, errc::unknown_eni);
    fails_unchanged(e, node, release_from_eni{10, "eni-404", {}}, errc::unknown_eni);
    fails_unchanged(e, node, detach_eni{11, "eni-404"}, errc::unknown_eni);
    fails_unchanged(e, node, release_from_eni{12, eni, {*ipv4_prefix::parse("198.18.0.200/32")}},
                    errc::invalid_parameter_value);
    const auto first = e.node(node).enis[1].cidrs[0];
    fails_unchanged(e, node, release_from_eni{13, eni, {first, first}}, errc::invalid_parameter_value);
    fails_unchanged(e, node, detach_eni{14, primary_eni}, errc::invalid_parameter_value);
    CHECK(e.execute(99, detach_eni{15, eni}).error().code() == errc::invalid_parameter_value);
    CHECK(e.submit(99, detach_eni{15, eni}, 0s).error().code() == errc::invalid_parameter_value);
    // A Xen type cannot take prefixes.
    const auto xen = *e.register_node(m4_large());
    fails_unchanged(e, xen, attach_eni{16, address_mode::prefix, 1, 1, 0}, errc::invalid_parameter_value);
    fails_unchanged(e, xen, assign_to_eni{17, e.node(xen).enis[0].id, address_mode::prefix, 1},
                    errc::invalid_parameter_value);
}

TEST_CASE("subnet errors reach the caller: no /28 left, no address left", "[sim][ec2]") {
    sim::ec2 e(lowest_config());
    e.add_subnet(make_subnet("198.18.0.0/28"));  // 11 usable addresses, no /28 at all
    const auto node = *e.register_node(m5_large());  // primary .4: 10 left
    fails_unchanged(e, node, attach_eni{1, address_mode::prefix, 1, 1, 0}, errc::insufficient_cidr_blocks);
    // A secondary attach needs 1 primary + 9 = 10: it fits exactly.
    REQUIRE(e.execute(node, attach_eni{2, address_mode::secondary, 9, 1, 0}));
    CHECK(e.subnet_at(0).free_addresses() == 0);
    fails_unchanged(e, node, attach_eni{3, address_mode::secondary, 0, 2, 0}, errc::insufficient_free_addresses);
    const auto eni = e.node(node).enis[0].id;
    fails_unchanged(e, node, assign_to_eni{4, eni, address_mode::secondary, 1}, errc::insufficient_free_addresses);
}

TEST_CASE("a failed attach gives its primary IP back", "[sim][ec2]") {
    sim::ec2 e;  // random strategy
    e.add_subnet(make_subnet("198.18.0.0/24"));
    const auto node = *e.register_node(m5_large());
    // 14 free blocks; 9 prefixes fit, a second ENI of 9 does not (14 - 9 = 5, and the
    // second primary may break one more).
    REQUIRE(e.execute(node, attach_eni{1, address_mode::prefix, 9, 1, 0}));
    const auto free = e.subnet_at(0).free_addresses();
    const auto r = e.execute(node, attach_eni{2, address_mode::prefix, 9, 2, 0});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::insufficient_cidr_blocks);
    CHECK(e.subnet_at(0).free_addresses() == free);
    CHECK(e.subnet_at(0).allocated_addresses() == 2);  // the two primaries of ENIs 0 and 1
    CHECK(e.node(node).enis.size() == 2);
}

TEST_CASE("virtual time: outcomes arrive after their latency, in completion order", "[sim][ec2]") {
    sim::ec2_config c = lowest_config();
    c[sim::call_kind::attach_eni].latency = 1000ms;
    c[sim::call_kind::assign_to_eni].latency = 200ms;
    sim::ec2 e(c);
    e.add_subnet(make_subnet("198.18.0.0/24"));
    const auto node = *e.register_node(m5_large());
    const auto primary = e.node(node).enis[0].id;
    REQUIRE(e.submit(node, attach_eni{1, address_mode::prefix, 1, 1, 0}, 0ms));
    REQUIRE(e.submit(node, assign_to_eni{2, primary, address_mode::prefix, 1}, 0ms));
    REQUIRE(e.submit(node, assign_to_eni{3, primary, address_mode::prefix, 1}, 800ms));  // done at 1000ms
    CHECK(e.in_flight() == 3);
    CHECK(e.next_completion() == std::optional<sim::sim_time>(200ms));
    CHECK(e.poll(199ms).empty());
    auto at200 = e.poll(200ms);
    REQUIRE(at200.size() == 1);
    CHECK(enipool::request_id_of(at200[0].request) == 2);
    // At 1000 ms two calls complete: the attach (submitted first) before request 3.
    auto at1000 = e.poll(5s);
    REQUIRE(at1000.size() == 2);
    CHECK(enipool::request_id_of(at1000[0].request) == 1);
    CHECK(enipool::request_id_of(at1000[1].request) == 3);
    CHECK(e.in_flight() == 0);
    CHECK_FALSE(e.next_completion().has_value());
    // The effect happens at completion: request 2 took the lowest block first.
    CHECK(at200[0].response->cidrs[0] == *ipv4_prefix::parse("198.18.0.16/28"));
    CHECK(at1000[0].response->cidrs[0] == *ipv4_prefix::parse("198.18.0.32/28"));
    REQUIRE(e.log().size() == 3);
    CHECK(e.log()[0].submitted == 0ms);
    CHECK(e.log()[0].completed == 200ms);
    CHECK(e.log()[2].submitted == 800ms);
    CHECK(e.log()[2].completed == 1000ms);
    CHECK(e.calls(sim::call_kind::assign_to_eni) == 2);
    CHECK(e.calls(sim::call_kind::attach_eni) == 1);
}

TEST_CASE("fault injection: throttling and EC2 errors at a rate, deterministic by seed", "[sim][ec2]") {
    auto run = [](std::uint64_t seed) {
        sim::ec2_config c = lowest_config();
        c.seed = seed;
        c[sim::call_kind::assign_to_eni].throttle_rate = 0.3;
        c[sim::call_kind::assign_to_eni].faults = {{errc::insufficient_cidr_blocks, 0.2}};
        auto e = std::make_unique<sim::ec2>(c);
        e->add_subnet(make_subnet("198.18.0.0/16"));
        const auto node = *e->register_node(m5_large());
        const auto eni = e->node(node).enis[0].id;
        for (int i = 0; i < 200; ++i) {
            (void)e->submit(node, assign_to_eni{std::uint64_t(i), eni, address_mode::secondary, 1},
                            std::chrono::milliseconds(i));
            for (auto& o : e->poll(std::chrono::milliseconds(i + 1000)))
                if (o.response) {  // give it back so the ENI never fills up
                    const auto& g = *o.response;
                    (void)e->execute(node, release_from_eni{0, g.eni_id, g.cidrs});
                }
        }
        (void)e->poll(1h);
        return e;
    };
    const auto a = run(11);
    const auto b = run(11);
    const auto c = run(12);
    REQUIRE(a->log().size() == 200);
    std::size_t throttled = 0, injected = 0, same_as_c = 0;
    for (std::size_t i = 0; i < 200; ++i) {
        const auto& x = a->log()[i];
        CHECK(x.response.has_value() == b->log()[i].response.has_value());
        CHECK(x.injected == b->log()[i].injected);
        if (!x.response && x.response.error() == errc::request_limit_exceeded) ++throttled;
        if (x.injected) ++injected;
        same_as_c += x.injected == c->log()[i].injected;
        if (x.response) CHECK_FALSE(x.injected);
    }
    // Expected 30% (60) throttled and 50% (100) injected; a wide band keeps this robust
    // while still failing when the rates are ignored.
    CHECK(throttled > 30);
    CHECK(throttled < 90);
    CHECK(injected > 70);
    CHECK(injected < 130);
    CHECK(a->errors(errc::request_limit_exceeded) == throttled);
    CHECK(a->errors(errc::insufficient_cidr_blocks) == injected - throttled);
    CHECK(same_as_c < 200);  // another seed, other faults
    // Injected faults change nothing: only the successful assigns touched the subnet, and
    // each was given back, so only the primary IP remains.
    CHECK(a->subnet_at(0).allocated_addresses() == 1);
}

TEST_CASE("one simulated EC2 serves many nodes on several subnets", "[sim][ec2]") {
    sim::ec2 e(lowest_config());
    const auto s0 = e.add_subnet(make_subnet("198.18.0.0/24"));
    const auto s1 = e.add_subnet(make_subnet("100.64.0.0/24"));
    const auto n0 = *e.register_node(m5_large(), s0);
    const auto n1 = *e.register_node(m5_large(), s1);
    const auto g0 = e.execute(n0, attach_eni{1, address_mode::prefix, 1, 1, 0});
    const auto g1 = e.execute(n1, attach_eni{1, address_mode::prefix, 1, 1, 0});
    CHECK(g0->subnet == *ipv4_prefix::parse("198.18.0.0/24"));
    CHECK(g1->subnet == *ipv4_prefix::parse("100.64.0.0/24"));
    CHECK(g0->eni_id != g1->eni_id);
    // ENIs belong to their node: n1 cannot touch n0's ENI.
    fails_unchanged(e, n1, detach_eni{2, g0->eni_id}, errc::unknown_eni);
}

TEST_CASE("terminate_node gives every address of the node back", "[sim][ec2]") {
    sim::ec2 e(lowest_config());
    e.add_subnet(make_subnet("198.18.0.0/24"));
    const auto fresh = std::make_unique<subnet>(e.subnet_at(0));
    const auto node = *e.register_node(m5_large());
    const auto eni = e.execute(node, attach_eni{1, address_mode::prefix, 2, 1, 0})->eni_id;
    REQUIRE(e.execute(node, assign_to_eni{2, e.node(node).enis[0].id, address_mode::secondary, 3}));
    REQUIRE(e.submit(node, assign_to_eni{3, eni, address_mode::prefix, 1}, 0ms));
    // 2 primaries + 3 secondary IPs + 2 prefixes held.
    CHECK(e.subnet_at(0).allocated_addresses() == 5);
    CHECK(e.subnet_at(0).allocated_prefixes() == 2);
    REQUIRE(e.terminate_node(node));
    CHECK(e.node(node).enis.empty());
    CHECK(e.subnet_at(0) == *fresh);  // lowest strategy: exactly the fresh subnet
    CHECK(e.terminate_node(node).error().code() == errc::invalid_parameter_value);
    CHECK(e.terminate_node(42).error().code() == errc::invalid_parameter_value);
    CHECK(e.submit(node, detach_eni{4, eni}, 0ms).error().code() == errc::invalid_parameter_value);
    // The call queued before the termination completes with an error and changes nothing.
    const auto late = e.poll(1h);
    REQUIRE(late.size() == 1);
    REQUIRE_FALSE(late[0].response.has_value());
    CHECK(late[0].response.error().code() == errc::invalid_parameter_value);
    CHECK(e.subnet_at(0) == *fresh);
}
