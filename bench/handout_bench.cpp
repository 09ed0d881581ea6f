// handout/...: assign + release pairs on a node pool held 90% full, cooldown on (30 s),
// the manual clock advanced each pair (bench/handout_workload.hpp).
//   handout/enipool/{16,256,1008,24192}             CNI keys (64-hex container ids), prefix_first
//   handout_int/enipool/{same}                       integer keys, prefix_first
//   handout/enipool_prefix_only/{same}               CNI keys, prefix_only
//   handout/enipool_secondary_only/{63,1512}         CNI keys, secondary IPs only
// The pool's capacity is set by add_eni: 16 = one /28, 256 = 16 /28s, 1008 = one ENI of 63,
// 24192 = 24 ENIs x 63 /28s (a c8a.48xlarge); 63 / 1512 = 1 / 24 ENIs x 63 secondary IPs.
#include "bench_support.hpp"
#include "handout_workload.hpp"

#include <enipool/node_pool.hpp>
#include <enipool/policy.hpp>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

namespace {

using namespace enipool;

instance_type c8a_48xlarge() {
    instance_type t;
    t.name = "c8a.48xlarge";
    t.max_enis = 24;
    t.ipv4_per_eni = 64;
    t.network_cards = {{0, 24}};
    t.hypervisor = hypervisor_kind::nitro;
    return t;
}

// The ENIs for `capacity` addresses in 100.64.0.0/10: prefixes from 100.64.0.0 up, one
// secondary IP per /28 block from 100.80.0.0 up, primaries from 100.96.0.0 up.
std::vector<eni_spec> enis_for(std::size_t capacity, bool prefixes) {
    const std::size_t per_slot = prefixes ? 16 : 1;
    std::size_t slots = capacity / per_slot;
    std::vector<eni_spec> out;
    std::uint32_t next = 0;
    for (unsigned e = 0; slots > 0; ++e) {
        eni_spec s;
        s.id = fmt::format("eni-{:017x}", e);
        s.device_index = e;
        s.subnet = ipv4_prefix::parse("100.64.0.0/10").value();
        s.primary_ip = ipv4_address(0x64600000u + e);
        for (std::size_t i = 0; i < 63 && slots > 0; ++i, --slots, ++next) {
            const std::uint32_t base = (prefixes ? 0x64400000u : 0x64500000u) + 16 * next;
            s.cidrs.push_back(ipv4_prefix::truncate(ipv4_address(base), prefixes ? 28 : 32));
        }
        out.push_back(std::move(s));
    }
    return out;
}

template <class Key>
Key bench_key(std::size_t i);
template <>
std::uint64_t bench_key<std::uint64_t>(std::size_t i) { return i * 0x9E3779B97F4A7C15ull; }
template <>
cni_key bench_key<cni_key>(std::size_t i) {
    // A 64-hex container id like containerd's.
    return cni_key::make("aws-cni", fmt::format("{:016x}{:016x}{:016x}{:016x}", i * 0x9E3779B97F4A7C15ull, i,
                                                ~i, i ^ 0xABCDEFull),
                         "eth0")
        .value();
}

template <class Policy, class Key>
struct enipool_adapter {
    using pool_t = node_pool<Policy, vpc_cni_warm, enipool::pod_key<Key>, enipool::clock<manual_clock>>;
    manual_clock clk;
    std::unique_ptr<pool_t> pool;
    std::vector<Key> keys;

    enipool_adapter(std::size_t capacity, const enipool_bench::handout_shape& shape) {
        typename pool_t::config cfg;
        cfg.type = c8a_48xlarge();
        cfg.cooldown = shape.cooldown;
        pool = std::make_unique<pool_t>(pool_t::create(cfg, clk).value());
        for (const auto& spec : enis_for(capacity, Policy::needs_prefix_support))
            if (!pool->add_eni(spec)) throw std::runtime_error("add_eni failed");
        for (std::size_t i = 0; i < shape.keys(); ++i) keys.push_back(bench_key<Key>(i));
    }
    std::uint32_t assign(std::size_t i) {
        const auto r = pool->assign(keys[i]);
        return r ? r->to_uint() : 0;
    }
    std::uint32_t release(std::size_t i) {
        const auto r = pool->release(keys[i]);
        return r ? r->to_uint() : 0;
    }
    void advance(std::chrono::nanoseconds d) { clk.advance(d); }
    std::vector<std::uint32_t> held_addresses() const {
        std::vector<std::uint32_t> out;
        for (const auto& [k, a] : pool->allocations()) out.push_back(a.address.to_uint());
        return out;
    }
};

template <class Policy, class Key>
void handout(benchmark::State& state) {
    const auto capacity = static_cast<std::size_t>(state.range(0));
    const auto shape = enipool_bench::make_handout_shape(capacity);
    enipool_adapter<Policy, Key> adapter(capacity, shape);
    enipool_bench::run_handout(state, adapter, shape);
}

void prefix_sizes(benchmark::internal::Benchmark* b) {
    for (long n : {16, 256, 1008, 24192}) b->Arg(n);
}

} // namespace

BENCHMARK(handout<prefix_first, cni_key>)->Name("handout/enipool")->Apply(prefix_sizes);
BENCHMARK(handout<prefix_first, std::uint64_t>)->Name("handout_int/enipool")->Apply(prefix_sizes);
BENCHMARK(handout<prefix_only, cni_key>)->Name("handout/enipool_prefix_only")->Apply(prefix_sizes);
BENCHMARK(handout<secondary_only, cni_key>)->Name("handout/enipool_secondary_only")->Arg(63)->Arg(1512);
