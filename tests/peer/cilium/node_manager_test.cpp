// Cilium's pkg/ipam/node_manager_test.go (DataDog/cilium@00a15b7): the node manager with a
// mock allocator (one pool of 2048 addresses, no interfaces to create, no instance maximum,
// secondary IPs). Here: a node_pool<secondary_only, cilium_watermarks> in its default
// configuration (release_excess and the delay set where the test sets them) on a type of one
// ENI with 63 slots, so that as in the mock every growth lands on one interface. Each case is
// one step: set "used", converge, compare avail / used with the test's assertions.
#include "peer_case.hpp"

#include "cilium_node.hpp"

PEER_UPSTREAM_FILE(node_manager_test_go, "cilium", "DataDog/cilium", "pkg/ipam/node_manager_test.go",
                   "00a15b7c22d4963e0a84a6b322576fd129ea1fa5");

#define NM_TEST(line, test, row) PEER_UPSTREAM("node_manager_test.go", "00a15b7", "cilium", line, test, row)

namespace {

using namespace std::chrono_literals;
using peer_cilium::node;
using peer_cilium::spec;

enipool::instance_type mock_type() { return peer_cilium::type("mock.one-interface", 1, 64); }

// Steps of a test run in order; each case replays the steps before its own.
void default_allocation(node<>& n, int steps) {
    n.converge();                           // newCiliumNode("node1", 8, 0, 0)
    if (steps > 1) n.use(7), n.converge();  // Use 7 out of 8 IPs
}
void min_allocate_20(node<>& n, int steps) {
    n.converge();                           // newCiliumNode("node2", -1, 10, 0)
    if (steps > 1) n.use(8), n.converge();  // 10 available, 8 used
}
void min_and_pre(node<>& n, int steps) {
    n.converge();  // newCiliumNode("node2", 1, 10, 0)
    const std::uint64_t used[] = {9, 10, 8};
    for (int s = 1; s < steps; ++s) n.use(used[s - 1]), n.converge();
}
void release_address(node<>& n, int steps) {
    n.converge();  // newCiliumNode("node3", 4, 15, 0), MaxAboveWatermark 4
    const std::uint64_t used[] = {11, 19, 10};
    for (int s = 1; s < steps && s < 4; ++s) n.use(used[s - 1]), n.converge();
    if (steps > 4) n.advance(3s), n.converge();  // resync after the 2 s delay, agent acknowledges
}

} // namespace

NM_TEST(350, "TestNodeManagerDefaultAllocation", "step 1: pre-allocate 8 -> avail 8, used 0") {
    node<> n(mock_type(), spec(8, 0));
    default_allocation(n, 1);
    CHECK(n.avail() == 8);
    CHECK(n.used() == 0);
}
NM_TEST(359, "TestNodeManagerDefaultAllocation", "step 2: use 7 -> avail 15, used 7") {
    node<> n(mock_type(), spec(8, 0));
    default_allocation(n, 2);
    CHECK(n.avail() == 15);
    CHECK(n.used() == 7);
}

NM_TEST(381, "TestNodeManagerMinAllocate20", "step 1: pre-allocate -1, min-allocate 10 -> avail 10, used 0") {
    node<> n(mock_type(), spec(-1, 10));
    min_allocate_20(n, 1);
    CHECK(n.avail() == 10);
    CHECK(n.used() == 0);
}
NM_TEST(390, "TestNodeManagerMinAllocate20", "step 2: use 8 -> avail 10, used 8") {
    node<> n(mock_type(), spec(-1, 10));
    min_allocate_20(n, 2);
    CHECK(n.avail() == 10);
    CHECK(n.used() == 8);
}
NM_TEST(400, "TestNodeManagerMinAllocate20", "step 3: pre-allocate 0 (8), min-allocate 20, used 8 -> avail 20") {
    // newCiliumNode("node2", 0, 20, 8) replaces the spec; the pool keeps its 10 addresses.
    node<> n(mock_type(), spec(-1, 10));
    min_allocate_20(n, 2);
    node<> m(mock_type(), spec(0, 20));
    REQUIRE(m.pool().add_cidrs("eni-0", {peer_cilium::prefix("10.0.1.1/32"), peer_cilium::prefix("10.0.1.2/32"),
                                         peer_cilium::prefix("10.0.1.3/32"), peer_cilium::prefix("10.0.1.4/32"),
                                         peer_cilium::prefix("10.0.1.5/32"), peer_cilium::prefix("10.0.1.6/32"),
                                         peer_cilium::prefix("10.0.1.7/32"), peer_cilium::prefix("10.0.1.8/32"),
                                         peer_cilium::prefix("10.0.1.9/32"), peer_cilium::prefix("10.0.1.10/32")})
                .has_value());
    m.use(8);
    REQUIRE(m.avail() == n.avail());  // the same node state under the new spec
    m.converge();
    CHECK(m.used() == 8);
    CHECK(m.avail() == 20);
}

NM_TEST(421, "TestNodeManagerMinAllocateAndPreallocate", "step 1: pre 1, min 10 -> avail 10, used 0") {
    node<> n(mock_type(), spec(1, 10));
    min_and_pre(n, 1);
    CHECK(n.avail() == 10);
    CHECK(n.used() == 0);
}
NM_TEST(429, "TestNodeManagerMinAllocateAndPreallocate", "step 2: use 9 -> avail 10, used 9") {
    node<> n(mock_type(), spec(1, 10));
    min_and_pre(n, 2);
    CHECK(n.avail() == 10);
    CHECK(n.used() == 9);
}
NM_TEST(437, "TestNodeManagerMinAllocateAndPreallocate", "step 3: use 10 -> avail 11, used 10") {
    node<> n(mock_type(), spec(1, 10));
    min_and_pre(n, 3);
    CHECK(n.avail() == 11);
    CHECK(n.used() == 10);
}
NM_TEST(445, "TestNodeManagerMinAllocateAndPreallocate", "step 4: use 8 -> avail 11, used 8 (release off)") {
    node<> n(mock_type(), spec(1, 10));
    min_and_pre(n, 4);
    CHECK(n.avail() == 11);
    CHECK(n.used() == 8);
}

NM_TEST(471, "TestNodeManagerReleaseAddress", "step 1: pre 4, min 15, mab 4, release on -> avail 19, used 0") {
    node<> n(mock_type(), spec(4, 15, 4, true));
    release_address(n, 1);
    CHECK(n.avail() == 19);
    CHECK(n.used() == 0);
}
NM_TEST(479, "TestNodeManagerReleaseAddress", "step 2: use 11 -> avail 19, used 11") {
    node<> n(mock_type(), spec(4, 15, 4, true));
    release_address(n, 2);
    CHECK(n.avail() == 19);
    CHECK(n.used() == 11);
}
NM_TEST(487, "TestNodeManagerReleaseAddress", "step 3: use 19 -> avail 27, used 19") {
    node<> n(mock_type(), spec(4, 15, 4, true));
    release_address(n, 3);
    CHECK(n.avail() == 27);
    CHECK(n.used() == 19);
}
NM_TEST(495, "TestNodeManagerReleaseAddress", "step 4: use 10, before the release delay -> avail 27, used 10") {
    node<> n(mock_type(), spec(4, 15, 4, true));
    release_address(n, 4);
    CHECK(n.avail() == 27);
    CHECK(n.used() == 10);
}
NM_TEST(519, "TestNodeManagerReleaseAddress", "step 5: after the delay -> avail 19, used 10") {
    node<> n(mock_type(), spec(4, 15, 4, true));
    release_address(n, 5);
    CHECK(n.avail() == 19);
    CHECK(n.used() == 10);
}

NM_TEST(541, "TestNodeManagerAbortRelease", "step 1: pre 1, min 3, release on -> avail 3, used 0") {
    node<> n(mock_type(), spec(1, 3, 0, true));
    n.converge();
    CHECK(n.avail() == 3);
    CHECK(n.used() == 0);
}
NM_TEST(549, "TestNodeManagerAbortRelease", "step 2: use 3 -> avail 4, used 3") {
    node<> n(mock_type(), spec(1, 3, 0, true));
    n.converge();
    n.use(3);
    n.converge();
    CHECK(n.avail() == 4);
    CHECK(n.used() == 3);
}
NM_TEST(572, "TestNodeManagerAbortRelease", "step 3: use 2, after the delay one IP is marked for release") {
    node<> n(mock_type(), spec(1, 3, 0, true));
    n.converge();
    n.use(3);
    n.converge();
    n.use(2);
    CHECK(n.avail() == 4);  // L555
    CHECK(n.used() == 2);
    n.advance(3s);
    // The release the operator selects (marks) now: one IP (ReleaseIPs has 1 entry).
    const auto marked = enipool::cilium_watermarks(n.pool().configuration().warm).plan(n.view());
    REQUIRE(marked.size() == 1);
    CHECK(std::get<enipool::release_from_eni>(marked[0]).cidrs.size() == 1);
}
NM_TEST(587, "TestNodeManagerAbortRelease", "step 4: use 3 before the release -> nothing released, avail 4, used 3") {
    node<> n(mock_type(), spec(1, 3, 0, true));
    n.converge();
    n.use(3);
    n.converge();
    n.use(2);
    n.advance(3s);
    n.use(3);  // "Use up one more IP to make excess = 0": the handshake is aborted
    CHECK(n.pool().plan().empty());  // ReleaseIPs empty
    n.converge();
    CHECK(n.avail() == 4);  // L594
    CHECK(n.used() == 3);
}

NM_TEST(635, "TestNodeManagerManyNodes", "100 nodes, pre 1, min 10 -> each avail 10, used 0") {
    for (int i = 0; i < 100; ++i) {
        node<> n(mock_type(), spec(1, 10));
        n.converge();
        CHECK(n.avail() == 10);
        CHECK(n.used() == 0);
    }
}
