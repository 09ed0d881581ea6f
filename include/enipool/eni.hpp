// enipool/eni.hpp: one elastic network interface: its slots and the state of every lane.
//
// An ENI has `ipv4_per_eni - 1` slots (at most 63) besides its primary IP (never handed
// out). Each slot is empty, one secondary IPv4 address or one /28 prefix. Slot i covers
// lanes 16*i .. 16*i+15: a prefix uses all 16, a secondary IP lane 16*i only. A lane of an
// occupied slot is free, assigned, cooling, or leaving (its CIDR is being given back).
// Free lanes are a `hierarchical_bitset<1008>` (searched for the next lane to hand out);
// cooling lanes are 16 plain words (never searched: the node's cooldown FIFO says which
// lane leaves next); assigned is what is neither. A slot's 16 lanes share one 64-bit word,
// so a slot's free and cooling counts and whether it is wholly free are read from that
// word, not kept: a lane operation touches the words (and stamps `free_since` when a slot
// becomes wholly free), nothing else; the free bitset's own count is the only counter it
// moves, and whether the ENI still has a free lane is read from that bitset's top word.
#pragma once

#include <enipool/bitset.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/limits.hpp>
#include <enipool/pool_view.hpp>

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace enipool {

/// What a slot holds.
enum class slot_kind : std::uint8_t { empty, secondary, prefix };

/// What a lane is doing. `none`: the lane is not part of an occupied slot.
enum class lane_state : std::uint8_t { none, free, assigned, cooling, leaving };

inline constexpr unsigned lanes_per_slot = addresses_per_prefix;
inline constexpr unsigned max_lanes_per_eni = max_slots_per_eni * lanes_per_slot;  // 1008
static_assert(lanes_per_slot == 16, "a slot's lanes are a 16-bit field of a 64-bit bitset word");
/// ENIs one node pool can hold, on all cards together (the largest type has 24 on its default card).
inline constexpr unsigned max_enis_per_node = 64;

/// How an ENI may be used (docs/domain.md section 1).
struct eni_flags {
    bool trunk = false;     ///< security groups for pods; never used for pod IPs, never deleted
    bool efa_only = false;  ///< takes a slot of the card, carries no IPs
    bool excluded = false;  ///< tagged no_manage (or its subnet cni=0): known, never used
    /// interface type `efa`: carries pod addresses like any ENI, and is never detached
    /// (ipamd's getDeletableENI and CheckFreeableENIexists skip EFA ENIs).
    bool efa = false;
    friend bool operator==(const eni_flags&, const eni_flags&) = default;
};

/// An ENI's statistics, O(1).
struct eni_stats {
    lane_counts prefix_lanes;     ///< lanes of /28 prefixes
    lane_counts secondary_lanes;  ///< lanes of secondary IPs
    unsigned prefixes = 0;        ///< prefix slots (leaving ones included)
    unsigned secondaries = 0;     ///< secondary-IP slots (leaving ones included)
    unsigned wholly_free_prefixes = 0;
    unsigned wholly_free_secondaries = 0;
    [[nodiscard]] constexpr std::uint64_t total() const noexcept { return prefix_lanes.total + secondary_lanes.total; }
    [[nodiscard]] constexpr std::uint64_t free() const noexcept { return prefix_lanes.free + secondary_lanes.free; }
    [[nodiscard]] constexpr std::uint64_t cooling() const noexcept { return prefix_lanes.cooling + secondary_lanes.cooling; }
    [[nodiscard]] constexpr std::uint64_t assigned() const noexcept { return total() - free() - cooling(); }
    friend bool operator==(const eni_stats&, const eni_stats&) = default;
};

/// One ENI: identity, slots and lane state. Lane operations are O(1) (a few
/// count-trailing-zeros) and never allocate; their preconditions (the lane is in the state
/// the operation leaves) are asserted when ENIPOOL_ASSERTIONS is on. The node pool keeps
/// the node-wide indexes; use the ENI through it.
class eni {
public:
    using lane_bitset = hierarchical_bitset<max_lanes_per_eni>;
    /// Plain lane words (bit `lane % 64` of word `lane / 64`), for sets that are never searched.
    using lane_words = std::array<std::uint64_t, (max_lanes_per_eni + 63) / 64>;

    /// One slot. Its lanes' states are in the ENI (`slot_free`, `slot_cooling`, `wholly_free`).
    struct slot {
        std::uint32_t base = 0;          ///< first address of the prefix, or the secondary IP
        slot_kind kind = slot_kind::empty;
        bool leaving = false;            ///< being given back: not handed out
        timestamp free_since{};          ///< when it last became wholly free
        /// Lanes: 16 for a prefix, 1 for a secondary IP, 0 when empty.
        [[nodiscard]] constexpr unsigned lanes() const noexcept {
            return kind == slot_kind::prefix ? lanes_per_slot : kind == slot_kind::secondary ? 1u : 0u;
        }
        [[nodiscard]] constexpr ipv4_prefix cidr() const noexcept {
            return ipv4_prefix::truncate(ipv4_address(base), kind == slot_kind::prefix ? 28u : 32u);
        }
    };

    /// A vacant ENI (no id). O(1).
    eni() = default;

    /// An ENI with `slot_count` empty slots (1 .. 63). O(slot_count). Allocates the slots.
    eni(std::string id, unsigned device_index, unsigned network_card, ipv4_prefix subnet,
        ipv4_address primary_ip, unsigned slot_count, eni_flags flags, bool serves_pods,
        timestamp attached_at)
        : id_(std::move(id)), subnet_(subnet), primary_ip_(primary_ip), attached_at_(attached_at),
          slots_(slot_count), device_index_(static_cast<std::uint16_t>(device_index)),
          network_card_(static_cast<std::uint16_t>(network_card)), flags_(flags),
          serves_pods_(serves_pods) {}

    // --- identity ----------------------------------------------------------------------
    [[nodiscard]] bool vacant() const noexcept { return id_.empty(); }
    [[nodiscard]] const std::string& id() const noexcept { return id_; }
    [[nodiscard]] unsigned device_index() const noexcept { return device_index_; }
    [[nodiscard]] unsigned network_card() const noexcept { return network_card_; }
    [[nodiscard]] ipv4_prefix subnet() const noexcept { return subnet_; }
    [[nodiscard]] ipv4_address primary_ip() const noexcept { return primary_ip_; }
    [[nodiscard]] const eni_flags& flags() const noexcept { return flags_; }
    /// False for trunk, efa-only, excluded ENIs and the primary under custom networking:
    /// their CIDRs are known (for overlap checks) but no lane is ever free.
    [[nodiscard]] bool serves_pods() const noexcept { return serves_pods_; }
    [[nodiscard]] timestamp attached_at() const noexcept { return attached_at_; }
    /// Switches whether the ENI serves pods (its excluded flag set or cleared at run time),
    /// with its flags. Going out of service, every lane leaves the free set (the caller has
    /// made cooling lanes free first). Coming into service, every lane of an occupied slot
    /// that is not leaving becomes free except those for which `held(lane)` holds, which
    /// become assigned. O(lanes).
    template <class Held>
    void set_service(bool serves, const eni_flags& flags, timestamp now, Held held) noexcept {
        flags_ = flags;
        if (serves == serves_pods_) return;
        for (unsigned s = 0; s < slots_.size(); ++s) {
            slot& sl = slots_[s];
            if (sl.kind == slot_kind::empty || sl.leaving) continue;
            if (!serves) {
                counts_of(sl).total -= sl.lanes();
                free_.reset_bits(s / slots_per_word, lane_field(s, sl.kind == slot_kind::prefix));
            }
        }
        serves_pods_ = serves;
        if (!serves) return;
        for (unsigned s = 0; s < slots_.size(); ++s) {
            const slot& sl = slots_[s];
            if (sl.kind == slot_kind::empty || sl.leaving) continue;
            enter_service(s, now);
            for (unsigned l = 0; l < sl.lanes(); ++l)
                if (held(s * lanes_per_slot + l)) (void)free_.erase_present(s * lanes_per_slot + l);
        }
    }

    /// True while a detach of this ENI is in flight (its slots are all leaving).
    [[nodiscard]] bool detaching() const noexcept { return detaching_; }
    void set_detaching(bool on) noexcept { detaching_ = on; }

    // --- slots -------------------------------------------------------------------------
    [[nodiscard]] unsigned slot_count() const noexcept { return static_cast<unsigned>(slots_.size()); }
    [[nodiscard]] unsigned slots_used() const noexcept { return held_.prefixes + held_.secondaries; }
    [[nodiscard]] const slot& slot_at(unsigned s) const noexcept { return slots_[s]; }
    [[nodiscard]] const std::vector<slot>& slots() const noexcept { return slots_; }

    /// The lowest empty slot, or slot_count() when all are used. O(slots).
    [[nodiscard]] unsigned first_empty_slot() const noexcept {
        unsigned s = 0;
        while (s < slots_.size() && slots_[s].kind != slot_kind::empty) ++s;
        return s;
    }

    /// Fills empty slot `s` with `cidr` (a /28 or a /32); its lanes become free when the ENI
    /// serves pods. O(1). Precondition: slot `s` is empty.
    void add_slot(unsigned s, ipv4_prefix cidr, timestamp now) noexcept {
        slot& sl = slots_[s];
        sl = slot{};
        sl.base = cidr.base().to_uint();
        sl.kind = cidr.length() == 28 ? slot_kind::prefix : slot_kind::secondary;
        if (sl.kind == slot_kind::prefix) prefix_slots_ |= std::uint64_t{1} << s;
        (sl.kind == slot_kind::prefix ? held_.prefixes : held_.secondaries)++;
        enter_service(s, now);
    }

    /// Empties slot `s`. O(1). Precondition: the slot is wholly free or leaving.
    void remove_slot(unsigned s) noexcept {
        slot& sl = slots_[s];
        if (!sl.leaving) leave_service(s);
        (sl.kind == slot_kind::prefix ? held_.prefixes : held_.secondaries)--;
        prefix_slots_ &= ~(std::uint64_t{1} << s);
        sl = slot{};
    }

    /// Free lanes of slot `s`. O(1).
    [[nodiscard]] unsigned slot_free(unsigned s) const noexcept { return lanes_in(field_of(free_, s)); }
    /// Cooling lanes of slot `s`. O(1).
    [[nodiscard]] unsigned slot_cooling(unsigned s) const noexcept { return lanes_in(field_of(cooling_, s)); }
    /// True if slot `s` is occupied, in service and every lane of it is free. O(1).
    [[nodiscard]] bool wholly_free(unsigned s) const noexcept {
        const slot& sl = slots_[s];
        if (sl.kind == slot_kind::empty || sl.leaving || !serves_pods_) return false;
        return field_of(free_, s) == full_field(sl.kind == slot_kind::prefix);
    }

    /// Marks a wholly free slot leaving (its free lanes leave the free set), or returns a
    /// leaving slot to service. O(lanes).
    void set_leaving(unsigned s, bool leaving, timestamp now) noexcept {
        if (slots_[s].leaving == leaving) return;
        if (leaving) {
            leave_service(s);
        } else {
            enter_service(s, now);
        }
    }

    // --- lanes -------------------------------------------------------------------------
    [[nodiscard]] const lane_bitset& free_lanes() const noexcept { return free_; }
    /// Cooling lanes of the ENI. O(slots).
    [[nodiscard]] std::uint64_t cooling_count() const noexcept {
        std::uint64_t n = 0;
        for (const std::uint64_t w : cooling_) n += static_cast<std::uint64_t>(std::popcount(w));
        return n;
    }

    /// The address of lane `lane` of an occupied slot. O(1).
    [[nodiscard]] ipv4_address address_of(unsigned lane) const noexcept {
        return ipv4_address(slots_[lane / lanes_per_slot].base + (lane % lanes_per_slot));
    }

    /// The state of a lane. O(1).
    [[nodiscard]] lane_state state(unsigned lane) const noexcept {
        const slot& sl = slots_[lane / lanes_per_slot];
        if (lane % lanes_per_slot >= sl.lanes()) return lane_state::none;
        if (sl.leaving) return lane_state::leaving;
        if (free_.test(lane)) return lane_state::free;
        if (is_cooling(lane)) return lane_state::cooling;
        return lane_state::assigned;
    }

    /// The lane operations, for `change<Op>`: free -> assigned (take), assigned -> cooling
    /// (cool), cooling -> assigned (take_cooling), cooling -> free (unfreeze), assigned ->
    /// free (give_back).
    enum class lane_op : std::uint8_t { take, cool, take_cooling, unfreeze, give_back };

    /// What one lane operation changed, for the node pool's counters (so that it does not
    /// recompute them from before / after values).
    struct lane_change {
        bool prefix = false;       ///< the lane's slot is a /28 (else a secondary IP)
        int wholly_free = 0;       ///< how the slot's wholly-free state moved (-1, 0, +1)
        /// The ENI's free lanes went from some to none (a take) or from none to some (a
        /// return); read from the top summary word, not from a count.
        bool eni_free_edge = false;
    };

    /// Free-lane and cooling-lane deltas of each operation.
    template <lane_op Op>
    static constexpr int free_delta = Op == lane_op::take ? -1 : (Op == lane_op::unfreeze || Op == lane_op::give_back) ? 1 : 0;
    template <lane_op Op>
    static constexpr int cooling_delta = Op == lane_op::cool ? 1 : (Op == lane_op::take_cooling || Op == lane_op::unfreeze) ? -1 : 0;

    /// Runs lane operation `Op` on `lane` (its slot in service, the lane in the state `Op`
    /// starts from; asserted when ENIPOOL_ASSERTIONS is on), at time `now` (when a slot
    /// becomes wholly free). O(1): one or two bitset updates, counters by compile-time deltas;
    /// the wholly-free test needs no slot flags since a served lane's slot is never leaving.
    template <lane_op Op>
    ENIPOOL_HOT_INLINE lane_change change(unsigned lane, timestamp now) noexcept {
        constexpr int df = free_delta<Op>, dc = cooling_delta<Op>;
        assert_state(lane, Op == lane_op::take ? lane_state::free
                           : (Op == lane_op::cool || Op == lane_op::give_back) ? lane_state::assigned
                                                                                : lane_state::cooling);
        const std::uint64_t bit = std::uint64_t{1} << (lane % 64);
        if constexpr (dc > 0) cooling_[lane / 64] |= bit;
        if constexpr (dc < 0) cooling_[lane / 64] &= ~bit;
        lane_change c;
        [[maybe_unused]] std::uint64_t free_word = 0;  // the free word holding the lane, after
        if constexpr (df > 0) {
            c.eni_free_edge = !free_.any();
            free_word = free_.insert_absent(lane);
        }
        if constexpr (df < 0) {
            free_word = free_.erase_present(lane);
            c.eni_free_edge = !free_.any();
        }
        const unsigned s = lane / lanes_per_slot;
        c.prefix = (prefix_slots_ >> s) & 1u;
        if constexpr (df != 0) {
            // Wholly free before a take / after a return: the slot's 16 bits of the free word
            // (a secondary IP's slot has one lane, its first).
            const std::uint64_t full = full_field(c.prefix);
            const std::uint64_t bits = field_in(free_word, s);
            if constexpr (df < 0) {
                if ((bits | (std::uint64_t{1} << (lane % lanes_per_slot))) == full) c.wholly_free = -1;
            } else {
                if (bits == full) {
                    slots_[s].free_since = now;
                    c.wholly_free = +1;
                }
            }
        }
        return c;
    }

    // Each lane operation returns how the slot's wholly-free state moved (-1, 0, +1).

    /// free -> assigned. O(1).
    int take(unsigned lane) noexcept { return change<lane_op::take>(lane, timestamp{}).wholly_free; }
    /// assigned -> cooling. O(1).
    int cool(unsigned lane) noexcept { return change<lane_op::cool>(lane, timestamp{}).wholly_free; }
    /// cooling -> assigned (reclaim of a cooling address). O(1).
    int take_cooling(unsigned lane) noexcept { return change<lane_op::take_cooling>(lane, timestamp{}).wholly_free; }
    /// cooling -> free, at time `now`. O(1).
    int unfreeze(unsigned lane, timestamp now) noexcept { return change<lane_op::unfreeze>(lane, now).wholly_free; }
    /// assigned -> free (no cooldown), at time `now`. O(1).
    int give_back(unsigned lane, timestamp now) noexcept { return change<lane_op::give_back>(lane, now).wholly_free; }
    /// Free lanes of the ENI. O(1).
    [[nodiscard]] std::uint64_t free_count() const noexcept { return free_.count(); }

    /// Statistics: the held totals and slot counts are kept, the free, cooling and wholly-free
    /// figures are read from the lane bitsets (a lane operation maintains no ENI counter).
    /// O(slots), at most 63 steps.
    [[nodiscard]] eni_stats stats() const noexcept {
        eni_stats out = held_;
        if (!serves_pods_) return out;
        std::uint64_t secondary_free = 0, secondary_cooling = 0;
        for (unsigned s = 0; s < slots_.size(); ++s) {
            const slot& sl = slots_[s];
            if (sl.kind == slot_kind::empty || sl.leaving) continue;
            const std::uint64_t free_bits = field_of(free_, s), cooling_bits = field_of(cooling_, s);
            if (sl.kind == slot_kind::prefix) {
                if (free_bits == full_field(true)) ++out.wholly_free_prefixes;
            } else {
                secondary_free += free_bits & 1u;
                secondary_cooling += cooling_bits & 1u;
                if (free_bits & 1u) ++out.wholly_free_secondaries;
            }
        }
        out.secondary_lanes.free = secondary_free;
        out.secondary_lanes.cooling = secondary_cooling;
        out.prefix_lanes.free = free_.count() - secondary_free;
        out.prefix_lanes.cooling = cooling_count() - secondary_cooling;
        return out;
    }

    /// Recomputes every counter from the slots and bitsets and compares. O(lanes).
    /// Errors: `pool_invariant_broken` naming the first contradiction.
    [[nodiscard]] result<void> check() const {
        if (!free_.invariants_hold()) return broken("the free-lane bitset's summary or count is wrong");
        if (slots_.size() > max_slots_per_eni) return broken("more than 63 slots");
        eni_stats expect;
        std::size_t free_bits = 0, cooling_bits = 0;
        for (unsigned s = 0; s < slots_.size(); ++s) {
            const slot& sl = slots_[s];
            unsigned f = 0, c = 0;
            for (unsigned l = 0; l < lanes_per_slot; ++l) {
                const unsigned lane = s * lanes_per_slot + l;
                const bool is_free = free_.test(lane), cooling = is_cooling(lane);
                if (is_free && cooling) return broken(fmt::format("lane {} is free and cooling", lane));
                if ((is_free || cooling) && (l >= sl.lanes() || !serves_pods_))
                    return broken(fmt::format("lane {} is free or cooling outside a served slot", lane));
                if ((is_free || cooling) && sl.leaving)
                    return broken(fmt::format("lane {} of a leaving slot is free or cooling", lane));
                f += is_free ? 1u : 0u;
                c += cooling ? 1u : 0u;
            }
            free_bits += f;
            cooling_bits += c;
            if (((prefix_slots_ >> s) & 1u) != (sl.kind == slot_kind::prefix ? 1u : 0u))
                return broken(fmt::format("slot {}'s kind and the prefix-slot mask differ", s));
            if (sl.kind == slot_kind::empty) {
                if (sl.leaving) return broken(fmt::format("empty slot {} is leaving", s));
                continue;
            }
            if (sl.kind == slot_kind::prefix && (sl.base & 15u) != 0)
                return broken(fmt::format("prefix slot {} is not /28 aligned", s));
            if (!subnet_.contains(ipv4_address(sl.base)))
                return broken(fmt::format("slot {} lies outside the subnet", s));
            lane_counts& k = sl.kind == slot_kind::prefix ? expect.prefix_lanes : expect.secondary_lanes;
            (sl.kind == slot_kind::prefix ? expect.prefixes : expect.secondaries)++;
            if (serves_pods_ && !sl.leaving) {
                k.total += sl.lanes();
                k.free += f;
                k.cooling += c;
                if (f == sl.lanes())
                    (sl.kind == slot_kind::prefix ? expect.wholly_free_prefixes
                                                  : expect.wholly_free_secondaries)++;
            }
        }
        if (free_bits != free_.count() || cooling_bits != cooling_count())
            return broken("a bitset holds a lane beyond the slots");
        if (!(expect == stats())) return broken("the ENI's counters differ from its lanes");
        if (detaching_)
            for (const slot& sl : slots_)
                if (sl.kind != slot_kind::empty && !sl.leaving)
                    return broken("a detaching ENI has a slot in service");
        return success();
    }

private:
    error broken(std::string what) const {
        return error(errc::pool_invariant_broken, fmt::format("ENI {}: {}", id_, what));
    }

    void assert_state([[maybe_unused]] unsigned lane, [[maybe_unused]] lane_state expected) const noexcept {
#ifdef ENIPOOL_ASSERTIONS
        assert(state(lane) == expected && "eni: lane is not in the state the operation needs");
#endif
    }

    lane_counts& counts_of(const slot& sl) noexcept {
        return sl.kind == slot_kind::prefix ? held_.prefix_lanes : held_.secondary_lanes;
    }

    // A slot's lanes are a 16-bit field of one bitset word: slot s is bits
    // 16*(s % 4) .. +15 of word s / 4. A prefix uses the whole field, a secondary IP its
    // first bit.
    static constexpr unsigned slots_per_word = 64 / lanes_per_slot;
    static constexpr unsigned field_shift(unsigned s) noexcept { return (s % slots_per_word) * lanes_per_slot; }
    // The field with every lane of the slot set.
    static constexpr std::uint64_t full_field(bool prefix) noexcept { return prefix ? 0xFFFFu : 1u; }
    // The bits of slot `s`'s lanes within its word, for set_bits / reset_bits.
    static constexpr std::uint64_t lane_field(unsigned s, bool prefix) noexcept {
        return full_field(prefix) << field_shift(s);
    }
    // Slot `s`'s field of `word` (the word holding its lanes), and of a lane bitset.
    static constexpr std::uint64_t field_in(std::uint64_t word, unsigned s) noexcept {
        return (word >> field_shift(s)) & 0xFFFFu;
    }
    static std::uint64_t field_of(const lane_bitset& bits, unsigned s) noexcept {
        return field_in(bits.word_at(s / slots_per_word), s);
    }
    static std::uint64_t field_of(const lane_words& words, unsigned s) noexcept {
        return field_in(words[s / slots_per_word], s);
    }
    static unsigned lanes_in(std::uint64_t field) noexcept {
        return static_cast<unsigned>(std::popcount(static_cast<std::uint16_t>(field)));
    }
    bool is_cooling(unsigned lane) const noexcept { return (cooling_[lane / 64] >> (lane % 64)) & 1u; }

    // A (new or returning) slot's lanes all become free; nothing when the ENI serves no pods.
    void enter_service(unsigned s, timestamp now) noexcept {
        slot& sl = slots_[s];
        sl.leaving = false;
        if (!serves_pods_) return;
        free_.set_bits(s / slots_per_word, lane_field(s, sl.kind == slot_kind::prefix));
        counts_of(sl).total += sl.lanes();
        sl.free_since = now;
    }

    // A wholly free slot leaves service: its lanes leave the free set.
    void leave_service(unsigned s) noexcept {
        slot& sl = slots_[s];
        if (serves_pods_) {
            counts_of(sl).total -= sl.lanes();
            free_.reset_bits(s / slots_per_word, lane_field(s, sl.kind == slot_kind::prefix));
        }
        sl.leaving = true;
    }

    std::string id_;
    ipv4_prefix subnet_{};
    ipv4_address primary_ip_{};
    timestamp attached_at_{};
    std::vector<slot> slots_;
    lane_bitset free_;
    lane_words cooling_{};
    std::uint64_t prefix_slots_ = 0;  // bit s: slot s holds a /28 (the hot path's slot kind)
    eni_stats held_;  // the kept part of stats(): lanes held per kind, slots per kind
    std::uint16_t device_index_ = 0;
    std::uint16_t network_card_ = 0;
    eni_flags flags_;
    bool serves_pods_ = false;
    bool detaching_ = false;
};

} // namespace enipool
