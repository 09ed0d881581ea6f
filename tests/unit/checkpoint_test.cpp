// checkpoint: worked save / restore examples with expectations derived by hand, every
// malformed and hostile file of the corpus rejected with its reason (pool unchanged), every
// prefix of a valid file, corrupted bytes, and saves through a failing writer (the previous
// checkpoint stays intact and restorable, end to end).
#include "checkpoint_support.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace ckpt_test;
using enipool::errc;
using enipool::manual_clock;
using nlohmann::json;

namespace {

enipool::cni_key cni(const char* container) { return enipool::cni_key::make("aws-cni", container, "eth0").value(); }

// A pool that must not have changed: still empty and consistent.
template <class Pool>
void still_empty(Pool& p) {
    CHECK(p.allocations().empty());
    CHECK(p.cooling().empty());
    for (const auto& x : p.enis()) CHECK(x.vacant());
    CHECK(p.stats() == enipool::pool_stats{});
    REQUIRE(p.check().has_value());
}

// A fresh directory under the build's temp area.
std::string temp_dir(const char* name) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("enipool-ckpt-{}-{}", name, ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

} // namespace

TEST_CASE("save: times are wall-clock, entries sorted by address, expired cooldowns left out", "[checkpoint]") {
    manual_clock clk;
    clk.advance(1000s);  // the pool's clock reads 1000 s; the wall clock will read W
    auto p = test_pool<cni_pool>(clk);
    REQUIRE(p.assign_specific(cni("c2"), addr("100.64.2.5"), {"kube-system", "dns"}).has_value());  // t = 1000
    clk.advance(5s);
    REQUIRE(p.assign(cni("c1"), {"default", "web-1"}).value() == addr("100.64.1.0"));  // lowest lane, t = 1005
    REQUIRE(p.assign(cni("c3")).value() == addr("100.64.1.1"));
    REQUIRE(p.release(cni("c3")).has_value());  // released at 1005: cools until 1035
    clk.advance(10s);                           // now 1015
    const json doc = enipool::to_json(p, wall());
    // Pool time t maps to W + (t - 1015 s): c2 at W - 15 s, c1 at W - 10 s, c3's release at W - 10 s.
    CHECK(doc["version"] == "enipool/1");
    CHECK(doc["savedAt"] == wall_ns);
    CHECK(doc["keyType"] == "cni");
    REQUIRE(doc["allocations"].size() == 2);
    CHECK(doc["allocations"][0]["ipv4"] == "100.64.1.0");  // sorted: 100.64.1.0 < 100.64.2.5
    CHECK(doc["allocations"][0]["containerID"] == "c1");
    CHECK(doc["allocations"][0]["allocationTimestamp"] == wall_ns - 10'000'000'000LL);
    CHECK(doc["allocations"][0]["eni"] == "eni-a");
    CHECK(doc["allocations"][0]["metadata"]["k8sPodName"] == "web-1");
    CHECK(doc["allocations"][1]["ipv4"] == "100.64.2.5");
    CHECK(doc["allocations"][1]["allocationTimestamp"] == wall_ns - 15'000'000'000LL);
    CHECK(doc["allocations"][1]["eni"] == "eni-b");
    REQUIRE(doc["cooling"].size() == 1);
    CHECK(doc["cooling"][0] == json({{"ipv4", "100.64.1.1"}, {"releasedAt", wall_ns - 10'000'000'000LL}, {"eni", "eni-a"}}));
    REQUIRE(doc["enis"].size() == 2);
    CHECK(doc["enis"][0]["cidrs"] == json({"100.64.1.0/28", "100.64.0.11/32"}));  // slot order
    CHECK(doc["enis"][1]["primaryIp"] == "100.64.0.20");
    clk.advance(20s + 1ns);  // just past 1035: c3's cooldown has ended, it is not written
    CHECK(enipool::to_json(p, wall(20s))["cooling"].empty());
}

TEST_CASE("restore of the hand-written file: ages, remaining cooldown, expired entry dropped", "[checkpoint]") {
    manual_clock clk;
    clk.advance(123456s);  // any offset: the file's times are wall-clock
    auto p = empty_pool<cni_pool>(clk);
    const auto ok = enipool::restore_checkpoint(p, std::string_view(corpus_file("checkpoint_restore", "valid_cni.json")), wall());
    REQUIRE(ok.has_value());
    REQUIRE(p.check().has_value());
    // Restored at wall W: c1 allocated at W - 10 s, c2 at W - 100 s; 100.64.1.1 released at
    // W - 10 s cools 20 s more; 100.64.0.11 released at W - 50 s ended (30 s cooldown).
    const snapshot<cni_pool> s(p);
    REQUIRE(s.allocations.size() == 2);
    CHECK(s.allocations[0].key == cni("c1"));
    CHECK(s.allocations[0].address == addr("100.64.1.0"));
    CHECK(s.allocations[0].age == 10s);
    CHECK(s.allocations[0].metadata == enipool::pod_metadata{"default", "web-1"});
    CHECK(s.allocations[1].key == cni("c2"));
    CHECK(s.allocations[1].age == 100s);
    CHECK(s.allocations[1].eni == "eni-b");
    REQUIRE(s.cooling.size() == 1);
    CHECK(s.cooling[0].address == addr("100.64.1.1"));
    CHECK(s.cooling[0].remaining == 20s);
    // 17 + 16 addresses; 2 held, 1 cooling.
    CHECK(s.stats.total == 33);
    CHECK(s.stats.assigned == 2);
    CHECK(s.stats.cooling == 1);
    CHECK(s.stats.free == 30);
    CHECK(s.stats.prefixes == 2);
    CHECK(s.stats.secondaries == 1);
    // The cooling address comes back after its remaining 20 s, not before.
    clk.advance(19s);
    CHECK(p.assign_specific(cni("x"), addr("100.64.1.1")).error().code() == errc::address_in_use);
    clk.advance(1s);  // exactly 20 s: still cooling, as in ipamd (<=)
    CHECK(p.assign_specific(cni("x"), addr("100.64.1.1")).error().code() == errc::address_in_use);
    clk.advance(1ns);
    CHECK(p.assign_specific(cni("x"), addr("100.64.1.1")).has_value());
    REQUIRE(p.check().has_value());
}

// As ipamd's ReadBackingStore (data_store.go L375-409 at b52188387f2e): a key listed twice
// keeps both addresses, and a pod on an ENI excluded from pod IPs keeps its address.
TEST_CASE("restore keeps a key listed twice and a pod on an excluded ENI", "[checkpoint]") {
    manual_clock clk;
    SECTION("a key twice: both held, the first listed is released first") {
        auto p = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(p, std::string_view(corpus_file("checkpoint_restore", "valid_duplicate_key.json")),
                                            wall())
                    .has_value());
        REQUIRE(p.check().has_value());
        CHECK(p.allocations().size() == 1);
        CHECK(p.find(cni("c1"))->address == addr("100.64.1.0"));
        REQUIRE(p.extra_holdings().size() == 1);
        CHECK(p.extra_holdings()[0].second.address == addr("100.64.2.5"));
        CHECK(p.extra_holdings()[0].second.metadata == enipool::pod_metadata{"kube-system", "dns"});
        CHECK(p.stats().assigned == 2);  // both lanes held
        // Saved again, the file lists the first address, then the further one.
        const auto doc = enipool::to_json(p, wall());
        REQUIRE(doc["allocations"].size() == 2);
        CHECK(doc["allocations"][0]["ipv4"] == "100.64.1.0");
        CHECK(doc["allocations"][1]["ipv4"] == "100.64.2.5");
        CHECK(doc["allocations"][1]["containerID"] == "c1");
        CHECK(p.release(cni("c1")).value() == addr("100.64.1.0"));
        CHECK(p.release(cni("c1")).value() == addr("100.64.2.5"));
        CHECK(p.allocations().empty());
        REQUIRE(p.check().has_value());
    }
    SECTION("a pod on an excluded ENI: held, not counted, never handed out") {
        auto p = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(
                    p, std::string_view(corpus_file("checkpoint_restore", "valid_allocation_on_excluded_eni.json")), wall())
                    .has_value());
        REQUIRE(p.check().has_value());
        const auto* c2 = p.find(cni("c2"));
        REQUIRE(c2 != nullptr);
        CHECK(c2->address == addr("100.64.2.5"));
        CHECK(p.enis()[c2->eni].flags().excluded);
        // Only eni-a's 17 lanes count: c1 held, 100.64.1.1 cooling.
        CHECK(p.stats().total == 17);
        CHECK(p.stats().assigned == 1);
        CHECK(p.assign_specific(cni("x"), addr("100.64.2.6")).error().code() == errc::eni_excluded);
        // Round trip: the same pool again.
        const auto doc = enipool::to_json(p, wall());
        auto q = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(q, doc, wall()).has_value());
        CHECK(snapshot<cni_pool>(q) == snapshot<cni_pool>(p));
        REQUIRE(q.check().has_value());
    }
}

TEST_CASE("restore: integer keys, the stand-in's format, an empty pool, and a pool built from a config", "[checkpoint]") {
    manual_clock clk;
    SECTION("integer keys") {
        auto p = empty_pool<int_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(p, std::string_view(corpus_file("checkpoint_restore", "valid_integer.json")), wall())
                    .has_value());
        REQUIRE(p.find(18446744073709551615ull) != nullptr);  // the largest key survives
        CHECK(p.find(18446744073709551615ull)->address == addr("100.64.1.0"));
        CHECK(p.find(7)->address == addr("100.64.2.5"));
        REQUIRE(p.check().has_value());
        // A CNI-keyed file is refused by an integer-keyed pool: the keyType says so.
        auto q = empty_pool<int_pool>(clk);
        const auto r = enipool::restore_checkpoint(q, std::string_view(corpus_file("checkpoint_restore", "valid_cni.json")), wall());
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == errc::checkpoint_version);
        CHECK_THAT(r.error().detail(), Catch::Contains("\"cni\"") && Catch::Contains("\"integer\""));
        still_empty(q);
    }
    SECTION("the stand-in writer's files (no keyType, flags or eni members)") {
        auto p = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(p, std::string_view(corpus_file("checkpoint_restore", "valid_standin.json")), wall())
                    .has_value());
        CHECK(p.stats().assigned == 2);
        CHECK(p.stats().cooling == 1);
        REQUIRE(p.check().has_value());
    }
    SECTION("a file without ENIs restores an empty pool") {
        auto p = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(p, std::string_view(corpus_file("checkpoint_restore", "valid_empty_pool.json")), wall())
                    .has_value());
        still_empty(p);
    }
    SECTION("from a config") {
        cni_pool::config cfg;
        cfg.type = test_type();
        auto p = enipool::restore_checkpoint<cni_pool>(cfg, clk, corpus_file("checkpoint_restore", "valid_cni.json"), wall());
        REQUIRE(p.has_value());
        CHECK(p->stats().assigned == 2);
        cfg.cooldown = -1s;  // the config's own error comes through
        auto bad = enipool::restore_checkpoint<cni_pool>(cfg, clk, corpus_file("checkpoint_restore", "valid_cni.json"), wall());
        CHECK(bad.error().code() == errc::malformed_config);
    }
    SECTION("flags survive") {
        auto p = test_pool<cni_pool>(clk);
        auto spec = enipool::eni_spec{"eni-t", 2, 0, cidr("100.64.0.0/16"), addr("100.64.0.30"), {cidr("100.64.5.0/28")}, {}};
        spec.flags.trunk = true;
        REQUIRE(p.add_eni(spec).has_value());
        auto q = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint(q, enipool::to_json(p, wall()), wall()).has_value());
        CHECK(snapshot<cni_pool>(q) == snapshot<cni_pool>(p));
        CHECK(q.enis()[*q.eni_index("eni-t")].flags().trunk);
        CHECK(q.stats().total == 33);  // the trunk ENI's prefix serves no pods
    }
}

TEST_CASE("restore needs an empty pool and leaves a non-empty one alone", "[checkpoint]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    REQUIRE(p.assign(cni("c9")).has_value());
    const snapshot<cni_pool> before(p);
    const auto r = enipool::restore_checkpoint(p, std::string_view(corpus_file("checkpoint_restore", "valid_cni.json")), wall());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::checkpoint_invalid);
    CHECK_THAT(r.error().detail(), Catch::Contains("empty pool"));
    CHECK(snapshot<cni_pool>(p) == before);
    REQUIRE(p.check().has_value());
}

// Every malformed or hostile file of the corpus, with what it must produce. The files are
// written by tests/fuzzing/make_checkpoint_corpus.py from valid_cni.json, one change each.
TEST_CASE("malformed and hostile files are rejected with the entry and the reason; the pool is unchanged",
          "[checkpoint]") {
    struct expectation {
        const char* file;
        errc code;
        const char* detail;  // a part of the detail
    };
    const std::vector<expectation> cases = {
        {"bad_version.json", errc::checkpoint_version, "version is \"enipool/2\", expected \"enipool/1\""},
        {"no_version.json", errc::checkpoint_version, "version is missing"},
        {"vpc_version.json", errc::checkpoint_version, "\"vpc-cni-ipam/1\""},
        {"version_number.json", errc::checkpoint_version, "version is 1,"},
        {"integer_keys_in_cni_file.json", errc::checkpoint_version, "keyType"},
        {"not_object.json", errc::checkpoint_invalid, "checkpoint: is an array, not a JSON object"},
        {"empty.json", errc::checkpoint_invalid, "not valid JSON"},
        {"truncated.json", errc::checkpoint_invalid, "not valid JSON"},
        {"corrupt_bytes.json", errc::checkpoint_invalid, "not valid JSON"},
        {"deep_nesting.json", errc::checkpoint_invalid, "nested 10001 levels deep, at most 32"},
        {"huge_number.json", errc::checkpoint_invalid, "number overflow"},
        {"huge_integer.json", errc::checkpoint_invalid, "enis[0].deviceIndex: is a number (1.8446744073709552e+19), not an unsigned integer"},
        {"negative_unsigned.json", errc::checkpoint_invalid, "enis[0].deviceIndex: is negative (-1)"},
        {"device_index_too_big.json", errc::checkpoint_invalid, "enis[1].deviceIndex: 70000 exceeds the largest allowed value 65535"},
        {"string_for_number.json", errc::checkpoint_invalid, "allocations[0].allocationTimestamp: is a string, not a time"},
        {"float_time.json", errc::checkpoint_invalid, "cooling[0].releasedAt: 1.5e+18 is not a time"},
        {"time_out_of_range.json", errc::checkpoint_invalid, "cooling[0].releasedAt: 9223372036854775807 is not a time"},
        {"duplicate_address.json", errc::checkpoint_invalid, "allocations[1].ipv4: 100.64.1.0 appears twice"},
        {"held_and_cooling.json", errc::checkpoint_invalid, "cooling[0].ipv4: 100.64.1.0 appears twice"},
        {"cooling_twice.json", errc::checkpoint_invalid, "cooling[1].ipv4: 100.64.1.1 appears twice"},
        {"address_outside_slots.json", errc::checkpoint_invalid, "allocations[0].ipv4: 100.64.3.1 is inside no slot"},
        {"primary_ip_allocated.json", errc::checkpoint_invalid, "allocations[0].ipv4: 100.64.0.10 is inside no slot"},
        {"cooling_outside_slots.json", errc::checkpoint_invalid, "cooling[0].ipv4: 100.64.9.9 is inside no slot"},
        {"cidr_unaligned.json", errc::checkpoint_invalid, "enis[0].cidrs[0]: \"100.64.1.3/28\""},
        {"cidr_outside_subnet.json", errc::checkpoint_invalid, "enis[1].cidrs[0]: 100.65.2.0/28 is outside the subnet 100.64.0.0/16"},
        {"cidr_24.json", errc::checkpoint_invalid, "enis[1].cidrs[1]: 100.64.4.0/24 is neither a /28 prefix nor a /32"},
        {"cidr_overlap.json", errc::checkpoint_invalid, "enis[1]: ENI eni-b:"},
        {"cidr_not_string.json", errc::checkpoint_invalid, "enis[1].cidrs[1]: is a number, not a CIDR string"},
        {"duplicate_eni.json", errc::checkpoint_invalid, "enis[1]: ENI eni-a: duplicate ENI"},
        {"too_many_enis.json", errc::checkpoint_invalid, "enis[3]: ENI eni-3: the instance type allows no further"},
        {"too_many_cidrs.json", errc::checkpoint_invalid, "enis[1]: ENI eni-b: the network interface has no free slot"},
        {"bad_address.json", errc::checkpoint_invalid, "allocations[0].ipv4: \"100.64.1.256\""},
        {"wrong_eni.json", errc::checkpoint_invalid, "allocations[0].eni: says eni-b, but the address is on a slot of eni-a"},
        {"key_too_long.json", errc::checkpoint_invalid, "allocations[0]: a pod key field is too long"},
        {"enis_not_array.json", errc::checkpoint_invalid, "enis: is an object, not an array"},
        {"enis_missing.json", errc::checkpoint_invalid, "enis: is missing"},
        {"allocation_not_object.json", errc::checkpoint_invalid, "allocations[0]: is a number, not an object"},
        {"missing_ipv4.json", errc::checkpoint_invalid, "allocations[0].ipv4: is missing"},
        {"flags_not_bool.json", errc::checkpoint_invalid, "enis[0].flags.trunk: is a string, not a boolean"},
        {"metadata_not_object.json", errc::checkpoint_invalid, "allocations[0].metadata: is an array, not an object"},
        {"primary_outside_subnet.json", errc::checkpoint_invalid, "enis[0].primaryIp: 100.65.0.10 is outside the subnet"},
        {"empty_eni_id.json", errc::checkpoint_invalid, "enis[0].id: is empty"},
    };
    // Every malformed file of the corpus has an expectation (the valid ones start with valid_).
    std::size_t malformed_files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(std::string(ENIPOOL_SOURCE_DIR) +
                                                                 "/tests/fuzzing/corpus/checkpoint_restore"))
        if (entry.path().filename().string().rfind("valid_", 0) != 0) ++malformed_files;
    CHECK(malformed_files == cases.size());
    for (const auto& c : cases) {
        INFO(c.file);
        manual_clock clk;
        auto p = empty_pool<cni_pool>(clk);
        const auto r = enipool::restore_checkpoint(p, std::string_view(corpus_file("checkpoint_restore", c.file)), wall());
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == c.code);
        CHECK_THAT(r.error().detail(), Catch::Contains(c.detail));
        still_empty(p);
    }
}

TEST_CASE("every proper prefix of a valid file is rejected; the pool stays empty", "[checkpoint]") {
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    REQUIRE(p.assign(cni("c1"), {"default", "web-1"}).has_value());
    REQUIRE(p.assign(cni("c2")).has_value());
    REQUIRE(p.release(cni("c2")).has_value());
    const std::string text = enipool::to_json(p, wall()).dump(1);  // ends with '}'
    for (std::size_t n = 0; n < text.size(); ++n) {
        manual_clock c2;
        auto q = empty_pool<cni_pool>(c2);
        const auto r = enipool::restore_checkpoint(q, std::string_view(text).substr(0, n), wall());
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().code() == errc::checkpoint_invalid);
        REQUIRE(q.allocations().empty());
        REQUIRE(q.enis().empty());
    }
    auto q = empty_pool<cni_pool>(clk);
    REQUIRE(enipool::restore_checkpoint(q, std::string_view(text), wall()).has_value());
    CHECK(snapshot<cni_pool>(q) == snapshot<cni_pool>(p));
}

TEST_CASE("a corrupted byte anywhere is rejected or gives a consistent pool; nothing half-restored",
          "[checkpoint]") {
    const std::string text = corpus_file("checkpoint_restore", "valid_cni.json");
    std::size_t rejected = 0, accepted = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        for (const char bad : {'\0', '9', '"', '}', '\xff'}) {
            if (text[i] == bad) continue;
            std::string corrupt = text;
            corrupt[i] = bad;
            manual_clock clk;
            auto q = empty_pool<cni_pool>(clk);
            const auto r = enipool::restore_checkpoint(q, std::string_view(corrupt), wall());
            REQUIRE(q.check().has_value());
            if (r) {
                ++accepted;  // e.g. a digit of a time changed: still a valid file
                continue;
            }
            ++rejected;
            REQUIRE((r.error().code() == errc::checkpoint_invalid || r.error().code() == errc::checkpoint_version));
            REQUIRE_FALSE(r.error().detail().empty());
            REQUIRE(q.allocations().empty());
            REQUIRE(q.enis().empty());
        }
    }
    CHECK(rejected > accepted);  // most corruptions break the file
}

TEST_CASE("checkpoint files: save and restore through a path", "[checkpoint]") {
    const std::string dir = temp_dir("file");
    const std::string path = dir + "/state.json";
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    REQUIRE(p.assign(cni("c1"), {"default", "web-1"}).has_value());
    REQUIRE(enipool::save_checkpoint(p, path, wall()).has_value());
    auto q = empty_pool<cni_pool>(clk);
    REQUIRE(enipool::restore_checkpoint_file(q, path, wall()).has_value());
    CHECK(snapshot<cni_pool>(q) == snapshot<cni_pool>(p));
    // The text in a std::string (not a JSON document) restores the same.
    const std::string text = enipool::read_file(path).value();
    auto from_text = empty_pool<cni_pool>(clk);
    REQUIRE(enipool::restore_checkpoint(from_text, text, wall()).has_value());
    CHECK(snapshot<cni_pool>(from_text) == snapshot<cni_pool>(p));
    auto missing = empty_pool<cni_pool>(clk);
    const auto r = enipool::restore_checkpoint_file(missing, dir + "/nothing.json", wall());
    CHECK(r.error().code() == errc::io_error);
    still_empty(missing);
    std::filesystem::remove_all(dir);
}

namespace {

int fail_open(const char*, int, unsigned) { errno = EACCES; return -1; }
long fail_write(int, const void*, std::size_t) { errno = EIO; return -1; }
long full_disk(int, const void*, std::size_t) { errno = ENOSPC; return -1; }
int fail_fsync(int) { errno = EIO; return -1; }
int fail_rename(const char*, const char*) { errno = EXDEV; return -1; }
// Killed between the write (and fsync) and the rename: what a crash there leaves behind.
int die_before_rename(const char*, const char*) {
    std::raise(SIGKILL);
    return -1;
}

} // namespace

TEST_CASE("a save that fails at any step leaves the previous checkpoint intact and restorable", "[checkpoint]") {
    const std::string dir = temp_dir("faults");
    const std::string path = dir + "/state.json";
    manual_clock clk;
    auto p = test_pool<cni_pool>(clk);
    REQUIRE(p.assign(cni("c1"), {"default", "web-1"}).has_value());
    REQUIRE(enipool::save_checkpoint(p, path, wall()).has_value());
    const snapshot<cni_pool> saved(p);
    // The pool moves on; every later save fails at one step.
    REQUIRE(p.assign(cni("c2")).has_value());
    REQUIRE(p.release(cni("c1")).has_value());

    struct fault {
        const char* name;
        enipool::io_ops ops;
        errc code;
    };
    std::vector<fault> faults;
    faults.push_back({"open", {}, errc::io_error});
    faults.back().ops.open = &fail_open;
    faults.push_back({"write", {}, errc::io_error});
    faults.back().ops.write = &fail_write;
    faults.push_back({"full disk", {}, errc::no_space});
    faults.back().ops.write = &full_disk;
    faults.push_back({"fsync", {}, errc::io_error});
    faults.back().ops.fsync = &fail_fsync;
    faults.push_back({"rename", {}, errc::io_error});
    faults.back().ops.rename = &fail_rename;
    for (const auto& f : faults) {
        INFO(f.name);
        enipool::atomic_write_options options;
        options.ops = f.ops;
        const auto r = enipool::save_checkpoint(p, path, wall(), options);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().code() == f.code);
        auto q = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint_file(q, path, wall()).has_value());
        CHECK(snapshot<cni_pool>(q) == saved);
        // No temp file is left behind.
        std::size_t files = 0;
        for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
        CHECK(files == 1);
    }

    SECTION("a process killed between write and rename") {
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            enipool::atomic_write_options options;
            options.ops.rename = &die_before_rename;
            (void)enipool::save_checkpoint(p, path, wall(), options);
            std::_Exit(0);  // not reached: the child dies in rename
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGKILL);
        auto q = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint_file(q, path, wall()).has_value());
        CHECK(snapshot<cni_pool>(q) == saved);
        // The dead writer's temp file is the only leftover; the next save still works.
        REQUIRE(enipool::save_checkpoint(p, path, wall()).has_value());
        auto r = empty_pool<cni_pool>(clk);
        REQUIRE(enipool::restore_checkpoint_file(r, path, wall()).has_value());
        CHECK(snapshot<cni_pool>(r) == snapshot<cni_pool>(p));
    }
    std::filesystem::remove_all(dir);
}

TEST_CASE("adopt_checkpoint: the caller's ENIs, the file's pods; what lies outside is returned", "[checkpoint]") {
    manual_clock clk;
    // The configured capacity lost eni-b's 100.64.2.0/28 since the file was written.
    auto p = empty_pool<cni_pool>(clk);
    REQUIRE(p.add_eni(test_enis()[0]).has_value());
    const auto r = enipool::adopt_checkpoint(p, corpus_file("checkpoint_restore", "valid_cni.json"), wall());
    REQUIRE(r.has_value());
    REQUIRE(p.check().has_value());
    // valid_cni.json: c1 on 100.64.1.0 (eni-a) is adopted; c2 on 100.64.2.5 is outside;
    // 100.64.1.1 cools 20 s more; 100.64.0.11's cooldown ended (not returned, not cooling).
    CHECK(r->adopted == 1);
    REQUIRE(r->unmatched.size() == 1);
    CHECK(r->unmatched[0].key == cni("c2"));
    CHECK(r->unmatched[0].address == addr("100.64.2.5"));
    CHECK(r->unmatched[0].metadata == enipool::pod_metadata{"kube-system", "dns"});
    CHECK(r->unmatched[0].allocation_timestamp == wall_ns - 100'000'000'000LL);
    CHECK(r->unmatched[0].reason.code() == errc::address_not_in_pool);
    CHECK(r->unmatched_cooling.empty());
    const snapshot<cni_pool> s(p);
    REQUIRE(s.cooling.size() == 1);
    CHECK(s.cooling[0].address == addr("100.64.1.1"));
    CHECK(s.cooling[0].remaining == 20s);
    CHECK(p.find(cni("c1"))->assigned_at == p.now() - 10s);

    SECTION("a cooling address outside the pool is returned while it still cools") {
        auto q = empty_pool<cni_pool>(clk);
        REQUIRE(q.add_eni(test_enis()[1]).has_value());  // only eni-b: 100.64.1.1 is outside
        const auto a = enipool::adopt_checkpoint(q, corpus_file("checkpoint_restore", "valid_cni.json"), wall());
        REQUIRE(a.has_value());
        CHECK(a->adopted == 1);  // c2
        REQUIRE(a->unmatched_cooling.size() == 1);
        CHECK(a->unmatched_cooling[0].address == addr("100.64.1.1"));
        CHECK(a->unmatched_cooling[0].released_at == wall_ns - 10'000'000'000LL);
    }
    SECTION("a conflict with the pool refuses everything") {
        auto q = test_pool<cni_pool>(clk);
        REQUIRE(q.assign_specific(cni("someone"), addr("100.64.2.5")).has_value());
        const snapshot<cni_pool> before(q);
        const auto a = enipool::adopt_checkpoint(q, corpus_file("checkpoint_restore", "valid_cni.json"), wall());
        REQUIRE_FALSE(a.has_value());
        CHECK_THAT(a.error().detail(), Catch::Contains("allocations[1].ipv4: 100.64.2.5 appears twice"));
        CHECK(snapshot<cni_pool>(q) == before);
    }
}
