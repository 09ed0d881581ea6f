// enipool/bitset.hpp: a hierarchical 64-ary bitset, the free list under every allocator.
//
// Level 0 holds one bit per position; each word of level k+1 holds one bit per word of level
// k, set iff that word is non-zero. The number of levels is fixed at compile time from the
// capacity (16 .. 64^4 positions), so set, reset, test, first set and next set are each a
// handful of count-trailing-zeros: O(levels), no scan. The count is kept, not recounted.
#pragma once

#include <array>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

// Small operations called from every hot node-pool path: inline them even where the
// optimiser's size heuristics would not (measured: -15% on an assign + release pair).
#if defined(__GNUC__)
#define ENIPOOL_HOT_INLINE [[gnu::always_inline]] inline
#else
#define ENIPOOL_HOT_INLINE inline
#endif

namespace enipool {

namespace detail {

// Words needed at each level for `capacity` bits, bottom level first.
struct bitset_shape {
    static constexpr std::size_t max_levels = 4;
    std::size_t levels = 0;
    std::array<std::size_t, max_levels> words{};   // words per level
    std::array<std::size_t, max_levels> offset{};  // first word of each level in storage
    std::size_t total_words = 0;
};

constexpr bitset_shape make_bitset_shape(std::size_t capacity) {
    bitset_shape shape;
    std::size_t bits = capacity;
    do {
        const std::size_t words = (bits + 63) / 64;
        shape.offset[shape.levels] = shape.total_words;
        shape.words[shape.levels] = words;
        shape.total_words += words;
        ++shape.levels;
        bits = words;
    } while (bits > 1);
    return shape;
}

} // namespace detail

/// A set of positions `0 .. Capacity-1` with O(levels) search for the first / next member.
///
/// `Capacity` is 1 .. 16,777,216 (64^4); levels = ceil(log64(Capacity)), so 1 for up to 64,
/// 2 up to 4,096, 3 up to 262,144. Storage is inline (no heap): about Capacity/8 bytes.
/// No member throws; out-of-range positions are a precondition violation (asserted when
/// ENIPOOL_ASSERTIONS is on).
template <std::size_t Capacity>
class hierarchical_bitset {
    static_assert(Capacity >= 1, "hierarchical_bitset: Capacity must be at least 1");
    static_assert(Capacity <= std::size_t{1} << 24,
                  "hierarchical_bitset: Capacity above 64^4 (16,777,216) needs a 5th level; "
                  "split the range instead");
    static constexpr detail::bitset_shape shape = detail::make_bitset_shape(Capacity);
    using word = std::uint64_t;

public:
    /// Returned by the find functions when there is no such position.
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    [[nodiscard]] static constexpr std::size_t capacity() noexcept { return Capacity; }
    [[nodiscard]] static constexpr std::size_t levels() noexcept { return shape.levels; }

    /// Empty set. O(Capacity/64) to zero the storage.
    constexpr hierarchical_bitset() noexcept = default;

    /// True if `pos` is a member. O(1).
    [[nodiscard]] constexpr bool test(std::size_t pos) const noexcept {
        check_pos(pos);
        return (words_[pos >> 6] >> (pos & 63)) & 1u;
    }

    /// Adds `pos`, which the caller knows is not a member (asserted in debug builds): set()
    /// without the membership test or the early exit, for hot paths. Summary bits are set
    /// unconditionally (setting a set bit is harmless). Returns the word holding `pos`, after
    /// (callers read neighbouring bits from it). O(levels), branch-free.
    ENIPOOL_HOT_INLINE constexpr word insert_absent(std::size_t pos) noexcept {
        check_pos(pos);
        assert(!test(pos));
        ++count_;
        const word bottom = words_[pos >> 6] |= word{1} << (pos & 63);
        [&]<std::size_t... Level>(std::index_sequence<Level...>) {
            ((words_[shape.offset[Level + 1] + (pos >> (6 * Level + 12))] |= word{1} << ((pos >> (6 * Level + 6)) & 63)), ...);
        }(std::make_index_sequence<shape.levels - 1>{});
        return bottom;
    }

    /// Removes `pos`, which the caller knows is a member (asserted in debug builds): reset()
    /// without the membership test, for hot paths. Returns the word that held `pos`, after.
    /// O(levels).
    ENIPOOL_HOT_INLINE constexpr word erase_present(std::size_t pos) noexcept {
        check_pos(pos);
        assert(test(pos));
        --count_;
        const word bottom = words_[pos >> 6] &= ~(word{1} << (pos & 63));
        if constexpr (shape.levels == 2) {
            // One summary word: clear the bit of an emptied word without a branch.
            words_[shape.offset[1]] &= ~(word{bottom == 0} << (pos >> 6));
        } else if constexpr (shape.levels > 2) {
            if (bottom == 0) propagate_reset(pos >> 6);
        }
        return bottom;
    }

    /// Adds `pos`; returns true if it was not a member. O(levels).
    constexpr bool set(std::size_t pos) noexcept {
        check_pos(pos);
        std::size_t index = pos;
        for (std::size_t level = 0; level < shape.levels; ++level) {
            word& w = words_[shape.offset[level] + (index >> 6)];
            const word bit = word{1} << (index & 63);
            const bool was_empty = w == 0;
            if (level == 0) {
                if (w & bit) return false;
                ++count_;
            }
            w |= bit;
            if (!was_empty) break;  // the parent bit is already set
            index >>= 6;
        }
        return true;
    }

    /// Removes `pos`; returns true if it was a member. O(levels).
    constexpr bool reset(std::size_t pos) noexcept {
        check_pos(pos);
        std::size_t index = pos;
        for (std::size_t level = 0; level < shape.levels; ++level) {
            word& w = words_[shape.offset[level] + (index >> 6)];
            const word bit = word{1} << (index & 63);
            if (level == 0) {
                if (!(w & bit)) return false;
                --count_;
            }
            w &= ~bit;
            if (w != 0) break;  // the word still has members: the parent bit stays
            index >>= 6;
        }
        return true;
    }

    /// Number of members. O(1).
    [[nodiscard]] constexpr std::size_t count() const noexcept { return count_; }
    [[nodiscard]] constexpr bool empty() const noexcept { return count_ == 0; }
    [[nodiscard]] constexpr bool full() const noexcept { return count_ == Capacity; }
    /// True if there is a member, read from the single top-level word rather than the count
    /// (a hot path that has just changed the set need not wait for the count's update). O(1).
    [[nodiscard]] constexpr bool any() const noexcept { return words_[shape.total_words - 1] != 0; }

    /// The smallest member, or npos. O(levels).
    [[nodiscard]] constexpr std::size_t find_first() const noexcept {
        if (count_ == 0) return npos;
        return descend_first(shape.levels - 1, 0);
    }

    /// The largest member, or npos. O(levels).
    [[nodiscard]] constexpr std::size_t find_last() const noexcept {
        if (count_ == 0) return npos;
        std::size_t index = 0;
        for (std::size_t level = shape.levels; level-- > 0;) {
            const word w = words_[shape.offset[level] + index];
            index = index * 64 + (63 - static_cast<std::size_t>(std::countl_zero(w)));
        }
        return index;
    }

    /// The smallest member >= `pos`, or npos (also when pos >= Capacity). O(levels).
    [[nodiscard]] constexpr std::size_t find_next(std::size_t pos) const noexcept {
        if (pos >= Capacity) return npos;
        std::size_t index = pos;  // position at the current level
        for (std::size_t level = 0; level < shape.levels; ++level) {
            const std::size_t w_index = index >> 6;
            const word w = words_[shape.offset[level] + w_index] & (~word{0} << (index & 63));
            if (w != 0) {
                const std::size_t hit = w_index * 64 + static_cast<std::size_t>(std::countr_zero(w));
                return level == 0 ? hit : descend_first(level - 1, hit);
            }
            // Nothing left in this word: continue after it, one level up.
            index = w_index + 1;
            if (index >= shape.words[level]) return npos;
        }
        return npos;
    }

    /// The smallest member >= `pos`, wrapping around to the start. O(levels).
    [[nodiscard]] constexpr std::size_t find_next_wrapping(std::size_t pos) const noexcept {
        const std::size_t hit = find_next(pos);
        return hit != npos ? hit : find_first();
    }

    /// Adds every position. O(Capacity/64).
    constexpr void set_all() noexcept {
        for (std::size_t level = 0; level < shape.levels; ++level) {
            const std::size_t bits = level == 0 ? Capacity : shape.words[level - 1];
            for (std::size_t i = 0; i < shape.words[level]; ++i) {
                const std::size_t rest = bits - i * 64;
                words_[shape.offset[level] + i] = rest >= 64 ? ~word{0} : (word{1} << rest) - 1;
            }
        }
        count_ = Capacity;
    }

    /// Adds the positions `64 * word_index + i` for every bit i of `mask` (several positions
    /// of one 64-bit word at once, e.g. a whole /28 block); returns how many were added.
    /// O(levels). Precondition: those positions are < Capacity.
    constexpr std::size_t set_bits(std::size_t word_index, std::uint64_t mask) noexcept {
        if (mask == 0) return 0;
        check_pos(word_index * 64 + (63 - static_cast<std::size_t>(std::countl_zero(mask))));
        word& w = words_[word_index];
        const auto added = static_cast<std::size_t>(std::popcount(mask & ~w));
        const bool was_empty = w == 0;
        w |= mask;
        count_ += added;
        if (was_empty) propagate_set(word_index);
        return added;
    }

    /// Removes the positions `64 * word_index + i` for every bit i of `mask`; returns how
    /// many were removed. O(levels). Precondition: those positions are < Capacity.
    constexpr std::size_t reset_bits(std::size_t word_index, std::uint64_t mask) noexcept {
        if (mask == 0) return 0;
        check_pos(word_index * 64 + (63 - static_cast<std::size_t>(std::countl_zero(mask))));
        word& w = words_[word_index];
        const auto removed = static_cast<std::size_t>(std::popcount(mask & w));
        const bool had_members = w != 0;
        w &= ~mask;
        count_ -= removed;
        if (had_members && w == 0) propagate_reset(word_index);
        return removed;
    }

    /// The level-0 word `word_index` (positions 64*word_index .. +63). O(1).
    [[nodiscard]] constexpr std::uint64_t word_at(std::size_t word_index) const noexcept {
        return words_[word_index];
    }

    /// Removes every position. O(Capacity/64).
    constexpr void reset_all() noexcept {
        words_ = {};
        count_ = 0;
    }

    /// Recounts from the leaves and checks every summary bit. O(Capacity/64). For check().
    [[nodiscard]] constexpr bool invariants_hold() const noexcept {
        std::size_t counted = 0;
        for (std::size_t i = 0; i < shape.words[0]; ++i)
            counted += static_cast<std::size_t>(std::popcount(words_[i]));
        if (counted != count_) return false;
        if (Capacity % 64 != 0 && (words_[shape.words[0] - 1] >> (Capacity % 64)) != 0) return false;
        for (std::size_t level = 1; level < shape.levels; ++level)
            for (std::size_t child = 0; child < shape.words[level - 1]; ++child) {
                const bool nonzero = words_[shape.offset[level - 1] + child] != 0;
                const bool summary =
                    (words_[shape.offset[level] + (child >> 6)] >> (child & 63)) & 1u;
                if (nonzero != summary) return false;
            }
        return true;
    }

    friend constexpr bool operator==(const hierarchical_bitset&, const hierarchical_bitset&) noexcept = default;

private:
    // Level-0 word `index` became non-empty: set its summary bits upwards.
    constexpr void propagate_set(std::size_t index) noexcept {
        for (std::size_t level = 1; level < shape.levels; ++level) {
            word& w = words_[shape.offset[level] + (index >> 6)];
            const bool was_empty = w == 0;
            w |= word{1} << (index & 63);
            if (!was_empty) break;
            index >>= 6;
        }
    }
    // Level-0 word `index` became empty: clear its summary bits upwards.
    constexpr void propagate_reset(std::size_t index) noexcept {
        for (std::size_t level = 1; level < shape.levels; ++level) {
            word& w = words_[shape.offset[level] + (index >> 6)];
            w &= ~(word{1} << (index & 63));
            if (w != 0) break;
            index >>= 6;
        }
    }

    // First member under word `index` of level `level` (which must be non-zero).
    [[nodiscard]] constexpr std::size_t descend_first(std::size_t level, std::size_t index) const noexcept {
        // Unrolled over the (compile-time) levels: each step is one load and one tzcnt.
        if constexpr (shape.levels > 3)
            if (level >= 3) index = index * 64 + lowest(words_[shape.offset[3] + index]);
        if constexpr (shape.levels > 2)
            if (level >= 2) index = index * 64 + lowest(words_[shape.offset[2] + index]);
        if constexpr (shape.levels > 1)
            if (level >= 1) index = index * 64 + lowest(words_[shape.offset[1] + index]);
        return index * 64 + lowest(words_[index]);
    }
    [[nodiscard]] static constexpr std::size_t lowest(word w) noexcept {
        return static_cast<std::size_t>(std::countr_zero(w));
    }

    static constexpr void check_pos([[maybe_unused]] std::size_t pos) noexcept {
#ifdef ENIPOOL_ASSERTIONS
        assert(pos < Capacity && "hierarchical_bitset: position out of range");
#endif
    }

    std::array<word, shape.total_words> words_{};
    std::size_t count_ = 0;
};

} // namespace enipool
