// Fuzz target bitset_ops: the input is a sequence of operations on hierarchical_bitset<1008>
// (the lanes of one full ENI) and on a std::set<std::size_t> reference; every answer must
// agree and the bitset's invariants (count, summary bits) must hold after every step.
// Encoding: 3 bytes per operation: opcode byte, then a little-endian 16-bit position % 1008.
// At most 512 operations per input (longer inputs are cut): more runs per second beat longer
// sequences, and 512 operations can fill and empty the set.
#include <enipool/bitset.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <set>

namespace {

constexpr std::size_t capacity = 1008;
using bitset = enipool::hierarchical_bitset<capacity>;

void fail(const char* what, std::size_t step) {
    std::fprintf(stderr, "fuzz_bitset_ops: %s at operation %zu\n", what, step);
    std::abort();
}

std::size_t reference_next(const std::set<std::size_t>& model, std::size_t pos) {
    const auto it = model.lower_bound(pos);
    return it == model.end() ? bitset::npos : *it;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static bitset bits;  // static: 1008 bits plus summaries, reset below for each input
    bits.reset_all();
    std::set<std::size_t> model;
    const std::size_t used = size < 3 * 512 ? size : 3 * 512;
    for (std::size_t i = 0, step = 0; i + 3 <= used; i += 3, ++step) {
        const unsigned op = data[i] % 9u;
        const std::size_t pos = (std::size_t{data[i + 1]} | (std::size_t{data[i + 2]} << 8)) % capacity;
        switch (op) {
        case 0:
        case 1: // set (twice as likely, so sets fill up)
            if (bits.set(pos) != model.insert(pos).second) fail("set result", step);
            break;
        case 2:
            if (bits.reset(pos) != (model.erase(pos) == 1)) fail("reset result", step);
            break;
        case 3:
            if (bits.test(pos) != (model.count(pos) == 1)) fail("test", step);
            break;
        case 4:
            if (bits.find_next(pos) != reference_next(model, pos)) fail("find_next", step);
            break;
        case 5: {
            const std::size_t expected = model.empty() ? bitset::npos : *model.begin();
            if (bits.find_first() != expected) fail("find_first", step);
            const std::size_t last = model.empty() ? bitset::npos : *std::prev(model.end());
            if (bits.find_last() != last) fail("find_last", step);
            break;
        }
        case 6: {
            std::size_t expected = reference_next(model, pos);
            if (expected == bitset::npos) expected = reference_next(model, 0);
            if (bits.find_next_wrapping(pos) != expected) fail("find_next_wrapping", step);
            break;
        }
        case 7: // take the first free member, as an allocator does
            if (bits.find_first() != (model.empty() ? bitset::npos : *model.begin())) fail("take", step);
            if (!model.empty()) {
                bits.reset(*model.begin());
                model.erase(model.begin());
            }
            break;
        default: // rarely: fill or clear everything
            if (pos % 64 == 0) {
                bits.set_all();
                for (std::size_t p = 0; p < capacity; ++p) model.insert(p);
            } else if (pos % 64 == 1) {
                bits.reset_all();
                model.clear();
            } else if (bits.find_next(capacity) != bitset::npos) {
                fail("find_next past the end", step);
            }
            break;
        }
        if (bits.count() != model.size()) fail("count", step);
        if (bits.empty() != model.empty() || bits.full() != (model.size() == capacity)) fail("empty/full", step);
        if (!bits.invariants_hold()) fail("invariants", step);
    }
    return 0;
}
