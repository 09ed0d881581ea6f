// cilium_node.hpp (tests/peer/cilium): a node_pool<Policy, cilium_watermarks> on a manual
// clock, driven the way Cilium's node manager tests drive a CiliumNode: set the used count,
// let the operator converge (plan, then grant every action as a fake EC2 would, until the
// plan is empty), read avail (addresses held) and used (assigned). Cooldown 0: Cilium has
// none. Grants: /32s from 10.0.0.1 up, /28s from 10.0.128.0 up, primaries 10.0.255.<device>.
#pragma once

#include <enipool/clock.hpp>
#include <enipool/growth_policy.hpp>
#include <enipool/node_pool.hpp>
#include <enipool/pod_key.hpp>
#include <enipool/warm/cilium_watermarks.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace peer_cilium {

using namespace std::chrono_literals;

inline enipool::instance_type type(const char* name, unsigned enis, unsigned ipv4) {
    enipool::instance_type t;
    t.name = name;
    t.max_enis = enis;
    t.ipv4_per_eni = ipv4;
    t.network_cards = {{0, enis}};
    t.hypervisor = enipool::hypervisor_kind::nitro;
    return t;
}

/// A CiliumNode spec.ipam (Cilium's defaults otherwise): pre-allocate, min-allocate,
/// max-above-watermark, --aws-release-excess-ips, and the release tests' 2 s delay
/// (operatorOption.Config.ExcessIPReleaseDelay = 2).
inline enipool::cilium_watermarks_config spec(int pre, unsigned min = 0, unsigned mab = 0, bool release = false) {
    enipool::cilium_watermarks_config c;
    c.pre_allocate = pre;
    c.min_allocate = min;
    c.max_above_watermark = mab;
    c.release_excess = release;
    c.release_delay = 2s;
    return c;
}

inline enipool::ipv4_prefix prefix(const char* text) { return enipool::ipv4_prefix::parse(text).value(); }

template <class Policy = enipool::secondary_only>
class node {
public:
    using pool_type = enipool::node_pool<Policy, enipool::cilium_watermarks, enipool::pod_key<std::uint64_t>,
                                         enipool::clock<enipool::manual_clock>>;

    /// A node of `t` whose primary ENI eni-0 holds `secondaries` /32s (excluded: no_manage).
    node(enipool::instance_type t, enipool::cilium_watermarks_config warm, typename Policy::config policy = {},
         bool exclude_primary = false) {
        typename pool_type::config c;
        c.type = std::move(t);
        c.cooldown = 0s;
        c.warm = warm;
        c.policy = policy;
        if (exclude_primary) c.budget.excluded_enis = 1;
        auto p = pool_type::create(c, *clock_);
        REQUIRE(p.has_value());
        pool_.emplace(std::move(*p));
        add_eni("eni-0", 0, 0, exclude_primary);
    }

    /// Adds an attached ENI with `n` /32s (the test's pre-existing interfaces).
    void add_eni(const std::string& id, unsigned device, unsigned n, bool excluded = false) {
        enipool::eni_spec s;
        s.id = id;
        s.device_index = device;
        s.subnet = prefix("10.0.0.0/16");
        s.primary_ip = enipool::ipv4_address(10, 0, 255, static_cast<std::uint8_t>(device));
        s.cidrs = secondaries(n);
        s.flags.excluded = excluded;
        REQUIRE(pool_->add_eni(s).has_value());
    }

    /// Prefix requests fail with `code` from now on (the subnet has no free /28).
    void refuse_prefixes(enipool::errc code) { refuse_prefixes_ = code; }

    /// Sets the used count to n: assigns pods 1.. or releases the highest ones.
    void use(std::uint64_t n) {
        while (pods_ < n) REQUIRE(pool_->assign(++pods_).has_value());
        while (pods_ > n) REQUIRE(pool_->release(pods_--).has_value());
    }

    /// Plans and applies until the plan is empty (Cilium: until NeededAddresses is 0).
    void converge() {
        for (int round = 0; round < 64; ++round) {
            const auto actions = pool_->plan();
            if (actions.empty()) return;
            for (const auto& a : actions) REQUIRE(pool_->apply(enipool::outcome{a, answer(a)}).has_value());
        }
        FAIL("the plan did not settle");
    }

    std::uint64_t avail() { return pool_->stats().total; }
    std::uint64_t used() { return pool_->stats().assigned; }
    unsigned prefixes() { return pool_->stats().prefixes; }
    std::size_t enis() { return pool_->view().enis.size(); }
    enipool::pool_view view() { return pool_->view(); }
    pool_type& pool() { return *pool_; }
    void advance(std::chrono::nanoseconds d) { clock_->advance(d); }

private:
    std::vector<enipool::ipv4_prefix> secondaries(unsigned n) {
        std::vector<enipool::ipv4_prefix> out;
        for (unsigned i = 0; i < n; ++i, ++next_ip_)
            out.push_back(enipool::ipv4_prefix::truncate(
                enipool::ipv4_address(10, 0, static_cast<std::uint8_t>(next_ip_ / 256), static_cast<std::uint8_t>(next_ip_ % 256)), 32));
        return out;
    }
    std::vector<enipool::ipv4_prefix> cidrs(enipool::address_mode m, unsigned n) {
        if (m == enipool::address_mode::secondary) return secondaries(n);
        std::vector<enipool::ipv4_prefix> out;
        for (unsigned i = 0; i < n; ++i, ++next_prefix_)
            out.push_back(enipool::ipv4_prefix::truncate(
                enipool::ipv4_address(10, 0, static_cast<std::uint8_t>(128 + next_prefix_ / 16),
                                      static_cast<std::uint8_t>(16 * (next_prefix_ % 16))), 28));
        return out;
    }
    enipool::result<enipool::grant> answer(const enipool::action& a) {
        enipool::grant g;
        g.subnet = prefix("10.0.0.0/16");
        if (const auto* at = std::get_if<enipool::attach_eni>(&a)) {
            if (at->mode == enipool::address_mode::prefix && refuse_prefixes_) return enipool::error(*refuse_prefixes_);
            g.eni_id = "eni-" + std::to_string(at->device_index);
            g.device_index = at->device_index;
            g.primary_ip = enipool::ipv4_address(10, 0, 255, static_cast<std::uint8_t>(at->device_index));
            g.cidrs = cidrs(at->mode, at->count);
        } else if (const auto* as = std::get_if<enipool::assign_to_eni>(&a)) {
            if (as->mode == enipool::address_mode::prefix && refuse_prefixes_) return enipool::error(*refuse_prefixes_);
            g.eni_id = as->eni_id;
            g.cidrs = cidrs(as->mode, as->count);
        }
        return g;
    }

    std::unique_ptr<enipool::manual_clock> clock_ = std::make_unique<enipool::manual_clock>();
    std::optional<pool_type> pool_;
    std::uint64_t pods_ = 0;
    unsigned next_ip_ = 1;
    unsigned next_prefix_ = 0;
    std::optional<enipool::errc> refuse_prefixes_;
};

} // namespace peer_cilium
