// enipool-plan: the subcommand registry and the helpers every subcommand shares.
#include "command.hpp"

#include <enipool/json/catalog_json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

namespace enipool_plan {

namespace {
std::vector<registered_command>& registry() {
    static std::vector<registered_command> commands;
    return commands;
}
} // namespace

command_registration::command_registration(std::string_view name, command_factory add) {
    registry().push_back({std::string(name), add});
}

std::vector<registered_command> registered_commands() {
    auto commands = registry();
    std::sort(commands.begin(), commands.end(),
              [](const registered_command& a, const registered_command& b) { return a.name < b.name; });
    return commands;
}

enipool::catalog load_instances(const std::string& path) {
    if (path.empty()) return enipool::builtin_catalog();
    auto loaded = enipool::load_catalog(path);
    if (!loaded) throw usage_error(fmt::format("--instances: {}", loaded.error().message()));
    if (loaded->empty()) throw usage_error(fmt::format("--instances: {} lists no instance type", path));
    return std::move(*loaded);
}

void emit(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

void note(std::string_view text) { fmt::print(stderr, "note: {}\n", text); }

} // namespace enipool_plan
