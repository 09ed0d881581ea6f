// growth_policy.hpp: the three growth policies' fallback, stall and retry timing, and the
// concept's compile-time checks (valid types pass, a type missing a member does not).
#include <enipool/growth_policy.hpp>
#include <enipool/policy.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <chrono>
#include <type_traits>
#include <vector>

// A named namespace: clang warns about the unused static members of test types in an
// unnamed one.
namespace growth_policy_test {

using namespace std::chrono_literals;
using enipool::address_mode;
using enipool::errc;
using enipool::timestamp;

constexpr timestamp at(std::chrono::nanoseconds d) { return timestamp{d}; }

// --- the concepts ------------------------------------------------------------------------

// A hand-written policy that meets every requirement.
struct minimal_policy {
    struct config {};
    static constexpr bool needs_prefix_support = false;
    explicit minimal_policy(const config&) {}
    address_mode mode(timestamp) const { return address_mode::secondary; }
    bool may_grow(timestamp) const { return true; }
    void on_grant(timestamp, address_mode) {}
    void on_error(timestamp, address_mode, errc) {}
};
ENIPOOL_CHECK_GROWTH_POLICY(minimal_policy);
ENIPOOL_CHECK_GROWTH_POLICY(enipool::prefix_first);
ENIPOOL_CHECK_GROWTH_POLICY(enipool::prefix_only);
ENIPOOL_CHECK_GROWTH_POLICY(enipool::secondary_only);

// Each of these lacks exactly one member; none may satisfy the concept.
struct no_config {
    static constexpr bool needs_prefix_support = false;
    address_mode mode(timestamp) const { return address_mode::secondary; }
    bool may_grow(timestamp) const { return true; }
    void on_grant(timestamp, address_mode) {}
    void on_error(timestamp, address_mode, errc) {}
};
struct no_prefix_flag {
    struct config {};
    explicit no_prefix_flag(const config&) {}
    address_mode mode(timestamp) const { return address_mode::secondary; }
    bool may_grow(timestamp) const { return true; }
    void on_grant(timestamp, address_mode) {}
    void on_error(timestamp, address_mode, errc) {}
};
struct mode_not_const {
    struct config {};
    static constexpr bool needs_prefix_support = false;
    explicit mode_not_const(const config&) {}
    address_mode mode(timestamp) { return address_mode::secondary; }
    bool may_grow(timestamp) const { return true; }
    void on_grant(timestamp, address_mode) {}
    void on_error(timestamp, address_mode, errc) {}
};
struct may_grow_returns_int {
    struct config {};
    static constexpr bool needs_prefix_support = false;
    explicit may_grow_returns_int(const config&) {}
    address_mode mode(timestamp) const { return address_mode::secondary; }
    int may_grow(timestamp) const { return 1; }
    void on_grant(timestamp, address_mode) {}
    void on_error(timestamp, address_mode, errc) {}
};
struct no_on_error {
    struct config {};
    static constexpr bool needs_prefix_support = false;
    explicit no_on_error(const config&) {}
    address_mode mode(timestamp) const { return address_mode::secondary; }
    bool may_grow(timestamp) const { return true; }
    void on_grant(timestamp, address_mode) {}
};
struct not_constructible_from_config {
    struct config {};
    static constexpr bool needs_prefix_support = false;
    address_mode mode(timestamp) const { return address_mode::secondary; }
    bool may_grow(timestamp) const { return true; }
    void on_grant(timestamp, address_mode) {}
    void on_error(timestamp, address_mode, errc) {}
    explicit not_constructible_from_config(int) {}
};
static_assert(!enipool::growth_policy<no_config>);
static_assert(!enipool::growth_policy<no_prefix_flag>);
static_assert(!enipool::growth_policy<mode_not_const>);
static_assert(!enipool::growth_policy<may_grow_returns_int>);
static_assert(!enipool::growth_policy<no_on_error>);
static_assert(!enipool::growth_policy<not_constructible_from_config>);

struct minimal_warm {
    struct config {};
    explicit minimal_warm(const config&) {}
    std::vector<enipool::action> plan(const enipool::pool_view&) const { return {}; }
};
struct warm_plan_not_const {
    struct config {};
    explicit warm_plan_not_const(const config&) {}
    std::vector<enipool::action> plan(const enipool::pool_view&) { return {}; }
};
struct warm_no_config {
    std::vector<enipool::action> plan(const enipool::pool_view&) const { return {}; }
};
ENIPOOL_CHECK_WARM_STRATEGY(minimal_warm);
ENIPOOL_CHECK_WARM_STRATEGY(enipool::vpc_cni_warm);
ENIPOOL_CHECK_WARM_STRATEGY(enipool::cilium_watermarks);
ENIPOOL_CHECK_WARM_STRATEGY(enipool::auto_mode_warm);
static_assert(!enipool::warm_strategy<warm_plan_not_const>);
static_assert(!enipool::warm_strategy<warm_no_config>);
static_assert(!enipool::warm_strategy<minimal_policy>);

static_assert(enipool::prefix_first::needs_prefix_support);
static_assert(enipool::prefix_only::needs_prefix_support);
static_assert(!enipool::secondary_only::needs_prefix_support);

} // namespace growth_policy_test

using namespace growth_policy_test;

TEST_CASE("the concept checks are usable at run time too", "[growth_policy][concept]") {
    // check_*() return the concept's value; here for the valid types (an invalid one would not compile).
    CHECK(enipool::check_growth_policy<minimal_policy>());
    CHECK(enipool::check_warm_strategy<minimal_warm>());
}

// --- prefix_first ------------------------------------------------------------------------

TEST_CASE("prefix_first falls back to secondary IPs for the back-off, then tries prefixes again",
          "[growth_policy][prefix_first]") {
    enipool::prefix_first p;  // defaults: prefix_retry_after 120 s
    CHECK(p.mode(at(0s)) == address_mode::prefix);
    CHECK(p.may_grow(at(0s)));
    CHECK(p.fallbacks() == 0);

    // t = 10 s: EC2 has no free aligned /28. Secondary IPs until 10 + 120 = 130 s.
    p.on_error(at(10s), address_mode::prefix, errc::insufficient_cidr_blocks);
    CHECK(p.fallbacks() == 1);
    CHECK(p.may_grow(at(10s)));  // a fallback is not a stall: growth goes on, with IPs
    CHECK(p.mode(at(10s)) == address_mode::secondary);
    CHECK(p.mode(at(129s)) == address_mode::secondary);
    CHECK(p.mode(at(130s)) == address_mode::prefix);  // 10 + 120: prefixes again
    CHECK(p.stalls() == 0);
}

TEST_CASE("prefix_first treats InvalidParameterValue on a prefix request as no free /28",
          "[growth_policy][prefix_first]") {
    enipool::prefix_first p;
    p.on_error(at(0s), address_mode::prefix, errc::invalid_parameter_value);
    CHECK(p.fallbacks() == 1);
    CHECK(p.mode(at(1s)) == address_mode::secondary);
    // The same error on a secondary request is an ordinary refusal: retry after 1 s.
    enipool::prefix_first q;
    q.on_error(at(0s), address_mode::secondary, errc::invalid_parameter_value);
    CHECK(q.fallbacks() == 0);
    CHECK(q.mode(at(0s)) == address_mode::prefix);
    CHECK_FALSE(q.may_grow(at(999ms)));
    CHECK(q.may_grow(at(1s)));
}

TEST_CASE("prefix_first counts one fallback per switch, and a second refusal extends it",
          "[growth_policy][prefix_first]") {
    enipool::prefix_first p;
    p.on_error(at(0s), address_mode::prefix, errc::insufficient_cidr_blocks);
    // A prefix request planned before the switch fails too at 50 s: still the same fallback,
    // now lasting until 50 + 120 = 170 s.
    p.on_error(at(50s), address_mode::prefix, errc::insufficient_cidr_blocks);
    CHECK(p.fallbacks() == 1);
    CHECK(p.mode(at(169s)) == address_mode::secondary);
    CHECK(p.mode(at(170s)) == address_mode::prefix);
    // Back on prefixes at 200 s and refused again: a second fallback until 320 s.
    p.on_error(at(200s), address_mode::prefix, errc::insufficient_cidr_blocks);
    CHECK(p.fallbacks() == 2);
    CHECK(p.mode(at(319s)) == address_mode::secondary);
    CHECK(p.mode(at(320s)) == address_mode::prefix);
}

TEST_CASE("prefix_first stops growing for 120 s when the subnet has too few free addresses",
          "[growth_policy][prefix_first]") {
    enipool::prefix_first p;
    p.on_error(at(10s), address_mode::prefix, errc::insufficient_cidr_blocks);  // secondary until 130 s
    p.on_error(at(20s), address_mode::secondary, errc::insufficient_free_addresses);
    CHECK(p.stalls() == 1);
    CHECK_FALSE(p.may_grow(at(20s)));
    CHECK_FALSE(p.may_grow(at(139s)));
    CHECK_FALSE(p.may_grow(at(140s)));  // 20 + 120: still off at exactly 120 s, as in ipamd (<=)
    CHECK(p.may_grow(at(140s) + 1ns));
    CHECK(p.no_growth_until() == at(140s) + 1ns);
    CHECK(p.mode(at(140s)) == address_mode::prefix);  // the fallback ended at 130 s
}

TEST_CASE("prefix_first with permanent_fallback never returns to prefixes (Cilium)",
          "[growth_policy][prefix_first]") {
    enipool::prefix_first_config c;
    c.permanent_fallback = true;
    enipool::prefix_first p(c);
    CHECK(p.mode(at(1000s)) == address_mode::prefix);
    p.on_error(at(0s), address_mode::prefix, errc::insufficient_cidr_blocks);
    CHECK(p.mode(at(121s)) == address_mode::secondary);
    CHECK(p.mode(at(1'000'000s)) == address_mode::secondary);
}

TEST_CASE("prefix_first's configured back-off is honoured", "[growth_policy][prefix_first]") {
    enipool::prefix_first_config c;
    c.prefix_retry_after = 5s;
    enipool::prefix_first p(c);
    p.on_error(at(1s), address_mode::prefix, errc::insufficient_cidr_blocks);
    CHECK(p.mode(at(5s)) == address_mode::secondary);
    CHECK(p.mode(at(6s)) == address_mode::prefix);  // 1 + 5
    CHECK(p.fallback_until() == at(6s));
}

TEST_CASE("prefix_first without prefix support grows with secondary IPs for good", "[growth_policy][prefix_first]") {
    enipool::prefix_first p;
    p.without_prefix_support();
    CHECK(p.mode(at(0s)) == address_mode::secondary);
    CHECK(p.mode(at(1'000'000s)) == address_mode::secondary);
    p.on_grant(at(1s), address_mode::secondary);
    p.on_error(at(2s), address_mode::secondary, errc::insufficient_cidr_blocks);  // out of room: a stall
    CHECK(p.mode(at(500s)) == address_mode::secondary);
    CHECK(p.fallbacks() == 0);
    CHECK(p.stalls() == 1);
    CHECK(p.may_grow(at(123s)));  // the stall ends after its 120 s
}

// --- throttling and other refusals (shared by all three) -----------------------------------

TEMPLATE_TEST_CASE("throttling backs off 1 s, doubling per refusal up to 20 s, reset by a grant",
                   "[growth_policy][throttle]", enipool::prefix_first, enipool::prefix_only,
                   enipool::secondary_only) {
    TestType p{typename TestType::config{}};
    const address_mode m = p.mode(at(0s));
    // Refusals at t = 0, then each time growth is allowed again: back-offs 1, 2, 4, 8, 16,
    // 20 (capped: 32 > 20), 20 s.
    timestamp t = at(0s);
    for (const auto expected : {1s, 2s, 4s, 8s, 16s, 20s, 20s}) {
        p.on_error(t, m, errc::request_limit_exceeded);
        CHECK_FALSE(p.may_grow(t + expected - 1ms));
        CHECK(p.may_grow(t + expected));
        t += expected;
    }
    // A grant resets the streak: the next refusal backs off 1 s again.
    p.on_grant(t, m);
    p.on_error(t, m, errc::request_limit_exceeded);
    CHECK_FALSE(p.may_grow(t + 999ms));
    CHECK(p.may_grow(t + 1s));
    CHECK(p.mode(t) == m);  // throttling never changes the unit
}

TEMPLATE_TEST_CASE("a throttle does not shorten a running stall", "[growth_policy][throttle]",
                   enipool::prefix_first, enipool::prefix_only, enipool::secondary_only) {
    TestType p{typename TestType::config{}};
    p.on_error(at(0s), address_mode::secondary, errc::insufficient_free_addresses);  // until 120 s
    p.on_error(at(1s), address_mode::secondary, errc::request_limit_exceeded);       // until 2 s only
    CHECK_FALSE(p.may_grow(at(120s)));
    CHECK(p.may_grow(at(120s) + 1ns));
}

// --- prefix_only and secondary_only ------------------------------------------------------

TEST_CASE("prefix_only stalls on InsufficientCidrBlocks and keeps asking for prefixes",
          "[growth_policy][prefix_only]") {
    enipool::prefix_only p;
    p.on_error(at(30s), address_mode::prefix, errc::insufficient_cidr_blocks);
    CHECK(p.stalls() == 1);
    CHECK(p.mode(at(30s)) == address_mode::prefix);  // never secondary
    CHECK_FALSE(p.may_grow(at(30s)));
    CHECK_FALSE(p.may_grow(at(150s)));  // 30 + 120, its last instant included
    CHECK(p.may_grow(at(150s) + 1ns));
    CHECK(p.mode(at(150s)) == address_mode::prefix);
    p.on_error(at(151s), address_mode::prefix, errc::insufficient_free_addresses);
    CHECK(p.stalls() == 2);
    CHECK_FALSE(p.may_grow(at(271s)));
    CHECK(p.may_grow(at(271s) + 1ns));
}

TEST_CASE("prefix_only's stall follows its configured back-off", "[growth_policy][prefix_only]") {
    enipool::stall_policy_config c;
    c.back_off.stall = 10s;
    enipool::prefix_only p(c);
    p.on_error(at(0s), address_mode::prefix, errc::invalid_parameter_value);
    CHECK_FALSE(p.may_grow(at(10s)));
    CHECK(p.may_grow(at(10s) + 1ns));
}

TEST_CASE("secondary_only always grows with secondary IPs and stalls on address exhaustion",
          "[growth_policy][secondary_only]") {
    enipool::secondary_only p;
    CHECK(p.mode(at(0s)) == address_mode::secondary);
    p.on_error(at(5s), address_mode::secondary, errc::insufficient_free_addresses);
    CHECK(p.stalls() == 1);
    CHECK(p.mode(at(5s)) == address_mode::secondary);
    CHECK_FALSE(p.may_grow(at(125s)));  // 5 + 120, its last instant included
    CHECK(p.may_grow(at(125s) + 1ns));
    // An ENI without a free slot is an ordinary refusal: a 1 s retry.
    p.on_error(at(200s), address_mode::secondary, errc::private_ip_address_limit_exceeded);
    CHECK(p.stalls() == 1);
    CHECK_FALSE(p.may_grow(at(200s)));
    CHECK(p.may_grow(at(201s)));
}

// --- RapidCheck: every policy against a naive model that replays the whole history ---------

namespace {

enum class which { prefix_first, prefix_first_permanent, prefix_only, secondary_only };

struct event {
    std::chrono::nanoseconds at;
    bool grant = false;
    address_mode m = address_mode::prefix;
    errc e = errc::request_limit_exceeded;
};

enum class reaction { fallback, stall, retry, none };

// How each policy reacts to one refusal, as the class comments say it.
reaction reaction_of(which w, const event& ev) {
    if (ev.grant) return reaction::none;
    const bool out_of_room = ev.e == errc::insufficient_cidr_blocks || ev.e == errc::insufficient_free_addresses;
    switch (w) {
    case which::prefix_first:
    case which::prefix_first_permanent:
        if (ev.m == address_mode::prefix &&
            (ev.e == errc::insufficient_cidr_blocks || ev.e == errc::invalid_parameter_value))
            return reaction::fallback;
        return out_of_room ? reaction::stall : reaction::retry;
    case which::prefix_only:
        return out_of_room || ev.e == errc::invalid_parameter_value ? reaction::stall : reaction::retry;
    case which::secondary_only:
        return out_of_room ? reaction::stall : reaction::retry;
    }
    return reaction::none;
}

// The naive model: answers from the whole event history, nothing remembered in between.
struct history_model {
    which w;
    std::vector<event> events;

    bool falling_back(std::chrono::nanoseconds now) const {
        for (const auto& ev : events)
            if (reaction_of(w, ev) == reaction::fallback &&
                (w == which::prefix_first_permanent || now < ev.at + 120s))
                return true;
        return false;
    }
    address_mode mode(std::chrono::nanoseconds now) const {
        if (w == which::prefix_only) return address_mode::prefix;
        if (w == which::secondary_only) return address_mode::secondary;
        return falling_back(now) ? address_mode::secondary : address_mode::prefix;
    }
    bool may_grow(std::chrono::nanoseconds now) const {
        int streak = 0;  // retries since the last grant, before this one
        for (const auto& ev : events) {
            if (ev.grant) streak = 0;
            const reaction r = reaction_of(w, ev);
            if (r == reaction::stall && now <= ev.at + 120s) return false;  // ipamd's <=
            if (r == reaction::retry) {
                std::chrono::nanoseconds d = 1s;  // 1 s, 2 s, 4 s ... at most 20 s
                for (int i = 0; i < streak; ++i) d = std::min<std::chrono::nanoseconds>(d * 2, 20s);
                if (now < ev.at + d) return false;
                ++streak;
            }
        }
        return true;
    }
    std::uint64_t fallbacks() const {
        std::uint64_t n = 0;
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (reaction_of(w, events[i]) != reaction::fallback) continue;
            history_model before{w, {events.begin(), events.begin() + static_cast<std::ptrdiff_t>(i)}};
            if (!before.falling_back(events[i].at)) ++n;  // a switch from prefixes
        }
        return n;
    }
    std::uint64_t stalls() const {
        std::uint64_t n = 0;
        for (const auto& ev : events) if (reaction_of(w, ev) == reaction::stall) ++n;
        return n;
    }
};

template <class Policy>
void run_against_history(which w, Policy p) {
    history_model model{w, {}};
    std::chrono::nanoseconds now{0};
    const auto steps = *rc::gen::inRange(1, 60);
    for (int i = 0; i < steps; ++i) {
        now += std::chrono::seconds{*rc::gen::element(0, 1, 2, 3, 15, 60, 119, 120, 121, 400)} +
               std::chrono::milliseconds{*rc::gen::element(0, 0, 1, 999)};
        event ev;
        ev.at = now;
        ev.grant = *rc::gen::inRange(0, 4) == 0;
        ev.m = *rc::gen::element(address_mode::prefix, address_mode::secondary, p.mode(timestamp{now}));
        ev.e = *rc::gen::element(errc::insufficient_cidr_blocks, errc::insufficient_free_addresses,
                                 errc::invalid_parameter_value, errc::request_limit_exceeded,
                                 errc::private_ip_address_limit_exceeded, errc::attachment_limit_exceeded);
        if (ev.grant) p.on_grant(timestamp{now}, ev.m);
        else p.on_error(timestamp{now}, ev.m, ev.e);
        model.events.push_back(ev);
        // Ask at the event and a little later.
        for (const auto later : {0s, 1s, 119s, 120s, 500s}) {
            const auto t = now + later;
            RC_ASSERT(p.mode(timestamp{t}) == model.mode(t));
            RC_ASSERT(p.may_grow(timestamp{t}) == model.may_grow(t));
        }
        RC_ASSERT(p.stalls() == model.stalls());
        if constexpr (std::is_same_v<Policy, enipool::prefix_first>) RC_ASSERT(p.fallbacks() == model.fallbacks());
    }
}

} // namespace

TEST_CASE("growth policies agree with a model that replays their whole history", "[growth_policy][property]") {
    rc::prop("prefix_first", [] { run_against_history(which::prefix_first, enipool::prefix_first{}); });
    rc::prop("prefix_first, permanent fallback", [] {
        enipool::prefix_first_config c;
        c.permanent_fallback = true;
        run_against_history(which::prefix_first_permanent, enipool::prefix_first{c});
    });
    rc::prop("prefix_only", [] { run_against_history(which::prefix_only, enipool::prefix_only{}); });
    rc::prop("secondary_only", [] { run_against_history(which::secondary_only, enipool::secondary_only{}); });
}
