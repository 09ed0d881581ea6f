// enipool/json/cni_config.hpp: the network configuration a CNI runtime passes to the
// enipool-cni IPAM plugin on stdin (cniVersion, name, type, the `ipam` section).
//
// The `ipam` section describes the node's capacity as an agent obtained it from EC2:
//
//     "ipam": {
//       "type": "enipool-cni",
//       "dataDir": "/var/lib/enipool/podnet",
//       "subnet": "100.64.0.0/16",
//       "gateway": "100.64.0.1",              (default: the subnet's base + 1, the VPC router)
//       "cooldownSeconds": 30,                (default 30)
//       "enis": [{"id": "eni-1", "primaryIp": "100.64.0.10",
//                 "prefixes": ["100.64.1.0/28"], "secondaryIps": ["100.64.0.11"]}],
//       "routes": [{"dst": "0.0.0.0/0"}],
//       "importVpcCni": "/var/run/aws-node/ipam.json"   (optional)
//     }
//
// Parsing never throws: every rejection is an `error` whose detail names the JSON path and
// the reason (`ipam.enis[0].prefixes[1]: '100.64.1.1/28' is not an aligned /28 ...`).
// Fields this plugin does not know (args, runtimeConfig, capabilities, ...) are ignored,
// as the CNI spec asks.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/json/detail/read.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace enipool::cni {

/// The CNI spec versions this plugin speaks, oldest first (result formats differ: 0.4.0
/// puts `"version": "4"` into each `ips` entry, 1.0.0 does not).
inline constexpr std::array<std::string_view, 2> supported_versions{"0.4.0", "1.0.0"};

/// True when `version` is one of `supported_versions`. O(1).
[[nodiscard]] constexpr bool is_supported_version(std::string_view version) noexcept {
    return std::find(supported_versions.begin(), supported_versions.end(), version) !=
           supported_versions.end();
}

/// Most slots one ENI can have besides its primary IP (EC2's largest
/// Ipv4AddressesPerInterface, 64, minus the primary).
inline constexpr std::size_t max_slots_per_eni = 63;

/// One ENI of the node: its primary IP (never handed to pods) and the CIDRs it holds.
struct eni_config {
    std::string id;
    ipv4_address primary_ip;
    std::vector<ipv4_prefix> prefixes;       ///< aligned /28s inside the subnet
    std::vector<ipv4_address> secondary_ips; ///< /32s inside the subnet
    friend bool operator==(const eni_config&, const eni_config&) = default;
};

/// A route the container gets (`gw` absent: the runtime's default, the gateway).
struct route {
    ipv4_prefix dst;
    std::optional<ipv4_address> gw;
    friend bool operator==(const route&, const route&) = default;
};

/// The `ipam` section.
struct ipam_config {
    std::string type;
    std::string data_dir;
    ipv4_prefix subnet;
    ipv4_address gateway;
    std::chrono::seconds cooldown{30};
    std::vector<eni_config> enis;
    std::vector<route> routes;
    std::optional<std::string> import_vpc_cni; ///< path of a VPC CNI ipam.json to adopt
    friend bool operator==(const ipam_config&, const ipam_config&) = default;
};

/// The whole network configuration (only what the IPAM plugin reads).
struct network_config {
    std::string cni_version;
    std::string name;
    std::string type;
    ipam_config ipam;
    nlohmann::json prev_result; ///< `prevResult` (CHECK, and ADD in chains); null when absent
};

namespace detail {

using enipool::detail::json_node;
using enipool::detail::json_wording;
using enipool::detail::parse_json;

// The wording of network config errors ("ipam.enis: expected an array, found object").
inline constexpr json_wording config_wording{
    errc::malformed_config, "is required", "expected {3}, found {2}", "expected {3}, found {2}", "a boolean",
    "expected a whole number >= 0, found {2}", "expected a whole number >= 0, found {0}",
    "{0} exceeds the largest allowed value {1}"};

// A required address that must lie inside `subnet`.
// A parse error as config messages give it: the parser's detail ("'x' at offset 0: ...").
inline constexpr auto detail_reason = [](std::string_view, const error& e) { return e.detail(); };
inline constexpr auto parse_ipv4 = [](std::string_view t) { return ipv4_address::parse(t); };

[[nodiscard]] inline result<ipv4_address> address_in(const json_node& n, const ipv4_prefix& subnet) {
    auto a = n.parsed(parse_ipv4, detail_reason, "an IPv4 address string");
    if (!a) return a.error();
    if (!subnet.contains(*a)) return n.fail(fmt::format("{} is outside the subnet {}", *a, subnet));
    return *a;
}

// Spec: a network name starts with an alphanumeric and continues with [A-Za-z0-9_.-].
[[nodiscard]] constexpr bool is_name_char(char c, bool first) noexcept {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return alnum || (!first && (c == '_' || c == '.' || c == '-'));
}

[[nodiscard]] constexpr bool is_valid_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!is_name_char(name[i], i == 0)) return false;
    return true;
}

// Where each configured address came from, to name both ends of an overlap.
struct claimed_range {
    ipv4_prefix range;
    std::string path;
};

[[nodiscard]] inline result<void> claim(std::vector<claimed_range>& claimed, ipv4_prefix range,
                                        const json_node& at) {
    for (const auto& c : claimed)
        if (c.range.overlaps(range)) return at.fail(fmt::format("{} overlaps {} of {}", range, c.range, c.path));
    claimed.push_back({range, at.where()});
    return success();
}

[[nodiscard]] inline result<void> check_not_reserved(ipv4_address a, const ipv4_prefix& subnet,
                                                     const json_node& at) {
    const auto offset = a.to_uint() - subnet.base().to_uint();
    if (offset < 4 || a == subnet.last())
        return at.fail(fmt::format("{} is one of the 5 addresses EC2 reserves in {} "
                                   "(the first four and the last)",
                                   a, subnet));
    return success();
}

// An address of an ENI (primary or secondary): inside the subnet, not reserved, not claimed.
[[nodiscard]] inline result<ipv4_address> eni_address(const json_node& n, const ipv4_prefix& subnet,
                                                      std::vector<claimed_range>& claimed) {
    auto a = address_in(n, subnet);
    if (!a) return a.error();
    if (auto r = check_not_reserved(*a, subnet, n); !r) return r.error();
    if (auto r = claim(claimed, ipv4_prefix::truncate(*a, 32), n); !r) return r.error();
    return *a;
}

[[nodiscard]] inline result<ipv4_prefix> eni_prefix(const json_node& n, const ipv4_prefix& subnet,
                                                    std::vector<claimed_range>& claimed) {
    auto text = n.string("a /28 prefix string");
    if (!text) return text.error();
    auto parts = ipv4_prefix::parse_interface(*text);
    if (!parts) return n.fail(parts.error().detail());
    if (parts->length != 28) return n.fail(fmt::format("'{}' is a /{}; prefixes must be /28", *text, parts->length));
    if (!ipv4_prefix::is_aligned(parts->address, 28))
        return n.fail(fmt::format("'{}' is not an aligned /28 (did you mean {}?)", *text,
                                  ipv4_prefix::truncate(parts->address, 28)));
    const auto prefix = ipv4_prefix::truncate(parts->address, 28);
    if (!subnet.contains(prefix)) return n.fail(fmt::format("{} is outside the subnet {}", prefix, subnet));
    if (auto r = check_not_reserved(prefix.first(), subnet, n); !r) return r.error();
    if (auto r = check_not_reserved(prefix.last(), subnet, n); !r) return r.error();
    if (auto r = claim(claimed, prefix, n); !r) return r.error();
    return prefix;
}

[[nodiscard]] inline result<eni_config> parse_eni(const json_node& n, const ipv4_prefix& subnet,
                                                  std::vector<claimed_range>& claimed) {
    if (auto ok = n.object(); !ok) return ok.error();
    eni_config eni;
    auto id = n.member("id").string();
    if (!id) return id.error();
    if (id->empty()) return n.member("id").fail("must not be empty");
    eni.id = std::string(*id);

    auto p = eni_address(n.member("primaryIp"), subnet, claimed);
    if (!p) return p.error();
    eni.primary_ip = *p;

    auto prefixes = n.member("prefixes").append_each(
        eni.prefixes, [&](const json_node& item) { return eni_prefix(item, subnet, claimed); });
    if (!prefixes) return prefixes.error();
    auto ips = n.member("secondaryIps").append_each(
        eni.secondary_ips, [&](const json_node& item) { return eni_address(item, subnet, claimed); });
    if (!ips) return ips.error();
    const std::size_t slots = eni.prefixes.size() + eni.secondary_ips.size();
    if (slots > max_slots_per_eni)
        return n.fail(fmt::format("{} prefixes and secondary IPs exceed the {} slots "
                                  "an ENI can have besides its primary IP",
                                  slots, max_slots_per_eni));
    return eni;
}

[[nodiscard]] inline result<route> parse_route(const json_node& n) {
    if (auto ok = n.object(); !ok) return ok.error();
    route r;
    auto dst = n.member("dst").parsed([](std::string_view t) { return ipv4_prefix::parse(t); },
                                      [](std::string_view, const error& e) { return e.message(); });
    if (!dst) return dst.error();
    r.dst = *dst;
    if (const json_node gw = n.member("gw"); gw.present()) {
        auto a = gw.parsed(parse_ipv4, detail_reason);
        if (!a) return a.error();
        r.gw = *a;
    }
    return r;
}

// An optional absolute path (`dataDir`, `importVpcCni`).
[[nodiscard]] inline result<std::optional<std::string>> absolute_path(const json_node& n) {
    auto text = n.optional_string();
    if (!text) return text.error();
    if (!*text) return std::optional<std::string>{};
    if ((*text)->empty() || (*text)->front() != '/') return n.fail(fmt::format("'{}' is not an absolute path", **text));
    return std::optional<std::string>{std::string(**text)};
}

[[nodiscard]] inline result<ipam_config> parse_ipam(const json_node& n, std::string_view network_name) {
    if (auto ok = n.object(); !ok) return ok.error();
    ipam_config ipam;

    auto type = n.member("type").string();
    if (!type) return type.error();
    ipam.type = std::string(*type);

    auto data_dir = absolute_path(n.member("dataDir"));
    if (!data_dir) return data_dir.error();
    ipam.data_dir = *data_dir ? std::move(**data_dir) : fmt::format("/var/lib/enipool/{}", network_name);

    auto subnet_text = n.member("subnet").string();
    if (!subnet_text) return subnet_text.error();
    auto subnet = ipv4_prefix::parse(*subnet_text);
    if (!subnet) return n.member("subnet").fail(subnet.error().message());
    if (subnet->length() < 16 || subnet->length() > 28)
        return n.member("subnet").fail(
            fmt::format("{} is a /{}; a VPC subnet is /16 to /28", *subnet, subnet->length()));
    ipam.subnet = *subnet;

    const json_node gateway = n.member("gateway");
    if (gateway.present()) {
        auto a = address_in(gateway, ipam.subnet);
        if (!a) return a.error();
        ipam.gateway = *a;
    } else {
        ipam.gateway = ipam.subnet.at(1); // the VPC router
    }

    const json_node cooldown = n.member("cooldownSeconds");
    auto seconds = cooldown.optional_unsigned(std::numeric_limits<std::uint64_t>::max());
    if (!seconds) return seconds.error();
    if (*seconds) {
        constexpr std::uint64_t max_cooldown = 24 * 3600;
        if (**seconds > max_cooldown)
            return cooldown.fail(fmt::format("{} exceeds one day ({} s)", **seconds, max_cooldown));
        ipam.cooldown = std::chrono::seconds(static_cast<std::int64_t>(**seconds));
    }

    const json_node enis = n.member("enis");
    std::vector<claimed_range> claimed;
    // The gateway is the VPC router's address; no ENI may hold it.
    claimed.push_back({ipv4_prefix::truncate(ipam.gateway, 32), gateway.where()});
    auto read_enis = enis.for_each([&](const json_node& item) -> result<void> {
        auto eni = parse_eni(item, ipam.subnet, claimed);
        if (!eni) return eni.error();
        for (std::size_t k = 0; k < ipam.enis.size(); ++k)
            if (ipam.enis[k].id == eni->id)
                return item.member("id").fail(fmt::format("'{}' is already the id of {}", eni->id, enis.at(k).where()));
        ipam.enis.push_back(std::move(*eni));
        return success();
    }, true);
    if (!read_enis) return read_enis.error();

    auto routes = n.member("routes").append_each(ipam.routes, parse_route);
    if (!routes) return routes.error();

    auto import = absolute_path(n.member("importVpcCni"));
    if (!import) return import.error();
    ipam.import_vpc_cni = std::move(*import);
    return ipam;
}

} // namespace detail

/// Parses JSON text into a document. O(n). Never throws.
/// Errors: `malformed_json` with the byte offset and the parser's reason.
[[nodiscard]] inline result<nlohmann::json> parse_json_document(std::string_view text) {
    return detail::parse_json(text, errc::malformed_json, "");
}

/// Reads `cniVersion` alone (what VERSION and error replies need even when the rest of the
/// config is bad). O(1) on a parsed document. Errors: `unsupported_cni_version` when it is
/// missing, not a string, or not one of `supported_versions`.
[[nodiscard]] inline result<std::string> cni_version_of(const nlohmann::json& doc) {
    const detail::json_node version_node =
        detail::json_node(doc, detail::config_wording, "(document)").member("cniVersion");
    const auto* v = version_node.present() ? &version_node.json() : nullptr;
    if (v == nullptr || !v->is_string())
        return error(errc::unsupported_cni_version,
                     fmt::format("cniVersion is missing; this plugin supports {}",
                                 fmt::join(supported_versions, ", ")));
    const auto& version = v->get_ref<const std::string&>();
    if (!is_supported_version(version))
        return error(errc::unsupported_cni_version,
                     fmt::format("cniVersion '{}' is not one of {}", version,
                                 fmt::join(supported_versions, ", ")));
    return version;
}

/// Validates a parsed network configuration and returns its typed form. O(n + e^2) for n
/// bytes and e configured CIDRs (the overlap check compares every pair; e is at most a few
/// thousand). Never throws.
/// Errors: `unsupported_cni_version` (cniVersion missing or not supported), `malformed_config`
/// naming the JSON path and the reason (missing field, wrong type, an address outside the
/// subnet or reserved by EC2, a prefix that is not an aligned /28, overlapping CIDRs,
/// duplicate ENI ids, more than 63 slots on one ENI).
[[nodiscard]] inline result<network_config> read_network_config(const nlohmann::json& doc) {
    const detail::json_node root(doc, detail::config_wording, "(document)");
    if (auto ok = root.object(); !ok) return ok.error();
    network_config config;
    auto version = cni_version_of(doc);
    if (!version) return version.error();
    config.cni_version = std::move(*version);

    auto name = root.member("name").string();
    if (!name) return name.error();
    if (!detail::is_valid_name(*name))
        return root.member("name").fail(fmt::format("'{}' is not a valid network name (letters, "
                                                    "digits, '_', '.', '-', starting with a "
                                                    "letter or digit)",
                                                    *name));
    config.name = std::string(*name);

    auto type = root.member("type").optional_string();
    if (!type) return type.error();
    if (*type) config.type = std::string(**type);

    auto parsed = detail::parse_ipam(root.member("ipam"), config.name);
    if (!parsed) return parsed.error();
    config.ipam = std::move(*parsed);

    if (const auto prev = root.member("prevResult"); prev.present()) config.prev_result = prev.json();
    return config;
}

/// Parses and validates network configuration text (the plugin's stdin). O(n + e^2).
/// Errors: `malformed_json` (not JSON: byte offset and reason), and those of
/// `read_network_config`.
[[nodiscard]] inline result<network_config> parse_network_config(std::string_view text) {
    auto doc = parse_json_document(text);
    if (!doc) return doc.error();
    return read_network_config(*doc);
}

} // namespace enipool::cni
