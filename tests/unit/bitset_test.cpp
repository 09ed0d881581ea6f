// bitset.hpp: every operation against a std::set reference, on random sequences of
// operations at several capacities (RapidCheck), plus the edges by hand.
#include <enipool/bitset.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <set>

namespace {

// One random step: 0 set, 1 reset, 2 find_next, 3 set_all, 4 reset_all.
struct op {
    int kind;
    std::size_t pos;
};

template <std::size_t Capacity>
void run_against_reference(const std::vector<op>& ops) {
    enipool::hierarchical_bitset<Capacity> bits;
    std::set<std::size_t> ref;
    for (const auto& o : ops) {
        const std::size_t pos = o.pos % Capacity;
        switch (o.kind) {
        case 0: RC_ASSERT(bits.set(pos) == ref.insert(pos).second); break;
        case 1: RC_ASSERT(bits.reset(pos) == (ref.erase(pos) == 1)); break;
        case 2: {
            auto it = ref.lower_bound(pos);
            RC_ASSERT(bits.find_next(pos) == (it == ref.end() ? bits.npos : *it));
            const std::size_t wrapped = it != ref.end() ? *it : ref.empty() ? bits.npos : *ref.begin();
            RC_ASSERT(bits.find_next_wrapping(pos) == wrapped);
            break;
        }
        case 5:  // the hot-path forms: only in the state their precondition names
            if (ref.insert(pos).second) {
                bits.insert_absent(pos);
            } else {
                ref.erase(pos);
                bits.erase_present(pos);
            }
            break;
        case 3:
            bits.set_all();
            for (std::size_t i = 0; i < Capacity; ++i) ref.insert(i);
            break;
        default:
            bits.reset_all();
            ref.clear();
        }
        RC_ASSERT(bits.count() == ref.size());
        RC_ASSERT(bits.empty() == ref.empty());
        RC_ASSERT(bits.any() == !ref.empty());
        RC_ASSERT(bits.full() == (ref.size() == Capacity));
        RC_ASSERT(bits.find_first() == (ref.empty() ? bits.npos : *ref.begin()));
        RC_ASSERT(bits.find_last() == (ref.empty() ? bits.npos : *ref.rbegin()));
        RC_ASSERT(bits.test(pos) == (ref.count(pos) == 1));
        RC_ASSERT(bits.invariants_hold());
    }
}

rc::Gen<std::vector<op>> ops_gen() {
    // set/reset (checked and hot-path forms) dominate; set_all/reset_all are rare so that sets of every density occur.
    auto kind = rc::gen::weightedElement<int>({{30, 0}, {20, 1}, {20, 2}, {1, 3}, {1, 4}, {30, 5}});
    auto pos = rc::gen::oneOf(rc::gen::inRange<std::size_t>(0, 200),
                              rc::gen::arbitrary<std::size_t>());
    return rc::gen::container<std::vector<op>>(rc::gen::construct<op>(kind, pos));
}

} // namespace

TEST_CASE("hierarchical_bitset agrees with std::set", "[bitset][property]") {
    rc::prop("capacity 16 (1 level)", [] { run_against_reference<16>(*ops_gen()); });
    rc::prop("capacity 64 (1 level, full word)", [] { run_against_reference<64>(*ops_gen()); });
    rc::prop("capacity 1008 (2 levels, one ENI)", [] { run_against_reference<1008>(*ops_gen()); });
    rc::prop("capacity 4097 (3 levels, ragged)", [] { run_against_reference<4097>(*ops_gen()); });
    rc::prop("capacity 65536 (3 levels, a /16)", [] { run_against_reference<65536>(*ops_gen()); });
}

TEST_CASE("hierarchical_bitset levels follow the capacity", "[bitset]") {
    STATIC_REQUIRE(enipool::hierarchical_bitset<16>::levels() == 1);
    STATIC_REQUIRE(enipool::hierarchical_bitset<64>::levels() == 1);
    STATIC_REQUIRE(enipool::hierarchical_bitset<65>::levels() == 2);
    STATIC_REQUIRE(enipool::hierarchical_bitset<1008>::levels() == 2);
    STATIC_REQUIRE(enipool::hierarchical_bitset<4096>::levels() == 2);
    STATIC_REQUIRE(enipool::hierarchical_bitset<65536>::levels() == 3);
    STATIC_REQUIRE(enipool::hierarchical_bitset<262145>::levels() == 4);
}

TEST_CASE("hierarchical_bitset edges", "[bitset]") {
    enipool::hierarchical_bitset<65536> bits;
    CHECK(bits.find_first() == bits.npos);
    CHECK(bits.find_next(0) == bits.npos);
    CHECK(bits.find_next(65536) == bits.npos);
    bits.set(65535);
    CHECK(bits.find_first() == 65535);
    CHECK(bits.find_next(0) == 65535);
    CHECK(bits.find_next(4096) == 65535);
    bits.set(4095);
    CHECK(bits.find_next(4095) == 4095);
    CHECK(bits.find_next(4096) == 65535);
    CHECK(bits.find_next_wrapping(65535) == 65535);
    bits.reset(65535);
    CHECK(bits.find_next_wrapping(5000) == 4095);
    bits.set_all();
    CHECK(bits.count() == 65536);
    CHECK(bits.invariants_hold());
    enipool::hierarchical_bitset<1000> ragged;
    ragged.set_all();
    CHECK(ragged.count() == 1000);
    CHECK(ragged.find_last() == 999);
    CHECK(ragged.invariants_hold());
}
