// Fuzz target pool_ops: the input as a program that drives a node pool (enipool/node_pool.hpp)
// and its subnet (enipool/subnet.hpp, through sim::ec2): assign, release, time, assign_specific,
// plan, and apply with fuzz-chosen outcomes (EC2's real answer, an EC2 error, a made-up grant
// that may conflict, an answer to nothing), other tenants taking and returning subnet
// addresses, restore_allocation (a further address of a key, or onto an excluded ENI) and
// set_excluded. After every step pool.check() and subnet.check() must pass, and an operation
// that fails must leave the pool (and the subnet) exactly as they were. Anything else aborts.
//
// Input: byte 0 picks the packing, bytes 1..8 the node, the subnet and the knobs; then one
// operation per byte with its arguments in the following bytes (0 when the input ends).
#include "fuzz_support.hpp"

#include <enipool/node_pool.hpp>
#include <enipool/policy.hpp>
#include <enipool/sim/ec2.hpp>
#include <enipool/subnet.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <tuple>
#include <vector>

namespace {

using namespace std::chrono_literals;
using enipool::errc;

struct reader {
    const std::uint8_t* data;
    std::size_t size;
    std::size_t at = 0;
    bool done() const noexcept { return at >= size; }
    std::uint8_t next() noexcept { return at < size ? data[at++] : 0; }
};

[[noreturn]] void fail(const char* what, std::string_view detail = {}) { fuzz::fail("pool_ops", what, detail); }

// What must not move when an operation fails.
template <class Pool>
auto fingerprint(Pool& p) {
    unsigned enis = 0;
    for (const auto& x : p.enis()) enis += x.vacant() ? 0u : 1u;
    return std::make_tuple(p.stats(), p.allocations().size(), p.extra_holdings().size(), p.cooling().size(),
                           p.in_flight().size(), enis);
}
auto subnet_fingerprint(const enipool::subnet& s) {
    return std::make_tuple(s.free_addresses(), s.free_blocks(), s.allocated_addresses(), s.allocated_prefixes());
}

template <class Pool, class Op>
void must_not_change_on_error(Pool& p, const char* what, Op op) {
    const auto before = fingerprint(p);
    const auto r = op();
    if (!r && fingerprint(p) != before) fail(what, r.error().message());
}

template <class Packing>
void run(reader& in) {
    using pool_type = enipool::node_pool<enipool::prefix_first, enipool::vpc_cni_warm, enipool::pod_key<std::uint64_t>,
                                         enipool::packing<Packing>, enipool::clock<enipool::manual_clock>>;
    enipool::instance_type type;
    type.name = "fuzz.node";
    type.max_enis = 1u + in.next() % 4u;     // 1..4 ENIs
    type.ipv4_per_eni = 2u + in.next() % 15u;  // 2..16 IPv4 per ENI
    type.network_cards = {{0, type.max_enis}};
    type.hypervisor = enipool::hypervisor_kind::nitro;
    const unsigned length = 22u + in.next() % 6u;  // /22 .. /27
    const auto cidr = enipool::ipv4_prefix::truncate(enipool::ipv4_address(198, 18, 0, 0), length);

    enipool::sim::ec2_config ec2_cfg;
    ec2_cfg.strategy = (in.next() & 1u) ? enipool::allocation_strategy::random : enipool::allocation_strategy::lowest;
    enipool::sim::ec2 ec2(ec2_cfg);
    auto s = enipool::subnet::create(cidr, in.next());
    if (!s) fail("cannot build the subnet", s.error().message());
    ec2.add_subnet(std::move(*s));
    const auto node = ec2.register_node(type);
    if (!node) return;  // a subnet too small for the primary ENI
    enipool::subnet& sub = ec2.subnet_at(0);

    typename pool_type::config cfg;
    cfg.type = type;
    const std::uint8_t knobs = in.next();
    cfg.cooldown = std::chrono::seconds(10 * (knobs % 4));
    cfg.reclaim_cooling_when_exhausted = (knobs & 4u) != 0;
    if (knobs & 8u) cfg.warm.warm_ip_target = in.next() % 24u;
    if (knobs & 16u) cfg.warm.minimum_ip_target = in.next() % 40u;
    if (knobs & 32u) cfg.warm.warm_prefix_target = in.next() % 3u;
    cfg.warm.shrink_interval = 0s;
    cfg.warm.min_eni_age = 0s;
    enipool::manual_clock clk;
    auto created = pool_type::create(cfg, clk);
    if (!created) fail("cannot build the pool", created.error().message());
    pool_type& p = *created;
    const enipool::sim::eni_record primary = ec2.node(*node).enis.front();  // a copy: ec2's list grows
    if (!p.add_eni(enipool::eni_spec{primary.id, 0, 0, cidr, primary.primary_ip, {}, {}}))
        fail("cannot add the primary ENI");

    std::deque<enipool::action> pending;
    std::vector<enipool::ipv4_address> tenants;  // addresses other users of the subnet took
    for (unsigned step = 0; step < 512 && !in.done(); ++step) {
        const std::uint8_t code = in.next();
        const std::uint64_t key = in.next() % 32u;
        switch (code % 12u) {
        case 0:
        case 1: must_not_change_on_error(p, "failed assign changed the pool:", [&] { return p.assign(key); }); break;
        case 2: must_not_change_on_error(p, "failed release changed the pool:", [&] { return p.release(key); }); break;
        case 3: clk.advance(std::chrono::seconds(in.next())); break;
        case 4: {
            const auto a = cidr.at(in.next() % cidr.size());
            must_not_change_on_error(p, "failed assign_specific changed the pool:",
                                     [&] { return p.assign_specific(key, a); });
            break;
        }
        case 5:
            for (auto& a : p.plan()) pending.push_back(std::move(a));
            break;
        case 6:
        case 7: {  // answer a planned action
            if (pending.empty()) break;
            const std::size_t i = key % pending.size();
            enipool::outcome o{pending[i], enipool::grant{}};
            const std::uint8_t how = in.next();
            if (how % 4u == 0u) {  // EC2's answer (the subnet changes)
                o.response = ec2.execute(*node, o.request);
            } else if (how % 4u == 1u) {  // an EC2 error
                constexpr errc errors[] = {errc::insufficient_cidr_blocks, errc::insufficient_free_addresses,
                                           errc::request_limit_exceeded, errc::private_ip_address_limit_exceeded,
                                           errc::attachment_limit_exceeded, errc::invalid_parameter_value};
                o.response = enipool::error(errors[in.next() % 6u]);
            } else {  // a grant made up by the fuzzer: may overlap, be misaligned or outside
                enipool::grant g;
                g.eni_id = (how & 4u) ? primary.id : "eni-fuzz" + std::to_string(in.next() % 4u);
                g.device_index = in.next() % 5u;
                g.subnet = cidr;
                g.primary_ip = cidr.at(in.next() % cidr.size());
                for (unsigned n = in.next() % 4u; n > 0; --n)
                    g.cidrs.push_back(enipool::ipv4_prefix::truncate(cidr.at(in.next() % cidr.size()),
                                                                     (in.next() & 1u) ? 28u : 32u));
                o.response = g;
            }
            const auto before = fingerprint(p);
            if (auto r = p.apply(o); r) {
                pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
            } else if (fingerprint(p) != before) {
                fail("failed apply changed the pool:", r.error().message());
            }
            break;
        }
        case 8: {  // an answer to nothing
            const auto before = fingerprint(p);
            enipool::outcome o{enipool::detach_eni{1000000u + key, primary.id}, enipool::grant{}};
            const auto r = p.apply(o);
            if (r || r.error().code() != errc::unexpected_outcome) fail("an answer to nothing was accepted");
            if (fingerprint(p) != before) fail("an answer to nothing changed the pool");
            break;
        }
        case 9: {  // another tenant of the subnet takes (anywhere, or a named address) or returns one
            const auto before = subnet_fingerprint(sub);
            const std::uint8_t what = in.next();
            if (what % 3u == 0u && !tenants.empty()) {
                const std::size_t t = key % tenants.size();
                if (!sub.release(tenants[t])) fail("a tenant's address cannot be returned");
                tenants.erase(tenants.begin() + static_cast<std::ptrdiff_t>(t));
                break;
            }
            const auto a = what % 3u == 1u ? sub.allocate_address(ec2_cfg.strategy)
                                           : [&]() -> enipool::result<enipool::ipv4_address> {
                                                 const auto named = cidr.at(in.next() % cidr.size());
                                                 if (auto ok = sub.allocate_specific(named); !ok) return ok.error();
                                                 return named;
                                             }();
            if (a) {
                tenants.push_back(*a);
            } else if (subnet_fingerprint(sub) != before) {
                fail("a failed allocation changed the subnet:", a.error().message());
            }
            break;
        }
        case 10: {  // restore an allocation onto any lane of a CIDR of the pool
            const auto& x = p.enis()[in.next() % p.enis().size()];
            if (x.vacant()) break;
            const auto& sl = x.slot_at(in.next() % x.slot_count());
            if (sl.kind == enipool::slot_kind::empty) break;
            const enipool::ipv4_address a(sl.base + in.next() % sl.lanes());
            must_not_change_on_error(p, "failed restore_allocation changed the pool:",
                                     [&] { return p.restore_allocation(key, a); });
            break;
        }
        case 11: {  // exclude an ENI from pod IPs, or return it
            const auto& x = p.enis()[in.next() % p.enis().size()];
            const std::string id = x.vacant() ? "eni-none" : x.id();
            must_not_change_on_error(p, "failed set_excluded changed the pool:",
                                     [&] { return p.set_excluded(id, (in.next() & 1u) != 0); });
            break;
        }
        }
        if (auto ok = p.check(); !ok) fail("pool invariant broken:", ok.error().message());
        if (auto ok = sub.check(); !ok) fail("subnet invariant broken:", ok.error().message());
        const auto st = p.stats();
        if (st.total != st.free + st.assigned + st.cooling) fail("stats do not add up");
        // Counted: every address held on an ENI serving pods (a key's further ones included).
        std::uint64_t served = 0;
        for (const auto& [k, a] : p.allocations()) served += p.enis()[a.eni].serves_pods() ? 1u : 0u;
        for (const auto& [k, a] : p.extra_holdings()) served += p.enis()[a.eni].serves_pods() ? 1u : 0u;
        if (st.assigned != served) fail("assigned differs from the addresses held");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    reader in{data, size};
    switch (in.next() % 3u) {
    case 0: run<enipool::lowest_lane>(in); break;
    case 1: run<enipool::fullest_prefix>(in); break;
    default: run<enipool::spread>(in); break;
    }
    return 0;
}
