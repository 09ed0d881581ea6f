// ipamd_test.cpp (tests/peer/vpc_cni): the VPC CNI's pkg/ipamd/ipamd_test.go at v1.23.1,
// transcribed as facts (inputs and the expected decision), each case citing its upstream line.
// Every expectation is the upstream test's; enipool's vpc_cni_warm in its default configuration
// must decide the same (docs/notes/fidelity-research.md section 2.1, cases V1-V99).
//
// Mapping of ipamd's mocks and helpers: AllocENI(n) => plan() yields one attach_eni of count
// n; AllocIPAddresses(eni, n) => one assign_to_eni; DeallocIPAddresses => release_from_eni;
// datastoreTargetState's short / over => shortfall (addresses; /28s rounded up in prefix mode,
// as ipamd returns them) / excess (CIDRs of the current mode); isDatastorePoolTooLow =>
// too_low(counts_of(view)); tryFreeENI's RemoveUnusedENIFromStore => deletable_eni(view);
// get*Target => vpc_cni_warm_config_from_env (the IP targets' "0 = unset" compared through
// value_or(0), ipamd's int). The IPAMContext fields a test leaves out are Go's zero value, so
// e.g. warmENITarget is 0 where a test does not set it.
//
// Fixture adaptations (not decision inputs): ENI subnets are widened to the upstream VPC
// 10.10.0.0/16 where a fixture puts a prefix outside its ENI's subnet (node_pool refuses a CIDR
// outside its ENI's subnet); an ENI without addresses gets enipool's synthetic view addresses;
// "sleep 61 s" is a view 61 s after the attach.
#include "peer_case.hpp"
#include "plan_summary.hpp"
#include "pool_test_support.hpp"
#include "view_builder.hpp"

#include <enipool/clock.hpp>
#include <enipool/growth_policy.hpp>
#include <enipool/node_pool.hpp>
#include <enipool/warm/vpc_cni_env.hpp>
#include <enipool/warm/vpc_cni_warm.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

PEER_UPSTREAM_FILE(ipamd_test_go, "vpc-cni", "aws/amazon-vpc-cni-k8s", "pkg/ipamd/ipamd_test.go",
                   "b52188387f2e2f10bf289ace929d6a63b176a4fa");
#define IPAMD_CASE(line, test, row) PEER_UPSTREAM("ipamd_test.go", "b521883", "vpc-cni", line, test, row)
#define IPAMD_DERIVED(id, what) PEER_DERIVED("ipamd_test.go", "b521883", "vpc-cni", id, what)
#define IPAMD_INEXPRESSIBLE(line, test, row, reason) PEER_INEXPRESSIBLE(ipamd_test_go, line, test, row, reason)

namespace {

using namespace std::chrono_literals;
using enipool::address_mode;
using enipool::vpc_cni_warm;
using enipool::vpc_cni_warm_config;
using enipool_test::plan_summary;
using enipool_test::view_builder;

constexpr auto secondary = address_mode::secondary;
constexpr auto prefix = address_mode::prefix;

// An IPAMContext's four target fields (Go ints; 0 is "unset" for the two IP targets, and an
// engaged 0 means the same to vpc_cni_warm).
vpc_cni_warm_config ipamd_targets(unsigned warm_eni, unsigned warm_ip, unsigned minimum_ip = 0,
                                  unsigned warm_prefix = 0) {
    vpc_cni_warm_config c;
    c.warm_eni_target = warm_eni;
    c.warm_ip_target = warm_ip;
    c.minimum_ip_target = minimum_ip;
    c.warm_prefix_target = warm_prefix;
    return c;
}

bool pool_too_low(const vpc_cni_warm_config& c, const enipool::pool_view& v) {
    const vpc_cni_warm s(c);
    return s.too_low(vpc_cni_warm::counts_of(v));
}

// datastoreTargetState: (short, over, enabled), short in addresses or, in prefix mode, in
// /28s rounded up (ipamd.go L2209-2211); over in CIDRs of the current mode.
struct target_state {
    std::uint64_t short_units = 0;
    std::uint64_t over = 0;
    bool enabled = false;
};
target_state datastore_target_state(const vpc_cni_warm_config& c, const enipool::pool_view& v) {
    const vpc_cni_warm s(c);
    const auto counts = vpc_cni_warm::counts_of(v);
    const std::uint64_t short_addresses = s.shortfall(counts);
    return {v.mode == prefix ? (short_addresses + 15) / 16 : short_addresses, s.excess(counts), s.ip_targets_set()};
}

// datastoreTargetState returned (short_units, over, true).
void check_target_state(const vpc_cni_warm_config& c, const enipool::pool_view& v, std::uint64_t short_units,
                        std::uint64_t over) {
    const auto t = datastore_target_state(c, v);
    CHECK(t.enabled);
    CHECK(t.short_units == short_units);
    CHECK(t.over == over);
}

plan_summary plan_of(const vpc_cni_warm_config& c, const enipool::pool_view& v) {
    return enipool_test::summarize(vpc_cni_warm(c).plan(v));
}

// One ENI attached with `count` units and nothing else grown.
void check_attach(const plan_summary& s, long long count) {
    CHECK(s.growth_actions == 1);
    CHECK(s.attach);
    CHECK(s.units == count);
}

// The int ipamd's getter for `name` returns with the variable set to `value` (nullptr: unset),
// through vpc_cni_warm_config_from_env (an empty IP target is ipamd's 0).
unsigned ipamd_getter(std::string_view name, const char* value) {
    const auto c = enipool::vpc_cni_warm_config_from_env([&](std::string_view n) -> std::optional<std::string> {
        if (n != name || value == nullptr) return std::nullopt;
        return std::string(value);
    });
    if (name == "WARM_IP_TARGET") return c.warm_ip_target.value_or(0);
    if (name == "MINIMUM_IP_TARGET") return c.minimum_ip_target.value_or(0);
    if (name == "WARM_PREFIX_TARGET") return c.warm_prefix_target.value_or(0);
    return c.warm_eni_target;
}

// A node pool as ipamd's datastore, on a manual clock.
template <class Policy>
using ipamd_pool = enipool::node_pool<Policy, vpc_cni_warm, enipool::pod_key<std::uint64_t>,
                                      enipool::clock<enipool::manual_clock>>;

template <class Policy>
ipamd_pool<Policy> make_pool(enipool::manual_clock& clk, enipool::instance_type type, std::uint64_t max_pods = 0,
                             vpc_cni_warm_config warm = {}) {
    typename ipamd_pool<Policy>::config cfg;
    cfg.type = std::move(type);
    cfg.max_pods = max_pods;
    cfg.warm = warm;
    auto p = ipamd_pool<Policy>::create(cfg, clk);
    REQUIRE(p.has_value());
    return std::move(*p);
}

// An ENI of the upstream fixtures, in the VPC 10.10.0.0/16 (see the header comment).
enipool::eni_spec vpc_eni(std::string id, unsigned device, const char* primary_ip,
                          std::vector<enipool::ipv4_prefix> cidrs, enipool::eni_flags flags = {}) {
    enipool::eni_spec s;
    s.id = std::move(id);
    s.device_index = device;
    s.subnet = pool_test::cidr("10.10.0.0/16");
    s.primary_ip = pool_test::addr(primary_ip);
    s.cidrs = std::move(cidrs);
    s.flags = flags;
    return s;
}

// ENIs and addresses of a pool, as GetENIInfos reports them (ENIs, TotalIPs).
template <class Pool>
void check_enis_and_total(Pool& p, std::size_t enis, std::uint64_t total) {
    const auto v = p.view();
    CHECK(v.enis.size() == enis);
    CHECK(v.total == total);
}

} // namespace

// --- TestNodeInit, TestNodeInitwithPDenabledIPv4Mode -----------------------------------------

// 14 IPs/ENI, 4 ENIs, WARM_ENI 1, WARM_IP 3, max pods 500. eni-0 (primary) holds 10.10.10.12
// restored to a pod, eni-1 holds two free IPs: total 3, assigned 1, available 2 -> short 1.
IPAMD_CASE(222, "TestNodeInit", "one AllocIPAddresses after restore") {
    const auto v = view_builder(secondary, 14, 4, 500).eni().secondary('a').eni().secondaries(2, 'f').build();
    const auto s = plan_of(ipamd_targets(1, 3), v);
    CHECK(s.growth_actions == 1);
    CHECK_FALSE(s.attach);
    CHECK(s.released == 0);
}

// PD, 14 prefixes/ENI, WARM_IP 3: eni-0 holds 10.10.30.0/28 with the restored pod on
// 10.10.30.0, eni-1 nothing: available 15 -> short 0; no AllocIPAddresses, no Dealloc mocked.
IPAMD_CASE(324, "TestNodeInitwithPDenabledIPv4Mode", "no AllocIPAddresses") {
    const auto v = view_builder(prefix, 14, 4, 500).eni().prefix(1).eni().build();
    const auto s = plan_of(ipamd_targets(1, 3), v);
    CHECK(s.growth_actions == 0);
    CHECK(s.released == 0);
}

// --- testIncreaseIPPool / testIncreasePrefixPool (increaseDatastorePool on an empty datastore) --

namespace {
constexpr const char* no_schedulability =
    "no node-schedulability input: ipamd attaches nothing on an unschedulable node by default";
// testIncreaseIPPool: 14 IPs/ENI, 4 ENIs, WARM_ENI 1, max pods unset (0 in the mock), empty
// datastore -> AllocENI(..., 14, 0). Trunking compatibility is asked but ENABLE_POD_ENI is off,
// so the trunking rows decide alike; security groups and subnet (custom networking) are the
// caller's, the count is the decision.
void check_increase_ip_pool() {
    check_attach(plan_of(ipamd_targets(1, 0), view_builder(secondary, 14, 4).build()), 14);
}
// testIncreasePrefixPool: PD, 16 prefixes/ENI, WARM_PREFIX 1, empty -> AllocENI(..., 1, 0).
void check_increase_prefix_pool() {
    check_attach(plan_of(ipamd_targets(1, 0, 0, 1), view_builder(prefix, 16, 4).build()), 1);
}

// The one action a plan holds, as planned.
template <class Pool>
enipool::action only_action(Pool& p) {
    auto plan = p.plan();
    REQUIRE(plan.size() == 1);
    return plan.front();
}

// testIncrease*Pool with subnetDiscovery: the primary ENI holds no CIDR. Secondary (14
// IPs/ENI, WARM_ENI 1): AllocIPAddresses(primary, 14) and then (primary, 1) both fail with
// InsufficientFreeAddressesInSubnet, then AllocENI(14) in the same pass (L727-738). PD (16
// prefixes/ENI, WARM_PREFIX 1): the same with (primary, 1) twice and AllocENI(1) (L836-846).
// Driven through a node pool: each refusal is fed back with apply, and no stall follows.
template <class Policy>
void check_subnet_discovery() {
    constexpr bool pd = std::is_same_v<Policy, enipool::prefix_only>;
    enipool::manual_clock clk;
    auto pool = make_pool<Policy>(clk, pool_test::nitro_type(4, pd ? 17 : 15), 0,
                                  pd ? ipamd_targets(1, 0, 0, 1) : ipamd_targets(1, 0));
    REQUIRE(pool.add_eni(vpc_eni("eni-primary", 0, "10.10.10.10", {})).has_value());
    const auto refuse = [&](const enipool::action& a) {
        const enipool::outcome o{a, enipool::error(enipool::errc::insufficient_free_addresses, "subnet full")};
        REQUIRE(pool.apply(o).has_value());
    };
    const unsigned first = pd ? 1 : 14;
    for (const unsigned count : {first, 1u}) {
        const enipool::action a = only_action(pool);
        const auto* as = std::get_if<enipool::assign_to_eni>(&a);
        REQUIRE(as != nullptr);
        CHECK(as->eni_id == "eni-primary");
        CHECK(as->count == count);
        refuse(a);
    }
    const enipool::action a = only_action(pool);
    const auto* at = std::get_if<enipool::attach_eni>(&a);
    REQUIRE(at != nullptr);
    CHECK(at->count == first);
    CHECK(pool.policy().stalls() == 0);
}

} // namespace

IPAMD_CASE(740, "TestIncreaseIPPoolDefault", "trunking false") { check_increase_ip_pool(); }
IPAMD_CASE(740, "TestIncreaseIPPoolDefault", "trunking true") { check_increase_ip_pool(); }
IPAMD_CASE(738, "TestIncreaseIPPoolSubnetDiscoveryUnfilledENI", "trunking false") { check_subnet_discovery<enipool::secondary_only>(); }
IPAMD_CASE(738, "TestIncreaseIPPoolSubnetDiscoveryUnfilledENI", "trunking true") { check_subnet_discovery<enipool::secondary_only>(); }
IPAMD_CASE(726, "TestIncreaseIPPoolCustomENI", "trunking false") { check_increase_ip_pool(); }
IPAMD_CASE(726, "TestIncreaseIPPoolCustomENI", "trunking true") { check_increase_ip_pool(); }
// Unschedulable node with AWS_MANAGE_ENIS_NON_SCHEDULABLE=true: growth as on any node.
IPAMD_CASE(726, "TestIncreaseIPPoolCustomENIOnNonSchedulableNode", "trunking false") { check_increase_ip_pool(); }
IPAMD_CASE(726, "TestIncreaseIPPoolCustomENIOnNonSchedulableNode", "trunking true") { check_increase_ip_pool(); }
IPAMD_INEXPRESSIBLE(579, "TestIncreaseIPPoolCustomENIOnNonSchedulableNodeDefault", "trunking false", no_schedulability);
IPAMD_INEXPRESSIBLE(579, "TestIncreaseIPPoolCustomENIOnNonSchedulableNodeDefault", "trunking true", no_schedulability);

IPAMD_CASE(848, "TestIncreasePrefixPoolDefault", "trunking true") { check_increase_prefix_pool(); }
IPAMD_CASE(848, "TestIncreasePrefixPoolDefault", "trunking false") { check_increase_prefix_pool(); }
IPAMD_CASE(846, "TestIncreasePrefixPoolSubnetDiscoveryUnfilledENI", "trunking true") { check_subnet_discovery<enipool::prefix_only>(); }
IPAMD_CASE(846, "TestIncreasePrefixPoolSubnetDiscoveryUnfilledENI", "trunking false") { check_subnet_discovery<enipool::prefix_only>(); }
IPAMD_CASE(834, "TestIncreasePrefixPoolCustomENI", "trunking true") { check_increase_prefix_pool(); }
IPAMD_CASE(834, "TestIncreasePrefixPoolCustomENI", "trunking false") { check_increase_prefix_pool(); }

// --- TestDecreaseIPPool ----------------------------------------------------------------------

namespace {
// WARM_IP 1; eni-0 and eni-1 hold two IPs each, one with a pod; the last decrease was 60 s
// ago. (maxIPsPerENI is 0 in the mock; 14 here, it plays no part with IP targets.)
enipool::pool_view decrease_before() {
    return view_builder(secondary, 14, 4).now(60s).last_shrink(0s).eni().secondary('a').secondary('f')
        .eni().secondary('a').secondary('f').build();
}
// After one /32 is given back (which one is Go map order; eni-1's here).
enipool::pool_view decrease_after() {
    return view_builder(secondary, 14, 4).now(60s).last_shrink(60s).eni().secondary('a').secondary('f')
        .eni().secondary('a').build();
}
} // namespace

IPAMD_CASE(962, "TestDecreaseIPPool", "step 1: short 0, over 1") {
    check_target_state(ipamd_targets(0, 1), decrease_before(), 0, 1);
}
IPAMD_CASE(965, "TestDecreaseIPPool", "step 2: the decrease frees exactly one IP") {
    const auto s = plan_of(ipamd_targets(0, 1), decrease_before());
    CHECK(s.released == 1);
    CHECK(s.growth_actions == 0);
    for (const auto& c : s.released_cidrs) CHECK(c.length() == 32u);
}
IPAMD_CASE(969, "TestDecreaseIPPool", "step 3: short 0, over 0") {
    check_target_state(ipamd_targets(0, 1), decrease_after(), 0, 0);
}
IPAMD_CASE(973, "TestDecreaseIPPool", "step 4: a second decrease frees nothing") {
    auto v = decrease_after();
    v.now = 120s;  // past the decrease interval, so only `over` can stop it
    CHECK(plan_of(ipamd_targets(0, 1), v).released == 0);
}
IPAMD_CASE(977, "TestDecreaseIPPool", "step 5: short 0, over 0") {
    check_target_state(ipamd_targets(0, 1), decrease_after(), 0, 0);
}

// --- TestTryFreeENI_* -------------------------------------------------------------------------

namespace {
// No target set (all four fields 0); eni-0 (primary) and eni-1 hold one free IP each; 61 s
// after both were added.
enipool::pool_view try_free_eni_view() {
    return view_builder(secondary, 14, 4).now(61s).eni().secondary('f').eni().secondary('f').build();
}
} // namespace

IPAMD_CASE(1016, "TestTryFreeENI_DeletesPrimaryIPEntry", "the secondary ENI is freed") {
    CHECK(vpc_cni_warm(ipamd_targets(0, 0)).deletable_eni(try_free_eni_view()) == std::optional<std::string>("eni-1"));
}
// The rule-deletion failure is host networking; the ENI decision is the same.
IPAMD_CASE(1059, "TestTryFreeENI_DeletesPrimaryIPEntryOnRuleFailure", "the secondary ENI is still freed") {
    CHECK(vpc_cni_warm(ipamd_targets(0, 0)).deletable_eni(try_free_eni_view()) == std::optional<std::string>("eni-1"));
}

// --- TestTryAddIPToENI -------------------------------------------------------------------------

// 14 IPs/ENI, WARM_ENI 1, WARM_IP 3, empty datastore: AllocENI(..., 3, 0).
IPAMD_CASE(1097, "TestTryAddIPToENI", "AllocENI with WARM_IP_TARGET addresses") {
    check_attach(plan_of(ipamd_targets(1, 3), view_builder(secondary, 14, 4).build()), 3);
}

// --- TestNodeIPPoolReconcile, TestNodePrefixPoolReconcile -------------------------------------

namespace {
const auto ten_by_fifteen = pool_test::nitro_type(4, 15);  // maxENI 4 (the IP limit is not read here)

// Step 1 of the reconcile tests: the primary ENI (10.10.10.11) seen with `cidrs`.
template <class Policy>
void reconcile_primary_only(std::vector<enipool::ipv4_prefix> cidrs, std::uint64_t total) {
    enipool::manual_clock clk;
    auto p = make_pool<Policy>(clk, ten_by_fifteen);
    REQUIRE(p.add_eni(vpc_eni("eni-00000000", 0, "10.10.10.11", std::move(cidrs))).has_value());
    check_enis_and_total(p, 1, total);
}
// Step 2: the primary's CIDRs are gone from IMDS and EC2 confirms it: the reconcile removes
// them with force (DelIPv4CidrFromStore(…, true), ipamd.go L1732-1748).
template <class Policy>
void reconcile_cidrs_gone(std::vector<enipool::ipv4_prefix> cidrs) {
    enipool::manual_clock clk;
    auto p = make_pool<Policy>(clk, ten_by_fifteen);
    REQUIRE(p.add_eni(vpc_eni("eni-00000000", 0, "10.10.10.11", cidrs)).has_value());
    REQUIRE(p.remove_cidrs("eni-00000000", cidrs, enipool::removal::force).has_value());
    check_enis_and_total(p, 1, 0);
    REQUIRE(p.check().has_value());
}
// Steps 3-4, from the state step 2 leaves (the primary holds nothing), built directly: a new
// ENI (device 2, primary 10.10.20.11) seen with `cidr`, then gone from IMDS when `gone`.
template <class Policy>
void reconcile_new_eni(const char* cidr, bool gone, std::size_t enis, std::uint64_t total) {
    enipool::manual_clock clk;
    auto p = make_pool<Policy>(clk, ten_by_fifteen);
    REQUIRE(p.add_eni(vpc_eni("eni-00000000", 0, "10.10.10.11", {})).has_value());
    REQUIRE(p.add_eni(vpc_eni("eni-00000001", 2, "10.10.20.11", {pool_test::cidr(cidr)})).has_value());
    if (gone) REQUIRE(p.remove_eni("eni-00000001").has_value());
    check_enis_and_total(p, enis, total);
}
} // namespace

IPAMD_CASE(1190, "TestNodeIPPoolReconcile", "step 1: primary with two secondaries -> 1 ENI, 2 IPs") {
    reconcile_primary_only<enipool::secondary_only>({pool_test::cidr("10.10.10.12/32"), pool_test::cidr("10.10.10.13/32")}, 2);
}
IPAMD_CASE(1213, "TestNodeIPPoolReconcile", "step 2: secondaries gone from IMDS and EC2 -> 0 IPs") {
    reconcile_cidrs_gone<enipool::secondary_only>({pool_test::cidr("10.10.10.12/32"), pool_test::cidr("10.10.10.13/32")});
}
IPAMD_CASE(1242, "TestNodeIPPoolReconcile", "step 3: a new ENI with one secondary -> 2 ENIs, 1 IP") {
    reconcile_new_eni<enipool::secondary_only>("10.10.20.12/32", false, 2, 1);
}
IPAMD_CASE(1250, "TestNodeIPPoolReconcile", "step 4: the new ENI gone from IMDS -> 1 ENI, 0 IPs") {
    reconcile_new_eni<enipool::secondary_only>("10.10.20.12/32", true, 1, 0);
}
IPAMD_CASE(1297, "TestNodePrefixPoolReconcile", "step 1: primary with one /28 -> 1 ENI, 16 IPs") {
    reconcile_primary_only<enipool::prefix_only>({pool_test::cidr("10.10.30.0/28")}, 16);
}
IPAMD_CASE(1322, "TestNodePrefixPoolReconcile", "step 2: the /28 gone from IMDS and EC2 -> 0 IPs") {
    reconcile_cidrs_gone<enipool::prefix_only>({pool_test::cidr("10.10.30.0/28")});
}
IPAMD_CASE(1351, "TestNodePrefixPoolReconcile", "step 3: a new ENI with one /28 -> 2 ENIs, 16 IPs") {
    reconcile_new_eni<enipool::prefix_only>("10.10.40.0/28", false, 2, 16);
}
IPAMD_CASE(1359, "TestNodePrefixPoolReconcile", "step 4: the new ENI gone from IMDS -> 1 ENI, 0 IPs") {
    reconcile_new_eni<enipool::prefix_only>("10.10.40.0/28", true, 1, 0);
}

// --- TestGetWarmENITarget (it reads WARM_IP_TARGET), TestGetWarmPrefixTarget --------------------

IPAMD_CASE(1368, "TestGetWarmENITarget", "WARM_IP_TARGET=5 -> 5") { CHECK(ipamd_getter("WARM_IP_TARGET", "5") == 5u); }
IPAMD_CASE(1372, "TestGetWarmENITarget", "WARM_IP_TARGET unset -> noWarmIPTarget (0)") {
    CHECK(ipamd_getter("WARM_IP_TARGET", nullptr) == 0u);
}
IPAMD_CASE(1376, "TestGetWarmENITarget", "WARM_IP_TARGET=non-integer-string -> noWarmIPTarget (0)") {
    CHECK(ipamd_getter("WARM_IP_TARGET", "non-integer-string") == 0u);
}
IPAMD_CASE(1385, "TestGetWarmPrefixTarget", "WARM_PREFIX_TARGET=5 -> 5") {
    CHECK(ipamd_getter("WARM_PREFIX_TARGET", "5") == 5u);
}
IPAMD_CASE(1389, "TestGetWarmPrefixTarget", "WARM_PREFIX_TARGET unset -> defaultWarmPrefixTarget (0)") {
    CHECK(ipamd_getter("WARM_PREFIX_TARGET", nullptr) == 0u);
}
IPAMD_CASE(1393, "TestGetWarmPrefixTarget", "WARM_PREFIX_TARGET=non-integer-string -> default (0)") {
    CHECK(ipamd_getter("WARM_PREFIX_TARGET", "non-integer-string") == 0u);
}

// --- TestGetWarmIPTargetState, TestGetWarmIPTargetStateWithPDenabled ----------------------------

IPAMD_CASE(1410, "TestGetWarmIPTargetState", "step 1: no target -> not enabled") {
    CHECK_FALSE(datastore_target_state(ipamd_targets(0, 0), view_builder(secondary, 14, 4).build()).enabled);
}
IPAMD_CASE(1415, "TestGetWarmIPTargetState", "step 2: WARM_IP 5, empty -> short 5, over 0") {
    check_target_state(ipamd_targets(0, 5), view_builder(secondary, 14, 4).build(), 5, 0);
}
IPAMD_CASE(1427, "TestGetWarmIPTargetState", "step 3: 2 IPs -> short 3, over 0") {
    check_target_state(ipamd_targets(0, 5), view_builder(secondary, 14, 4).eni().secondaries(2, 'f').build(), 3, 0);
}
IPAMD_CASE(1440, "TestGetWarmIPTargetState", "step 4: 5 IPs -> short 0, over 0") {
    check_target_state(ipamd_targets(0, 5), view_builder(secondary, 14, 4).eni().secondaries(5, 'f').build(), 0, 0);
}
IPAMD_CASE(1460, "TestGetWarmIPTargetStateWithPDenabled", "step 1: no target -> not enabled") {
    CHECK_FALSE(datastore_target_state(ipamd_targets(0, 0), view_builder(prefix, 16, 4).build()).enabled);
}
IPAMD_CASE(1465, "TestGetWarmIPTargetStateWithPDenabled", "step 2: WARM_IP 5, empty -> short 1 prefix, over 0") {
    check_target_state(ipamd_targets(0, 5), view_builder(prefix, 16, 4).build(), 1, 0);
}
// eni-1 holds 10.1.1.0/28 and 20.1.1.0/28 (both added to eni-1), eni-2 nothing.
IPAMD_CASE(1478, "TestGetWarmIPTargetStateWithPDenabled", "step 3: two free /28s -> short 0, over 1") {
    const auto v = view_builder(prefix, 16, 4).eni().prefix(0).prefix(0).eni().build();
    check_target_state(ipamd_targets(0, 5), v, 0, 1);
}
IPAMD_CASE(1487, "TestGetWarmIPTargetStateWithPDenabled", "step 4: one /28 deleted -> short 0, over 0") {
    const auto v = view_builder(prefix, 16, 4).eni().prefix(0).eni().build();
    check_target_state(ipamd_targets(0, 5), v, 0, 0);
}

// --- TestIPAMContext_nodeIPPoolTooLow (fields: maxIPsPerENI, maxENI, WARM_ENI, WARM_IP, datastore, maxPods) --

namespace {
// datastoreWith3FreeIPs and friends: eni-0 (primary) holds 3 IPs, `pods` of them assigned.
enipool::pool_view three_ips(unsigned pods, unsigned slots, std::uint64_t max_pods) {
    return view_builder(secondary, slots, 4, max_pods).eni().secondaries(pods, 'a').secondaries(3 - pods, 'f').build();
}
enipool::pool_view empty_secondary(unsigned slots) { return view_builder(secondary, slots, 4, 500).build(); }
} // namespace

IPAMD_CASE(1509, "TestIPAMContext_nodeIPPoolTooLow", "Test new ds, all defaults") {
    CHECK(pool_too_low(ipamd_targets(1, 0), empty_secondary(14)));
}
IPAMD_CASE(1510, "TestIPAMContext_nodeIPPoolTooLow", "Test new ds, 0 ENIs") {
    CHECK(pool_too_low(ipamd_targets(0, 0), empty_secondary(14)));
}
IPAMD_CASE(1511, "TestIPAMContext_nodeIPPoolTooLow", "Test new ds, 3 warm IPs") {
    CHECK(pool_too_low(ipamd_targets(0, 3), empty_secondary(14)));
}
IPAMD_CASE(1512, "TestIPAMContext_nodeIPPoolTooLow", "Test 3 unused IPs, 1 warm") {
    CHECK_FALSE(pool_too_low(ipamd_targets(1, 1), three_ips(0, 3, 500)));
}
IPAMD_CASE(1513, "TestIPAMContext_nodeIPPoolTooLow", "Test 1 used, 1 warm ENI") {
    CHECK(pool_too_low(ipamd_targets(1, 0), three_ips(1, 3, 500)));
}
IPAMD_CASE(1514, "TestIPAMContext_nodeIPPoolTooLow", "Test 1 used, 0 warm ENI") {
    CHECK_FALSE(pool_too_low(ipamd_targets(0, 0), three_ips(1, 3, 500)));
}
IPAMD_CASE(1515, "TestIPAMContext_nodeIPPoolTooLow", "Test 3 used, 1 warm ENI") {
    CHECK(pool_too_low(ipamd_targets(1, 0), three_ips(3, 3, 500)));
}
IPAMD_CASE(1516, "TestIPAMContext_nodeIPPoolTooLow", "Test 3 used, 0 warm ENI") {
    CHECK(pool_too_low(ipamd_targets(0, 0), three_ips(3, 3, 500)));
}
IPAMD_CASE(1517, "TestIPAMContext_nodeIPPoolTooLow", "Test max pods exceeded") {
    CHECK_FALSE(pool_too_low(ipamd_targets(0, 5), three_ips(3, 3, 3)));
}

// --- TestIPAMContext_nodePrefixPoolTooLow (16 prefixes/ENI; WARM_PREFIX; WARM_ENI unset = 0) ------

namespace {
// datastoreWithFreeIPsFromPrefix and friends: eni-0 holds 10.10.30.0/28 with `pods` pods.
enipool::pool_view one_prefix(unsigned pods, std::uint64_t max_pods) {
    return view_builder(prefix, 16, 4, max_pods).eni().prefix(pods).build();
}
enipool::pool_view empty_prefix() { return view_builder(prefix, 16, 4, 500).build(); }
} // namespace

IPAMD_CASE(1561, "TestIPAMContext_nodePrefixPoolTooLow", "Test new ds, all defaults") {
    CHECK(pool_too_low(ipamd_targets(0, 0, 0, 1), empty_prefix()));
}
IPAMD_CASE(1562, "TestIPAMContext_nodePrefixPoolTooLow", "Test new ds, 0 ENIs") {
    CHECK(pool_too_low(ipamd_targets(0, 0, 0, 0), empty_prefix()));
}
IPAMD_CASE(1563, "TestIPAMContext_nodePrefixPoolTooLow", "Test 3 unused IPs, 1 warm") {
    CHECK_FALSE(pool_too_low(ipamd_targets(0, 0, 0, 1), one_prefix(0, 500)));
}
IPAMD_CASE(1564, "TestIPAMContext_nodePrefixPoolTooLow", "Test 1 used, 1 warm Prefix") {
    CHECK(pool_too_low(ipamd_targets(0, 0, 0, 1), one_prefix(1, 500)));
}
IPAMD_CASE(1565, "TestIPAMContext_nodePrefixPoolTooLow", "Test 1 used, 0 warm Prefix") {
    CHECK_FALSE(pool_too_low(ipamd_targets(0, 0, 0, 0), one_prefix(1, 500)));
}
IPAMD_CASE(1566, "TestIPAMContext_nodePrefixPoolTooLow", "Test 3 used, 1 warm Prefix") {
    CHECK(pool_too_low(ipamd_targets(0, 0, 0, 1), one_prefix(3, 500)));
}
IPAMD_CASE(1567, "TestIPAMContext_nodePrefixPoolTooLow", "Test 3 used, 0 warm Prefix") {
    CHECK_FALSE(pool_too_low(ipamd_targets(0, 0, 0, 0), one_prefix(3, 500)));
}
IPAMD_CASE(1568, "TestIPAMContext_nodePrefixPoolTooLow", "Test max pods exceeded") {
    CHECK_FALSE(pool_too_low(ipamd_targets(0, 0, 0, 1), one_prefix(3, 4)));
}

// --- TestFilterUnmanagedENIs_WithEFAOnlyENIs (getDummyENIMetadata: three ENIs, two IPs each) --------

namespace {
// The three dummy ENIs; eni2 efa-only or not. Each ENI's first address is its primary IP.
enipool::pool_view dummy_enis(bool eni2_efa_only) {
    enipool::manual_clock clk;
    auto p = make_pool<enipool::secondary_only>(clk, ten_by_fifteen);
    enipool::eni_flags efa_only;
    efa_only.efa_only = eni2_efa_only;
    REQUIRE(p.add_eni(vpc_eni("eni-00000000", 0, "10.10.10.11", {pool_test::cidr("10.10.10.12/32")})).has_value());
    REQUIRE(p.add_eni(vpc_eni("eni-00000001", 2, "10.10.20.11", {pool_test::cidr("10.10.20.12/32")}, efa_only))
                .has_value());
    REQUIRE(p.add_eni(vpc_eni("eni-00000002", 3, "10.10.30.11", {pool_test::cidr("10.10.30.12/32")})).has_value());
    return p.view();
}
unsigned serving(const enipool::pool_view& v) {
    unsigned n = 0;
    for (const auto& e : v.enis) n += e.serves_pods ? 1u : 0u;
    return n;
}
} // namespace

IPAMD_CASE(2848, "TestFilterUnmanagedENIs_WithEFAOnlyENIs", "Filter out EFA-only ENI") {
    const auto v = dummy_enis(true);
    CHECK(serving(v) == 2u);
    CHECK_FALSE(enipool_test::find_eni(v, "eni-00000001")->serves_pods);
    CHECK(vpc_cni_warm::counts_of(v).total == 2u);
}
IPAMD_CASE(2866, "TestFilterUnmanagedENIs_WithEFAOnlyENIs", "No EFA-only ENIs to filter") {
    const auto v = dummy_enis(false);
    CHECK(serving(v) == 3u);
    CHECK(vpc_cni_warm::counts_of(v).total == 3u);
}

// --- TestIPAMContext_PrimarySubnetExclusion, TestIPAMContext_WarmTargetWithExcludedPrimary ---------

IPAMD_CASE(2930, "TestIPAMContext_PrimarySubnetExclusion", "no address from an excluded primary ENI") {
    enipool::manual_clock clk;
    auto p = make_pool<enipool::secondary_only>(clk, ten_by_fifteen);
    enipool::eni_flags excluded;
    excluded.excluded = true;
    REQUIRE(p.add_eni(vpc_eni("eni-00000000", 0, "10.10.10.11", {}, excluded)).has_value());
    const auto r = p.assign(1);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == enipool::errc::no_available_addresses);
}

namespace {
// 10 IPs/ENI, 4 ENIs, WARM_ENI 2, max pods 100; the primary ENI is excluded and holds nothing.
// `with` secondary ENIs of 10 IPs each (the second is device 2 upstream, like the first; 3 here).
enipool::pool_view excluded_primary_with(unsigned with) {
    enipool::manual_clock clk;
    auto p = make_pool<enipool::secondary_only>(clk, pool_test::nitro_type(4, 11), 100, ipamd_targets(2, 0));
    auto primary = pool_test::eni_in_test_subnet("eni-00000000", 0, {});
    primary.flags.excluded = true;
    REQUIRE(p.add_eni(primary).has_value());
    for (unsigned n = 1; n <= with; ++n) {
        std::vector<enipool::ipv4_prefix> ips;
        for (unsigned i = 1; i <= 10; ++i)
            ips.push_back(enipool::ipv4_prefix::truncate(
                enipool::ipv4_address(10, 0, static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(i)), 32));
        REQUIRE(p.add_eni(pool_test::eni_in_test_subnet(n == 1 ? "eni-00000001" : "eni-3", n + 1, ips)).has_value());
    }
    return p.view();
}
} // namespace

IPAMD_CASE(2968, "TestIPAMContext_WarmTargetWithExcludedPrimary", "step 1: only the excluded primary -> too low") {
    CHECK(pool_too_low(ipamd_targets(2, 0), excluded_primary_with(0)));
}
IPAMD_CASE(2984, "TestIPAMContext_WarmTargetWithExcludedPrimary", "step 2: one ENI of 10 -> still too low") {
    CHECK(pool_too_low(ipamd_targets(2, 0), excluded_primary_with(1)));
}
IPAMD_CASE(3000, "TestIPAMContext_WarmTargetWithExcludedPrimary", "step 3: two ENIs of 10 -> not too low") {
    CHECK_FALSE(pool_too_low(ipamd_targets(2, 0), excluded_primary_with(2)));
}

// --- TestNodeInitPrimarySubnetExclusion* -------------------------------------------------------

// The checkpoint's existing-pod holds 10.10.10.12 on the primary, whose subnet is excluded:
// ReadBackingStore restores it there (data_store.go L381-408), the primary stays excluded,
// and with WARM_ENI 1, WARM_IP 3 the pool asks one IP of eni-1 (node init's IMDS and netlink
// steps are not modelled: the ENIs are added as setupENI leaves them).
IPAMD_CASE(3112, "TestNodeInitPrimarySubnetExclusionWithExistingPodIPs", "restore onto the excluded primary") {
    enipool::manual_clock clk;
    auto pool = make_pool<enipool::secondary_only>(clk, pool_test::nitro_type(4, 15), 500, ipamd_targets(1, 3));
    enipool::eni_flags excluded;
    excluded.excluded = true;
    REQUIRE(pool.add_eni(vpc_eni("eni-primary", 0, "10.10.10.11", {pool_test::cidr("10.10.10.12/32")}, excluded))
                .has_value());
    REQUIRE(pool.add_eni(vpc_eni("eni-1", 1, "10.10.20.10",
                                 {pool_test::cidr("10.10.20.11/32"), pool_test::cidr("10.10.20.12/32")}))
                .has_value());
    CHECK(pool.restore_allocation(1, pool_test::addr("10.10.10.12")).has_value());  // assert.NoError(nodeInit)
    REQUIRE(pool.check().has_value());
    const auto index = pool.eni_index("eni-primary");
    REQUIRE(index.has_value());
    CHECK(pool.enis()[*index].flags().excluded);  // IsENIExcludedForPodIPs(primary) stays true
    CHECK(pool.find(1)->address == pool_test::addr("10.10.10.12"));
    const enipool::action a = only_action(pool);  // one AllocIPAddresses, on eni-1
    const auto* as = std::get_if<enipool::assign_to_eni>(&a);
    REQUIRE(as != nullptr);
    CHECK(as->eni_id == "eni-1");
    CHECK(as->count == 1);
}
// 14 IPs/ENI, WARM_ENI 1, WARM_IP 3, max pods 500: the excluded primary's restored pod is not
// counted (GetIPStats skips excluded ENIs); eni-1's two free IPs -> short 1 -> one AllocIPAddresses.
namespace {
// One AllocIPAddresses, on eni-1 (the only ENI that may grow), with WARM_ENI 1, WARM_IP 3.
void check_one_alloc_on_eni1(const enipool::pool_view& v) {
    const auto s = plan_of(ipamd_targets(1, 3), v);
    CHECK(s.growth_actions == 1);
    CHECK_FALSE(s.attach);
    CHECK(s.grow_eni == "eni-1");
}
} // namespace

IPAMD_CASE(3105, "TestNodeInitPrimarySubnetExclusionWithExistingPodIPs", "one AllocIPAddresses") {
    check_one_alloc_on_eni1(view_builder(secondary, 14, 4, 500).excluded().secondary('a').eni().secondaries(2, 'f').build());
}
IPAMD_CASE(3247, "TestNodeInitPrimarySubnetExclusionWithoutExistingPodIPs", "one AllocIPAddresses") {
    check_one_alloc_on_eni1(view_builder(secondary, 14, 4, 500).excluded().eni().secondaries(2, 'f').build());
}

// --- TestPrimaryENIWasPreviouslyUsed, TestPrimaryENICleanup* ------------------------------------

IPAMD_CASE(3291, "TestPrimaryENIWasPreviouslyUsed", "a pod gets the primary ENI's unassigned IP") {
    enipool::manual_clock clk;
    auto p = make_pool<enipool::secondary_only>(clk, ten_by_fifteen);
    REQUIRE(p.add_eni(vpc_eni("eni-00000000", 0, "10.10.10.11", {pool_test::cidr("10.10.10.12/32")})).has_value());
    const auto r = p.assign(1);
    REQUIRE(r.has_value());
    CHECK(*r == pool_test::addr("10.10.10.12"));
}
IPAMD_INEXPRESSIBLE(3373, "TestPrimaryENICleanupIPv4SecondaryIP", "cleanupExcludedENI frees 10.10.10.12",
                    "no cleanup of an excluded ENI's unassigned CIDRs (cleanupExcludedENI)");
IPAMD_INEXPRESSIBLE(3418, "TestPrimaryENICleanupIPv4Prefixes", "cleanupExcludedENI frees 10.0.0.0/28",
                    "no cleanup of an excluded ENI's unassigned CIDRs (cleanupExcludedENI)");

// --- TestGetMinimumIPTarget ------------------------------------------------------------------------

IPAMD_CASE(3793, "TestGetMinimumIPTarget", "not set returns default") {
    CHECK(ipamd_getter("MINIMUM_IP_TARGET", nullptr) == 0u);
}
IPAMD_CASE(3794, "TestGetMinimumIPTarget", "valid positive value") {
    CHECK(ipamd_getter("MINIMUM_IP_TARGET", "10") == 10u);
}
IPAMD_CASE(3795, "TestGetMinimumIPTarget", "zero value") { CHECK(ipamd_getter("MINIMUM_IP_TARGET", "0") == 0u); }
IPAMD_CASE(3796, "TestGetMinimumIPTarget", "negative value returns default") {
    CHECK(ipamd_getter("MINIMUM_IP_TARGET", "-5") == 0u);
}
IPAMD_CASE(3797, "TestGetMinimumIPTarget", "invalid string returns default") {
    CHECK(ipamd_getter("MINIMUM_IP_TARGET", "invalid") == 0u);
}

// --- TestIPAMContext_WarmIPTargetsDefined, TestIPAMContext_WarmPrefixTargetDefined ------------------

IPAMD_CASE(4073, "TestIPAMContext_WarmIPTargetsDefined", "both not defined") {
    CHECK_FALSE(vpc_cni_warm(ipamd_targets(1, 0, 0)).ip_targets_set());
}
IPAMD_CASE(4074, "TestIPAMContext_WarmIPTargetsDefined", "warmIPTarget defined") {
    CHECK(vpc_cni_warm(ipamd_targets(1, 5, 0)).ip_targets_set());
}
IPAMD_CASE(4075, "TestIPAMContext_WarmIPTargetsDefined", "minimumIPTarget defined") {
    CHECK(vpc_cni_warm(ipamd_targets(1, 0, 10)).ip_targets_set());
}
IPAMD_CASE(4076, "TestIPAMContext_WarmIPTargetsDefined", "both defined") {
    CHECK(vpc_cni_warm(ipamd_targets(1, 5, 10)).ip_targets_set());
}
IPAMD_INEXPRESSIBLE(4093, "TestIPAMContext_WarmPrefixTargetDefined", "not defined",
                    "no warmPrefixTargetDefined predicate (the prefix target applies whenever the view's mode is prefix)");
IPAMD_INEXPRESSIBLE(4094, "TestIPAMContext_WarmPrefixTargetDefined", "defined with prefix delegation",
                    "no warmPrefixTargetDefined predicate (the prefix target applies whenever the view's mode is prefix)");
IPAMD_INEXPRESSIBLE(4095, "TestIPAMContext_WarmPrefixTargetDefined", "defined without prefix delegation",
                    "no warmPrefixTargetDefined predicate (the prefix target applies whenever the view's mode is prefix)");

// --- TestContainsInsufficientCIDRsOrSubnetIPs (through the growth policy: true = the 120 s stop) ---

namespace {
// Times the secondary-IP growth policy stopped for the subnet stall after `e` (none: a grant).
std::uint64_t stalls_after(std::optional<enipool::errc> e) {
    enipool::secondary_only p;
    if (e) p.on_error(0s, secondary, *e);
    else p.on_grant(0s, secondary);
    return p.stalls();
}
} // namespace

IPAMD_CASE(4111, "TestContainsInsufficientCIDRsOrSubnetIPs", "nil error") { CHECK(stalls_after(std::nullopt) == 0u); }
IPAMD_CASE(4112, "TestContainsInsufficientCIDRsOrSubnetIPs", "InsufficientCidrBlocks error") {
    CHECK(stalls_after(enipool::errc::insufficient_cidr_blocks) == 1u);
}
IPAMD_CASE(4113, "TestContainsInsufficientCIDRsOrSubnetIPs", "InsufficientFreeAddressesInSubnet error") {
    CHECK(stalls_after(enipool::errc::insufficient_free_addresses) == 1u);
}
// "SomeOtherError": enipool's code for any other EC2 refusal is InvalidParameterValue.
IPAMD_CASE(4114, "TestContainsInsufficientCIDRsOrSubnetIPs", "other error") {
    CHECK(stalls_after(enipool::errc::invalid_parameter_value) == 0u);
}
// --- TestContainsPrivateIPAddressLimitExceededError (through the next step of ipamd's pass:
// true = no retry with one address, the ENI is read back from EC2 and the pass is over) ----------

namespace {
// Units of the growth the plan holds after AllocIPAddresses(eni-0, 2) failed with `e` (none:
// nothing failed). eni-0 has 2 free slots, every address assigned: too low.
long long growth_after(std::optional<enipool::errc> e) {
    auto v = view_builder(secondary, 9, 3).now(10s).eni().secondaries(7, 'a').build();
    if (e) v.growth_failures = {{"eni-0", secondary, 2, *e, 10s}};
    return plan_of({}, v).units;
}
} // namespace

IPAMD_CASE(4129, "TestContainsPrivateIPAddressLimitExceededError", "nil error") {
    CHECK(growth_after(std::nullopt) == 2);  // the ordinary request, no special handling
}
IPAMD_CASE(4130, "TestContainsPrivateIPAddressLimitExceededError", "PrivateIpAddressLimitExceeded error") {
    CHECK(growth_after(enipool::errc::private_ip_address_limit_exceeded) == 0);
}
IPAMD_CASE(4131, "TestContainsPrivateIPAddressLimitExceededError", "other error") {
    CHECK(growth_after(enipool::errc::invalid_parameter_value) == 1);  // "try to just get one more IP"
}

// --- TestIPAMContext_InInsufficientCidrCoolingPeriod (in the cooling period = no growth) ----------

IPAMD_CASE(4349, "TestIPAMContext_InInsufficientCidrCoolingPeriod", "no previous error") {
    const enipool::secondary_only p;
    CHECK(p.may_grow(0s));
    CHECK(p.may_grow(3600s));
}
IPAMD_CASE(4350, "TestIPAMContext_InInsufficientCidrCoolingPeriod", "recent error within cooling period") {
    enipool::secondary_only p;
    p.on_error(1000s, secondary, enipool::errc::insufficient_cidr_blocks);
    CHECK_FALSE(p.may_grow(1000s + 30s));
}
// time.Now().Add(-2 min), read a moment later: 120 s and a little.
IPAMD_CASE(4351, "TestIPAMContext_InInsufficientCidrCoolingPeriod", "old error outside cooling period") {
    enipool::secondary_only p;
    p.on_error(1000s, secondary, enipool::errc::insufficient_cidr_blocks);
    CHECK(p.may_grow(1000s + 120s + 1us));
}

// --- derived cases (no upstream test asserts them; from ipamd.go / data_store.go @b521883) ---------

// R24: growth counts are not clipped to max pods. m5.large (9 IPs/ENI), max pods 12, eni-0 full
// with 9 pods: too low (available 0 < 9); no ENI has a free slot -> AllocENI(9)
// (GetENIResourcesToAllocate, ipamd.go L2551-2568), though only 3 more pods fit.
IPAMD_DERIVED("VD1", "a new ENI is not clipped to max pods") {
    const auto v = view_builder(secondary, 9, 3, 12).eni().secondaries(9, 'a').build();
    check_attach(plan_of(ipamd_targets(1, 0), v), 9);
}
// R21/R24: PD, WARM_PREFIX 3, eni-0 with 6 full /28s of 9 slots, max pods 110: getPrefixesNeeded
// = max(1, 3 - 0) = 3; tryAssignPrefixes asks min(9 - 6, 3) = 3 (ipamd.go L1217-1224, L2714-2731).
IPAMD_DERIVED("VD2", "prefix growth asks WARM_PREFIX_TARGET - free prefixes, not clipped to max pods") {
    auto b = view_builder(prefix, 9, 3, 110).eni();
    for (int i = 0; i < 6; ++i) b.prefix(16);
    const auto s = plan_of(ipamd_targets(1, 0, 0, 3), b.build());
    CHECK(s.growth_actions == 1);
    CHECK_FALSE(s.attach);
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 3);
}
// R17: inInsufficientCidrCoolingPeriod is time.Since(last) <= 120 s (ipamd.go L391-393).
IPAMD_DERIVED("VD3", "no growth at exactly 120 s after InsufficientCidrBlocks") {
    enipool::secondary_only p;
    p.on_error(1000s, secondary, enipool::errc::insufficient_cidr_blocks);
    CHECK_FALSE(p.may_grow(1000s + 120s));
    CHECK(p.may_grow(1000s + 120s + 1ns));
}
// R39: shouldRemoveExtraENIs without IP targets: available >= (WARM_ENI_TARGET + 1) x
// maxIPsPerENI (ipamd.go L1488-1514). m5.large, WARM_ENI 1, no pods: 9 + 3 free = 12 < 18.
IPAMD_DERIVED("VD6", "the WARM_ENI_TARGET + 1 gate keeps an ENI below (target + 1) x maxIPsPerENI") {
    const auto below = view_builder(secondary, 9, 3).now(3600s).eni().secondaries(9, 'f').eni().secondaries(3, 'f').build();
    const vpc_cni_warm s(ipamd_targets(1, 0));
    CHECK_FALSE(s.should_remove_extra_enis(below));
    CHECK(plan_of(ipamd_targets(1, 0), below).detaches == 0);
    const auto at = view_builder(secondary, 9, 3).now(3600s).eni().secondaries(9, 'f').eni().secondaries(9, 'f').build();
    CHECK(s.should_remove_extra_enis(at));  // 18 >= 18
}
// R42: isRequiredForWarmIPTarget rounds WARM_IP_TARGET up to whole /28s in PD (data_store.go
// L990-994). WARM_IP 5; eni-0 has 8 of 16 addresses unassigned, eni-1 one free /28: 8 < 16,
// so eni-1 is needed.
IPAMD_DERIVED("VD7", "in PD an ENI is kept when the others' warm addresses fall short of WARM_IP_TARGET rounded to /28s") {
    const auto v = view_builder(prefix, 9, 3).now(3600s).eni().prefix(8).eni().prefix(0).build();
    CHECK_FALSE(vpc_cni_warm(ipamd_targets(1, 5)).deletable_eni(v).has_value());
}
// R48 / R45: getDeletableENI does not skip excluded ENIs, and skips EFA ones (data_store.go
// L1042-1093).
IPAMD_DERIVED("VD8", "an excluded podless ENI is deletable, an EFA ENI never") {
    const auto with_excluded = view_builder(secondary, 9, 3).now(3600s).eni().secondary('a').excluded().build();
    CHECK(vpc_cni_warm(ipamd_targets(1, 0)).deletable_eni(with_excluded) == std::optional<std::string>("eni-1"));
    const auto with_efa = view_builder(secondary, 9, 3).now(3600s).eni().secondary('a').efa().secondary('f').build();
    CHECK_FALSE(vpc_cni_warm(ipamd_targets(1, 0)).deletable_eni(with_efa).has_value());
}
// R1: AvailableAddresses = TotalIPs - AssignedIPs (data_store.go L911-913). WARM_IP 2, three IPs:
// one with a pod, two cooling -> available 2, short 0: not too low.
IPAMD_DERIVED("VD16", "cooling addresses count as available") {
    const auto v = view_builder(secondary, 9, 3, 110).eni().secondary('a').secondaries(2, 'c').build();
    CHECK_FALSE(pool_too_low(ipamd_targets(1, 2), v));
}
// R35: tryUnassignCidrsFromAll frees what FindFreeableCidrs returns, every CIDR without a pod,
// whatever its addresses' cooldown (data_store.go L1562-1586). PD, WARM_PREFIX 0: eni-0 holds
// /28 A full of pods and /28 B whose one used address cools: GetFreePrefixes = 1 > 0, so B is
// released, its cooling address with it. Driven through a node pool.
IPAMD_DERIVED("VD9", "a /28 whose only used address cools is freed, and its cooldown dropped") {
    enipool::manual_clock clk;
    auto pool = make_pool<enipool::prefix_only>(clk, pool_test::nitro_type(3, 10));
    REQUIRE(pool.add_eni(vpc_eni("eni-0", 0, "10.10.0.5", {pool_test::cidr("10.10.1.0/28"), pool_test::cidr("10.10.2.0/28")}))
                .has_value());
    for (std::uint64_t k = 0; k < 17; ++k) REQUIRE(pool.assign(k).has_value());
    const auto* last = pool.find(16);
    REQUIRE(last != nullptr);
    const auto b = enipool::ipv4_prefix::truncate(last->address, 28);
    REQUIRE(pool.release(16).has_value());
    REQUIRE(pool.cooling().size() == 1);
    clk.advance(5s);  // still cooling (30 s)
    const auto plan = pool.plan();
    REQUIRE(plan.size() == 1);
    const auto* r = std::get_if<enipool::release_from_eni>(&plan.front());
    REQUIRE(r != nullptr);
    CHECK(r->cidrs == std::vector<enipool::ipv4_prefix>{b});
    CHECK(pool.cooling().empty());
    REQUIRE(pool.apply(enipool::outcome{plan.front(), enipool::grant{}}).has_value());
    CHECK(pool.stats().total == 16);
    CHECK(pool.stats().assigned == 16);
    REQUIRE(pool.check().has_value());
}

// --- network cards above 0 (ENABLE_MULTI_NIC): one datastore per card, targets 1 and 1 ----------

// datastoreTargetState uses DefaultWarmIPTarget = DefaultMinimumIPTarget = 1 for a card above
// 0, whatever WARM_IP_TARGET / MINIMUM_IP_TARGET say (ipamd.go L205-207, L2181-2186). Card 1,
// WARM_IP 5, MINIMUM_IP 10; 3 pods and 1 free IP: short = max(1 - 1, 0, 1 - 4) = 0, over =
// min(max(1 - 1, 0), 4 - 1) = 0, enabled.
IPAMD_DERIVED("VD17", "card 1's datastoreTargetState uses 1 and 1, not WARM_IP_TARGET / MINIMUM_IP_TARGET") {
    const auto v = view_builder(secondary, 9, 3, 110).card(1).eni().secondaries(3, 'a').secondary('f').build();
    const vpc_cni_warm s(ipamd_targets(1, 5, 10));
    const auto counts = vpc_cni_warm::counts_of(v);
    CHECK(s.ip_targets_set(1));
    CHECK(s.shortfall(counts) == 0);
    CHECK(s.excess(counts) == 0);
    CHECK_FALSE(s.too_low(counts));
}
// The /28 rounding of datastoreTargetState applies only when networkCard ==
// DefaultNetworkCardIndex (ipamd.go L2209): on card 1 in PD, over stays in addresses and
// tryUnassignCidrsFromAll frees min(over, len(cidrs)) /28s (L911-912). One full /28 and one
// free: available 16, over = min(16 - 1, 32 - 1) = 15 -> the free /28 is released.
IPAMD_DERIVED("VD18", "in PD card 1's over is counted in addresses and frees the free /28") {
    const auto v = view_builder(prefix, 9, 3, 110).card(1).eni().prefix(16).prefix(0).build();
    CHECK(vpc_cni_warm(vpc_cni_warm_config{}).excess(vpc_cni_warm::counts_of(v)) == 15);
    const auto s = plan_of({}, v);
    CHECK(s.growth_actions == 0);
    CHECK(s.released == 1);
}
// getPrefixesNeeded: datastoreTargetState is enabled on card 1, so WARM_PREFIX_TARGET is not
// read and toAllocate = max(1, short), short in addresses (ipamd.go L2714-2731). WARM_PREFIX 3,
// card 1's ENI holds one full /28: short = max(1 - 0, 1 - 16) = 1 -> AllocIPAddresses(1).
IPAMD_DERIVED("VD19", "card 1 asks one /28 where WARM_PREFIX_TARGET would ask 3") {
    const auto v = view_builder(prefix, 9, 3, 110).card(1).eni().prefix(16).build();
    const auto s = plan_of(ipamd_targets(1, 0, 0, 3), v);
    CHECK(s.growth_actions == 1);
    CHECK(s.grow_eni == "eni-0");
    CHECK(s.units == 1);
}
// shouldRemoveExtraENIs returns true for networkCard > DefaultNetworkCardIndex (ipamd.go
// L1488-1491), and tryFreeENI passes 1 and 1 to RemoveUnusedENIFromStore (L859-867).
// WARM_ENI 1, no IP target; card 1, eni-0 with 2 pods and 1 free IP, eni-1 with 2 free IPs
// (attached an hour ago); last decrease 10 s ago. Card 0's gate would be shut (3 < 2 x 9);
// on card 1 eni-1 is freed: the others keep 1 warm address (>= 1) and 3 in total (>= 1).
IPAMD_DERIVED("VD20", "card 1 always looks for an ENI to free, and frees one the 1/1 targets do not need") {
    const auto v = view_builder(secondary, 9, 3, 110).card(1).now(3600s).last_shrink(3590s).eni().secondaries(2, 'a')
                       .secondary('f').eni().secondaries(2, 'f').build();
    CHECK(vpc_cni_warm(ipamd_targets(1, 0)).should_remove_extra_enis(v));
    CHECK(plan_of(ipamd_targets(1, 0), v).detach_eni == "eni-1");
    // In PD isRequiredForWarmIPTarget rounds the 1 to 16 (data_store.go L990-994): eni-0 with
    // 1 free address keeps eni-1's free /28.
    const auto pd = view_builder(prefix, 9, 3, 110).card(1).now(3600s).last_shrink(3590s).eni().prefix(15).eni().prefix(0).build();
    CHECK_FALSE(vpc_cni_warm(ipamd_targets(1, 0)).deletable_eni(pd).has_value());
}
// A node pool as card 1's datastore. An empty card 1: isDatastorePoolTooLow (short = 1),
// tryAssignCidrs finds no ENI, hasRoomForEni, tryAllocateENI with GetENIResourcesToAllocate =
// min(short, maxIPsPerENI) = 1 (increaseDatastorePool L983-1003, tryAllocateENI L1069,
// L2551-2568), attached on card 1 at its lowest free device index (awsutils.go
// awsGetFreeDeviceNumber L930-974). hasRoomForEni bounds card 1 by c.maxENI, the default
// card's 3 ENIs, though card 1 takes 4 (L2592-2621).
IPAMD_DERIVED("VD21", "a card-1 pool attaches on card 1 and stops at the default card's ENI count") {
    enipool::manual_clock clk;
    ipamd_pool<enipool::secondary_only>::config cfg;
    cfg.type = pool_test::m5_large();
    cfg.type.network_cards = {{0, 3}, {1, 4}};
    cfg.max_pods = 110;
    cfg.network_card = 1;
    auto created = ipamd_pool<enipool::secondary_only>::create(cfg, clk);
    REQUIRE(created.has_value());
    auto plan = created->plan();
    REQUIRE(plan.size() == 1);
    const auto first = std::get<enipool::attach_eni>(plan.front());
    CHECK(first.network_card == 1);
    CHECK(first.device_index == 0);
    CHECK(first.count == 1);
    // Card 1 with two full ENIs (device 0 and 1): short 1 -> a third ENI at device 2.
    enipool::manual_clock clk2;
    auto two = ipamd_pool<enipool::secondary_only>::create(cfg, clk2);
    REQUIRE(two.has_value());
    std::vector<enipool::ipv4_prefix> ips0, ips1, ips2;
    for (int i = 0; i < 9; ++i) {
        ips0.push_back(enipool::ipv4_prefix::truncate(enipool::ipv4_address(10, 10, 1, static_cast<std::uint8_t>(i + 1)), 32));
        ips1.push_back(enipool::ipv4_prefix::truncate(enipool::ipv4_address(10, 10, 2, static_cast<std::uint8_t>(i + 1)), 32));
        ips2.push_back(enipool::ipv4_prefix::truncate(enipool::ipv4_address(10, 10, 3, static_cast<std::uint8_t>(i + 1)), 32));
    }
    auto e0 = vpc_eni("eni-0", 0, "10.10.0.10", ips0);
    auto e1 = vpc_eni("eni-1", 1, "10.10.0.11", ips1);
    e0.network_card = e1.network_card = 1;
    REQUIRE(two->add_eni(e0).has_value());
    REQUIRE(two->add_eni(e1).has_value());
    for (std::uint64_t k = 0; k < 18; ++k) REQUIRE(two->assign(k).has_value());
    plan = two->plan();
    REQUIRE(plan.size() == 1);
    const auto third = std::get<enipool::attach_eni>(plan.front());
    CHECK(third.network_card == 1);
    CHECK(third.device_index == 2);
    CHECK(third.count == 1);
    enipool::grant g{"eni-2", 0, pool_test::addr("10.10.0.12"), pool_test::cidr("10.10.0.0/16"), {ips2.front()}};
    REQUIRE(two->apply(enipool::outcome{plan.front(), g}).has_value());
    // Fill eni-2 to its 9 IPs: 3 ENIs of card 1, all full: hasRoomForEni is false (3 < 3 - 0).
    auto e2_rest = std::vector<enipool::ipv4_prefix>(ips2.begin() + 1, ips2.end());
    REQUIRE(two->add_cidrs("eni-2", e2_rest).has_value());
    for (std::uint64_t k = 18; k < 27; ++k) REQUIRE(two->assign(k).has_value());
    CHECK(two->view().max_enis == 3);
    CHECK(two->plan().empty());
}
