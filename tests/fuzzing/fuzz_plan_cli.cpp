// Fuzz target plan_cli: enipool-plan's command line, in-process. The input is the argument
// vector after the program's name, the arguments separated by NUL bytes (as argv cannot hold
// a NUL, every argv is reachable). Each input builds the app with every subcommand
// (examples/plan/plan_app.hpp) and parses it with every flag's check, up to where main()
// would run the chosen subcommand; nothing runs. A refusal is CLI11's ParseError (help
// included), which main() reports on one line; any other exception, a crash or a sanitizer
// report is a finding, and so is a report that is not one line.
#include "fuzz_support.hpp"
#include "plan_app.hpp"

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::size_t max_arguments = 256; // a shell's command line, not a memory test
    const std::string_view text = fuzz::text_of(data, size);
    std::vector<std::string> args{"enipool-plan"};
    for (std::size_t start = 0; start <= text.size() && args.size() <= max_arguments;) {
        const std::size_t nul = std::min(text.find('\0', start), text.size());
        if (size > 0) args.emplace_back(text.substr(start, nul - start));
        start = nul + 1;
    }
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);

    const auto plan = enipool_plan::make_plan_app();
    try {
        const auto* chosen = enipool_plan::parse_plan_arguments(*plan, static_cast<int>(args.size()), argv.data());
        if (chosen != nullptr && !chosen->first->parsed()) fuzz::fail("plan_cli", "chose an unparsed subcommand:", chosen->first->get_name());
    } catch (const CLI::CallForHelp&) {
    } catch (const CLI::CallForAllHelp&) {
    } catch (const CLI::CallForVersion&) {  // --version: the version line, exit 0
    } catch (const CLI::ParseError& e) {
        const std::string line = enipool_plan::usage_line(enipool_plan::parsed_command_name(*plan),
                                                          enipool_plan::parse_error_text(e));
        if (line.find('\n') != line.size() - 1) fuzz::fail("plan_cli", "usage report not one line:", line);
    }
    return 0;
}
