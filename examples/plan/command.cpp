// enipool-plan: the subcommand registry and the helpers every subcommand shares.
#include "command.hpp"

#include <enipool/json/catalog_json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <type_traits>
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

template <class T>
CLI::Validator number(T lo, T hi) {
    return CLI::Validator(
        [lo, hi](std::string& text) -> std::string {
            const auto outside = [&] { return fmt::format("{} is outside {} .. {}", text, lo, hi); };
            double value = 0;
            const char* const end = text.data() + text.size();
            const auto [stop, ec] = std::from_chars(text.data(), end, value);
            if (stop != end || ec == std::errc::invalid_argument) return fmt::format("'{}' is not a number", text);
            if (ec == std::errc::result_out_of_range) return fmt::format("{} is out of range for a number", text);
            if (!std::isfinite(value)) return fmt::format("{} is not a finite number", text);
            if (value < static_cast<double>(lo) || value > static_cast<double>(hi)) return outside();
            if constexpr (std::is_integral_v<T>) {
                // The double check above is approximate near 2^64: the exact one is here.
                T whole{};
                const auto [wstop, wec] = std::from_chars(text.data(), end, whole);
                if (wec == std::errc::result_out_of_range) return outside();
                if (wec != std::errc{} || wstop != end) return fmt::format("{} is not a whole number", text);
                if (whole < lo || whole > hi) return outside();
            }
            return {};
        },
        fmt::format("{} in [{} .. {}]", std::is_integral_v<T> ? "WHOLE NUMBER" : "NUMBER", lo, hi));
}

template CLI::Validator number<double>(double, double);
template CLI::Validator number<unsigned>(unsigned, unsigned);
template CLI::Validator number<std::uint64_t>(std::uint64_t, std::uint64_t);

namespace {

// What every file flag refuses: an empty name, a directory. Empty when neither.
std::string file_name_problem(const std::string& path) {
    std::error_code ec;
    if (path.empty()) return "an empty value is not a file name";
    if (std::filesystem::is_directory(path, ec)) return fmt::format("{} is a directory, not a file", path);
    return {};
}

} // namespace

CLI::Validator input_file() {
    return CLI::Validator(
        [](std::string& path) -> std::string {
            if (auto problem = file_name_problem(path); !problem.empty()) return problem;
            std::error_code ec;
            return std::filesystem::exists(path, ec) ? std::string() : fmt::format("{}: no such file", path);
        },
        "FILE");
}

CLI::Validator output_file() {
    return CLI::Validator(
        [](std::string& path) -> std::string {
            if (auto problem = file_name_problem(path); !problem.empty()) return problem;
            std::error_code ec;
            const auto parent = std::filesystem::path(path).parent_path();
            if (!parent.empty() && !std::filesystem::is_directory(parent, ec))
                return fmt::format("{}: no directory {} to write it in", path, parent.string());
            return {};
        },
        "FILE");
}

CLI::Validator non_empty() {
    return CLI::Validator(
        [](std::string& text) -> std::string { return text.empty() ? "an empty value names nothing" : ""; }, "TEXT");
}

std::string one_line(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
            out += c;
    }
    return out;
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
                   "JSON (default: the built-in catalog)")
        ->check(input_file());
}

void emit(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

void note(std::string_view text) { fmt::print(stderr, "note: {}\n", text); }

} // namespace enipool_plan
