// enipool-plan: the subcommand registry and the helpers every subcommand shares.
#include "command.hpp"

#include <enipool/json/catalog_json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>
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

CLI::Validator finite_number(double lo, double hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) -> std::string {
            double value = 0;
            const char* const end = text.data() + text.size();
            const auto [stop, ec] = std::from_chars(text.data(), end, value);
            if (text.empty() || stop != end || ec == std::errc::invalid_argument)
                return fmt::format("'{}' is not a number", text);
            if (ec == std::errc::result_out_of_range) return fmt::format("{} is out of range for a number", text);
            if (!std::isfinite(value)) return fmt::format("{} is not a finite number", text);
            if (value < lo || value > hi) return fmt::format("{} is outside {} .. {}", text, lo, hi);
            return {};
        },
        fmt::format("NUMBER in [{} .. {}]", lo, hi));
}

std::string render_text_table(const std::vector<std::string>& heads,
                              const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(heads.size());
    for (std::size_t c = 0; c < heads.size(); ++c) width[c] = heads[c].size();
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out = fmt::format("{:<{}}", cells.at(0), width[0]);
        for (std::size_t c = 1; c < cells.size(); ++c) out += fmt::format("  {:>{}}", cells[c], width[c]);
        return out + '\n';
    };
    std::string out = line(heads);
    for (const auto& row : rows) out += line(row);
    return out;
}

void add_instances_option(CLI::App& cmd, std::string& path) {
    cmd.add_option("--instances", path,
                   "Instance table: a CSV as `catalog --format csv` prints it, or `aws ec2 describe-instance-types` "
                   "JSON (default: the built-in catalog)");
}

void emit(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

void note(std::string_view text) { fmt::print(stderr, "note: {}\n", text); }

} // namespace enipool_plan
