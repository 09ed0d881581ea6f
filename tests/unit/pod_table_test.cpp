// Both pod table layouts (detail::slab_pod_table, detail::inline_pod_table) against
// std::map: random inserts, finds, erases, copies and moves, with check() and a full
// comparison after every step. A second run uses a hasher that sends every key to one of
// four hashes, so that key equality decides every probe (in the slab layout the index's
// equality reads keys through its pointer to the slab, and a copy must point at its own).
#include <enipool/pod_table.hpp>

#include <boost/container_hash/hash.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdint>
#include <type_traits>
#include <map>
#include <utility>
#include <vector>

using enipool::detail::inline_pod_table;
using enipool::detail::pod_table;
using enipool::detail::slab_pod_table;

// pod_table picks the inline layout for integers and the slab for CNI keys.
static_assert(std::is_same_v<pod_table<std::uint64_t, int, boost::hash<std::uint64_t>>,
                             inline_pod_table<std::uint64_t, int, boost::hash<std::uint64_t>>>);
static_assert(std::is_same_v<pod_table<enipool::cni_key, int, enipool::cni_key_hash>,
                             slab_pod_table<enipool::cni_key, int, enipool::cni_key_hash>>);

namespace {

struct four_hashes {  // deliberately terrible
    std::size_t operator()(std::uint64_t k) const noexcept { return static_cast<std::size_t>(k % 4); }
};

struct step {
    int kind;
    std::uint64_t key;
    int value;
};

template <class Table>
void same_contents(const Table& t, const std::map<std::uint64_t, int>& ref) {
    RC_ASSERT(t.size() == ref.size());
    RC_ASSERT(t.empty() == ref.empty());
    std::map<std::uint64_t, int> seen;
    for (const auto& [k, v] : t) RC_ASSERT(seen.emplace(k, v).second);
    RC_ASSERT(seen == ref);
}

template <template <class, class, class> class Table, class Hasher>
void run_against_map(const std::vector<step>& steps) {
    using table = Table<std::uint64_t, int, Hasher>;
    table t;
    std::map<std::uint64_t, int> ref;
    for (const step& s : steps) {
        const std::uint32_t h = table::hash(s.key);
        switch (s.kind) {
        case 0: {  // insert: a new key takes the value, a present one keeps its own
            const auto [value, inserted] = t.try_insert(s.key, h);
            const auto [it, ref_inserted] = ref.emplace(s.key, s.value);
            RC_ASSERT(inserted == ref_inserted);
            if (inserted) *value = s.value;
            RC_ASSERT(*value == it->second);
            break;
        }
        case 1: {  // erase: hands the value out once
            int out = -1;
            const bool erased = t.erase(s.key, h, [&](const int& v) { out = v; });
            const auto it = ref.find(s.key);
            RC_ASSERT(erased == (it != ref.end()));
            if (erased) {
                RC_ASSERT(out == it->second);
                ref.erase(it);
            }
            break;
        }
        case 2: {  // find
            const int* v = std::as_const(t).find(s.key, h);
            const auto it = ref.find(s.key);
            RC_ASSERT((v != nullptr) == (it != ref.end()));
            if (v) RC_ASSERT(*v == it->second);
            break;
        }
        case 3: {  // copy-construct, check the copy, copy-assign it back
            table copy(t);
            RC_ASSERT(copy.check().has_value());
            t = copy;
            break;
        }
        default: {  // move away and back
            table moved(std::move(t));
            t = std::move(moved);
        }
        }
        RC_ASSERT(t.check().has_value());
        same_contents(t, ref);
    }
}

rc::Gen<std::vector<step>> steps_gen() {
    auto kind = rc::gen::weightedElement<int>({{40, 0}, {30, 1}, {20, 2}, {3, 3}, {3, 4}});
    auto key = rc::gen::inRange<std::uint64_t>(0, 40);  // few keys: repeats are common
    return rc::gen::container<std::vector<step>>(rc::gen::construct<step>(kind, key, rc::gen::arbitrary<int>()));
}

} // namespace

TEST_CASE("slab_pod_table agrees with std::map", "[pod_table][property]") {
    rc::prop("integer keys, mixed hash", [] { run_against_map<slab_pod_table, boost::hash<std::uint64_t>>(*steps_gen()); });
    rc::prop("integer keys, four hash values", [] { run_against_map<slab_pod_table, four_hashes>(*steps_gen()); });
}

TEST_CASE("inline_pod_table agrees with std::map", "[pod_table][property]") {
    rc::prop("integer keys, mixed hash", [] { run_against_map<inline_pod_table, boost::hash<std::uint64_t>>(*steps_gen()); });
    rc::prop("integer keys, four hash values", [] { run_against_map<inline_pod_table, four_hashes>(*steps_gen()); });
}

TEMPLATE_TEST_CASE("pod_table: a copy is independent of its original", "[pod_table]",
                   (slab_pod_table<std::uint64_t, int, boost::hash<std::uint64_t>>),
                   (inline_pod_table<std::uint64_t, int, boost::hash<std::uint64_t>>)) {
    using table = TestType;
    table a;
    for (std::uint64_t k = 0; k < 100; ++k) *a.try_insert(k, table::hash(k)).first = static_cast<int>(k);
    table b(a);
    for (std::uint64_t k = 0; k < 50; ++k) CHECK(a.erase(k, table::hash(k), [](const int&) {}));
    CHECK(a.size() == 50);
    CHECK(b.size() == 100);
    for (std::uint64_t k = 0; k < 100; ++k) {
        REQUIRE(b.find(k, table::hash(k)) != nullptr);
        CHECK(*b.find(k, table::hash(k)) == static_cast<int>(k));
    }
    CHECK(a.check().has_value());
    CHECK(b.check().has_value());
}
