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
#include <enipool/subnet.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

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

[[nodiscard]] inline error aws_json_error(const std::string& path, std::string_view reason) {
    return error(errc::malformed_json, fmt::format("{}: {}", path, reason));
}

[[nodiscard]] inline std::string aws_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

// Member `key` of `obj` as a string: nullptr when absent, an error when not a string.
[[nodiscard]] inline result<const std::string*> aws_string(const nlohmann::json& obj,
                                                           std::string_view key,
                                                           const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end()) return static_cast<const std::string*>(nullptr);
    if (!it->is_string())
        return aws_json_error(aws_path(path, key), fmt::format("{} is not a string", it->dump()));
    return &it->get_ref<const std::string&>();
}

// Member `key` of `obj` as an array: nullptr when absent, an error when not an array.
[[nodiscard]] inline result<const nlohmann::json*> aws_array(const nlohmann::json& obj,
                                                             std::string_view key,
                                                             const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end()) return static_cast<const nlohmann::json*>(nullptr);
    if (!it->is_array())
        return aws_json_error(aws_path(path, key), fmt::format("{} is not an array", it->dump()));
    return &*it;
}

// Entry i of the array `list` (at `list_path`) must be an object holding the string `key`.
struct aws_entry {
    const nlohmann::json* entry = nullptr;
    std::string path;        // list_path[i]
    const std::string* text = nullptr;
    std::string text_path;   // list_path[i].key
};
[[nodiscard]] inline result<aws_entry> aws_entry_with(const nlohmann::json& list, std::size_t i,
                                                      const std::string& list_path,
                                                      std::string_view key) {
    aws_entry e{&list[i], fmt::format("{}[{}]", list_path, i), nullptr, {}};
    if (!e.entry->is_object()) return aws_json_error(e.path, "not an object");
    auto text = aws_string(*e.entry, key, e.path);
    if (!text) return text.error();
    e.text_path = aws_path(e.path, key);
    if (!*text) return aws_json_error(e.text_path, "missing");
    e.text = *text;
    return e;
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

// Parses each document of `text`; `fn(json, path_prefix)` reads one.
template <class Fn>
[[nodiscard]] result<void> aws_for_each_document(std::string_view text, Fn fn) {
    auto docs = aws_split_documents(text);
    if (!docs) return docs.error();
    for (std::size_t d = 0; d < docs->size(); ++d) {
        const std::string where = docs->size() > 1 ? fmt::format("document {}: ", d + 1) : "";
        nlohmann::json j = nlohmann::json::parse((*docs)[d], nullptr, false);
        if (j.is_discarded())
            return error(errc::malformed_json, where + "not valid JSON");
        if (!j.is_object()) return error(errc::malformed_json, where + "not a JSON object");
        if (auto ok = fn(j, where); !ok) return ok;
    }
    return success();
}

// One PrivateIpAddresses entry, a `{"Ipv4Prefix": ...}` entry, or an interface.
[[nodiscard]] inline result<aws_network_interface> aws_interface_from_json(const nlohmann::json& j,
                                                                           const std::string& path) {
    if (!j.is_object()) return aws_json_error(path, "not an object");
    aws_network_interface eni;
    auto id = aws_string(j, "NetworkInterfaceId", path);
    if (!id) return id.error();
    if (!*id || (*id)->empty())
        return aws_json_error(aws_path(path, "NetworkInterfaceId"), "missing or empty");
    eni.id = **id;
    auto subnet_id = aws_string(j, "SubnetId", path);
    if (!subnet_id) return subnet_id.error();
    if (*subnet_id) eni.subnet_id = **subnet_id;

    auto ips = aws_array(j, "PrivateIpAddresses", path);
    if (!ips) return ips.error();
    if (*ips) {
        for (std::size_t i = 0; i < (*ips)->size(); ++i) {
            auto e = aws_entry_with(**ips, i, aws_path(path, "PrivateIpAddresses"), "PrivateIpAddress");
            if (!e) return e.error();
            const auto& entry = *e->entry;
            const std::string& entry_path = e->path;
            auto a = ipv4_address::parse(*e->text);
            if (!a) return aws_json_error(e->text_path, a.error().message());
            bool primary = false;
            if (const auto p = entry.find("Primary"); p != entry.end()) {
                if (!p->is_boolean())
                    return aws_json_error(aws_path(entry_path, "Primary"),
                                          fmt::format("{} is not true or false", p->dump()));
                primary = p->get<bool>();
            }
            if (primary) {
                if (eni.primary_ip)
                    return aws_json_error(aws_path(entry_path, "Primary"),
                                          "a second primary address on one interface");
                eni.primary_ip = *a;
            }
            eni.addresses.push_back(*a);
        }
    } else {
        // No list: fall back to the interface's own PrivateIpAddress (the primary).
        auto text = aws_string(j, "PrivateIpAddress", path);
        if (!text) return text.error();
        if (*text) {
            auto a = ipv4_address::parse(**text);
            if (!a) return aws_json_error(aws_path(path, "PrivateIpAddress"), a.error().message());
            eni.primary_ip = *a;
            eni.addresses.push_back(*a);
        }
    }

    auto prefixes = aws_array(j, "Ipv4Prefixes", path);
    if (!prefixes) return prefixes.error();
    if (*prefixes) {
        for (std::size_t i = 0; i < (*prefixes)->size(); ++i) {
            auto e = aws_entry_with(**prefixes, i, aws_path(path, "Ipv4Prefixes"), "Ipv4Prefix");
            if (!e) return e.error();
            auto p = ipv4_prefix::parse(*e->text);
            if (!p) return aws_json_error(e->text_path, p.error().message());
            if (p->length() != 28)
                return aws_json_error(e->text_path, fmt::format("'{}' is not a /28", *e->text));
            eni.prefixes.push_back(*p);
        }
    }
    return eni;
}

} // namespace detail

/// Reads the output of `aws ec2 describe-network-interfaces` (`--output json`): one page or
/// several pages one after another in `text`. O(n). Errors: `malformed_json` naming the
/// document, JSON path and reason.
[[nodiscard]] inline result<aws_network_interfaces> parse_aws_network_interfaces(std::string_view text) {
    aws_network_interfaces out;
    auto ok = detail::aws_for_each_document(text, [&](const nlohmann::json& doc,
                                                      const std::string& where) -> result<void> {
        auto list = detail::aws_array(doc, "NetworkInterfaces", "");
        if (!list) return error(errc::malformed_json, where + list.error().detail());
        if (!*list) return error(errc::malformed_json, where + "NetworkInterfaces: missing");
        for (std::size_t i = 0; i < (*list)->size(); ++i) {
            auto eni = detail::aws_interface_from_json((**list)[i], fmt::format("NetworkInterfaces[{}]", i));
            if (!eni) return error(errc::malformed_json, where + eni.error().detail());
            out.interfaces.push_back(std::move(*eni));
        }
        auto token = detail::aws_string(doc, "NextToken", "");
        if (!token) return error(errc::malformed_json, where + token.error().detail());
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
    auto ok = detail::aws_for_each_document(text, [&](const nlohmann::json& doc,
                                                      const std::string& where) -> result<void> {
        auto list = detail::aws_array(doc, "SubnetIpv4CidrReservations", "");
        if (!list) return error(errc::malformed_json, where + list.error().detail());
        if (!*list) return error(errc::malformed_json, where + "SubnetIpv4CidrReservations: missing");
        for (std::size_t i = 0; i < (*list)->size(); ++i) {
            auto e = detail::aws_entry_with(**list, i, "SubnetIpv4CidrReservations", "Cidr");
            if (!e) return error(errc::malformed_json, where + e.error().detail());
            const auto& entry = *e->entry;
            const std::string& path = e->path;
            auto fail = [&](const std::string& p, std::string_view why) {
                return error(errc::malformed_json, fmt::format("{}{}: {}", where, p, why));
            };
            auto p = ipv4_prefix::parse(*e->text);
            if (!p) return fail(e->text_path, p.error().message());
            auto type = detail::aws_string(entry, "ReservationType", path);
            if (!type) return error(errc::malformed_json, where + type.error().detail());
            if (!*type) return fail(path + ".ReservationType", "missing");
            if (**type == "prefix") out.push_back({*p, reservation_type::prefix});
            else if (**type == "explicit") out.push_back({*p, reservation_type::explicit_});
            else return fail(path + ".ReservationType",
                             fmt::format("'{}' is neither prefix nor explicit", **type));
        }
        return success();
    });
    if (!ok) return ok.error();
    return out;
}

/// Applies reservations, then every interface's addresses and prefixes, to `s`, all or
/// nothing (on error `s` is unchanged). Interfaces whose SubnetId differs from `subnet_id`
/// are skipped when `subnet_id` is not empty. O(addresses * levels + reservations).
/// Errors: the subnet's (`address_not_in_subnet`, `already_allocated`, `address_reserved`,
/// `reservation_overlap`, ...) with a detail naming the interface or reservation.
[[nodiscard]] inline result<void> load_aws_occupancy(subnet& s,
                                                     const aws_network_interfaces& enis,
                                                     const std::vector<subnet_reservation>& reservations = {},
                                                     std::string_view subnet_id = {}) {
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
/// from `get-subnet-cidr-reservations`. O(n + addresses * levels).
/// Errors: `unsupported_subnet_size`, `malformed_json`, and those of `load_aws_occupancy`.
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
