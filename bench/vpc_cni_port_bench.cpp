// handout/vpc_cni_port/{16,256,1008,24192}: the node pool's hand-out workload
// (bench/handout_workload.hpp: CNI keys with 64-hex container ids, the pool held 90% full,
// the 30 s cooldown on, the clock advanced each pair so that the cooldown queue is at a
// steady state; prefix mode) run on the port of the VPC CNI's datastore
// (bench/baseline/vpc_cni_datastore.hpp), so handout/enipool/N and handout/vpc_cni_port/N
// are measured on identical work. Capacity as for enipool: 16 = one /28, 256 = 16 /28s,
// 1008 = one ENI of 63, 24192 = 24 ENIs x 63 /28s; prefixes from 100.64.0.0 upward.
//
// Filling the pool to 90% goes through restore_assignment (as the VPC CNI adopts the pods of
// its checkpoint at start-up: no key scan, lowest addresses first, which is where assign puts
// them too): filling 21,772 pods through assign is O(N^2) and, repeated for every Google
// Benchmark run, would blow the 5-minute budget of `make bench`. The timed pairs use assign
// and release, the operations being compared.
//
// The verification phase after the timed loop (no address held twice, handout_workload.hpp)
// runs 2 x keys pairs, but at most 4,000,000 / capacity: the port's pair scans the pool
// (0.5-2 ms at 24192), and 2 x keys (43,546) pairs there would add 20 s or more to every
// run. So 2 x keys up to 1008, 165 pairs at 24192.
#include "bench_support.hpp"
#include "handout_workload.hpp"

#include "baseline/vpc_cni_datastore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using enipool_baseline::vpc_cni_datastore;
using enipool_baseline::vpc_cni_key;

// The same keys as handout/enipool (a 64-hex container id like containerd's).
vpc_cni_key port_key(std::size_t i) {
    return {"aws-cni",
            fmt::format("{:016x}{:016x}{:016x}{:016x}", i * 0x9E3779B97F4A7C15ull, i, ~i, i ^ 0xABCDEFull),
            "eth0"};
}

std::uint32_t address_value(const std::string& text) {
    auto a = enipool::ipv4_address::parse(text);
    return a ? a->to_uint() : 0;
}

// The workload's adapter (see handout_workload.hpp) for the port.
struct vpc_cni_port_adapter {
    vpc_cni_datastore datastore;
    std::vector<vpc_cni_key> keys;
    vpc_cni_datastore::time_point now{};
    bool filling = true;         // until the clock first moves: assign = checkpoint restore
    std::uint32_t next_fill = 0; // offset of the next address to restore
    static constexpr std::uint32_t first_address = 0x64400000u;  // 100.64.0.0

    vpc_cni_port_adapter(std::size_t capacity, const enipool_bench::handout_shape& shape)
        : datastore(true, shape.cooldown) {
        const std::size_t prefixes = capacity / 16;
        for (std::size_t p = 0; p < prefixes; ++p) {
            const std::string eni = fmt::format("eni-{:017x}", p / 63);
            if (p % 63 == 0 && !datastore.add_eni(eni, static_cast<int>(p / 63), p == 0))
                throw std::runtime_error("add_eni failed");
            const enipool::ipv4_address base(first_address + static_cast<std::uint32_t>(16 * p));
            if (!datastore.add_ipv4_cidr(eni, base.to_string() + "/28", true))
                throw std::runtime_error("add_ipv4_cidr failed");
        }
        for (std::size_t i = 0; i < shape.keys(); ++i) keys.push_back(port_key(i));
    }
    std::uint32_t assign(std::size_t i) {
        if (filling) {
            const enipool::ipv4_address a(first_address + next_fill++);
            return datastore.restore_assignment(keys[i], a.to_string(), now) ? a.to_uint() : 0;
        }
        const auto r = datastore.assign(keys[i], now);
        return r ? address_value(*r) : 0;
    }
    std::uint32_t release(std::size_t i) {
        const auto r = datastore.release(keys[i], now);
        return r ? address_value(*r) : 0;
    }
    void advance(std::chrono::nanoseconds d) {
        filling = false;
        now += d;
    }
    std::vector<std::uint32_t> held_addresses() const {
        std::vector<std::uint32_t> out;
        for (const auto& [eni_id, eni] : datastore.enis())
            for (const auto& [cidr_text, cidr] : eni.cidrs)
                for (const auto& [text, entry] : cidr.addresses)
                    if (entry.assigned()) out.push_back(address_value(text));
        return out;
    }
};

void vpc_cni_port_handout(benchmark::State& state) {
    const auto capacity = static_cast<std::size_t>(state.range(0));
    auto shape = enipool_bench::make_handout_shape(capacity);
    shape.verify_pairs = std::min<std::size_t>(shape.verify_pairs, 4000000 / capacity);
    vpc_cni_port_adapter adapter(capacity, shape);
    enipool_bench::run_handout(state, adapter, shape);
}

} // namespace

BENCHMARK(vpc_cni_port_handout)->Name("handout/vpc_cni_port")->Arg(16)->Arg(256)->Arg(1008)->Arg(24192);
