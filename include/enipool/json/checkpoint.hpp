// enipool/json/checkpoint.hpp: save and restore of a node pool (`enipool/1` JSON) and import of a VPC CNI ipam.json.
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
#include <enipool/json/detail/read.hpp>
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

// The wording of checkpoint and ipam.json errors ("enis: is an object, not an array").
inline constexpr json_wording checkpoint_wording{
    errc::checkpoint_invalid, "is missing", "is {1}, not {3}", "is {1}, not {3}", "a boolean",
    "is {1} ({0}), not an unsigned integer", "is negative ({0}); an unsigned number is required",
    "{0} exceeds the largest allowed value {1}"};

// Largest |unix ns| accepted on disk: about year 2116 (keeps every conversion in range).
inline constexpr std::int64_t max_wall_ns = std::int64_t{1} << 62;

// Parses a checkpoint document named `what` ("checkpoint", "ipam.json"). Errors:
// checkpoint_invalid for nesting deeper than checkpoint_max_depth, for the parser's errors
// (position and reason) and for numbers out of range.
[[nodiscard]] inline result<json> parse_checkpoint_json(std::string_view text, std::string_view what) {
    return parse_json(text, errc::checkpoint_invalid, fmt::format("{}: ", what), checkpoint_max_depth);
}

// A wall time (unix ns, within +-2^62); `fallback` when absent.
[[nodiscard]] inline result<std::int64_t> read_wall(const json_node& n, std::optional<std::int64_t> fallback) {
    if (!n.present()) {
        if (fallback) return *fallback;
        return n.missing();
    }
    const json& j = n.json();
    if (!j.is_number_integer() || (j.is_number_unsigned() && j.get<std::uint64_t>() > std::uint64_t(max_wall_ns)))
        return n.fail(j.is_number() ? fmt::format("{} is not a time in unix nanoseconds", n.shown())
                                    : fmt::format("is {}, not a time in unix nanoseconds", n.a_type()));
    const auto v = j.get<std::int64_t>();
    if (v > max_wall_ns || v < -max_wall_ns) return n.fail(fmt::format("{} is not a time in unix nanoseconds", v));
    return v;
}

// A parse error as checkpoint messages give it: the quoted text, then the parser's message.
inline constexpr auto quoted_reason = [](std::string_view text, const error& e) {
    return fmt::format("\"{}\": {}", text, e.message());
};

[[nodiscard]] inline result<ipv4_address> read_ipv4(const json_node& n) {
    return n.parsed([](std::string_view t) { return ipv4_address::parse(t); }, quoted_reason);
}

[[nodiscard]] inline result<ipv4_prefix> read_prefix(const json_node& n) {
    return n.parsed([](std::string_view t) { return ipv4_prefix::parse(t); }, quoted_reason, "a CIDR string");
}

// The document's version must be `expected`; errc::checkpoint_version otherwise.
[[nodiscard]] inline result<void> check_format(const json_node& doc, std::string_view expected) {
    if (!doc.json().is_object()) return doc.fail(fmt::format("is {}, not a JSON object", doc.a_type()));
    const json_node v = doc.member("version");
    if (!v.present() || !v.json().is_string() || v.json().get_ref<const std::string&>() != expected)
        return error(errc::checkpoint_version,
                     fmt::format("{}: version is {}, expected \"{}\"", doc.where(),
                                 v.present() ? v.json().dump().substr(0, 80) : std::string("missing"), expected));
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
[[nodiscard]] inline result<std::pair<cni_key, pod_metadata>> read_cni_key(const json_node& entry) {
    auto network = entry.member("networkName").string();
    if (!network) return network.error();
    auto container = entry.member("containerID").string();
    if (!container) return container.error();
    auto ifname = entry.member("ifName").string();
    if (!ifname) return ifname.error();
    auto key = cni_key::make(*network, *container, *ifname);
    if (!key) return entry.fail(key.error().message());
    pod_metadata m;
    const json_node md = entry.member("metadata");
    auto has_metadata = md.optional_object();
    if (!has_metadata) return has_metadata.error();
    if (*has_metadata) {
        auto ns = md.member("k8sPodNamespace").optional_string();
        if (!ns) return ns.error();
        auto name = md.member("k8sPodName").optional_string();
        if (!name) return name.error();
        m = {std::string(ns->value_or("")), std::string(name->value_or(""))};
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
read_pool_key(const json_node& entry) {
    using key_type = typename Pool::key_type;
    if constexpr (is_cni_key<key_type>) {
        return read_cni_key(entry);
    } else {
        static_assert(std::is_same_v<key_type, std::uint64_t>,
                      "enipool checkpoints store cni_key or std::uint64_t pod keys");
        auto k = entry.member("key").unsigned_integer(std::numeric_limits<std::uint64_t>::max());
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
[[nodiscard]] result<void> check_key_type(const json_node& doc) {
    const auto expected = key_type_name<typename Pool::key_type>();
    const json_node kt = doc.member("keyType");
    if (!kt.present() || (kt.json().is_string() && kt.json().get_ref<const std::string&>() == expected))
        return success();
    return error(errc::checkpoint_version, fmt::format("keyType: the file holds {} keys, the pool uses \"{}\" keys",
                                                       kt.shown(), expected));
}

// Every ENI is vacant, no pod, nothing cooling or in flight.
template <class Pool>
[[nodiscard]] bool pool_is_empty(const Pool& pool) noexcept {
    return pool.allocations().empty() && pool.cooling().empty() && pool.in_flight().empty() &&
           std::all_of(pool.enis().begin(), pool.enis().end(), [](const eni& x) { return x.vacant(); });
}

template <class Pool>
[[nodiscard]] result<void> restore_enis(Pool& pool, const json_node& doc) {
    return doc.member("enis").for_each([&](const json_node& entry) -> result<void> {
        if (auto ok = entry.object(); !ok) return ok;
        eni_spec spec;
        auto id = entry.member("id").string();
        if (!id) return id.error();
        if (id->empty()) return entry.member("id").fail("is empty");
        spec.id = std::string(*id);
        auto device = entry.member("deviceIndex").unsigned_integer(0xFFFF);
        if (!device) return device.error();
        auto card = entry.member("networkCard").optional_unsigned(0xFFFF);
        if (!card) return card.error();
        spec.device_index = static_cast<unsigned>(*device);
        spec.network_card = static_cast<unsigned>(card->value_or(0));
        auto s = read_prefix(entry.member("subnet"));
        if (!s) return s.error();
        spec.subnet = *s;
        auto primary = read_ipv4(entry.member("primaryIp"));
        if (!primary) return primary.error();
        if (!spec.subnet.contains(*primary))
            return entry.member("primaryIp").fail(fmt::format("{} is outside the subnet {}", *primary, *s));
        spec.primary_ip = *primary;
        auto cidrs = entry.member("cidrs").for_each([&](const json_node& cidr) -> result<void> {
            auto p = read_prefix(cidr);
            if (!p) return p.error();
            if (p->length() != 28 && p->length() != 32)
                return cidr.fail(fmt::format("{} is neither a /28 prefix nor a /32 address", *p));
            if (!spec.subnet.contains(*p)) return cidr.fail(fmt::format("{} is outside the subnet {}", *p, spec.subnet));
            spec.cidrs.push_back(*p);
            return success();
        });
        if (!cidrs) return cidrs;
        const json_node flags = entry.member("flags");
        auto has_flags = flags.optional_object();
        if (!has_flags) return has_flags.error();
        if (*has_flags) {
            auto trunk = flags.member("trunk").boolean(false);
            if (!trunk) return trunk.error();
            auto efa = flags.member("efaOnly").boolean(false);
            if (!efa) return efa.error();
            auto excluded = flags.member("excluded").boolean(false);
            if (!excluded) return excluded.error();
            spec.flags = eni_flags{*trunk, *efa, *excluded};
        }
        if (auto ok = pool.add_eni(spec); !ok) return entry.fail(fmt::format("ENI {}: {}", spec.id, ok.error().message()));
        return success();
    }, true);
}

// The `eni` member of an entry, when present, must name the ENI holding `address`.
template <class Pool>
[[nodiscard]] result<void> check_entry_eni(const Pool& pool, const json_node& entry, unsigned eni_index) {
    auto id = entry.member("eni").optional_string();
    if (!id) return id.error();
    if (*id && !(*id)->empty() && **id != pool.enis()[eni_index].id())
        return entry.member("eni").fail(fmt::format("says {}, but the address is on a slot of {}", **id,
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
[[nodiscard]] result<void> restore_allocations(Pool& pool, const json_node& doc, std::int64_t wall_now, timestamp pool_now,
                                               boost::unordered_flat_set<std::uint32_t>& seen,
                                               checkpoint_adoption<Pool>* adoption = nullptr) {
    return doc.member("allocations").for_each([&](const json_node& entry) -> result<void> {
        if (auto ok = entry.object(); !ok) return ok;
        auto key = read_pool_key<Pool>(entry);
        if (!key) return key.error();
        auto address = read_ipv4(entry.member("ipv4"));
        if (!address) return address.error();
        auto at = read_wall(entry.member("allocationTimestamp"), wall_now);
        if (!at) return at.error();
        const auto t = to_pool_time(*at, wall_now, pool_now);
        if (!t) return entry.member("allocationTimestamp").fail("cannot be expressed on the pool's clock");
        if (!seen.insert(address->to_uint()).second)
            return entry.member("ipv4").fail(fmt::format("{} appears twice", *address));
        auto r = pool.restore_allocation(key->first, *address, key->second, *t);
        if (!r && adoption != nullptr && outside_pool(r.error())) {
            adoption->unmatched.push_back({key->first, key->second, *address, *at, r.error()});
            return success();
        }
        if (!r) return entry.member("ipv4").fail(refusal(*address, r.error()));
        if (adoption != nullptr) {
            ++adoption->adopted;
            return success();
        }
        return check_entry_eni(pool, entry, *pool.eni_holding(*address));
    });
}

template <class Pool>
[[nodiscard]] result<void> restore_cooling_list(Pool& pool, const json_node& doc, std::int64_t wall_now, timestamp pool_now,
                                                boost::unordered_flat_set<std::uint32_t>& seen,
                                                checkpoint_adoption<Pool>* adoption = nullptr) {
    const json_node list = doc.member("cooling");
    struct entry {
        ipv4_address address;
        timestamp released_at;
        std::size_t index;
        std::int64_t wall_released;
    };
    std::vector<entry> entries;
    auto read = list.for_each([&](const json_node& item) -> result<void> {
        if (auto ok = item.object(); !ok) return ok;
        auto address = read_ipv4(item.member("ipv4"));
        if (!address) return address.error();
        auto at = read_wall(item.member("releasedAt"), std::nullopt);
        if (!at) return at.error();
        auto t = to_pool_time(*at, wall_now, pool_now);
        if (!t) return item.member("releasedAt").fail("cannot be expressed on the pool's clock");
        if (!seen.insert(address->to_uint()).second)
            return item.member("ipv4").fail(fmt::format("{} appears twice (held or cooling)", *address));
        entries.push_back({*address, std::min(*t, pool_now), entries.size(), *at});
        return success();
    });
    if (!read) return read;
    // Oldest first, so each insertion lands at the back of the pool's FIFO: O(n log n).
    std::stable_sort(entries.begin(), entries.end(),
                     [](const entry& a, const entry& b) { return a.released_at < b.released_at; });
    const auto cooldown = pool.configuration().cooldown;
    for (const entry& e : entries) {
        const json_node item = list.at(e.index);
        // Validated even when its cooldown has ended (a stale entry on no slot is still a
        // wrong file); an ended one leaves the FIFO at the pool's next drain.
        auto r = pool.restore_cooling(e.address, e.released_at);
        if (!r && adoption != nullptr && outside_pool(r.error())) {
            if (e.released_at + cooldown >= pool_now)
                adoption->unmatched_cooling.push_back({e.address, e.wall_released, r.error()});
            continue;
        }
        if (!r) return item.member("ipv4").fail(refusal(e.address, r.error()));
        if (cooldown == std::chrono::nanoseconds::zero() || adoption != nullptr) continue;
        // Inserted oldest first, so the entry is at (or next to) the back: O(1) here.
        for (std::size_t c = pool.cooling().size(); c-- > 0;)
            if (pool.cooling()[c].address == e.address) {
                if (auto ok = check_entry_eni(pool, item, pool.cooling()[c].eni); !ok) return ok;
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
    const detail::json_node root(doc, detail::checkpoint_wording, "checkpoint");
    if (auto ok = detail::check_format(root, checkpoint_format); !ok) return ok;
    if (auto ok = detail::check_key_type<Pool>(root); !ok) return ok;
    if (auto saved = detail::read_wall(root.member("savedAt"), 0); !saved) return saved.error();
    if (!detail::pool_is_empty(pool))
        return error(errc::checkpoint_invalid, "the pool to restore into already holds ENIs, pods or actions; "
                                               "restore needs an empty pool");
    Pool work = pool;  // an empty pool: cheap to copy; `pool` is replaced only on success
    const std::int64_t wall = detail::unix_ns(wall_now);
    const timestamp pool_now = work.now();
    boost::unordered_flat_set<std::uint32_t> seen;
    if (auto ok = detail::restore_enis(work, root); !ok) return ok;
    if (auto ok = detail::restore_allocations(work, root, wall, pool_now, seen); !ok) return ok;
    if (auto ok = detail::restore_cooling_list(work, root, wall, pool_now, seen); !ok) return ok;
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
    const detail::json_node root(*doc, detail::checkpoint_wording, "checkpoint");
    if (auto ok = detail::check_format(root, checkpoint_format); !ok) return ok.error();
    if (auto ok = detail::check_key_type<Pool>(root); !ok) return ok.error();
    Pool work = pool;
    const std::int64_t wall = detail::unix_ns(wall_now);
    const timestamp pool_now = work.now();
    boost::unordered_flat_set<std::uint32_t> seen;
    checkpoint_adoption<Pool> out;
    if (auto ok = detail::restore_allocations(work, root, wall, pool_now, seen, &out); !ok) return ok.error();
    if (auto ok = detail::restore_cooling_list(work, root, wall, pool_now, seen, &out); !ok) return ok.error();
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
    const detail::json_node root(*doc, detail::checkpoint_wording, "ipam.json");
    if (auto ok = detail::check_format(root, vpc_cni_format); !ok) return ok.error();
    const detail::json_node list = root.member("allocations");
    auto count = list.optional_array();
    if (!count) return count.error();
    const std::int64_t wall = detail::unix_ns(wall_now);
    Pool work = pool;
    const timestamp pool_now = work.now();
    vpc_cni_import out;
    boost::unordered_flat_set<cni_key, boost::hash<cni_key>> keys;
    boost::unordered_flat_set<std::string> addresses;
    for (std::size_t i = 0; i < *count; ++i) {
        const detail::json_node entry = list.at(i);
        if (auto ok = entry.object(); !ok) return ok.error();
        auto key = detail::read_cni_key(entry);
        if (!key) return key.error();
        if (!keys.insert(key->first).second && options.refuse_duplicate_keys)
            return entry.fail(fmt::format("the pod key {} appears twice", key->first));
        auto at = detail::read_wall(entry.member("allocationTimestamp"), 0);
        if (!at) return at.error();
        if (!entry.member("ipv4").present()) {
            const detail::json_node ipv6 = entry.member("ipv6");
            auto v6 = ipv6.optional_string();
            if (!v6) return v6.error();
            if (!*v6 || (*v6)->empty()) return entry.fail("has neither ipv4 nor ipv6");
            auto a6 = ipv6_address::parse(**v6);
            if (!a6) return ipv6.fail(fmt::format("\"{}\": {}", **v6, a6.error().message()));
            if (!addresses.insert(a6->to_string()).second) return ipv6.fail(fmt::format("{} appears twice", **v6));
            out.unmatched.push_back({key->first, key->second, std::string(**v6), *at,
                                     error(errc::address_not_in_pool, "IPv6 allocations are not handled by the pool")});
            continue;
        }
        auto address = detail::read_ipv4(entry.member("ipv4"));
        if (!address) return address.error();
        if (!addresses.insert(address->to_string()).second)
            return entry.member("ipv4").fail(fmt::format("{} appears twice", *address));
        const auto t = *at == 0 ? std::optional<timestamp>(pool_now) : detail::to_pool_time(*at, wall, pool_now);
        if (!t) return entry.member("allocationTimestamp").fail("cannot be expressed on the pool's clock");
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
            return entry.member("ipv4").fail(fmt::format("{} for {}: {}", *address, key->first, r.error().message()));
        }
    }
    pool = std::move(work);
    return out;
}

} // namespace enipool
