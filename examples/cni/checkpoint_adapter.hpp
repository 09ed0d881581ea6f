// enipool-cni's checkpoint adapter: save / restore of the plugin's node pool in the
// `enipool/1` JSON format, and adoption of a VPC CNI `vpc-cni-ipam/1` ipam.json.
//
// STAND-IN for enipool/checkpoint.hpp (issue 8), which had not landed when the plugin was
// written. It uses only the pool's public restore API (add_eni by the caller, then
// assign_specific and restore_cooling here) and its read access (allocations(), cooling(),
// enis()). Replace `save_checkpoint` / `restore_checkpoint` / `import_vpc_cni` with the
// library's checkpoint once it exists; the file format is meant to stay the same.
//
// Format:
//   {"version": "enipool/1", "savedAt": <unix ns>,
//    "enis": [{"id", "deviceIndex", "networkCard", "subnet", "primaryIp", "cidrs": [...]}],
//    "allocations": [{"networkName", "containerID", "ifName", "ipv4",
//                     "allocationTimestamp": <unix ns>,
//                     "metadata": {"k8sPodNamespace", "k8sPodName"}}],
//    "cooling": [{"ipv4", "releasedAt": <unix ns>}]}
// Allocations use the VPC CNI's field names. Times are wall-clock (the plugin's pool runs on
// the system clock, so its timestamps already are unix nanoseconds).
//
// Capacity is the network config's, not the checkpoint's: an allocation whose address is on
// no configured CIDR any more (capacity removed from the config) is RETAINED: kept in the
// checkpoint, returned for its key, reported on stderr, never dropped. A cooling address on
// removed capacity is retained until its cooldown ends.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/json/cni_config.hpp>
#include <enipool/node_pool.hpp>
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

using wall_clock = std::chrono::system_clock;
/// The plugin's pool: CNI keys, lowest lane first, on the wall clock (timestamps persist).
/// The growth policy and warm strategy are never consulted: the plugin does not plan, its
/// capacity is the config's.
using pool_type = enipool::node_pool<enipool::prefix_first, enipool::vpc_cni_warm,
                                     enipool::clock<wall_clock>>;
using enipool::timestamp;

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

[[nodiscard]] inline error invalid(std::string_view path, std::string_view reason) {
    return error(errc::checkpoint_invalid, fmt::format("{}: {}", path, reason));
}

[[nodiscard]] inline const json* field(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

[[nodiscard]] inline enipool::result<std::string> string_field(const json& object, const char* key,
                                                              const std::string& path, bool required) {
    const json* j = field(object, key);
    if (j == nullptr || j->is_null()) {
        if (required) return invalid(fmt::format("{}.{}", path, key), "is missing");
        return std::string();
    }
    if (!j->is_string()) return invalid(fmt::format("{}.{}", path, key), "is not a string");
    return j->get<std::string>();
}

[[nodiscard]] inline enipool::result<timestamp> time_field(const json& object, const char* key,
                                                          const std::string& path) {
    const json* j = field(object, key);
    if (j == nullptr || j->is_null()) return timestamp{}; // the VPC CNI omits it sometimes
    // Unix nanoseconds from 1970 to about 2116 (2^62): far from overflow when a cooldown
    // is added, and any real clock reading fits.
    constexpr std::int64_t latest = std::int64_t{1} << 62;
    if (!j->is_number_integer() || (j->is_number_unsigned() && j->get<std::uint64_t>() > std::uint64_t{latest}) ||
        (!j->is_number_unsigned() && (j->get<std::int64_t>() < 0)))
        return invalid(fmt::format("{}.{}", path, key),
                       fmt::format("{} is not a time in nanoseconds since 1970", j->dump()));
    return timestamp(j->get<std::int64_t>());
}

[[nodiscard]] inline enipool::result<enipool::ipv4_address> address_field(const json& object,
                                                                         const char* key,
                                                                         const std::string& path) {
    auto text = string_field(object, key, path, true);
    if (!text) return text.error();
    auto a = enipool::ipv4_address::parse(*text);
    if (!a) return invalid(fmt::format("{}.{}", path, key), a.error().detail());
    return *a;
}

// One allocation entry (enipool/1 and vpc-cni-ipam/1 share the fields).
struct allocation_entry {
    enipool::cni_key key;
    enipool::pod_metadata metadata;
    enipool::ipv4_address address;
    timestamp assigned_at{};
};

[[nodiscard]] inline enipool::result<allocation_entry> read_allocation(const json& j,
                                                                      const std::string& path) {
    if (!j.is_object()) return invalid(path, "is not an object");
    auto network = string_field(j, "networkName", path, true);
    if (!network) return network.error();
    auto container = string_field(j, "containerID", path, true);
    if (!container) return container.error();
    auto ifname = string_field(j, "ifName", path, true);
    if (!ifname) return ifname.error();
    auto key = enipool::cni_key::make(*network, *container, *ifname);
    if (!key) return invalid(path, key.error().message());
    allocation_entry e{*key, {}, {}, {}};
    auto address = address_field(j, "ipv4", path);
    if (!address) return address.error();
    e.address = *address;
    auto at = time_field(j, "allocationTimestamp", path);
    if (!at) return at.error();
    e.assigned_at = *at;
    if (const json* m = field(j, "metadata"); m != nullptr && !m->is_null()) {
        if (!m->is_object()) return invalid(path + ".metadata", "is not an object");
        auto ns = string_field(*m, "k8sPodNamespace", path + ".metadata", false);
        if (!ns) return ns.error();
        auto name = string_field(*m, "k8sPodName", path + ".metadata", false);
        if (!name) return name.error();
        e.metadata = {std::move(*ns), std::move(*name)};
    }
    return e;
}

[[nodiscard]] inline json allocation_json(const enipool::cni_key& key,
                                          const enipool::pod_metadata& metadata,
                                          enipool::ipv4_address address, timestamp assigned_at) {
    return {{"networkName", std::string(key.network_name.data(), key.network_name.size())},
            {"containerID", std::string(key.container_id.data(), key.container_id.size())},
            {"ifName", std::string(key.ifname.data(), key.ifname.size())},
            {"ipv4", address.to_string()},
            {"allocationTimestamp", assigned_at.count()},
            {"metadata", {{"k8sPodNamespace", metadata.pod_namespace},
                          {"k8sPodName", metadata.pod_name}}}};
}

// Gives `e` its address in the pool, or retains it when the address is on no configured
// CIDR. Any other refusal (two keys on one address, an address cooling and held) means the
// file contradicts itself.
[[nodiscard]] inline enipool::result<void> adopt(node_state& state, const allocation_entry& e,
                                                 const std::string& path) {
    auto r = state.pool.assign_specific(e.key, e.address, e.metadata, e.assigned_at);
    if (r) return enipool::success();
    if (r.error().code() == errc::address_not_in_pool || r.error().code() == errc::eni_excluded) {
        state.retained.push_back({e.key, e.metadata, e.address, e.assigned_at});
        return enipool::success();
    }
    return invalid(path, fmt::format("{} for {}: {}", e.address, e.key, r.error().message()));
}

// The document's version must be `expected`.
[[nodiscard]] inline enipool::result<void> check_version(const json& doc, std::string_view expected,
                                                         std::string_view what) {
    if (!doc.is_object()) return invalid(what, "is not a JSON object");
    const json* version = field(doc, "version");
    if (version == nullptr || !version->is_string() || *version != expected)
        return error(errc::checkpoint_version, fmt::format("{}: expected \"{}\", found {}", what, expected,
                                                           version ? version->dump() : "no version"));
    return enipool::success();
}

// Adopts every entry of the document's `allocations` (a key or an address twice is an
// error; `seen` collects the addresses). IPv6-only entries are skipped and counted.
[[nodiscard]] inline enipool::result<std::size_t>
adopt_allocations(const json& doc, std::string_view what, node_state& state,
                  std::set<enipool::ipv4_address>& seen) {
    std::size_t skipped = 0;
    const json* allocations = field(doc, "allocations");
    if (allocations == nullptr || allocations->is_null()) return skipped;
    if (!allocations->is_array()) return invalid(fmt::format("{}allocations", what), "is not an array");
    std::set<enipool::cni_key> keys;
    for (std::size_t i = 0; i < allocations->size(); ++i) {
        const auto path = fmt::format("{}allocations[{}]", what, i);
        const json& j = (*allocations)[i];
        if (j.is_object() && field(j, "ipv4") == nullptr && field(j, "ipv6") != nullptr) {
            ++skipped;
            continue;
        }
        auto e = read_allocation(j, path);
        if (!e) return e.error();
        if (!keys.insert(e->key).second)
            return invalid(path, fmt::format("the key {} appears twice", e->key));
        if (!seen.insert(e->address).second)
            return invalid(path + ".ipv4", fmt::format("{} is held twice", e->address));
        if (auto ok = adopt(state, *e, path); !ok) return ok.error();
    }
    return skipped;
}

} // namespace detail

/// The state for a config, before any restore: one ENI per configured ENI (device index =
/// its position), all on card 0 of a synthetic Nitro type with 64 IPv4 slots per ENI,
/// cooldown from the config, cooling addresses never reclaimed early. O(CIDRs).
/// Errors: `malformed_config` naming the ENI the pool refused (e.g. more than 64 ENIs).
[[nodiscard]] inline enipool::result<node_state> build_state(const enipool::cni::ipam_config& ipam,
                                                             wall_clock& clk) {
    pool_type::config cfg;
    const auto enis = static_cast<unsigned>(std::max<std::size_t>(ipam.enis.size(), 1));
    cfg.type.name = "enipool-cni";
    cfg.type.max_enis = enis;
    cfg.type.ipv4_per_eni = enipool::cni::max_slots_per_eni + 1;
    cfg.type.hypervisor = enipool::hypervisor_kind::nitro;
    cfg.type.network_cards = {{0, enis}};
    cfg.cooldown = ipam.cooldown;
    cfg.reclaim_cooling_when_exhausted = false;
    cfg.max_pods = std::uint64_t{enis} * enipool::cni::max_slots_per_eni * enipool::addresses_per_prefix;
    auto pool = pool_type::create(cfg, clk);
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

/// The checkpoint document of `state` (drains expired cooldowns first). Allocations and
/// cooling entries are sorted by address, so equal states give equal files.
/// O(n log n) for n allocations and cooling addresses.
[[nodiscard]] inline nlohmann::json save_checkpoint(node_state& state) {
    using nlohmann::json;
    (void)state.pool.stats(); // drain expired cooldowns
    const timestamp now = state.pool.now();
    const auto cooldown = state.pool.configuration().cooldown;

    json enis = json::array();
    for (const auto& x : state.pool.enis()) {
        if (x.vacant()) continue;
        json cidrs = json::array();
        for (const auto& sl : x.slots())
            if (sl.kind != enipool::slot_kind::empty) cidrs.push_back(sl.cidr().to_string());
        enis.push_back({{"id", x.id()},
                        {"deviceIndex", x.device_index()},
                        {"networkCard", x.network_card()},
                        {"subnet", x.subnet().to_string()},
                        {"primaryIp", x.primary_ip().to_string()},
                        {"cidrs", std::move(cidrs)}});
    }

    std::vector<std::pair<enipool::ipv4_address, json>> allocations;
    for (const auto& [key, a] : state.pool.allocations())
        allocations.emplace_back(a.address, detail::allocation_json(key, a.metadata, a.address, a.assigned_at));
    for (const auto& r : state.retained)
        allocations.emplace_back(r.address, detail::allocation_json(r.key, r.metadata, r.address, r.assigned_at));
    std::sort(allocations.begin(), allocations.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });

    std::vector<std::pair<enipool::ipv4_address, timestamp>> cooling;
    for (const auto& c : state.pool.cooling()) cooling.emplace_back(c.address, c.released_at);
    for (const auto& c : state.retained_cooling)
        if (c.released_at + cooldown > now) cooling.emplace_back(c.address, c.released_at);
    std::sort(cooling.begin(), cooling.end());

    json doc = json::object();
    doc["version"] = "enipool/1";
    doc["savedAt"] = now.count();
    doc["enis"] = std::move(enis);
    doc["allocations"] = json::array();
    for (auto& [address, j] : allocations) doc["allocations"].push_back(std::move(j));
    doc["cooling"] = json::array();
    for (const auto& [address, at] : cooling)
        doc["cooling"].push_back({{"ipv4", address.to_string()}, {"releasedAt", at.count()}});
    return doc;
}

/// Restores allocations and cooling addresses of an `enipool/1` document into `state`,
/// whose pool already holds the configured ENIs. All entries are validated before the
/// caller uses the state (on error it discards it). Expired cooling entries are dropped.
/// O(n log n). Errors: `checkpoint_version` (not enipool/1), `checkpoint_invalid` naming
/// the entry (`allocations[3].ipv4: ...`): a malformed field, a key or an address twice,
/// an address both held and cooling.
[[nodiscard]] inline enipool::result<void> restore_checkpoint(const nlohmann::json& doc,
                                                              node_state& state) {
    using detail::invalid;
    if (auto ok = detail::check_version(doc, "enipool/1", "(document)"); !ok) return ok.error();
    std::set<enipool::ipv4_address> seen;
    auto adopted = detail::adopt_allocations(doc, "", state, seen);
    if (!adopted) return adopted.error();
    if (*adopted != 0) return invalid("allocations", "an entry has no ipv4 address");
    const auto* cooling = detail::field(doc, "cooling");
    if (cooling != nullptr && !cooling->is_null()) {
        if (!cooling->is_array()) return invalid("cooling", "is not an array");
        const timestamp now = state.pool.now();
        const auto cooldown = state.pool.configuration().cooldown;
        for (std::size_t i = 0; i < cooling->size(); ++i) {
            const auto path = fmt::format("cooling[{}]", i);
            const auto& j = (*cooling)[i];
            if (!j.is_object()) return invalid(path, "is not an object");
            auto address = detail::address_field(j, "ipv4", path);
            if (!address) return address.error();
            auto at = detail::time_field(j, "releasedAt", path);
            if (!at) return at.error();
            if (!seen.insert(*address).second)
                return invalid(path + ".ipv4", fmt::format("{} is listed twice (held or cooling)", *address));
            if (*at + cooldown <= now) continue; // expired while nobody ran
            auto r = state.pool.restore_cooling(*address, *at);
            if (r) continue;
            if (r.error().code() == enipool::errc::address_not_in_pool ||
                r.error().code() == enipool::errc::eni_excluded) {
                state.retained_cooling.push_back({*address, *at});
                continue;
            }
            return invalid(path, fmt::format("{}: {}", *address, r.error().message()));
        }
    }
    return enipool::success();
}

/// Adopts the allocations of a VPC CNI checkpoint (`vpc-cni-ipam/1`) into `state` (first
/// start only). IPv6 entries are skipped and counted. O(n log n).
/// Errors: `checkpoint_version`, `checkpoint_invalid` naming the entry.
[[nodiscard]] inline enipool::result<std::size_t> import_vpc_cni(const nlohmann::json& doc,
                                                                 node_state& state) {
    if (auto ok = detail::check_version(doc, "vpc-cni-ipam/1", "ipam.json"); !ok) return ok.error();
    std::set<enipool::ipv4_address> seen;
    return detail::adopt_allocations(doc, "ipam.json ", state, seen);
}

} // namespace enipool_cni
