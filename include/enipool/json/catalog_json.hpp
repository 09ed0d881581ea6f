// enipool/json/catalog_json.hpp: instance catalogs from the JSON that
// `aws ec2 describe-instance-types --output json` prints, and `load_catalog`, which reads
// either that JSON or the CSV table and tells them apart by their content.
// Part of enipool::json (needs nlohmann-json).
#pragma once

#include <enipool/catalog.hpp>
#include <enipool/error.hpp>
#include <enipool/json/detail/read.hpp>
#include <enipool/limits.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enipool {

namespace detail {

// The wording of catalog errors ("InstanceTypes[2].NetworkInfo: missing").
inline constexpr json_wording catalog_wording{
    errc::malformed_json, "missing", "{0} is not {3}", "not {3}", "true or false",
    "{2} is not a non-negative integer", "{0} is not a non-negative integer",
    "{0} exceeds the largest allowed value {1}"};

inline constexpr std::uint64_t max_unsigned = std::numeric_limits<unsigned>::max();

[[nodiscard]] inline result<std::optional<unsigned>> optional_uint(const json_node& n) {
    auto v = n.optional_unsigned(max_unsigned);
    if (!v) return v.error();
    return *v ? std::optional<unsigned>(static_cast<unsigned>(**v)) : std::nullopt;
}

[[nodiscard]] inline result<unsigned> required_uint(const json_node& n) {
    auto v = n.unsigned_integer(max_unsigned);
    if (!v) return v.error();
    return static_cast<unsigned>(*v);
}

// NetworkInfo.NetworkCards into `t.network_cards`; returns the default card's ENI limit.
[[nodiscard]] inline result<unsigned> network_cards_from_json(const json_node& cards, instance_type& t) {
    std::optional<unsigned> default_card_enis;
    auto read = cards.for_each([&](const json_node& card) -> result<void> {
        if (auto ok = card.object(); !ok) return ok;
        auto index = required_uint(card.member("NetworkCardIndex"));
        if (!index) return index.error();
        auto enis = required_uint(card.member("MaximumNetworkInterfaces"));
        if (!enis) return enis.error();
        for (const auto& seen : t.network_cards)
            if (seen.index == *index)
                return card.member("NetworkCardIndex").fail(fmt::format("card {} is listed twice", *index));
        t.network_cards.push_back({*index, *enis});
        if (*index == t.default_network_card_index) default_card_enis = *enis;
        return success();
    }, true);
    if (!read) return read.error();
    if (!default_card_enis)
        return cards.fail(fmt::format("no card has the DefaultNetworkCardIndex {}", t.default_network_card_index));
    return *default_card_enis;
}

/// One entry of `InstanceTypes`.
[[nodiscard]] inline result<instance_type> instance_type_from_json(const json_node& n) {
    if (auto ok = n.object(); !ok) return ok.error();
    instance_type t;
    const json_node name = n.member("InstanceType");
    if (!name.present()) return name.missing();
    if (!name.json().is_string() || name.json().get_ref<const std::string&>().empty())
        return name.fail("not a non-empty string");
    t.name = name.json().get<std::string>();

    const json_node cpu = n.member("VCpuInfo");
    auto has_cpu = cpu.optional_object();
    if (!has_cpu) return has_cpu.error();
    if (*has_cpu) {
        auto v = optional_uint(cpu.member("DefaultVCpus"));
        if (!v) return v.error();
        t.vcpus = *v;
    }

    const json_node net = n.member("NetworkInfo");
    if (auto ok = net.object(); !ok) return ok.error();
    auto total = required_uint(net.member("MaximumNetworkInterfaces"));
    if (!total) return total.error();
    auto ipv4 = required_uint(net.member("Ipv4AddressesPerInterface"));
    if (!ipv4) return ipv4.error();
    t.ipv4_per_eni = *ipv4;
    auto def = optional_uint(net.member("DefaultNetworkCardIndex"));
    if (!def) return def.error();
    t.default_network_card_index = def->value_or(0);

    // max_enis is the DEFAULT card's limit, not the instance total.
    if (const json_node cards = net.member("NetworkCards"); cards.present()) {
        auto enis = network_cards_from_json(cards, t);
        if (!enis) return enis.error();
        t.max_enis = *enis;
    } else {
        t.max_enis = *total;
        t.network_cards.push_back({t.default_network_card_index, *total});
    }

    if (const json_node efa = net.member("EfaSupported"); efa.present()) {
        auto v = efa.boolean(false);
        if (!v) return v.error();
        t.efa_supported = *v;
    }
    // enipool's additions (not in EC2's output; format_catalog_json writes them).
    if (const json_node trunk = n.member("TrunkCompatible"); trunk.present()) {
        auto v = trunk.boolean(false);
        if (!v) return v.error();
        t.trunk_compatible = *v;
    }
    auto branches = optional_uint(n.member("BranchInterfaces"));
    if (!branches) return branches.error();
    t.branch_interfaces = *branches;

    const json_node hv = n.member("Hypervisor");
    auto hv_text = hv.optional_string();
    if (!hv_text) return hv_text.error();
    if (*hv_text) {
        const auto kind = parse_hypervisor(**hv_text);
        if (!kind) return hv.fail(fmt::format("'{}' is not nitro or xen", **hv_text));
        t.hypervisor = *kind;
    }
    auto metal = n.member("BareMetal").boolean(false);
    if (!metal) return metal.error();
    t.bare_metal = *metal;

    if (auto ok = validate(t); !ok) return n.fail(ok.error().detail());
    return t;
}

} // namespace detail

/// Reads the output of `aws ec2 describe-instance-types --output json`:
/// `{"InstanceTypes": [{"InstanceType", "VCpuInfo": {"DefaultVCpus"}, "NetworkInfo":
/// {"MaximumNetworkInterfaces", "Ipv4AddressesPerInterface", "NetworkCards":
/// [{"NetworkCardIndex", "MaximumNetworkInterfaces", ...}], "DefaultNetworkCardIndex",
/// "EfaSupported", ...}, "Hypervisor", "BareMetal", ...}, ...]}`, plus enipool's own
/// optional members "TrunkCompatible" and "BranchInterfaces". Other members are ignored. `max_enis` is the MaximumNetworkInterfaces of the NetworkCards entry whose index
/// is DefaultNetworkCardIndex (default 0); without NetworkCards, the instance total. Without
/// VCpuInfo the vCPU count is unknown, without EfaSupported EFA support is unknown; without
/// Hypervisor it is `unknown`.
/// O(n log n) in the types.
/// Errors: `malformed_json` with the JSON path and reason ("InstanceTypes[2].NetworkInfo.
/// Ipv4AddressesPerInterface: missing") or the parser's position for bad syntax. Nothing is
/// half-loaded.
[[nodiscard]] inline result<catalog> parse_catalog_json(std::string_view text) {
    auto doc = detail::parse_json(text, errc::malformed_json, "");
    if (!doc) return doc.error();
    const detail::json_node root(*doc, detail::catalog_wording, "$");
    if (!doc->is_object()) return root.fail("not an object with InstanceTypes");
    std::vector<instance_type> types;
    auto read = root.member("InstanceTypes").append_each(types, detail::instance_type_from_json, true);
    if (!read) return read.error();
    if (auto dup = detail::first_duplicate(types))
        return error(errc::malformed_json,
                     fmt::format("InstanceTypes[{}].InstanceType: {} is listed twice", *dup, types[*dup].name));
    auto out = catalog::from_types(std::move(types));
    if (!out) return error(errc::malformed_json, out.error().detail());
    return out;
}

/// Writes `types` in the shape of `aws ec2 describe-instance-types --output json`, with the
/// members the catalog knows (an unknown value is left out), plus "TrunkCompatible" and
/// "BranchInterfaces" where known. NetworkInfo.MaximumNetworkInterfaces is the sum over the
/// network cards, as EC2 reports it. `parse_catalog_json` reads it back to the same catalog.
/// O(n). No errors.
[[nodiscard]] inline std::string format_catalog_json(const catalog& types) {
    auto list = nlohmann::ordered_json::array();
    for (const auto& [name, t] : types) {
        nlohmann::ordered_json entry;
        entry["InstanceType"] = name;
        if (t.vcpus) entry["VCpuInfo"] = {{"DefaultVCpus", *t.vcpus}};
        nlohmann::ordered_json net;
        std::uint64_t total = 0;
        auto cards = nlohmann::ordered_json::array();
        for (const auto& c : t.network_cards) {
            total += c.max_enis;
            cards.push_back({{"NetworkCardIndex", c.index}, {"MaximumNetworkInterfaces", c.max_enis}});
        }
        net["MaximumNetworkInterfaces"] = t.network_cards.empty() ? std::uint64_t{t.max_enis} : total;
        net["Ipv4AddressesPerInterface"] = t.ipv4_per_eni;
        net["DefaultNetworkCardIndex"] = t.default_network_card_index;
        if (t.network_cards.empty())
            cards.push_back({{"NetworkCardIndex", t.default_network_card_index},
                             {"MaximumNetworkInterfaces", t.max_enis}});
        net["NetworkCards"] = std::move(cards);
        if (t.efa_supported) net["EfaSupported"] = *t.efa_supported;
        entry["NetworkInfo"] = std::move(net);
        if (t.hypervisor != hypervisor_kind::unknown)
            entry["Hypervisor"] = t.hypervisor == hypervisor_kind::nitro ? "nitro" : "xen";
        entry["BareMetal"] = t.bare_metal;
        if (t.trunk_compatible) entry["TrunkCompatible"] = *t.trunk_compatible;
        if (t.branch_interfaces) entry["BranchInterfaces"] = *t.branch_interfaces;
        list.push_back(std::move(entry));
    }
    nlohmann::ordered_json doc;
    doc["InstanceTypes"] = std::move(list);
    return doc.dump(2) + "\n";
}

/// Reads a catalog from text in either format: JSON when the first non-space character is
/// `{`, else CSV. O(n log n). Errors: those of `parse_catalog_json` / `parse_catalog_csv`.
[[nodiscard]] inline result<catalog> parse_catalog(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && text[first] == '{') return parse_catalog_json(text);
    return parse_catalog_csv(text);
}

/// Reads a catalog file in either format (see `parse_catalog`). O(size + n log n).
/// Errors: `io_error` (unreadable), `malformed_csv` / `malformed_json`; the detail starts
/// with the path.
[[nodiscard]] inline result<catalog> load_catalog(const std::string& path) {
    return detail::read_catalog_file(path, [](std::string_view text) { return parse_catalog(text); });
}

} // namespace enipool
