// enipool-plan: building and parsing the command line (see plan_app.hpp).
#include "plan_app.hpp"

#include <fmt/format.h>

#include <string>
#include <string_view>

// The project's version, `project(enipool VERSION ...)` in CMakeLists.txt, which the build passes
// to this file alone (examples/plan/plan_commands.cmake).
#ifndef ENIPOOL_VERSION
#define ENIPOOL_VERSION "unknown (built without ENIPOOL_VERSION)"
#endif

namespace enipool_plan {

std::string version_line() { return fmt::format("enipool-plan {}", ENIPOOL_VERSION); }

std::unique_ptr<plan_app> make_plan_app() {
    auto plan = std::make_unique<plan_app>();
    plan->app.require_subcommand(1);
    // `enipool-plan --version`: "enipool-plan <project version>" on stdout, exit 0 (main()).
    plan->app.set_version_flag("--version", version_line(), "Print the program's version and exit");
    // Flags take no value: `--no-map=0` would otherwise silently mean "map after all".
    plan->app.get_help_ptr()->disable_flag_override();
    plan->app.get_option("--version")->disable_flag_override();
    for (const auto& command : registered_commands()) {
        auto run = command.add(plan->app);
        CLI::App* sub = plan->app.get_subcommand(command.name);
        sub->get_help_ptr()->disable_flag_override();
        plan->commands.emplace_back(sub, std::move(run));
    }
    return plan;
}

std::pair<CLI::App*, runner>* parse_plan_arguments(plan_app& plan, int argc, const char* const* argv) {
    // CLI11 reads `--flag=` (an empty value) as the bare flag; refuse it as it refuses
    // `--flag=0`.
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") break;
        if (arg.size() < 4 || !arg.starts_with("--") || !arg.ends_with("=")) continue;
        const std::string name(arg.substr(2, arg.size() - 3));
        std::vector<const CLI::App*> apps{&plan.app};
        for (const auto& command : plan.commands) apps.push_back(command.first);
        for (const CLI::App* app : apps) {
            const CLI::Option* opt = app->get_option_no_throw("--" + name);
            if (opt != nullptr && opt->get_expected_max() == 0) throw CLI::ArgumentMismatch::FlagOverride(name);
        }
    }
    plan.app.parse(argc, argv);
    for (auto& command : plan.commands)
        if (command.first->parsed()) return &command;
    return nullptr;
}

std::string parsed_command_name(const plan_app& plan) {
    for (const auto& command : plan.commands)
        if (command.first->parsed()) return command.first->get_name();
    return {};
}

std::string parse_error_text(const CLI::ParseError& e) {
    // CLI11's message for `--flag=value` on a flag names it without dashes; say which flag.
    const std::string what = e.what();
    constexpr std::string_view override_tail = " was given a disallowed flag override";
    if (what.size() > override_tail.size() && what.ends_with(override_tail))
        return fmt::format("--{}: takes no value", what.substr(0, what.size() - override_tail.size()));
    // A flag given more often than it may be: CLI11 says "--subnet: At Most 1 required but
    // received 2"; say what to do.
    constexpr std::string_view at_most_one = ": At Most 1 required but received ";
    if (const auto at = what.find(at_most_one); at != std::string::npos)
        return fmt::format("{}: give exactly one (it was given {} times)", what.substr(0, at),
                           what.substr(at + at_most_one.size()));
    return fmt::format("{} (see --help)", what);
}

std::string usage_line(const std::string& command, const std::string& message) {
    return fmt::format("enipool-plan{}{}: {}\n", command.empty() ? "" : " ", command, one_line(message));
}

} // namespace enipool_plan
