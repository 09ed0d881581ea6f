// Cilium's pkg/ipam/node_test.go (DataDog/cilium@7341128): TestCalculateNeededIPs and
// TestCalculateExcessIPs, one case per table row, against cilium_watermarks' transcriptions
// of calculateNeededIPs / calculateExcessIPs and, where the row fits an m5.large-sized view,
// against the strategy's view-level needed() / excess() in its default configuration (plus
// release_excess for the excess rows: Cilium computes ExcessIPs whatever the flag).
// Derived CD1 rows (cilium#28467 with max-above-watermark > 0) come from node.go@06d2b53.
#include "peer_case.hpp"

#include <enipool/warm/cilium_watermarks.hpp>

#include "view_builder.hpp"

PEER_UPSTREAM_FILE(node_test_go, "cilium", "DataDog/cilium", "pkg/ipam/node_test.go",
                   "7341128ccf6ad4183d8150ec0cd89734045c1b7e");
PEER_UPSTREAM_FILE(node_go, "cilium", "DataDog/cilium", "pkg/ipam/node.go", "06d2b53da3ad1d1ce2270308e315fa9dc0f99e90");

#define NODE_TEST(line, test, row) PEER_UPSTREAM("node_test.go", "7341128", "cilium", line, test, row)
#define NODE_DERIVED(id, what) PEER_DERIVED("node.go", "06d2b53", "cilium", id, what)

namespace {

using enipool::cilium_watermarks;
using enipool::cilium_watermarks_config;

// A secondary-mode view of `avail` held addresses, `used` of them assigned (one big ENI, so
// that no instance maximum interferes: 1 ENI x 63 slots).
enipool::pool_view view_of(unsigned avail, unsigned used) {
    enipool_test::view_builder b(enipool::address_mode::secondary, 63, 1);
    b.eni().secondaries(used, 'a').secondaries(avail - used, 'f');
    return b.build();
}

long long needed(int avail, int used, int pre, int min, int max) {
    return cilium_watermarks::calculate_needed_ips(avail, used, pre, min, max);
}
long long excess(int avail, int used, int pre, int min, int mab) {
    return cilium_watermarks::calculate_excess_ips(avail, used, pre, min, mab);
}

// The strategy's excess on a view, with the row's knobs (pre 0 is literal in the table, so
// zero_pre_allocate_means_zero keeps it 0 as calculateExcessIPs receives it).
std::uint64_t view_excess(unsigned avail, unsigned used, int pre, unsigned min, unsigned mab) {
    cilium_watermarks_config c;
    c.release_excess = true;
    c.pre_allocate = pre;
    c.zero_pre_allocate_means_zero = pre == 0;
    c.min_allocate = min;
    c.max_above_watermark = mab;
    return cilium_watermarks(c).excess(view_of(avail, used));
}

std::uint64_t view_needed(unsigned avail, unsigned used, int pre, unsigned min, unsigned max) {
    cilium_watermarks_config c;
    c.pre_allocate = pre;
    c.zero_pre_allocate_means_zero = pre == 0;
    c.min_allocate = min;
    c.max_allocate = max;
    return cilium_watermarks(c).needed(view_of(avail, used));
}

} // namespace

// TestCalculateNeededIPs, neededDef rows {available, used, preallocate, minallocate, maxallocate, result}.
NODE_TEST(37, "TestCalculateNeededIPs", "row 1 {0, 0, 0, 16, 0} -> 16") {
    CHECK(needed(0, 0, 0, 16, 0) == 16);
    CHECK(view_needed(0, 0, 0, 16, 0) == 16);
}
NODE_TEST(38, "TestCalculateNeededIPs", "row 2 {0, 0, 8, 16, 0} -> 16") {
    CHECK(needed(0, 0, 8, 16, 0) == 16);
    CHECK(view_needed(0, 0, 8, 16, 0) == 16);
}
NODE_TEST(39, "TestCalculateNeededIPs", "row 3 {0, 0, 16, 8, 0} -> 16") {
    CHECK(needed(0, 0, 16, 8, 0) == 16);
    CHECK(view_needed(0, 0, 16, 8, 0) == 16);
}
NODE_TEST(40, "TestCalculateNeededIPs", "row 4 {0, 0, 16, 0, 0} -> 16") {
    CHECK(needed(0, 0, 16, 0, 0) == 16);
    CHECK(view_needed(0, 0, 16, 0, 0) == 16);
}
NODE_TEST(41, "TestCalculateNeededIPs", "row 5 {8, 0, 0, 16, 0} -> 8") {
    CHECK(needed(8, 0, 0, 16, 0) == 8);
    CHECK(view_needed(8, 0, 0, 16, 0) == 8);
}
NODE_TEST(42, "TestCalculateNeededIPs", "row 6 {8, 4, 8, 0, 0} -> 4") {
    CHECK(needed(8, 4, 8, 0, 0) == 4);
    CHECK(view_needed(8, 4, 8, 0, 0) == 4);
}
NODE_TEST(43, "TestCalculateNeededIPs", "row 7 {8, 4, 8, 8, 0} -> 4") {
    CHECK(needed(8, 4, 8, 8, 0) == 4);
    CHECK(view_needed(8, 4, 8, 8, 0) == 4);
}
NODE_TEST(44, "TestCalculateNeededIPs", "row 8 {8, 4, 8, 8, 6} -> 0") {
    CHECK(needed(8, 4, 8, 8, 6) == 0);
    // max-allocate 6 below min-allocate 8: check_config refuses that pair, so no view case.
}
NODE_TEST(45, "TestCalculateNeededIPs", "row 9 {8, 4, 8, 0, 8} -> 0") {
    CHECK(needed(8, 4, 8, 0, 8) == 0);
    CHECK(view_needed(8, 4, 8, 0, 8) == 0);
}
NODE_TEST(46, "TestCalculateNeededIPs", "row 10 {4, 4, 8, 0, 8} -> 4") {
    CHECK(needed(4, 4, 8, 0, 8) == 4);
    CHECK(view_needed(4, 4, 8, 0, 8) == 4);
}

// TestCalculateExcessIPs, excessDef rows {available, used, preallocate, minallocate, maxabovewatermark, result}.
NODE_TEST(50, "TestCalculateExcessIPs", "row 1 {0, 0, 0, 16, 0} -> 0") {
    CHECK(excess(0, 0, 0, 16, 0) == 0);
    CHECK(view_excess(0, 0, 0, 16, 0) == 0);
}
NODE_TEST(51, "TestCalculateExcessIPs", "row 2 {15, 0, 8, 16, 8} -> 0") {
    CHECK(excess(15, 0, 8, 16, 8) == 0);
    CHECK(view_excess(15, 0, 8, 16, 8) == 0);
}
NODE_TEST(52, "TestCalculateExcessIPs", "row 3 {17, 0, 8, 16, 0} -> 1") {
    CHECK(excess(17, 0, 8, 16, 0) == 1);
    CHECK(view_excess(17, 0, 8, 16, 0) == 1);
}
NODE_TEST(53, "TestCalculateExcessIPs", "row 4 {20, 0, 8, 16, 4} -> 0") {
    CHECK(excess(20, 0, 8, 16, 4) == 0);
    CHECK(view_excess(20, 0, 8, 16, 4) == 0);
}
NODE_TEST(54, "TestCalculateExcessIPs", "row 5 {21, 0, 8, 0, 4} -> 9") {
    CHECK(excess(21, 0, 8, 0, 4) == 9);
    CHECK(view_excess(21, 0, 8, 0, 4) == 9);
}
NODE_TEST(55, "TestCalculateExcessIPs", "row 6 {20, 0, 8, 20, 8} -> 0") {
    CHECK(excess(20, 0, 8, 20, 8) == 0);
    CHECK(view_excess(20, 0, 8, 20, 8) == 0);
}
NODE_TEST(56, "TestCalculateExcessIPs", "row 7 {16, 1, 8, 16, 8} -> 0") {
    CHECK(excess(16, 1, 8, 16, 8) == 0);
    CHECK(view_excess(16, 1, 8, 16, 8) == 0);
}
NODE_TEST(57, "TestCalculateExcessIPs", "row 8 {20, 4, 8, 17, 8} -> 0") {
    CHECK(excess(20, 4, 8, 17, 8) == 0);
    CHECK(view_excess(20, 4, 8, 17, 8) == 0);
}
NODE_TEST(58, "TestCalculateExcessIPs", "row 9 {20, 4, 8, 0, 0} -> 8") {
    CHECK(excess(20, 4, 8, 0, 0) == 8);
    CHECK(view_excess(20, 4, 8, 0, 0) == 8);
}
NODE_TEST(59, "TestCalculateExcessIPs", "row 10 {20, 4, 8, 0, 8} -> 0") {
    CHECK(excess(20, 4, 8, 0, 8) == 0);
    CHECK(view_excess(20, 4, 8, 0, 8) == 0);
}

// CD1: calculateExcessIPs' second branch (used + pre <= min + mab: avail - min - mab) with
// max-above-watermark > 0, which no upstream row reaches.
NODE_DERIVED("CD1", "cilium#28467 rows with max-above-watermark > 0") {
    CHECK(excess(30, 0, 8, 16, 4) == 10);   // 30 - 16 - 4
    CHECK(excess(27, 10, 4, 15, 4) == 8);   // 27 - 15 - 4
    CHECK(excess(18, 10, 2, 10, 3) == 5);   // 18 - 10 - 3
    CHECK(view_excess(30, 0, 8, 16, 4) == 10);
    CHECK(view_excess(27, 10, 4, 15, 4) == 8);
    CHECK(view_excess(18, 10, 2, 10, 3) == 5);
}
