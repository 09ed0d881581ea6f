// The peer suite's Catch2 main, and the listing of the cases the library cannot express.
#define CATCH_CONFIG_MAIN
#include "peer_case.hpp"

#include <cstring>
#include <iostream>

// Hidden: run explicitly as `test_peer_x "[.list-inexpressible]"`. Prints one line per
// upstream file ("file", agent, path, repo, commit) and per record ("inexpressible", agent,
// upstream path, line, test, row, reason), tab separated.
TEST_CASE("list the upstream cases this file cannot express", "[.list-inexpressible]") {
    for (const peer::upstream_file* f : peer::upstream_files())
        std::cout << "file\t" << f->agent << '\t' << f->path << '\t' << f->repo << '\t' << f->commit << '\n';
    for (const peer::inexpressible_case& c : peer::inexpressible_cases()) {
        std::cout << "inexpressible\t";
        std::cout << c.file->agent << '\t' << c.file->path << '\t' << c.line << '\t' << c.test << '\t' << c.row
                  << '\t' << c.reason << '\n';
        CHECK(std::strlen(c.reason) > 0);
    }
    SUCCEED();
}

TEST_CASE("every inexpressible upstream case says why in one line", "[peer][registry]") {
    for (const peer::inexpressible_case& c : peer::inexpressible_cases()) {
        INFO(c.file->path << ':' << c.line << ' ' << c.test << " / " << c.row);
        CHECK(std::strlen(c.reason) > 10);
        CHECK(std::strchr(c.reason, '\n') == nullptr);
    }
}
