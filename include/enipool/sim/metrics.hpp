// enipool/sim/metrics.hpp: what a cluster simulation measures: samples over time and a run's
// summary, with a byte-stable CSV rendering of the time series.
#pragma once

#include <enipool/error.hpp>
#include <enipool/sim/ec2.hpp>

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace enipool::sim {

/// EC2's error codes, in the order of the CSV's error columns.
inline constexpr std::array<errc, 6> ec2_error_codes = {
    errc::insufficient_cidr_blocks,          errc::insufficient_free_addresses,
    errc::private_ip_address_limit_exceeded, errc::attachment_limit_exceeded,
    errc::request_limit_exceeded,            errc::invalid_parameter_value};

/// The CSV name of an EC2 error code (EC2's own name). O(1).
[[nodiscard]] constexpr std::string_view ec2_error_name(errc e) noexcept {
    switch (e) {
    case errc::insufficient_cidr_blocks: return "InsufficientCidrBlocks";
    case errc::insufficient_free_addresses: return "InsufficientFreeAddressesInSubnet";
    case errc::private_ip_address_limit_exceeded: return "PrivateIpAddressLimitExceeded";
    case errc::attachment_limit_exceeded: return "AttachmentLimitExceeded";
    case errc::request_limit_exceeded: return "RequestLimitExceeded";
    case errc::invalid_parameter_value: return "InvalidParameterValue";
    default: return "other";
    }
}

/// The cluster at one sample time. Counters (fallbacks, EC2 calls, errors) are cumulative.
struct sample {
    sim_time at{};
    std::uint64_t pods_running = 0;
    std::uint64_t pods_pending = 0;      ///< waiting for a node or for an address
    std::uint64_t nodes = 0;             ///< ready nodes
    std::uint64_t nodes_booting = 0;
    std::uint64_t addresses_held = 0;    ///< pod addresses on the nodes' ENIs (assigned + cooling + free)
    std::uint64_t addresses_used = 0;    ///< held by pods
    std::uint64_t subnet_free_addresses = 0;  ///< over every subnet, outside reservations
    std::uint64_t free_28s = 0;          ///< wholly free aligned /28s (prefix reservations included)
    double fragmentation = 0.0;          ///< 1 - 16 * free /28s / free addresses, over every subnet
    std::uint64_t fallbacks = 0;         ///< prefix -> secondary-IP switches (prefix-first)
    std::uint64_t ec2_calls = 0;
    std::array<std::uint64_t, ec2_error_codes.size()> ec2_errors{};  ///< by ec2_error_codes

    /// Every EC2 error of the sample. O(1).
    [[nodiscard]] std::uint64_t ec2_error_total() const noexcept {
        std::uint64_t n = 0;
        for (auto e : ec2_errors) n += e;
        return n;
    }
    /// Addresses held but not used: the warm pool's cost in subnet space. O(1).
    [[nodiscard]] std::uint64_t idle_addresses() const noexcept { return addresses_held - addresses_used; }
};

/// One run's figures.
struct run_summary {
    std::uint64_t peak_pods_running = 0;
    double pending_pod_seconds = 0.0;    ///< integral of pending pods over virtual time
    std::optional<sim_time> first_insufficient_cidr_blocks;  ///< when EC2 first said so
    std::uint64_t fallbacks = 0;
    std::uint64_t ec2_calls = 0;
    std::uint64_t ec2_errors = 0;
    double mean_addresses_held = 0.0;    ///< over the samples
    double mean_addresses_used = 0.0;    ///< over the samples
    std::uint64_t peak_nodes = 0;        ///< ready + booting
    std::uint64_t launch_failures = 0;   ///< launches refused (no address for a primary ENI)
    std::uint64_t pod_events = 0;        ///< pod creations + deletions
};

/// The CSV header of `to_csv`. O(1).
[[nodiscard]] inline std::string csv_header() {
    std::string h = "time_s,pods_running,pods_pending,nodes,nodes_booting,addresses_held,addresses_used,"
                    "subnet_free_addresses,free_28s,fragmentation,fallbacks,ec2_calls";
    for (errc e : ec2_error_codes) h += fmt::format(",{}", ec2_error_name(e));
    return h;
}

/// One CSV row (no newline), prefixed by `label` and a comma when `label` is not empty.
/// Numbers only, fixed formats (time in seconds with 3 decimals, fragmentation with 4): the
/// same samples give the same bytes. O(1).
[[nodiscard]] inline std::string csv_row(const sample& s, std::string_view label = {}) {
    std::string row;
    if (!label.empty()) row = fmt::format("{},", label);
    row += fmt::format("{:.3f},{},{},{},{},{},{},{},{},{:.4f},{},{}",
                       std::chrono::duration<double>(s.at).count(), s.pods_running, s.pods_pending, s.nodes,
                       s.nodes_booting, s.addresses_held, s.addresses_used, s.subnet_free_addresses, s.free_28s,
                       s.fragmentation, s.fallbacks, s.ec2_calls);
    for (auto e : s.ec2_errors) row += fmt::format(",{}", e);
    return row;
}

/// The time series as CSV: header, then one row per sample. O(samples).
[[nodiscard]] inline std::string to_csv(const std::vector<sample>& samples) {
    std::string out = csv_header() + "\n";
    for (const sample& s : samples) out += csv_row(s) + "\n";
    return out;
}

} // namespace enipool::sim
