// checkpoint_support.hpp: the pools, snapshots and documents the checkpoint tests share.
//
// The test node: m5.large-like (3 ENIs x 10 IPv4), subnet 100.64.0.0/16,
//   eni-a (device 0, primary 100.64.0.10): 100.64.1.0/28 and 100.64.0.11/32 (17 addresses)
//   eni-b (device 1, primary 100.64.0.20): 100.64.2.0/28                     (16 addresses)
// with a 30 s cooldown, on a manual clock.
#pragma once

#include "pool_test_support.hpp"

#include <enipool/json/checkpoint.hpp>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace ckpt_test {

using namespace std::chrono_literals;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using enipool::timestamp;

template <class Key>
using pool_of = enipool::node_pool<enipool::prefix_first, enipool::vpc_cni_warm, enipool::pod_key<Key>,
                                   enipool::clock<enipool::manual_clock>>;
using cni_pool = pool_of<enipool::cni_key>;
using int_pool = pool_of<std::uint64_t>;

using pool_test::addr;
using pool_test::cidr;

/// m5.large: 3 ENIs x 10 IPv4, Nitro.
inline enipool::instance_type test_type() { return pool_test::m5_large(); }

template <class Pool>
Pool empty_pool(enipool::manual_clock& clk, std::chrono::nanoseconds cooldown = 30s) {
    typename Pool::config cfg;
    cfg.type = test_type();
    cfg.cooldown = cooldown;
    auto p = Pool::create(cfg, clk);
    REQUIRE(p.has_value());
    return std::move(*p);
}

inline std::vector<enipool::eni_spec> test_enis() {
    enipool::eni_spec a;
    a.id = "eni-a";
    a.device_index = 0;
    a.subnet = cidr("100.64.0.0/16");
    a.primary_ip = addr("100.64.0.10");
    a.cidrs = {cidr("100.64.1.0/28"), cidr("100.64.0.11/32")};
    enipool::eni_spec b;
    b.id = "eni-b";
    b.device_index = 1;
    b.subnet = cidr("100.64.0.0/16");
    b.primary_ip = addr("100.64.0.20");
    b.cidrs = {cidr("100.64.2.0/28")};
    return {a, b};
}

template <class Pool>
Pool test_pool(enipool::manual_clock& clk, std::chrono::nanoseconds cooldown = 30s) {
    Pool p = empty_pool<Pool>(clk, cooldown);
    for (const auto& spec : test_enis()) REQUIRE(p.add_eni(spec).has_value());
    return p;
}

using pool_test::make_key;
template <class Key>
typename enipool::pod_key_traits<Key>::metadata metadata_of(std::uint64_t i) {
    if constexpr (std::is_same_v<Key, enipool::cni_key>) {
        return {"ns-" + std::to_string(i % 3), "pod-" + std::to_string(i)};
    } else {
        return {};
    }
}

/// Everything a checkpoint promises to keep, in a comparable form. Times are expressed as
/// offsets from the pool's now (so pools on different clocks compare), cooling as remaining
/// time. Taking it drains expired cooldowns (stats()).
template <class Pool>
struct snapshot {
    using key_type = typename Pool::key_type;
    using metadata_type = typename Pool::metadata_type;
    struct eni_row {
        std::string id;
        unsigned device = 0, card = 0;
        ipv4_prefix subnet;
        ipv4_address primary;
        std::vector<ipv4_prefix> cidrs;  // sorted (slot positions are not kept)
        enipool::eni_flags flags;
        bool operator==(const eni_row&) const = default;
    };
    struct alloc_row {
        key_type key;
        ipv4_address address;
        metadata_type metadata;
        std::string eni;
        std::chrono::nanoseconds age;  // now - assigned_at
        bool operator==(const alloc_row&) const = default;
    };
    struct cool_row {
        ipv4_address address;
        std::string eni;
        std::chrono::nanoseconds remaining;  // released_at + cooldown - now
        bool operator==(const cool_row&) const = default;
    };
    std::vector<eni_row> enis;
    std::vector<alloc_row> allocations;
    std::vector<alloc_row> extras;  // further addresses of keys, in release order
    std::vector<cool_row> cooling;
    enipool::pool_stats stats;
    bool operator==(const snapshot&) const = default;

    explicit snapshot(Pool& p) : stats(p.stats()) {
        const timestamp now = p.now();
        for (const auto& x : p.enis()) {
            if (x.vacant()) continue;
            eni_row r{x.id(), x.device_index(), x.network_card(), x.subnet(), x.primary_ip(), {}, x.flags()};
            for (const auto& sl : x.slots())
                if (sl.kind != enipool::slot_kind::empty) r.cidrs.push_back(sl.cidr());
            std::sort(r.cidrs.begin(), r.cidrs.end());
            enis.push_back(std::move(r));
        }
        std::sort(enis.begin(), enis.end(), [](const eni_row& a, const eni_row& b) { return a.id < b.id; });
        for (const auto& [k, a] : p.allocations())
            allocations.push_back({k, a.address, a.metadata, p.enis()[a.eni].id(), now - a.assigned_at});
        std::sort(allocations.begin(), allocations.end(),
                  [](const alloc_row& a, const alloc_row& b) { return a.address < b.address; });
        for (const auto& [k, a] : p.extra_holdings())
            extras.push_back({k, a.address, a.metadata, p.enis()[a.eni].id(), now - a.assigned_at});
        for (const auto& c : p.cooling())
            cooling.push_back({c.address, p.enis()[c.eni].id(), c.released_at + p.configuration().cooldown - now});
        std::sort(cooling.begin(), cooling.end(), [](const cool_row& a, const cool_row& b) { return a.address < b.address; });
    }
};

/// A fixed wall-clock time for tests: 2026-01-01T00:00:00Z.
inline enipool::wall_clock::time_point wall(std::chrono::nanoseconds after = 0ns) {
    return enipool::wall_clock::time_point(
        std::chrono::duration_cast<enipool::wall_clock::duration>(std::chrono::seconds(1767225600) + after));
}
inline constexpr std::int64_t wall_ns = 1767225600LL * 1000000000LL;

/// Reads a file of the checkpoint_restore / vpc_cni_import fuzz corpus (the malformed
/// inputs live there once, for the unit tests and the fuzzers alike).
inline std::string corpus_file(const std::string& target, const std::string& name) {
    auto text = enipool::read_file(std::string(ENIPOOL_SOURCE_DIR) + "/tests/fuzzing/corpus/" + target + "/" + name);
    REQUIRE(text.has_value());
    return *text;
}

} // namespace ckpt_test
