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

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
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

// A JSON path as the error messages print it: `ipam.enis[0].prefixes[1]`.
[[nodiscard]] inline std::string json_path(std::string_view parent, std::string_view key) {
    return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}
[[nodiscard]] inline std::string json_path(std::string_view parent, std::size_t index) {
    return fmt::format("{}[{}]", parent, index);
}

[[nodiscard]] inline error config_error(std::string_view path, std::string_view reason) {
    return error(errc::malformed_config, fmt::format("{}: {}", path, reason));
}

[[nodiscard]] inline std::string_view json_type_name(const nlohmann::json& j) noexcept {
    return j.type_name();
}

// The member `key` of `object` (null when absent).
[[nodiscard]] inline const nlohmann::json* member(const nlohmann::json& object,
                                                  std::string_view key) {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

// A required (or, with `required` false, optional) string member.
[[nodiscard]] inline result<std::optional<std::string>>
string_member(const nlohmann::json& object, std::string_view parent, std::string_view key,
              bool required) {
    const auto* j = member(object, key);
    if (j == nullptr || j->is_null()) {
        if (required) return config_error(json_path(parent, key), "is required");
        return std::optional<std::string>{};
    }
    if (!j->is_string())
        return config_error(json_path(parent, key),
                            fmt::format("expected a string, found {}", json_type_name(*j)));
    return std::optional<std::string>{j->get<std::string>()};
}

// A required address member that must lie inside `subnet`.
[[nodiscard]] inline result<ipv4_address> address_in(const nlohmann::json& j,
                                                     const std::string& path,
                                                     const ipv4_prefix& subnet) {
    if (!j.is_string())
        return config_error(path, fmt::format("expected an IPv4 address string, found {}",
                                              json_type_name(j)));
    const auto& text = j.get_ref<const std::string&>();
    auto a = ipv4_address::parse(text);
    if (!a) return config_error(path, a.error().detail());
    if (!subnet.contains(*a))
        return config_error(path, fmt::format("{} is outside the subnet {}", text, subnet));
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
                                        std::string path) {
    for (const auto& c : claimed)
        if (c.range.overlaps(range))
            return config_error(path, fmt::format("{} overlaps {} of {}", range, c.range, c.path));
    claimed.push_back({range, std::move(path)});
    return success();
}

[[nodiscard]] inline result<void> check_not_reserved(ipv4_address a, const ipv4_prefix& subnet,
                                                     const std::string& path) {
    const auto offset = a.to_uint() - subnet.base().to_uint();
    if (offset < 4 || a == subnet.last())
        return config_error(path, fmt::format("{} is one of the 5 addresses EC2 reserves in {} "
                                              "(the first four and the last)",
                                              a, subnet));
    return success();
}

[[nodiscard]] inline result<eni_config> parse_eni(const nlohmann::json& j, const std::string& path,
                                                  const ipv4_prefix& subnet,
                                                  std::vector<claimed_range>& claimed) {
    if (!j.is_object())
        return config_error(path, fmt::format("expected an object, found {}", json_type_name(j)));
    eni_config eni;
    auto id = string_member(j, path, "id", true);
    if (!id) return id.error();
    if ((*id)->empty()) return config_error(json_path(path, "id"), "must not be empty");
    eni.id = std::move(**id);

    const auto* primary = member(j, "primaryIp");
    if (primary == nullptr) return config_error(json_path(path, "primaryIp"), "is required");
    const auto primary_path = json_path(path, "primaryIp");
    auto p = address_in(*primary, primary_path, subnet);
    if (!p) return p.error();
    if (auto r = check_not_reserved(*p, subnet, primary_path); !r) return r.error();
    if (auto r = claim(claimed, ipv4_prefix::truncate(*p, 32), primary_path); !r) return r.error();
    eni.primary_ip = *p;

    std::size_t slots = 0;
    if (const auto* prefixes = member(j, "prefixes"); prefixes != nullptr && !prefixes->is_null()) {
        const auto list_path = json_path(path, "prefixes");
        if (!prefixes->is_array())
            return config_error(list_path, fmt::format("expected an array, found {}",
                                                       json_type_name(*prefixes)));
        for (std::size_t i = 0; i < prefixes->size(); ++i) {
            const auto& item = (*prefixes)[i];
            const auto item_path = json_path(list_path, i);
            if (!item.is_string())
                return config_error(item_path, fmt::format("expected a /28 prefix string, found {}",
                                                           json_type_name(item)));
            const auto& text = item.get_ref<const std::string&>();
            auto parts = ipv4_prefix::parse_interface(text);
            if (!parts) return config_error(item_path, parts.error().detail());
            if (parts->length != 28)
                return config_error(item_path, fmt::format("'{}' is a /{}; prefixes must be /28",
                                                           text, parts->length));
            if (!ipv4_prefix::is_aligned(parts->address, 28))
                return config_error(
                    item_path,
                    fmt::format("'{}' is not an aligned /28 (did you mean {}?)", text,
                                ipv4_prefix::truncate(parts->address, 28)));
            const auto prefix = ipv4_prefix::truncate(parts->address, 28);
            if (!subnet.contains(prefix))
                return config_error(item_path,
                                    fmt::format("{} is outside the subnet {}", prefix, subnet));
            if (auto r = check_not_reserved(prefix.first(), subnet, item_path); !r) return r.error();
            if (auto r = check_not_reserved(prefix.last(), subnet, item_path); !r) return r.error();
            if (auto r = claim(claimed, prefix, item_path); !r) return r.error();
            eni.prefixes.push_back(prefix);
            ++slots;
        }
    }
    if (const auto* ips = member(j, "secondaryIps"); ips != nullptr && !ips->is_null()) {
        const auto list_path = json_path(path, "secondaryIps");
        if (!ips->is_array())
            return config_error(list_path,
                                fmt::format("expected an array, found {}", json_type_name(*ips)));
        for (std::size_t i = 0; i < ips->size(); ++i) {
            const auto item_path = json_path(list_path, i);
            auto a = address_in((*ips)[i], item_path, subnet);
            if (!a) return a.error();
            if (auto r = check_not_reserved(*a, subnet, item_path); !r) return r.error();
            if (auto r = claim(claimed, ipv4_prefix::truncate(*a, 32), item_path); !r)
                return r.error();
            eni.secondary_ips.push_back(*a);
            ++slots;
        }
    }
    if (slots > max_slots_per_eni)
        return config_error(path, fmt::format("{} prefixes and secondary IPs exceed the {} slots "
                                              "an ENI can have besides its primary IP",
                                              slots, max_slots_per_eni));
    return eni;
}

[[nodiscard]] inline result<route> parse_route(const nlohmann::json& j, const std::string& path) {
    if (!j.is_object())
        return config_error(path, fmt::format("expected an object, found {}", json_type_name(j)));
    route r;
    auto dst = string_member(j, path, "dst", true);
    if (!dst) return dst.error();
    auto prefix = ipv4_prefix::parse(**dst);
    if (!prefix) return config_error(json_path(path, "dst"), prefix.error().message());
    r.dst = *prefix;
    auto gw = string_member(j, path, "gw", false);
    if (!gw) return gw.error();
    if (*gw) {
        auto a = ipv4_address::parse(**gw);
        if (!a) return config_error(json_path(path, "gw"), a.error().detail());
        r.gw = *a;
    }
    return r;
}

[[nodiscard]] inline result<ipam_config> parse_ipam(const nlohmann::json& j,
                                                    std::string_view network_name) {
    const std::string path = "ipam";
    if (!j.is_object())
        return config_error(path, fmt::format("expected an object, found {}", json_type_name(j)));
    ipam_config ipam;

    auto type = string_member(j, path, "type", true);
    if (!type) return type.error();
    ipam.type = std::move(**type);

    auto data_dir = string_member(j, path, "dataDir", false);
    if (!data_dir) return data_dir.error();
    ipam.data_dir = *data_dir ? std::move(**data_dir)
                              : fmt::format("/var/lib/enipool/{}", network_name);
    if (ipam.data_dir.empty() || ipam.data_dir.front() != '/')
        return config_error(json_path(path, "dataDir"),
                            fmt::format("'{}' is not an absolute path", ipam.data_dir));

    auto subnet_text = string_member(j, path, "subnet", true);
    if (!subnet_text) return subnet_text.error();
    auto subnet = ipv4_prefix::parse(**subnet_text);
    if (!subnet) return config_error(json_path(path, "subnet"), subnet.error().message());
    if (subnet->length() < 16 || subnet->length() > 28)
        return config_error(json_path(path, "subnet"),
                            fmt::format("{} is a /{}; a VPC subnet is /16 to /28", *subnet,
                                        subnet->length()));
    ipam.subnet = *subnet;

    if (const auto* gw = member(j, "gateway"); gw != nullptr && !gw->is_null()) {
        auto a = address_in(*gw, json_path(path, "gateway"), ipam.subnet);
        if (!a) return a.error();
        ipam.gateway = *a;
    } else {
        ipam.gateway = ipam.subnet.at(1); // the VPC router
    }

    if (const auto* cd = member(j, "cooldownSeconds"); cd != nullptr && !cd->is_null()) {
        constexpr std::uint64_t max_cooldown = 24 * 3600;
        // nlohmann stores non-negative integers as unsigned, negative ones as signed.
        if (!cd->is_number_unsigned())
            return config_error(json_path(path, "cooldownSeconds"),
                                fmt::format("expected a whole number of seconds >= 0, found {}",
                                            cd->dump()));
        const auto seconds = cd->get<std::uint64_t>();
        if (seconds > max_cooldown)
            return config_error(json_path(path, "cooldownSeconds"),
                                fmt::format("{} exceeds one day ({} s)", seconds, max_cooldown));
        ipam.cooldown = std::chrono::seconds(static_cast<std::int64_t>(seconds));
    }

    const auto* enis = member(j, "enis");
    const auto enis_path = json_path(path, "enis");
    if (enis == nullptr || enis->is_null()) return config_error(enis_path, "is required");
    if (!enis->is_array())
        return config_error(enis_path,
                            fmt::format("expected an array, found {}", json_type_name(*enis)));
    std::vector<claimed_range> claimed;
    // The gateway is the VPC router's address; no ENI may hold it.
    claimed.push_back({ipv4_prefix::truncate(ipam.gateway, 32), json_path(path, "gateway")});
    for (std::size_t i = 0; i < enis->size(); ++i) {
        const auto eni_path = json_path(enis_path, i);
        auto eni = parse_eni((*enis)[i], eni_path, ipam.subnet, claimed);
        if (!eni) return eni.error();
        for (std::size_t k = 0; k < ipam.enis.size(); ++k)
            if (ipam.enis[k].id == eni->id)
                return config_error(json_path(eni_path, "id"),
                                    fmt::format("'{}' is already the id of {}", eni->id,
                                                json_path(enis_path, k)));
        ipam.enis.push_back(std::move(*eni));
    }

    if (const auto* routes = member(j, "routes"); routes != nullptr && !routes->is_null()) {
        const auto routes_path = json_path(path, "routes");
        if (!routes->is_array())
            return config_error(routes_path,
                                fmt::format("expected an array, found {}", json_type_name(*routes)));
        for (std::size_t i = 0; i < routes->size(); ++i) {
            auto r = parse_route((*routes)[i], json_path(routes_path, i));
            if (!r) return r.error();
            ipam.routes.push_back(*r);
        }
    }

    auto import = string_member(j, path, "importVpcCni", false);
    if (!import) return import.error();
    if (*import) {
        if ((*import)->empty() || (*import)->front() != '/')
            return config_error(json_path(path, "importVpcCni"),
                                fmt::format("'{}' is not an absolute path", **import));
        ipam.import_vpc_cni = std::move(**import);
    }
    return ipam;
}

} // namespace detail

/// Parses JSON text into a document. O(n). Never throws.
/// Errors: `malformed_json` with the byte offset and the parser's reason.
[[nodiscard]] inline result<nlohmann::json> parse_json_document(std::string_view text) {
    try {
        return result<nlohmann::json>(boost::system::in_place_value, nlohmann::json::parse(text));
    } catch (const nlohmann::json::parse_error& e) {
        return error(errc::malformed_json, fmt::format("at byte {}: {}", e.byte, e.what()));
    } catch (const std::exception& e) {
        return error(errc::malformed_json, e.what());
    }
}

/// Reads `cniVersion` alone (what VERSION and error replies need even when the rest of the
/// config is bad). O(1) on a parsed document. Errors: `unsupported_cni_version` when it is
/// missing, not a string, or not one of `supported_versions`.
[[nodiscard]] inline result<std::string> cni_version_of(const nlohmann::json& doc) {
    const auto* v = doc.is_object() ? detail::member(doc, "cniVersion") : nullptr;
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
    if (!doc.is_object())
        return detail::config_error("(document)", fmt::format("expected an object, found {}",
                                                              detail::json_type_name(doc)));
    network_config config;
    auto version = cni_version_of(doc);
    if (!version) return version.error();
    config.cni_version = std::move(*version);

    auto name = detail::string_member(doc, "", "name", true);
    if (!name) return name.error();
    if (!detail::is_valid_name(**name))
        return detail::config_error("name", fmt::format("'{}' is not a valid network name (letters, "
                                                        "digits, '_', '.', '-', starting with a "
                                                        "letter or digit)",
                                                        **name));
    config.name = std::move(**name);

    auto type = detail::string_member(doc, "", "type", false);
    if (!type) return type.error();
    if (*type) config.type = std::move(**type);

    const auto* ipam = detail::member(doc, "ipam");
    if (ipam == nullptr || ipam->is_null()) return detail::config_error("ipam", "is required");
    auto parsed = detail::parse_ipam(*ipam, config.name);
    if (!parsed) return parsed.error();
    config.ipam = std::move(*parsed);

    if (const auto* prev = detail::member(doc, "prevResult"); prev != nullptr)
        config.prev_result = *prev;
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
