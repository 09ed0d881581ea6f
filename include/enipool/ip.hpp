// enipool/ip.hpp: IPv4 / IPv6 address and prefix value types: parse, format, contain, align.
//
// Parsing is strict (what EC2 and the CNI spec print): dotted-quad IPv4 without leading
// zeros, RFC 4291 IPv6 text, `ADDRESS/LENGTH` prefixes. A parse error names the offset and
// the reason. `ipv4_prefix::parse` requires an aligned prefix (no host bits set);
// `parse_interface` accepts `10.0.0.5/24` and keeps both parts.
#pragma once

#include <enipool/error.hpp>

#include <fmt/format.h>

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace enipool {

namespace detail {

[[nodiscard]] inline error parse_error(errc code, std::string_view text, std::size_t offset,
                                       std::string_view reason) {
    return error(code, fmt::format("'{}' at offset {}: {}", text, offset, reason));
}

// Parses a decimal number of at most `max_digits` digits without leading zeros, starting at
// text[pos]. On success advances pos. Returns nullopt and leaves pos at the bad character.
[[nodiscard]] inline std::optional<std::uint32_t>
parse_decimal(std::string_view text, std::size_t& pos, std::size_t max_digits,
              std::string_view& why) noexcept {
    const std::size_t start = pos;
    std::uint32_t value = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (pos - start == max_digits) {
            why = "too many digits";
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint32_t>(text[pos] - '0');
        ++pos;
    }
    if (pos == start) {
        why = pos == text.size() ? "a number is missing at the end" : "expected a decimal digit";
        return std::nullopt;
    }
    if (pos - start > 1 && text[start] == '0') {
        pos = start;
        why = "leading zeros are not allowed (they read as octal elsewhere)";
        return std::nullopt;
    }
    return value;
}

} // namespace detail

/// An IPv4 address, held as a host-order 32-bit integer. Trivially copyable, ordered.
class ipv4_address {
public:
    constexpr ipv4_address() noexcept = default;
    constexpr explicit ipv4_address(std::uint32_t value) noexcept : value_(value) {}
    constexpr ipv4_address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept
        : value_((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) |
                 std::uint32_t{d}) {}

    [[nodiscard]] constexpr std::uint32_t to_uint() const noexcept { return value_; }

    /// Parses dotted-quad text (`10.0.0.1`). O(n). Errors: `invalid_address` with the offset.
    [[nodiscard]] static result<ipv4_address> parse(std::string_view text) {
        if (text.empty()) return detail::parse_error(errc::invalid_address, text, 0, "empty text");
        std::size_t pos = 0;
        std::uint32_t value = 0;
        for (int octet = 0; octet < 4; ++octet) {
            if (octet > 0) {
                if (pos >= text.size())
                    return detail::parse_error(errc::invalid_address, text, pos,
                                               "expected 4 octets, found " + std::to_string(octet));
                if (text[pos] != '.')
                    return detail::parse_error(errc::invalid_address, text, pos, "expected '.'");
                ++pos;
            }
            std::string_view why;
            const std::size_t start = pos;
            auto n = detail::parse_decimal(text, pos, 3, why);
            if (!n) return detail::parse_error(errc::invalid_address, text, pos, why);
            if (*n > 255)
                return detail::parse_error(errc::invalid_address, text, start,
                                           "octet " + std::to_string(*n) + " exceeds 255");
            value = (value << 8) | *n;
        }
        if (pos != text.size()) {
            return detail::parse_error(errc::invalid_address, text, pos,
                                       text[pos] == '.' ? "more than 4 octets"
                                                        : "unexpected trailing characters");
        }
        return ipv4_address(value);
    }

    /// Dotted-quad text. O(1).
    [[nodiscard]] std::string to_string() const {
        return fmt::format("{}.{}.{}.{}", value_ >> 24, (value_ >> 16) & 0xFF, (value_ >> 8) & 0xFF,
                           value_ & 0xFF);
    }

    friend constexpr auto operator<=>(ipv4_address, ipv4_address) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, ipv4_address a) { return os << a.to_string(); }

private:
    std::uint32_t value_ = 0;
};

/// An address with its prefix length as an interface carries it (`10.0.0.5/24`).
struct ipv4_interface_address {
    ipv4_address address;
    unsigned length = 32;
    friend constexpr bool operator==(const ipv4_interface_address&,
                                     const ipv4_interface_address&) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, const ipv4_interface_address& a) {
        return os << a.address << '/' << a.length;
    }
};

/// An IPv4 prefix `base/length` with length 0..32 and no host bits set.
class ipv4_prefix {
public:
    constexpr ipv4_prefix() noexcept = default;

    /// Builds a prefix, clearing host bits of `base`. O(1). Precondition: length <= 32.
    static constexpr ipv4_prefix truncate(ipv4_address base, unsigned length) noexcept {
        return ipv4_prefix(ipv4_address(base.to_uint() & mask_of(length)),
                           static_cast<std::uint8_t>(length));
    }

    /// Builds a prefix. Errors: `invalid_prefix` (length > 32), `prefix_not_aligned`.
    [[nodiscard]] static result<ipv4_prefix> make(ipv4_address base, unsigned length) {
        if (length > 32)
            return error(errc::invalid_prefix, fmt::format("length {} exceeds 32", length));
        if ((base.to_uint() & ~mask_of(length)) != 0)
            return error(errc::prefix_not_aligned,
                         fmt::format("{}/{}: {} is not a multiple of the prefix size {}",
                                     base.to_string(), length, base.to_string(),
                                     std::uint64_t{1} << (32 - length)));
        return ipv4_prefix(base, static_cast<std::uint8_t>(length));
    }

    /// Parses `A.B.C.D/N` and keeps the address as written (host bits allowed), e.g. an
    /// interface address `10.0.0.5/24`. O(n). Errors: `invalid_address`, `invalid_prefix`.
    [[nodiscard]] static result<ipv4_interface_address> parse_interface(std::string_view text) {
        const auto slash = text.find('/');
        if (slash == std::string_view::npos)
            return detail::parse_error(errc::invalid_prefix, text, text.size(),
                                       "expected '/' and a prefix length");
        auto addr = ipv4_address::parse(text.substr(0, slash));
        if (!addr) return error(errc::invalid_prefix, addr.error().detail());
        std::size_t pos = slash + 1;
        std::string_view why;
        auto len = detail::parse_decimal(text, pos, 2, why);
        if (!len) return detail::parse_error(errc::invalid_prefix, text, pos, why);
        if (*len > 32)
            return detail::parse_error(errc::invalid_prefix, text, slash + 1,
                                       "prefix length " + std::to_string(*len) + " exceeds 32");
        if (pos != text.size())
            return detail::parse_error(errc::invalid_prefix, text, pos,
                                       "unexpected trailing characters");
        return ipv4_interface_address{*addr, static_cast<unsigned>(*len)};
    }

    /// Parses an aligned prefix `A.B.C.D/N`. O(n). Errors: `invalid_address`,
    /// `invalid_prefix`, `prefix_not_aligned` (host bits set, e.g. `10.0.0.1/28`).
    [[nodiscard]] static result<ipv4_prefix> parse(std::string_view text) {
        auto parts = parse_interface(text);
        if (!parts) return parts.error();
        const auto [addr, len] = *parts;
        if ((addr.to_uint() & ~mask_of(len)) != 0)
            return error(errc::prefix_not_aligned,
                         fmt::format("'{}': host bits are set; did you mean {}?", text,
                                     truncate(addr, len).to_string()));
        return ipv4_prefix(addr, static_cast<std::uint8_t>(len));
    }

    [[nodiscard]] constexpr ipv4_address base() const noexcept { return base_; }
    [[nodiscard]] constexpr unsigned length() const noexcept { return length_; }
    [[nodiscard]] constexpr ipv4_address first() const noexcept { return base_; }
    [[nodiscard]] constexpr ipv4_address last() const noexcept {
        return ipv4_address(base_.to_uint() | ~mask_of(length_));
    }
    /// Number of addresses (2^(32-length)); 64-bit so that /0 fits.
    [[nodiscard]] constexpr std::uint64_t size() const noexcept {
        return std::uint64_t{1} << (32 - length_);
    }
    [[nodiscard]] constexpr bool contains(ipv4_address a) const noexcept {
        return (a.to_uint() & mask_of(length_)) == base_.to_uint();
    }
    [[nodiscard]] constexpr bool contains(const ipv4_prefix& p) const noexcept {
        return p.length_ >= length_ && contains(p.base_);
    }
    [[nodiscard]] constexpr bool overlaps(const ipv4_prefix& p) const noexcept {
        return contains(p) || p.contains(*this);
    }
    /// True when `a` is the first address of an aligned block of 2^(32-length) addresses.
    [[nodiscard]] static constexpr bool is_aligned(ipv4_address a, unsigned length) noexcept {
        return (a.to_uint() & ~mask_of(length)) == 0;
    }
    /// The address at `offset` from the base (precondition: offset < size()).
    [[nodiscard]] constexpr ipv4_address at(std::uint64_t offset) const noexcept {
        return ipv4_address(base_.to_uint() + static_cast<std::uint32_t>(offset));
    }
    /// Number of naturally aligned /28 blocks inside (0 for a prefix longer than /28).
    [[nodiscard]] constexpr std::uint64_t block28_count() const noexcept {
        return length_ > 28 ? 0 : std::uint64_t{1} << (28 - length_);
    }
    /// The i-th aligned /28 block inside (precondition: i < block28_count()).
    [[nodiscard]] constexpr ipv4_prefix block28(std::uint64_t i) const noexcept {
        return ipv4_prefix(ipv4_address(base_.to_uint() + static_cast<std::uint32_t>(i * 16)), 28);
    }

    [[nodiscard]] std::string to_string() const {
        return fmt::format("{}/{}", base_.to_string(), length_);
    }

    friend constexpr auto operator<=>(const ipv4_prefix&, const ipv4_prefix&) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, const ipv4_prefix& p) {
        return os << p.to_string();
    }

    [[nodiscard]] static constexpr std::uint32_t mask_of(unsigned length) noexcept {
        return length == 0 ? 0u : ~std::uint32_t{0} << (32 - length);
    }

private:
    constexpr ipv4_prefix(ipv4_address base, std::uint8_t length) noexcept
        : base_(base), length_(length) {}

    ipv4_address base_{};
    std::uint8_t length_ = 32;
};

/// An IPv6 address (16 bytes, network order). Formats as RFC 5952 canonical text.
class ipv6_address {
public:
    using bytes_type = std::array<std::uint8_t, 16>;

    constexpr ipv6_address() noexcept = default;
    constexpr explicit ipv6_address(const bytes_type& bytes) noexcept : bytes_(bytes) {}
    /// From the high and low 64 bits.
    constexpr ipv6_address(std::uint64_t high, std::uint64_t low) noexcept {
        for (int i = 0; i < 8; ++i) {
            bytes_[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
            bytes_[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
        }
    }

    [[nodiscard]] constexpr const bytes_type& bytes() const noexcept { return bytes_; }
    [[nodiscard]] constexpr std::uint64_t high() const noexcept { return half(0); }
    [[nodiscard]] constexpr std::uint64_t low() const noexcept { return half(8); }

    /// Parses RFC 4291 text (`2001:db8::1`, `::`, `::ffff:1.2.3.4`). O(n).
    /// Errors: `invalid_address` with the offset and the reason.
    [[nodiscard]] static result<ipv6_address> parse(std::string_view text) {
        if (text.empty()) return detail::parse_error(errc::invalid_address, text, 0, "empty text");
        std::array<std::uint16_t, 8> groups{};
        int count = 0;     // groups written
        int gap = -1;      // index in groups where "::" stands
        std::size_t pos = 0;
        if (text.starts_with("::")) {
            gap = 0;
            pos = 2;
            if (pos == text.size()) return ipv6_address();
        } else if (text[0] == ':') {
            return detail::parse_error(errc::invalid_address, text, 0, "a single leading ':'");
        }
        while (true) {
            if (count == 8)
                return detail::parse_error(errc::invalid_address, text, pos, "more than 8 groups");
            // An embedded IPv4 address may end the text (needs room for 2 groups).
            const auto rest = text.substr(pos);
            const auto next_colon = rest.find(':');
            if (next_colon == std::string_view::npos && rest.find('.') != std::string_view::npos) {
                if (count > 6)
                    return detail::parse_error(errc::invalid_address, text, pos,
                                               "no room for an embedded IPv4 address");
                auto v4 = ipv4_address::parse(rest);
                if (!v4)
                    return detail::parse_error(errc::invalid_address, text, pos,
                                               "bad embedded IPv4 address");
                groups[static_cast<std::size_t>(count++)] =
                    static_cast<std::uint16_t>(v4->to_uint() >> 16);
                groups[static_cast<std::size_t>(count++)] =
                    static_cast<std::uint16_t>(v4->to_uint() & 0xFFFF);
                pos = text.size();
                break;
            }
            std::uint32_t value = 0;
            std::size_t digits = 0;
            while (pos < text.size() && hex_value(text[pos]) >= 0) {
                if (++digits > 4)
                    return detail::parse_error(errc::invalid_address, text, pos,
                                               "a group has more than 4 hex digits");
                value = value * 16 + static_cast<std::uint32_t>(hex_value(text[pos]));
                ++pos;
            }
            if (digits == 0)
                return detail::parse_error(errc::invalid_address, text, pos,
                                           pos == text.size() ? "a group is missing at the end"
                                                              : "expected a hex digit");
            groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(value);
            if (pos == text.size()) break;
            if (text[pos] != ':')
                return detail::parse_error(errc::invalid_address, text, pos,
                                           "expected ':' or a hex digit");
            ++pos;
            if (pos < text.size() && text[pos] == ':') {
                if (gap >= 0)
                    return detail::parse_error(errc::invalid_address, text, pos,
                                               "'::' may appear only once");
                gap = count;
                ++pos;
                if (pos == text.size()) break;
            }
        }
        if (gap < 0 && count != 8)
            return detail::parse_error(errc::invalid_address, text, text.size(),
                                       "expected 8 groups, found " + std::to_string(count));
        if (gap >= 0 && count == 8)
            return detail::parse_error(errc::invalid_address, text, text.size(),
                                       "'::' stands for no group in a full address");
        bytes_type bytes{};
        std::array<std::uint16_t, 8> full{};
        if (gap < 0) {
            full = groups;
        } else {
            const int tail = count - gap;
            for (int i = 0; i < gap; ++i) full[static_cast<std::size_t>(i)] = groups[static_cast<std::size_t>(i)];
            for (int i = 0; i < tail; ++i)
                full[static_cast<std::size_t>(8 - tail + i)] = groups[static_cast<std::size_t>(gap + i)];
        }
        for (std::size_t i = 0; i < 8; ++i) {
            bytes[2 * i] = static_cast<std::uint8_t>(full[i] >> 8);
            bytes[2 * i + 1] = static_cast<std::uint8_t>(full[i] & 0xFF);
        }
        return ipv6_address(bytes);
    }

    /// RFC 5952 canonical text: lower case, no leading zeros, the longest run (>= 2) of zero
    /// groups as "::" (the first of equal runs). O(1).
    [[nodiscard]] std::string to_string() const {
        std::array<std::uint16_t, 8> g{};
        for (std::size_t i = 0; i < 8; ++i)
            g[i] = static_cast<std::uint16_t>((bytes_[2 * i] << 8) | bytes_[2 * i + 1]);
        int best_start = -1, best_len = 0;
        for (int i = 0; i < 8;) {
            if (g[static_cast<std::size_t>(i)] != 0) { ++i; continue; }
            int j = i;
            while (j < 8 && g[static_cast<std::size_t>(j)] == 0) ++j;
            if (j - i > best_len && j - i >= 2) { best_start = i; best_len = j - i; }
            i = j;
        }
        std::string out;
        for (int i = 0; i < 8; ++i) {
            if (i == best_start) {
                out += "::";
                i += best_len - 1;
                continue;
            }
            if (!out.empty() && out.back() != ':') out += ':';
            out += fmt::format("{:x}", g[static_cast<std::size_t>(i)]);
        }
        return out;
    }

    friend constexpr auto operator<=>(const ipv6_address&, const ipv6_address&) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, const ipv6_address& a) {
        return os << a.to_string();
    }

private:
    static constexpr int hex_value(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    [[nodiscard]] constexpr std::uint64_t half(std::size_t from) const noexcept {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | bytes_[from + i];
        return v;
    }

    bytes_type bytes_{};
};

/// An IPv6 prefix `base/length` (0..128), no host bits set. Used for /80 prefix mode.
class ipv6_prefix {
public:
    constexpr ipv6_prefix() noexcept = default;

    /// Parses `ADDR/N` and requires no host bits. O(n). Errors: `invalid_address`,
    /// `invalid_prefix`, `prefix_not_aligned`.
    [[nodiscard]] static result<ipv6_prefix> parse(std::string_view text) {
        const auto slash = text.find('/');
        if (slash == std::string_view::npos)
            return detail::parse_error(errc::invalid_prefix, text, text.size(),
                                       "expected '/' and a prefix length");
        auto addr = ipv6_address::parse(text.substr(0, slash));
        if (!addr) return error(errc::invalid_prefix, addr.error().detail());
        std::size_t pos = slash + 1;
        std::string_view why;
        auto len = detail::parse_decimal(text, pos, 3, why);
        if (!len) return detail::parse_error(errc::invalid_prefix, text, pos, why);
        if (*len > 128)
            return detail::parse_error(errc::invalid_prefix, text, slash + 1,
                                       "prefix length " + std::to_string(*len) + " exceeds 128");
        if (pos != text.size())
            return detail::parse_error(errc::invalid_prefix, text, pos,
                                       "unexpected trailing characters");
        ipv6_prefix p(*addr, static_cast<std::uint8_t>(*len));
        if (p.truncated() != *addr)
            return error(errc::prefix_not_aligned,
                         fmt::format("'{}': host bits are set; did you mean {}/{}?", text,
                                     p.truncated().to_string(), *len));
        return p;
    }

    [[nodiscard]] constexpr const ipv6_address& base() const noexcept { return base_; }
    [[nodiscard]] constexpr unsigned length() const noexcept { return length_; }
    [[nodiscard]] bool contains(const ipv6_address& a) const noexcept {
        return ipv6_prefix(a, length_).truncated() == base_;
    }
    /// The address at `offset` (< 2^64) from the base; for prefixes of length >= 64.
    [[nodiscard]] ipv6_address at(std::uint64_t offset) const noexcept {
        return ipv6_address(base_.high(), base_.low() + offset);
    }
    [[nodiscard]] std::string to_string() const {
        return fmt::format("{}/{}", base_.to_string(), length_);
    }

    friend constexpr auto operator<=>(const ipv6_prefix&, const ipv6_prefix&) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, const ipv6_prefix& p) {
        return os << p.to_string();
    }

private:
    constexpr ipv6_prefix(const ipv6_address& a, std::uint8_t len) noexcept : base_(a), length_(len) {}
    [[nodiscard]] ipv6_address truncated() const noexcept {
        auto bytes = base_.bytes();
        for (std::size_t i = 0; i < 16; ++i) {
            const int keep = static_cast<int>(length_) - static_cast<int>(8 * i);
            if (keep >= 8) continue;
            bytes[i] = keep <= 0 ? 0
                                 : static_cast<std::uint8_t>(bytes[i] & (0xFF << (8 - keep)));
        }
        return ipv6_address(bytes);
    }

    ipv6_address base_{};
    std::uint8_t length_ = 128;
};

} // namespace enipool

template <>
struct fmt::formatter<enipool::ipv4_address> : fmt::formatter<std::string_view> {
    template <class Ctx>
    auto format(enipool::ipv4_address a, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format(a.to_string(), ctx);
    }
};
template <>
struct fmt::formatter<enipool::ipv4_prefix> : fmt::formatter<std::string_view> {
    template <class Ctx>
    auto format(const enipool::ipv4_prefix& p, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format(p.to_string(), ctx);
    }
};
template <>
struct fmt::formatter<enipool::ipv6_address> : fmt::formatter<std::string_view> {
    template <class Ctx>
    auto format(const enipool::ipv6_address& a, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format(a.to_string(), ctx);
    }
};
template <>
struct fmt::formatter<enipool::ipv6_prefix> : fmt::formatter<std::string_view> {
    template <class Ctx>
    auto format(const enipool::ipv6_prefix& p, Ctx& ctx) const {
        return fmt::formatter<std::string_view>::format(p.to_string(), ctx);
    }
};

template <>
struct std::hash<enipool::ipv4_address> {
    std::size_t operator()(enipool::ipv4_address a) const noexcept {
        return std::hash<std::uint32_t>{}(a.to_uint());
    }
};
