// import_vpc_cni: adoption of a VPC CNI ipam.json (vpc-cni-ipam/1, docs/domain.md section 4) into
// a pool that holds the node's ENIs: allocations on known CIDRs are adopted with their
// metadata and time, the others are returned (never dropped); malformed documents and
// conflicts with the pool are refused with the entry and the reason, the pool unchanged.
#include "checkpoint_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

using namespace ckpt_test;
using enipool::errc;
using enipool::manual_clock;

namespace {

enipool::cni_key cni(const char* container) { return enipool::cni_key::make("aws-cni", container, "eth0").value(); }

std::string ipam(const char* name) { return corpus_file("vpc_cni_import", name); }

} // namespace

TEST_CASE("known CIDRs are adopted with metadata and time; the rest is returned", "[vpc_cni_import]") {
    manual_clock clk;
    clk.advance(5000s);
    auto p = test_pool<cni_pool>(clk);
    const auto r = enipool::import_vpc_cni(p, ipam("valid_ipam.json"), wall());
    REQUIRE(r.has_value());
    REQUIRE(p.check().has_value());
    // a1 on 100.64.1.0/28 and a2 on the secondary 100.64.0.11 are adopted; a3 (100.64.7.7)
    // is on no CIDR of the node; a4 is IPv6.
    CHECK(r->adopted == 2);
    REQUIRE(r->unmatched.size() == 2);
    CHECK(r->unmatched[0].key == cni("a3"));
    CHECK(r->unmatched[0].address == "100.64.7.7");
    CHECK(r->unmatched[0].metadata == enipool::pod_metadata{"batch", "job-3"});
    CHECK(r->unmatched[0].allocation_timestamp == wall_ns - 5'000'000'000LL);
    CHECK(r->unmatched[0].reason.code() == errc::address_not_in_pool);
    CHECK(r->unmatched[1].key == cni("a4"));
    CHECK(r->unmatched[1].address == "2001:db8::4");
    CHECK_THAT(r->unmatched[1].reason.detail(), Catch::Contains("IPv6"));
    const auto* a1 = p.find(cni("a1"));
    REQUIRE(a1 != nullptr);
    CHECK(a1->address == addr("100.64.1.4"));
    CHECK(a1->metadata == enipool::pod_metadata{"default", "web-1"});
    CHECK(a1->assigned_at == p.now() - 60s);  // allocated at W - 60 s, imported at W
    const auto* a2 = p.find(cni("a2"));
    REQUIRE(a2 != nullptr);
    CHECK(a2->address == addr("100.64.0.11"));
    CHECK(a2->assigned_at == p.now());  // no timestamp in the file: now
    CHECK(p.stats().assigned == 2);
    // The pool hands out around the adopted addresses: lowest lane 100.64.1.0 is free.
    CHECK(p.assign(cni("new")).value() == addr("100.64.1.0"));

    SECTION("importing the same file again changes nothing") {
        const snapshot<cni_pool> before(p);
        const auto again = enipool::import_vpc_cni(p, ipam("valid_ipam.json"), wall());
        REQUIRE(again.has_value());
        CHECK(again->adopted == 2);
        CHECK(again->unmatched.size() == 2);
        CHECK(snapshot<cni_pool>(p) == before);
    }
}

TEST_CASE("an allocation on an ENI that serves no pods is returned, not adopted", "[vpc_cni_import]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    enipool::eni_spec x{"eni-x", 2, 0, cidr("100.64.0.0/16"), addr("100.64.0.30"), {cidr("100.64.7.0/28")}, {}};
    x.flags.excluded = true;
    REQUIRE(p.add_eni(x).has_value());
    const auto r = enipool::import_vpc_cni(p, ipam("valid_ipam.json"), wall());
    REQUIRE(r.has_value());
    CHECK(r->adopted == 2);
    REQUIRE(r->unmatched.size() == 2);
    CHECK(r->unmatched[0].key == cni("a3"));
    CHECK(r->unmatched[0].reason.code() == errc::eni_excluded);
    REQUIRE(p.check().has_value());
}

TEST_CASE("an address the pool holds for another pod, or cools, refuses the whole import", "[vpc_cni_import]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    SECTION("held by another pod") {
        REQUIRE(p.assign_specific(cni("other"), addr("100.64.0.11")).has_value());
        const snapshot<cni_pool> before(p);
        const auto r = enipool::import_vpc_cni(p, ipam("valid_ipam.json"), wall());
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::checkpoint_invalid);
        // a1 came first and was adopted in the working copy; the pool has none of it.
        CHECK_THAT(r.error().detail(),
                   Catch::Contains("allocations[1].ipv4: 100.64.0.11 for aws-cni/a2/eth0: IP already in data store"));
        CHECK(snapshot<cni_pool>(p) == before);
        CHECK(p.find(cni("a1")) == nullptr);
    }
    SECTION("cooling") {
        REQUIRE(p.assign_specific(cni("other"), addr("100.64.1.4")).has_value());
        REQUIRE(p.release(cni("other")).has_value());
        const snapshot<cni_pool> before(p);
        const auto r = enipool::import_vpc_cni(p, ipam("valid_ipam.json"), wall());
        REQUIRE_FALSE(r.has_value());
        CHECK_THAT(r.error().detail(), Catch::Contains("allocations[0].ipv4: 100.64.1.4 for aws-cni/a1/eth0: IP is used"));
        CHECK(snapshot<cni_pool>(p) == before);
    }
    REQUIRE(p.check().has_value());
}

TEST_CASE("empty ipam.json files adopt nothing", "[vpc_cni_import]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    for (const char* file : {"valid_empty.json", "valid_no_allocations.json"}) {
        const auto r = enipool::import_vpc_cni(p, ipam(file), wall());
        REQUIRE(r.has_value());
        CHECK(r->adopted == 0);
        CHECK(r->unmatched.empty());
    }
    CHECK(p.allocations().empty());
}

// Every malformed file of the corpus (written by tests/fuzzing/make_checkpoint_corpus.py
// from valid_ipam.json, one change each) with what it must produce.
TEST_CASE("malformed ipam.json files are refused with the entry and the reason; the pool is unchanged",
          "[vpc_cni_import]") {
    struct expectation {
        const char* file;
        errc code;
        const char* detail;
    };
    const std::vector<expectation> cases = {
        {"bad_version.json", errc::checkpoint_version, "ipam.json: version is \"vpc-cni-ipam/2\", expected \"vpc-cni-ipam/1\""},
        {"enipool_version.json", errc::checkpoint_version, "version is \"enipool/1\""},
        {"duplicate_address.json", errc::checkpoint_invalid, "allocations[1].ipv4: 100.64.1.4 appears twice"},
        {"duplicate_key.json", errc::checkpoint_invalid, "allocations[1]: the pod key aws-cni/a1/eth0 appears twice"},
        {"ipv4_number.json", errc::checkpoint_invalid, "allocations[0].ipv4: is a number, not a string"},
        {"missing_container_id.json", errc::checkpoint_invalid, "allocations[0].containerID: is missing"},
        {"negative_time.json", errc::checkpoint_invalid, "allocations[0].allocationTimestamp: -9223372036854775807 is not a time"},
        {"string_time.json", errc::checkpoint_invalid, "allocations[0].allocationTimestamp: is a string, not a time"},
        {"allocations_object.json", errc::checkpoint_invalid, "allocations: is an object, not an array"},
        {"bad_ipv6.json", errc::checkpoint_invalid, "allocations[3].ipv6: \"2001:db8::zz\""},
        {"no_address.json", errc::checkpoint_invalid, "allocations[3]: has neither ipv4 nor ipv6"},
        {"bad_ipv4.json", errc::checkpoint_invalid, "allocations[0].ipv4: \"100.64.1\""},
        {"truncated.json", errc::checkpoint_invalid, "ipam.json: not valid JSON"},
        {"deep_nesting.json", errc::checkpoint_invalid, "ipam.json: nested 10001 levels deep"},
        {"huge_number.json", errc::checkpoint_invalid, "number overflow"},
        {"not_object.json", errc::checkpoint_invalid, "ipam.json: is a string, not a JSON object"},
        {"empty.json", errc::checkpoint_invalid, "ipam.json: not valid JSON"},
    };
    std::size_t malformed_files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(ENIPOOL_SOURCE_DIR) +
                                                                 "/tests/fuzzing/corpus/vpc_cni_import"))
        if (entry.path().filename().string().rfind("valid_", 0) != 0) ++malformed_files;
    CHECK(malformed_files == cases.size());
    for (const auto& c : cases) {
        INFO(c.file);
        manual_clock clk;
        auto p = test_pool<cni_pool>(clk);
        REQUIRE(p.assign(cni("resident"), {"default", "r"}).has_value());
        const snapshot<cni_pool> before(p);
        const auto r = enipool::import_vpc_cni(p, ipam(c.file), wall());
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == c.code);
        CHECK_THAT(r.error().detail(), Catch::Contains(c.detail));
        CHECK(snapshot<cni_pool>(p) == before);
        REQUIRE(p.check().has_value());
    }
}
