// enipool-cni's state: the node pool built from the network config, reconciled with the
// checkpoint of the previous call (enipool/json/checkpoint.hpp, format `enipool/1`).
//
// Capacity is the config's, not the checkpoint's. Each call restores the saved checkpoint
// (validated all-or-nothing by the library) into a pool of its own, builds the pool of the
// current config, and moves every allocation and cooling address across. One whose address
// is on no configured CIDR any more (capacity removed from the config) is RETAINED: its key
// still gets its address, it is reported on stderr, and it is saved in two members the
// library's reader ignores and this file adds:
//   "retainedAllocations": [{"networkName", "containerID", "ifName", "ipv4",
//                            "allocationTimestamp", "metadata": {...}}],
//   "retainedCooling": [{"ipv4", "releasedAt"}]
// When the capacity comes back, the retained entries move back into the pool.
//
// Time: the pool runs on a `manual_clock` set once per call to the wall-clock time in unix
// nanoseconds, so pool times and file times are the same numbers (round trips are exact).
#pragma once

#include <enipool/json/checkpoint.hpp>
#include <enipool/clock.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/json/cni_config.hpp>
#include <enipool/node_pool.hpp>
#include <enipool/policy.hpp>
#include <enipool/pod_key.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace enipool_cni {

/// The plugin's pool: CNI keys, lowest lane first, on a clock that reads unix nanoseconds.
/// The growth policy and warm strategy are never consulted: the plugin does not plan, its
/// capacity is the config's.
using pool_type = enipool::node_pool<enipool::prefix_first, enipool::vpc_cni_warm,
                                     enipool::clock<enipool::manual_clock>>;
using enipool::timestamp;

/// Sets `clk` to the wall-clock time now (unix ns) and returns it. O(1).
inline timestamp start_clock(enipool::manual_clock& clk) {
    const auto now = std::chrono::duration_cast<timestamp>(enipool::wall_clock::now().time_since_epoch());
    clk.set(enipool::manual_clock::time_point(now));
    return now;
}

/// An allocation the configured capacity no longer covers: kept and reported.
struct retained_allocation {
    enipool::cni_key key;
    enipool::pod_metadata metadata;
    enipool::ipv4_address address;
    timestamp assigned_at{};
};

/// A cooling address the configured capacity no longer covers: kept until it expires.
struct retained_cooling_entry {
    enipool::ipv4_address address;
    timestamp released_at{};
};

/// The plugin's whole state: the pool built from the config plus what it had to retain.
struct node_state {
    pool_type pool;
    std::vector<retained_allocation> retained;
    std::vector<retained_cooling_entry> retained_cooling;
};

namespace detail {

using enipool::errc;
using enipool::error;
using nlohmann::json;

// The pool type's config for `enis` ENIs (at least 1): a synthetic Nitro type with 64 IPv4
// slots per ENI on card 0, the given cooldown, no early reclaim, max pods = all lanes.
[[nodiscard]] inline pool_type::config pool_config(unsigned enis, std::chrono::seconds cooldown) {
    pool_type::config cfg;
    cfg.type.name = "enipool-cni";
    cfg.type.max_enis = enis;
    cfg.type.ipv4_per_eni = enipool::cni::max_slots_per_eni + 1;
    cfg.type.hypervisor = enipool::hypervisor_kind::nitro;
    cfg.type.network_cards = {{0, enis}};
    cfg.cooldown = cooldown;
    cfg.reclaim_cooling_when_exhausted = false;
    cfg.max_pods = std::uint64_t{enis} * enipool::cni::max_slots_per_eni * enipool::addresses_per_prefix;
    return cfg;
}

[[nodiscard]] inline enipool::wall_clock::time_point wall_time(timestamp t) {
    return enipool::wall_clock::time_point(std::chrono::duration_cast<enipool::wall_clock::duration>(t));
}

[[nodiscard]] inline std::string text_of(std::string_view s) { return std::string(s); }

[[nodiscard]] inline json allocation_json(const retained_allocation& r) {
    return {{"networkName", text_of(r.key.network_name())},
            {"containerID", text_of(r.key.container_id())},
            {"ifName", text_of(r.key.ifname())},
            {"ipv4", r.address.to_string()},
            {"allocationTimestamp", r.assigned_at.count()},
            {"metadata", {{"k8sPodNamespace", r.metadata.pod_namespace},
                          {"k8sPodName", r.metadata.pod_name}}}};
}

// Gives the allocation its address in the state's pool (a key saved with two addresses
// keeps both), or retains it when the address is on no configured CIDR. Any other refusal
// means the saved state contradicts itself.
[[nodiscard]] inline enipool::result<void> adopt(node_state& state, const retained_allocation& a,
                                                 std::string_view where) {
    auto r = state.pool.restore_allocation(a.key, a.address, a.metadata, a.assigned_at);
    if (r) return enipool::success();
    if (r.error().code() == errc::address_not_in_pool || r.error().code() == errc::eni_excluded) {
        state.retained.push_back(a);
        return enipool::success();
    }
    return error(errc::checkpoint_invalid,
                 fmt::format("{}: {} for {}: {}", where, a.address, a.key, r.error().message()));
}

// Puts a cooling address into the state's pool, or retains it; ended cooldowns are dropped.
[[nodiscard]] inline enipool::result<void> cool(node_state& state, enipool::ipv4_address address,
                                                timestamp released_at, std::string_view where) {
    const auto now = state.pool.now();
    if (released_at + state.pool.configuration().cooldown <= now) return enipool::success();
    auto r = state.pool.restore_cooling(address, std::min(released_at, now));
    if (r) return enipool::success();
    if (r.error().code() == errc::address_not_in_pool || r.error().code() == errc::eni_excluded) {
        state.retained_cooling.push_back({address, std::min(released_at, now)});
        return enipool::success();
    }
    return error(errc::checkpoint_invalid, fmt::format("{}: {}: {}", where, address, r.error().message()));
}

} // namespace detail

/// The state for a config, before any restore: one ENI per configured ENI (device index =
/// its position), cooldown from the config, cooling addresses never reclaimed early.
/// O(CIDRs). Errors: `malformed_config` naming the ENI the pool refused (e.g. more than 64).
[[nodiscard]] inline enipool::result<node_state> build_state(const enipool::cni::ipam_config& ipam,
                                                             enipool::manual_clock& clk) {
    const auto enis = static_cast<unsigned>(std::max<std::size_t>(ipam.enis.size(), 1));
    auto pool = pool_type::create(detail::pool_config(enis, ipam.cooldown), clk);
    if (!pool) return pool.error();
    for (std::size_t i = 0; i < ipam.enis.size(); ++i) {
        const auto& e = ipam.enis[i];
        enipool::eni_spec spec;
        spec.id = e.id;
        spec.device_index = static_cast<unsigned>(i);
        spec.subnet = ipam.subnet;
        spec.primary_ip = e.primary_ip;
        spec.cidrs = e.prefixes;
        for (const auto ip : e.secondary_ips) spec.cidrs.push_back(enipool::ipv4_prefix::truncate(ip, 32));
        if (auto ok = pool->add_eni(spec); !ok)
            return enipool::error(enipool::errc::malformed_config,
                                  fmt::format("ipam.enis[{}] ({}): {}", i, e.id, ok.error().message()));
    }
    return node_state{std::move(*pool), {}, {}};
}

/// The checkpoint document of `state`: the library's `enipool/1` document of the pool plus
/// the retained lists (sorted by address; ended cooldowns left out). O(n log n).
[[nodiscard]] inline nlohmann::json save_state(const node_state& state) {
    using nlohmann::json;
    const timestamp now = state.pool.now();
    json doc = enipool::to_json(state.pool, detail::wall_time(now));
    auto retained = state.retained;
    std::sort(retained.begin(), retained.end(),
              [](const auto& a, const auto& b) { return a.address < b.address; });
    doc["retainedAllocations"] = json::array();
    for (const auto& r : retained) doc["retainedAllocations"].push_back(detail::allocation_json(r));
    auto cooling = state.retained_cooling;
    std::sort(cooling.begin(), cooling.end(),
              [](const auto& a, const auto& b) { return a.address < b.address; });
    doc["retainedCooling"] = json::array();
    for (const auto& c : cooling)
        if (c.released_at + state.pool.configuration().cooldown > now)
            doc["retainedCooling"].push_back({{"ipv4", c.address.to_string()}, {"releasedAt", c.released_at.count()}});
    return doc;
}

/// Restores a saved document into `state` (fresh from `build_state`, on clock `clk`): the
/// library restores and validates the saved pool, then every allocation and cooling
/// address (saved or retained) moves into the configured pool or is retained. O(n log n).
/// Errors: `checkpoint_version`, `checkpoint_invalid` naming the entry (the library's
/// "allocations[3].ipv4: ..." or "retainedAllocations[0]...: ..."), including a retained
/// key or address that also appears elsewhere.
[[nodiscard]] inline enipool::result<void> restore_state(const nlohmann::json& doc, node_state& state,
                                                         enipool::manual_clock& clk) {
    namespace ck = enipool::detail; // the checkpoint's field readers, for the same messages
    const timestamp now = state.pool.now();
    auto saved = pool_type::create(
        detail::pool_config(enipool::max_enis_per_node,
                            std::chrono::duration_cast<std::chrono::seconds>(state.pool.configuration().cooldown)),
        clk);
    if (!saved) return saved.error();
    if (auto ok = enipool::restore_checkpoint(*saved, doc, detail::wall_time(now)); !ok) return ok;

    std::set<enipool::ipv4_address> seen;
    std::set<enipool::cni_key> keys;
    for (const auto& [key, a] : saved->allocations()) {
        seen.insert(a.address);
        keys.insert(key);
        if (auto ok = detail::adopt(state, {key, a.metadata, a.address, a.assigned_at}, "allocations"); !ok)
            return ok;
    }
    for (const auto& [key, a] : saved->extra_holdings()) {
        seen.insert(a.address);
        if (auto ok = detail::adopt(state, {key, a.metadata, a.address, a.assigned_at}, "allocations"); !ok)
            return ok;
    }
    for (const auto& c : saved->cooling()) {
        seen.insert(c.address);
        if (auto ok = detail::cool(state, c.address, c.released_at, "cooling"); !ok) return ok;
    }

    const ck::json_node root(doc, ck::checkpoint_wording, "checkpoint");
    auto allocations = root.member("retainedAllocations").for_each([&](const ck::json_node& entry) -> enipool::result<void> {
        if (auto ok = entry.object(); !ok) return ok;
        auto key = ck::read_cni_key(entry);
        if (!key) return key.error();
        auto address = ck::read_ipv4(entry.member("ipv4"));
        if (!address) return address.error();
        auto at = ck::read_wall(entry.member("allocationTimestamp"), now.count());
        if (!at) return at.error();
        if (!keys.insert(key->first).second)
            return entry.fail(fmt::format("the pod key {} appears twice", key->first));
        if (!seen.insert(*address).second)
            return entry.member("ipv4").fail(fmt::format("{} appears twice", *address));
        return detail::adopt(state, {key->first, key->second, *address, timestamp(*at)}, entry.where());
    });
    if (!allocations) return allocations;
    return root.member("retainedCooling").for_each([&](const ck::json_node& entry) -> enipool::result<void> {
        if (auto ok = entry.object(); !ok) return ok;
        auto address = ck::read_ipv4(entry.member("ipv4"));
        if (!address) return address.error();
        auto at = ck::read_wall(entry.member("releasedAt"), std::nullopt);
        if (!at) return at.error();
        if (!seen.insert(*address).second)
            return entry.member("ipv4").fail(fmt::format("{} appears twice (held or cooling)", *address));
        return detail::cool(state, *address, timestamp(*at), entry.where());
    });
}

/// Adopts a VPC CNI ipam.json (first start) through the library's importer; allocations on
/// no configured CIDR are retained. Returns the number of IPv6 entries skipped. O(n).
/// Errors: those of `enipool::import_vpc_cni` (`checkpoint_version`, `checkpoint_invalid`).
[[nodiscard]] inline enipool::result<std::size_t> import_vpc_cni(std::string_view text, node_state& state) {
    auto imported = enipool::import_vpc_cni(state.pool, text, detail::wall_time(state.pool.now()));
    if (!imported) return imported.error();
    std::size_t skipped = 0;
    for (const auto& u : imported->unmatched) {
        auto a = enipool::ipv4_address::parse(u.address);
        if (!a) { // IPv6: this plugin serves IPv4 only
            ++skipped;
            continue;
        }
        const timestamp at = u.allocation_timestamp == 0 ? state.pool.now() : timestamp(u.allocation_timestamp);
        state.retained.push_back({u.key, u.metadata, *a, at});
    }
    return skipped;
}

} // namespace enipool_cni
