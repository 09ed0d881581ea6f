// enipool/growth_policy.hpp: the growth_policy concept, which unit a pool grows with and when.
//
// A growth policy answers two questions for `node_pool::plan(now)`: which kind of capacity
// to ask EC2 for now (`mode(now)`: /28 prefixes or secondary IPs) and whether to ask at all
// (`may_grow(now)`: false while backing off after EC2 refused). The pool tells it what EC2
// answered (`on_grant`, `on_error`). A policy is a small value type with a `config` struct
// of runtime knobs; `needs_prefix_support` makes the pool refuse it on non-Nitro types.
#pragma once

#include <enipool/error.hpp>
#include <enipool/limits.hpp>
#include <enipool/pool_view.hpp>

#include <concepts>

namespace enipool {

/// What a node pool needs from its growth-policy template parameter.
///
/// ```
/// struct my_policy {
///     struct config { std::chrono::seconds back_off{120}; };
///     static constexpr bool needs_prefix_support = true;
///     explicit my_policy(const config&);
///     address_mode mode(timestamp now) const;             // unit to grow with now
///     bool may_grow(timestamp now) const;                 // false while backing off
///     void on_grant(timestamp now, address_mode m);       // EC2 granted capacity of mode m
///     void on_error(timestamp now, address_mode m, errc e); // EC2 refused a request of mode m
/// };
/// ```
/// For a readable diagnostic of a type that does not satisfy it, write
/// `ENIPOOL_CHECK_GROWTH_POLICY(my_policy);` (one static_assert per missing member).
template <class P>
concept growth_policy = requires(P& p, const P& cp, timestamp now, address_mode m, errc e) {
    typename P::config;                                        // runtime knobs (back-off...)
    requires std::constructible_from<P, const typename P::config&>;
    { P::needs_prefix_support } -> std::convertible_to<bool>; // static constexpr: refuse non-Nitro
    { cp.mode(now) } -> std::same_as<address_mode>;           // unit to grow with now
    { cp.may_grow(now) } -> std::same_as<bool>;               // false while backing off
    { p.on_grant(now, m) };                                   // EC2 granted capacity of mode m
    { p.on_error(now, m, e) };                                // EC2 refused a request of mode m
};

/// Checks each requirement of `growth_policy` on its own, with a static_assert whose message
/// names the missing member and how to add it; returns true when all hold. Compile time only.
template <class P>
constexpr bool check_growth_policy() noexcept {
    constexpr bool has_config = requires { typename P::config; };
    static_assert(has_config,
                  "growth_policy: missing nested type `config`; add `struct config { ... };` "
                  "(an empty struct is fine) holding the policy's runtime knobs");
    static_assert(!has_config || requires { requires std::constructible_from<P, const typename P::config&>; },
                  "growth_policy: P cannot be built from its config; add the constructor "
                  "`explicit P(const config&)`");
    static_assert(requires { { P::needs_prefix_support } -> std::convertible_to<bool>; },
                  "growth_policy: missing `static constexpr bool needs_prefix_support`; set it "
                  "true when the policy asks for /28 prefixes (the pool then refuses non-Nitro "
                  "instance types)");
    static_assert(requires(const P& cp, timestamp now) { { cp.mode(now) } -> std::same_as<address_mode>; },
                  "growth_policy: missing `address_mode mode(timestamp now) const`, the unit to "
                  "grow with now (it must be const and return exactly enipool::address_mode)");
    static_assert(requires(const P& cp, timestamp now) { { cp.may_grow(now) } -> std::same_as<bool>; },
                  "growth_policy: missing `bool may_grow(timestamp now) const`, false while the "
                  "policy backs off (it must be const and return exactly bool)");
    static_assert(requires(P& p, timestamp now, address_mode m) { p.on_grant(now, m); },
                  "growth_policy: missing `void on_grant(timestamp now, address_mode m)`, called "
                  "when EC2 granted capacity of mode m");
    static_assert(requires(P& p, timestamp now, address_mode m, errc e) { p.on_error(now, m, e); },
                  "growth_policy: missing `void on_error(timestamp now, address_mode m, errc e)`, "
                  "called when EC2 refused a request of mode m with error e");
    return growth_policy<P>;
}

} // namespace enipool

/// Fails compilation with one message per missing member when `P` is not a growth_policy.
#define ENIPOOL_CHECK_GROWTH_POLICY(P)                                                         \
    static_assert(::enipool::check_growth_policy<P>(), "growth_policy: " #P " does not satisfy enipool::growth_policy")
