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
#include <functional>
#include <string>
#include <string_view>
#include <tuple>

namespace enipool {

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

    /// Container id first: it is what tells two pods apart.
    friend bool operator==(const cni_key& a, const cni_key& b) noexcept {
        return a.container_id == b.container_id && a.ifname == b.ifname && a.network_name == b.network_name;
    }
    friend auto operator<=>(const cni_key& a, const cni_key& b) noexcept {
        return std::tie(a.network_name, a.container_id, a.ifname) <=>
               std::tie(b.network_name, b.container_id, b.ifname);
    }

    /// Hash for boost::unordered_flat_map (and Boost.ContainerHash). O(length).
    /// The container id goes through libstdc++'s string hash (8 bytes a step, several times
    /// faster than Boost 1.81's hash_range on 64 characters); the short ifname through
    /// Boost's. The network name is left out: a node has one or two networks, so it would
    /// only cost time (equality still compares it).
    friend std::size_t hash_value(const cni_key& k) noexcept {
        std::size_t seed = std::hash<std::string_view>{}(std::string_view(k.container_id.data(), k.container_id.size()));
        boost::hash_combine(seed, boost::hash_range(k.ifname.data(), k.ifname.data() + k.ifname.size()));
        return seed;
    }

private:
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

template <>
struct pod_key_traits<cni_key> {
    using metadata = pod_metadata;
    using hasher = boost::hash<cni_key>;
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
