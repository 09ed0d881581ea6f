// enipool/actions.hpp: the vocabulary between a sans-IO node pool and whoever talks to EC2.
//
// `node_pool::plan(now)` returns `action`s; the embedding agent (or `sim::ec2`) performs
// each and hands back an `outcome`: what EC2 granted, or the error it returned.
// Every action carries a `request_id` so that outcomes can be matched to what was planned.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/limits.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace enipool {

/// Attach a new ENI (on the default card, next device index) holding `count` addresses or
/// prefixes of `mode` besides its primary IP (EC2's CreateNetworkInterface +
/// AttachNetworkInterface, or one call with SecondaryPrivateIpAddressCount / Ipv4PrefixCount).
struct attach_eni {
    std::uint64_t request_id = 0;
    address_mode mode = address_mode::prefix;
    unsigned count = 0;
    unsigned device_index = 0;
    unsigned network_card = 0;
    friend bool operator==(const attach_eni&, const attach_eni&) = default;
};

/// Assign `count` more secondary IPs or /28 prefixes to an attached ENI
/// (EC2's AssignPrivateIpAddresses with SecondaryPrivateIpAddressCount or Ipv4PrefixCount).
struct assign_to_eni {
    std::uint64_t request_id = 0;
    std::string eni_id;
    address_mode mode = address_mode::prefix;
    unsigned count = 0;
    friend bool operator==(const assign_to_eni&, const assign_to_eni&) = default;
};

/// Give back wholly free CIDRs (/32 secondary IPs or /28 prefixes) of an ENI
/// (EC2's UnassignPrivateIpAddresses).
struct release_from_eni {
    std::uint64_t request_id = 0;
    std::string eni_id;
    std::vector<ipv4_prefix> cidrs;
    friend bool operator==(const release_from_eni&, const release_from_eni&) = default;
};

/// Detach and delete an ENI that holds no pod and no cooling address.
struct detach_eni {
    std::uint64_t request_id = 0;
    std::string eni_id;
    friend bool operator==(const detach_eni&, const detach_eni&) = default;
};

using action = std::variant<attach_eni, assign_to_eni, release_from_eni, detach_eni>;

/// The request id of any action. O(1).
[[nodiscard]] inline std::uint64_t request_id_of(const action& a) noexcept {
    return std::visit([](const auto& x) { return x.request_id; }, a);
}

/// What EC2 granted for an action. For `attach_eni`: the new ENI's id, device index, primary
/// IP, subnet and the CIDRs it holds. For `assign_to_eni`: the new CIDRs (/32 or /28).
/// For `release_from_eni` / `detach_eni`: empty besides `eni_id` (success is enough).
struct grant {
    std::string eni_id;
    unsigned device_index = 0;
    ipv4_address primary_ip{};
    ipv4_prefix subnet{};
    std::vector<ipv4_prefix> cidrs;
    friend bool operator==(const grant&, const grant&) = default;
};

/// The answer to one planned action: the action as planned, and EC2's grant or error.
struct outcome {
    action request;
    result<grant> response;
};

} // namespace enipool
