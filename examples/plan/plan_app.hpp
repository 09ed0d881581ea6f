// enipool-plan: the command line with every registered subcommand, built and parsed apart
// from running, so that main() and the fuzz target (tests/fuzzing/fuzz_plan_cli.cpp) share it.
#pragma once

#include "command.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace enipool_plan {

/// The CLI11 app and, for each subcommand, what runs it.
struct plan_app {
    CLI::App app{"enipool-plan: pod IP capacity planning for AWS-style nodes", "enipool-plan"};
    std::vector<std::pair<CLI::App*, runner>> commands;
};

/// What `enipool-plan --version` prints: "enipool-plan <project version>".
[[nodiscard]] std::string version_line();

/// The app with every registered subcommand and its flags. Throws (a bug, not a user error)
/// when a subcommand cannot be set up.
[[nodiscard]] std::unique_ptr<plan_app> make_plan_app();

/// Parses `argv` (argv[0] is the program's name) and every flag's check. Throws CLI11's
/// ParseError (CallForHelp included) for the caller to report; nothing has run yet. Returns
/// the chosen subcommand's entry (nullptr when none was given).
std::pair<CLI::App*, runner>* parse_plan_arguments(plan_app& plan, int argc, const char* const* argv);

/// The subcommand whose flags were being parsed ("" before any): names the command in errors.
[[nodiscard]] std::string parsed_command_name(const plan_app& plan);

/// What main() says about a refused command line: CLI11's message, with the flag named.
[[nodiscard]] std::string parse_error_text(const CLI::ParseError& e);

/// The one line main() writes on stderr for a user error: "enipool-plan <command>: <message>\n"
/// ("enipool-plan: ..." without a command), control characters escaped (see one_line).
[[nodiscard]] std::string usage_line(const std::string& command, const std::string& message);

} // namespace enipool_plan
