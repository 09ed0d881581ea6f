// enipool/sim/ec2.hpp: a simulated EC2 that carries out node pools' actions against
// `subnet`s, with virtual-time latencies, seeded fault injection and a call log.
//
// One `sim::ec2` serves many nodes: `register_node(instance_type)` gives a node id (and, by
// default, the node's primary ENI at device index 0 with a primary IP from its subnet).
// `submit(node, action, now)` queues an action; it completes at `now + latency` of its call
// kind, and `poll(now)` returns the `outcome`s completed by then, in completion order (ties:
// submission order). The effect on the subnet happens at completion. Faults are drawn from a
// seeded generator at completion: same seed, same submissions -> same outcomes.
// No real time, no threads. Built on actions.hpp, limits.hpp and subnet.hpp only.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/limits.hpp>
#include <enipool/subnet.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace enipool::sim {

/// Virtual time of a simulation (nanoseconds since its start).
using sim_time = std::chrono::nanoseconds;

/// Identifies a node registered with a `sim::ec2`.
using node_id = std::uint32_t;

/// The EC2 calls behind the four actions.
enum class call_kind : std::uint8_t { attach_eni, assign_to_eni, release_from_eni, detach_eni };
inline constexpr std::size_t call_kind_count = 4;

/// The call kind of an action. O(1).
[[nodiscard]] inline call_kind kind_of(const action& a) noexcept {
    return static_cast<call_kind>(a.index());
}

/// "attach_eni", "assign_to_eni", ... O(1).
[[nodiscard]] inline std::string_view to_string(call_kind k) noexcept {
    constexpr std::array<std::string_view, call_kind_count> names = {
        "attach_eni", "assign_to_eni", "release_from_eni", "detach_eni"};
    return names[static_cast<std::size_t>(k)];
}

/// An EC2 error injected at `rate` (0..1) per call.
struct injected_fault {
    errc code = errc::invalid_parameter_value;
    double rate = 0.0;
};

/// How one call kind behaves: its latency and its injected faults. Faults are drawn in
/// order (throttling first); their rates add up, so keep the sum <= 1.
struct call_config {
    sim_time latency{};
    double throttle_rate = 0.0;          ///< rate of request_limit_exceeded
    std::vector<injected_fault> faults;  ///< any other EC2 errc, each at its rate
};

/// A simulated EC2's configuration. Default latencies are choices in the range EC2 shows
/// (attach: seconds; assign / unassign: a few hundred milliseconds).
struct ec2_config {
    std::array<call_config, call_kind_count> calls = {
        call_config{std::chrono::milliseconds(1500), 0.0, {}},
        call_config{std::chrono::milliseconds(300), 0.0, {}},
        call_config{std::chrono::milliseconds(300), 0.0, {}},
        call_config{std::chrono::milliseconds(1000), 0.0, {}}};
    std::uint64_t seed = 1;
    /// How primary and secondary IPs are picked (EC2 scatters them: random).
    allocation_strategy strategy = allocation_strategy::random;

    call_config& operator[](call_kind k) noexcept { return calls[static_cast<std::size_t>(k)]; }
    const call_config& operator[](call_kind k) const noexcept {
        return calls[static_cast<std::size_t>(k)];
    }
};

/// An ENI as the simulated EC2 knows it.
struct eni_record {
    std::string id;
    unsigned device_index = 0;
    unsigned network_card = 0;
    std::size_t subnet_index = 0;
    ipv4_address primary_ip{};
    std::vector<ipv4_prefix> cidrs;  ///< secondary IPs (/32) and prefixes (/28)
    friend bool operator==(const eni_record&, const eni_record&) = default;
};

/// A registered node: its instance type, subnet and attached ENIs (by device index).
struct node_record {
    instance_type type;
    std::size_t subnet_index = 0;
    std::vector<eni_record> enis;
    bool terminated = false;  ///< terminate_node() ran: no ENI left, calls refused
};

/// One completed call, as the log keeps it.
struct call_record {
    sim_time submitted{};
    sim_time completed{};
    node_id node = 0;
    action request;
    result<grant> response;
    bool injected = false;  ///< the error was injected, not the subnet's answer
};

/// A simulated EC2 over one or more subnets. See the header comment for the model.
class ec2 {
public:
    explicit ec2(ec2_config config = {}) : config_(std::move(config)), rng_(config_.seed) {}

    /// Adds a subnet; returns its index. O(1) amortised (copies ~30 KiB).
    std::size_t add_subnet(subnet s) {
        subnets_.push_back(std::move(s));
        return subnets_.size() - 1;
    }
    /// The subnet at `index` (precondition: index < subnet_count()). O(1).
    [[nodiscard]] subnet& subnet_at(std::size_t index) noexcept { return subnets_[index]; }
    [[nodiscard]] const subnet& subnet_at(std::size_t index) const noexcept {
        return subnets_[index];
    }
    /// Subnets added so far. O(1).
    [[nodiscard]] std::size_t subnet_count() const noexcept { return subnets_.size(); }

    /// Registers a node of `type` on subnet `subnet_index`, with its primary ENI (device
    /// index 0, a primary IP from the subnet) unless `with_primary_eni` is false. O(levels).
    /// Errors: `invalid_instance_limits`, `invalid_parameter_value` (no such subnet),
    /// `insufficient_free_addresses` (no address for the primary ENI). Nothing changes on
    /// error.
    [[nodiscard]] result<node_id> register_node(instance_type type, std::size_t subnet_index = 0,
                                                bool with_primary_eni = true) {
        if (auto ok = validate(type); !ok) return ok.error();
        if (subnet_index >= subnets_.size())
            return error(errc::invalid_parameter_value,
                         fmt::format("no subnet with index {}", subnet_index));
        node_record node{std::move(type), subnet_index, {}};
        if (with_primary_eni) {
            auto primary = subnets_[subnet_index].allocate_address(config_.strategy);
            if (!primary) return primary.error();
            node.enis.push_back(eni_record{next_eni_id(), 0, node.type.default_network_card_index,
                                           subnet_index, *primary, {}});
        }
        nodes_.push_back(std::move(node));
        return static_cast<node_id>(nodes_.size() - 1);
    }

    /// Terminates node `id` as EC2 terminates an instance whose ENIs have
    /// DeleteOnTermination: every ENI is deleted and its primary IP, secondary IPs and
    /// prefixes return to their subnets. Calls still queued for the node complete with
    /// `invalid_parameter_value`. O(addresses * levels). Errors: `invalid_parameter_value`
    /// (unknown or already terminated node; nothing changes).
    [[nodiscard]] result<void> terminate_node(node_id id) {
        if (id >= nodes_.size() || nodes_[id].terminated)
            return error(errc::invalid_parameter_value, fmt::format("no running node {}", id));
        node_record& node = nodes_[id];
        for (const eni_record& e : node.enis) {
            subnet& s = subnets_[e.subnet_index];
            for (const auto& c : e.cidrs) (void)s.release(c);
            (void)s.release(e.primary_ip);
        }
        node.enis.clear();
        node.terminated = true;
        return success();
    }

    /// The node `id` (precondition: a registered id). O(1).
    [[nodiscard]] const node_record& node(node_id id) const noexcept { return nodes_[id]; }
    /// Nodes registered so far. O(1).
    [[nodiscard]] std::size_t node_count() const noexcept { return nodes_.size(); }

    /// Queues `a` for node `id`; it completes at `now` + the latency of its call kind.
    /// O(log queued). Errors: `invalid_parameter_value` (unknown or terminated node;
    /// nothing queued).
    [[nodiscard]] result<void> submit(node_id id, action a, sim_time now) {
        if (id >= nodes_.size() || nodes_[id].terminated)
            return error(errc::invalid_parameter_value, fmt::format("no running node {}", id));
        const sim_time done = now + config_[kind_of(a)].latency;
        queue_.emplace(std::pair{done, next_seq_++}, pending{id, now, std::move(a)});
        return success();
    }

    /// Completes every queued call due at or before `now`, in completion order (ties in
    /// submission order), and returns their outcomes. O(k log queued) for k completions.
    [[nodiscard]] std::vector<outcome> poll(sim_time now) {
        std::vector<outcome> done;
        while (!queue_.empty() && queue_.begin()->first.first <= now) {
            auto node = queue_.extract(queue_.begin());
            pending& p = node.mapped();
            const call_kind kind = kind_of(p.request);
            ++calls_[static_cast<std::size_t>(kind)];
            std::optional<errc> fault = draw_fault(kind);
            result<grant> response = fault ? result<grant>(error(*fault))
                                           : execute(p.id, p.request);
            if (!response) ++errors_[response.error().code()];
            log_.push_back(call_record{p.submitted, node.key().first, p.id, p.request, response,
                                       fault.has_value()});
            done.push_back(outcome{std::move(p.request), std::move(response)});
        }
        return done;
    }

    /// Carries out `a` for node `id` now, without latency or injected faults (what a
    /// completing call does). All-or-nothing: a failed call changes nothing in the subnet
    /// or the node (the primary IP taken for a failed attach is given back; only the
    /// subnet's random generator has advanced).
    /// O(count * levels). Errors: `invalid_parameter_value` (unknown or terminated node, prefixes on a
    /// type without prefix support, device index in use, a CIDR not on the ENI, detaching
    /// device index 0), `attachment_limit_exceeded`, `private_ip_address_limit_exceeded`,
    /// `unknown_eni`, `insufficient_free_addresses`, `insufficient_cidr_blocks`.
    [[nodiscard]] result<grant> execute(node_id id, const action& a) {
        if (id >= nodes_.size() || nodes_[id].terminated)
            return error(errc::invalid_parameter_value, fmt::format("no running node {}", id));
        return std::visit([&](const auto& x) { return do_call(nodes_[id], x); }, a);
    }

    /// Calls still queued. O(1).
    [[nodiscard]] std::size_t in_flight() const noexcept { return queue_.size(); }
    /// When the next queued call completes, if any. O(1).
    [[nodiscard]] std::optional<sim_time> next_completion() const noexcept {
        if (queue_.empty()) return std::nullopt;
        return queue_.begin()->first.first;
    }

    /// Every completed call, in completion order. O(1).
    [[nodiscard]] const std::vector<call_record>& log() const noexcept { return log_; }
    /// Completed calls of kind `k`. O(1).
    [[nodiscard]] std::uint64_t calls(call_kind k) const noexcept {
        return calls_[static_cast<std::size_t>(k)];
    }
    /// Completed calls that failed with `code` (injected or not). O(log codes).
    [[nodiscard]] std::uint64_t errors(errc code) const noexcept {
        const auto it = errors_.find(code);
        return it == errors_.end() ? 0 : it->second;
    }
    /// Failed calls by error code, ordered by code. O(1).
    [[nodiscard]] const std::map<errc, std::uint64_t>& errors_by_code() const noexcept {
        return errors_;
    }

    /// The configuration in force. O(1).
    [[nodiscard]] const ec2_config& config() const noexcept { return config_; }

private:
    struct pending {
        node_id id = 0;
        sim_time submitted{};
        action request;
    };

    [[nodiscard]] std::string next_eni_id() {
        return fmt::format("eni-{:017x}", ++eni_counter_);
    }

    // Throttling first, then each configured fault; one uniform draw per completed call so
    // that the sequence of draws does not depend on the rates.
    [[nodiscard]] std::optional<errc> draw_fault(call_kind kind) {
        double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
        const call_config& c = config_[kind];
        if (u < c.throttle_rate) return errc::request_limit_exceeded;
        u -= c.throttle_rate;
        for (const auto& f : c.faults) {
            if (u < f.rate) return f.code;
            u -= f.rate;
        }
        return std::nullopt;
    }

    [[nodiscard]] static eni_record* find_eni(node_record& node, const std::string& eni_id) {
        const auto it = std::find_if(node.enis.begin(), node.enis.end(),
                                     [&](const eni_record& e) { return e.id == eni_id; });
        return it == node.enis.end() ? nullptr : &*it;
    }

    // Takes `count` prefixes or secondary IPs from `s`, all or nothing.
    [[nodiscard]] result<std::vector<ipv4_prefix>> take(subnet& s, address_mode mode,
                                                        unsigned count) {
        std::vector<ipv4_prefix> cidrs;
        if (mode == address_mode::prefix) {
            auto got = s.allocate_prefixes(count);
            if (!got) return got.error();
            cidrs = std::move(*got);
        } else {
            auto got = s.allocate_addresses(count, config_.strategy);
            if (!got) return got.error();
            for (const auto& a : *got) cidrs.push_back(ipv4_prefix::truncate(a, 32));
        }
        return cidrs;
    }

    [[nodiscard]] static result<void> check_mode(const node_record& node, address_mode mode) {
        if (mode == address_mode::prefix && !node.type.supports_prefixes())
            return error(errc::invalid_parameter_value,
                         fmt::format("{} does not support IPv4 prefixes", node.type.name));
        return success();
    }

    [[nodiscard]] static grant grant_for(const eni_record& eni, const subnet& s,
                                         std::vector<ipv4_prefix> cidrs) {
        return grant{eni.id, eni.device_index, eni.primary_ip, s.cidr(), std::move(cidrs)};
    }

    [[nodiscard]] result<grant> do_call(node_record& node, const attach_eni& a) {
        if (auto ok = check_mode(node, a.mode); !ok) return ok.error();
        if (node.enis.size() >= node.type.max_enis)
            return error(errc::attachment_limit_exceeded,
                         fmt::format("{} allows {} network interfaces", node.type.name,
                                     node.type.max_enis));
        for (const auto& e : node.enis)
            if (e.device_index == a.device_index)
                return error(errc::invalid_parameter_value,
                             fmt::format("device index {} is in use by {}", a.device_index, e.id));
        if (a.count > node.type.slots_per_eni())
            return error(errc::private_ip_address_limit_exceeded,
                         fmt::format("{} asked, an ENI of {} has {} slots", a.count,
                                     node.type.name, node.type.slots_per_eni()));
        subnet& s = subnets_[node.subnet_index];
        auto primary = s.allocate_address(config_.strategy);
        if (!primary) return primary.error();
        if (a.mode == address_mode::prefix ? s.free_blocks() + s.reserved_free_blocks() < a.count
                                           : s.free_addresses() < a.count) {
            // All or nothing: give the primary back. With the random strategy the subnet's
            // generator has moved on; everything else is as before.
            (void)s.release(*primary);
            return a.mode == address_mode::prefix ? errc::insufficient_cidr_blocks
                                                  : errc::insufficient_free_addresses;
        }
        auto cidrs = take(s, a.mode, a.count);  // cannot fail now
        eni_record eni{next_eni_id(), a.device_index, a.network_card, node.subnet_index,
                       *primary, *cidrs};
        node.enis.push_back(eni);
        std::sort(node.enis.begin(), node.enis.end(),
                  [](const auto& x, const auto& y) { return x.device_index < y.device_index; });
        return grant_for(eni, s, std::move(*cidrs));
    }

    [[nodiscard]] result<grant> do_call(node_record& node, const assign_to_eni& a) {
        eni_record* eni = find_eni(node, a.eni_id);
        if (!eni) return error(errc::unknown_eni, a.eni_id);
        if (auto ok = check_mode(node, a.mode); !ok) return ok.error();
        if (eni->cidrs.size() + a.count > node.type.slots_per_eni())
            return error(errc::private_ip_address_limit_exceeded,
                         fmt::format("{} has {} of {} slots used, {} asked", eni->id,
                                     eni->cidrs.size(), node.type.slots_per_eni(), a.count));
        subnet& s = subnets_[eni->subnet_index];
        auto cidrs = take(s, a.mode, a.count);
        if (!cidrs) return cidrs.error();
        eni->cidrs.insert(eni->cidrs.end(), cidrs->begin(), cidrs->end());
        return grant_for(*eni, s, std::move(*cidrs));
    }

    [[nodiscard]] result<grant> do_call(node_record& node, const release_from_eni& a) {
        eni_record* eni = find_eni(node, a.eni_id);
        if (!eni) return error(errc::unknown_eni, a.eni_id);
        for (std::size_t i = 0; i < a.cidrs.size(); ++i) {
            const auto& c = a.cidrs[i];
            if (std::find(eni->cidrs.begin(), eni->cidrs.end(), c) == eni->cidrs.end() ||
                std::find(a.cidrs.begin(), a.cidrs.begin() + static_cast<std::ptrdiff_t>(i), c) !=
                    a.cidrs.begin() + static_cast<std::ptrdiff_t>(i))
                return error(errc::invalid_parameter_value,
                             fmt::format("{} is not assigned to {}", c.to_string(), eni->id));
        }
        subnet& s = subnets_[eni->subnet_index];
        for (const auto& c : a.cidrs) {
            (void)s.release(c);
            eni->cidrs.erase(std::find(eni->cidrs.begin(), eni->cidrs.end(), c));
        }
        return grant{eni->id, eni->device_index, eni->primary_ip, s.cidr(), {}};
    }

    [[nodiscard]] result<grant> do_call(node_record& node, const detach_eni& a) {
        eni_record* eni = find_eni(node, a.eni_id);
        if (!eni) return error(errc::unknown_eni, a.eni_id);
        if (eni->device_index == 0)
            return error(errc::invalid_parameter_value,
                         fmt::format("{} is the primary network interface (device index 0)",
                                     eni->id));
        subnet& s = subnets_[eni->subnet_index];
        for (const auto& c : eni->cidrs) (void)s.release(c);
        (void)s.release(eni->primary_ip);
        grant g{eni->id, eni->device_index, eni->primary_ip, s.cidr(), {}};
        node.enis.erase(node.enis.begin() + (eni - node.enis.data()));
        return g;
    }

    ec2_config config_;
    std::mt19937_64 rng_;
    std::vector<subnet> subnets_;
    std::vector<node_record> nodes_;
    std::map<std::pair<sim_time, std::uint64_t>, pending> queue_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t eni_counter_ = 0;
    std::vector<call_record> log_;
    std::array<std::uint64_t, call_kind_count> calls_{};
    std::map<errc, std::uint64_t> errors_;
};

} // namespace enipool::sim
