// enipool-plan: how a subcommand plugs in, and what every subcommand shares.
//
// Each subcommand lives in its own file under examples/plan/ (every *.cpp there is part of
// the program) and registers itself with a namespace-scope `command_registration`:
//
//     static const enipool_plan::command_registration reg{"simulate", add_simulate_command};
//
// where `add_simulate_command(CLI::App& parent)` adds the CLI11 subcommand with its flags
// and returns the function that runs it. main.cpp needs no edit.
//
// The exit-status rule of every subcommand: 0 on success; 2 with a message on stderr and
// NOTHING on stdout for unknown names, bad flag values, unreadable files and anything else
// the user must fix. So a command builds its whole output first and prints it last
// (`emit`), and reports user errors by throwing `usage_error`, which main() turns into
// "enipool-plan <command>: <message>" on stderr and exit 2.
#pragma once

#include <enipool/catalog.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace enipool_plan {

/// Exit status for anything the user must fix (CLI11's own parse errors included).
inline constexpr int exit_usage = 2;

/// A failure the user caused; main() prints it on stderr and exits with `exit_usage`.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A registered subcommand's runner: returns the exit status.
using runner = std::function<int()>;
/// Adds a subcommand (with its flags) to `parent`; returns what runs it when chosen.
using command_factory = runner (*)(CLI::App& parent);

/// Registers a subcommand at static-initialisation time (one per subcommand file).
struct command_registration {
    command_registration(std::string_view name, command_factory add);
};

struct registered_command {
    std::string name;
    command_factory add;
};
/// Every registered subcommand, sorted by name.
[[nodiscard]] std::vector<registered_command> registered_commands();

/// The catalog of `--instances FILE` (CSV or JSON, detected from the content), or the
/// built-in catalog when `path` is empty. Throws `usage_error` when the file cannot be read
/// or parsed (the message has the path, line or JSON path, and the reason).
[[nodiscard]] enipool::catalog load_instances(const std::string& path);

/// The one check of every numeric flag of every subcommand (counts, seeds, percentages,
/// rates): the text must be a decimal number in [lo, hi], and a whole one when T is an
/// integer type. CLI11's own Range lets NaN through (every comparison with NaN is false) and
/// its conversions wrap or fail with their own wording; this refuses every bad value with one
/// sentence style ("nan is not a finite number", "-1 is outside 0 .. 100"), which CLI11 prefixes
/// with the flag's name. Instantiated for double, unsigned and std::uint64_t.
template <class T>
[[nodiscard]] CLI::Validator number(T lo, T hi);

/// The check of every file a flag reads: the path must name an existing file that is not a
/// directory.
[[nodiscard]] CLI::Validator input_file();

/// The check of every file a flag writes: a non-empty path, not a directory, in a directory
/// that exists; checked before any work, so a typo costs no simulation.
[[nodiscard]] CLI::Validator output_file();

/// The check of free-text flags (names, expressions): the text must not be empty, since an
/// empty value would read as "not given".
[[nodiscard]] CLI::Validator non_empty();

/// `text` on one line: control characters (newlines included) as \xNN, so that an error
/// echoing what the user typed stays the one line on stderr it is meant to be.
[[nodiscard]] std::string one_line(std::string_view text);

/// A plain-text table: the first column left-aligned, the others right-aligned, two spaces
/// between columns, each as wide as its widest cell. `heads` and every row have the same
/// number of cells.
[[nodiscard]] std::string render_text_table(const std::vector<std::string>& heads,
                                            const std::vector<std::vector<std::string>>& rows);

/// Adds `--instances FILE` (what `load_instances` reads) to `cmd`, with the one help text
/// every subcommand shares.
void add_instances_option(CLI::App& cmd, std::string& path);

/// Writes a command's finished output to stdout in one go.
void emit(std::string_view text);

/// Writes a note (not an error) on stderr: "note: <text>".
void note(std::string_view text);

} // namespace enipool_plan
