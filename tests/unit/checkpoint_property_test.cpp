// checkpoint properties: random histories (assign / release / time / assign_specific) on a
// pool, checked against a naive std::map model and check() after every step; then save ->
// restore into a fresh pool on a clock with another offset, some wall time later. The
// restored pool must equal the model exactly (keys, addresses, metadata, ages, cooling
// addresses with their remaining time, statistics), and equal the original pool when no
// wall time passed (then its document is byte-for-byte the original's). For both key types.
#include "checkpoint_support.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>
#include <vector>

using namespace ckpt_test;
using enipool::errc;
using enipool::manual_clock;

namespace {

// The 33 pod addresses of the test node (test_enis()).
std::vector<ipv4_address> pod_addresses() {
    std::vector<ipv4_address> out;
    for (std::uint32_t i = 0; i < 16; ++i) out.emplace_back(addr("100.64.1.0").to_uint() + i);
    out.push_back(addr("100.64.0.11"));
    for (std::uint32_t i = 0; i < 16; ++i) out.emplace_back(addr("100.64.2.0").to_uint() + i);
    return out;
}

enum class op_kind { assign, release, advance, assign_specific };
struct op {
    op_kind kind;
    unsigned key;      // 0..39
    unsigned seconds;  // advance: 0..40
    unsigned address;  // assign_specific: index into pod_addresses()
};

rc::Gen<op> gen_op() {
    return rc::gen::apply(
        [](int k, unsigned key, unsigned s, unsigned a) {
            // assign twice as often as the rest, so the pool fills up at times
            const op_kind kinds[] = {op_kind::assign, op_kind::assign, op_kind::release, op_kind::advance,
                                     op_kind::assign_specific};
            return op{kinds[k], key, s, a};
        },
        rc::gen::inRange(0, 5), rc::gen::inRange(0u, 40u), rc::gen::inRange(0u, 41u), rc::gen::inRange(0u, 33u));
}

// The naive model: held addresses per key, cooling addresses with their release time.
template <class Key>
struct model {
    using metadata_type = typename enipool::pod_key_traits<Key>::metadata;
    struct held {
        ipv4_address address;
        timestamp at;
        metadata_type metadata;
    };
    std::map<Key, held> pods;
    std::map<ipv4_address, timestamp> cooling;
    static constexpr std::chrono::nanoseconds cooldown = 30s;

    void expire(timestamp now) {
        for (auto it = cooling.begin(); it != cooling.end();)
            it = it->second + cooldown < now ? cooling.erase(it) : std::next(it);  // cooling through its last instant
    }
    bool busy(ipv4_address a) const {
        if (cooling.count(a) != 0) return true;
        for (const auto& [k, h] : pods)
            if (h.address == a) return true;
        return false;
    }
    std::size_t free() const { return 33 - pods.size() - cooling.size(); }
};

// Runs one step on pool and model and checks that they agree.
template <class Pool, class Key = typename Pool::key_type>
void step(Pool& p, model<Key>& m, manual_clock& clk, const op& o, const std::vector<ipv4_address>& addresses) {
    const Key key = make_key<Key>(o.key);
    m.expire(p.now());
    switch (o.kind) {
    case op_kind::assign: {
        const auto r = p.assign(key, metadata_of<Key>(o.key));
        if (auto it = m.pods.find(key); it != m.pods.end()) {
            RC_ASSERT(r.has_value());
            RC_ASSERT(*r == it->second.address);  // idempotent
        } else if (m.free() == 0) {
            RC_ASSERT(!r.has_value());
            RC_ASSERT(r.error().code() == errc::no_available_addresses);
        } else {
            RC_ASSERT(r.has_value());
            RC_ASSERT(!m.busy(*r));
            m.pods[key] = {*r, p.now(), metadata_of<Key>(o.key)};
        }
        break;
    }
    case op_kind::release: {
        const auto r = p.release(key);
        if (auto it = m.pods.find(key); it != m.pods.end()) {
            RC_ASSERT(r.has_value());
            RC_ASSERT(*r == it->second.address);
            m.cooling[it->second.address] = p.now();
            m.pods.erase(it);
        } else {
            RC_ASSERT(r.error().code() == errc::unknown_pod);
        }
        break;
    }
    case op_kind::advance: clk.advance(std::chrono::seconds(o.seconds)); break;
    case op_kind::assign_specific: {
        const ipv4_address a = addresses[o.address];
        const auto r = p.assign_specific(key, a, metadata_of<Key>(o.key));
        const auto it = m.pods.find(key);
        if (it != m.pods.end()) {
            RC_ASSERT(r.has_value() == (it->second.address == a));
        } else if (m.busy(a)) {
            RC_ASSERT(!r.has_value());
        } else {
            RC_ASSERT(r.has_value());
            m.pods[key] = {a, p.now(), metadata_of<Key>(o.key)};
        }
        break;
    }
    }
    RC_ASSERT(p.check().has_value());
}

// What the model says a pool restored `elapsed` after the save must hold.
template <class Pool, class Key = typename Pool::key_type>
void matches_model(Pool& restored, model<Key>& m, timestamp saved_now, std::chrono::nanoseconds elapsed) {
    const snapshot<Pool> s(restored);
    RC_ASSERT(s.allocations.size() == m.pods.size());
    for (const auto& row : s.allocations) {
        const auto it = m.pods.find(row.key);
        RC_ASSERT(it != m.pods.end());
        RC_ASSERT(row.address == it->second.address);
        RC_ASSERT(row.metadata == it->second.metadata);
        RC_ASSERT(row.age == saved_now - it->second.at + elapsed);
    }
    std::map<ipv4_address, std::chrono::nanoseconds> cooling;
    for (const auto& [a, at] : m.cooling)
        if (at + m.cooldown - saved_now - elapsed >= 0ns) cooling[a] = at + m.cooldown - saved_now - elapsed;
    RC_ASSERT(s.cooling.size() == cooling.size());
    for (const auto& row : s.cooling) RC_ASSERT(cooling.at(row.address) == row.remaining);
    RC_ASSERT(s.stats.total == 33u);
    RC_ASSERT(s.stats.assigned == m.pods.size());
    RC_ASSERT(s.stats.cooling == cooling.size());
    RC_ASSERT(s.stats.free == 33 - m.pods.size() - cooling.size());
}

template <class Key>
void round_trip_property() {
    using Pool = pool_of<Key>;
    const auto history = *rc::gen::container<std::vector<op>>(gen_op());
    const auto pool_offset = *rc::gen::inRange<std::int64_t>(0, 1'000'000);     // s
    const auto restore_offset = *rc::gen::inRange<std::int64_t>(0, 1'000'000);  // s
    const auto elapsed = std::chrono::milliseconds(*rc::gen::inRange<std::int64_t>(0, 45'000));
    const auto addresses = pod_addresses();

    manual_clock clk;
    clk.advance(std::chrono::seconds(pool_offset));
    Pool p = test_pool<Pool>(clk);
    model<Key> m;
    for (const op& o : history) step(p, m, clk, o, addresses);
    m.expire(p.now());
    const auto saved_wall = wall();
    const auto doc = enipool::to_json(p, saved_wall);
    const auto text = doc.dump();

    // Restored at once, on a clock with another offset: exactly the same pool and document.
    {
        manual_clock clk2;
        clk2.advance(std::chrono::seconds(restore_offset));
        Pool q = empty_pool<Pool>(clk2);
        RC_ASSERT(enipool::restore_checkpoint(q, std::string_view(text), saved_wall).has_value());
        RC_ASSERT(q.check().has_value());
        RC_ASSERT(snapshot<Pool>(q) == snapshot<Pool>(p));
        RC_ASSERT(enipool::to_json(q, saved_wall) == doc);
        matches_model(q, m, p.now(), 0ns);
    }
    // Restored `elapsed` later: everything aged by elapsed, cooldowns that ended are gone.
    {
        manual_clock clk2;
        clk2.advance(std::chrono::seconds(restore_offset));
        Pool q = empty_pool<Pool>(clk2);
        RC_ASSERT(enipool::restore_checkpoint(q, std::string_view(text), saved_wall + elapsed).has_value());
        RC_ASSERT(q.check().has_value());
        matches_model(q, m, p.now(), elapsed);
        // The restored pool goes on working: a release cools, a new pod gets a free address.
        if (!m.pods.empty()) {
            RC_ASSERT(q.release(m.pods.begin()->first).has_value());
            RC_ASSERT(q.check().has_value());
        }
    }
}

} // namespace

TEST_CASE("save -> restore after random histories is exact (CNI keys)", "[checkpoint][property]") {
    rc::prop("round trip", [] { round_trip_property<enipool::cni_key>(); });
}

TEST_CASE("save -> restore after random histories is exact (integer keys)", "[checkpoint][property]") {
    rc::prop("round trip", [] { round_trip_property<std::uint64_t>(); });
}
