// enipool/catalog.hpp: instance catalogs: instance types by name, the CSV instance table
// (reader and writer), and the built-in catalog of every type the VPC CNI knows
// (enipool/instance_data.hpp, generated from the upstream tables; docs/domain.md section 1).
//
// The JSON of `aws ec2 describe-instance-types` is read and written by
// enipool/json/catalog_json.hpp (it needs nlohmann-json); this header needs Boost and fmt only.
#pragma once

#include <enipool/error.hpp>
#include <enipool/instance_data.hpp>
#include <enipool/limits.hpp>

#include <boost/container/flat_map.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace enipool {

/// Instance types by name, iterated in name order (a sorted flat map).
class catalog {
public:
    using map_type = boost::container::flat_map<std::string, instance_type, std::less<>>;
    using const_iterator = map_type::const_iterator;

    /// Adds a type. O(n) (sorted vector insert). Errors: `invalid_instance_limits` when the
    /// name is empty or already present; the catalog is then unchanged.
    result<void> insert(instance_type type) {
        if (type.name.empty()) return error(errc::invalid_instance_limits, "an instance type has no name");
        if (types_.contains(type.name))
            return error(errc::invalid_instance_limits, fmt::format("{} is listed twice", type.name));
        std::string key = type.name;
        types_.emplace(std::move(key), std::move(type));
        return success();
    }

    /// Builds a catalog from types in any order (what the readers use). O(n log n).
    /// Errors: `invalid_instance_limits` when a name is empty or listed twice.
    [[nodiscard]] static result<catalog> from_types(std::vector<instance_type> types) {
        std::sort(types.begin(), types.end(),
                  [](const instance_type& a, const instance_type& b) { return a.name < b.name; });
        catalog out;
        out.types_.reserve(types.size());
        for (auto& type : types) {
            if (type.name.empty()) return error(errc::invalid_instance_limits, "an instance type has no name");
            if (!out.types_.empty() && (out.types_.end() - 1)->first == type.name)
                return error(errc::invalid_instance_limits, fmt::format("{} is listed twice", type.name));
            std::string key = type.name;
            out.types_.emplace_hint(out.types_.end(), std::move(key), std::move(type));
        }
        return out;
    }

    /// The type named `name`, or nullptr. O(log n). No errors.
    [[nodiscard]] const instance_type* find(std::string_view name) const noexcept {
        auto it = types_.find(name);
        return it == types_.end() ? nullptr : &it->second;
    }

    /// The type named `name`. O(log n). Errors: `unknown_instance_type` with the name.
    [[nodiscard]] result<instance_type> at(std::string_view name) const {
        if (const auto* type = find(name)) return *type;
        return error(errc::unknown_instance_type, std::string(name));
    }

    [[nodiscard]] std::size_t size() const noexcept { return types_.size(); }
    [[nodiscard]] bool empty() const noexcept { return types_.empty(); }
    /// Iteration yields `std::pair<const std::string, instance_type>`-like entries by name.
    [[nodiscard]] const_iterator begin() const noexcept { return types_.begin(); }
    [[nodiscard]] const_iterator end() const noexcept { return types_.end(); }

    friend bool operator==(const catalog&, const catalog&) = default;
    /// "catalog of N instance types" (for test diagnostics and logs).
    friend std::ostream& operator<<(std::ostream& os, const catalog& c) {
        return os << "catalog of " << c.size() << " instance types";
    }

private:
    map_type types_;
};

namespace detail {

[[nodiscard]] inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

[[nodiscard]] inline std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = s.find(sep);
        parts.push_back(trim(s.substr(0, at)));
        if (at == std::string_view::npos) return parts;
        s.remove_prefix(at + 1);
    }
}

/// A whole-field unsigned decimal, or nullopt.
[[nodiscard]] inline std::optional<unsigned> parse_unsigned(std::string_view s) noexcept {
    unsigned value = 0;
    if (s.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

[[nodiscard]] inline std::optional<bool> parse_bool(std::string_view s) noexcept {
    if (s == "true") return true;
    if (s == "false") return false;
    return std::nullopt;
}

[[nodiscard]] inline std::optional<hypervisor_kind> parse_hypervisor(std::string_view s) noexcept {
    if (s == "nitro") return hypervisor_kind::nitro;
    if (s == "xen") return hypervisor_kind::xen;
    if (s == "unknown" || s.empty()) return hypervisor_kind::unknown;
    return std::nullopt;
}

/// `index:max_enis;index:max_enis...`; the reason on failure.
[[nodiscard]] inline result<std::vector<network_card>> parse_network_cards(std::string_view s) {
    std::vector<network_card> cards;
    for (auto part : split(s, ';')) {
        const auto colon = part.find(':');
        if (colon == std::string_view::npos)
            return error(errc::malformed_csv, fmt::format("network card '{}' is not index:max_enis", part));
        const auto index = parse_unsigned(trim(part.substr(0, colon)));
        const auto enis = parse_unsigned(trim(part.substr(colon + 1)));
        if (!index || !enis)
            return error(errc::malformed_csv, fmt::format("network card '{}' is not index:max_enis", part));
        for (const auto& c : cards)
            if (c.index == *index)
                return error(errc::malformed_csv, fmt::format("network card {} is listed twice", *index));
        cards.push_back({*index, *enis});
    }
    return cards;
}

/// The input index of the first entry whose name an earlier entry already has. O(n log n).
[[nodiscard]] inline std::optional<std::size_t> first_duplicate(const std::vector<instance_type>& types) {
    std::vector<std::size_t> order(types.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return types[a].name < types[b].name; });
    std::optional<std::size_t> first;
    for (std::size_t k = 1; k < order.size(); ++k)
        if (types[order[k]].name == types[order[k - 1]].name && (!first || order[k] < *first)) first = order[k];
    return first;
}

/// Checks what both readers require of a finished type: real limits, and a default card
/// whose ENI limit is `max_enis`. The reason on failure ("name: reason").
[[nodiscard]] inline std::optional<std::string> check_catalog_row(const instance_type& t) {
    if (t.name.empty()) return "the instance type name is empty";
    if (auto ok = validate(t); !ok) return ok.error().detail(); // "name: reason"
    if (t.network_cards.empty()) return std::nullopt;
    for (const auto& c : t.network_cards)
        if (c.index == t.default_network_card_index) {
            if (c.max_enis != t.max_enis)
                return fmt::format("{}: max_enis {} differs from the default network card's {}",
                                   t.name, t.max_enis, c.max_enis);
            return std::nullopt;
        }
    return fmt::format("{}: the default network card {} is not in network_cards", t.name,
                       t.default_network_card_index);
}

} // namespace detail

/// Reads a CSV instance table (the format `format_catalog_csv` writes).
///
/// The header line names the columns, in any order; unknown columns are ignored. Required:
/// `instance_type`, `max_enis`, `ipv4_per_eni`, `default_network_card_index`,
/// `network_cards` (`index:max_enis;...`), `hypervisor` (nitro | xen | unknown),
/// `bare_metal` (true | false). Optional, an empty field meaning unknown: `vcpus`,
/// `efa_supported` (true | false), `efa_only_interfaces`, `trunk_compatible` (true | false),
/// `branch_interfaces`. Fields are split on commas (no quoting); blank
/// lines are skipped; `\r\n` line ends are accepted. O(n log n) in the rows.
/// Errors: `malformed_csv` with "line N: reason" for the first bad header or row (wrong
/// field count, bad number, unknown hypervisor, invalid limits, duplicate type, default
/// card missing or inconsistent). Nothing is half-loaded: on error no catalog is returned.
[[nodiscard]] inline result<catalog> parse_catalog_csv(std::string_view text) {
    enum column : std::size_t {
        name, max_enis, ipv4_per_eni, default_card, cards, hypervisor, bare_metal, vcpus,
        efa_supported, efa_only, trunk_compatible, branch_interfaces, column_count
    };
    static constexpr std::array<std::string_view, column_count> names{
        "instance_type", "max_enis", "ipv4_per_eni", "default_network_card_index", "network_cards",
        "hypervisor", "bare_metal", "vcpus", "efa_supported", "efa_only_interfaces",
        "trunk_compatible", "branch_interfaces"};
    constexpr std::size_t required = vcpus; // the columns before `vcpus` are required

    auto fail = [](std::size_t line, std::string reason) {
        return error(errc::malformed_csv, fmt::format("line {}: {}", line, reason));
    };

    std::array<std::optional<std::size_t>, column_count> where{};
    std::size_t field_count = 0;
    bool have_header = false;
    std::vector<instance_type> rows;
    std::vector<std::size_t> row_lines;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto eol = text.find('\n');
        const std::string_view line = detail::trim(text.substr(0, eol));
        text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
        ++line_no;
        if (line.empty()) continue;
        const auto fields = detail::split(line, ',');
        if (!have_header) {
            for (std::size_t i = 0; i < fields.size(); ++i)
                for (std::size_t c = 0; c < column_count; ++c)
                    if (fields[i] == names[c]) {
                        if (where[c]) return fail(line_no, fmt::format("column '{}' appears twice", names[c]));
                        where[c] = i;
                    }
            for (std::size_t c = 0; c < required; ++c)
                if (!where[c]) return fail(line_no, fmt::format("the header lacks the column '{}'", names[c]));
            field_count = fields.size();
            have_header = true;
            continue;
        }
        if (fields.size() != field_count)
            return fail(line_no, fmt::format("{} fields where the header has {}", fields.size(), field_count));
        auto field = [&](column c) { return fields[*where[c]]; };
        // Each reader stores the first failure in `bad` and does nothing once it is set.
        std::optional<error> bad;
        auto reject = [&](std::string reason) {
            if (!bad) bad = fail(line_no, std::move(reason));
        };
        auto present = [&](column c) { return where[c] && !field(c).empty(); };
        auto number = [&](column c, unsigned& into) {
            if (auto v = detail::parse_unsigned(field(c))) into = *v;
            else reject(fmt::format("{} '{}' is not a non-negative integer", names[c], field(c)));
        };
        auto boolean = [&](column c, bool& into) {
            if (auto v = detail::parse_bool(field(c))) into = *v;
            else reject(fmt::format("{} '{}' is not true or false", names[c], field(c)));
        };

        instance_type t;
        t.name = std::string(field(name));
        number(max_enis, t.max_enis);
        number(ipv4_per_eni, t.ipv4_per_eni);
        number(default_card, t.default_network_card_index);
        if (auto card_list = detail::parse_network_cards(field(cards))) t.network_cards = std::move(*card_list);
        else reject(card_list.error().detail());
        if (auto hv = detail::parse_hypervisor(field(hypervisor))) t.hypervisor = *hv;
        else reject(fmt::format("hypervisor '{}' is not nitro, xen or unknown", field(hypervisor)));
        boolean(bare_metal, t.bare_metal);
        if (present(vcpus)) {
            unsigned v = 0;
            number(vcpus, v);
            if (!bad && v == 0) reject("vcpus is 0");
            t.vcpus = v;
        }
        if (present(efa_supported)) boolean(efa_supported, t.efa_supported.emplace());
        if (present(efa_only)) number(efa_only, t.efa_only_interfaces);
        if (present(trunk_compatible)) boolean(trunk_compatible, t.trunk_compatible.emplace());
        if (present(branch_interfaces)) number(branch_interfaces, t.branch_interfaces.emplace());
        if (bad) return *bad;
        if (auto reason = detail::check_catalog_row(t)) return fail(line_no, *reason);
        rows.push_back(std::move(t));
        row_lines.push_back(line_no);
    }
    if (!have_header) return error(errc::malformed_csv, "line 1: the file is empty (no header line)");
    if (auto dup = detail::first_duplicate(rows))
        return fail(row_lines[*dup], fmt::format("{} is listed twice", rows[*dup].name));
    auto out = catalog::from_types(std::move(rows));
    if (!out) return error(errc::malformed_csv, out.error().detail());
    return out;
}

/// The whole content of a file. O(size). Errors: `io_error` with the path and the reason.
[[nodiscard]] inline result<std::string> read_text_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return error(errc::io_error, fmt::format("cannot open {}", path));
    std::string text;
    char buffer[65536];
    for (;;) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, f);
        text.append(buffer, n);
        if (n < sizeof buffer) break;
    }
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) return error(errc::io_error, fmt::format("cannot read {}", path));
    return text;
}

namespace detail {
/// Reads `path` and parses it with `parse`; a parse error's detail gets the path in front.
template <class Parse>
[[nodiscard]] result<catalog> read_catalog_file(const std::string& path, Parse parse) {
    auto text = read_text_file(path);
    if (!text) return text.error();
    auto parsed = parse(std::string_view(*text));
    if (!parsed) return error(parsed.error().code(), fmt::format("{}: {}", path, parsed.error().detail()));
    return parsed;
}
} // namespace detail

/// Reads a CSV instance table from a file (see `parse_catalog_csv`). O(n log n).
/// Errors: `io_error`, `malformed_csv` (detail starts with the path).
[[nodiscard]] inline result<catalog> read_catalog_csv(const std::string& path) {
    return detail::read_catalog_file(path, [](std::string_view text) { return parse_catalog_csv(text); });
}

/// Writes `types` as a CSV instance table that `parse_catalog_csv` reads back to the same
/// catalog: every column, unknown values as empty fields, rows in name order. A type with no
/// network cards listed is written with its default card (`index:max_enis`), which is what
/// the readers then hold. O(n). No errors.
[[nodiscard]] inline std::string format_catalog_csv(const catalog& types) {
    auto flag = [](const std::optional<bool>& v) -> std::string_view {
        return v ? (*v ? "true" : "false") : "";
    };
    auto number = [](const std::optional<unsigned>& v) { return v ? fmt::to_string(*v) : std::string(); };
    std::string out =
        "instance_type,vcpus,max_enis,ipv4_per_eni,default_network_card_index,network_cards,"
        "hypervisor,bare_metal,efa_supported,efa_only_interfaces,trunk_compatible,branch_interfaces\n";
    for (const auto& [name, t] : types) {
        std::string cards;
        for (const auto& c : t.network_cards)
            cards += fmt::format("{}{}:{}", cards.empty() ? "" : ";", c.index, c.max_enis);
        if (cards.empty()) cards = fmt::format("{}:{}", t.default_network_card_index, t.max_enis);
        out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", name, number(t.vcpus), t.max_enis,
                           t.ipv4_per_eni, t.default_network_card_index, cards, to_string(t.hypervisor),
                           t.bare_metal ? "true" : "false", flag(t.efa_supported), t.efa_only_interfaces,
                           flag(t.trunk_compatible), number(t.branch_interfaces));
    }
    return out;
}

namespace detail {

[[nodiscard]] inline std::optional<bool> from_known(instance_data::known k) noexcept {
    if (k == instance_data::known::unknown) return std::nullopt;
    return k == instance_data::known::yes;
}

/// One generated row as an instance_type. The generator wrote the network cards, so a
/// malformed list is a generator bug; the test of the built-in table catches it.
[[nodiscard]] inline instance_type from_instance_data(const instance_data::row& r) {
    instance_type t;
    t.name = std::string(r.name);
    if (r.vcpus != 0) t.vcpus = r.vcpus;
    t.max_enis = r.max_enis;
    t.ipv4_per_eni = r.ipv4_per_eni;
    t.default_network_card_index = r.default_network_card_index;
    if (auto cards = parse_network_cards(r.network_cards)) t.network_cards = std::move(*cards);
    t.hypervisor = r.hypervisor == instance_data::hv::nitro ? hypervisor_kind::nitro
                   : r.hypervisor == instance_data::hv::xen ? hypervisor_kind::xen
                                                            : hypervisor_kind::unknown;
    t.bare_metal = r.bare_metal;
    t.efa_supported = from_known(r.efa_supported);
    t.trunk_compatible = from_known(r.trunk_compatible);
    if (t.trunk_compatible) t.branch_interfaces = r.branch_interfaces;
    return t;
}

} // namespace detail

/// The built-in catalog: every instance type the VPC CNI knows (enipool/instance_data.hpp,
/// with the upstream commits it was generated from), used when no instance table is given.
/// vCPUs, EFA support and trunking are unknown where no source gives them. Built once, on
/// first use (thread-safe static, about 1,400 types); lookups are O(log n) after that.
/// No errors (a test checks every row).
[[nodiscard]] inline const catalog& builtin_catalog() {
    static const catalog table = [] {
        std::vector<instance_type> types;
        types.reserve(std::size(instance_data::rows));
        for (const auto& row : instance_data::rows) types.push_back(detail::from_instance_data(row));
        auto built = catalog::from_types(std::move(types));
        return built ? std::move(*built) : catalog{};
    }();
    return table;
}

} // namespace enipool
