// peer_case.hpp (tests/peer): the peer-conformance suite's case macros.
//
// Every case transcribes one table row or scenario step of an upstream agent's own test
// (the VPC CNI's ipamd and datastore tests, Cilium's IPAM tests) and checks that the
// strategy named after that agent, in its default configuration, decides the same. A case
// names the upstream file, test, row or step, line and commit, so a reader can open the
// upstream source beside it:
//
//   PEER_UPSTREAM("ipamd_test.go", "b521883", "vpc-cni", 1509,
//                 "TestIPAMContext_nodeIPPoolTooLow", "Test new ds, all defaults") { ... }
//
// (each file wraps this in a short macro of its own).
//
// Cases no upstream test asserts, derived from the upstream code, are PEER_DERIVED. A case
// the library cannot express (a state it refuses, an input it does not model) is not a
// test: PEER_INEXPRESSIBLE records it with a one-line reason, and the hidden test
// "[.list-inexpressible]" prints the records and the upstream files (tools/check-peer-table
// counts them for the fidelity table in docs/fidelity.md).
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace peer {

/// One upstream test file the suite transcribes.
struct upstream_file {
    const char* agent;   ///< "vpc-cni" or "cilium"
    const char* path;    ///< path in the upstream repository
    const char* repo;    ///< owner/name
    const char* commit;  ///< 40 hex digits
};

/// One upstream case the library cannot express, and why.
struct inexpressible_case {
    const upstream_file* file;
    int line;
    const char* test;
    const char* row;
    const char* reason;
};

inline std::vector<const upstream_file*>& upstream_files() {
    static std::vector<const upstream_file*> files;
    return files;
}

struct upstream_file_registrar {
    explicit upstream_file_registrar(const upstream_file* f) { upstream_files().push_back(f); }
};

inline std::vector<inexpressible_case>& inexpressible_cases() {
    static std::vector<inexpressible_case> cases;
    return cases;
}

struct inexpressible_registrar {
    explicit inexpressible_registrar(inexpressible_case c) { inexpressible_cases().push_back(c); }
};

} // namespace peer

#define PEER_CAT2(a, b) a##b
#define PEER_CAT(a, b) PEER_CAT2(a, b)

/// Declares the upstream file `id` (used by the case macros of this translation unit).
#define PEER_UPSTREAM_FILE(id, agent, repo, path, commit)                                   \
    static const ::peer::upstream_file id{agent, path, repo, commit};                          \
    static const ::peer::upstream_file_registrar PEER_CAT(id, _registrar) { &id }

// The Catch2 test name carries file, line, test and row; the tags carry the agent and the
// file's base name, so `test_peer_x "[ipamd_test.go][upstream]"` runs one file's cases.
// `commit` is the upstream commit's first 7 hex digits (the file's PEER_UPSTREAM_FILE has all 40).
// The first ": " of a name comes early on purpose: Catch2 v2's console reporter indents a
// wrapped name to its first ": ", and asserts (or loops) when that lies past the line width.
#define PEER_UPSTREAM(file_tag, commit, agent, line, test, row)                                  \
    TEST_CASE(file_tag "@" commit ":" #line ": " test " / " row, "[peer][" agent "][" file_tag "][upstream]")
#define PEER_DERIVED(file_tag, commit, agent, id, what)                                            \
    TEST_CASE("derived " id ": " what " (from " file_tag "@" commit ")", "[peer][" agent "][" file_tag "][derived]")
#define PEER_INEXPRESSIBLE(file, line, test, row, reason)                      \
    static const ::peer::inexpressible_registrar PEER_CAT(peer_inexpressible_, __LINE__) { \
        ::peer::inexpressible_case { &file, line, test, row, reason }          \
    }
