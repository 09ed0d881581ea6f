// enipool/warm/vpc_cni_env.hpp: vpc_cni_warm's targets read from the VPC CNI's environment
// variables, parsed as ipamd v1.23.1 parses them (pkg/ipamd/ipamd.go @b521883:
// getWarmENITarget L1424-1439, getWarmPrefixTarget L1441-1456, getWarmIPTarget L2029-2042,
// getMinimumIPTarget L2044-2057).
//
// ipamd reads each variable with os.LookupEnv and strconv.Atoi: a value is used only when it
// is an Atoi integer (an optional '+' or '-', then ASCII digits, nothing else; it must fit a
// 64-bit int) and not negative. Anything else (unset, empty, " 5", "5 ", "1_000", "0x10",
// "2.5", "-1", a value past 2^63 - 1) gives the default: WARM_ENI_TARGET 1, the three others
// 0. A value read is stored engaged, 0 included: WARM_IP_TARGET=0 and MINIMUM_IP_TARGET=0 are
// ipamd's "unset" (noWarmIPTarget, noMinimumIPTarget), and vpc_cni_warm treats an engaged 0
// the same way by default (its zero_ip_target_means_none option reads it as "hold none").
//
// The reader takes a lookup function (std::getenv wrapped, a map in tests), so it never
// touches the process environment itself.
#pragma once

#include <enipool/warm/vpc_cni_warm.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace enipool {

namespace detail {

// Go's strconv.Atoi on a 64-bit platform: an optional sign, then one or more ASCII digits
// (leading zeros allowed, no spaces, no '_', no base prefix); empty when Go returns an error
// (syntax, or a value outside int64). O(length).
[[nodiscard]] constexpr std::optional<std::int64_t> go_atoi(std::string_view text) noexcept {
    std::size_t i = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) i = 1;
    if (i == text.size()) return std::nullopt;
    // |INT64_MIN| = INT64_MAX + 1
    const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1u : 0u);
    std::uint64_t magnitude = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (magnitude > (limit - digit) / 10) return std::nullopt;
        magnitude = magnitude * 10 + digit;
    }
    if (!negative) return static_cast<std::int64_t>(magnitude);
    return magnitude == limit ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(magnitude);
}

// One of ipamd's target getters: the value when the variable is set to an Atoi integer >= 0,
// else empty (the caller keeps its default). Values past UINT_MAX saturate: ipamd holds them
// in a 64-bit int, and a target that large already asks for more than any node holds.
[[nodiscard]] inline std::optional<unsigned> vpc_cni_target(
    const std::function<std::optional<std::string>(std::string_view)>& getenv, std::string_view name) {
    const std::optional<std::string> text = getenv(name);
    if (!text) return std::nullopt;
    const std::optional<std::int64_t> value = go_atoi(*text);
    if (!value || *value < 0) return std::nullopt;
    constexpr auto most = std::numeric_limits<unsigned>::max();
    return static_cast<std::uint64_t>(*value) > most ? most : static_cast<unsigned>(*value);
}

} // namespace detail

/// `base` with WARM_ENI_TARGET, WARM_IP_TARGET, MINIMUM_IP_TARGET and WARM_PREFIX_TARGET
/// read through `getenv(name)` (empty optional: the variable is unset) exactly as ipamd
/// v1.23.1 reads them (see the header comment). A variable that is unset, not an Atoi
/// integer, or negative leaves `base`'s value, so a default-constructed `base` gives ipamd's
/// defaults (WARM_ENI_TARGET 1, the others unset); a value read replaces it, engaged even
/// when 0 (vpc_cni_warm treats an engaged 0 IP target as unset, as ipamd does). The other
/// fields of `base` are returned unchanged. O(total length of the four values).
/// Errors: none; a value ipamd would ignore is ignored, not reported (only `getenv`'s own
/// exceptions, or std::bad_alloc, propagate).
[[nodiscard]] inline vpc_cni_warm_config vpc_cni_warm_config_from_env(
    const std::function<std::optional<std::string>(std::string_view)>& getenv, vpc_cni_warm_config base = {}) {
    if (const auto v = detail::vpc_cni_target(getenv, "WARM_ENI_TARGET")) base.warm_eni_target = *v;
    if (const auto v = detail::vpc_cni_target(getenv, "WARM_IP_TARGET")) base.warm_ip_target = *v;
    if (const auto v = detail::vpc_cni_target(getenv, "MINIMUM_IP_TARGET")) base.minimum_ip_target = *v;
    if (const auto v = detail::vpc_cni_target(getenv, "WARM_PREFIX_TARGET")) base.warm_prefix_target = *v;
    return base;
}

} // namespace enipool
