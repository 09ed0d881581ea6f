// enipool/pod_key.hpp: the keys a node pool files pods under: the CNI key or a plain integer.
//
// Agents key pods by the CNI triple {network name, container id, ifname} and carry metadata
// {namespace, pod name}; simulators use a `std::uint64_t` and no metadata. The CNI key is
// held in fixed-capacity, zero-padded fields with its hash, so a pod's key costs no heap
// allocation and no rehash; an over-long field is refused with `errc::pod_key_too_long`,
// never truncated.
#pragma once

#include <enipool/error.hpp>

#include <boost/container_hash/hash.hpp>

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
/// characters), ifname 15 (IFNAMSIZ - 1). Trivially copyable, 160 bytes, no heap.
///
/// A key is immutable once made, so its hash is computed once, in `make`, and kept: the
/// node pool hashes a key on every assign and release, and a 64-character id costs more to
/// hash than the rest of a hand-out. The fields are zero-padded in one block with their
/// lengths, so equality is the stored hashes and then one fixed-size compare of whole words.
class cni_key {
public:
    static constexpr std::size_t max_network_name = 63;
    static constexpr std::size_t max_container_id = 64;
    static constexpr std::size_t max_ifname = 15;

    /// The empty key (every field empty). O(1).
    cni_key() noexcept { block_.hash = hash_of(block_); }

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
        copy_field(key.block_.container_id, key.block_.container_id_size, container_id);
        copy_field(key.block_.ifname, key.block_.ifname_size, ifname);
        copy_field(key.block_.network_name, key.block_.network_name_size, network_name);
        key.block_.hash = hash_of(key.block_);
        return key;
    }

    [[nodiscard]] std::string_view network_name() const noexcept {
        return {block_.network_name, block_.network_name_size};
    }
    [[nodiscard]] std::string_view container_id() const noexcept {
        return {block_.container_id, block_.container_id_size};
    }
    [[nodiscard]] std::string_view ifname() const noexcept { return {block_.ifname, block_.ifname_size}; }

    /// The key's hash (avalanching), computed when the key was made. O(1).
    [[nodiscard]] std::uint64_t hash() const noexcept { return block_.hash; }

    /// O(1): the hashes, then all 160 bytes 16 at a time without an early exit (equal keys,
    /// the common case once hashes agree, read every byte anyway): about 30 instructions.
    friend bool operator==(const cni_key& a, const cni_key& b) noexcept {
        if (a.block_.hash != b.block_.hash) return false;
        using chunk = std::uint64_t __attribute__((vector_size(16)));
        chunk diff = {0, 0};
#pragma GCC unroll 10
        for (std::size_t i = 0; i < sizeof(fields); i += sizeof(chunk)) {
            chunk x, y;
            std::memcpy(&x, a.bytes() + i, sizeof x);
            std::memcpy(&y, b.bytes() + i, sizeof y);
            diff |= x ^ y;
        }
        return (diff[0] | diff[1]) == 0;
    }
    /// By network name, container id, ifname. O(length).
    friend auto operator<=>(const cni_key& a, const cni_key& b) noexcept {
        return std::tuple(a.network_name(), a.container_id(), a.ifname()) <=>
               std::tuple(b.network_name(), b.container_id(), b.ifname());
    }

    /// Hash for Boost.ContainerHash and boost::unordered. O(1).
    friend std::size_t hash_value(const cni_key& k) noexcept { return static_cast<std::size_t>(k.block_.hash); }

private:
    // Every byte is defined (zero past each field's length, and the padding), so whole-chunk
    // reads compare exactly the fields and their hash.
    struct fields {
        char container_id[max_container_id] = {};
        char ifname[max_ifname + 1] = {};
        char network_name[max_network_name + 1] = {};
        std::uint8_t container_id_size = 0;
        std::uint8_t ifname_size = 0;
        std::uint8_t network_name_size = 0;
        char padding[5] = {};
        std::uint64_t hash = 0;  // of the fields above, set by make()
    };
    static_assert(sizeof(fields) == 160 && sizeof(fields) % 16 == 0, "cni_key compares 16 bytes at a time");

    const char* bytes() const noexcept { return reinterpret_cast<const char*>(&block_); }
    template <std::size_t N>
    static void copy_field(char (&to)[N], std::uint8_t& size, std::string_view from) noexcept {
        std::memcpy(to, from.data(), from.size());
        size = static_cast<std::uint8_t>(from.size());
    }
    // detail::hash_bytes over the container id, seeded with the ifname's and the network
    // name's (a node has one or two networks; ids tell pods apart).
    static std::uint64_t hash_of(const fields& f) noexcept {
        std::uint64_t seed = detail::hash_bytes(f.network_name, f.network_name_size, 0);
        seed = detail::hash_bytes(f.ifname, f.ifname_size, seed);
        return detail::hash_bytes(f.container_id, f.container_id_size, seed);
    }
    static error too_long(std::string_view field, std::size_t size, std::size_t max) {
        return error(errc::pod_key_too_long,
                     fmt::format("{} has {} characters, at most {} fit", field, size, max));
    }

    fields block_;
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
    std::size_t operator()(const cni_key& k) const noexcept { return static_cast<std::size_t>(k.hash()); }
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
        const auto text = fmt::format("{}/{}/{}", k.network_name(), k.container_id(), k.ifname());
        return fmt::formatter<std::string_view>::format(text, ctx);
    }
};
