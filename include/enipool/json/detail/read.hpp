// enipool/json/detail/read.hpp: the one set of JSON reading helpers every enipool::json
// reader uses (checkpoint, VPC CNI import, CNI config, AWS CLI subnets, instance catalogs).
//
// A `json_node` is a value of a parsed document together with its JSON path
// (`ipam.enis[0].prefixes[1]`); its typed readers return the value or an `error` whose detail
// is "<path>: <reason>". Every call takes its arguments in one order: the node (reached with
// `member(key)` / `at(index)`), then what the value must satisfy. A member that is absent or
// JSON null is absent to every reader.
//
// Each reader keeps its own `errc` and the wording of the failures all readers share
// (`json_wording`); its tests pin those texts, so only the code is shared, not the phrasing.
#pragma once

#include <enipool/error.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace enipool::detail {

/// How one reader phrases the failures every reader shares, and the errc of its errors.
/// The phrases are fmt patterns; their arguments are {0} the value as JSON (shortened),
/// {1} its type with an article ("a number"), {2} its type name ("number"), {3} what was
/// expected ("a string", "an array", the wording's `boolean`).
struct json_wording {
    errc code;
    std::string_view missing;          ///< a required member is absent: "is missing"
    std::string_view wrong_type;       ///< a scalar of the wrong type: "is {1}, not {3}"
    std::string_view wrong_container;  ///< an object or array of the wrong type
    std::string_view boolean;          ///< the expected-type phrase of booleans
    std::string_view not_unsigned;     ///< not an unsigned integer: {0} the value if a number (else
                                       ///< "..."), {1} its type with an article, {2} the value
    std::string_view negative;         ///< a negative integer where an unsigned one is needed ({0})
    std::string_view too_large;        ///< {0} the value, {1} the largest allowed
};

/// A JSON value (or its absence) and its path. Cheap to reach; the path is built on each
/// step (O(path length)). Holds pointers into the document, which must outlive it.
class json_node {
public:
    /// The whole document; `name` stands for it in errors about the root itself
    /// ("checkpoint", "(document)"); members of the root have paths without a prefix.
    json_node(const nlohmann::json& document, const json_wording& wording, std::string_view name)
        : value_(&document), wording_(&wording), root_name_(name) {}

    /// A value inside a document read elsewhere, whose path is `path` ("prevResult").
    [[nodiscard]] static json_node nested(const nlohmann::json& value, const json_wording& wording, std::string path) {
        json_node out(value, wording, {});
        out.path_ = std::move(path);
        return out;
    }

    /// Member `key` (absent when this is not an object, or the key is absent or null). O(log n).
    [[nodiscard]] json_node member(std::string_view key) const {
        json_node out(*this, path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key));
        out.value_ = nullptr;
        if (value_ != nullptr && value_->is_object())
            if (const auto it = value_->find(key); it != value_->end() && !it->is_null()) out.value_ = &*it;
        return out;
    }

    /// Element `index` of an array (absent when out of range or null). O(1).
    [[nodiscard]] json_node at(std::size_t index) const {
        json_node out(*this, fmt::format("{}[{}]", where(), index));
        out.value_ = nullptr;
        if (value_ != nullptr && value_->is_array() && index < value_->size() && !(*value_)[index].is_null())
            out.value_ = &(*value_)[index];
        return out;
    }

    [[nodiscard]] bool present() const noexcept { return value_ != nullptr; }
    /// The value; only when present().
    [[nodiscard]] const nlohmann::json& json() const noexcept { return *value_; }
    /// The JSON path, or the document's name for the root.
    [[nodiscard]] std::string where() const { return path_.empty() ? std::string(root_name_) : path_; }
    [[nodiscard]] const json_wording& wording() const noexcept { return *wording_; }

    /// "<path>: <reason>" with the reader's errc. O(path + reason).
    [[nodiscard]] error fail(std::string_view reason) const {
        return error(wording_->code, fmt::format("{}: {}", where(), reason));
    }
    [[nodiscard]] error missing() const { return fail(wording_->missing); }
    /// The value (present) is not `expected` ("a string", "an object").
    [[nodiscard]] error wrong_type(std::string_view expected) const {
        const bool container = value_->is_object() || value_->is_array();
        return fail(fmt::format(fmt::runtime(container ? wording_->wrong_container : wording_->wrong_type), shown(),
                                a_type(), value_->type_name(), expected));
    }
    /// The value as JSON, at most 80 characters (a hostile document can be large or deeply
    /// nested: rendering stops once 80 characters are written, so neither its size nor its
    /// depth costs more than that). O(1) in the document.
    [[nodiscard]] std::string shown() const {
        std::string text;
        render_prefix(*value_, text);
        if (text.size() > 80) text = text.substr(0, 77) + "...";
        return text;
    }
    // Appends `v` as compact JSON (what dump() writes) to `out` until `out` holds more than
    // 80 characters. Each level of nesting writes a bracket first, so the recursion is at
    // most 81 levels deep.
    static void render_prefix(const nlohmann::json& v, std::string& out) {
        constexpr std::size_t enough = 81;
        if (out.size() >= enough) return;
        if (v.is_array()) {
            out += '[';
            bool first = true;
            for (const auto& e : v) {
                if (out.size() >= enough) return;
                if (!first) out += ',';
                first = false;
                render_prefix(e, out);
            }
            out += ']';
        } else if (v.is_object()) {
            out += '{';
            bool first = true;
            for (const auto& [key, e] : v.items()) {
                if (out.size() >= enough) return;
                if (!first) out += ',';
                first = false;
                out += nlohmann::json(key).dump();
                out += ':';
                render_prefix(e, out);
            }
            out += '}';
        } else {
            out += v.dump();
        }
    }
    /// "an object", "a string", ...: the type of the value with its article.
    [[nodiscard]] std::string a_type() const {
        const std::string name = value_->type_name();
        return (name == "object" || name == "array" ? "an " : "a ") + name;
    }

    /// Fails unless the value is present and an object. O(1).
    [[nodiscard]] result<void> object() const {
        if (!present()) return missing();
        if (!value_->is_object()) return wrong_type("an object");
        return success();
    }
    /// Fails unless the value is absent or an object; true when present. O(1).
    [[nodiscard]] result<bool> optional_object() const {
        if (!present()) return false;
        if (auto ok = object(); !ok) return ok.error();
        return true;
    }
    /// The element count of a required array. O(1).
    [[nodiscard]] result<std::size_t> array() const {
        if (!present()) return missing();
        if (!value_->is_array()) return wrong_type("an array");
        return value_->size();
    }
    /// The element count of an optional array (0 when absent). O(1).
    [[nodiscard]] result<std::size_t> optional_array() const {
        if (!present()) return std::size_t{0};
        return array();
    }
    /// Calls `fn(element)` (returning result<void>) on each element of the array in order and
    /// stops at its first error. An absent value is an empty array unless `required`.
    /// O(n) calls. Errors: those of `array()`, then `fn`'s.
    template <class Fn>
    [[nodiscard]] result<void> for_each(Fn&& fn, bool required = false) const {
        auto count = required ? array() : optional_array();
        if (!count) return count.error();
        for (std::size_t i = 0; i < *count; ++i)
            if (auto ok = fn(at(i)); !ok) return ok;
        return success();
    }
    /// A required string (a view into the document). O(1).
    [[nodiscard]] result<std::string_view> string(std::string_view expected = "a string") const {
        if (!present()) return missing();
        if (!value_->is_string()) return wrong_type(expected);
        return std::string_view(value_->get_ref<const std::string&>());
    }
    /// Appends `read(element)` (returning result<T>) to `out` for each element of the array;
    /// as `for_each`. O(n) calls.
    template <class T, class Read>
    [[nodiscard]] result<void> append_each(std::vector<T>& out, Read&& read, bool required = false) const {
        return for_each(
            [&](const json_node& element) -> result<void> {
                auto value = read(element);
                if (!value) return value.error();
                out.push_back(std::move(*value));
                return success();
            },
            required);
    }
    /// A required string read by `parse` (ipv4_address::parse, ...: text -> result<T>); a text
    /// it refuses fails with `reason(text, parse_error)`. O(parse).
    template <class Parse, class Reason>
    [[nodiscard]] auto parsed(Parse&& parse, Reason&& reason, std::string_view expected = "a string") const
        -> decltype(parse(std::string_view{})) {
        auto text = string(expected);
        if (!text) return text.error();
        auto value = parse(*text);
        if (!value) return fail(reason(*text, value.error()));
        return value;
    }
    /// An optional string: nullopt when absent. O(1).
    [[nodiscard]] result<std::optional<std::string_view>> optional_string() const {
        if (!present()) return std::optional<std::string_view>{};
        auto s = string();
        if (!s) return s.error();
        return std::optional<std::string_view>{*s};
    }
    /// A boolean, `fallback` when absent. O(1).
    [[nodiscard]] result<bool> boolean(bool fallback) const {
        if (!present()) return fallback;
        if (!value_->is_boolean()) return wrong_type(wording_->boolean);
        return value_->get<bool>();
    }
    /// An unsigned integer in [0, max]; required. O(1).
    [[nodiscard]] result<std::uint64_t> unsigned_integer(std::uint64_t max) const {
        if (!present()) return missing();
        if (value_->is_number_integer() && !value_->is_number_unsigned())
            return fail(fmt::format(fmt::runtime(wording_->negative), shown()));
        if (!value_->is_number_unsigned())
            return fail(fmt::format(fmt::runtime(wording_->not_unsigned), value_->is_number() ? shown() : "...",
                                    a_type(), shown()));
        const auto v = value_->get<std::uint64_t>();
        if (v > max) return fail(fmt::format(fmt::runtime(wording_->too_large), v, max));
        return v;
    }
    /// An optional unsigned integer in [0, max]: nullopt when absent. O(1).
    [[nodiscard]] result<std::optional<std::uint64_t>> optional_unsigned(std::uint64_t max) const {
        if (!present()) return std::optional<std::uint64_t>{};
        auto v = unsigned_integer(max);
        if (!v) return v.error();
        return std::optional<std::uint64_t>{*v};
    }

private:
    json_node(const json_node& parent, std::string path)
        : value_(parent.value_), wording_(parent.wording_), root_name_(parent.root_name_), path_(std::move(path)) {}

    const nlohmann::json* value_;
    const json_wording* wording_;
    std::string_view root_name_;
    std::string path_;
};

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

/// Parses one JSON document; never throws. `prefix` starts every message ("checkpoint: ",
/// "document 2: ", or ""); `max_depth` (0: no limit) refuses deeper nesting before parsing.
/// O(n). Errors, all with `code`: "not valid JSON at byte N: <parser's reason>", "not valid
/// JSON: <reason>" (a number out of range), "nested N levels deep, at most M are accepted",
/// "cannot be read: <reason>" (bad_alloc on a hostile size).
[[nodiscard]] inline result<nlohmann::json> parse_json(std::string_view text, errc code, std::string_view prefix,
                                                       unsigned max_depth = 0) {
    if (max_depth != 0)
        if (const unsigned d = json_depth(text); d > max_depth)
            return error(code, fmt::format("{}nested {} levels deep, at most {} are accepted", prefix, d, max_depth));
    try {
        return result<nlohmann::json>(boost::system::in_place_value, nlohmann::json::parse(text.begin(), text.end()));
    } catch (const nlohmann::json::parse_error& e) {
        return error(code, fmt::format("{}not valid JSON at byte {}: {}", prefix, e.byte, e.what()));
    } catch (const nlohmann::json::exception& e) {  // out_of_range: a number like 1e400
        return error(code, fmt::format("{}not valid JSON: {}", prefix, e.what()));
    } catch (const std::exception& e) {
        return error(code, fmt::format("{}cannot be read: {}", prefix, e.what()));
    }
}

} // namespace enipool::detail
