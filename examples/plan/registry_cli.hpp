// enipool-plan: command-line choices derived from enipool's registries (policy.hpp): the
// accepted names and the help text of --policy and --warm come from the lists, so a new
// growth policy or warm strategy appears on the command line with no edit here.
#pragma once

#include <enipool/registry.hpp>

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace enipool_plan {

/// The names of `List`, then `extra` (e.g. "all"), as CLI::IsMember takes them. O(names).
template <class List>
[[nodiscard]] std::vector<std::string> registry_choices(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> out;
    for (std::string_view n : enipool::names_of(List{})) out.emplace_back(n);
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
}

/// "a | b | c", or with `described` "a (what a is) | b (...)", for a flag's help. O(names).
template <class List>
[[nodiscard]] std::string registry_help(bool described) {
    std::string out;
    enipool::for_each_type(List{}, [&]<class T>() {
        if (!out.empty()) out += " | ";
        out += T::name;
        if (described) {
            out += " (";
            out += T::description;
            out += ")";
        }
    });
    return out;
}

/// Adds `--warm` to `cmd`: one of `Warms`' names (default: the first), help listing each
/// with its description. An unknown name is CLI11's validation error naming the choices.
template <class Warms>
CLI::Option* add_warm_option(CLI::App& cmd, std::string& warm) {
    return cmd.add_option("--warm", warm, "Warm-pool strategy: " + registry_help<Warms>(true))
        ->check(CLI::IsMember(registry_choices<Warms>()))
        ->capture_default_str();
}

} // namespace enipool_plan
