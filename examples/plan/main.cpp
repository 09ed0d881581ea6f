// enipool-plan: capacity planning on the enipool library. Subcommands register themselves
// (see command.hpp); main parses the command line, runs the chosen one and maps every user
// error, CLI11's included, to exit status 2 with nothing on stdout. --help exits 0.
#include "command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
    CLI::App app{"enipool-plan: pod IP capacity planning for AWS-style nodes"};
    app.name("enipool-plan");
    app.require_subcommand(1);

    std::vector<std::pair<CLI::App*, enipool_plan::runner>> commands;
    try {
        for (const auto& command : enipool_plan::registered_commands()) {
            auto run = command.add(app);
            commands.emplace_back(app.get_subcommand(command.name), std::move(run));
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "enipool-plan: internal error while setting up: {}\n", e.what());
        return 1;
    }

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e); // help on stdout, exit 0
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        fmt::print(stderr, "enipool-plan: {}\nRun with --help for more information.\n", e.what());
        return enipool_plan::exit_usage;
    }

    for (auto& [sub, run] : commands) {
        if (!sub->parsed()) continue;
        try {
            return run();
        } catch (const enipool_plan::usage_error& e) {
            fmt::print(stderr, "enipool-plan {}: {}\n", sub->get_name(), e.what());
            return enipool_plan::exit_usage;
        } catch (const std::exception& e) {
            fmt::print(stderr, "enipool-plan {}: internal error: {}\n", sub->get_name(), e.what());
            return 1;
        }
    }
    fmt::print(stderr, "enipool-plan: no subcommand given; run with --help\n");
    return enipool_plan::exit_usage;
}
