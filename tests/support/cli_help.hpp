// Test support: the flags of a CLI11 `--help` text, each with its whole help (CLI11 puts the
// help on the next line when the flag's column is full, so a line alone is not enough).
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace enipool_test {

/// (long flag, its help text) for every option of `help`, in order: "  --subnet TEXT ... desc"
/// or "  -h,--help  desc", the help continued on the lines indented further.
inline std::vector<std::pair<std::string, std::string>> help_entries(const std::string& help) {
    std::vector<std::pair<std::string, std::string>> out;
    std::istringstream text(help);
    bool open = false;
    for (std::string line; std::getline(text, line);) {
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos || first == 0) {
            open = false; // a blank line or a heading ("Options:") ends an entry
        } else if (first == 2 && line[2] == '-') {
            auto name = line.substr(2, line.find(' ', 2) - 2);
            if (const auto comma = name.find(",--"); comma != std::string::npos) name = name.substr(comma + 1);
            out.emplace_back(name, line.substr(2));
            open = true;
        } else if (open && first > 2) {
            out.back().second += " " + line.substr(first);
        }
    }
    return out;
}

} // namespace enipool_test
