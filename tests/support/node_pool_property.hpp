// node_pool_property.hpp: the body of the node pool property tests. Random sequences of assign / release / assign_specific / time advance / plan /
// apply (random EC2 grants and errors, also invalid ones) against the naive reference pool
// (tests/support/reference_pool.hpp), for every growth policy x packing x key type.
// Every assign must hand out the address the model predicts for the packing. After every
// step: check(), the counts, every allocation and the cooldown FIFO equal the model's; every failed operation leaves the pool as it was (stats, allocations, cooling,
// view, in-flight actions compared before / after).
#pragma once

#include "pool_test_support.hpp"
#include "reference_pool.hpp"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace pool_test {

using namespace enipool;
/// The steps a property test takes, each one function of `harness`.
enum class step {
    assign,           ///< assign a key (expected result from the model)
    release,          ///< release a key
    assign_specific,  ///< assign an address of a known CIDR, a primary IP, or one outside
    advance,          ///< time passes
    plan,             ///< plan() with one random request queued for the warm strategy
    apply,            ///< apply a planned action: a grant, an EC2 error or an invalid grant
    bogus_apply,      ///< apply an outcome for nothing planned
    restore_cooling,  ///< restore_cooling of some address
    remove_eni,       ///< remove_eni of an ENI: refused while in use
};

struct op {
    step kind;
    std::uint64_t a;
    std::uint64_t b;
};

inline rc::Gen<std::vector<op>> ops_gen() {
    auto kind = rc::gen::weightedElement<step>({{30, step::assign},
                                                {20, step::release},
                                                {5, step::assign_specific},
                                                {10, step::advance},
                                                {10, step::plan},
                                                {14, step::apply},
                                                {2, step::bogus_apply},
                                                {2, step::restore_cooling},
                                                {2, step::remove_eni}});
    // Long sequences, so that pools grow, fill, shrink and hit their limits.
    return rc::gen::mapcat(rc::gen::inRange<std::size_t>(30, 250), [kind](std::size_t n) {
        return rc::gen::container<std::vector<op>>(
            n, rc::gen::construct<op>(kind, rc::gen::arbitrary<std::uint64_t>(), rc::gen::arbitrary<std::uint64_t>()));
    });
}

template <class Pool>
struct snapshot {
    pool_stats stats;
    std::vector<std::pair<typename Pool::key_type, std::uint32_t>> allocations;
    std::vector<std::pair<std::uint32_t, timestamp>> cooling;
    pool_view view;
    std::vector<action> in_flight;
    bool operator==(const snapshot&) const = default;

    explicit snapshot(Pool& p) : stats(p.stats()), view(p.view()), in_flight(p.in_flight()) {
        for (const auto& [k, a] : p.allocations()) allocations.emplace_back(k, a.address.to_uint());
        std::sort(allocations.begin(), allocations.end());
        for (const auto& c : p.cooling()) cooling.emplace_back(c.address.to_uint(), c.released_at);
    }
};

template <class Packing>
constexpr packing_rule rule_of() {
    if constexpr (std::is_same_v<Packing, lowest_lane>) return packing_rule::lowest_lane;
    else if constexpr (std::is_same_v<Packing, fullest_prefix>) return packing_rule::fullest_prefix;
    else {
        static_assert(std::is_same_v<Packing, spread>, "the model predicts lowest_lane, fullest_prefix and spread");
        return packing_rule::spread;
    }
}

// One property run: a pool and the reference model side by side. take() runs one step;
// compare() checks the pool against the model (run() calls it after every step).
template <class Policy, class Packing, class Key>
struct harness {
    using pool_t = node_pool<Policy, scripted_warm, enipool::pod_key<Key>, enipool::packing<Packing>,
                             enipool::clock<manual_clock>>;

    manual_clock clk;
    typename pool_t::config cfg;
    decltype(cfg.warm.queue) queue;
    pool_t p;
    reference_pool<Key> model;
    // Counter-based subnet 10.0.0.0/16: /28s from 10.0.0.0 up, /32s from 10.0.128.0 up,
    // primaries of added ENIs 10.0.255.x, of attached ENIs 10.0.254.x.
    std::uint32_t next_block = 0, next_ip = 0, next_eni = 0;
    const ipv4_prefix subnet = cidr("10.0.0.0/16");
    std::vector<std::string> eni_ids{"eni-0"};
    unsigned grants = 0, assigned_ok = 0, failed = 0, releases_planned = 0;
    std::map<std::uint64_t, action> planned;  // in flight, by request id

    harness(bool reclaim, bool zero_cooldown, bool trunk, unsigned max_pods)
        : cfg(make_config(reclaim, zero_cooldown, trunk, max_pods)), queue(cfg.warm.queue), p(make_pool(cfg, clk)) {
        model.cooldown = cfg.cooldown;
        model.reclaim = reclaim;
        model.max_pods = p.max_pods();
        model.packing = rule_of<Packing>();
        model.add_eni("eni-0");
        auto primary = eni_in_test_subnet("eni-0", 0, {Policy::needs_prefix_support ? new_block() : new_ip()});
        RC_ASSERT(p.add_eni(primary).has_value());
        model.add_cidr("eni-0", primary.cidrs[0], true);
        if (trunk) {
            auto t = eni_in_test_subnet("eni-trunk", 3, {new_block()});
            t.flags.trunk = true;
            RC_ASSERT(p.add_eni(t).has_value());
            model.add_eni("eni-trunk");
            model.add_cidr("eni-trunk", t.cidrs[0], false);
        }
    }

    static typename pool_t::config make_config(bool reclaim, bool zero_cooldown, bool trunk, unsigned max_pods) {
        typename pool_t::config c;
        c.type = nitro_type(4, 4);  // 4 ENIs x 3 slots: limits are hit often
        c.budget.trunk_eni = trunk;
        c.reclaim_cooling_when_exhausted = reclaim;
        c.cooldown = zero_cooldown ? std::chrono::nanoseconds::zero() : std::chrono::nanoseconds(30s);
        c.max_pods = max_pods;
        return c;
    }
    static pool_t make_pool(const typename pool_t::config& c, manual_clock& clock) {
        auto created = pool_t::create(c, clock);
        RC_ASSERT(created.has_value());
        return std::move(*created);
    }

    ipv4_prefix new_block() { return ipv4_prefix::truncate(ipv4_address(0x0A000000u + 16 * next_block++), 28); }
    ipv4_prefix new_ip() { return ipv4_prefix::truncate(ipv4_address(0x0A008000u + next_ip++), 32); }

    void compare() {
        const auto ok = p.check();
        RC_ASSERT_FALSE(!ok);
        const pool_stats s = p.stats();
        model.drain(p.now());
        RC_ASSERT(s.free == model.free.size());
        RC_ASSERT(s.assigned == model.assigned.size());
        RC_ASSERT(s.cooling == model.cooling.size());
        RC_ASSERT(s.total == s.free + s.assigned + s.cooling);
        RC_ASSERT(p.allocations().size() == model.assigned.size());
        for (const auto& [k, a] : model.assigned) {
            const auto* found = p.find(k);
            RC_ASSERT(found != nullptr);
            RC_ASSERT(found->address.to_uint() == a);
        }
        RC_ASSERT(p.cooling().size() == model.cooling.size());
        for (std::size_t i = 0; i < model.cooling.size(); ++i) {
            RC_ASSERT(p.cooling()[i].address.to_uint() == model.cooling[i].first);
            RC_ASSERT(p.cooling()[i].released_at == model.cooling[i].second);
        }
    }

    // Runs `failing` (an operation expected to fail) and checks that it changed nothing.
    template <class F>
    void unchanged_after(F&& failing) {
        snapshot<pool_t> before(p);
        ++failed;
        failing();
        snapshot<pool_t> after(p);
        RC_ASSERT(before == after);
    }

    void take(const op& o) {
        switch (o.kind) {
        case step::assign: return assign(o);
        case step::release: return release(o);
        case step::assign_specific: return assign_specific(o);
        case step::advance: return advance(o);
        case step::plan: return plan(o);
        case step::apply: return apply(o);
        case step::bogus_apply: return bogus_apply(o);
        case step::restore_cooling: return restore_cooling(o);
        case step::remove_eni: return remove_eni(o);
        }
    }

    // assign
    void assign(const op& o) {
        const Key key = make_key<Key>(o.a % 24);
        (void)o;
        (void)p.stats();
        const auto want = model.expect_assign(key, p.now());
        if (want.error) {
            unchanged_after([&] {
                auto r = p.assign(key);
                RC_ASSERT(!r);
                RC_ASSERT(r.error().code() == *want.error);
            });
        } else {
            auto r = p.assign(key);
            RC_ASSERT(r.has_value());
            RC_ASSERT(want.exact.has_value());
            RC_ASSERT(r->to_uint() == *want.exact);  // for a pick: the packing's lane
            if (want.picked) model.did_pick(r->to_uint());
            model.did_assign(key, r->to_uint());
            ++assigned_ok;
        }
    }

    // release
    void release(const op& o) {
        const Key key = make_key<Key>(o.a % 24);
        (void)o;
        (void)p.stats();
        model.drain(p.now());
        if (!model.assigned.count(key)) {
            unchanged_after([&] {
                auto r = p.release(key);
                RC_ASSERT(!r);
                RC_ASSERT(r.error().code() == errc::unknown_pod);
            });
        } else {
            auto r = p.release(key);
            RC_ASSERT(r.has_value());
            RC_ASSERT(r->to_uint() == *model.release(key, p.now()));
        }
    }

    // assign_specific: an address of a known CIDR, a primary, or outside
    void assign_specific(const op& o) {
        const Key key = make_key<Key>(o.a % 24);
        (void)p.stats();
        std::uint32_t a = 0x0A000000u + static_cast<std::uint32_t>(o.b % (16 * (next_block + 1)));
        if (o.b % 5 == 0) a = 0x0A008000u + static_cast<std::uint32_t>(o.b % (next_ip + 1));
        if (o.b % 7 == 0) a = 0x0A00FF00u;  // eni-0's primary IP
        const auto want = model.expect_assign_specific(key, a, p.now());
        if (want) {
            unchanged_after([&] {
                auto r = p.assign_specific(key, ipv4_address(a));
                RC_ASSERT(!r);
                RC_ASSERT(r.error().code() == *want);
            });
        } else {
            auto r = p.assign_specific(key, ipv4_address(a));
            RC_ASSERT(r.has_value());
            RC_ASSERT(r->to_uint() == a);
            model.did_assign(key, a);
        }
    }

    // time passes
    void advance(const op& o) {
        static constexpr std::chrono::nanoseconds steps[] = {0s, 1s, 10s, 29s, 30s, 31s, 130s};
        clk.advance(steps[o.a % 7]);
    }

    // plan with random requests
    void plan(const op& o) {
        const bool growth_busy = std::any_of(planned.begin(), planned.end(), [](const auto& kv) {
            return std::holds_alternative<attach_eni>(kv.second) || std::holds_alternative<assign_to_eni>(kv.second);
        });
        const bool shrink_busy = std::any_of(planned.begin(), planned.end(), [](const auto& kv) {
            return std::holds_alternative<release_from_eni>(kv.second) || std::holds_alternative<detach_eni>(kv.second);
        });
        const std::string target = o.b % 9 == 0 ? "eni-unknown" : eni_ids[o.b % eni_ids.size()];
        const auto mode = (o.b >> 8) % 2 ? address_mode::prefix : address_mode::secondary;
        const auto count = static_cast<unsigned>((o.b >> 16) % 5);
        switch (o.a % 4) {
        case 0: queue->push_back(attach_eni{0, mode, count, 0, 0}); break;
        case 1: queue->push_back(assign_to_eni{0, target, mode, count}); break;
        case 2: {
            std::vector<ipv4_prefix> cs;
            for (auto base : model.cidrs_of(target))
                if ((o.b >> (base % 13)) & 1u)
                    cs.push_back(ipv4_prefix::truncate(ipv4_address(base), model.cidrs.at(base).length));
            queue->push_back(release_from_eni{0, target, cs});
            break;
        }
        default: queue->push_back(detach_eni{0, target});
        }
        (void)p.stats();
        model.drain(p.now());
        const auto before_enis = std::count_if(p.enis().begin(), p.enis().end(),
                                               [](const eni& x) { return !x.vacant() && x.serves_pods(); });
        const auto actions = p.plan();
        RC_ASSERT(actions.size() <= 1u);
        for (const action& a : actions) {
            RC_ASSERT(request_id_of(a) != 0u);
            RC_ASSERT(planned.count(request_id_of(a)) == 0u);
            if (const auto* at = std::get_if<attach_eni>(&a)) {
                RC_ASSERT(!growth_busy);
                RC_ASSERT(at->count >= 1u);
                RC_ASSERT(at->count <= 3u);
                RC_ASSERT(static_cast<unsigned>(before_enis) < usable_enis(cfg.type, cfg.budget));
            } else if (const auto* as = std::get_if<assign_to_eni>(&a)) {
                RC_ASSERT(!growth_busy);
                RC_ASSERT(as->count >= 1u);
                const auto idx = p.eni_index(as->eni_id);
                RC_ASSERT(idx.has_value());
                RC_ASSERT(p.enis()[*idx].slots_used() + as->count <= 3u);
            } else if (const auto* rel = std::get_if<release_from_eni>(&a)) {
                RC_ASSERT(!shrink_busy);
                RC_ASSERT(!rel->cidrs.empty());
                for (const auto& c : rel->cidrs) {
                    RC_ASSERT(model.freeable(c.base().to_uint()));  // only CIDRs no pod holds leave
                    ++releases_planned;
                    model.drop_cooling(c.base().to_uint());
                    model.set_leaving(c.base().to_uint(), true);
                }
            } else if (const auto* det = std::get_if<detach_eni>(&a)) {
                RC_ASSERT(!shrink_busy);
                RC_ASSERT(det->eni_id != "eni-0");
                RC_ASSERT(!model.eni_busy(det->eni_id));
                for (auto base : model.cidrs_of(det->eni_id))
                    if (!model.cidrs.at(base).leaving) model.set_leaving(base, true);
            }
            planned.emplace(request_id_of(a), a);
        }
    }

    // apply: grant, EC2 error, or an invalid grant
    void apply(const op& o) {
        if (planned.empty()) return;
        auto it = std::next(planned.begin(), static_cast<long>(o.a % planned.size()));
        const action a = it->second;
        const int what = static_cast<int>(o.b % 10);  // 0-5 success, 6-7 error, 8-9 invalid
        if (what >= 8 && (std::holds_alternative<attach_eni>(a) || std::holds_alternative<assign_to_eni>(a))) {
            grant g;
            g.eni_id = "eni-bad";
            g.subnet = subnet;
            g.primary_ip = ipv4_address(0x0A00FD00u + next_eni);
            errc expected = errc::conflicting_grant;
            if (what == 8 && !model.cidrs.empty()) {
                const auto& [base, info] = *model.cidrs.begin();
                g.cidrs = {ipv4_prefix::truncate(ipv4_address(base), info.length)};  // overlap
            } else if (what == 8) {
                g.cidrs = {cidr("10.1.0.0/28")};  // outside the subnet
            } else {
                g.cidrs = {new_block(), new_block(), new_block(), new_block()};  // 4 > 3 slots
                expected = errc::slot_limit_reached;
            }
            if (const auto* as = std::get_if<assign_to_eni>(&a); as && !p.eni_index(as->eni_id))
                expected = errc::unknown_eni;
            unchanged_after([&] {
                auto r = p.apply(outcome{a, g});
                RC_ASSERT(!r);
                RC_ASSERT(r.error().code() == expected);
            });
            return;
        }
        if (what >= 6) {
            const errc e = what == 6 ? errc::insufficient_cidr_blocks : errc::request_limit_exceeded;
            RC_ASSERT(p.apply(outcome{a, error(e)}).has_value());
            if (const auto* rel = std::get_if<release_from_eni>(&a)) {
                bool detaching = false;
                for (const auto& [id, other] : planned)
                    if (const auto* d = std::get_if<detach_eni>(&other); d && d->eni_id == rel->eni_id) detaching = true;
                if (!detaching)
                    for (const auto& c : rel->cidrs) model.set_leaving(c.base().to_uint(), false);
            } else if (const auto* det = std::get_if<detach_eni>(&a)) {
                std::set<std::uint32_t> releasing;
                for (const auto& [id, other] : planned)
                    if (const auto* r = std::get_if<release_from_eni>(&other); r && r->eni_id == det->eni_id)
                        for (const auto& c : r->cidrs) releasing.insert(c.base().to_uint());
                for (auto base : model.cidrs_of(det->eni_id))
                    if (!releasing.count(base)) model.set_leaving(base, false);
            }
            planned.erase(it);
            return;
        }
        if (const auto* at = std::get_if<attach_eni>(&a)) {
            grant g;
            g.eni_id = "eni-" + std::to_string(++next_eni);
            g.device_index = at->device_index;
            g.subnet = subnet;
            g.primary_ip = ipv4_address(0x0A00FE00u + next_eni);  // 10.0.255.x: add_eni's
            for (unsigned i = 0; i < at->count; ++i)
                g.cidrs.push_back(at->mode == address_mode::prefix ? new_block() : new_ip());
            if (const auto r = p.apply(outcome{a, g}); !r) RC_FAIL(r.error().message());
            ++grants;
            model.add_eni(g.eni_id);
            for (const auto& c : g.cidrs) model.add_cidr(g.eni_id, c, true);
            eni_ids.push_back(g.eni_id);
        } else if (const auto* as = std::get_if<assign_to_eni>(&a)) {
            grant g;
            for (unsigned i = 0; i < as->count; ++i)
                g.cidrs.push_back(as->mode == address_mode::prefix ? new_block() : new_ip());
            const bool known = p.eni_index(as->eni_id).has_value();
            const auto r = p.apply(outcome{a, g});
            if (known) {
                RC_ASSERT(r.has_value());
                bool detaching = false;
                for (const auto& [id, other] : planned)
                    if (const auto* d = std::get_if<detach_eni>(&other); d && d->eni_id == as->eni_id) detaching = true;
                for (const auto& c : g.cidrs) {
                    model.add_cidr(as->eni_id, c, true);
                    if (detaching) model.set_leaving(c.base().to_uint(), true);  // goes with the ENI
                }
            } else {
                RC_ASSERT(!r);  // the ENI was detached meanwhile
                RC_ASSERT(r.error().code() == errc::unknown_eni);
                RC_ASSERT(p.apply(outcome{a, error(errc::invalid_parameter_value)}).has_value());
            }
        } else if (const auto* rel = std::get_if<release_from_eni>(&a)) {
            RC_ASSERT(p.apply(outcome{a, grant{}}).has_value());
            for (const auto& c : rel->cidrs)
                if (model.cidrs.count(c.base().to_uint())) model.remove_cidr(c.base().to_uint());
        } else if (const auto* det = std::get_if<detach_eni>(&a)) {
            RC_ASSERT(p.apply(outcome{a, grant{}}).has_value());
            for (auto base : model.cidrs_of(det->eni_id)) model.remove_cidr(base);
            model.remove_eni(det->eni_id);
            eni_ids.erase(std::remove(eni_ids.begin(), eni_ids.end(), det->eni_id), eni_ids.end());
        }
        planned.erase(it);
    }

    // an outcome for nothing planned
    void bogus_apply(const op& o) {
        (void)o;
        unchanged_after([&] {
            auto r = p.apply(outcome{detach_eni{999999, "eni-0"}, grant{}});
            RC_ASSERT(!r);
            RC_ASSERT(r.error().code() == errc::unexpected_outcome);
        });
    }

    // restore_cooling of some address
    void restore_cooling(const op& o) {
        (void)p.stats();
        model.drain(p.now());
        const std::uint32_t a = 0x0A000000u + static_cast<std::uint32_t>(o.b % (16 * (next_block + 1)));
        const auto c = model.cidr_of(a);
        const bool can = c && model.cidrs.at(*c).serves && model.free.count(a) && !model.cidrs.at(*c).leaving;
        if (!can) {
            unchanged_after([&] { RC_ASSERT(!p.restore_cooling(ipv4_address(a), p.now())); });
        } else {
            RC_ASSERT(p.restore_cooling(ipv4_address(a), p.now()).has_value());
            if (model.cooldown != std::chrono::nanoseconds::zero()) {
                model.free.erase(a);
                model.cooling.emplace_back(a, p.now());
            }
        }
    }

    // remove_eni of an ENI: refused while in use
    void remove_eni(const op& o) {
        const std::string target = eni_ids[o.b % eni_ids.size()];
        (void)p.stats();
        model.drain(p.now());
        bool involved = false;
        for (const auto& [id, other] : planned)
            std::visit([&](const auto& x) {
                if constexpr (requires { x.eni_id; }) involved = involved || x.eni_id == target;
            }, other);
        if (involved || target == "eni-0") return;  // keep the test's bookkeeping simple
        if (model.eni_busy(target)) {
            unchanged_after([&] {
                auto r = p.remove_eni(target);
                RC_ASSERT(!r);
                RC_ASSERT(r.error().code() == errc::eni_in_use);
            });
        } else {
            RC_ASSERT(p.remove_eni(target).has_value());
            for (auto base : model.cidrs_of(target)) model.remove_cidr(base);
            model.remove_eni(target);
            eni_ids.erase(std::remove(eni_ids.begin(), eni_ids.end(), target), eni_ids.end());
        }
    }
};

template <class Policy, class Packing, class Key>
void run(const std::vector<op>& ops, bool reclaim, bool zero_cooldown, bool trunk, unsigned max_pods) {
    harness<Policy, Packing, Key> h(reclaim, zero_cooldown, trunk, max_pods);
    for (const op& o : ops) {
        h.take(o);
        h.compare();
    }
    RC_CLASSIFY(h.grants > 0, "attach granted");
    RC_CLASSIFY(h.assigned_ok > 10, "over 10 assigns");
    RC_CLASSIFY(h.failed > 3, "over 3 failed operations");
    RC_CLASSIFY(h.releases_planned > 0, "CIDR released");
}

template <class Policy, class Packing, class Key>
void property(const char* name) {
    rc::prop(name, [](bool reclaim, bool trunk) {
        const auto ops = *ops_gen();
        const bool zero_cooldown = *rc::gen::weightedElement<bool>({{1, true}, {4, false}});
        const auto max_pods = *rc::gen::element(0u, 0u, 0u, 5u, 20u);
        run<Policy, Packing, Key>(ops, reclaim, zero_cooldown, trunk, max_pods);
    });
}

template <class Policy, class Key>
void every_packing(const std::string& prefix) {
    property<Policy, lowest_lane, Key>((prefix + " / lowest_lane").c_str());
    property<Policy, fullest_prefix, Key>((prefix + " / fullest_prefix").c_str());
    property<Policy, spread, Key>((prefix + " / spread").c_str());
}

} // namespace pool_test

