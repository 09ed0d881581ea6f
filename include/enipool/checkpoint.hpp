// enipool/checkpoint.hpp: save and restore of a node pool (`enipool/1` JSON) and import of a VPC CNI ipam.json.
//
// Optional component (target `enipool::json`, needs nlohmann-json); the core umbrella
// enipool.hpp does not include it.
//
// Format `enipool/1` (the format of enipool-cni's state file, extended; readers ignore
// members they do not know, so files of either writer stay readable by the other):
//   {"version": "enipool/1", "savedAt": <unix ns>, "keyType": "cni" | "integer",
//    "enis": [{"id", "deviceIndex", "networkCard", "subnet", "primaryIp",
//              "cidrs": ["<a.b.c.d/28 or /32>", ...],            (slot order)
//              "flags": {"trunk", "efaOnly", "excluded"}}],       (optional, default false)
//    "allocations": [{"networkName", "containerID", "ifName",     (keyType cni, the default)
//                     | "key": <unsigned 64-bit>,                 (keyType integer)
//                     "ipv4", "allocationTimestamp": <unix ns>, "eni": "<id>",
//                     "metadata": {"k8sPodNamespace", "k8sPodName"}}],
//    "cooling": [{"ipv4", "releasedAt": <unix ns>, "eni": "<id>"}]}
// Times on disk are wall-clock (unix nanoseconds). The pool runs on its own (steady) clock:
// saving maps a pool time t to `wall_now + (t - pool.now())`, restoring maps a wall time w
// to `pool.now() + (w - wall_now)`, so an address that had 12 s of cooldown left when saved
// has 12 s minus the wall time that passed when restored. Cooldowns that ended while nobody
// ran are dropped; a release time in the future (the wall clock went back) is taken as now.
//
// Not saved (the agent rebuilds it): actions in flight and CIDRs being given back (they
// return to service), the growth policy's back-off, ENIs' attach times and slot positions
// (CIDRs are restored into the lowest slots, in saved order).
//
// Restore is all-or-nothing into an EMPTY pool: the pool is built in a copy and swapped in
// only when every entry is valid. Validation: the version; types and ranges of every field
// (deep nesting and numbers that do not fit are refused by the reader); CIDRs /28 or /32,
// aligned, inside their ENI's subnet and not overlapping; every address inside a slot of its
// ENI; no address twice (held or cooling). A key may appear more than once: as in ipamd's
// ReadBackingStore, each of its addresses stays held (node_pool::restore_allocation), and the
// writer lists a key's further addresses after every first one, so a restore keeps which
// address each release frees next. An address on an ENI that serves no pods (excluded,
// trunk, efa-only) is restored too. Errors name the entry by its JSON path
// ("allocations[3].ipv4: ...") and the reason.
#pragma once

#include <enipool/atomic_file.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/node_pool.hpp>
#include <enipool/pod_key.hpp>

#include <boost/unordered/unordered_flat_set.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace enipool {

/// The wall clock that checkpoint times are written in.
using wall_clock = std::chrono::system_clock;

/// The version string of the format this header writes and reads.
inline constexpr std::string_view checkpoint_format = "enipool/1";
/// The version string of the VPC CNI's ipam.json.
inline constexpr std::string_view vpc_cni_format = "vpc-cni-ipam/1";
/// Deepest JSON nesting a checkpoint reader accepts (the format needs 4).
inline constexpr unsigned checkpoint_max_depth = 32;

/// A pod of a checkpoint that `adopt_checkpoint` could not place in the caller's ENIs.
template <class Key, class Metadata>
struct checkpoint_pod {
    Key key{};
    Metadata metadata{};
    ipv4_address address;
    std::int64_t allocation_timestamp = 0;  ///< unix ns
    error reason;                           ///< address_not_in_pool or eni_excluded
};

/// A cooling address of a checkpoint that `adopt_checkpoint` could not place (only those
/// whose cooldown has not ended).
struct checkpoint_cooling {
    ipv4_address address;
    std::int64_t released_at = 0;  ///< unix ns
    error reason;
};

/// What `adopt_checkpoint` did.
template <class Pool>
struct checkpoint_adoption {
    std::size_t adopted = 0;  ///< pods now held in the pool
    std::vector<checkpoint_pod<typename Pool::key_type, typename Pool::metadata_type>> unmatched;
    std::vector<checkpoint_cooling> unmatched_cooling;
};

namespace detail {

using nlohmann::json;

[[nodiscard]] inline error ckpt_invalid(std::string_view path, std::string_view reason) {
    return error(errc::checkpoint_invalid, fmt::format("{}: {}", path, reason));
}

// Largest |unix ns| accepted on disk: about year 2116 (keeps every conversion in range).
inline constexpr std::int64_t max_wall_ns = std::int64_t{1} << 62;

// The nesting depth of a JSON text, counted on brackets outside strings. O(n), no
// allocation; an unbalanced text is left to the parser.
[[nodiscard]] inline unsigned json_depth(std::string_view text) noexcept {
    unsigned depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

// Parses a checkpoint document. Errors (as values, no exception escapes): checkpoint_invalid
// for nesting deeper than checkpoint_max_depth, for the parser's errors (position and
// reason) and for numbers out of range.
[[nodiscard]] inline result<json> parse_checkpoint_json(std::string_view text, std::string_view what) {
    if (const unsigned d = json_depth(text); d > checkpoint_max_depth)
        return error(errc::checkpoint_invalid,
                     fmt::format("{}: nested {} levels deep, at most {} are accepted", what, d, checkpoint_max_depth));
    try {
        return result<json>(boost::system::in_place_value, json::parse(text.begin(), text.end()));
    } catch (const json::exception& e) {
        return error(errc::checkpoint_invalid, fmt::format("{}: not valid JSON: {}", what, e.what()));
    } catch (const std::exception& e) {  // bad_alloc on a hostile size
        return error(errc::checkpoint_invalid, fmt::format("{}: cannot be read: {}", what, e.what()));
    }
}

// "an object", "a string", ...: the JSON type of `j` with its article, for messages.
[[nodiscard]] inline std::string a_type(const json& j) {
    const std::string name = j.type_name();
    return (name == "object" || name == "array" ? "an " : "a ") + name;
}

[[nodiscard]] inline const json* member(const json& object, const char* key) noexcept {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

[[nodiscard]] inline std::string at_path(std::string_view path, const char* key) {
    return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

[[nodiscard]] inline result<std::string> string_member(const json& object, const char* key, std::string_view path,
                                                       bool required) {
    const json* j = member(object, key);
    if (j == nullptr) {
        if (required) return ckpt_invalid(at_path(path, key), "is missing");
        return std::string();
    }
    if (!j->is_string()) return ckpt_invalid(at_path(path, key), fmt::format("is {}, not a string", a_type(*j)));
    return j->get<std::string>();
}

// An unsigned integer member in [0, max]; `fallback` when absent (or an error if required).
[[nodiscard]] inline result<std::uint64_t> unsigned_member(const json& object, const char* key, std::string_view path,
                                                           std::uint64_t max, std::optional<std::uint64_t> fallback) {
    const json* j = member(object, key);
    if (j == nullptr) {
        if (fallback) return *fallback;
        return ckpt_invalid(at_path(path, key), "is missing");
    }
    if (j->is_number_integer() && !j->is_number_unsigned())
        return ckpt_invalid(at_path(path, key), fmt::format("is negative ({}); an unsigned number is required",
                                                            j->get<std::int64_t>()));
    if (!j->is_number_unsigned())
        return ckpt_invalid(at_path(path, key), fmt::format("is {} ({}), not an unsigned integer", a_type(*j),
                                                            j->is_number() ? j->dump() : std::string("...")));
    const auto v = j->get<std::uint64_t>();
    if (v > max) return ckpt_invalid(at_path(path, key), fmt::format("{} exceeds the largest allowed value {}", v, max));
    return v;
}

// A wall time member (unix ns, within +-2^62); `fallback` when absent.
[[nodiscard]] inline result<std::int64_t> wall_member(const json& object, const char* key, std::string_view path,
                                                      std::optional<std::int64_t> fallback) {
    const json* j = member(object, key);
    if (j == nullptr) {
        if (fallback) return *fallback;
        return ckpt_invalid(at_path(path, key), "is missing");
    }
    if (!j->is_number_integer() || (j->is_number_unsigned() && j->get<std::uint64_t>() > std::uint64_t(max_wall_ns)))
        return ckpt_invalid(at_path(path, key),
                            j->is_number() ? fmt::format("{} is not a time in unix nanoseconds", j->dump())
                                           : fmt::format("is {}, not a time in unix nanoseconds", a_type(*j)));
    const auto v = j->get<std::int64_t>();
    if (v > max_wall_ns || v < -max_wall_ns)
        return ckpt_invalid(at_path(path, key), fmt::format("{} is not a time in unix nanoseconds", v));
    return v;
}

[[nodiscard]] inline result<bool> bool_member(const json& object, const char* key, std::string_view path) {
    const json* j = member(object, key);
    if (j == nullptr) return false;
    if (!j->is_boolean()) return ckpt_invalid(at_path(path, key), fmt::format("is {}, not a boolean", a_type(*j)));
    return j->get<bool>();
}

[[nodiscard]] inline result<ipv4_address> address_member(const json& object, const char* key, std::string_view path) {
    auto text = string_member(object, key, path, true);
    if (!text) return text.error();
    auto a = ipv4_address::parse(*text);
    if (!a) return ckpt_invalid(at_path(path, key), fmt::format("\"{}\": {}", *text, a.error().message()));
    return *a;
}

[[nodiscard]] inline result<ipv4_prefix> prefix_value(const json& j, std::string_view path) {
    if (!j.is_string()) return ckpt_invalid(path, fmt::format("is {}, not a CIDR string", a_type(j)));
    const auto& text = j.get_ref<const std::string&>();
    auto p = ipv4_prefix::parse(text);
    if (!p) return ckpt_invalid(path, fmt::format("\"{}\": {}", text, p.error().message()));
    return *p;
}

[[nodiscard]] inline result<const json*> array_member(const json& object, const char* key, std::string_view path,
                                                      bool required) {
    const json* j = member(object, key);
    if (j == nullptr) {
        if (required) return ckpt_invalid(at_path(path, key), "is missing");
        static const json empty = json::array();
        return &empty;
    }
    if (!j->is_array()) return ckpt_invalid(at_path(path, key), fmt::format("is {}, not an array", a_type(*j)));
    return j;
}

// The document's version must be `expected`; errc::checkpoint_version otherwise.
[[nodiscard]] inline result<void> check_format(const json& doc, std::string_view expected, std::string_view what) {
    if (!doc.is_object()) return ckpt_invalid(what, fmt::format("is {}, not a JSON object", a_type(doc)));
    const json* v = member(doc, "version");
    if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>() != expected)
        return error(errc::checkpoint_version,
                     fmt::format("{}: version is {}, expected \"{}\"", what,
                                 v == nullptr ? std::string("missing") : v->dump().substr(0, 80), expected));
    return success();
}

// Checked pool time from a wall time: pool_now + (wall - wall_now). Both wall times are
// within +-2^62 and pool_now is a real clock's reading, so the only overflow is a hostile
// pool clock; it is reported, not undefined.
[[nodiscard]] inline std::optional<timestamp> to_pool_time(std::int64_t wall, std::int64_t wall_now,
                                                           timestamp pool_now) noexcept {
    std::int64_t out = 0;
    if (__builtin_add_overflow(pool_now.count(), wall - wall_now, &out)) return std::nullopt;
    return timestamp(out);
}

[[nodiscard]] inline std::int64_t to_wall(timestamp t, std::int64_t wall_now, timestamp pool_now) noexcept {
    std::int64_t out = 0;
    if (__builtin_sub_overflow(t.count(), pool_now.count(), &out) || __builtin_add_overflow(out, wall_now, &out))
        return t < pool_now ? -max_wall_ns : max_wall_ns;
    return std::clamp(out, -max_wall_ns, max_wall_ns);
}

[[nodiscard]] inline std::int64_t unix_ns(wall_clock::time_point t) noexcept {
    return std::clamp<std::int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count(), -max_wall_ns, max_wall_ns);
}

[[nodiscard]] inline std::string sv(std::string_view s) { return std::string(s); }

// The CNI key and metadata of an allocation entry (enipool/1 and vpc-cni-ipam/1 agree).
[[nodiscard]] inline result<std::pair<cni_key, pod_metadata>> read_cni_key(const json& j, std::string_view path) {
    auto network = string_member(j, "networkName", path, true);
    if (!network) return network.error();
    auto container = string_member(j, "containerID", path, true);
    if (!container) return container.error();
    auto ifname = string_member(j, "ifName", path, true);
    if (!ifname) return ifname.error();
    auto key = cni_key::make(*network, *container, *ifname);
    if (!key) return ckpt_invalid(path, key.error().message());
    pod_metadata m;
    if (const json* md = member(j, "metadata")) {
        const auto mpath = at_path(path, "metadata");
        if (!md->is_object()) return ckpt_invalid(mpath, fmt::format("is {}, not an object", a_type(*md)));
        auto ns = string_member(*md, "k8sPodNamespace", mpath, false);
        if (!ns) return ns.error();
        auto name = string_member(*md, "k8sPodName", mpath, false);
        if (!name) return name.error();
        m = {std::move(*ns), std::move(*name)};
    }
    return std::pair<cni_key, pod_metadata>{*key, std::move(m)};
}

template <class Key>
inline constexpr bool is_cni_key = std::is_same_v<Key, cni_key>;

template <class Key>
[[nodiscard]] constexpr std::string_view key_type_name() noexcept {
    return is_cni_key<Key> ? "cni" : "integer";
}

// The key (and metadata) of an enipool/1 allocation entry for the pool's key type.
template <class Pool>
[[nodiscard]] result<std::pair<typename Pool::key_type, typename Pool::metadata_type>>
read_pool_key(const json& j, std::string_view path) {
    using key_type = typename Pool::key_type;
    if constexpr (is_cni_key<key_type>) {
        return read_cni_key(j, path);
    } else {
        static_assert(std::is_same_v<key_type, std::uint64_t>,
                      "enipool checkpoints store cni_key or std::uint64_t pod keys");
        auto k = unsigned_member(j, "key", path, std::numeric_limits<std::uint64_t>::max(), std::nullopt);
        if (!k) return k.error();
        return std::pair<key_type, typename Pool::metadata_type>{*k, {}};
    }
}

template <class Key, class Metadata>
void write_key(json& entry, const Key& key, const Metadata& metadata) {
    if constexpr (is_cni_key<Key>) {
        entry["networkName"] = sv(key.network_name());
        entry["containerID"] = sv(key.container_id());
        entry["ifName"] = sv(key.ifname());
        entry["metadata"] = {{"k8sPodNamespace", metadata.pod_namespace}, {"k8sPodName", metadata.pod_name}};
    } else {
        entry["key"] = key;
    }
}

// The document's keyType, when present, must be the pool's; errc::checkpoint_version otherwise.
template <class Pool>
[[nodiscard]] result<void> check_key_type(const json& doc) {
    const auto expected = key_type_name<typename Pool::key_type>();
    const json* kt = member(doc, "keyType");
    if (kt == nullptr || (kt->is_string() && kt->get_ref<const std::string&>() == expected)) return success();
    return error(errc::checkpoint_version, fmt::format("keyType: the file holds {} keys, the pool uses \"{}\" keys",
                                                       kt->dump().substr(0, 80), expected));
}

// Every ENI is vacant, no pod, nothing cooling or in flight.
template <class Pool>
[[nodiscard]] bool pool_is_empty(const Pool& pool) noexcept {
    return pool.allocations().empty() && pool.cooling().empty() && pool.in_flight().empty() &&
           std::all_of(pool.enis().begin(), pool.enis().end(), [](const eni& x) { return x.vacant(); });
}

template <class Pool>
[[nodiscard]] result<void> restore_enis(Pool& pool, const json& doc) {
    auto enis = array_member(doc, "enis", "", true);
    if (!enis) return enis.error();
    for (std::size_t i = 0; i < (*enis)->size(); ++i) {
        const json& j = (**enis)[i];
        const auto path = fmt::format("enis[{}]", i);
        if (!j.is_object()) return ckpt_invalid(path, fmt::format("is {}, not an object", a_type(j)));
        eni_spec spec;
        auto id = string_member(j, "id", path, true);
        if (!id) return id.error();
        if (id->empty()) return ckpt_invalid(at_path(path, "id"), "is empty");
        spec.id = std::move(*id);
        auto device = unsigned_member(j, "deviceIndex", path, 0xFFFF, std::nullopt);
        if (!device) return device.error();
        auto card = unsigned_member(j, "networkCard", path, 0xFFFF, 0);
        if (!card) return card.error();
        spec.device_index = static_cast<unsigned>(*device);
        spec.network_card = static_cast<unsigned>(*card);
        const json* subnet = member(j, "subnet");
        if (subnet == nullptr) return ckpt_invalid(at_path(path, "subnet"), "is missing");
        auto s = prefix_value(*subnet, at_path(path, "subnet"));
        if (!s) return s.error();
        spec.subnet = *s;
        auto primary = address_member(j, "primaryIp", path);
        if (!primary) return primary.error();
        if (!spec.subnet.contains(*primary))
            return ckpt_invalid(at_path(path, "primaryIp"), fmt::format("{} is outside the subnet {}", *primary, *s));
        spec.primary_ip = *primary;
        auto cidrs = array_member(j, "cidrs", path, false);
        if (!cidrs) return cidrs.error();
        for (std::size_t c = 0; c < (*cidrs)->size(); ++c) {
            const auto cpath = fmt::format("{}.cidrs[{}]", path, c);
            auto p = prefix_value((**cidrs)[c], cpath);
            if (!p) return p.error();
            if (p->length() != 28 && p->length() != 32)
                return ckpt_invalid(cpath, fmt::format("{} is neither a /28 prefix nor a /32 address", *p));
            if (!spec.subnet.contains(*p))
                return ckpt_invalid(cpath, fmt::format("{} is outside the subnet {}", *p, spec.subnet));
            spec.cidrs.push_back(*p);
        }
        if (const json* flags = member(j, "flags")) {
            const auto fpath = at_path(path, "flags");
            if (!flags->is_object()) return ckpt_invalid(fpath, fmt::format("is {}, not an object", a_type(*flags)));
            auto trunk = bool_member(*flags, "trunk", fpath);
            if (!trunk) return trunk.error();
            auto efa = bool_member(*flags, "efaOnly", fpath);
            if (!efa) return efa.error();
            auto excluded = bool_member(*flags, "excluded", fpath);
            if (!excluded) return excluded.error();
            spec.flags = eni_flags{*trunk, *efa, *excluded};
        }
        if (auto ok = pool.add_eni(spec); !ok)
            return ckpt_invalid(path, fmt::format("ENI {}: {}", spec.id, ok.error().message()));
    }
    return success();
}

// The `eni` member of an entry, when present, must name the ENI holding `address`.
template <class Pool>
[[nodiscard]] result<void> check_entry_eni(const Pool& pool, const json& j, std::string_view path, unsigned eni_index) {
    auto id = string_member(j, "eni", path, false);
    if (!id) return id.error();
    if (!id->empty() && *id != pool.enis()[eni_index].id())
        return ckpt_invalid(at_path(path, "eni"), fmt::format("says {}, but the address is on a slot of {}", *id,
                                                              pool.enis()[eni_index].id()));
    return success();
}

// Why the pool refused an address of the checkpoint, as a sentence about the file.
[[nodiscard]] inline std::string refusal(ipv4_address a, const error& e) {
    switch (e.code()) {
    case errc::address_not_in_pool:
        return fmt::format("{} is inside no slot (prefix or secondary IP) of the checkpoint's ENIs", a);
    case errc::eni_excluded:
        return fmt::format("{} is on an ENI that serves no pods (trunk, efa-only or excluded)", a);
    case errc::address_already_in_datastore:
    case errc::address_in_use: return fmt::format("{} appears twice", a);
    default: return fmt::format("{}: {}", a, e.message());
    }
}

// Adoption (`adoption` not null): addresses outside the pool's CIDRs are collected there and
// the entries' `eni` members are not compared (the caller's ENIs are authoritative).
[[nodiscard]] inline bool outside_pool(const error& e) noexcept {
    return e.code() == errc::address_not_in_pool || e.code() == errc::eni_excluded;
}

template <class Pool>
[[nodiscard]] result<void> restore_allocations(Pool& pool, const json& doc, std::int64_t wall_now, timestamp pool_now,
                                               boost::unordered_flat_set<std::uint32_t>& seen,
                                               checkpoint_adoption<Pool>* adoption = nullptr) {
    auto list = array_member(doc, "allocations", "", false);
    if (!list) return list.error();
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        const json& j = (**list)[i];
        const auto path = fmt::format("allocations[{}]", i);
        if (!j.is_object()) return ckpt_invalid(path, fmt::format("is {}, not an object", a_type(j)));
        auto key = read_pool_key<Pool>(j, path);
        if (!key) return key.error();
        auto address = address_member(j, "ipv4", path);
        if (!address) return address.error();
        auto at = wall_member(j, "allocationTimestamp", path, wall_now);
        if (!at) return at.error();
        const auto t = to_pool_time(*at, wall_now, pool_now);
        if (!t) return ckpt_invalid(at_path(path, "allocationTimestamp"), "cannot be expressed on the pool's clock");
        if (!seen.insert(address->to_uint()).second)
            return ckpt_invalid(at_path(path, "ipv4"), fmt::format("{} appears twice", *address));
        auto r = pool.restore_allocation(key->first, *address, key->second, *t);
        if (!r && adoption != nullptr && outside_pool(r.error())) {
            adoption->unmatched.push_back({key->first, key->second, *address, *at, r.error()});
            continue;
        }
        if (!r) return ckpt_invalid(at_path(path, "ipv4"), refusal(*address, r.error()));
        if (adoption != nullptr) {
            ++adoption->adopted;
            continue;
        }
        if (auto ok = check_entry_eni(pool, j, path, *pool.eni_holding(*address)); !ok) return ok;
    }
    return success();
}

template <class Pool>
[[nodiscard]] result<void> restore_cooling_list(Pool& pool, const json& doc, std::int64_t wall_now, timestamp pool_now,
                                                boost::unordered_flat_set<std::uint32_t>& seen,
                                                checkpoint_adoption<Pool>* adoption = nullptr) {
    auto list = array_member(doc, "cooling", "", false);
    if (!list) return list.error();
    struct entry {
        ipv4_address address;
        timestamp released_at;
        std::size_t index;
        std::int64_t wall_released;
    };
    std::vector<entry> entries;
    entries.reserve((*list)->size());
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        const json& j = (**list)[i];
        const auto path = fmt::format("cooling[{}]", i);
        if (!j.is_object()) return ckpt_invalid(path, fmt::format("is {}, not an object", a_type(j)));
        auto address = address_member(j, "ipv4", path);
        if (!address) return address.error();
        auto at = wall_member(j, "releasedAt", path, std::nullopt);
        if (!at) return at.error();
        auto t = to_pool_time(*at, wall_now, pool_now);
        if (!t) return ckpt_invalid(at_path(path, "releasedAt"), "cannot be expressed on the pool's clock");
        if (!seen.insert(address->to_uint()).second)
            return ckpt_invalid(at_path(path, "ipv4"), fmt::format("{} appears twice (held or cooling)", *address));
        entries.push_back({*address, std::min(*t, pool_now), i, *at});
    }
    // Oldest first, so each insertion lands at the back of the pool's FIFO: O(n log n).
    std::stable_sort(entries.begin(), entries.end(),
                     [](const entry& a, const entry& b) { return a.released_at < b.released_at; });
    const auto cooldown = pool.configuration().cooldown;
    for (const entry& e : entries) {
        const auto path = fmt::format("cooling[{}]", e.index);
        // Validated even when its cooldown has ended (a stale entry on no slot is still a
        // wrong file); an ended one leaves the FIFO at the pool's next drain.
        auto r = pool.restore_cooling(e.address, e.released_at);
        if (!r && adoption != nullptr && outside_pool(r.error())) {
            if (e.released_at + cooldown >= pool_now)
                adoption->unmatched_cooling.push_back({e.address, e.wall_released, r.error()});
            continue;
        }
        if (!r) return ckpt_invalid(at_path(path, "ipv4"), refusal(e.address, r.error()));
        if (cooldown == std::chrono::nanoseconds::zero() || adoption != nullptr) continue;
        // Inserted oldest first, so the entry is at (or next to) the back: O(1) here.
        for (std::size_t c = pool.cooling().size(); c-- > 0;)
            if (pool.cooling()[c].address == e.address) {
                if (auto ok = check_entry_eni(pool, (**list)[e.index], path, pool.cooling()[c].eni); !ok) return ok;
                break;
            }
    }
    return success();
}

} // namespace detail

/// The checkpoint document of `pool`: ENIs with their CIDRs and flags, every allocation
/// (key, metadata, address, wall-clock time, ENI) and every cooling address whose period
/// has not ended (address, wall-clock release time, ENI). Entries are sorted by address, so
/// equal pools give equal documents. `wall_now` is the wall-clock time that corresponds to
/// `pool.now()`. O(n log n) in allocations + cooling. Throws only std::bad_alloc.
template <class Pool>
[[nodiscard]] nlohmann::json to_json(const Pool& pool, wall_clock::time_point wall_now) {
    using nlohmann::json;
    const timestamp pool_now = pool.now();
    const std::int64_t wall = detail::unix_ns(wall_now);
    const auto cooldown = pool.configuration().cooldown;
    json doc = json::object();
    doc["version"] = detail::sv(checkpoint_format);
    doc["savedAt"] = wall;
    doc["keyType"] = detail::sv(detail::key_type_name<typename Pool::key_type>());
    json enis = json::array();
    for (const eni& x : pool.enis()) {
        if (x.vacant()) continue;
        json cidrs = json::array();
        for (const auto& sl : x.slots())
            if (sl.kind != slot_kind::empty) cidrs.push_back(sl.cidr().to_string());
        enis.push_back({{"id", x.id()},
                        {"deviceIndex", x.device_index()},
                        {"networkCard", x.network_card()},
                        {"subnet", x.subnet().to_string()},
                        {"primaryIp", x.primary_ip().to_string()},
                        {"cidrs", std::move(cidrs)},
                        {"flags", {{"trunk", x.flags().trunk}, {"efaOnly", x.flags().efa_only},
                                   {"excluded", x.flags().excluded}}}});
    }
    doc["enis"] = std::move(enis);

    using held_entry = std::pair<const typename Pool::key_type*, const typename Pool::allocation*>;
    std::vector<held_entry> held;
    held.reserve(pool.allocations().size() + pool.extra_holdings().size());
    for (const auto& [key, a] : pool.allocations()) held.emplace_back(&key, &a);
    std::sort(held.begin(), held.end(), [](const held_entry& x, const held_entry& y) { return x.second->address < y.second->address; });
    for (const auto& [key, a] : pool.extra_holdings()) held.emplace_back(&key, &a);  // after every first address, oldest first
    json allocations = json::array();
    for (const auto& [key, a] : held) {
        json entry = json::object();
        detail::write_key(entry, *key, a->metadata);
        entry["ipv4"] = a->address.to_string();
        entry["allocationTimestamp"] = detail::to_wall(a->assigned_at, wall, pool_now);
        entry["eni"] = pool.enis()[a->eni].id();
        allocations.push_back(std::move(entry));
    }
    doc["allocations"] = std::move(allocations);

    std::vector<typename Pool::cooling_entry> cooling;
    for (const auto& c : pool.cooling())
        if (c.released_at + cooldown >= pool_now) cooling.push_back(c);
    std::sort(cooling.begin(), cooling.end(), [](const auto& a, const auto& b) { return a.address < b.address; });
    json cool = json::array();
    for (const auto& c : cooling)
        cool.push_back({{"ipv4", c.address.to_string()},
                        {"releasedAt", detail::to_wall(c.released_at, wall, pool_now)},
                        {"eni", pool.enis()[c.eni].id()}});
    doc["cooling"] = std::move(cool);
    return doc;
}

/// Writes `pool`'s checkpoint to `path` atomically (write_file_atomically: temp file in the
/// same directory, fsync, rename, fsync of the directory): after a crash or a failure the
/// file holds the previous checkpoint or the new one, never a mix. O(n log n) plus the I/O.
/// Errors: `no_space` (ENOSPC / EDQUOT), `io_error` (the detail names the step and path),
/// `checkpoint_invalid` (a pod key or metadata string is not UTF-8; nothing is written).
template <class Pool>
[[nodiscard]] result<void> save_checkpoint(const Pool& pool, const std::string& path,
                                           wall_clock::time_point wall_now = wall_clock::now(),
                                           const atomic_write_options& options = {}) {
    std::string text;
    try {
        text = to_json(pool, wall_now).dump(1);
    } catch (const std::exception& e) {  // a pod key or metadata that is not UTF-8; bad_alloc
        return error(errc::checkpoint_invalid, fmt::format("the pool cannot be written as JSON: {}", e.what()));
    }
    text += '\n';
    return write_file_atomically(path, text, options);
}

/// Restores a checkpoint document (`enipool/1`) into `pool`, which must be empty (no ENI,
/// no pod, nothing cooling or in flight): ENIs with their CIDRs and flags, allocations with
/// their metadata and times, cooling addresses with their remaining time (wall-clock times
/// are mapped onto the pool's clock through (`wall_now`, `pool.now()`)). All-or-nothing:
/// on any error `pool` is exactly as it was. O(n log n + ENIs^2).
/// Errors: `checkpoint_version` (not `enipool/1`, or another key type), `checkpoint_invalid`
/// with "<JSON path>: <reason>" (malformed JSON, nesting deeper than 32, a number out of
/// range or of the wrong type, a CIDR misaligned / outside its subnet / overlapping, an
/// address on no slot of the checkpoint's ENIs, an address twice, more pods than max pods,
/// the target pool not empty). A key listed twice keeps both addresses (see the format
/// notes above). Throws only std::bad_alloc.
template <class Pool, class Json>
    requires std::same_as<Json, nlohmann::json>  // so that a std::string argument means text
[[nodiscard]] result<void> restore_checkpoint(Pool& pool, const Json& doc,
                                              wall_clock::time_point wall_now = wall_clock::now()) {
    if (auto ok = detail::check_format(doc, checkpoint_format, "checkpoint"); !ok) return ok;
    if (auto ok = detail::check_key_type<Pool>(doc); !ok) return ok;
    if (auto saved = detail::wall_member(doc, "savedAt", "", 0); !saved) return saved.error();
    if (!detail::pool_is_empty(pool))
        return error(errc::checkpoint_invalid, "the pool to restore into already holds ENIs, pods or actions; "
                                               "restore needs an empty pool");
    Pool work = pool;  // an empty pool: cheap to copy; `pool` is replaced only on success
    const std::int64_t wall = detail::unix_ns(wall_now);
    const timestamp pool_now = work.now();
    boost::unordered_flat_set<std::uint32_t> seen;
    if (auto ok = detail::restore_enis(work, doc); !ok) return ok;
    if (auto ok = detail::restore_allocations(work, doc, wall, pool_now, seen); !ok) return ok;
    if (auto ok = detail::restore_cooling_list(work, doc, wall, pool_now, seen); !ok) return ok;
    pool = std::move(work);
    return success();
}

/// `restore_checkpoint` from the text of a checkpoint file. O(text + n log n).
/// Errors: as above; malformed JSON and nesting deeper than 32 are `checkpoint_invalid`.
template <class Pool>
[[nodiscard]] result<void> restore_checkpoint(Pool& pool, std::string_view text,
                                              wall_clock::time_point wall_now = wall_clock::now()) {
    auto doc = detail::parse_checkpoint_json(text, "checkpoint");
    if (!doc) return doc.error();
    return restore_checkpoint(pool, *doc, wall_now);
}

/// Builds a pool from `cfg` on `clk` and restores the checkpoint `text` into it.
/// Errors: those of `Pool::create` and of `restore_checkpoint`.
template <class Pool>
[[nodiscard]] result<Pool> restore_checkpoint(typename Pool::config cfg, typename Pool::clock_type& clk,
                                              std::string_view text,
                                              wall_clock::time_point wall_now = wall_clock::now()) {
    auto pool = Pool::create(std::move(cfg), clk);
    if (!pool) return pool.error();
    if (auto ok = restore_checkpoint(*pool, text, wall_now); !ok) return ok.error();
    return std::move(*pool);
}

/// Reads the checkpoint file at `path` and restores it into the empty `pool`.
/// Errors: `io_error` (the file cannot be read), then those of `restore_checkpoint` with
/// the path in front of the detail.
template <class Pool>
[[nodiscard]] result<void> restore_checkpoint_file(Pool& pool, const std::string& path,
                                                   wall_clock::time_point wall_now = wall_clock::now()) {
    auto text = read_file(path);
    if (!text) return text.error();
    if (auto ok = restore_checkpoint(pool, std::string_view(*text), wall_now); !ok)
        return error(ok.error().code(), fmt::format("{}: {}", path, ok.error().detail()));
    return success();
}

/// Adopts the pods and cooling addresses of an `enipool/1` checkpoint into a pool whose
/// ENIs come from elsewhere (a CNI config, EC2 at start-up); the file's `enis` are ignored.
/// What lies outside the pool's CIDRs (capacity removed meanwhile) is returned in
/// `unmatched` / `unmatched_cooling` with the reason, never dropped; cooling entries whose
/// period has ended are dropped. All-or-nothing: on error the pool is as it was (the pool
/// is copied: O(pool) + O(n log n)).
/// A key listed twice, or a key the pool already holds under another address, keeps every
/// address (node_pool::restore_allocation).
/// Errors: `checkpoint_version`, `checkpoint_invalid` (malformed entries, an address twice,
/// an address the pool holds for another pod or cools).
template <class Pool>
[[nodiscard]] result<checkpoint_adoption<Pool>> adopt_checkpoint(Pool& pool, std::string_view text,
                                                                 wall_clock::time_point wall_now = wall_clock::now()) {
    auto doc = detail::parse_checkpoint_json(text, "checkpoint");
    if (!doc) return doc.error();
    if (auto ok = detail::check_format(*doc, checkpoint_format, "checkpoint"); !ok) return ok.error();
    if (auto ok = detail::check_key_type<Pool>(*doc); !ok) return ok.error();
    Pool work = pool;
    const std::int64_t wall = detail::unix_ns(wall_now);
    const timestamp pool_now = work.now();
    boost::unordered_flat_set<std::uint32_t> seen;
    checkpoint_adoption<Pool> out;
    if (auto ok = detail::restore_allocations(work, *doc, wall, pool_now, seen, &out); !ok) return ok.error();
    if (auto ok = detail::restore_cooling_list(work, *doc, wall, pool_now, seen, &out); !ok) return ok.error();
    pool = std::move(work);
    return out;
}

// --- VPC CNI import -------------------------------------------------------------------

/// An allocation of a VPC CNI ipam.json that the pool could not adopt.
struct vpc_cni_allocation {
    cni_key key;
    pod_metadata metadata;
    std::string address;                 ///< the ipv4 (or ipv6) text as written
    std::int64_t allocation_timestamp{}; ///< unix ns, 0 when the file has none
    error reason;                        ///< address_not_in_pool, eni_excluded, or "IPv6 is not handled"
};

/// What `import_vpc_cni` did.
struct vpc_cni_import {
    std::size_t adopted = 0;                    ///< allocations now held in the pool
    std::vector<vpc_cni_allocation> unmatched;  ///< not adopted: returned, never dropped
};

/// How `import_vpc_cni` treats what ipamd restores but enipool might not. Both default to
/// ipamd's ReadBackingStore (data_store.go L348-423 at b52188387f2e).
struct vpc_cni_import_options {
    /// ipamd restores a key listed twice with both addresses held (it never checks keys;
    /// each DEL then frees one). true: the file is refused with `checkpoint_invalid` naming
    /// the second entry, because a key twice means two writers or a hand edit.
    bool refuse_duplicate_keys = false;
    /// ipamd restores an allocation on any ENI of its datastore, excluded ones included
    /// (L381-408). true: an allocation on an ENI that serves no pods is returned in
    /// `unmatched` with `eni_excluded` and left free, so that the caller decides, because a
    /// pod on an excluded ENI keeps an address the operator took away from pods.
    bool skip_unserved_enis = false;
};

/// Adopts the allocations of a VPC CNI checkpoint (`vpc-cni-ipam/1`, ipam.json) into a
/// pool that already holds the node's ENIs and CIDRs, as ipamd's ReadBackingStore does:
/// each allocation gets its address (node_pool::restore_allocation) with its metadata and
/// time (wall-clock, mapped through `wall_now` / `pool.now()`), on any ENI of the pool
/// (one serving no pods included), and a key listed twice keeps both addresses. Where
/// ipamd logs "presuming stale/dead" and drops an allocation (its address on no known
/// CIDR, or IPv6), enipool returns it in `unmatched` with the reason. `options` turns on
/// enipool's stricter handling. All-or-nothing: on error the pool is as it was. An
/// allocation the pool already holds for the same key is counted as adopted. O(n) hash
/// operations.
/// Errors: `checkpoint_version` (not vpc-cni-ipam/1), `checkpoint_invalid` naming the entry
/// ("allocations[2].ipv4: ...") for malformed JSON, deep nesting, a wrong type, an address
/// twice (ipamd's IPAlreadyInStoreError), an address the pool holds for another pod or
/// cools, or (with refuse_duplicate_keys) a key twice.
template <class Pool>
[[nodiscard]] result<vpc_cni_import> import_vpc_cni(Pool& pool, std::string_view text,
                                                    wall_clock::time_point wall_now = wall_clock::now(),
                                                    const vpc_cni_import_options& options = {}) {
    static_assert(detail::is_cni_key<typename Pool::key_type>, "import_vpc_cni needs a pool keyed by enipool::cni_key");
    auto doc = detail::parse_checkpoint_json(text, "ipam.json");
    if (!doc) return doc.error();
    if (auto ok = detail::check_format(*doc, vpc_cni_format, "ipam.json"); !ok) return ok.error();
    auto list = detail::array_member(*doc, "allocations", "", false);
    if (!list) return list.error();
    const std::int64_t wall = detail::unix_ns(wall_now);
    Pool work = pool;
    const timestamp pool_now = work.now();
    vpc_cni_import out;
    boost::unordered_flat_set<cni_key, boost::hash<cni_key>> keys;
    boost::unordered_flat_set<std::string> addresses;
    for (std::size_t i = 0; i < (*list)->size(); ++i) {
        const nlohmann::json& j = (**list)[i];
        const auto path = fmt::format("allocations[{}]", i);
        if (!j.is_object()) return detail::ckpt_invalid(path, fmt::format("is {}, not an object", detail::a_type(j)));
        auto key = detail::read_cni_key(j, path);
        if (!key) return key.error();
        if (!keys.insert(key->first).second && options.refuse_duplicate_keys)
            return detail::ckpt_invalid(path, fmt::format("the pod key {} appears twice", key->first));
        auto at = detail::wall_member(j, "allocationTimestamp", path, 0);
        if (!at) return at.error();
        const nlohmann::json* v4 = detail::member(j, "ipv4");
        if (v4 == nullptr) {
            auto v6 = detail::string_member(j, "ipv6", path, false);
            if (!v6) return v6.error();
            if (v6->empty()) return detail::ckpt_invalid(path, "has neither ipv4 nor ipv6");
            auto a6 = ipv6_address::parse(*v6);
            if (!a6) return detail::ckpt_invalid(detail::at_path(path, "ipv6"), fmt::format("\"{}\": {}", *v6, a6.error().message()));
            if (!addresses.insert(a6->to_string()).second)
                return detail::ckpt_invalid(detail::at_path(path, "ipv6"), fmt::format("{} appears twice", *v6));
            out.unmatched.push_back({key->first, key->second, *v6, *at,
                                     error(errc::address_not_in_pool, "IPv6 allocations are not handled by the pool")});
            continue;
        }
        auto address = detail::address_member(j, "ipv4", path);
        if (!address) return address.error();
        if (!addresses.insert(address->to_string()).second)
            return detail::ckpt_invalid(detail::at_path(path, "ipv4"), fmt::format("{} appears twice", *address));
        const auto t = *at == 0 ? std::optional<timestamp>(pool_now) : detail::to_pool_time(*at, wall, pool_now);
        if (!t) return detail::ckpt_invalid(detail::at_path(path, "allocationTimestamp"), "cannot be expressed on the pool's clock");
        if (options.skip_unserved_enis)
            if (const auto e = work.eni_holding(*address); e && !work.enis()[*e].serves_pods()) {
                out.unmatched.push_back({key->first, key->second, address->to_string(), *at, error(errc::eni_excluded)});
                continue;
            }
        auto r = work.restore_allocation(key->first, *address, key->second, *t);
        if (r) {
            ++out.adopted;
        } else if (r.error().code() == errc::address_not_in_pool) {
            out.unmatched.push_back({key->first, key->second, address->to_string(), *at, r.error()});
        } else {
            return detail::ckpt_invalid(detail::at_path(path, "ipv4"),
                                        fmt::format("{} for {}: {}", *address, key->first, r.error().message()));
        }
    }
    pool = std::move(work);
    return out;
}

} // namespace enipool
