// Fuzz target vpc_cni_import: the whole input as a VPC CNI ipam.json (`vpc-cni-ipam/1`)
// imported into a pool holding the unit tests' ENIs (eni-a: 100.64.1.0/28 + 100.64.0.11,
// eni-b: 100.64.2.0/28), an excluded ENI (100.64.7.0/28) and one resident pod. A rejection
// is checkpoint_version / checkpoint_invalid with a detail and leaves the pool exactly as it
// was; an import gives a pool that passes check(), holds every adopted address (pods on the
// excluded ENI and further addresses of a key included), and returns every unmatched one
// with a reason. Anything else aborts.
#include "../support/pool_test_support.hpp"  // m5_large()
#include "fuzz_support.hpp"

#include <enipool/json/checkpoint.hpp>

#include <chrono>

namespace {

using namespace std::chrono_literals;
using pool_type = enipool::node_pool<enipool::prefix_first, enipool::vpc_cni_warm, enipool::pod_key<enipool::cni_key>,
                                     enipool::clock<enipool::manual_clock>>;
const enipool::wall_clock::time_point wall_now{std::chrono::seconds(1767225600)};

enipool::ipv4_prefix cidr(const char* text) { return enipool::ipv4_prefix::parse(text).value(); }
enipool::ipv4_address addr(const char* text) { return enipool::ipv4_address::parse(text).value(); }

pool_type node(enipool::manual_clock& clk) {
    pool_type::config cfg;
    cfg.type = pool_test::m5_large();
    auto p = pool_type::create(cfg, clk);
    if (!p) fuzz::fail("vpc_cni_import", "cannot build the pool:", p.error().message());
    const auto subnet = cidr("100.64.0.0/16");
    enipool::eni_spec excluded{"eni-x", 2, 0, subnet, addr("100.64.0.30"), {cidr("100.64.7.0/28")}, {}};
    excluded.flags.excluded = true;
    for (const auto& spec : {enipool::eni_spec{"eni-a", 0, 0, subnet, addr("100.64.0.10"),
                                               {cidr("100.64.1.0/28"), cidr("100.64.0.11/32")}, {}},
                             enipool::eni_spec{"eni-b", 1, 0, subnet, addr("100.64.0.20"), {cidr("100.64.2.0/28")}, {}},
                             excluded})
        if (!p->add_eni(spec)) fuzz::fail("vpc_cni_import", "cannot add an ENI");
    if (!p->assign_specific(enipool::cni_key::make("aws-cni", "resident", "eth0").value(), addr("100.64.2.9")))
        fuzz::fail("vpc_cni_import", "cannot place the resident pod");
    return std::move(*p);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    enipool::manual_clock clk;
    clk.advance(1000s);
    pool_type p = node(clk);
    const auto before = enipool::to_json(p, wall_now);
    const auto r = enipool::import_vpc_cni(p, fuzz::text_of(data, size), wall_now);
    if (!r) {
        fuzz::expect_rejection("vpc_cni_import", r.error(),
                               {enipool::errc::checkpoint_version, enipool::errc::checkpoint_invalid});
        if (enipool::to_json(p, wall_now) != before) fuzz::fail("vpc_cni_import", "a refused import changed the pool");
        return 0;
    }
    if (auto ok = p.check(); !ok) fuzz::fail("vpc_cni_import", "pool broken after import:", ok.error().message());
    // Every address held: the counted lanes plus pods on the excluded ENI (not counted, as in
    // ipamd's GetIPStats). The resident's may have been adopted again (counted as adopted).
    std::uint64_t held = p.stats().assigned;
    const auto on_excluded = [&](const auto& a) { return p.enis()[a.eni].serves_pods() ? 0u : 1u; };
    for (const auto& [key, a] : p.allocations()) held += on_excluded(a);
    for (const auto& [key, a] : p.extra_holdings()) held += on_excluded(a);
    if (held != r->adopted + 1 && held != r->adopted) fuzz::fail("vpc_cni_import", "adopted count is wrong");
    for (const auto& u : r->unmatched) {
        if (u.reason.code() != enipool::errc::address_not_in_pool)
            fuzz::fail("vpc_cni_import", "unmatched for an unexpected reason:", u.reason.message());
        if (const auto a = enipool::ipv4_address::parse(u.address); a && p.eni_holding(*a))
            fuzz::fail("vpc_cni_import", "an unmatched address is on a CIDR of the pool");
    }
    return 0;
}
