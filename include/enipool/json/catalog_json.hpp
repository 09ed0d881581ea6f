// enipool/json/catalog_json.hpp: instance catalogs from the JSON that
// `aws ec2 describe-instance-types --output json` prints, and `load_catalog`, which reads
// either that JSON or the CSV table and tells them apart by their content.
// Part of enipool::json (needs nlohmann-json).
#pragma once

#include <enipool/catalog.hpp>
#include <enipool/error.hpp>
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

/// Reads the member `key` of object `obj` (at JSON path `path`) as an unsigned int.
/// nullopt value when absent and `required` is false.
[[nodiscard]] inline result<std::optional<unsigned>> json_unsigned(const nlohmann::json& obj,
                                                                   std::string_view key,
                                                                   const std::string& path,
                                                                   bool required) {
    const auto it = obj.find(key);
    if (it == obj.end()) {
        if (required) return error(errc::malformed_json, fmt::format("{}.{}: missing", path, key));
        return std::optional<unsigned>{};
    }
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() > std::numeric_limits<unsigned>::max())
        return error(errc::malformed_json,
                     fmt::format("{}.{}: {} is not a non-negative integer", path, key, it->dump()));
    return std::optional<unsigned>{it->get<unsigned>()};
}

[[nodiscard]] inline result<bool> json_bool(const nlohmann::json& obj, std::string_view key,
                                            const std::string& path) {
    const auto it = obj.find(key);
    if (it == obj.end()) return false;
    if (!it->is_boolean())
        return error(errc::malformed_json, fmt::format("{}.{}: {} is not true or false", path, key, it->dump()));
    return it->get<bool>();
}

/// One entry of `InstanceTypes` at JSON path `path`.
[[nodiscard]] inline result<instance_type> instance_type_from_json(const nlohmann::json& j,
                                                                   const std::string& path) {
    if (!j.is_object()) return error(errc::malformed_json, fmt::format("{}: not an object", path));
    instance_type t;
    const auto name = j.find("InstanceType");
    if (name == j.end()) return error(errc::malformed_json, fmt::format("{}.InstanceType: missing", path));
    if (!name->is_string() || name->get_ref<const std::string&>().empty())
        return error(errc::malformed_json, fmt::format("{}.InstanceType: not a non-empty string", path));
    t.name = name->get<std::string>();

    if (const auto cpu = j.find("VCpuInfo"); cpu != j.end()) {
        if (!cpu->is_object()) return error(errc::malformed_json, fmt::format("{}.VCpuInfo: not an object", path));
        auto v = json_unsigned(*cpu, "DefaultVCpus", path + ".VCpuInfo", false);
        if (!v) return v.error();
        t.vcpus = *v;
    }

    const auto net = j.find("NetworkInfo");
    if (net == j.end()) return error(errc::malformed_json, fmt::format("{}.NetworkInfo: missing", path));
    const std::string net_path = path + ".NetworkInfo";
    if (!net->is_object()) return error(errc::malformed_json, fmt::format("{}: not an object", net_path));
    auto total = json_unsigned(*net, "MaximumNetworkInterfaces", net_path, true);
    if (!total) return total.error();
    auto ipv4 = json_unsigned(*net, "Ipv4AddressesPerInterface", net_path, true);
    if (!ipv4) return ipv4.error();
    t.ipv4_per_eni = **ipv4;
    auto def = json_unsigned(*net, "DefaultNetworkCardIndex", net_path, false);
    if (!def) return def.error();
    t.default_network_card_index = def->value_or(0);

    // max_enis is the DEFAULT card's limit, not the instance total.
    std::optional<unsigned> default_card_enis;
    if (const auto cards = net->find("NetworkCards"); cards != net->end()) {
        if (!cards->is_array())
            return error(errc::malformed_json, fmt::format("{}.NetworkCards: not an array", net_path));
        for (std::size_t i = 0; i < cards->size(); ++i) {
            const auto& card = (*cards)[i];
            const std::string card_path = fmt::format("{}.NetworkCards[{}]", net_path, i);
            if (!card.is_object()) return error(errc::malformed_json, fmt::format("{}: not an object", card_path));
            auto index = json_unsigned(card, "NetworkCardIndex", card_path, true);
            if (!index) return index.error();
            auto enis = json_unsigned(card, "MaximumNetworkInterfaces", card_path, true);
            if (!enis) return enis.error();
            for (const auto& seen : t.network_cards)
                if (seen.index == **index)
                    return error(errc::malformed_json,
                                 fmt::format("{}.NetworkCardIndex: card {} is listed twice", card_path, **index));
            t.network_cards.push_back({**index, **enis});
            if (**index == t.default_network_card_index) default_card_enis = **enis;
        }
        if (!default_card_enis)
            return error(errc::malformed_json,
                         fmt::format("{}.NetworkCards: no card has the DefaultNetworkCardIndex {}", net_path,
                                     t.default_network_card_index));
    } else {
        default_card_enis = **total;
        t.network_cards.push_back({t.default_network_card_index, **total});
    }
    t.max_enis = *default_card_enis;

    if (net->contains("EfaSupported")) {
        auto efa = json_bool(*net, "EfaSupported", net_path);
        if (!efa) return efa.error();
        t.efa_supported = *efa;
    }
    // enipool's additions (not in EC2's output; format_catalog_json writes them).
    if (j.contains("TrunkCompatible")) {
        auto trunk = json_bool(j, "TrunkCompatible", path);
        if (!trunk) return trunk.error();
        t.trunk_compatible = *trunk;
    }
    auto branches = json_unsigned(j, "BranchInterfaces", path, false);
    if (!branches) return branches.error();
    t.branch_interfaces = *branches;

    if (const auto hv = j.find("Hypervisor"); hv != j.end()) {
        if (!hv->is_string())
            return error(errc::malformed_json, fmt::format("{}.Hypervisor: {} is not a string", path, hv->dump()));
        const auto kind = parse_hypervisor(hv->get_ref<const std::string&>());
        if (!kind)
            return error(errc::malformed_json,
                         fmt::format("{}.Hypervisor: '{}' is not nitro or xen", path, hv->get_ref<const std::string&>()));
        t.hypervisor = *kind;
    }
    auto metal = json_bool(j, "BareMetal", path);
    if (!metal) return metal.error();
    t.bare_metal = *metal;

    if (auto ok = validate(t); !ok)
        return error(errc::malformed_json, fmt::format("{}: {}", path, ok.error().detail()));
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
    nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (doc.is_discarded()) {
        // Parse again with exceptions only to learn where it failed (cold path).
        try {
            [[maybe_unused]] const auto again = nlohmann::json::parse(text.begin(), text.end());
        } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
            return error(errc::malformed_json, e.what());
        }
        return error(errc::malformed_json, "not a JSON document");
    }
    if (!doc.is_object()) return error(errc::malformed_json, "$: not an object with InstanceTypes");
    const auto list = doc.find("InstanceTypes");
    if (list == doc.end()) return error(errc::malformed_json, "InstanceTypes: missing");
    if (!list->is_array()) return error(errc::malformed_json, "InstanceTypes: not an array");
    std::vector<instance_type> types;
    types.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto type = detail::instance_type_from_json((*list)[i], fmt::format("InstanceTypes[{}]", i));
        if (!type) return type.error();
        types.push_back(std::move(*type));
    }
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
