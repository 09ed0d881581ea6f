// enipool/pod_key.hpp: the keys a node pool files pods under: the CNI key or a plain integer.
//
// Agents key pods by the CNI triple {network name, container id, ifname} and carry metadata
// {namespace, pod name}; simulators use a `std::uint64_t` and no metadata. The CNI key is
// held in fixed-capacity strings (Boost.StaticString), so a pod's key costs no heap
// allocation; an over-long field is refused with `errc::pod_key_too_long`, never truncated.
#pragma once

#include <enipool/error.hpp>

#include <boost/container_hash/hash.hpp>
#include <boost/static_string/static_string.hpp>

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>

namespace enipool {

namespace detail {

// 64 x 64 -> 128-bit multiply, folded: the mixing step of wyhash (public domain).
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) noexcept {
    __extension__ using u128 = unsigned __int128;
    const u128 r = static_cast<u128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}
inline std::uint64_t read_u64(const char* p) noexcept {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline std::uint64_t read_u32(const char* p) noexcept {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// A fast, well-mixed (avalanching) hash of `len` bytes, wyhash's construction: 16 bytes a
/// step through one 128-bit multiply, reading only the bytes of the string. Inline, about
/// 4 multiplies for a 64-character container id (std::hash: an out-of-line call with 8
/// rounds; Boost 1.81's hash_range: one step per byte). O(len).
inline std::uint64_t hash_bytes(const char* p, std::size_t len, std::uint64_t seed) noexcept {
    constexpr std::uint64_t s0 = 0xa0761d6478bd642full, s1 = 0xe7037ed1a0b428dbull, s2 = 0x8ebc6af09c88c6e3ull;
    seed ^= fold_multiply(seed ^ s0, s1);
    std::uint64_t a = 0, b = 0;
    if (len <= 16) {
        if (len >= 4) {
            const std::size_t mid = (len >> 3) << 2;
            a = (read_u32(p) << 32) | read_u32(p + mid);
            b = (read_u32(p + len - 4) << 32) | read_u32(p + len - 4 - mid);
        } else if (len > 0) {
            const auto byte = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
            a = (byte(0) << 16) | (byte(len >> 1) << 8) | byte(len - 1);
        }
    } else {
        std::size_t rest = len;
        while (rest > 16) {
            seed = fold_multiply(read_u64(p) ^ s1, read_u64(p + 8) ^ seed);
            p += 16;
            rest -= 16;
        }
        a = read_u64(p + rest - 16);
        b = read_u64(p + rest - 8);
    }
    return fold_multiply(s2 ^ len, fold_multiply(a ^ s1, b ^ seed));
}

} // namespace detail

/// The CNI key of a pod attachment: {network name, container id, interface name}.
/// Fixed capacities: network name 63, container id 64 (container runtimes use 64 hex
/// characters), ifname 15 (IFNAMSIZ - 1). Trivially copyable, ~150 bytes, no heap.
struct cni_key {
    static constexpr std::size_t max_network_name = 63;
    static constexpr std::size_t max_container_id = 64;
    static constexpr std::size_t max_ifname = 15;

    boost::static_string<max_network_name> network_name;
    boost::static_string<max_container_id> container_id;
    boost::static_string<max_ifname> ifname;

    /// Builds a key, checking each field's length. O(n).
    /// Errors: `pod_key_too_long` naming the field and its length.
    [[nodiscard]] static result<cni_key> make(std::string_view network_name,
                                              std::string_view container_id,
                                              std::string_view ifname) {
        if (network_name.size() > max_network_name)
            return too_long("network name", network_name.size(), max_network_name);
        if (container_id.size() > max_container_id)
            return too_long("container id", container_id.size(), max_container_id);
        if (ifname.size() > max_ifname) return too_long("ifname", ifname.size(), max_ifname);
        cni_key key;
        key.network_name.assign(network_name.data(), network_name.size());
        key.container_id.assign(container_id.data(), container_id.size());
        key.ifname.assign(ifname.data(), ifname.size());
        return key;
    }

    /// Container id first: it is what tells two pods apart. O(length).
    friend bool operator==(const cni_key& a, const cni_key& b) noexcept {
        return same(a.container_id, b.container_id) && same(a.ifname, b.ifname) &&
               same(a.network_name, b.network_name);
    }
    friend auto operator<=>(const cni_key& a, const cni_key& b) noexcept {
        return std::tie(a.network_name, a.container_id, a.ifname) <=>
               std::tie(b.network_name, b.container_id, b.ifname);
    }

    /// Hash for boost::unordered_flat_map (and Boost.ContainerHash). O(length).
    /// detail::hash_bytes over the container id, seeded with the ifname's. The network name
    /// is left out: a node has one or two networks, so it would only cost time (equality
    /// still compares it).
    friend std::size_t hash_value(const cni_key& k) noexcept {
        const std::uint64_t seed = detail::hash_bytes(k.ifname.data(), k.ifname.size(), 0);
        return static_cast<std::size_t>(detail::hash_bytes(k.container_id.data(), k.container_id.size(), seed));
    }

private:
    template <class S>
    static bool same(const S& a, const S& b) noexcept {
        return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
    }
    static error too_long(std::string_view field, std::size_t size, std::size_t max) {
        return error(errc::pod_key_too_long,
                     fmt::format("{} has {} characters, at most {} fit", field, size, max));
    }
};

/// What a CNI agent knows about the pod behind a key (the VPC CNI's checkpoint metadata).
struct pod_metadata {
    std::string pod_namespace;
    std::string pod_name;
    friend bool operator==(const pod_metadata&, const pod_metadata&) = default;
};

/// The metadata of integer keys: nothing (simulators keep no names).
struct no_metadata {
    friend constexpr bool operator==(no_metadata, no_metadata) noexcept { return true; }
};

/// The metadata type and hasher that go with a pod key type.
/// Specialise it to use another key type (it needs equality and `hasher`).
template <class Key>
struct pod_key_traits;

/// The hasher node pools use for CNI keys: `hash_value`, marked avalanching so that
/// boost::unordered_flat_map skips its own post-mixing.
struct cni_key_hash {
    using is_avalanching = void;
    std::size_t operator()(const cni_key& k) const noexcept { return hash_value(k); }
};

template <>
struct pod_key_traits<cni_key> {
    using metadata = pod_metadata;
    using hasher = cni_key_hash;
};

template <>
struct pod_key_traits<std::uint64_t> {
    using metadata = no_metadata;
    using hasher = boost::hash<std::uint64_t>;
};

} // namespace enipool

template <>
struct fmt::formatter<enipool::cni_key> : fmt::formatter<std::string_view> {
    template <class Ctx>
    auto format(const enipool::cni_key& k, Ctx& ctx) const {
        const auto text = fmt::format("{}/{}/{}", k.network_name.c_str(), k.container_id.c_str(),
                                      k.ifname.c_str());
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};
