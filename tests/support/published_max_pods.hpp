// published_max_pods.hpp (tests): the VPC CNI's published eni-max-pods.txt in tests/data, read
// on its own ("name pods" lines, '#' comments), as the reference the catalog and the CLI are
// checked against. A missing file fails the test.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace enipool_test {

/// Instance type -> max pods, from tests/data/eni-max-pods.txt.
inline std::map<std::string, long> published_max_pods() {
    std::ifstream in(ENIPOOL_SOURCE_DIR "/tests/data/eni-max-pods.txt");
    REQUIRE(in);
    std::map<std::string, long> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::stringstream ss(line);
        std::string name;
        long pods = 0;
        REQUIRE(ss >> name >> pods);
        out[name] = pods;
    }
    return out;
}

} // namespace enipool_test
