// enipool/json/aws_subnet.hpp: a real subnet's occupancy from the AWS CLI's JSON:
// `aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=...` (each
// interface's PrivateIpAddresses and Ipv4Prefixes, one or several pages) and
// `aws ec2 get-subnet-cidr-reservations` (SubnetIpv4CidrReservations with ReservationType).
// Part of enipool::json (needs nlohmann-json); the core umbrella header does not include it.
//
//     auto s = enipool::subnet_from_aws(*enipool::ipv4_prefix::parse("198.18.0.0/20"),
//                                       read("enis.json"), read("reservations.json"));
//     if (s) fmt::print("{}{} free /28s\n", s->render(), s->free_blocks());
//
// Parsing never throws and never half-loads: every rejection is an `error` whose detail
// names the document (when there are several), the JSON path and the reason, e.g.
// `NetworkInterfaces[3].PrivateIpAddresses[0].PrivateIpAddress: invalid IP address:
// '198.18.0.300' at offset 9: octet 300 exceeds 255`. Fields enipool does not need
// (Association, Attachment, Groups, TagSet, ...) are ignored.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/json/detail/read.hpp>
#include <enipool/subnet.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace enipool {

/// One network interface as `describe-network-interfaces` lists it.
struct aws_network_interface {
    std::string id;                          ///< NetworkInterfaceId
    std::string subnet_id;                   ///< SubnetId ("" when absent)
    std::optional<ipv4_address> primary_ip;  ///< the entry with "Primary": true
    std::vector<ipv4_address> addresses;     ///< every PrivateIpAddress, primary included
    std::vector<ipv4_prefix> prefixes;       ///< Ipv4Prefixes (absent key: none)
    friend bool operator==(const aws_network_interface&, const aws_network_interface&) = default;
};

/// Every interface of one or more pages, and the last page's NextToken (if any).
struct aws_network_interfaces {
    std::vector<aws_network_interface> interfaces;
    std::optional<std::string> next_token;
    std::size_t pages = 0;
};

namespace detail {

// The wording of AWS CLI output errors ("NextToken: 3 is not a string").
inline constexpr json_wording aws_wording{
    errc::malformed_json, "missing", "{0} is not {3}", "{0} is not {3}", "true or false",
    "{2} is not a non-negative integer", "{0} is not a non-negative integer",
    "{0} exceeds the largest allowed value {1}"};

// A parse error as these messages give it: the parser's message alone.
inline constexpr auto aws_reason = [](std::string_view, const error& e) { return e.message(); };

[[nodiscard]] inline result<ipv4_address> aws_address(const json_node& n) {
    return n.parsed([](std::string_view t) { return ipv4_address::parse(t); }, aws_reason);
}

[[nodiscard]] inline result<ipv4_prefix> aws_prefix(const json_node& n) {
    return n.parsed([](std::string_view t) { return ipv4_prefix::parse(t); }, aws_reason);
}

// Splits text holding one or more JSON documents (pages printed one after another) into
// the documents; an error names the byte offset. O(n).
[[nodiscard]] inline result<std::vector<std::string_view>> aws_split_documents(std::string_view text) {
    std::vector<std::string_view> docs;
    std::size_t i = 0;
    auto skip_space = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
            ++i;
    };
    skip_space();
    while (i < text.size()) {
        if (text[i] != '{')
            return error(errc::malformed_json,
                         fmt::format("byte {}: expected '{{' to start a document", i));
        const std::size_t start = i;
        int depth = 0;
        bool in_string = false;
        for (; i < text.size(); ++i) {
            const char c = text[i];
            if (in_string) {
                if (c == '\\') ++i;
                else if (c == '"') in_string = false;
            } else if (c == '"') {
                in_string = true;
            } else if (c == '{' || c == '[') {
                ++depth;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) break;
            }
        }
        if (i >= text.size())
            return error(errc::malformed_json,
                         fmt::format("byte {}: the document starting here is not closed", start));
        docs.push_back(text.substr(start, i + 1 - start));
        ++i;
        skip_space();
    }
    if (docs.empty()) return error(errc::malformed_json, "the text holds no JSON document");
    return docs;
}

// Parses each document of `text`; `fn(root)` reads one. When there are several, errors
// start with "document N: ".
template <class Fn>
[[nodiscard]] result<void> aws_for_each_document(std::string_view text, Fn fn) {
    auto docs = aws_split_documents(text);
    if (!docs) return docs.error();
    for (std::size_t d = 0; d < docs->size(); ++d) {
        const std::string where = docs->size() > 1 ? fmt::format("document {}: ", d + 1) : "";
        auto j = parse_json((*docs)[d], errc::malformed_json, where);
        if (!j) return j.error();
        if (!j->is_object()) return error(errc::malformed_json, where + "not a JSON object");
        if (auto ok = fn(json_node(*j, aws_wording, "(document)")); !ok)
            return error(ok.error().code(), where + ok.error().detail());
    }
    return success();
}

// One interface of NetworkInterfaces.
[[nodiscard]] inline result<aws_network_interface> aws_interface_from_json(const json_node& n) {
    if (auto ok = n.object(); !ok) return ok.error();
    aws_network_interface eni;
    auto id = n.member("NetworkInterfaceId").optional_string();
    if (!id) return id.error();
    if (!*id || (*id)->empty()) return n.member("NetworkInterfaceId").fail("missing or empty");
    eni.id = std::string(**id);
    auto subnet_id = n.member("SubnetId").optional_string();
    if (!subnet_id) return subnet_id.error();
    eni.subnet_id = std::string(subnet_id->value_or(""));

    const json_node ips = n.member("PrivateIpAddresses");
    if (ips.present()) {
        auto listed = ips.for_each([&](const json_node& entry) -> result<void> {
            if (auto ok = entry.object(); !ok) return ok;
            auto a = aws_address(entry.member("PrivateIpAddress"));
            if (!a) return a.error();
            auto primary = entry.member("Primary").boolean(false);
            if (!primary) return primary.error();
            if (*primary) {
                if (eni.primary_ip) return entry.member("Primary").fail("a second primary address on one interface");
                eni.primary_ip = *a;
            }
            eni.addresses.push_back(*a);
            return success();
        });
        if (!listed) return listed.error();
    } else if (const json_node own = n.member("PrivateIpAddress"); own.present()) {
        // No list: fall back to the interface's own PrivateIpAddress (the primary).
        auto a = aws_address(own);
        if (!a) return a.error();
        eni.primary_ip = *a;
        eni.addresses.push_back(*a);
    }

    auto prefixes = n.member("Ipv4Prefixes").for_each([&](const json_node& entry) -> result<void> {
        if (auto ok = entry.object(); !ok) return ok;
        auto p = aws_prefix(entry.member("Ipv4Prefix"));
        if (!p) return p.error();
        if (p->length() != 28) return entry.member("Ipv4Prefix").fail(fmt::format("'{}' is not a /28", *p));
        eni.prefixes.push_back(*p);
        return success();
    });
    if (!prefixes) return prefixes.error();
    return eni;
}

} // namespace detail

/// Reads the output of `aws ec2 describe-network-interfaces` (`--output json`): one page or
/// several pages one after another in `text`. O(n). Errors: `malformed_json` naming the
/// document, JSON path and reason.
[[nodiscard]] inline result<aws_network_interfaces> parse_aws_network_interfaces(std::string_view text) {
    aws_network_interfaces out;
    auto ok = detail::aws_for_each_document(text, [&](const detail::json_node& doc) -> result<void> {
        auto listed = doc.member("NetworkInterfaces").append_each(out.interfaces, detail::aws_interface_from_json, true);
        if (!listed) return listed;
        auto token = doc.member("NextToken").optional_string();
        if (!token) return token.error();
        out.next_token = *token ? std::optional<std::string>(**token) : std::nullopt;
        ++out.pages;
        return success();
    });
    if (!ok) return ok.error();
    return out;
}

/// Reads the output of `aws ec2 get-subnet-cidr-reservations` (one page or several).
/// IPv6 reservations are ignored. O(n). Errors: `malformed_json` naming the document, JSON
/// path and reason (a Cidr that is not an aligned prefix, a ReservationType that is neither
/// `prefix` nor `explicit`).
[[nodiscard]] inline result<std::vector<subnet_reservation>> parse_aws_cidr_reservations(std::string_view text) {
    std::vector<subnet_reservation> out;
    auto ok = detail::aws_for_each_document(text, [&](const detail::json_node& doc) -> result<void> {
        return doc.member("SubnetIpv4CidrReservations").for_each([&](const detail::json_node& entry) -> result<void> {
            if (auto is_object = entry.object(); !is_object) return is_object;
            auto p = detail::aws_prefix(entry.member("Cidr"));
            if (!p) return p.error();
            const detail::json_node type_node = entry.member("ReservationType");
            auto type = type_node.string();
            if (!type) return type.error();
            if (*type == "prefix") out.push_back({*p, reservation_type::prefix});
            else if (*type == "explicit") out.push_back({*p, reservation_type::explicit_});
            else return type_node.fail(fmt::format("'{}' is neither prefix nor explicit", *type));
            return success();
        }, true);
    });
    if (!ok) return ok.error();
    return out;
}

/// The distinct SubnetIds of `enis`, sorted; interfaces without one are left out.
/// O(n log n).
[[nodiscard]] inline std::vector<std::string> aws_subnet_ids(const aws_network_interfaces& enis) {
    std::vector<std::string> ids;
    for (const auto& eni : enis.interfaces)
        if (!eni.subnet_id.empty()) ids.push_back(eni.subnet_id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

/// Applies reservations, then every interface's addresses and prefixes, to `s`, all or
/// nothing (on error `s` is unchanged). Interfaces whose SubnetId differs from `subnet_id`
/// are skipped when `subnet_id` is not empty. O(addresses * levels + reservations).
/// Errors: `malformed_config` when `subnet_id` is given, `enis` lists interfaces and none
/// has that SubnetId (a mistyped ID would otherwise give an empty subnet; the detail lists
/// the SubnetIds the interfaces have); the subnet's (`address_not_in_subnet`,
/// `already_allocated`, `address_reserved`, `reservation_overlap`, ...) with a detail naming
/// the interface or reservation.
[[nodiscard]] inline result<void> load_aws_occupancy(subnet& s,
                                                     const aws_network_interfaces& enis,
                                                     const std::vector<subnet_reservation>& reservations = {},
                                                     std::string_view subnet_id = {}) {
    if (!subnet_id.empty() && !enis.interfaces.empty() &&
        std::none_of(enis.interfaces.begin(), enis.interfaces.end(),
                     [&](const aws_network_interface& eni) { return eni.subnet_id == subnet_id; })) {
        const auto ids = aws_subnet_ids(enis);
        return error(errc::malformed_config,
                     fmt::format("{} is the SubnetId of none of the {} interfaces; they have {}", subnet_id,
                                 enis.interfaces.size(),
                                 ids.empty() ? std::string("no SubnetId") : fmt::format("{}", fmt::join(ids, ", "))));
    }
    auto work = std::make_unique<subnet>(s);
    for (std::size_t i = 0; i < reservations.size(); ++i) {
        const auto& r = reservations[i];
        if (auto ok = work->reserve(r.cidr, r.type); !ok)
            return error(ok.error().code(),
                         fmt::format("SubnetIpv4CidrReservations[{}] {}: {}", i, r.cidr.to_string(),
                                     ok.error().message()));
    }
    for (std::size_t i = 0; i < enis.interfaces.size(); ++i) {
        const auto& eni = enis.interfaces[i];
        if (!subnet_id.empty() && eni.subnet_id != subnet_id) continue;
        auto fail = [&](const std::string& what, const error& e) {
            return error(e.code(), fmt::format("NetworkInterfaces[{}] ({}) {}: {}", i, eni.id, what,
                                               make_error_code(e.code()).message()));
        };
        for (const auto& a : eni.addresses)
            if (auto ok = work->allocate_specific(a); !ok) return fail(a.to_string(), ok.error());
        for (const auto& p : eni.prefixes)
            if (auto ok = work->allocate_specific(p); !ok) return fail(p.to_string(), ok.error());
    }
    s = *work;
    return success();
}

/// A subnet over `cidr` rebuilt from the AWS CLI's outputs: `interfaces_json` from
/// `describe-network-interfaces` (pages allowed) and, if not empty, `reservations_json`
/// from `get-subnet-cidr-reservations`; with `subnet_id`, only the interfaces of that
/// SubnetId. O(n + addresses * levels).
/// Errors: `unsupported_subnet_size`, `malformed_json`, and those of `load_aws_occupancy`
/// (`malformed_config` for a `subnet_id` no interface has).
[[nodiscard]] inline result<subnet> subnet_from_aws(const ipv4_prefix& cidr,
                                                    std::string_view interfaces_json,
                                                    std::string_view reservations_json = {},
                                                    std::string_view subnet_id = {}) {
    auto s = subnet::create(cidr);
    if (!s) return s.error();
    auto enis = parse_aws_network_interfaces(interfaces_json);
    if (!enis) return enis.error();
    std::vector<subnet_reservation> reservations;
    if (!reservations_json.empty()) {
        auto r = parse_aws_cidr_reservations(reservations_json);
        if (!r) return r.error();
        reservations = std::move(*r);
    }
    if (auto ok = load_aws_occupancy(*s, *enis, reservations, subnet_id); !ok) return ok.error();
    return s;
}

} // namespace enipool
