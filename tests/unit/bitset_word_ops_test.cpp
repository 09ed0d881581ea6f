// bitset.hpp's word operations (set_bits, reset_bits, word_at), which the subnet uses to flip
// a whole /28 block at once: random sequences against a std::set reference and against the
// same sequence done one position at a time with set / reset.
#include <enipool/bitset.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <memory>
#include <set>
#include <tuple>
#include <vector>

namespace {

template <std::size_t Capacity>
void run(const std::vector<std::tuple<bool, std::size_t, std::uint64_t>>& ops) {
    auto bits = std::make_unique<enipool::hierarchical_bitset<Capacity>>();
    auto one_by_one = std::make_unique<enipool::hierarchical_bitset<Capacity>>();
    std::set<std::size_t> ref;
    constexpr std::size_t words = (Capacity + 63) / 64;
    for (const auto& [add, w, raw] : ops) {
        const std::size_t word = w % words;
        // Keep the mask inside the capacity (a precondition).
        const std::size_t valid = std::min<std::size_t>(64, Capacity - word * 64);
        const std::uint64_t mask = valid == 64 ? raw : raw & ((std::uint64_t{1} << valid) - 1);
        std::size_t expected = 0;
        for (std::size_t i = 0; i < 64; ++i) {
            if (!((mask >> i) & 1)) continue;
            const std::size_t pos = word * 64 + i;
            if (add) {
                expected += ref.insert(pos).second;
                one_by_one->set(pos);
            } else {
                expected += ref.erase(pos);
                one_by_one->reset(pos);
            }
        }
        RC_ASSERT((add ? bits->set_bits(word, mask) : bits->reset_bits(word, mask)) == expected);
        RC_ASSERT(*bits == *one_by_one);
        RC_ASSERT(bits->count() == ref.size());
        RC_ASSERT(bits->invariants_hold());
        RC_ASSERT(bits->find_first() == (ref.empty() ? bits->npos : *ref.begin()));
        std::uint64_t word_ref = 0;
        for (auto it = ref.lower_bound(word * 64); it != ref.end() && *it < word * 64 + 64; ++it)
            word_ref |= std::uint64_t{1} << (*it - word * 64);
        RC_ASSERT(bits->word_at(word) == word_ref);
    }
}

auto ops_gen() {
    // Masks: dense, sparse (an AND of two draws) and empty ones all appear.
    return rc::gen::container<std::vector<std::tuple<bool, std::size_t, std::uint64_t>>>(
        rc::gen::tuple(rc::gen::arbitrary<bool>(), rc::gen::inRange<std::size_t>(0, 1 << 12),
                       rc::gen::oneOf(rc::gen::arbitrary<std::uint64_t>(),
                                      rc::gen::just(~std::uint64_t{0}),
                                      rc::gen::just(std::uint64_t{0xFFFF} << 16),
                                      rc::gen::just(std::uint64_t{0}))));
}

} // namespace

TEST_CASE("set_bits / reset_bits agree with set / reset one by one", "[bitset]") {
    rc::prop("capacity 100", [] { run<100>(*ops_gen()); });
    rc::prop("capacity 4096", [] { run<4096>(*ops_gen()); });
    rc::prop("capacity 65536", [] { run<65536>(*ops_gen()); });
}

TEST_CASE("set_bits fills a whole word and its summaries", "[bitset]") {
    enipool::hierarchical_bitset<65536> bits;
    // Word 1000 covers positions 64000 .. 64063; a /28-style mask covers 16 of them.
    CHECK(bits.set_bits(1000, std::uint64_t{0xFFFF} << 32) == 16);
    CHECK(bits.count() == 16);
    CHECK(bits.find_first() == 64032);
    CHECK(bits.find_next(64040) == 64040);
    CHECK(bits.find_next(64047) == 64047);
    CHECK(bits.find_next(64048) == bits.npos);  // 64032 + 16: past the block
    CHECK(bits.set_bits(1000, std::uint64_t{0xFF} << 32) == 0);  // already members
    CHECK(bits.reset_bits(1000, std::uint64_t{0xFFFF} << 32) == 16);
    CHECK(bits.empty());
    CHECK(bits.find_first() == bits.npos);
    CHECK(bits.invariants_hold());
}
