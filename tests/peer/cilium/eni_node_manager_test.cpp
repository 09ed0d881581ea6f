// Cilium's pkg/aws/eni/node_manager_test.go (DataDog/cilium@059de3d): the node manager with
// the EC2 mock (real ENI limits, subnet s-1 with 200 free addresses). Here: a
// node_pool<secondary_only | prefix_first{permanent_fallback}, cilium_watermarks> in its
// default configuration (release_excess and the delay set where the test sets them) whose
// eni-0 is the test's pre-attached empty interface; every step sets "used", converges and
// compares avail / used (and ENI / prefix counts) with the test's assertions. Derived cases
// CD2-CD10 come from DataDog/cilium@06d2b53 pkg/ipam/node.go and cilium/cilium
// pkg/aws/eni/node.go.
#include "peer_case.hpp"

#include "cilium_node.hpp"
#include "view_builder.hpp"

PEER_UPSTREAM_FILE(eni_node_manager_test_go, "cilium", "DataDog/cilium", "pkg/aws/eni/node_manager_test.go",
                   "059de3da7b06f16da3f6f4a7e77b406a962d4442");
PEER_UPSTREAM_FILE(ipam_node_go, "cilium", "DataDog/cilium", "pkg/ipam/node.go", "06d2b53da3ad1d1ce2270308e315fa9dc0f99e90");

#define ENI_TEST(line, test, row) PEER_UPSTREAM("eni_node_manager_test.go", "059de3d", "cilium", line, test, row)
#define ENI_DERIVED(id, what) PEER_DERIVED("node.go", "06d2b53", "cilium", id, what)

namespace {

using namespace std::chrono_literals;
using peer_cilium::node;
using peer_cilium::spec;
using peer_cilium::type;

using pd_node = node<enipool::prefix_first>;

enipool::instance_type m5_large() { return type("m5.large", 3, 10); }
enipool::instance_type m5a_large() { return type("m5a.large", 3, 10); }
enipool::instance_type m5_4xlarge() { return type("m5.4xlarge", 8, 30); }
enipool::instance_type m3_large() { return type("m3.large", 3, 10); }
enipool::instance_type m4_xlarge() { return type("m4.xlarge", 4, 15); }
enipool::instance_type t2_xlarge() { return type("t2.xlarge", 3, 15); }
enipool::instance_type m4_large() { return type("m4.large", 2, 10); }

enipool::prefix_first_config cilium_fallback() {
    enipool::prefix_first_config p;
    p.permanent_fallback = true;  // IsPrefixDelegated() is false once a /32 is held
    return p;
}

void steps(node<>& n, std::initializer_list<std::uint64_t> used) {
    n.converge();
    for (const auto u : used) n.use(u), n.converge();
}

void prefix_delegation(pd_node& n, int upto) {
    n.converge();                             // m5a.large, pre-allocate 8
    if (upto >= 2) n.use(12), n.converge();   // Use 12 out of 16 IPs
    if (upto >= 4) {                          // s-1 down to 15 free: no /28 left
        n.refuse_prefixes(enipool::errc::insufficient_cidr_blocks);
        n.use(25), n.converge();              // Use 25 out of 32 IPs
    }
}

void release_address(node<>& n, int upto) {
    const std::uint64_t used[] = {11, 13, 10};
    n.converge();
    for (int s = 1; s < upto && s < 4; ++s) n.use(used[s - 1]), n.converge();
    if (upto > 4) n.advance(3s), n.converge();  // resync after the 2 s delay, agent acknowledges
}

} // namespace

// TestNodeManagerDefaultAllocation: m5.large, pre-allocate 8.
ENI_TEST(140, "TestNodeManagerDefaultAllocation", "step 1: pre-allocate 8 -> avail 8, used 0") {
    node<> n(m5_large(), spec(8));
    steps(n, {});
    CHECK(n.avail() == 8);
    CHECK(n.used() == 0);
}
ENI_TEST(149, "TestNodeManagerDefaultAllocation", "step 2: use 7 -> avail 15, used 7") {
    node<> n(m5_large(), spec(8));
    steps(n, {7});
    CHECK(n.avail() == 15);
    CHECK(n.used() == 7);
}

// TestNodeManagerPrefixDelegation: m5a.large, prefix delegation, pre-allocate 8.
ENI_TEST(183, "TestNodeManagerPrefixDelegation", "step 1: pre-allocate 8 -> avail 16, used 0") {
    pd_node n(m5a_large(), spec(8), cilium_fallback());
    prefix_delegation(n, 1);
    CHECK(n.avail() == 16);
    CHECK(n.used() == 0);
}
ENI_TEST(192, "TestNodeManagerPrefixDelegation", "step 2: use 12 -> avail 32, used 12") {
    pd_node n(m5a_large(), spec(8), cilium_fallback());
    prefix_delegation(n, 2);
    CHECK(n.avail() == 32);
    CHECK(n.used() == 12);
}
ENI_TEST(201, "TestNodeManagerPrefixDelegation", "step 3: 2 prefixes in total") {
    pd_node n(m5a_large(), spec(8), cilium_fallback());
    prefix_delegation(n, 3);
    CHECK(n.prefixes() == 2);
}
ENI_TEST(217, "TestNodeManagerPrefixDelegation", "step 4: no free prefix in s-1, use 25 -> avail 33, used 25") {
    pd_node n(m5a_large(), spec(8), cilium_fallback());
    prefix_delegation(n, 4);
    CHECK(n.avail() == 33);
    CHECK(n.used() == 25);
}

// TestNodeManagerENIWithSGTags: m5.large, pre-allocate 8 (the security-group assertion is not modelled).
ENI_TEST(254, "TestNodeManagerENIWithSGTags", "step 1: pre-allocate 8 -> avail 8, used 0") {
    node<> n(m5_large(), spec(8));
    steps(n, {});
    CHECK(n.avail() == 8);
    CHECK(n.used() == 0);
}
ENI_TEST(263, "TestNodeManagerENIWithSGTags", "step 2: use 7 -> avail 15, used 7") {
    node<> n(m5_large(), spec(8));
    steps(n, {7});
    CHECK(n.avail() == 15);
    CHECK(n.used() == 7);
}

// TestNodeManagerMinAllocate20: m5.4xlarge, pre-allocate -1, min-allocate 10.
ENI_TEST(308, "TestNodeManagerMinAllocate20", "step 1: pre -1, min 10 -> avail 10, used 0") {
    node<> n(m5_4xlarge(), spec(-1, 10));
    steps(n, {});
    CHECK(n.avail() == 10);
    CHECK(n.used() == 0);
}
ENI_TEST(316, "TestNodeManagerMinAllocate20", "step 2: use 8 -> avail 10, used 8") {
    node<> n(m5_4xlarge(), spec(-1, 10));
    steps(n, {8});
    CHECK(n.avail() == 10);
    CHECK(n.used() == 8);
}
ENI_TEST(329, "TestNodeManagerMinAllocate20", "step 3: pre 0 (8), min 20, used 8 -> avail 20") {
    // The spec changes under the node: a pool with the new spec and the node's state (eni-0
    // holding 10 addresses, 8 used).
    node<> n(m5_4xlarge(), spec(0, 20));
    std::vector<enipool::ipv4_prefix> ten;
    for (int i = 1; i <= 10; ++i) ten.push_back(peer_cilium::prefix(("10.0.1." + std::to_string(i) + "/32").c_str()));
    REQUIRE(n.pool().add_cidrs("eni-0", ten).has_value());
    n.use(8);
    n.converge();
    CHECK(n.avail() == 20);
    CHECK(n.used() == 8);
}

// TestNodeManagerMinAllocateAndPreallocate: m3.large, pre-allocate 1, min-allocate 10.
ENI_TEST(363, "TestNodeManagerMinAllocateAndPreallocate", "step 1: pre 1, min 10 -> avail 10, used 0") {
    node<> n(m3_large(), spec(1, 10));
    steps(n, {});
    CHECK(n.avail() == 10);
    CHECK(n.used() == 0);
}
ENI_TEST(371, "TestNodeManagerMinAllocateAndPreallocate", "step 2: use 9 -> avail 10, used 9") {
    node<> n(m3_large(), spec(1, 10));
    steps(n, {9});
    CHECK(n.avail() == 10);
    CHECK(n.used() == 9);
}
ENI_TEST(381, "TestNodeManagerMinAllocateAndPreallocate", "step 3: use 10 -> avail 11, used 10") {
    node<> n(m3_large(), spec(1, 10));
    steps(n, {9, 10});
    CHECK(n.avail() == 11);
    CHECK(n.used() == 10);
}
ENI_TEST(389, "TestNodeManagerMinAllocateAndPreallocate", "step 4: use 8 -> avail 11, used 8 (release off)") {
    node<> n(m3_large(), spec(1, 10));
    steps(n, {9, 10, 8});
    CHECK(n.avail() == 11);
    CHECK(n.used() == 8);
}

// TestNodeManagerReleaseAddress: m4.xlarge, pre 2, min 10, mab 3, release on, delay 2 s.
ENI_TEST(428, "TestNodeManagerReleaseAddress", "step 1: min 10 + mab 3 -> avail 13, used 0") {
    node<> n(m4_xlarge(), spec(2, 10, 3, true));
    release_address(n, 1);
    CHECK(n.avail() == 13);
    CHECK(n.used() == 0);
}
ENI_TEST(436, "TestNodeManagerReleaseAddress", "step 2: use 11 -> avail 13, used 11") {
    node<> n(m4_xlarge(), spec(2, 10, 3, true));
    release_address(n, 2);
    CHECK(n.avail() == 13);
    CHECK(n.used() == 11);
}
ENI_TEST(445, "TestNodeManagerReleaseAddress", "step 3: use 13 -> avail 18, used 13") {
    node<> n(m4_xlarge(), spec(2, 10, 3, true));
    release_address(n, 3);
    CHECK(n.avail() == 18);
    CHECK(n.used() == 13);
}
ENI_TEST(454, "TestNodeManagerReleaseAddress", "step 4: use 10, before the delay -> avail 18, used 10") {
    node<> n(m4_xlarge(), spec(2, 10, 3, true));
    release_address(n, 4);
    CHECK(n.avail() == 18);
    CHECK(n.used() == 10);
}
ENI_TEST(491, "TestNodeManagerReleaseAddress", "step 5: after the delay -> avail 13, used 10") {
    node<> n(m4_xlarge(), spec(2, 10, 3, true));
    release_address(n, 5);
    CHECK(n.avail() == 13);
    CHECK(n.used() == 10);
}

// TestNodeManagerENIExcludeInterfaceTags: m5.large, eni-0 tagged cilium.io/no_manage.
ENI_TEST(531, "TestNodeManagerENIExcludeInterfaceTags", "step 1: new ENI with 8, eni-0 untouched -> avail 8, 2 ENIs") {
    node<> n(m5_large(), spec(8), {}, true);
    steps(n, {});
    CHECK(n.avail() == 8);
    CHECK(n.used() == 0);
    CHECK(n.enis() == 2);                           // L539
    CHECK(n.view().enis[0].slots_used == 0);        // L540: eni-0 has no address
}
ENI_TEST(551, "TestNodeManagerENIExcludeInterfaceTags", "step 2: use 7 -> avail 15, used 7, 3 ENIs") {
    node<> n(m5_large(), spec(8), {}, true);
    steps(n, {7});
    CHECK(n.avail() == 15);
    CHECK(n.used() == 7);
    CHECK(n.enis() == 3);                           // L556
    CHECK(n.view().enis[0].slots_used == 0);        // L557
}

// TestNodeManagerExceedENICapacity: t2.xlarge, pre 8, min 20.
ENI_TEST(592, "TestNodeManagerExceedENICapacity", "step 1: min 20 -> avail 20, used 0") {
    node<> n(t2_xlarge(), spec(8, 20));
    steps(n, {});
    CHECK(n.avail() == 20);
    CHECK(n.used() == 0);
}
PEER_INEXPRESSIBLE(eni_node_manager_test_go, 605, "TestNodeManagerExceedENICapacity", "step 2: used 40 with 20 held",
                   "the test marks 40 addresses used while 20 are held; a node_pool never has more pods than addresses");

// TestInterfaceCreatedInInitialSubnet: t2.xlarge, pre 16 (the subnet choice is not modelled).
ENI_TEST(648, "TestInterfaceCreatedInInitialSubnet", "pre 16 -> avail 16, used 0, a second ENI") {
    node<> n(t2_xlarge(), spec(16));
    steps(n, {});
    CHECK(n.avail() == 16);
    CHECK(n.used() == 0);
    CHECK(n.enis() == 2);  // L655
}

PEER_INEXPRESSIBLE(eni_node_manager_test_go, 788, "TestNodeManagerInstanceNotRunning", "attach fails: not running, avail 0",
                   "the library has no instance-running state to set from an attach error");

// TestInstanceBeenDeleted: m4.large, eni at index 1 with 8 IPs, pre 8.
ENI_TEST(822, "TestInstanceBeenDeleted", "step 1: eni-1 holds 8 -> avail 8, used 0, no growth") {
    node<> n(m4_large(), spec(8));
    n.add_eni("eni-1", 1, 8);
    CHECK(n.pool().plan().empty());
    CHECK(n.avail() == 8);
    CHECK(n.used() == 0);
}
PEER_INEXPRESSIBLE(eni_node_manager_test_go, 841, "TestInstanceBeenDeleted", "step 2: all ENIs deleted, needed = excess = 0",
                   "instance deletion (the resync error that zeroes needed and excess) is not an input of the strategy");

// TestNodeManagerStaticIP / TestNodeManagerStaticIPAlreadyAssociated: the allocation part.
ENI_TEST(876, "TestNodeManagerStaticIP", "pre-allocate 8 -> avail 8, used 0 (static IP not modelled)") {
    node<> n(m5_large(), spec(8));
    steps(n, {});
    CHECK(n.avail() == 8);
    CHECK(n.used() == 0);
}
ENI_TEST(919, "TestNodeManagerStaticIPAlreadyAssociated", "pre-allocate 8 -> avail 8, used 0 (EIP not modelled)") {
    node<> n(m5_large(), spec(8));
    steps(n, {});
    CHECK(n.avail() == 8);
    CHECK(n.used() == 0);
}

// ---------------------------------------------------------------- derived (node.go, eni/node.go)

ENI_DERIVED("CD2", "spec pre-allocate 0 means 8 (getPreAllocate): a fresh m5.large gets 8") {
    node<> n(m5_large(), spec(0));
    steps(n, {});
    CHECK(n.avail() == 8);
}

ENI_DERIVED("CD3", "max-allocate 0 means the instance maximum (getMaxAllocate): m5.large 3 x 9 = 27") {
    // Secondary mode on 3 ENIs x 9 slots: the maximum is 27; all 27 held and used: nothing
    // needed whatever pre-allocate says.
    enipool_test::view_builder b(enipool::address_mode::secondary, 9, 3);
    b.eni().secondaries(9, 'a').eni().secondaries(9, 'a').eni().secondaries(9, 'a');
    CHECK(enipool::cilium_watermarks(spec(8)).max_allocate(b.build()) == 27);
    CHECK(enipool::cilium_watermarks(spec(8)).needed(b.build()) == 0);
    enipool_test::view_builder c(enipool::address_mode::secondary, 9, 3);
    c.eni().secondaries(9, 'a').eni().secondaries(9, 'a').eni().secondaries(5, 'a');
    CHECK(enipool::cilium_watermarks(spec(8)).needed(c.build()) == 4);  // min(8, 27 - 23)
}

ENI_DERIVED("CD4", "MaxIPsToAllocate is not capped by max-allocate (determineMaintenanceAction)") {
    // max-allocate 10, avail 9, used 5, mab 4: needed min(8 - 4, 10 - 9) = 1, asks 1 + 4 = 5.
    auto c = spec(8, 0, 4);
    c.max_allocate = 10;
    enipool_test::view_builder b(enipool::address_mode::secondary, 9, 3);
    b.eni().secondaries(5, 'a').secondaries(4, 'f');
    CHECK(enipool::cilium_watermarks(c).needed(b.build()) == 1);
    CHECK(enipool::cilium_watermarks(c).growth_addresses(b.build()) == 5);
}

ENI_DERIVED("CD5", "prefix mode: excess counts a touched prefix as 16; ENIs with prefixes release nothing") {
    // 3 prefixes, 1 IP used: excess 48 - 16 - 8 = 24; PrepareIPRelease skips the ENI.
    enipool_test::view_builder b(enipool::address_mode::prefix, 9, 3);
    b.now(1000s).eni().prefix(1).prefix(0).prefix(0);
    const auto c = spec(8, 0, 0, true);
    CHECK(enipool::cilium_watermarks(c).excess(b.build()) == 24);
    CHECK(enipool::cilium_watermarks(c).plan(b.build()).empty());
}

ENI_DERIVED("CD6", "release from one ENI per round, the one with most releasable, first by id on ties") {
    // eni-0: 2 used + 4 free, eni-1: 5 free, eni-2: 5 free; pre 2: excess 16 - 2 - 2 = 12;
    // min(4, 12), min(5, 12), min(5, 12): eni-1 (first of the two 5s), 5 IPs.
    enipool_test::view_builder b(enipool::address_mode::secondary, 9, 3);
    b.now(1000s).eni().secondaries(2, 'a').secondaries(4, 'f').eni().secondaries(5, 'f').eni().secondaries(5, 'f');
    const auto plan = enipool::cilium_watermarks(spec(2, 0, 0, true)).plan(b.build());
    REQUIRE(plan.size() == 1);
    const auto& r = std::get<enipool::release_from_eni>(plan[0]);
    CHECK(r.eni_id == "eni-1");
    CHECK(r.cidrs.size() == 5);
}

ENI_DERIVED("CD7", "release comes before allocation (determineMaintenanceAction)") {
    // With excess > 0 the plan holds releases only, never growth.
    enipool_test::view_builder b(enipool::address_mode::secondary, 9, 3);
    b.now(1000s).eni().secondaries(1, 'a').secondaries(8, 'f').eni().secondaries(9, 'f');
    const auto plan = enipool::cilium_watermarks(spec(8, 0, 0, true)).plan(b.build());
    REQUIRE_FALSE(plan.empty());
    for (const auto& a : plan) CHECK(std::holds_alternative<enipool::release_from_eni>(a));
}

ENI_DERIVED("CD8", "prefix mode: a new ENI gets ceil(min(MaxIPs, IPv4 - 1) over 16) prefixes (CreateInterface)") {
    // m5.large: eni-0's 9 prefixes all used, mab 32: MaxIPs 8 + 32 = 40, min(40, 9) = 9: 1 prefix.
    enipool_test::view_builder b(enipool::address_mode::prefix, 9, 3);
    b.eni();
    for (int i = 0; i < 9; ++i) b.prefix(16);
    const auto plan = enipool::cilium_watermarks(spec(8, 0, 32)).plan(b.build());
    REQUIRE(plan.size() == 1);
    CHECK(std::get<enipool::attach_eni>(plan[0]).count == 1);
}

PEER_INEXPRESSIBLE(ipam_node_go, 0, "determineMaintenanceAction", "CD9 surge allocation for pending pods",
                   "pending pods are not part of pool_view, so MaxIPsToAllocate never includes the surge");
PEER_INEXPRESSIBLE(ipam_node_go, 0, "handleIPRelease", "CD10 release delay counted from the first selection",
                   "the view knows since when a CIDR is free, not since when it was first selected as excess");
