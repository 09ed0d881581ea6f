// enipool/ipv6_pool.hpp: IPv6 prefix mode: pod addresses out of the node's one /80 prefix.
//
// A /80 holds 2^48 addresses, far more than any node's pods, so the pool never runs out in
// practice; max pods is the real bound. Hand-out is O(1): a released address cools down in
// a FIFO (one period, so release order is expiry order), then joins a stack of reusable
// addresses; when that is empty the next never-used address is taken (a counter). Interface
// id 0 (the subnet-router anycast address) is never handed out. Same key types, idempotent
// assign and unknown_pod on release as node_pool.
//
// Options (enipool/node_pool_options.hpp): pod_key<cni_key | std::uint64_t> (cni_key),
// clock<C> (enipool::steady_clock). packing<> is refused at compile time: there is no lane
// to pick, addresses are handed out in order.
#pragma once

#include <enipool/clock.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/node_pool_options.hpp>
#include <enipool/pod_key.hpp>
#include <enipool/pool_view.hpp>

#include <boost/circular_buffer.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace enipool {

/// Counts of an ipv6_pool. O(1).
struct ipv6_pool_stats {
    std::uint64_t assigned = 0;
    std::uint64_t cooling = 0;
    std::uint64_t reusable = 0;    ///< released, cooled down, ready again
    std::uint64_t never_used = 0;  ///< addresses of the /80 never handed out
    friend bool operator==(const ipv6_pool_stats&, const ipv6_pool_stats&) = default;
};

/// Pod addresses of one IPv6 /80 prefix.
template <class... Options>
class ipv6_pool {
    static_assert((detail::is_node_pool_option<Options>::value && ...),
                  "ipv6_pool<Options...>: each option must be enipool::pod_key<K> or enipool::clock<C>");
    static_assert(!(detail::is_packing_option<Options>::value || ...),
                  "ipv6_pool hands out addresses from one /80 prefix in order; packing<> has no "
                  "effect: remove it");
    using opts = typename detail::apply_options<node_pool_defaults, Options...>::type;

public:
    using key_type = typename opts::key_type;
    using clock_type = typename opts::clock_type;
    using metadata_type = typename pod_key_traits<key_type>::metadata;
    using hasher = typename pod_key_traits<key_type>::hasher;

    static constexpr std::uint64_t addresses = std::uint64_t{1} << 48;  // in a /80

    struct config {
        ipv6_prefix prefix;                                            ///< must be a /80
        std::chrono::nanoseconds cooldown = std::chrono::seconds(30);  ///< 0 allowed
        std::uint64_t max_pods = 0;                                    ///< 0: no ceiling
    };

    struct allocation {
        ipv6_address address;
        std::uint64_t offset = 0;  ///< interface id within the /80
        timestamp assigned_at{};
        metadata_type metadata{};
    };

    /// Errors: `invalid_prefix` (not a /80), `malformed_config` (negative cooldown). O(1).
    [[nodiscard]] static result<ipv6_pool> create(const config& cfg, clock_type& clk) {
        if (cfg.prefix.length() != 80)
            return error(errc::invalid_prefix, fmt::format("{} is not a /80", cfg.prefix.to_string()));
        if (cfg.cooldown < std::chrono::nanoseconds::zero())
            return error(errc::malformed_config, "the cooldown must not be negative");
        return ipv6_pool(cfg, clk);
    }

    /// The key's address (idempotent), else a reusable one, else the next never used.
    /// O(1) amortised. Errors: `max_pods_reached`, `no_available_addresses` (all 2^48 - 1
    /// used or cooling). Nothing changes on error.
    [[nodiscard]] result<ipv6_address> assign(const key_type& key, const metadata_type& metadata = {}) {
        const timestamp t = now();
        drain(t);
        if (auto it = allocations_.find(key); it != allocations_.end()) return it->second.address;
        if (cfg_.max_pods != 0 && allocations_.size() >= cfg_.max_pods) return errc::max_pods_reached;
        std::uint64_t offset = 0;
        if (!reusable_.empty()) {
            offset = reusable_.back();
            reusable_.pop_back();
        } else if (next_unused_ < addresses) {
            offset = next_unused_++;
        } else {
            return errc::no_available_addresses;
        }
        const ipv6_address a = cfg_.prefix.at(offset);
        allocations_.emplace(key, allocation{a, offset, t, metadata});
        return a;
    }

    /// Releases the key's address into cooldown (reusable at once with cooldown 0). O(1)
    /// amortised. Errors: `unknown_pod` (nothing changes).
    [[nodiscard]] result<ipv6_address> release(const key_type& key) {
        auto it = allocations_.find(key);
        if (it == allocations_.end()) return errc::unknown_pod;
        const std::uint64_t offset = it->second.offset;
        const ipv6_address a = it->second.address;
        allocations_.erase(it);
        if (cfg_.cooldown == std::chrono::nanoseconds::zero()) {
            reusable_.push_back(offset);
        } else {
            if (cooling_.full()) cooling_.set_capacity(std::max<std::size_t>(16, 2 * cooling_.capacity()));
            cooling_.push_back({offset, now()});
        }
        return a;
    }

    /// The key's allocation or nullptr. O(1).
    [[nodiscard]] const allocation* find(const key_type& key) const noexcept {
        auto it = allocations_.find(key);
        return it == allocations_.end() ? nullptr : &it->second;
    }

    /// Counts, after draining expired cooldowns. O(1) amortised.
    [[nodiscard]] ipv6_pool_stats stats() {
        drain(now());
        return {allocations_.size(), cooling_.size(), reusable_.size(), addresses - next_unused_};
    }

    [[nodiscard]] const config& configuration() const noexcept { return cfg_; }
    [[nodiscard]] timestamp now() const noexcept {
        return std::chrono::duration_cast<timestamp>(clock_->now().time_since_epoch());
    }

    /// Checks that every handed-out offset is in exactly one of assigned / cooling /
    /// reusable, below the never-used counter and not 0, and the FIFO is in release order.
    /// O(state). Errors: `pool_invariant_broken`.
    [[nodiscard]] result<void> check() const {
        boost::unordered_flat_set<std::uint64_t> seen;
        const auto visit = [&](std::uint64_t offset) {
            return offset != 0 && offset < next_unused_ && seen.insert(offset).second;
        };
        for (const auto& [k, a] : allocations_)
            if (!visit(a.offset) || a.address != cfg_.prefix.at(a.offset))
                return error(errc::pool_invariant_broken, "ipv6_pool: a pod's address is duplicated or out of range");
        for (std::size_t i = 0; i < cooling_.size(); ++i) {
            if (!visit(cooling_[i].offset))
                return error(errc::pool_invariant_broken, "ipv6_pool: a cooling address is also elsewhere");
            if (i > 0 && cooling_[i - 1].released_at > cooling_[i].released_at)
                return error(errc::pool_invariant_broken, "ipv6_pool: the cooldown FIFO is out of order");
        }
        for (std::uint64_t offset : reusable_)
            if (!visit(offset)) return error(errc::pool_invariant_broken, "ipv6_pool: a reusable address is also elsewhere");
        if (seen.size() != next_unused_ - 1)
            return error(errc::pool_invariant_broken, "ipv6_pool: a handed-out address is lost");
        return success();
    }

private:
    struct cooling_entry {
        std::uint64_t offset;
        timestamp released_at;
    };

    ipv6_pool(const config& cfg, clock_type& clk) : cfg_(cfg), clock_(&clk) {}

    void drain(timestamp t) {
        while (!cooling_.empty() && cooling_.front().released_at + cfg_.cooldown < t) {  // still cooling at exactly the cooldown
            reusable_.push_back(cooling_.front().offset);
            cooling_.pop_front();
        }
    }

    config cfg_;
    clock_type* clock_;
    boost::unordered_flat_map<key_type, allocation, hasher> allocations_;
    boost::circular_buffer<cooling_entry> cooling_;
    std::vector<std::uint64_t> reusable_;
    std::uint64_t next_unused_ = 1;  // interface id 0 is the subnet-router anycast address
};

} // namespace enipool
