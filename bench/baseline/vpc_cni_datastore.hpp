// bench/baseline/vpc_cni_datastore.hpp: a port of the VPC CNI (ipamd) datastore's hand-out
// ALGORITHM, the baseline that enipool's benchmarks are measured against.
//
// Written from the public description of the algorithm (enipool's docs/domain.md section 4 and
// issue 7), not from its code: no code is copied; names follow the description. What it keeps:
//  - the data layout: ENI id -> CIDR text -> address text -> entry, each level a
//    std::unordered_map<std::string, ...> (Go maps of strings in the original); an entry holds
//    the pod key {networkName, containerID, ifName} and the release (unassigned) time;
//  - assign: first a scan of EVERY entry of every CIDR of every ENI for the key (idempotency:
//    the same key gets the same address back), then, in map order, the first CIDR of the
//    current mode (prefix vs secondary IP) with an address that is unassigned and not cooling;
//  - release: a scan of every entry for the key ("unknown pod" if absent), then the release
//    time is stamped; the entry stays, cooling, for the cooldown period (30 s by default);
//  - cooling test as the original: an address is cooling while now - released <= cooldown;
//  - errors with the original texts: "no available IP/Prefix addresses", "unknown pod",
//    "duplicate ENI", "unknown ENI", "IP already in data store".
// Addresses of a CIDR are enumerated LAZILY, as the original does for /28 prefixes: a CIDR's
// map holds only the addresses that were handed out (assigned or cooling); a candidate is
// first an unassigned entry whose cooldown is over (such entries are dropped from the map while
// scanning, as the original cleans them up), else the lowest address of the CIDR that has no
// entry. Eager enumeration (16 entries per /28 at once) would make every scan longer still;
// lazy is what the VPC CNI does and the fairer baseline.
// What it leaves out, deliberately: the JSON checkpoint rewrite with fsync on every assign and
// release (NO FILE I/O here: the original is slower by that much), the warm-pool reconciler,
// EC2 calls, IPv6, metadata, and Go's randomised map order (std::unordered_map's order is
// fixed but arbitrary; the scan cost is the same). Single-threaded; the original holds a mutex.
#pragma once

#include <enipool/error.hpp>
#include <enipool/ip.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace enipool_baseline {

/// The VPC CNI's pod key (IPAMKey): {networkName, containerID, ifName}. Empty = unassigned.
struct vpc_cni_key {
    std::string network_name;
    std::string container_id;
    std::string if_name;

    [[nodiscard]] bool empty() const noexcept {
        return network_name.empty() && container_id.empty() && if_name.empty();
    }
    friend bool operator==(const vpc_cni_key&, const vpc_cni_key&) = default;
};

/// The datastore: ENIs, their CIDRs, the handed-out addresses. Time is injected: every call
/// that needs it takes `now` (a monotonic time since an arbitrary epoch).
class vpc_cni_datastore {
public:
    using time_point = std::chrono::nanoseconds;

    /// One handed-out address (AddressInfo): assigned to `key`, or cooling since `unassigned_at`.
    struct address_info {
        std::string address;
        vpc_cni_key key;            ///< empty when released
        time_point assigned_at{};
        time_point unassigned_at{};
        [[nodiscard]] bool assigned() const noexcept { return !key.empty(); }
    };
    /// One CIDR of an ENI (CidrInfo): a /32 secondary IP or a /28 prefix.
    struct cidr_info {
        enipool::ipv4_prefix cidr;
        bool is_prefix = false;
        std::unordered_map<std::string, address_info> addresses;  ///< address text -> entry
    };
    /// One ENI: its CIDRs by CIDR text.
    struct eni_info {
        std::string id;
        int device_number = 0;
        bool is_primary = false;
        std::unordered_map<std::string, cidr_info> cidrs;
    };
    /// Counts over the whole datastore, computed by a scan.
    struct stats_type {
        std::size_t total = 0;     ///< addresses of all CIDRs (both modes)
        std::size_t assigned = 0;
        std::size_t cooling = 0;   ///< released, cooldown not over
    };

    /// An empty datastore in prefix mode (`prefix_mode`, ENABLE_PREFIX_DELEGATION) or
    /// secondary-IP mode, with the given cooldown (IP_COOLDOWN_PERIOD, default 30 s).
    explicit vpc_cni_datastore(bool prefix_mode, std::chrono::nanoseconds cooldown = std::chrono::seconds(30))
        : prefix_mode_(prefix_mode), cooldown_(cooldown) {}

    /// Switches the mode; existing CIDRs stay, only those of the new mode are assigned from.
    void set_prefix_mode(bool prefix_mode) noexcept { prefix_mode_ = prefix_mode; }
    [[nodiscard]] bool prefix_mode() const noexcept { return prefix_mode_; }

    /// Adds an ENI. O(1). Errors: `duplicate_eni`.
    enipool::result<void> add_eni(const std::string& id, int device_number, bool is_primary = false) {
        if (enis_.count(id) != 0) return enipool::error(enipool::errc::duplicate_eni, id);
        eni_info eni;
        eni.id = id;
        eni.device_number = device_number;
        eni.is_primary = is_primary;
        enis_.emplace(id, std::move(eni));
        return enipool::success();
    }

    /// Adds a CIDR (a /28 prefix or a /32 secondary IP) to an ENI. O(ENIs). Errors:
    /// `unknown_eni`, `invalid_prefix` / `prefix_not_aligned` (text), `invalid_prefix` (a
    /// prefix that is not /28 or a secondary IP that is not /32), `address_already_in_datastore`
    /// (the CIDR is on an ENI already).
    enipool::result<void> add_ipv4_cidr(const std::string& eni_id, std::string_view cidr_text, bool is_prefix) {
        auto eni = enis_.find(eni_id);
        if (eni == enis_.end()) return enipool::error(enipool::errc::unknown_eni, eni_id);
        auto cidr = enipool::ipv4_prefix::parse(cidr_text);
        if (!cidr) return cidr.error();
        if (cidr->length() != (is_prefix ? 28u : 32u))
            return enipool::error(enipool::errc::invalid_prefix,
                                  std::string(cidr_text) + (is_prefix ? " is not a /28" : " is not a /32"));
        const std::string key = cidr->to_string();
        for (const auto& [id, other] : enis_)
            if (other.cidrs.count(key) != 0)
                return enipool::error(enipool::errc::address_already_in_datastore, key);
        cidr_info info;
        info.cidr = *cidr;
        info.is_prefix = is_prefix;
        eni->second.cidrs.emplace(key, std::move(info));
        return enipool::success();
    }

    /// Hands an address to `key` (AssignPodIPv4Address): the key's address if it has one
    /// (idempotent), else the first free, non-cooling address of the first CIDR of the current
    /// mode that has one. O(addresses handed out) for the key scan, plus O(CIDRs x entries)
    /// for the search. Errors: `no_available_addresses` (state unchanged but for the cleanup
    /// of expired cooling entries, which changes no address's state), `malformed_config`
    /// (an empty key, which would match released entries).
    enipool::result<std::string> assign(const vpc_cni_key& key, time_point now) {
        if (key.empty()) return enipool::error(enipool::errc::malformed_config, "empty pod key");
        if (const address_info* existing = find_by_key<address_info>(enis_, key)) return existing->address;
        for (auto& [eni_id, eni] : enis_) {
            for (auto& [cidr_text, cidr] : eni.cidrs) {
                if (cidr.is_prefix != prefix_mode_) continue;  // only CIDRs of the current mode
                std::string candidate;
                if (!unused_address(cidr, now, candidate)) continue;
                address_info& entry = cidr.addresses[candidate];
                entry.address = std::move(candidate);
                entry.key = key;
                entry.assigned_at = now;
                entry.unassigned_at = time_point{};
                return entry.address;
            }
        }
        return enipool::error(enipool::errc::no_available_addresses);
    }

    /// Adopts an assignment as the VPC CNI's start-up does from its checkpoint: the CIDR that
    /// holds `address` is found by a scan of the CIDRs and the key is trusted (no key scan).
    /// O(CIDRs). Benchmarks fill pools with it. Errors: `checkpoint_invalid` (the address is
    /// on no known CIDR: the VPC CNI drops such allocations), `address_already_in_datastore`,
    /// `invalid_address`, `malformed_config` (empty key).
    enipool::result<void> restore_assignment(const vpc_cni_key& key, std::string_view address, time_point assigned_at) {
        if (key.empty()) return enipool::error(enipool::errc::malformed_config, "empty pod key");
        auto parsed = enipool::ipv4_address::parse(address);
        if (!parsed) return parsed.error();
        for (auto& [eni_id, eni] : enis_)
            for (auto& [cidr_text, cidr] : eni.cidrs) {
                if (!cidr.cidr.contains(*parsed)) continue;
                const std::string text = parsed->to_string();
                if (cidr.addresses.count(text) != 0)
                    return enipool::error(enipool::errc::address_already_in_datastore, text);
                address_info& entry = cidr.addresses[text];
                entry.address = text;
                entry.key = key;
                entry.assigned_at = assigned_at;
                return enipool::success();
            }
        return enipool::error(enipool::errc::checkpoint_invalid,
                              std::string(address) + " is on no known CIDR");
    }

    /// Releases the key's address (UnassignPodIPAddress): it stays in the map, cooling, with
    /// the release time stamped. Returns the address. O(addresses handed out).
    /// Errors: `unknown_pod` (state unchanged).
    enipool::result<std::string> release(const vpc_cni_key& key, time_point now) {
        address_info* entry = find_by_key(enis_, key);
        if (entry == nullptr) return enipool::error(enipool::errc::unknown_pod);
        entry->key = vpc_cni_key{};
        entry->unassigned_at = now;
        return entry->address;
    }

    /// The address of `key`, or "" (a scan, as FindAddressForSampleKey). O(addresses handed out).
    [[nodiscard]] std::string address_of(const vpc_cni_key& key) const {
        const address_info* entry = find_by_key<const address_info>(enis_, key);
        return entry ? entry->address : std::string();
    }

    /// Counts by a scan. O(CIDRs + addresses handed out).
    [[nodiscard]] stats_type stats(time_point now) const {
        stats_type s;
        for (const auto& [eni_id, eni] : enis_)
            for (const auto& [cidr_text, cidr] : eni.cidrs) {
                s.total += static_cast<std::size_t>(cidr.cidr.size());
                for (const auto& [text, entry] : cidr.addresses) {
                    if (entry.assigned()) ++s.assigned;
                    else if (cooling(entry, now)) ++s.cooling;
                }
            }
        return s;
    }

    /// Checks the layout: map keys equal the entries' texts, every address inside its CIDR,
    /// no key held twice, no address on two CIDRs. O(N log N). Returns "" or what is wrong.
    [[nodiscard]] std::string check() const {
        std::unordered_map<std::string, int> keys;
        std::unordered_map<std::string, int> addresses;
        for (const auto& [eni_id, eni] : enis_) {
            if (eni_id != eni.id) return "ENI map key differs from the ENI id " + eni.id;
            for (const auto& [cidr_text, cidr] : eni.cidrs) {
                if (cidr_text != cidr.cidr.to_string()) return "CIDR map key differs: " + cidr_text;
                for (const auto& [text, entry] : cidr.addresses) {
                    if (text != entry.address) return "address map key differs: " + text;
                    auto parsed = enipool::ipv4_address::parse(text);
                    if (!parsed || !cidr.cidr.contains(*parsed)) return text + " is outside " + cidr_text;
                    if (++addresses[text] > 1) return text + " is on two CIDRs";
                    if (entry.assigned() &&
                        ++keys[entry.key.network_name + '\n' + entry.key.container_id + '\n' +
                               entry.key.if_name] > 1)
                        return "a key holds two addresses, one is " + text;
                }
            }
        }
        return {};
    }

    [[nodiscard]] const std::unordered_map<std::string, eni_info>& enis() const noexcept { return enis_; }
    [[nodiscard]] std::chrono::nanoseconds cooldown() const noexcept { return cooldown_; }

private:
    // The VPC CNI's cooling test: released, and no more than the cooldown ago (inclusive).
    [[nodiscard]] bool cooling(const address_info& entry, time_point now) const noexcept {
        return !entry.assigned() && now - entry.unassigned_at <= cooldown_;
    }

    // The scan for a key over every entry of every CIDR of every ENI (none for an empty key).
    template <class Entry = address_info, class Enis>
    static Entry* find_by_key(Enis& enis, const vpc_cni_key& key) {
        if (key.empty()) return nullptr;
        for (auto& [eni_id, eni] : enis)
            for (auto& [cidr_text, cidr] : eni.cidrs)
                for (auto& [text, entry] : cidr.addresses)
                    if (entry.key == key) return &entry;
        return nullptr;
    }

    // A free address of `cidr`: first a released entry whose cooldown is over (every such
    // entry is dropped from the map on the way: it is free, like an address never handed out),
    // else the lowest address without an entry. False when every address is assigned or cooling.
    bool unused_address(cidr_info& cidr, time_point now, std::string& out) const {
        bool found = false;
        for (auto it = cidr.addresses.begin(); it != cidr.addresses.end();) {
            if (!it->second.assigned() && !cooling(it->second, now)) {
                if (!found) {
                    out = it->first;
                    found = true;
                }
                it = cidr.addresses.erase(it);
            } else {
                ++it;
            }
        }
        if (found) return true;
        if (cidr.addresses.size() >= cidr.cidr.size()) return false;
        for (std::uint64_t i = 0; i < cidr.cidr.size(); ++i) {
            std::string text = cidr.cidr.at(i).to_string();
            if (cidr.addresses.count(text) == 0) {
                out = std::move(text);
                return true;
            }
        }
        return false;
    }

    std::unordered_map<std::string, eni_info> enis_;
    bool prefix_mode_;
    std::chrono::nanoseconds cooldown_;
};

} // namespace enipool_baseline
