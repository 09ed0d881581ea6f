// enipool-cni: a CNI IPAM plugin (spec versions 1.0.0 and 0.4.0: ADD, DEL, CHECK, VERSION)
// that hands out pod addresses from an enipool node pool whose ENIs, prefixes and secondary
// IPs come from the network config. Install it beside the main plugins (CNI_PATH) and name
// it in the config: "ipam": {"type": "enipool-cni", ...}. See docs/cni.md.
#include "plugin.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

int main() {
    std::string input;
    const char* command = std::getenv("CNI_COMMAND");
    // VERSION may come without stdin; every other command reads the config.
    if (command == nullptr || std::string_view(command) != "VERSION")
        input.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    const auto result = enipool_cni::run([](const char* name) { return std::getenv(name); }, input);
    if (!result.err.empty()) std::fputs(result.err.c_str(), stderr);
    if (!result.out.empty()) std::printf("%s\n", result.out.c_str()); // DEL, CHECK: nothing
    return result.exit_code;
}
