// data_store_test.cpp (tests/peer/vpc_cni): the VPC CNI's datastore tests,
// pkg/ipamd/datastore/data_store_test.go at v1.23.1 (b521883), transcribed onto a node pool.
//
// One case per step of docs/notes/fidelity-research.md §2.2 (S1-S104), named after the
// upstream test and step, with the line of the step's assertions; every expected value is
// the upstream test's. A step replays the earlier steps of its test as setup (REQUIREd).
// How datastore calls map onto the pool: datastore_fixture.hpp. Further:
//   - SetENIExcludedForPodIPs(id, true) on an ENI with no pod is eni_flags::excluded given
//     at add_eni (enipool's flags are fixed when the ENI is added; the state is the same).
//   - A step whose precondition is the outcome of an inexpressible step (a forced CIDR
//     removal) starts from that outcome, built directly (S43, S82).
//   - Errors: "duplicate ENI" = errc::duplicate_eni, "unknown ENI" = unknown_eni, "no
//     available IP/Prefix addresses" = no_available_addresses, "unknown pod" = unknown_pod,
//     "ENI is used and can not be deleted" = eni_in_use; a CIDR the ENI already holds
//     ("IP already in data store", the tests assert only an error) = conflicting_grant.
//   - RemoveUnusedENIFromStore(w, m, p) is vpc_cni_warm's deletable_eni with those targets,
//     then remove_eni; resetting createTime (and UnassignedTime) is a clock advance past the
//     one-minute minimum ENI age (and the cooldown).
#include "datastore_fixture.hpp"
#include "peer_case.hpp"

#include <algorithm>
#include <string>
#include <vector>

PEER_UPSTREAM_FILE(data_store_test_go, "vpc-cni", "aws/amazon-vpc-cni-k8s",
                   "pkg/ipamd/datastore/data_store_test.go", "b52188387f2e2f10bf289ace929d6a63b176a4fa");

#define DS_CASE(line, test, row) PEER_UPSTREAM("data_store_test.go", "b521883", "vpc-cni", line, test, row)
#define DS_INEXPRESSIBLE(line, test, row, reason) PEER_INEXPRESSIBLE(data_store_test_go, line, test, row, reason)
#define DS_DERIVED(id, what) PEER_DERIVED("data_store_test.go", "b521883", "vpc-cni", id, what)

namespace {

using namespace peer_vpc_cni;
using enipool::errc;

constexpr const char* no_checkpoint_per_assign =
    "node_pool writes no checkpoint on assign (nor unwinds on a failed write) (R50)";

// Pods as the tests name them.
const pod sandbox1_net1{"net1", "sandbox1", "sample-pod"};
pod sandbox(int n) { return pod{"net0", "sandbox-" + std::to_string(n), "sample-pod-" + std::to_string(n)}; }
pod container1() { return pod{"net0", "container-1", "pod-1"}; }

// The address a successful assign returned, as text.
template <class R>
std::string address(const R& r) {
    REQUIRE(r.has_value());
    return r->to_string();
}

// TestDeleteENI (L121-150) and TestDeleteENIwithPDEnabled (L177-206): the same steps with a
// /32 on the primary eni-1 or a /28 on eni-4.
struct delete_eni_test {
    unsigned enis;        // eni-1 (primary) and eni-2 .. eni-<enis> at devices 2 ..
    const char* eni;      // the ENI that gets `cidr` and the pod
    const char* cidr;
    const char* address;  // the pod's address
    unsigned device;      // the device number its assign returns
};
constexpr delete_eni_test delete_ip{3, "eni-1", "1.1.1.1/32", "1.1.1.1", 0};
constexpr delete_eni_test delete_prefix{4, "eni-4", "10.0.0.0/28", "10.0.0.0", 4};

// Replays the steps before `step` (1: remove eni-2, 2: remove unknown-eni, 3: add the CIDR,
// assign, 4: non-force removal of the pod's ENI) and asserts `step`.
template <class DS>
void delete_eni_step(const delete_eni_test& t, int step) {
    DS ds;
    REQUIRE(ds.add_eni("eni-1", 0).has_value());
    for (unsigned d = 2; d <= t.enis; ++d) REQUIRE(ds.add_eni("eni-" + std::to_string(d), d).has_value());
    REQUIRE(ds.eni_count() == t.enis);  // L119, L175
    if (step == 1) {
        CHECK(ds.pool.remove_eni("eni-2").has_value());
        CHECK(ds.eni_count() == t.enis - 1);
        ds.checked();
        return;
    }
    REQUIRE(ds.pool.remove_eni("eni-2").has_value());
    if (step == 2) {
        ds.refused(errc::unknown_eni, [&] { return ds.pool.remove_eni("unknown-eni"); });
        CHECK(ds.eni_count() == t.enis - 1);
        return;
    }
    if (step == 3) {
        CHECK(ds.add_cidr(t.eni, t.cidr).has_value());
        ds.assigns(sandbox1_net1, t.address, t.device);
        ds.checked();
        return;
    }
    REQUIRE(ds.add_cidr(t.eni, t.cidr).has_value());
    REQUIRE(ds.assign(sandbox1_net1).has_value());
    if (step == 4) {
        ds.refused(errc::eni_in_use, [&] { return ds.pool.remove_eni(t.eni); });
        ds.refused(errc::eni_in_use, [&] { return ds.remove_eni(t.eni, false); });
        return;
    }
    const auto evicted = ds.remove_eni(t.eni, true);  // force: the pod loses its address
    REQUIRE(evicted.has_value());
    CHECK(evicted->size() == 1);
    CHECK(ds.eni_count() == t.enis - 2);
    CHECK(ds.pool.find(sandbox1_net1.key()) == nullptr);
    ds.checked();
}

// TestAddENIIPv4Address L213-217 (and the PD variant, L256-260): eni-1 primary, eni-2 device 2.
template <class DS>
void two_enis(DS& ds) {
    REQUIRE(ds.add_eni("eni-1", 0).has_value());
    REQUIRE(ds.add_eni("eni-2", 2).has_value());
}

// TestAddENIIPv4Address (L219-249) and TestAddENIIPv4AddressWithPDEnabled (L262-292): the same
// five steps with /32s or /28s.
struct add_cidr_test {
    const char* first;     // added to eni-1, then again (refused)
    const char* second;    // added to eni-1
    const char* on_eni2;   // added to eni-2
    const char* on_dummy;  // added to the unknown dummy-eni (refused)
    std::uint64_t unit;    // addresses a CIDR holds
};
constexpr add_cidr_test add_ips{"1.1.1.1/32", "1.1.1.2/32", "1.1.2.2/32", "1.1.2.2/32", 1};
constexpr add_cidr_test add_prefixes{"10.0.0.0/28", "20.0.0.0/28", "30.0.0.0/28", "40.0.0.0/28", 16};

// Replays the steps before `step` (1 .. 5) and asserts `step`: its outcome, ds.total and the
// CIDR counts the test asserts after it (totals 1, 1, 2, 3, 3 CIDRs' worth; eni-1 holds 1, 1,
// 2, 2, 2 CIDRs; eni-2 1 from step 4 on).
template <class DS>
void add_cidr_step(const add_cidr_test& t, int step) {
    DS ds;
    two_enis(ds);
    const auto act = [&](int s) {
        if (s <= 2) return ds.add_cidr("eni-1", t.first);
        if (s == 3) return ds.add_cidr("eni-1", t.second);
        if (s == 4) return ds.add_cidr("eni-2", t.on_eni2);
        return ds.add_cidr("dummy-eni", t.on_dummy);
    };
    for (int s = 1; s < step; ++s) REQUIRE(act(s).has_value() == (s != 2));
    if (step == 2) {
        ds.refused(errc::conflicting_grant, [&] { return act(step); });
    } else if (step == 5) {
        ds.refused(errc::unknown_eni, [&] { return act(step); });
    } else {
        CHECK(act(step).has_value());
        ds.checked();
    }
    constexpr std::uint64_t cidrs[] = {1, 1, 2, 3, 3};
    constexpr unsigned on_eni1[] = {1, 1, 2, 2, 2};
    CHECK(ds.pool.stats().total == cidrs[step - 1] * t.unit);
    CHECK(ds.cidrs_on("eni-1") == on_eni1[step - 1]);
    if (step >= 4) CHECK(ds.cidrs_on("eni-2") == 1);
}

// TestGetENIIPs L299-322: eni-1 holds 1.1.1.1 and 1.1.1.2, eni-2 1.1.2.2.
void three_ips(secondary_datastore& ds) {
    two_enis(ds);
    REQUIRE(ds.add_cidr("eni-1", "1.1.1.1/32").has_value());
    REQUIRE(ds.add_cidr("eni-1", "1.1.1.2/32").has_value());
    REQUIRE(ds.add_cidr("eni-2", "1.1.2.2/32").has_value());
    REQUIRE(ds.pool.stats().total == 3);
}

// TestGetENIIPsWithPDEnabled L341-367: eni-1 holds 10.0.0.0/28 and 20.0.0.0/28, eni-2
// 30.0.0.0/28.
void three_prefixes(pd_datastore& ds) {
    two_enis(ds);
    REQUIRE(ds.add_cidr("eni-1", "10.0.0.0/28").has_value());
    REQUIRE(ds.add_cidr("eni-1", "20.0.0.0/28").has_value());
    REQUIRE(ds.add_cidr("eni-2", "30.0.0.0/28").has_value());
    REQUIRE(ds.pool.stats().total == 48);
}

// TestPodIPv4Address L597-613 / TestPodIPv4AddressWithPDEnabled L811-829: eni-1 (primary)
// holding `first`, further ENIs at `devices`.
template <class DS>
void pod_address_setup(DS& ds, const char* first, std::vector<unsigned> devices) {
    REQUIRE(ds.add_eni("eni-1", 0, {first}).has_value());
    for (std::size_t i = 0; i < devices.size(); ++i)
        REQUIRE(ds.add_eni("eni-" + std::to_string(i + 2), devices[i]).has_value());
}

// TestPodIPv4Address up to step `upto` (1: key1 holds 1.1.1.1, 2: + 1.1.2.2 on eni-2,
// 3: key2 holds 1.1.2.2, 4: + 1.1.1.2, key3 holds it).
void pod_address_steps(secondary_datastore& ds, int upto) {
    pod_address_setup(ds, "1.1.1.1/32", {1});
    REQUIRE(address(ds.assign(sandbox(1))) == "1.1.1.1");
    if (upto >= 2) REQUIRE(ds.add_cidr("eni-2", "1.1.2.2/32").has_value());
    if (upto >= 3) REQUIRE(address(ds.assign(sandbox(2))) == "1.1.2.2");
    if (upto >= 4) {
        REQUIRE(ds.add_cidr("eni-1", "1.1.1.2/32").has_value());
        REQUIRE(address(ds.assign(sandbox(3))) == "1.1.1.2");
    }
}

// TestPodIPv4AddressWithPDEnabled: key1 .. key`pods` hold 10.0.0.0 upwards.
void pod_address_pd_steps(pd_datastore& ds, int pods) {
    pod_address_setup(ds, "10.0.0.0/28", {2, 3});
    for (int i = 1; i <= pods; ++i) REQUIRE(address(ds.assign(sandbox(i))) == "10.0.0." + std::to_string(i - 1));
}

// TestGetIPStatsV4(WithPD) L987-1003 / L1041-1055: cooldown 1 s, key1 and key2 assigned.
template <class DS>
void ip_stats_setup(DS& ds, const char* first, const char* second) {
    REQUIRE(ds.add_eni("eni-1", 0, {first}).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    if (second != nullptr) REQUIRE(ds.add_cidr("eni-1", second).has_value());
    REQUIRE(ds.assign(sandbox(2)).has_value());
}

// The DataStoreStats fields: TotalIPs, TotalPrefixes, AssignedIPs, CooldownIPs.
template <class DS>
void stats_are(DS& ds, std::uint64_t total, unsigned prefixes, std::uint64_t assigned, std::uint64_t cooling) {
    const enipool::pool_stats s = ds.pool.stats();
    CHECK(s.total == total);
    CHECK(s.prefixes == prefixes);
    CHECK(s.assigned == assigned);
    CHECK(s.cooling == cooling);
    ds.checked();
}

// An excluded primary ENI eni-1 holding `excluded_cidrs`, as in L1814-1823, L1869-1873, L1888-1899.
void excluded_primary(secondary_datastore& ds, const std::vector<const char*>& excluded_cidrs) {
    enipool::eni_flags excluded;
    excluded.excluded = true;
    REQUIRE(ds.add_eni("eni-1", 0, excluded_cidrs, excluded).has_value());
}

} // namespace

// --- TestAddENI ----------------------------------------------------------------------------
// eni-1 is isPrimary at device 1 and eni-0 isPrimary at device 0: the devices are kept (the
// datastore accepts two primaries; enipool's primary is the ENI at device 0).

DS_CASE(54, "TestAddENI", "add eni-1 and eni-0") {
    secondary_datastore ds;
    CHECK(ds.add_eni("eni-1", 1).has_value());
    CHECK(ds.add_eni("eni-0", 0).has_value());
    CHECK(ds.eni_count() == 2);
    ds.checked();
}

DS_CASE(60, "TestAddENI", "add eni-1 again") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1).has_value());
    REQUIRE(ds.add_eni("eni-0", 0).has_value());
    ds.refused(errc::duplicate_eni, [&] { return ds.add_eni("eni-1", 1); });
    CHECK(ds.eni_count() == 2);
}

DS_CASE(63, "TestAddENI", "add eni-2: 3 ENIs") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1).has_value());
    REQUIRE(ds.add_eni("eni-0", 0).has_value());
    REQUIRE_FALSE(ds.add_eni("eni-1", 1).has_value());
    CHECK(ds.add_eni("eni-2", 2).has_value());
    CHECK(ds.eni_count() == 3);  // L66, L69
    ds.checked();
}

// --- TestDeleteENI, TestDeleteENIwithPDEnabled -----------------------------------------------

DS_CASE(121, "TestDeleteENI", "remove unused eni-2") { delete_eni_step<secondary_datastore>(delete_ip, 1); }
DS_CASE(127, "TestDeleteENI", "remove unknown ENI") { delete_eni_step<secondary_datastore>(delete_ip, 2); }
DS_CASE(134, "TestDeleteENI", "add 1.1.1.1 to eni-1, assign: 1.1.1.1 on device 0") {
    delete_eni_step<secondary_datastore>(delete_ip, 3);
}
DS_CASE(147, "TestDeleteENI", "non-force removal of eni-1 holding a pod fails") {
    delete_eni_step<secondary_datastore>(delete_ip, 4);
}
DS_CASE(150, "TestDeleteENI", "force removal of eni-1 holding a pod") { delete_eni_step<secondary_datastore>(delete_ip, 5); }

DS_CASE(177, "TestDeleteENIwithPDEnabled", "remove unused eni-2") { delete_eni_step<pd_datastore>(delete_prefix, 1); }
DS_CASE(183, "TestDeleteENIwithPDEnabled", "remove unknown ENI") { delete_eni_step<pd_datastore>(delete_prefix, 2); }
DS_CASE(190, "TestDeleteENIwithPDEnabled", "add 10.0.0.0/28 to eni-4, assign: 10.0.0.0 on device 4") {
    delete_eni_step<pd_datastore>(delete_prefix, 3);
}
DS_CASE(203, "TestDeleteENIwithPDEnabled", "non-force removal of eni-4 holding a pod fails") {
    delete_eni_step<pd_datastore>(delete_prefix, 4);
}
DS_CASE(206, "TestDeleteENIwithPDEnabled", "force removal of eni-4 holding a pod") {
    delete_eni_step<pd_datastore>(delete_prefix, 5);
}

// --- TestAddENIIPv4Address, TestAddENIIPv4AddressWithPDEnabled ------------------------------

DS_CASE(219, "TestAddENIIPv4Address", "add 1.1.1.1: total 1") { add_cidr_step<secondary_datastore>(add_ips, 1); }
DS_CASE(225, "TestAddENIIPv4Address", "add 1.1.1.1 again fails") { add_cidr_step<secondary_datastore>(add_ips, 2); }
DS_CASE(231, "TestAddENIIPv4Address", "add 1.1.1.2: total 2") { add_cidr_step<secondary_datastore>(add_ips, 3); }
DS_CASE(237, "TestAddENIIPv4Address", "add 1.1.2.2 to eni-2: total 3") {
    add_cidr_step<secondary_datastore>(add_ips, 4);
}
DS_CASE(244, "TestAddENIIPv4Address", "add to unknown dummy-eni fails") {
    add_cidr_step<secondary_datastore>(add_ips, 5);
}

DS_CASE(262, "TestAddENIIPv4AddressWithPDEnabled", "add 10.0.0.0/28: total 16") {
    add_cidr_step<pd_datastore>(add_prefixes, 1);
}
DS_CASE(268, "TestAddENIIPv4AddressWithPDEnabled", "add 10.0.0.0/28 again fails") {
    add_cidr_step<pd_datastore>(add_prefixes, 2);
}
DS_CASE(274, "TestAddENIIPv4AddressWithPDEnabled", "add 20.0.0.0/28: total 32") {
    add_cidr_step<pd_datastore>(add_prefixes, 3);
}
DS_CASE(280, "TestAddENIIPv4AddressWithPDEnabled", "add 30.0.0.0/28 to eni-2: total 48") {
    add_cidr_step<pd_datastore>(add_prefixes, 4);
}
DS_CASE(287, "TestAddENIIPv4AddressWithPDEnabled", "add to unknown dummy-eni fails") {
    add_cidr_step<pd_datastore>(add_prefixes, 5);
}

// --- TestGetENIIPs, TestGetENIIPsWithPDEnabled (GetENICIDRs: the ENI's /32s, its /28s) -------

DS_CASE(324, "TestGetENIIPs", "eni-1 holds 2 IPs") {
    secondary_datastore ds;
    three_ips(ds);
    CHECK(ds.eni("eni-1").secondaries == 2);
    ds.checked();
}

DS_CASE(328, "TestGetENIIPs", "unknown dummy-eni") {
    secondary_datastore ds;
    three_ips(ds);
    CHECK_FALSE(ds.pool.eni_index("dummy-eni").has_value());
    ds.checked();
}

DS_CASE(369, "TestGetENIIPsWithPDEnabled", "eni-1 holds 2 prefixes") {
    pd_datastore ds;
    three_prefixes(ds);
    CHECK(ds.eni("eni-1").prefixes == 2);
    ds.checked();
}

DS_CASE(373, "TestGetENIIPsWithPDEnabled", "unknown dummy-eni") {
    pd_datastore ds;
    three_prefixes(ds);
    CHECK_FALSE(ds.pool.eni_index("dummy-eni").has_value());
    ds.checked();
}

// --- TestDelENIIPv4Address, TestDelENIIPv4AddressWithPDEnabled --------------------------------

DS_CASE(388, "TestDelENIIPv4Address", "assign: 1.1.1.1 on device 0") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 0, {"1.1.1.1/32"}).has_value());
    REQUIRE(ds.pool.stats().total == 1);
    ds.assigns(sandbox(1), "1.1.1.1", 0);
    ds.checked();
}

namespace {
// TestDelENIIPv4Address(WithPDEnabled) L378-433 / L435-492: eni-1 (primary) holds `cidrs`,
// a pod holds the first address of the first; then DelIPv4CidrFromStore steps. `step`: 1
// delete the free `free_cidr` (non-force), 2 delete `unknown` (refused), 3 delete the used
// first CIDR without force (refused), 4 with force. Totals are L410-433 / L469-492's.
template <class DS>
void del_cidr_step(const std::vector<const char*>& cidrs, const char* free_cidr, const char* unknown, bool unknown_force,
                   std::uint64_t unit, int step) {
    DS ds;
    REQUIRE(ds.add_eni("eni-1", 0, {cidrs.front()}).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    for (std::size_t i = 1; i < cidrs.size(); ++i) REQUIRE(ds.add_cidr("eni-1", cidrs[i]).has_value());
    REQUIRE(ds.pool.stats().total == 3 * unit);
    const auto removed = ds.del_cidr("eni-1", free_cidr, false);
    if (step == 1) {
        CHECK(removed.has_value());
        CHECK(ds.pool.stats().total == 2 * unit);
        CHECK(ds.cidrs_on("eni-1") == 2);
        ds.checked();
        return;
    }
    REQUIRE(removed.has_value());
    if (step == 2) {
        ds.refused(errc::address_not_in_pool, [&] { return ds.del_cidr("eni-1", unknown, unknown_force); });
        CHECK(ds.pool.stats().total == 2 * unit);
        return;
    }
    if (step == 3) {
        ds.refused(errc::address_in_use, [&] { return ds.del_cidr("eni-1", cidrs.front(), false); });
        CHECK(ds.cidrs_on("eni-1") == 2);
        return;
    }
    const auto evicted = ds.del_cidr("eni-1", cidrs.front(), true);
    REQUIRE(evicted.has_value());
    CHECK(evicted->size() == 1);
    CHECK(ds.pool.stats().total == unit);
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.pool.find(sandbox(1).key()) == nullptr);
    ds.checked();
}
void del_ip_step(int step) {
    del_cidr_step<secondary_datastore>({"1.1.1.1/32", "1.1.1.2/32", "1.1.1.3/32"}, "1.1.1.2/32", "10.10.10.10/32", false, 1,
                                       step);
}
// The unknown CIDR is upstream's 10.10.10.10 with a /28 mask, here the aligned 10.10.10.0/28.
void del_prefix_step(int step) {
    del_cidr_step<pd_datastore>({"10.0.0.0/28", "20.0.0.0/28", "30.0.0.0/28"}, "30.0.0.0/28", "10.10.10.0/28", true, 16,
                                step);
}
} // namespace

DS_CASE(410, "TestDelENIIPv4Address", "delete free 1.1.1.2 (non-force): total 2") { del_ip_step(1); }
DS_CASE(416, "TestDelENIIPv4Address", "delete unknown 10.10.10.10: error, total 2") { del_ip_step(2); }
DS_CASE(423, "TestDelENIIPv4Address", "non-force delete of assigned 1.1.1.1: error") { del_ip_step(3); }
DS_CASE(431, "TestDelENIIPv4Address", "force delete of assigned 1.1.1.1: total 1") { del_ip_step(4); }

DS_CASE(447, "TestDelENIIPv4AddressWithPDEnabled", "assign: 10.0.0.0 on device 0") {
    pd_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 0, {"10.0.0.0/28"}).has_value());
    REQUIRE(ds.pool.stats().total == 16);
    ds.assigns(sandbox(1), "10.0.0.0", 0);
    ds.checked();
}

DS_CASE(469, "TestDelENIIPv4AddressWithPDEnabled", "delete free 30.0.0.0/28 (non-force): total 32") { del_prefix_step(1); }
DS_CASE(475, "TestDelENIIPv4AddressWithPDEnabled", "force delete of unknown 10.10.10.10/28: error") { del_prefix_step(2); }
DS_CASE(484, "TestDelENIIPv4AddressWithPDEnabled", "non-force delete of used 10.0.0.0/28: error") { del_prefix_step(3); }
DS_CASE(490, "TestDelENIIPv4AddressWithPDEnabled", "force delete of used 10.0.0.0/28: total 16") { del_prefix_step(4); }

// --- TestTogglePD ----------------------------------------------------------------------------
// ds.isPDEnabled toggles only what the datastore hands out and counts; the pool holds both
// kinds on one ENI, so one secondary-IP pool plays the whole test.

DS_CASE(512, "TestTogglePD", "secondary mode: add 1.1.1.1, assign: 1.1.1.1 on device 0") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 0).has_value());
    CHECK(ds.add_cidr("eni-1", "1.1.1.1/32").has_value());
    CHECK(ds.pool.stats().total == 1);
    CHECK(ds.cidrs_on("eni-1") == 1);
    ds.assigns(sandbox(1), "1.1.1.1", 0);
    ds.checked();
}

DS_CASE(527, "TestTogglePD", "PD on: add 10.0.0.0/28: total 17") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 0, {"1.1.1.1/32"}).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    CHECK(ds.add_cidr("eni-1", "10.0.0.0/28").has_value());
    CHECK(ds.pool.stats().total == 17);
    CHECK(ds.cidrs_on("eni-1") == 2);
    ds.checked();
}

DS_CASE(537, "TestTogglePD", "PD on: assign: 10.0.0.0 on device 0") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 0, {"1.1.1.1/32"}).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    REQUIRE(ds.add_cidr("eni-1", "10.0.0.0/28").has_value());
    ds.assigns(sandbox(2), "10.0.0.0", 0);
    ds.checked();
}

namespace {
// L545-558: eni-1 holds 1.1.1.1 (sandbox-1) and 10.0.0.0/28 (sandbox-2 on 10.0.0.0).
void toggle_pd_both(secondary_datastore& ds) {
    REQUIRE(ds.add_eni("eni-1", 0, {"1.1.1.1/32"}).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    REQUIRE(ds.add_cidr("eni-1", "10.0.0.0/28").has_value());
    REQUIRE(address(ds.assign(sandbox(2))) == "10.0.0.0");
}
} // namespace

DS_CASE(547, "TestTogglePD", "non-force delete of the used 1.1.1.1: error") {
    secondary_datastore ds;
    toggle_pd_both(ds);
    ds.refused(errc::address_in_use, [&] { return ds.del_cidr("eni-1", "1.1.1.1/32", false); });
}
DS_CASE(556, "TestTogglePD", "force delete of the used 1.1.1.1: total 16") {
    secondary_datastore ds;
    toggle_pd_both(ds);
    REQUIRE(ds.del_cidr("eni-1", "1.1.1.1/32", true).has_value());
    CHECK(ds.pool.stats().total == 16);
    CHECK(ds.cidrs_on("eni-1") == 1);
    ds.checked();
}

DS_CASE(560, "TestTogglePD", "PD off: add 1.1.1.1 again: total 17") {
    // The state after the forced removal of 1.1.1.1 (L555-558): eni-1 holds 10.0.0.0/28,
    // sandbox-2 holds 10.0.0.0, total 16.
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 0, {"10.0.0.0/28"}).has_value());
    REQUIRE(address(ds.assign(sandbox(2))) == "10.0.0.0");
    REQUIRE(ds.pool.stats().total == 16);
    CHECK(ds.add_cidr("eni-1", "1.1.1.1/32").has_value());
    CHECK(ds.pool.stats().total == 17);
    CHECK(ds.cidrs_on("eni-1") == 2);
    ds.checked();
}

namespace {
// L570-583: the state after L560-568: eni-1 holds 10.0.0.0/28 (sandbox-2 on 10.0.0.0) and
// the free 1.1.1.1 again.
void toggle_pd_back(secondary_datastore& ds) {
    REQUIRE(ds.add_eni("eni-1", 0, {"10.0.0.0/28"}).has_value());
    REQUIRE(address(ds.assign(sandbox(2))) == "10.0.0.0");
    REQUIRE(ds.add_cidr("eni-1", "1.1.1.1/32").has_value());
}
} // namespace

DS_CASE(572, "TestTogglePD", "non-force delete of the used 10.0.0.0/28: error") {
    secondary_datastore ds;
    toggle_pd_back(ds);
    ds.refused(errc::address_in_use, [&] { return ds.del_cidr("eni-1", "10.0.0.0/28", false); });
}
DS_CASE(581, "TestTogglePD", "force delete of the used 10.0.0.0/28: total 1") {
    secondary_datastore ds;
    toggle_pd_back(ds);
    REQUIRE(ds.del_cidr("eni-1", "10.0.0.0/28", true).has_value());
    CHECK(ds.pool.stats().total == 1);
    CHECK(ds.cidrs_on("eni-1") == 1);
    ds.checked();
}

// --- TestPodIPv4Address ----------------------------------------------------------------------

DS_CASE(615, "TestPodIPv4Address", "assign key1: 1.1.1.1") {
    secondary_datastore ds;
    pod_address_setup(ds, "1.1.1.1/32", {1});
    CHECK(address(ds.assign(sandbox(1))) == "1.1.1.1");
    CHECK(ds.pool.stats().total == 1);
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.eni("eni-1").assigned() == 1);
    ds.checked();
}

DS_INEXPRESSIBLE(624, "TestPodIPv4Address", "the checkpoint holds key1's allocation", no_checkpoint_per_assign);

DS_CASE(639, "TestPodIPv4Address", "AllocatedIPs: 1") {
    secondary_datastore ds;
    pod_address_steps(ds, 1);
    CHECK(ds.pool.allocations().size() == 1);
    ds.checked();
}

DS_CASE(646, "TestPodIPv4Address", "add 1.1.2.2 to eni-2, assign key1 again: 1.1.1.1, nothing changes") {
    secondary_datastore ds;
    pod_address_steps(ds, 2);
    CHECK(address(ds.assign(sandbox(1))) == "1.1.1.1");
    CHECK(ds.pool.stats().total == 2);
    CHECK(ds.pool.stats().assigned == 1);
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.eni("eni-1").assigned() == 1);
    CHECK(ds.cidrs_on("eni-2") == 1);
    CHECK(ds.eni("eni-2").assigned() == 0);
    ds.checked();
}

DS_INEXPRESSIBLE(657, "TestPodIPv4Address", "assign key2 while the checkpoint write fails", no_checkpoint_per_assign);

DS_CASE(679, "TestPodIPv4Address", "assign key2: 1.1.2.2") {
    secondary_datastore ds;
    pod_address_steps(ds, 2);
    CHECK(address(ds.assign(sandbox(2))) == "1.1.2.2");
    CHECK(ds.pool.stats().total == 2);
    CHECK(ds.pool.stats().assigned == 2);
    CHECK(ds.cidrs_on("eni-2") == 1);
    CHECK(ds.eni("eni-2").assigned() == 1);
    CHECK(ds.pool.allocations().size() == 2);  // L707-708
    ds.checked();
}

DS_CASE(710, "TestPodIPv4Address", "add 1.1.1.2 to eni-1, assign key3: 1.1.1.2") {
    secondary_datastore ds;
    pod_address_steps(ds, 3);
    REQUIRE(ds.add_cidr("eni-1", "1.1.1.2/32").has_value());
    CHECK(address(ds.assign(sandbox(3))) == "1.1.1.2");
    CHECK(ds.pool.stats().total == 3);
    CHECK(ds.pool.stats().assigned == 3);
    CHECK(ds.cidrs_on("eni-1") == 2);
    CHECK(ds.eni("eni-1").assigned() == 2);
    ds.checked();
}

DS_CASE(747, "TestPodIPv4Address", "assign key4: no address left") {
    secondary_datastore ds;
    pod_address_steps(ds, 4);
    ds.refused(errc::no_available_addresses, [&] { return ds.assign(sandbox(4)); });
}

DS_CASE(751, "TestPodIPv4Address", "unassign unknown key4") {
    secondary_datastore ds;
    pod_address_steps(ds, 4);
    REQUIRE_FALSE(ds.assign(sandbox(4)).has_value());
    ds.refused(errc::unknown_pod, [&] { return ds.release(sandbox(4)); });
}

DS_CASE(755, "TestPodIPv4Address", "unassign key2: its device, total 3, assigned 2") {
    secondary_datastore ds;
    pod_address_steps(ds, 4);
    const unsigned device = ds.device_of(sandbox(2));  // pod1Ns2Device, returned by the assign at L679
    CHECK(address(ds.release(sandbox(2))) == "1.1.2.2");
    CHECK(device == 1);  // L759: the device of key2's assign, eni-2's
    CHECK(ds.pool.stats().total == 3);
    CHECK(ds.pool.stats().assigned == 2);
    CHECK(ds.cidrs_on("eni-2") == 1);
    CHECK(ds.eni("eni-2").assigned() == 0);
    ds.checked();
}

// L788-798: after key2's release eni-2 holds only the cooling 1.1.2.2 and is young.
void pod_address_released(secondary_datastore& ds) {
    pod_address_steps(ds, 4);
    REQUIRE(ds.release(sandbox(2)).has_value());
}

DS_CASE(789, "TestPodIPv4Address", "RemoveUnusedENIFromStore(0, 0, 0): eni-2 is young and cooling, none") {
    secondary_datastore ds;
    pod_address_released(ds);
    CHECK(ds.remove_unused_eni(0, 0, 0).empty());
    CHECK(ds.eni_count() == 2);
}

DS_CASE(796, "TestPodIPv4Address", "createTime and UnassignedTime reset: eni-2 removed, total 2, assigned 2") {
    secondary_datastore ds;
    pod_address_released(ds);
    ds.age_enis();
    CHECK(ds.remove_unused_eni(0, 0, 0) == "eni-2");
    CHECK(ds.pool.stats().total == 2);
    CHECK(ds.pool.stats().assigned == 2);
}

// --- TestPodIPv4AddressWithPDEnabled -----------------------------------------------------------

DS_CASE(831, "TestPodIPv4AddressWithPDEnabled", "assign key1: 10.0.0.0") {
    pd_datastore ds;
    pod_address_setup(ds, "10.0.0.0/28", {2, 3});
    CHECK(address(ds.assign(sandbox(1))) == "10.0.0.0");
    CHECK(ds.pool.stats().total == 16);
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.eni("eni-1").assigned() == 1);
    ds.checked();
}

DS_INEXPRESSIBLE(840, "TestPodIPv4AddressWithPDEnabled", "the checkpoint holds key1's allocation",
                 no_checkpoint_per_assign);

DS_CASE(855, "TestPodIPv4AddressWithPDEnabled", "AllocatedIPs: 1") {
    pd_datastore ds;
    pod_address_pd_steps(ds, 1);
    CHECK(ds.pool.allocations().size() == 1);
    ds.checked();
}

DS_CASE(858, "TestPodIPv4AddressWithPDEnabled", "assign key1 again: 10.0.0.0, nothing changes") {
    pd_datastore ds;
    pod_address_pd_steps(ds, 1);
    CHECK(address(ds.assign(sandbox(1))) == "10.0.0.0");
    CHECK(ds.pool.stats().total == 16);
    CHECK(ds.pool.stats().assigned == 1);
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.eni("eni-1").assigned() == 1);
    ds.checked();
}

DS_INEXPRESSIBLE(867, "TestPodIPv4AddressWithPDEnabled", "assign key2 while the checkpoint write fails",
                 no_checkpoint_per_assign);

DS_CASE(889, "TestPodIPv4AddressWithPDEnabled", "assign key2: 10.0.0.1") {
    pd_datastore ds;
    pod_address_pd_steps(ds, 1);
    CHECK(address(ds.assign(sandbox(2))) == "10.0.0.1");
    CHECK(ds.pool.stats().total == 16);
    CHECK(ds.pool.stats().assigned == 2);
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.eni("eni-1").assigned() == 2);
    CHECK(ds.pool.allocations().size() == 2);  // L917-918
    ds.checked();
}

DS_CASE(920, "TestPodIPv4AddressWithPDEnabled", "assign key3: 10.0.0.2") {
    pd_datastore ds;
    pod_address_pd_steps(ds, 2);
    CHECK(address(ds.assign(sandbox(3))) == "10.0.0.2");
    CHECK(ds.pool.stats().total == 16);
    CHECK(ds.pool.stats().assigned == 3);
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.eni("eni-1").assigned() == 3);
    ds.checked();
}

DS_CASE(953, "TestPodIPv4AddressWithPDEnabled", "unassign key2: its device, total 16, assigned 2") {
    pd_datastore ds;
    pod_address_pd_steps(ds, 3);
    const unsigned device = ds.device_of(sandbox(2));  // pod1Ns2Device, returned by the assign at L889
    CHECK(address(ds.release(sandbox(2))) == "10.0.0.1");
    CHECK(device == 0);  // L958: the device of key2's assign, eni-1's
    CHECK(ds.pool.stats().total == 16);  // L955, L982
    CHECK(ds.pool.stats().assigned == 2);  // L956, L983
    CHECK(ds.cidrs_on("eni-1") == 1);
    CHECK(ds.eni("eni-1").assigned() == 2);
    ds.checked();
}

// --- TestGetIPStatsV4, TestGetIPStatsV4WithPD (IP_COOLDOWN_PERIOD=1) ---------------------------

DS_CASE(1005, "TestGetIPStatsV4", "two pods: total 2, assigned 2, cooling 0") {
    secondary_datastore ds(1s);
    ip_stats_setup(ds, "1.1.1.1/32", "1.1.1.2/32");
    stats_are(ds, 2, 0, 2, 0);
}

DS_CASE(1014, "TestGetIPStatsV4", "unassign key2: assigned 1, cooling 1") {
    secondary_datastore ds(1s);
    ip_stats_setup(ds, "1.1.1.1/32", "1.1.1.2/32");
    CHECK(ds.release(sandbox(2)).has_value());
    stats_are(ds, 2, 0, 1, 1);
}

DS_CASE(1026, "TestGetIPStatsV4", "after the 1 s cooldown: cooling 0") {
    secondary_datastore ds(1s);
    ip_stats_setup(ds, "1.1.1.1/32", "1.1.1.2/32");
    REQUIRE(ds.release(sandbox(2)).has_value());
    ds.clock.advance(1s + 1ns);
    stats_are(ds, 2, 0, 1, 0);
}

DS_CASE(1057, "TestGetIPStatsV4WithPD", "two pods: total 16, 1 prefix, assigned 2, cooling 0") {
    pd_datastore ds(1s);
    ip_stats_setup(ds, "10.0.0.0/28", nullptr);
    stats_are(ds, 16, 1, 2, 0);
}

DS_CASE(1067, "TestGetIPStatsV4WithPD", "unassign key2: assigned 1, cooling 1") {
    pd_datastore ds(1s);
    ip_stats_setup(ds, "10.0.0.0/28", nullptr);
    CHECK(ds.release(sandbox(2)).has_value());
    stats_are(ds, 16, 1, 1, 1);
}

DS_CASE(1080, "TestGetIPStatsV4WithPD", "after the 1 s cooldown: cooling 0") {
    pd_datastore ds(1s);
    ip_stats_setup(ds, "10.0.0.0/28", nullptr);
    REQUIRE(ds.release(sandbox(2)).has_value());
    ds.clock.advance(1s + 1ns);
    stats_are(ds, 16, 1, 1, 0);
}

// --- TestForceRemovalMetrics (eni-1: device 1, not primary) -------------------------------------

DS_CASE(1721, "TestForceRemovalMetrics", "assign: 1.1.1.1 on device 1") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1, {"1.1.1.1/32"}).has_value());
    ds.assigns(sandbox(1), "1.1.1.1", 1);
    ds.checked();
}

DS_CASE(1733, "TestForceRemovalMetrics", "non-force delete of the used 1.1.1.1: IP is used") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1, {"1.1.1.1/32"}).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    ds.refused(errc::address_in_use, [&] { return ds.del_cidr("eni-1", "1.1.1.1/32", false); });
}
DS_CASE(1741, "TestForceRemovalMetrics", "force delete of the used 1.1.1.1: succeeds") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1, {"1.1.1.1/32"}).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    const auto evicted = ds.del_cidr("eni-1", "1.1.1.1/32", true);
    REQUIRE(evicted.has_value());
    CHECK(evicted->size() == 1);
    CHECK(ds.cidrs_on("eni-1") == 0);
    ds.checked();
}

// The state after the forced removal of 1.1.1.1 (L1738-1739): eni-1 holds no CIDR, no pod.
DS_CASE(1744, "TestForceRemovalMetrics", "add 1.1.1.2, assign key2: 1.1.1.2 on device 1") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1).has_value());
    CHECK(ds.add_cidr("eni-1", "1.1.1.2/32").has_value());
    ds.assigns(sandbox(2), "1.1.1.2", 1);
    ds.checked();
}

DS_CASE(1756, "TestForceRemovalMetrics", "non-force removal of eni-1 holding a pod: ENI is used") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1, {"1.1.1.2/32"}).has_value());
    REQUIRE(ds.assign(sandbox(2)).has_value());
    ds.refused(errc::eni_in_use, [&] { return ds.pool.remove_eni("eni-1"); });
}

DS_CASE(1768, "TestForceRemovalMetrics", "force removal of eni-1 holding a pod: succeeds") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-1", 1, {"1.1.1.2/32"}).has_value());
    REQUIRE(ds.assign(sandbox(2)).has_value());
    const auto evicted = ds.remove_eni("eni-1", true);
    REQUIRE(evicted.has_value());
    CHECK(evicted->size() == 1);
    CHECK(ds.eni_count() == 0);
    ds.checked();
}

// --- excluded ENIs ---------------------------------------------------------------------------

DS_CASE(1814, "TestAssignPodIPv4AddressWithExcludedENI", "only the excluded eni-1 holds an IP: no address") {
    secondary_datastore ds;
    excluded_primary(ds, {});
    REQUIRE(ds.add_cidr("eni-1", "10.0.0.1/32").has_value());
    ds.refused(errc::no_available_addresses, [&] { return ds.assign(container1()); });
}

DS_CASE(1840, "TestAssignPodIPv4AddressWithExcludedENI", "add eni-2 with 10.0.0.2: 10.0.0.2 on device 1") {
    secondary_datastore ds;
    excluded_primary(ds, {"10.0.0.1/32"});
    REQUIRE_FALSE(ds.assign(container1()).has_value());
    REQUIRE(ds.add_eni("eni-2", 1).has_value());
    REQUIRE(ds.add_cidr("eni-2", "10.0.0.2/32").has_value());
    ds.assigns(container1(), "10.0.0.2", 1);
    ds.checked();
}

DS_CASE(1866, "TestGetAllocatableENIsWithExclusion", "only eni-2 is allocatable") {
    secondary_datastore ds;
    excluded_primary(ds, {});
    REQUIRE(ds.add_eni("eni-2", 1).has_value());
    CHECK(ds.allocatable_enis() == std::vector<std::string>{"eni-2"});
    // Growth (tryAssignIPs over GetAllocatableENIs) goes to eni-2.
    CHECK(ds.growth_targets() == std::vector<std::string>{"eni-2"});
    ds.checked();
}

DS_CASE(1885, "TestGetIPStatsWithExcludedENI", "only eni-2's IPs count: total 2, assigned 0, available 2") {
    secondary_datastore ds;
    excluded_primary(ds, {"10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"});
    REQUIRE(ds.add_eni("eni-2", 1, {"10.0.0.11/32", "10.0.0.12/32"}).has_value());
    const enipool::pool_stats s = ds.pool.stats();
    CHECK(s.total == 2);
    CHECK(s.assigned == 0);
    CHECK(s.total - s.assigned == 2);  // AvailableAddresses = TotalIPs - AssignedIPs (ds.go:911-913)
    ds.checked();
}

constexpr const char* no_empty_cidr_cleanup =
    "no deallocateEmptyCIDR: CIDRs of excluded ENIs are never dropped, and a /24 is no CIDR node_pool holds (R38)";
DS_INEXPRESSIBLE(2086, "TestDeallocateEmptyCIDR", "IPv4 CIDR cleanup on excluded ENI", no_empty_cidr_cleanup);
DS_INEXPRESSIBLE(2126, "TestDeallocateEmptyCIDR", "Skip cleanup when ENI is not excluded", no_empty_cidr_cleanup);
DS_INEXPRESSIBLE(2153, "TestDeallocateEmptyCIDR", "Skip cleanup when CIDR has assigned IPs", no_empty_cidr_cleanup);
DS_INEXPRESSIBLE(2196, "TestDeallocateEmptyCIDR", "Handle non-existent ENI gracefully", no_empty_cidr_cleanup);
DS_INEXPRESSIBLE(2207, "TestDeallocateEmptyCIDR", "Handle non-existent CIDR gracefully", no_empty_cidr_cleanup);

DS_CASE(2231, "TestDataStore_IsENIExcludedForPodIPs", "the excluded flag toggles at run time") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-test", 1).has_value());
    CHECK_FALSE(ds.view_of("eni-test").excluded);
    CHECK(ds.pool.set_excluded("eni-test", true).has_value());
    CHECK(ds.view_of("eni-test").excluded);
    CHECK_FALSE(ds.pool.eni_index("non-existent").has_value());  // IsENIExcludedForPodIPs: false
    ds.refused(errc::unknown_eni, [&] { return ds.pool.set_excluded("non-existent", true); });
}

// --- trunk, EFA, freeable CIDRs ----------------------------------------------------------------

DS_CASE(2243, "TestDataStore_GetTrunkENI", "none, none, then eni-trunk") {
    secondary_datastore ds;
    const auto trunk_enis = [&] {
        std::vector<std::string> ids;
        for (const enipool::eni_view& e : ds.pool.view().enis)
            if (e.trunk) ids.push_back(e.id);
        return ids;
    };
    CHECK(trunk_enis().empty());
    REQUIRE(ds.add_eni("eni-regular", 1).has_value());
    CHECK(trunk_enis().empty());
    enipool::eni_flags trunk;
    trunk.trunk = true;
    REQUIRE(ds.add_eni("eni-trunk", 2, {}, trunk).has_value());
    CHECK(trunk_enis() == std::vector<std::string>{"eni-trunk"});
    ds.checked();
}

DS_CASE(2254, "TestDataStore_GetEFAENIs", "none, none, then eni-efa1 and eni-efa2") {
    secondary_datastore ds;
    const auto efa_enis = [&] {
        std::vector<std::string> ids;
        for (const enipool::eni_view& e : ds.pool.view().enis)
            if (e.efa) ids.push_back(e.id);
        return ids;
    };
    CHECK(efa_enis().empty());
    REQUIRE(ds.add_eni("eni-regular", 1).has_value());
    CHECK(efa_enis().empty());
    enipool::eni_flags efa;
    efa.efa = true;
    REQUIRE(ds.add_eni("eni-efa1", 2, {}, efa).has_value());
    REQUIRE(ds.add_eni("eni-efa2", 3, {}, efa).has_value());
    CHECK(efa_enis() == std::vector<std::string>{"eni-efa1", "eni-efa2"});
    ds.checked();
}

DS_CASE(2310, "TestDataStore_FreeableIPs", "two free /32s: 2 freeable") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-test", 1, {"10.0.1.1/32", "10.0.1.2/32"}).has_value());
    CHECK(ds.view_of("eni-test").wholly_free.size() == 2);
    ds.checked();
}

DS_CASE(2325, "TestDataStore_GetFreePrefixes", "one free /28: 1 free prefix") {
    pd_datastore ds;
    REQUIRE(ds.add_eni("eni-test", 1, {"10.0.1.0/28"}).has_value());
    CHECK(ds.pool.view().free_prefixes == 1);
    ds.checked();
}

DS_CASE(2337, "TestDataStore_FindFreeableCidrs", "one free /28: 1 freeable CIDR") {
    pd_datastore ds;
    REQUIRE(ds.add_eni("eni-test", 1, {"10.0.1.0/28"}).has_value());
    CHECK(ds.view_of("eni-test").wholly_free.size() == 1);
    ds.checked();
}

// --- TestWarmENIInteractions (L1181-1274) ------------------------------------------------------
// eni-1 (primary) holds 1.1.1.1 and 1.1.1.2, both assigned; eni-2 holds 1.1.2.1, 1.1.2.2 and
// eni-3 1.1.3.1, all free; eni-2 and eni-3 are old. Each step replays the removals before it.

namespace {

void warm_eni_interactions(secondary_datastore& ds) {
    REQUIRE(ds.add_eni("eni-1", 0, {"1.1.1.1/32"}).has_value());
    REQUIRE(ds.add_eni("eni-2", 2).has_value());
    REQUIRE(ds.add_eni("eni-3", 3).has_value());
    REQUIRE(ds.assign(sandbox(1)).has_value());
    REQUIRE(ds.add_cidr("eni-1", "1.1.1.2/32").has_value());
    REQUIRE(ds.assign(sandbox(2)).has_value());
    REQUIRE(ds.add_cidr("eni-2", "1.1.2.1/32").has_value());
    REQUIRE(ds.add_cidr("eni-2", "1.1.2.2/32").has_value());
    REQUIRE(ds.add_cidr("eni-3", "1.1.3.1/32").has_value());
    ds.age_enis();
}

// After L1235: eni-3 and eni-2 removed; eni-4 (trunk) and eni-5 (EFA) with one free /32 each.
void warm_eni_interactions_trunk_efa(secondary_datastore& ds) {
    warm_eni_interactions(ds);
    REQUIRE(ds.remove_unused_eni(2, 4, 0) == "eni-3");
    REQUIRE(ds.remove_unused_eni(0, 2, 0) == "eni-2");
    enipool::eni_flags trunk, efa;
    trunk.trunk = true;
    efa.efa = true;
    REQUIRE(ds.add_eni("eni-4", 4, {"1.1.4.1/32"}, trunk).has_value());
    REQUIRE(ds.add_eni("eni-5", 5, {"1.1.5.1/32"}, efa).has_value());
    ds.age_enis();
}

} // namespace

DS_CASE(1215, "TestWarmENIInteractions", "RemoveUnusedENIFromStore(3, 1, 0): none") {
    secondary_datastore ds;
    warm_eni_interactions(ds);
    CHECK(ds.remove_unused_eni(3, 1, 0).empty());
}

DS_CASE(1219, "TestWarmENIInteractions", "RemoveUnusedENIFromStore(1, 5, 0): none") {
    secondary_datastore ds;
    warm_eni_interactions(ds);
    CHECK(ds.remove_unused_eni(1, 5, 0).empty());
}

DS_CASE(1223, "TestWarmENIInteractions", "RemoveUnusedENIFromStore(2, 4, 0): eni-3") {
    secondary_datastore ds;
    warm_eni_interactions(ds);
    CHECK(ds.remove_unused_eni(2, 4, 0) == "eni-3");
}

DS_CASE(1232, "TestWarmENIInteractions", "then RemoveUnusedENIFromStore(0, 3, 0): none") {
    secondary_datastore ds;
    warm_eni_interactions(ds);
    REQUIRE(ds.remove_unused_eni(2, 4, 0) == "eni-3");
    CHECK(ds.remove_unused_eni(0, 3, 0).empty());
}

DS_CASE(1236, "TestWarmENIInteractions", "then RemoveUnusedENIFromStore(0, 2, 0): eni-2") {
    secondary_datastore ds;
    warm_eni_interactions(ds);
    REQUIRE(ds.remove_unused_eni(2, 4, 0) == "eni-3");
    CHECK(ds.remove_unused_eni(0, 2, 0) == "eni-2");
}

DS_CASE(1256, "TestWarmENIInteractions", "trunk eni-4 and EFA eni-5 are never removed, 3 ENIs stay") {
    secondary_datastore ds;
    warm_eni_interactions_trunk_efa(ds);
    CHECK(ds.remove_unused_eni(0, 2, 0).empty());
    CHECK(ds.eni_count() == 3);
}

DS_CASE(1272, "TestWarmENIInteractions", "a normal empty eni-6 is removed, 3 ENIs stay") {
    secondary_datastore ds;
    warm_eni_interactions_trunk_efa(ds);
    REQUIRE(ds.add_eni("eni-6", 6).has_value());
    ds.age_enis();
    CHECK(ds.remove_unused_eni(0, 2, 0) == "eni-6");
    CHECK(ds.eni_count() == 3);
}

// --- TestDataStore_CheckFreeableENIexists (L2288-2302) -----------------------------------------

DS_CASE(2290, "TestDataStore_CheckFreeableENIexists", "empty datastore: false") {
    secondary_datastore ds;
    CHECK_FALSE(ds.freeable_eni_exists());
}

DS_CASE(2293, "TestDataStore_CheckFreeableENIexists", "the primary only: false") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-primary", 0).has_value());
    CHECK_FALSE(ds.freeable_eni_exists());
}

DS_CASE(2296, "TestDataStore_CheckFreeableENIexists", "+ a secondary ENI: true") {
    secondary_datastore ds;
    REQUIRE(ds.add_eni("eni-primary", 0).has_value());
    REQUIRE(ds.add_eni("eni-secondary", 1).has_value());
    CHECK(ds.freeable_eni_exists());
}

DS_CASE(2299, "TestDataStore_CheckFreeableENIexists", "+ a trunk ENI: still true") {
    secondary_datastore ds;
    enipool::eni_flags trunk;
    trunk.trunk = true;
    REQUIRE(ds.add_eni("eni-primary", 0).has_value());
    REQUIRE(ds.add_eni("eni-secondary", 1).has_value());
    REQUIRE(ds.add_eni("eni-trunk", 2, {}, trunk).has_value());
    CHECK(ds.freeable_eni_exists());
}

DS_CASE(2302, "TestDataStore_CheckFreeableENIexists", "+ an EFA ENI: still true") {
    secondary_datastore ds;
    enipool::eni_flags trunk, efa;
    trunk.trunk = true;
    efa.efa = true;
    REQUIRE(ds.add_eni("eni-primary", 0).has_value());
    REQUIRE(ds.add_eni("eni-secondary", 1).has_value());
    REQUIRE(ds.add_eni("eni-trunk", 2, {}, trunk).has_value());
    REQUIRE(ds.add_eni("eni-efa", 3, {}, efa).has_value());
    CHECK(ds.freeable_eni_exists());
}

DS_DERIVED("S-D1", "CheckFreeableENIexists: a trunk or EFA ENI alone is not freeable (ds.go:1594-1623)") {
    secondary_datastore ds;
    enipool::eni_flags trunk, efa;
    trunk.trunk = true;
    efa.efa = true;
    REQUIRE(ds.add_eni("eni-primary", 0).has_value());
    REQUIRE(ds.add_eni("eni-trunk", 2, {}, trunk).has_value());
    REQUIRE(ds.add_eni("eni-efa", 3, {}, efa).has_value());
    CHECK_FALSE(ds.freeable_eni_exists());
}
