// secondary_eni_exclusion_focused_test.cpp (tests/peer/vpc_cni): the VPC CNI's
// pkg/ipamd/datastore/secondary_eni_exclusion_focused_test.go at v1.23.1 (b521883),
// transcribed onto a node pool (docs/notes/fidelity-research.md §2.3).
//
// One case per step, named after the upstream test and step, with the line of the step's
// assertions; every expected value is the upstream test's. The datastore maps onto the pool
// as datastore_fixture.hpp says. SetENIExcludedForPodIPs on an ENI with no pod is
// eni_flags::excluded given at add_eni (the state is the same); on an ENI that holds a pod it
// is node_pool::set_excluded.
// GetAllocatableENIs is read off the view (ENIs serving pods with a free slot) and checked
// against where the warm strategy grows.
// RemoveUnusedENIFromStore is vpc_cni_warm's deletable_eni, then remove_eni (the fixture's
// remove_unused_eni); createTime = time.Time{} is a clock advance past the minimum ENI age.
#include "datastore_fixture.hpp"
#include "peer_case.hpp"

#include <string>
#include <vector>

PEER_UPSTREAM_FILE(exclusion_test_go, "vpc-cni", "aws/amazon-vpc-cni-k8s",
                   "pkg/ipamd/datastore/secondary_eni_exclusion_focused_test.go",
                   "b52188387f2e2f10bf289ace929d6a63b176a4fa");

#define EXCL_CASE(line, test, row) \
    PEER_UPSTREAM("secondary_eni_exclusion_focused_test.go", "b521883", "vpc-cni", line, test, row)
#define EXCL_INEXPRESSIBLE(line, test, row, reason) PEER_INEXPRESSIBLE(exclusion_test_go, line, test, row, reason)

namespace {

using namespace peer_vpc_cni;
using enipool::errc;


const pod pod1{"net0", "pod-1", "pod-1"};
const pod pod2{"net0", "pod-2", "pod-2"};

// L32-45: eni-primary holds 10.0.1.1, eni-secondary (device 1) 10.0.2.1; eni-secondary
// excluded when `excluded` (the state after L52).
void primary_and_secondary(secondary_datastore& ds, bool excluded) {
    enipool::eni_flags flags;
    flags.excluded = excluded;
    REQUIRE(ds.add_eni("eni-primary", 0, {"10.0.1.1/32"}).has_value());
    REQUIRE(ds.add_eni("eni-secondary", 1, {"10.0.2.1/32"}, flags).has_value());
}

std::string address_of(secondary_datastore& ds, const pod& p) {
    const auto* a = ds.pool.find(p.key());
    REQUIRE(a != nullptr);
    return a->address.to_string();
}

} // namespace

// --- TestSecondaryENIExclusionFocused ----------------------------------------------------------

EXCL_CASE(48, "TestSecondaryENIExclusionFocused", "before exclusion: 2 allocatable ENIs") {
    secondary_datastore ds;
    primary_and_secondary(ds, false);
    CHECK(ds.allocatable_enis() == std::vector<std::string>{"eni-primary", "eni-secondary"});
    ds.checked();
}

EXCL_CASE(57, "TestSecondaryENIExclusionFocused", "after exclusion: only eni-primary is allocatable") {
    secondary_datastore ds;
    primary_and_secondary(ds, true);
    CHECK(ds.view_of("eni-secondary").excluded);  // L54
    CHECK(ds.allocatable_enis() == std::vector<std::string>{"eni-primary"});
    CHECK(ds.growth_targets() == std::vector<std::string>{"eni-primary"});
    ds.checked();
}

EXCL_CASE(63, "TestSecondaryENIExclusionFocused", "first pod goes to eni-primary") {
    secondary_datastore ds;
    primary_and_secondary(ds, true);
    REQUIRE(ds.assign(pod1).has_value());
    CHECK(address_of(ds, pod1).rfind("10.0.1.", 0) == 0);
    ds.checked();
}

EXCL_CASE(68, "TestSecondaryENIExclusionFocused", "eni-primary holds 1 pod, eni-secondary none") {
    secondary_datastore ds;
    primary_and_secondary(ds, true);
    REQUIRE(ds.assign(pod1).has_value());
    CHECK(ds.eni("eni-primary").assigned() == 1);
    CHECK(ds.eni("eni-secondary").assigned() == 0);
    ds.checked();
}

EXCL_CASE(73, "TestSecondaryENIExclusionFocused", "second pod: no available address") {
    secondary_datastore ds;
    primary_and_secondary(ds, true);
    REQUIRE(ds.assign(pod1).has_value());
    ds.refused(errc::no_available_addresses, [&] { return ds.assign(pod2); });
}

// L77-88: eni-secondary, excluded and podless, made old.
void excluded_and_old(secondary_datastore& ds) {
    primary_and_secondary(ds, true);
    REQUIRE(ds.assign(pod1).has_value());
    ds.age_enis();
}

EXCL_CASE(88, "TestSecondaryENIExclusionFocused", "the excluded eni-secondary without pods is deletable") {
    secondary_datastore ds;
    excluded_and_old(ds);
    CHECK(ds.remove_unused_eni(0, 0, 0) == "eni-secondary");
}

EXCL_CASE(96, "TestSecondaryENIExclusionFocused", "eni-secondary is gone; eni-primary keeps its pod") {
    secondary_datastore ds;
    excluded_and_old(ds);
    REQUIRE(ds.remove_unused_eni(0, 0, 0) == "eni-secondary");
    CHECK_FALSE(ds.pool.eni_index("eni-secondary").has_value());
    REQUIRE(ds.pool.eni_index("eni-primary").has_value());
    CHECK(ds.eni("eni-primary").assigned() == 1);
    ds.checked();
}

EXCL_CASE(102, "TestSecondaryENIExclusionFocused", "afterwards only eni-primary is allocatable") {
    secondary_datastore ds;
    excluded_and_old(ds);
    REQUIRE(ds.remove_unused_eni(0, 0, 0) == "eni-secondary");
    CHECK(ds.allocatable_enis() == std::vector<std::string>{"eni-primary"});
}

// --- TestSecondaryENIExclusionWithPods ---------------------------------------------------------

EXCL_CASE(126, "TestSecondaryENIExclusionWithPods", "two pods, one on each ENI") {
    secondary_datastore ds;
    primary_and_secondary(ds, false);
    REQUIRE(ds.assign(pod1).has_value());
    REQUIRE(ds.assign(pod2).has_value());
    const std::string a1 = address_of(ds, pod1), a2 = address_of(ds, pod2);
    CHECK((a1.rfind("10.0.2.", 0) == 0 || a2.rfind("10.0.2.", 0) == 0));  // L136-142
    CHECK(ds.eni("eni-primary").assigned() + ds.eni("eni-secondary").assigned() == 2);  // L146
    CHECK(ds.eni("eni-secondary").assigned() > 0);  // L147
    ds.checked();
}

// L108-151: pod-1 on eni-primary, pod-2 on eni-secondary (lowest lane first), then
// eni-secondary is excluded at run time.
void excluded_with_pod(secondary_datastore& ds) {
    primary_and_secondary(ds, false);
    REQUIRE(ds.assign(pod1).has_value());
    REQUIRE(ds.assign(pod2).has_value());
    REQUIRE(address_of(ds, pod2) == "10.0.2.1");
    REQUIRE(ds.pool.set_excluded("eni-secondary", true).has_value());
}

EXCL_CASE(150, "TestSecondaryENIExclusionWithPods", "exclude eni-secondary while it holds a pod") {
    secondary_datastore ds;
    primary_and_secondary(ds, false);
    REQUIRE(ds.assign(pod1).has_value());
    REQUIRE(ds.assign(pod2).has_value());
    CHECK(ds.pool.set_excluded("eni-secondary", true).has_value());  // assert.NoError
    CHECK(ds.view_of("eni-secondary").excluded);
    CHECK(address_of(ds, pod2) == "10.0.2.1");  // the pod keeps its address
    CHECK(ds.view_of("eni-secondary").assigned == 1);
    ds.checked();
}

EXCL_CASE(156, "TestSecondaryENIExclusionWithPods", "the excluded eni-secondary holding a pod is not deletable") {
    secondary_datastore ds;
    excluded_with_pod(ds);
    ds.age_enis();
    CHECK(ds.remove_unused_eni(0, 0, 0).empty());
    ds.checked();
}

EXCL_CASE(165, "TestSecondaryENIExclusionWithPods", "a new pod avoids the excluded eni-secondary that holds a pod") {
    secondary_datastore ds;
    excluded_with_pod(ds);
    REQUIRE(ds.add_cidr("eni-primary", "10.0.1.2/32").has_value());
    const pod fresh{"net0", "new-pod", "new-pod"};
    REQUIRE(ds.assign(fresh).has_value());
    CHECK(address_of(ds, fresh).rfind("10.0.1.", 0) == 0);
    ds.checked();
}

EXCL_CASE(170, "TestSecondaryENIExclusionWithPods", "unassign the pod on the excluded eni-secondary") {
    secondary_datastore ds;
    excluded_with_pod(ds);
    CHECK(ds.release(pod2).has_value());  // assert.NoError
    CHECK(ds.pool.find(pod2.key()) == nullptr);
    ds.checked();
}

EXCL_CASE(182, "TestSecondaryENIExclusionWithPods", "after its pod leaves, the excluded eni-secondary is deletable") {
    secondary_datastore ds;
    excluded_with_pod(ds);
    REQUIRE(ds.add_cidr("eni-primary", "10.0.1.2/32").has_value());
    REQUIRE(ds.assign(pod{"net0", "new-pod", "new-pod"}).has_value());
    REQUIRE(ds.release(pod2).has_value());
    ds.age_enis();  // createTime = time.Time{} and UnassignedTime cleared
    CHECK(ds.remove_unused_eni(0, 0, 0) == "eni-secondary");
}
