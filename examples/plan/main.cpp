// enipool-plan: capacity planning on the enipool library. Subcommands register themselves
// (see command.hpp); main parses the command line (plan_app.hpp), runs the chosen one and maps
// every user error, CLI11's included, to exit status 2 with one line on stderr and nothing on
// stdout. --help and --version exit 0.
#include "plan_app.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>

namespace {

void report(const std::string& command, const std::string& message) {
    std::fputs(enipool_plan::usage_line(command, message).c_str(), stderr);
}

} // namespace

int main(int argc, char** argv) {
    std::unique_ptr<enipool_plan::plan_app> plan;
    try {
        plan = enipool_plan::make_plan_app();
    } catch (const std::exception& e) {
        fmt::print(stderr, "enipool-plan: internal error while setting up: {}\n", e.what());
        return 1;
    }

    std::pair<CLI::App*, enipool_plan::runner>* chosen = nullptr;
    try {
        chosen = enipool_plan::parse_plan_arguments(*plan, argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return plan->app.exit(e); // help on stdout, exit 0
    } catch (const CLI::CallForAllHelp& e) {
        return plan->app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return plan->app.exit(e); // "enipool-plan <version>" on stdout, exit 0
    } catch (const CLI::ParseError& e) {
        report(enipool_plan::parsed_command_name(*plan), enipool_plan::parse_error_text(e));
        return enipool_plan::exit_usage;
    }
    if (chosen == nullptr) {
        report("", "no subcommand given; run with --help");
        return enipool_plan::exit_usage;
    }

    const std::string name = chosen->first->get_name();
    try {
        return chosen->second();
    } catch (const enipool_plan::usage_error& e) {
        report(name, e.what());
        return enipool_plan::exit_usage;
    } catch (const std::exception& e) {
        report(name, fmt::format("internal error: {}", e.what()));
        return 1;
    }
}
