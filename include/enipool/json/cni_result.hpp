// enipool/json/cni_result.hpp: what the enipool-cni IPAM plugin prints: the ADD result
// (cniVersion 1.0.0 and 0.4.0), the error reply with the spec's codes, the VERSION reply,
// and the reader of a `prevResult` that CHECK verifies.
//
// Error codes (the CNI spec's well-known ones, then this plugin's own from 100):
//   1 incompatible CNI version          4 invalid environment variables
//   3 container unknown (CHECK)          5 I/O failure (state directory, checkpoint write)
//   6 failed to decode content (JSON)    7 invalid network config
//  11 try again later (state lock)
// 100 no free address                  101 checkpoint unreadable or invalid
// 102 CHECK: the container holds another address, or none of prevResult's
// 103 capacity removed from the config is still held by pods (kept, reported)
// 199 any other failure
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/json/cni_config.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enipool::cni {

/// The spec's and this plugin's error codes.
enum class error_code : unsigned {
    incompatible_version = 1,
    unknown_container = 3,
    invalid_environment = 4,
    io_failure = 5,
    decode_failure = 6,
    invalid_config = 7,
    try_again_later = 11,
    no_free_address = 100,
    checkpoint_unreadable = 101,
    check_failed = 102,
    removed_capacity_in_use = 103,
    internal = 199,
};

/// The CNI error code for an enipool error. O(1).
[[nodiscard]] constexpr error_code code_for(errc e) noexcept {
    switch (e) {
    case errc::unsupported_cni_version: return error_code::incompatible_version;
    case errc::invalid_cni_environment: return error_code::invalid_environment;
    case errc::malformed_json: return error_code::decode_failure;
    case errc::invalid_address:
    case errc::invalid_prefix:
    case errc::prefix_not_aligned:
    case errc::malformed_config:
    case errc::duplicate_eni:
    case errc::address_not_in_subnet:
    case errc::address_reserved: return error_code::invalid_config;
    case errc::io_error:
    case errc::no_space: return error_code::io_failure;
    case errc::lock_failed: return error_code::try_again_later;
    case errc::no_available_addresses: return error_code::no_free_address;
    case errc::checkpoint_version:
    case errc::checkpoint_invalid: return error_code::checkpoint_unreadable;
    case errc::unknown_pod: return error_code::unknown_container;
    case errc::pod_key_conflict: return error_code::check_failed;
    case errc::address_in_use:
    case errc::eni_in_use: return error_code::removed_capacity_in_use;
    default: return error_code::internal;
    }
}

/// One address of the result.
struct ip_config {
    ipv4_interface_address address; ///< the pod's address with the subnet's length
    std::optional<ipv4_address> gateway;
    friend bool operator==(const ip_config&, const ip_config&) = default;
};

/// An IPAM result: addresses and routes (an IPAM plugin reports no interfaces).
struct ipam_result {
    std::vector<ip_config> ips;
    std::vector<route> routes;
    friend bool operator==(const ipam_result&, const ipam_result&) = default;
};

/// The result JSON for `cni_version` ("1.0.0" or "0.4.0": the latter adds
/// `"version": "4"` to each address). O(size). Precondition: a supported version.
[[nodiscard]] inline nlohmann::json to_json(const ipam_result& r, std::string_view cni_version) {
    const bool v04 = cni_version == "0.4.0";
    auto ips = nlohmann::json::array();
    for (const auto& ip : r.ips) {
        nlohmann::json entry = nlohmann::json::object();
        if (v04) entry["version"] = "4";
        entry["address"] = fmt::format("{}/{}", ip.address.address, ip.address.length);
        if (ip.gateway) entry["gateway"] = ip.gateway->to_string();
        ips.push_back(std::move(entry));
    }
    auto routes = nlohmann::json::array();
    for (const auto& rt : r.routes) {
        nlohmann::json entry = {{"dst", rt.dst.to_string()}};
        if (rt.gw) entry["gw"] = rt.gw->to_string();
        routes.push_back(std::move(entry));
    }
    nlohmann::json out = nlohmann::json::object();
    out["cniVersion"] = std::string(cni_version);
    out["ips"] = std::move(ips);
    if (!routes.empty()) out["routes"] = std::move(routes);
    out["dns"] = nlohmann::json::object();
    return out;
}

/// An error reply.
struct error_reply {
    error_code code = error_code::internal;
    std::string msg;
    std::string details;
};

/// The reply for an enipool error: the code from `code_for`, the error's sentence as `msg`
/// and its detail (the path, the entry, the errno text) as `details`. O(size).
[[nodiscard]] inline error_reply reply_for(const error& e) {
    return {code_for(e.code()), e.error_code().message(), e.detail()};
}

/// The error JSON `{cniVersion, code, msg, details}` (details omitted when empty). O(size).
/// `cni_version` is the config's when it was readable, else the newest supported one.
[[nodiscard]] inline nlohmann::json to_json(const error_reply& e, std::string_view cni_version) {
    nlohmann::json out = nlohmann::json::object();
    out["cniVersion"] = std::string(cni_version);
    out["code"] = static_cast<unsigned>(e.code);
    out["msg"] = e.msg;
    if (!e.details.empty()) out["details"] = e.details;
    return out;
}

/// The VERSION reply `{cniVersion, supportedVersions}`. O(1).
[[nodiscard]] inline nlohmann::json version_reply() {
    auto versions = nlohmann::json::array();
    for (const auto v : supported_versions) versions.push_back(std::string(v));
    return {{"cniVersion", std::string(supported_versions.back())},
            {"supportedVersions", std::move(versions)}};
}

/// The IPv4 addresses of a result document's `ips` (a `prevResult`), in order; IPv6 entries
/// are skipped. O(size). Never throws.
/// Errors: `malformed_config` naming `prevResult.ips[i].address` when an entry is malformed.
[[nodiscard]] inline result<std::vector<ipv4_interface_address>>
addresses_of(const nlohmann::json& result_doc) {
    std::vector<ipv4_interface_address> out;
    if (!result_doc.is_object()) return out;
    const auto ips = detail::json_node::nested(result_doc, detail::config_wording, "prevResult").member("ips");
    auto count = ips.optional_array();
    if (!count) return count.error();
    for (std::size_t i = 0; i < *count; ++i) {
        const auto address = ips.at(i).member("address");
        auto text = address.string("an address string");
        if (!text) return address.fail("expected an address string");
        if (text->find(':') != std::string_view::npos) continue; // IPv6
        auto parsed = ipv4_prefix::parse_interface(*text);
        if (!parsed) return address.fail(parsed.error().detail());
        out.push_back(*parsed);
    }
    return out;
}

} // namespace enipool::cni
