// enipool/json/cni_env.hpp: the CNI environment of one plugin invocation (CNI_COMMAND,
// CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH, CNI_ARGS with K8S_POD_NAMESPACE /
// K8S_POD_NAME), read and validated the way the CNI spec defines them.
//
// The reader takes a lookup function (`std::getenv` in the plugin, a map in tests), so it
// never touches the process environment itself. Every rejection is `invalid_cni_environment`
// naming the variable and the reason (the spec's error code 4).
#pragma once

#include <enipool/error.hpp>

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace enipool::cni {

/// The CNI operations.
enum class command { add, del, check, version };

/// The spec's name of a command (`ADD`, `DEL`, `CHECK`, `VERSION`). O(1).
[[nodiscard]] constexpr std::string_view to_string(command c) noexcept {
    switch (c) {
    case command::add: return "ADD";
    case command::del: return "DEL";
    case command::check: return "CHECK";
    case command::version: return "VERSION";
    }
    return "?";
}

/// One invocation's environment. `args` keeps every CNI_ARGS pair in order.
struct environment {
    cni::command command = command::version;
    std::string container_id;
    std::string netns;
    std::string ifname;
    std::vector<std::string> path; ///< CNI_PATH split at ':'
    std::vector<std::pair<std::string, std::string>> args;
    std::string k8s_pod_namespace; ///< from CNI_ARGS, empty when absent
    std::string k8s_pod_name;      ///< from CNI_ARGS, empty when absent
};

namespace detail {

[[nodiscard]] inline error env_error(std::string_view variable, std::string_view reason) {
    return error(errc::invalid_cni_environment, fmt::format("{}: {}", variable, reason));
}

// Spec: a container id is non-empty, starts with an alphanumeric and continues with
// alphanumerics, '_', '.', '-'.
[[nodiscard]] constexpr bool is_valid_container_id(std::string_view id) noexcept {
    if (id.empty()) return false;
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
    }
    return true;
}

// Linux interface names: 1..15 bytes, no '/', ':' or whitespace, not "." or "..".
[[nodiscard]] constexpr std::string_view ifname_problem(std::string_view name) noexcept {
    if (name.empty()) return "is empty";
    if (name.size() > 15) return "is longer than 15 characters";
    if (name == "." || name == "..") return "must not be '.' or '..'";
    for (const char c : name)
        if (c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
            c == '\f')
            return "must not contain '/', ':' or whitespace";
    return {};
}

// A value as an error shows it: at most 64 bytes (then "..."), control bytes as \xNN, so
// a hostile value cannot flood or break the one-line error.
[[nodiscard]] inline std::string shown(std::string_view value) {
    constexpr std::size_t limit = 64;
    std::string out;
    for (const char c : value.substr(0, limit)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) out += fmt::format("\\x{:02x}", byte);
        else out += c;
    }
    if (value.size() > limit) out += "...";
    return out;
}

[[nodiscard]] constexpr bool is_lower_alnum(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// Kubernetes' DNS-1123 names: a label (namespaces: at most 63 bytes of [a-z0-9-]) or a
// subdomain (pod names: at most 253 bytes of [a-z0-9.-]), starting and ending alphanumeric.
[[nodiscard]] constexpr bool is_dns1123(std::string_view name, bool subdomain) noexcept {
    if (name.empty() || name.size() > (subdomain ? 253u : 63u)) return false;
    if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) return false;
    for (const char c : name)
        if (!is_lower_alnum(c) && c != '-' && !(subdomain && c == '.')) return false;
    return true;
}

} // namespace detail

/// Parses CNI_ARGS (`K1=V1;K2=V2`) into pairs. O(n^2) in the pairs (duplicates), O(n) in
/// the text. An empty text gives no pairs; empty items ("A=1;;B=2", a trailing ';') are
/// skipped.
/// Errors: `invalid_cni_environment` for an item without '=', a key that is not letters,
/// digits, '_' and '-' (the spec's alphanumeric keys, with the separators kubelet's use), a
/// key given twice, or a value with a control character.
[[nodiscard]] inline result<std::vector<std::pair<std::string, std::string>>>
parse_cni_args(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find(';', pos);
        if (end == std::string_view::npos) end = text.size();
        const auto item = text.substr(pos, end - pos);
        pos = end + 1;
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos)
            return detail::env_error("CNI_ARGS", fmt::format("'{}' is not KEY=VALUE", detail::shown(item)));
        if (eq == 0)
            return detail::env_error("CNI_ARGS", fmt::format("'{}' has an empty key", detail::shown(item)));
        const auto key = item.substr(0, eq), value = item.substr(eq + 1);
        for (const char c : key)
            if (!detail::is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '_' && c != '-')
                return detail::env_error("CNI_ARGS", fmt::format("key '{}' is not letters, digits, '_' and '-'",
                                                                 detail::shown(key)));
        for (const char c : value)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                return detail::env_error("CNI_ARGS", fmt::format("the value of {} has a control character: '{}'",
                                                                 detail::shown(key), detail::shown(value)));
        for (const auto& [seen, v] : pairs)
            if (seen == key) return detail::env_error("CNI_ARGS", fmt::format("{} is given twice", detail::shown(key)));
        pairs.emplace_back(std::string(key), std::string(value));
    }
    return pairs;
}

/// Reads and validates the environment through `lookup(name)`, which returns a
/// `const char*` (null when the variable is unset), like `std::getenv`. O(total length).
/// Required as the spec says: CNI_COMMAND always; CNI_CONTAINERID, CNI_IFNAME and CNI_PATH
/// for ADD, DEL and CHECK; CNI_NETNS for ADD and CHECK (its path is not opened: an IPAM
/// plugin never enters the namespace).
/// Errors: `invalid_cni_environment` naming the variable (missing, unknown command,
/// malformed container id or interface name, malformed CNI_ARGS, a K8S_POD_NAME or
/// K8S_POD_NAMESPACE that is not a Kubernetes name).
template <class Lookup>
[[nodiscard]] result<environment> read_environment(Lookup&& lookup) {
    auto get = [&](const char* name) -> std::optional<std::string> {
        const char* value = lookup(name);
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
    environment env;
    const auto cmd = get("CNI_COMMAND");
    if (!cmd || cmd->empty()) return detail::env_error("CNI_COMMAND", "is not set");
    if (*cmd == "ADD") env.command = command::add;
    else if (*cmd == "DEL") env.command = command::del;
    else if (*cmd == "CHECK") env.command = command::check;
    else if (*cmd == "VERSION") env.command = command::version;
    else
        return detail::env_error("CNI_COMMAND",
                                 fmt::format("'{}' is not ADD, DEL, CHECK or VERSION", detail::shown(*cmd)));
    if (env.command == command::version) return env;

    auto id = get("CNI_CONTAINERID");
    if (!id || id->empty()) return detail::env_error("CNI_CONTAINERID", "is not set");
    if (!detail::is_valid_container_id(*id))
        return detail::env_error("CNI_CONTAINERID",
                                 fmt::format("'{}' must start with a letter or digit and hold "
                                             "only letters, digits, '_', '.', '-'",
                                             detail::shown(*id)));
    env.container_id = std::move(*id);

    auto ifname = get("CNI_IFNAME");
    if (!ifname) return detail::env_error("CNI_IFNAME", "is not set");
    if (const auto problem = detail::ifname_problem(*ifname); !problem.empty())
        return detail::env_error("CNI_IFNAME", fmt::format("'{}' {}", detail::shown(*ifname), problem));
    env.ifname = std::move(*ifname);

    auto netns = get("CNI_NETNS");
    if ((!netns || netns->empty()) && env.command != command::del)
        return detail::env_error("CNI_NETNS", "is not set");
    if (netns) env.netns = std::move(*netns);

    auto path = get("CNI_PATH");
    if (!path || path->empty()) return detail::env_error("CNI_PATH", "is not set");
    std::string_view rest = *path;
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const auto dir = rest.substr(0, colon);
        if (!dir.empty()) env.path.emplace_back(dir);
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }

    if (auto args_text = get("CNI_ARGS")) {
        auto args = parse_cni_args(*args_text);
        if (!args) return args.error();
        env.args = std::move(*args);
        for (const auto& [key, value] : env.args) {
            const bool is_namespace = key == "K8S_POD_NAMESPACE";
            if (!is_namespace && key != "K8S_POD_NAME") continue;
            if (!detail::is_dns1123(value, !is_namespace))
                return detail::env_error("CNI_ARGS", fmt::format("{} '{}' is not a Kubernetes name ({})", key,
                                                                 detail::shown(value),
                                                                 is_namespace ? "at most 63 of a-z, 0-9, '-'"
                                                                              : "at most 253 of a-z, 0-9, '-', '.'"));
            (is_namespace ? env.k8s_pod_namespace : env.k8s_pod_name) = value;
        }
    }
    return env;
}

} // namespace enipool::cni
