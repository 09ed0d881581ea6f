// enipool-cni: a CNI IPAM plugin (spec versions 1.0.0 and 0.4.0: ADD, DEL, CHECK, VERSION)
// that hands out pod addresses from an enipool node pool whose ENIs, prefixes and secondary
// IPs come from the network config. Install it beside the main plugins (CNI_PATH) and name
// it in the config: "ipam": {"type": "enipool-cni", ...}. See docs/cni.md. `--help` (or a run
// without CNI_COMMAND) prints a usage text, `--version` the version; both exit 0.
#include "plugin.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

// The project's version, `project(enipool VERSION ...)` in CMakeLists.txt, passed by the build
// (examples/CMakeLists.txt).
#ifndef ENIPOOL_VERSION
#define ENIPOOL_VERSION "unknown (built without ENIPOOL_VERSION)"
#endif

namespace {

void write(const std::string& text, std::FILE* to) {
    if (!text.empty()) std::fputs(text.c_str(), to);
}

} // namespace

int main(int argc, char** argv) {
    const auto environment = [](const char* name) { return std::getenv(name); };
    // --help, --version, no CNI_COMMAND: answered before stdin is read (a person at a terminal).
    const std::vector<std::string_view> args(argv + std::min(argc, 1), argv + argc);
    if (const auto answered = enipool_cni::command_line(args, environment, ENIPOOL_VERSION)) {
        write(answered->out, stdout);
        write(answered->err, stderr);
        return answered->exit_code;
    }
    std::string input;
    const char* command = std::getenv("CNI_COMMAND");
    // VERSION may come without stdin; every other command reads the config.
    if (command == nullptr || std::string_view(command) != "VERSION")
        input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    const auto result = enipool_cni::run(environment, input);
    if (!result.err.empty()) std::fputs(result.err.c_str(), stderr);
    if (!result.out.empty()) std::printf("%s\n", result.out.c_str()); // DEL, CHECK: nothing
    return result.exit_code;
}
