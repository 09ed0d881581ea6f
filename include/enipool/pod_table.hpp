// enipool/pod_table.hpp: the node pool's pods, key -> value, one hash-table probe per operation.
//
// Two layouts behind one interface; `pod_table` picks by key type.
//
// `inline_pod_table`, for small trivially copyable keys (integers): a
// boost::unordered_flat_map<Key, Value>. Key and value sit in the probed element, so a
// lookup reads a group and one element where the slab layout reads a third line.
//
// `slab_pod_table`, for large keys (a cni_key is 176 bytes): entries live in a slab (a
// vector of {key, value}) whose free positions are reused last in, first out, so a
// released pod's position is the next one filled and the slab stays dense.
// A boost::unordered_flat_set of 8-byte {position, 32 hash bits} indexes the slab: probing
// stays in a small table and compares stored hash bits; a key in the slab is read only when
// they agree. The index's equality reads keys through a pointer to the slab, so that an
// insert can test "is this key present?" and place it in the same probe; the slab therefore
// lives on the heap at a fixed address (a move hands the pointer over; a copy rebuilds the
// index over its own slab).
#pragma once

#include <enipool/bitset.hpp>  // ENIPOOL_HOT_INLINE
#include <enipool/error.hpp>
#include <enipool/pod_key.hpp>

#include <boost/unordered/hash_traits.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace enipool::detail {

/// 32 well-mixed bits of `Hasher{}(key)`, mixed here when `Hasher` does not avalanche (e.g.
/// the identity hash of integers). O(key length); O(1) for cni_key (cached).
template <class Key, class Hasher>
[[nodiscard]] ENIPOOL_HOT_INLINE std::uint32_t pod_hash(const Key& key) noexcept {
    std::uint64_t h = Hasher{}(key);
    if constexpr (!boost::unordered::hash_is_avalanching<Hasher>::value)
        h = fold_multiply(h ^ 0x9E3779B97F4A7C15ull, 0xD6E8FEB86659FD93ull);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

/// 32 mixed bits repeated into both halves of a Boost hash value: they serve the table's
/// high-bit position and low-bit tag directly, with no further mixing.
[[nodiscard]] constexpr std::size_t spread_hash(std::uint32_t h) noexcept { return (std::size_t{h} << 32) | h; }

/// The hasher of the inline layout's map: pod_hash, spread. Avalanching, so Boost adds no
/// mixing of its own.
template <class Key, class Hasher>
struct pod_map_hash {
    using is_avalanching = void;
    std::size_t operator()(const Key& key) const noexcept { return spread_hash(pod_hash<Key, Hasher>(key)); }
};

/// Key -> Value with a stable-per-entry position. Single-threaded like a container.
/// `Hasher` need not avalanche (an identity integer hash is mixed here).
template <class Key, class Value, class Hasher>
class slab_pod_table {
public:
    using value_type = std::pair<Key, Value>;

private:
    struct storage {
        std::vector<value_type> slab;    // entries (and free positions) by position
        std::vector<std::uint32_t> free;  // free positions, reused last in, first out
    };

    // An index entry: a slab position and 32 bits of its key's hash.
    struct slot {
        std::uint32_t index = 0;
        std::uint32_t hash = 0;
    };
    // A lookup by key (heterogeneous: the key is not in the slab).
    struct probe {
        const Key* key;
        std::uint32_t hash;
    };
    // The stored 32 bits are already mixed: spread_hash, no rehash.
    struct slot_hash {
        using is_transparent = void;
        using is_avalanching = void;
        std::size_t operator()(const slot& s) const noexcept { return spread_hash(s.hash); }
        std::size_t operator()(const probe& p) const noexcept { return spread_hash(p.hash); }
    };
    // Equal when the hash bits agree and so do the keys in the slab.
    struct slot_equal {
        using is_transparent = void;
        const storage* store = nullptr;
        bool operator()(const slot& a, const slot& b) const noexcept {
            return a.hash == b.hash && store->slab[a.index].first == store->slab[b.index].first;
        }
        bool operator()(const probe& p, const slot& s) const noexcept {
            return s.hash == p.hash && store->slab[s.index].first == *p.key;
        }
        bool operator()(const slot& s, const probe& p) const noexcept { return (*this)(p, s); }
    };
    using index_type = boost::unordered_flat_set<slot, slot_hash, slot_equal>;

public:
    slab_pod_table() = default;
    slab_pod_table(slab_pod_table&&) noexcept = default;
    /// Swaps rather than move-assigning the index: GCC 12 reports a false
    /// -Wstringop-overflow inside Boost.Unordered's move assignment once it is inlined. The
    /// moved-from table holds this one's old entries until it is destroyed or assigned.
    slab_pod_table& operator=(slab_pod_table&& other) noexcept {
        store_.swap(other.store_);
        index_.swap(other.index_);
        return *this;
    }
    /// Deep copy. O(n). Allocates.
    slab_pod_table(const slab_pod_table& other) { copy_from(other); }
    slab_pod_table& operator=(const slab_pod_table& other) {
        if (this != &other) {
            slab_pod_table copy(other);
            *this = std::move(copy);
        }
        return *this;
    }

    /// The key's hash as the table takes it: pod_hash. O(1) for cni_key (cached).
    [[nodiscard]] static std::uint32_t hash(const Key& key) noexcept { return pod_hash<Key, Hasher>(key); }

    [[nodiscard]] std::size_t size() const noexcept { return index_.size(); }
    [[nodiscard]] bool empty() const noexcept { return index_.empty(); }

    /// The value filed under `key` (whose hash() is `h`), or nullptr. One probe, O(1).
    [[nodiscard]] ENIPOOL_HOT_INLINE Value* find(const Key& key, std::uint32_t h) noexcept {
        return const_cast<Value*>(std::as_const(*this).find(key, h));
    }
    [[nodiscard]] ENIPOOL_HOT_INLINE const Value* find(const Key& key, std::uint32_t h) const noexcept {
        auto it = index_.find(probe{&key, h});
        return it == index_.end() ? nullptr : &store_->slab[it->index].second;
    }

    /// Files `key` unless it is present: {its value, true} for a new entry (the value is
    /// left as the position's last entry had it: the caller sets every field), {the present
    /// value, false} otherwise. One probe, O(1) amortised. Allocates only when the slab or
    /// the index grows; if that throws, the table is unchanged.
    ENIPOOL_HOT_INLINE std::pair<Value*, bool> try_insert(const Key& key, std::uint32_t h) {
        const std::uint32_t position = spare_position(key);
        const auto [it, inserted] = index_.insert(slot{position, h});
        if (inserted) store_->free.pop_back();
        return {&store_->slab[it->index].second, inserted};
    }

    /// Removes `key`'s entry after passing its value to `last_look` (a callable taking
    /// `const Value&`), or returns false if absent. One probe, O(1), never allocates (the
    /// free list was reserved as the slab grew).
    template <class LastLook>
    ENIPOOL_HOT_INLINE bool erase(const Key& key, std::uint32_t h, LastLook&& last_look) noexcept {
        auto it = index_.find(probe{&key, h});
        if (it == index_.end()) return false;
        const std::uint32_t position = it->index;
        last_look(std::as_const(store_->slab[position].second));
        index_.erase(it);
        store_->free.push_back(position);
        return true;
    }

    /// Every entry (unordered), as `const std::pair<Key, Value>&`. Valid until a change.
    class const_iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::pair<Key, Value>;
        using difference_type = std::ptrdiff_t;
        using pointer = const value_type*;
        using reference = const value_type&;
        const_iterator() = default;
        reference operator*() const noexcept { return slab_[it_->index]; }
        pointer operator->() const noexcept { return &slab_[it_->index]; }
        const_iterator& operator++() noexcept {
            ++it_;
            return *this;
        }
        const_iterator operator++(int) noexcept {
            const_iterator old = *this;
            ++it_;
            return old;
        }
        friend bool operator==(const const_iterator& a, const const_iterator& b) noexcept { return a.it_ == b.it_; }

    private:
        friend class slab_pod_table;
        const_iterator(typename index_type::const_iterator it, const value_type* slab) : it_(it), slab_(slab) {}
        typename index_type::const_iterator it_{};
        const value_type* slab_ = nullptr;
    };
    [[nodiscard]] const_iterator begin() const noexcept { return {index_.begin(), slab_data()}; }
    [[nodiscard]] const_iterator end() const noexcept { return {index_.end(), slab_data()}; }

    /// Recomputes the slab / index / free-list relations. O(n).
    /// Errors: `pool_invariant_broken` naming the first contradiction.
    [[nodiscard]] result<void> check() const {
        const auto broken = [](const char* what) { return error(errc::pool_invariant_broken, what); };
        const std::size_t slab_size = store_ ? store_->slab.size() : 0;
        const std::size_t free_size = store_ ? store_->free.size() : 0;
        if (index_.size() + free_size != slab_size) return broken("the pod slab and index disagree");
        std::vector<bool> used(slab_size, false);
        for (const slot& s : index_) {
            if (s.index >= slab_size || used[s.index]) return broken("the pod index points twice or outside the slab");
            used[s.index] = true;
            if (s.hash != hash(store_->slab[s.index].first)) return broken("a pod's stored hash differs from its key's");
        }
        for (std::size_t i = 0; i < free_size; ++i) {
            const std::uint32_t f = store_->free[i];
            if (f >= slab_size || used[f]) return broken("a free pod slot is in use");
            used[f] = true;
        }
        return success();
    }

private:
    const value_type* slab_data() const noexcept { return store_ ? store_->slab.data() : nullptr; }

    // A free slab position holding `key` (not yet indexed).
    ENIPOOL_HOT_INLINE std::uint32_t spare_position(const Key& key) {
        if (!store_ || store_->free.empty()) [[unlikely]]
            return grow(key);
        storage& s = *store_;
        s.slab[s.free.back()].first = key;
        return s.free.back();
    }
    // Creates the storage on first use; grows the slab by one, reserving the free list to
    // the slab's capacity so that erase never allocates. Strong guarantee.
    [[gnu::noinline]] std::uint32_t grow(const Key& key) {
        if (!store_) {
            auto fresh = std::make_unique<storage>();
            index_type index(0, slot_hash{}, slot_equal{fresh.get()});
            store_ = std::move(fresh);
            index_ = std::move(index);
        }
        storage& s = *store_;
        // Both reservations first: once they succeed nothing below allocates.
        if (s.slab.size() == s.slab.capacity()) s.slab.reserve(std::max<std::size_t>(8, 2 * s.slab.capacity()));
        s.free.reserve(s.slab.capacity());
        s.slab.emplace_back(key, Value{});
        s.free.push_back(static_cast<std::uint32_t>(s.slab.size() - 1));
        return s.free.back();
    }

    void copy_from(const slab_pod_table& other) {
        if (!other.store_) return;
        store_ = std::make_unique<storage>(*other.store_);
        store_->free.reserve(store_->slab.capacity());
        index_ = index_type(other.index_.size(), slot_hash{}, slot_equal{store_.get()});
        for (const slot& s : other.index_) index_.insert(s);
    }

    std::unique_ptr<storage> store_;
    index_type index_;
};

/// The same interface over a boost::unordered_flat_map<Key, Value>, for keys that are
/// trivially copyable and at most 16 bytes. The precomputed hash `h` of each call is the
/// one the map computes itself (both are pod_hash), so it is not passed down.
template <class Key, class Value, class Hasher>
class inline_pod_table {
    using map_type = boost::unordered_flat_map<Key, Value, pod_map_hash<Key, Hasher>>;

public:
    using value_type = typename map_type::value_type;  // std::pair<const Key, Value>
    using const_iterator = typename map_type::const_iterator;

    /// The key's hash as the table takes it: pod_hash. O(1).
    [[nodiscard]] static std::uint32_t hash(const Key& key) noexcept { return pod_hash<Key, Hasher>(key); }

    [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }
    [[nodiscard]] bool empty() const noexcept { return map_.empty(); }

    /// The value filed under `key`, or nullptr. One probe, O(1).
    [[nodiscard]] ENIPOOL_HOT_INLINE Value* find(const Key& key, std::uint32_t h) noexcept {
        return const_cast<Value*>(std::as_const(*this).find(key, h));
    }
    [[nodiscard]] ENIPOOL_HOT_INLINE const Value* find(const Key& key, std::uint32_t) const noexcept {
        auto it = map_.find(key);
        return it == map_.end() ? nullptr : &it->second;
    }

    /// Files `key` unless it is present: {its new value-initialised value, true}, or {the
    /// present value, false}. One probe, O(1) amortised. Allocates only when the map grows;
    /// if that throws, the table is unchanged.
    ENIPOOL_HOT_INLINE std::pair<Value*, bool> try_insert(const Key& key, std::uint32_t) {
        const auto [it, inserted] = map_.try_emplace(key);
        return {&it->second, inserted};
    }

    /// Removes `key`'s entry after passing its value to `last_look`, or returns false if
    /// absent. One probe, O(1), never allocates.
    template <class LastLook>
    ENIPOOL_HOT_INLINE bool erase(const Key& key, std::uint32_t, LastLook&& last_look) noexcept {
        auto it = map_.find(key);
        if (it == map_.end()) return false;
        last_look(std::as_const(it->second));
        map_.erase(it);
        return true;
    }

    /// Every entry (unordered), as `const std::pair<const Key, Value>&`. Valid until a change.
    [[nodiscard]] const_iterator begin() const noexcept { return map_.begin(); }
    [[nodiscard]] const_iterator end() const noexcept { return map_.end(); }

    /// Boost keeps the map's own invariants; this checks that every entry is found again.
    /// O(n). Errors: `pool_invariant_broken`.
    [[nodiscard]] result<void> check() const {
        for (const auto& entry : map_)
            if (map_.find(entry.first) == map_.end())
                return error(errc::pool_invariant_broken, "a pod is not found under its own key");
        return success();
    }

private:
    map_type map_;
};

/// Keys the inline layout takes: small, trivially copyable (so copied cheaply in the probed
/// element), e.g. integers.
template <class Key>
inline constexpr bool stores_keys_inline = std::is_trivially_copyable_v<Key> && sizeof(Key) <= 16;

/// Key -> Value for the node pool's pods: inline_pod_table for small trivially copyable
/// keys, slab_pod_table otherwise. Both: find / try_insert / erase with a precomputed
/// `hash(key)`, one probe each, O(1); iteration; check().
template <class Key, class Value, class Hasher>
using pod_table = std::conditional_t<stores_keys_inline<Key>, inline_pod_table<Key, Value, Hasher>,
                                     slab_pod_table<Key, Value, Hasher>>;

} // namespace enipool::detail
