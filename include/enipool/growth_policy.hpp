// enipool/growth_policy.hpp: the growth_policy concept, which unit a pool grows with and when.
//
// A growth policy answers two questions for `node_pool::plan(now)`: which kind of capacity
// to ask EC2 for now (`mode(now)`: /28 prefixes or secondary IPs) and whether to ask at all
// (`may_grow(now)`: false while backing off after EC2 refused). The pool tells it what EC2
// answered (`on_grant`, `on_error`). A policy is a small value type with a `config` struct
// of runtime knobs; `needs_prefix_support` makes the pool refuse it on non-Nitro types,
// unless it has `without_prefix_support()`, which the pool calls instead (secondary IPs only).
#pragma once

#include <enipool/error.hpp>
#include <enipool/limits.hpp>
#include <enipool/pool_view.hpp>

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <string_view>

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
/// Optional: `void without_prefix_support()`. A policy with needs_prefix_support that has it
/// runs on a type without prefixes (not Nitro, not bare metal): the pool calls it once at
/// create and the policy then grows with secondary IPs only. Without it the pool refuses such
/// a type (`prefix_not_supported`).
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


/// The back-offs every growth policy shares, with their defaults (the one place they live).
/// Durations run on the pool's steady clock.
struct back_off_config {
    /// After InsufficientFreeAddressesInSubnet (and, for `prefix_only`, InsufficientCidrBlocks):
    /// no growth for this long. 120 s is the VPC CNI's insufficientCidrErrorCooldown.
    std::chrono::nanoseconds stall = std::chrono::seconds{120};
    /// After RequestLimitExceeded (throttling) or any other refusal (PrivateIpAddressLimitExceeded,
    /// AttachmentLimitExceeded, InvalidParameterValue for secondary IPs): no growth for this
    /// long, doubled on each consecutive refusal up to `retry_max`, reset by a grant. 1 s is
    /// the first retry delay of the AWS SDKs' standard retry mode; doubling is EC2's advice
    /// for throttling.
    std::chrono::nanoseconds retry = std::chrono::seconds{1};
    /// Ceiling of the doubled retry back-off (the AWS SDKs cap theirs at 20 s).
    std::chrono::nanoseconds retry_max = std::chrono::seconds{20};
};

namespace detail {

// The back-off state shared by the policies: until when growth is off, and how many
// consecutive refusals the retry back-off has doubled for.
class back_off_state {
public:
    [[nodiscard]] bool may_grow(timestamp now) const noexcept { return now >= no_growth_until_; }
    [[nodiscard]] timestamp no_growth_until() const noexcept { return no_growth_until_; }

    // Stops growth until now + d (never shortens a running back-off).
    void stop_for(timestamp now, std::chrono::nanoseconds d) noexcept {
        no_growth_until_ = std::max(no_growth_until_, now + d);
    }
    // A subnet error: growth stays off through now + d, its last instant included, as
    // ipamd's 120 s stop holds while time.Since(error) <= 120 s (ipamd.go L391-393).
    void stall(timestamp now, std::chrono::nanoseconds d) noexcept { stop_for(now, d + std::chrono::nanoseconds{1}); }
    // A throttle or other refusal: retry * 2^streak, capped at retry_max.
    void retry_later(timestamp now, const back_off_config& c) noexcept {
        std::chrono::nanoseconds d = c.retry;
        for (unsigned i = 0; i < streak_ && d < c.retry_max; ++i) d *= 2;
        stop_for(now, std::min(d, c.retry_max));
        if (streak_ < 64) ++streak_;
    }
    void granted() noexcept { streak_ = 0; }

private:
    timestamp no_growth_until_{};
    unsigned streak_ = 0;
};

} // namespace detail

/// prefix_first's runtime knobs; every default is here.
struct prefix_first_config {
    /// How long to grow with secondary IPs before asking for prefixes again (docs/domain.md section 5's
    /// choice for Auto Mode: 120 s).
    std::chrono::nanoseconds prefix_retry_after = std::chrono::seconds{120};
    /// true: never return to prefixes after the first fallback (Cilium's ENI mode).
    bool permanent_fallback = false;
    back_off_config back_off{};
};

/// prefix_only's and secondary_only's runtime knobs (defaults in back_off_config).
struct stall_policy_config {
    back_off_config back_off{};
};

/// Grow with /28 prefixes; when the subnet has no free aligned /28 (InsufficientCidrBlocks,
/// or InvalidParameterValue for a prefix request: docs/domain.md section 3) grow with secondary IPs
/// instead for `prefix_retry_after`, then try prefixes again (Auto Mode's behaviour; the
/// pool serves pods from both kinds meanwhile). `permanent_fallback` never returns to
/// prefixes (Cilium's ENI mode). InsufficientFreeAddressesInSubnet stops all growth for
/// `back_off.stall` (the VPC CNI's 120 s). On a type without prefixes (neither Nitro nor bare
/// metal) it grows with secondary IPs only, as ipamd does with prefix delegation enabled
/// there (ipamd.go L2772-2779 at b52188387f2e: a warning, then secondary-IP mode).
class prefix_first {
public:
    using config = prefix_first_config;
    static constexpr bool needs_prefix_support = true;
    static constexpr std::string_view name = "prefix-first";
    static constexpr std::string_view description = "/28 prefixes, secondary IPs while no /28 is free";

    /// The unit max pods counts on `type` (max_pods.hpp's enipool column): prefixes where the
    /// type supports them, else secondary IPs, the unit the pool then grows with. O(1).
    [[nodiscard]] static address_mode capacity_mode(const instance_type& type) noexcept {
        return type.supports_prefixes() ? address_mode::prefix : address_mode::secondary;
    }

    /// O(1), no errors.
    explicit prefix_first(const config& c = {}) noexcept : config_(c) {}

    /// Secondary IPs from now on, for good, and not counted as a fallback: the pool calls
    /// this at create on a type without prefix support. O(1).
    void without_prefix_support() noexcept { fallback_until_ = timestamp::max(); }

    /// Secondary while falling back, else prefix. O(1).
    [[nodiscard]] address_mode mode(timestamp now) const noexcept {
        return falling_back(now) ? address_mode::secondary : address_mode::prefix;
    }
    /// False during a stall or retry back-off. O(1).
    [[nodiscard]] bool may_grow(timestamp now) const noexcept { return state_.may_grow(now); }
    /// A grant resets the retry back-off; it does not end a fallback. O(1).
    void on_grant(timestamp, address_mode) noexcept { state_.granted(); }
    /// Reacts to EC2's refusal of a request of mode `m` (see the class comment). O(1).
    void on_error(timestamp now, address_mode m, errc e) noexcept {
        const bool no_block = e == errc::insufficient_cidr_blocks ||
                              (e == errc::invalid_parameter_value && m == address_mode::prefix);
        if (no_block && m == address_mode::prefix) {
            if (!falling_back(now)) ++fallbacks_;
            fallback_until_ = std::max(fallback_until_, now + config_.prefix_retry_after);
            ever_fell_back_ = true;
        } else if (no_block || e == errc::insufficient_free_addresses) {
            ++stalls_;
            state_.stall(now, config_.back_off.stall);
        } else {
            state_.retry_later(now, config_.back_off);
        }
    }

    /// Times the policy switched from prefixes to secondary IPs. O(1).
    [[nodiscard]] std::uint64_t fallbacks() const noexcept { return fallbacks_; }
    /// Times growth stopped for the stall back-off. O(1).
    [[nodiscard]] std::uint64_t stalls() const noexcept { return stalls_; }
    /// When growth may resume (not later than now: it may grow). O(1).
    [[nodiscard]] timestamp no_growth_until() const noexcept { return state_.no_growth_until(); }
    /// When prefixes are tried again (not later than now: prefix mode). O(1).
    [[nodiscard]] timestamp fallback_until() const noexcept { return fallback_until_; }
    [[nodiscard]] const config& settings() const noexcept { return config_; }

private:
    [[nodiscard]] bool falling_back(timestamp now) const noexcept {
        return (config_.permanent_fallback && ever_fell_back_) || now < fallback_until_;
    }
    config config_;
    detail::back_off_state state_;
    timestamp fallback_until_{};
    bool ever_fell_back_ = false;
    std::uint64_t fallbacks_ = 0;
    std::uint64_t stalls_ = 0;
};

namespace detail {

// A policy that always grows with `Mode` and, when the subnet is out of room
// (InsufficientCidrBlocks, InsufficientFreeAddressesInSubnet, and for prefixes
// InvalidParameterValue: docs/domain.md section 3), stops growing for `back_off.stall`; any other refusal
// gets the retry back-off. prefix_only and secondary_only are its two instances.
template <address_mode Mode>
class fixed_mode_policy {
public:
    using config = stall_policy_config;
    static constexpr bool needs_prefix_support = Mode == address_mode::prefix;

    /// O(1), no errors.
    explicit fixed_mode_policy(const config& c) noexcept : config_(c) {}
    /// The unit max pods counts on any type: `Mode` (pod_address_capacity then refuses
    /// prefixes on a type without prefix support, as node_pool::create does). O(1).
    [[nodiscard]] static constexpr address_mode capacity_mode(const instance_type&) noexcept { return Mode; }
    /// Always `Mode`. O(1).
    [[nodiscard]] address_mode mode(timestamp) const noexcept { return Mode; }
    /// False during a stall or retry back-off. O(1).
    [[nodiscard]] bool may_grow(timestamp now) const noexcept { return state_.may_grow(now); }
    /// Resets the retry back-off. O(1).
    void on_grant(timestamp, address_mode) noexcept { state_.granted(); }
    /// Out of room: stall; anything else: retry back-off (see the class comment). O(1).
    void on_error(timestamp now, address_mode, errc e) noexcept {
        if (e == errc::insufficient_cidr_blocks || e == errc::insufficient_free_addresses ||
            (Mode == address_mode::prefix && e == errc::invalid_parameter_value)) {
            ++stalls_;
            state_.stall(now, config_.back_off.stall);
        } else {
            state_.retry_later(now, config_.back_off);
        }
    }
    /// Times growth stopped for the stall back-off. O(1).
    [[nodiscard]] std::uint64_t stalls() const noexcept { return stalls_; }
    /// When growth may resume. O(1).
    [[nodiscard]] timestamp no_growth_until() const noexcept { return state_.no_growth_until(); }
    [[nodiscard]] const config& settings() const noexcept { return config_; }

private:
    config config_;
    back_off_state state_;
    std::uint64_t stalls_ = 0;
};

} // namespace detail

/// Grow with /28 prefixes only. When the subnet has no free aligned /28 or too few free
/// addresses (InsufficientCidrBlocks, InsufficientFreeAddressesInSubnet, InvalidParameterValue),
/// stop growing for `back_off.stall` and keep serving pods from what the pool holds
/// (docs/DESIGN.md); other refusals get the retry back-off. Needs a Nitro or bare-metal type.
/// Members: those of the concept, plus stalls(), no_growth_until(), settings().
class prefix_only : public detail::fixed_mode_policy<address_mode::prefix> {
public:
    static constexpr std::string_view name = "prefix-only";
    static constexpr std::string_view description = "/28 prefixes only; Nitro and bare-metal types";
    /// O(1), no errors.
    explicit prefix_only(const config& c = {}) noexcept : fixed_mode_policy(c) {}
};

/// Grow with secondary IPs only: Xen types, Auto Mode's `ipv4PrefixSize: "32"`, the VPC CNI
/// without prefix delegation. InsufficientFreeAddressesInSubnet (or InsufficientCidrBlocks)
/// stops growth for `back_off.stall`; other refusals get the retry back-off. Works on every
/// instance type. Members: those of the concept, plus stalls(), no_growth_until(), settings().
class secondary_only : public detail::fixed_mode_policy<address_mode::secondary> {
public:
    static constexpr std::string_view name = "secondary-only";
    static constexpr std::string_view description = "secondary IPs only; every instance type";
    /// O(1), no errors.
    explicit secondary_only(const config& c = {}) noexcept : fixed_mode_policy(c) {}
};

static_assert(growth_policy<prefix_first>);
static_assert(growth_policy<prefix_only>);
static_assert(growth_policy<secondary_only>);

} // namespace enipool

/// Fails compilation with one message per missing member when `P` is not a growth_policy.
#define ENIPOOL_CHECK_GROWTH_POLICY(P)                                                         \
    static_assert(::enipool::check_growth_policy<P>(), "growth_policy: " #P " does not satisfy enipool::growth_policy")
