// import_vpc_cni: adoption of a VPC CNI ipam.json (vpc-cni-ipam/1, docs/domain.md section 4) into
// a pool that holds the node's ENIs: allocations on known CIDRs are adopted with their
// metadata and time, the others are returned (never dropped); malformed documents and
// conflicts with the pool are refused with the entry and the reason, the pool unchanged.
#include "checkpoint_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
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

// ipamd's ReadBackingStore looks an address up on every ENI of its datastore, excluded ones
// included (data_store.go L381-408 at b52188387f2e).
TEST_CASE("an allocation on an ENI that serves no pods is adopted, as ipamd restores it", "[vpc_cni_import]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    enipool::eni_spec x{"eni-x", 2, 0, cidr("100.64.0.0/16"), addr("100.64.0.30"), {cidr("100.64.7.0/28")}, {}};
    x.flags.excluded = true;
    REQUIRE(p.add_eni(x).has_value());
    const auto r = enipool::import_vpc_cni(p, ipam("valid_ipam.json"), wall());
    REQUIRE(r.has_value());
    REQUIRE(p.check().has_value());
    CHECK(r->adopted == 3);  // a1, a2 and a3 (100.64.7.7 on the excluded eni-x); a4 is IPv6
    REQUIRE(r->unmatched.size() == 1);
    CHECK(r->unmatched[0].key == cni("a4"));
    const auto* a3 = p.find(cni("a3"));
    REQUIRE(a3 != nullptr);
    CHECK(a3->address == addr("100.64.7.7"));
    CHECK(p.enis()[a3->eni].id() == "eni-x");
    CHECK(a3->metadata == enipool::pod_metadata{"batch", "job-3"});
    // GetIPStats skips excluded ENIs: the node counts a1 and a2 only, of 16 + 1 + 16 lanes.
    CHECK(p.stats().assigned == 2);
    CHECK(p.stats().total == 33);
    // The ENI shows its pod, and its /28 is not freeable while the pod holds it.
    const auto v = p.view();
    const auto ex = std::find_if(v.enis.begin(), v.enis.end(), [](const auto& e) { return e.id == "eni-x"; });
    REQUIRE(ex != v.enis.end());
    CHECK(ex->assigned == 1);
    CHECK(ex->freeable.empty());
    // It cannot be removed without force while the pod holds an address on it.
    const snapshot<cni_pool> before(p);
    const auto refused = p.remove_eni("eni-x", enipool::removal::refuse_if_used);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code() == errc::eni_in_use);
    CHECK(p.remove_cidrs("eni-x", {cidr("100.64.7.0/28")}, enipool::removal::refuse_if_used).error().code() ==
          errc::address_in_use);
    CHECK(snapshot<cni_pool>(p) == before);
    // No hand-out lands on the excluded ENI: the 31 free serving lanes go, then none.
    for (int i = 0; i < 31; ++i) {
        const auto got = p.assign(cni(("n" + std::to_string(i)).c_str()));
        REQUIRE(got.has_value());
        CHECK_FALSE(cidr("100.64.7.0/28").contains(*got));
    }
    CHECK(p.assign(cni("one-too-many")).error().code() == errc::no_available_addresses);
    REQUIRE(p.check().has_value());
    // Released, the address is simply no longer held (an excluded ENI's lanes never free up).
    CHECK(p.release(cni("a3")).value() == addr("100.64.7.7"));
    CHECK(p.stats().assigned == 33);
    CHECK(p.stats().cooling == 0);
    REQUIRE(p.check().has_value());
    CHECK(p.remove_eni("eni-x", enipool::removal::refuse_if_used).has_value());
    REQUIRE(p.check().has_value());
}

TEST_CASE("skip_unserved_enis returns an allocation on an excluded ENI instead", "[vpc_cni_import]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    enipool::eni_spec x{"eni-x", 2, 0, cidr("100.64.0.0/16"), addr("100.64.0.30"), {cidr("100.64.7.0/28")}, {}};
    x.flags.excluded = true;
    REQUIRE(p.add_eni(x).has_value());
    enipool::vpc_cni_import_options options;
    options.skip_unserved_enis = true;
    const auto r = enipool::import_vpc_cni(p, ipam("valid_ipam.json"), wall(), options);
    REQUIRE(r.has_value());
    CHECK(r->adopted == 2);
    REQUIRE(r->unmatched.size() == 2);
    CHECK(r->unmatched[0].key == cni("a3"));
    CHECK(r->unmatched[0].reason.code() == errc::eni_excluded);
    CHECK(p.find(cni("a3")) == nullptr);
    CHECK(p.remove_eni("eni-x", enipool::removal::refuse_if_used).has_value());
    REQUIRE(p.check().has_value());
}

// ReadBackingStore never checks keys: a key listed twice holds both addresses, and each DEL
// (UnassignPodIPAddress) frees one of them.
TEST_CASE("a key listed twice keeps both addresses; each release frees one", "[vpc_cni_import]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    const auto r = enipool::import_vpc_cni(p, ipam("duplicate_key.json"), wall());
    REQUIRE(r.has_value());
    REQUIRE(p.check().has_value());
    CHECK(r->adopted == 2);                 // a1's 100.64.1.4 and 100.64.0.11
    REQUIRE(r->unmatched.size() == 2);      // a3 (on no CIDR of the node) and a4 (IPv6)
    CHECK(p.find(cni("a1"))->address == addr("100.64.1.4"));
    REQUIRE(p.extra_holdings().size() == 1);
    CHECK(p.extra_holdings()[0].first == cni("a1"));
    CHECK(p.extra_holdings()[0].second.address == addr("100.64.0.11"));
    CHECK(p.extra_holdings()[0].second.metadata == enipool::pod_metadata{"default", "web-2"});
    CHECK(p.stats().assigned == 2);
    CHECK(p.assign(cni("a1")).value() == addr("100.64.1.4"));  // idempotent: the first address

    SECTION("a checkpoint keeps both, and which one goes first") {
        const auto doc = enipool::to_json(p, wall());
        auto q = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(q, doc, wall()).has_value());
        REQUIRE(q.check().has_value());
        CHECK(snapshot<cni_pool>(q) == snapshot<cni_pool>(p));
        CHECK(q.find(cni("a1"))->address == addr("100.64.1.4"));
    }
    SECTION("two releases free both, in order") {
        CHECK(p.release(cni("a1")).value() == addr("100.64.1.4"));
        REQUIRE(p.check().has_value());
        CHECK(p.find(cni("a1"))->address == addr("100.64.0.11"));
        CHECK(p.extra_holdings().empty());
        CHECK(p.stats().assigned == 1);
        CHECK(p.stats().cooling == 1);
        CHECK(p.release(cni("a1")).value() == addr("100.64.0.11"));
        REQUIRE(p.check().has_value());
        CHECK(p.find(cni("a1")) == nullptr);
        CHECK(p.stats().assigned == 0);
        CHECK(p.stats().cooling == 2);
        CHECK(p.release(cni("a1")).error().code() == errc::unknown_pod);
    }
    SECTION("a forced removal of the extra's ENI returns the key, which keeps its first address") {
        const auto gone = p.remove_cidrs("eni-a", {cidr("100.64.0.11/32")}, enipool::removal::force);
        REQUIRE(gone.has_value());
        CHECK(*gone == std::vector<enipool::cni_key>{cni("a1")});
        CHECK(p.extra_holdings().empty());
        CHECK(p.find(cni("a1"))->address == addr("100.64.1.4"));
        REQUIRE(p.check().has_value());
    }
    SECTION("a forced removal of the first address's CIDR promotes the extra") {
        const auto gone = p.remove_cidrs("eni-a", {cidr("100.64.1.0/28")}, enipool::removal::force);
        REQUIRE(gone.has_value());
        CHECK(*gone == std::vector<enipool::cni_key>{cni("a1")});
        CHECK(p.find(cni("a1"))->address == addr("100.64.0.11"));
        CHECK(p.extra_holdings().empty());
        REQUIRE(p.check().has_value());
    }
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
        enipool::vpc_cni_import_options options{};
    };
    enipool::vpc_cni_import_options strict_keys;
    strict_keys.refuse_duplicate_keys = true;
    const std::vector<expectation> cases = {
        {"bad_version.json", errc::checkpoint_version, "ipam.json: version is \"vpc-cni-ipam/2\", expected \"vpc-cni-ipam/1\""},
        {"enipool_version.json", errc::checkpoint_version, "version is \"enipool/1\""},
        {"duplicate_address.json", errc::checkpoint_invalid, "allocations[1].ipv4: 100.64.1.4 appears twice"},
        // valid for ipamd (both addresses held, tested above); refused only on request
        {"duplicate_key.json", errc::checkpoint_invalid, "allocations[1]: the pod key aws-cni/a1/eth0 appears twice",
         strict_keys},
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
        const auto r = enipool::import_vpc_cni(p, ipam(c.file), wall(), c.options);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == c.code);
        CHECK_THAT(r.error().detail(), Catch::Contains(c.detail));
        CHECK(snapshot<cni_pool>(p) == before);
        REQUIRE(p.check().has_value());
    }
}
