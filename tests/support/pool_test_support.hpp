// pool_test_support.hpp: growth policies, warm strategies and key makers for node pool tests.
// Toy policies stand in for the real ones (include/enipool/policy.hpp) where a test needs
// full control; `scripted_warm` returns whatever actions the test queued, so that the pool's
// clipping and validation see every kind of (also nonsensical) request.
#pragma once

#include <enipool/node_pool.hpp>
#include <enipool/policy.hpp>  // the real strategies, which node_pool.hpp does not include

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pool_test {

using namespace std::chrono_literals;
using enipool::address_mode;
using enipool::timestamp;

/// Grows with `Mode`; with Fallback, insufficient_cidr_blocks switches to secondary IPs for
/// `back_off`; without, it stops growing for `back_off`.
template <address_mode Mode, bool Fallback>
struct toy_growth {
    struct config {
        std::chrono::nanoseconds back_off = 120s;
    };
    static constexpr bool needs_prefix_support = Mode == address_mode::prefix;
    explicit toy_growth(const config& c) : cfg(c) {}
    address_mode mode(timestamp now) const {
        return Fallback && now < until ? address_mode::secondary : Mode;
    }
    bool may_grow(timestamp now) const { return Fallback || now >= until; }
    void on_grant(timestamp, address_mode) {}
    void on_error(timestamp now, address_mode m, enipool::errc e) {
        if (m == address_mode::prefix && e == enipool::errc::insufficient_cidr_blocks) until = now + cfg.back_off;
    }
    config cfg;
    timestamp until{};
};

using toy_prefix_first = toy_growth<address_mode::prefix, true>;
using toy_prefix_only = toy_growth<address_mode::prefix, false>;
using toy_secondary_only = toy_growth<address_mode::secondary, false>;

/// Returns the actions queued in `config::queue` (and clears it).
struct scripted_warm {
    struct config {
        std::shared_ptr<std::vector<enipool::action>> queue = std::make_shared<std::vector<enipool::action>>();
    };
    explicit scripted_warm(const config& c) : cfg(c) {}
    std::vector<enipool::action> plan(const enipool::pool_view&) const {
        auto out = *cfg.queue;
        cfg.queue->clear();
        return out;
    }
    config cfg;
};

/// Plans nothing.
struct no_warm {
    struct config {};
    explicit no_warm(const config&) {}
    std::vector<enipool::action> plan(const enipool::pool_view&) const { return {}; }
};

/// m5.large: 3 ENIs x 10 IPv4, Nitro.
inline enipool::instance_type m5_large() {
    enipool::instance_type t;
    t.name = "m5.large";
    t.max_enis = 3;
    t.ipv4_per_eni = 10;
    t.network_cards = {{0, 3}};
    t.hypervisor = enipool::hypervisor_kind::nitro;
    return t;
}

/// A type with `enis` ENIs of `ipv4` IPv4 each (c8a.48xlarge: 24 x 64).
inline enipool::instance_type nitro_type(unsigned enis, unsigned ipv4) {
    enipool::instance_type t;
    t.name = fmt::format("test.{}x{}", enis, ipv4);
    t.max_enis = enis;
    t.ipv4_per_eni = ipv4;
    t.network_cards = {{0, enis}};
    t.hypervisor = enipool::hypervisor_kind::nitro;
    return t;
}

/// Keys from integers for either key type.
template <class Key>
Key make_key(std::uint64_t i);
template <>
inline std::uint64_t make_key<std::uint64_t>(std::uint64_t i) { return i; }
template <>
inline enipool::cni_key make_key<enipool::cni_key>(std::uint64_t i) {
    return enipool::cni_key::make("aws-cni", fmt::format("{:064x}", i * 0x9E3779B97F4A7C15ull), "eth0").value();
}

inline enipool::ipv4_address addr(const char* text) { return enipool::ipv4_address::parse(text).value(); }
inline enipool::ipv4_prefix cidr(const char* text) { return enipool::ipv4_prefix::parse(text).value(); }

/// An ENI spec in subnet 10.0.0.0/16 with primary 10.0.255.<device>, holding `cidrs`.
inline enipool::eni_spec eni_in_test_subnet(std::string id, unsigned device, std::vector<enipool::ipv4_prefix> cidrs) {
    enipool::eni_spec s;
    s.id = std::move(id);
    s.device_index = device;
    s.subnet = cidr("10.0.0.0/16");
    s.primary_ip = enipool::ipv4_address(10, 0, 255, static_cast<std::uint8_t>(device));
    s.cidrs = std::move(cidrs);
    return s;
}

} // namespace pool_test
