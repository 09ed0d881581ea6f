// enipool/detail/restored_holds.hpp: addresses a node pool holds outside its hand-out rules.
//
// An agent's checkpoint can say that a pod holds an address the pool would never hand out:
// one on an ENI that serves no pods (excluded, trunk, efa-only), or a second address of a
// key that already holds one. ipamd's ReadBackingStore (data_store.go L348-423 at
// b52188387f2e) restores both: it looks the address up on every ENI of the datastore,
// excluded ones included, and never checks whether the key already holds an address. The
// node pool keeps such addresses here so that nothing in the file is lost:
//   - `unserved`: addresses held by pods on ENIs that serve no pods. Their lanes are never
//     free or cooling, so the lane bitsets cannot tell held from unheld; this set can.
//   - `extras`: a key's addresses beyond the one in the pod table, oldest first. Each
//     release of the key frees one address: the table's first, then the oldest extra takes
//     its place.
// Both are empty in a pool that restored no such entry; the hot path tests one counter.
#pragma once

#include <enipool/ip.hpp>

#include <boost/unordered/unordered_flat_set.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace enipool::detail {

template <class Key, class Allocation>
class restored_holds {
public:
    using extra = std::pair<Key, Allocation>;

    /// True when nothing is held outside the hand-out rules. O(1).
    [[nodiscard]] bool empty() const noexcept { return unserved_.empty() && extras_.empty(); }

    // --- addresses on ENIs that serve no pods --------------------------------------------

    /// True when a pod holds `a` on an ENI serving no pods. O(1).
    [[nodiscard]] bool holds_unserved(ipv4_address a) const noexcept { return unserved_.contains(a.to_uint()); }
    /// Records `a` as held. O(1) amortised; may allocate.
    void hold_unserved(ipv4_address a) { unserved_.insert(a.to_uint()); }
    /// Makes room for `n` more held addresses, so that holding them cannot fail. May allocate.
    void reserve_unserved(std::size_t n) { unserved_.reserve(unserved_.size() + n); }
    /// Forgets `a`; true when it was held. O(1).
    bool drop_unserved(ipv4_address a) noexcept { return unserved_.erase(a.to_uint()) != 0; }
    /// Addresses held on ENIs serving no pods. O(1).
    [[nodiscard]] std::size_t unserved_count() const noexcept { return unserved_.size(); }
    /// Held addresses inside `cidr`. O(held).
    [[nodiscard]] std::size_t unserved_in(const ipv4_prefix& cidr) const noexcept {
        return static_cast<std::size_t>(std::count_if(unserved_.begin(), unserved_.end(), [&](std::uint32_t v) {
            return cidr.contains(ipv4_address(v));
        }));
    }

    // --- further addresses of a key ---------------------------------------------------------

    /// A key's addresses beyond its first, oldest first. O(1).
    [[nodiscard]] const std::vector<extra>& extras() const noexcept { return extras_; }
    /// Adds a further address of `key`. O(1) amortised; may allocate.
    void add_extra(const Key& key, const Allocation& a) { extras_.emplace_back(key, a); }
    /// Removes and returns the oldest further address of `key`, if any. O(extras).
    std::optional<Allocation> take_extra(const Key& key) {
        const auto it = std::find_if(extras_.begin(), extras_.end(), [&](const extra& x) { return x.first == key; });
        if (it == extras_.end()) return std::nullopt;
        Allocation a = it->second;
        extras_.erase(it);
        return a;
    }
    /// Removes the further addresses for which `pred(allocation)` holds and returns them, in
    /// order. O(extras).
    template <class Pred>
    std::vector<extra> take_extras_if(Pred pred) {
        std::vector<extra> out;
        std::erase_if(extras_, [&](const extra& x) {
            if (!pred(x.second)) return false;
            out.push_back(x);
            return true;
        });
        return out;
    }

private:
    boost::unordered_flat_set<std::uint32_t> unserved_;
    std::vector<extra> extras_;
};

} // namespace enipool::detail
