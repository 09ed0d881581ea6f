// enipool/detail/pool_requests.hpp: a node pool's requests to EC2 (internal): plan() turns
// what the warm strategy asks for into actions in flight, apply() takes EC2's answer to one.
//
// plan_actions clips growth (detail/plan_clipping.hpp), starts releases and detaches
// (detail/pool_shrink.hpp), stamps request ids and remembers the actions in flight;
// apply_outcome adds what EC2 granted (detail/pool_grants.hpp), tells the growth policy,
// records a refusal, or ends a release or detach. The pool's parts are passed as explicit
// arguments; node_pool::plan and apply state the contracts. None of this is on the hand-out
// path.
#pragma once

#include <enipool/actions.hpp>
#include <enipool/detail/card_limits.hpp>
#include <enipool/detail/plan_clipping.hpp>
#include <enipool/detail/pool_grants.hpp>
#include <enipool/detail/pool_shrink.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/node_pool_types.hpp>
#include <enipool/pool_view.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace enipool::detail {

/// plan() once the view `v` is built: asks `warm` for actions, drops growth while growth is
/// in flight and shrink while shrink is, clips growth to the limits of `cfg` and `max_pods`,
/// starts each release and detach, stamps request ids from `next_request_id`, arms
/// `last_shrink` on a release and appends the actions kept to `in_flight`. Returns them.
/// O(ENIs + slots + actions + cooling addresses of released CIDRs).
template <class Key, class Warm, class Config, class Lanes, class Pods, class Holds, class Cooling>
[[nodiscard]] std::vector<action> plan_actions(const Warm& warm, const Config& cfg, const pool_view& v,
                                               std::uint64_t max_pods, Lanes& lanes, Pods& pods, Holds& holds,
                                               Cooling& cooling, std::vector<action>& in_flight,
                                               std::uint64_t& next_request_id, std::optional<timestamp>& last_shrink) {
    std::vector<action> wanted = warm.plan(v);
    std::vector<action> out;
    growth_clipper growth(lanes.enis(), in_flight, v.total,
                          {max_pods, clips_growth_to_max_pods(warm), v.max_enis, home_card(cfg.type, cfg.network_card),
                           home_card_limit(cfg.type, cfg.network_card), cfg.type.slots_per_eni()});
    const auto primary = [&](const eni& x) { return is_primary(x.device_index(), x.network_card(), cfg.type); };
    for (action& a : wanted) {
        if (is_growth(a) ? v.growth_in_flight : v.shrink_in_flight) continue;
        if (auto* at = std::get_if<attach_eni>(&a)) {
            if (!v.may_grow || !growth.clip(*at, lanes.enis(), in_flight, out)) continue;
        } else if (auto* as = std::get_if<assign_to_eni>(&a)) {
            const auto index = lanes.index_of(as->eni_id);
            if (!v.may_grow || !index || !growth.clip(*as, lanes[*index], out)) continue;
        } else if (auto* rel = std::get_if<release_from_eni>(&a)) {
            if (!start_release<Key>(lanes, pods, holds, cooling, *rel, v.now)) continue;
        } else if (auto* det = std::get_if<detach_eni>(&a)) {
            if (!start_detach(lanes, holds, *det, primary, v.now)) continue;
        }
        std::visit([&](auto& x) { x.request_id = next_request_id++; }, a);
        // The VPC CNI's "decrease at most every 30 s": releases arm it, detaches do not.
        if (std::holds_alternative<release_from_eni>(a)) last_shrink = v.now;
        out.push_back(a);
    }
    in_flight.insert(in_flight.end(), out.begin(), out.end());
    return out;
}

/// Refused growth requests a pool remembers (oldest dropped first).
inline constexpr std::size_t max_growth_failures = 32;

/// A refused growth request `f`: the growth `policy` hears of it unless the `warm` strategy
/// handles it itself (`absorbs_refusal`: ipamd retries within its pass); remembered in
/// `failures` (the view's growth_failures) until the next grant. O(max_growth_failures).
template <class Policy, class Warm>
void record_refusal(Policy& policy, const Warm& warm, std::vector<growth_failure>& failures, growth_failure f) {
    bool absorbed = false;
    if constexpr (requires(const Warm& w) { { w.absorbs_refusal(failures, f) } -> std::convertible_to<bool>; })
        absorbed = warm.absorbs_refusal(failures, f);
    if (!absorbed) policy.on_error(f.at, f.mode, f.code);
    if (failures.size() == max_growth_failures) failures.erase(failures.begin());
    failures.push_back(std::move(f));
}

/// The action in `in_flight` that `o` answers, or end(): same request id and kind. O(actions).
[[nodiscard]] inline std::vector<action>::const_iterator answered_request(const std::vector<action>& in_flight,
                                                                          const outcome& o) noexcept {
    const std::uint64_t id = request_id_of(o.request);
    const auto it = std::find_if(in_flight.begin(), in_flight.end(), [id](const action& a) { return request_id_of(a) == id; });
    return it == in_flight.end() || it->index() != o.request.index() ? in_flight.end() : it;
}

/// apply() once `o` is known to answer an action in flight (answered_request) and the
/// cooldown is drained: a grant adds the ENI / CIDRs to `lanes` and tells the growth
/// `policy` (clearing `failures`), a refused growth request is recorded (record_refusal), a
/// release or detach ends (end_shrink); the action then leaves `in_flight`. O(CIDRs + ENIs).
/// Errors (nothing changes, the action stays in flight): those of add_eni and add_cidrs.
template <class Policy, class Warm, class Config, class Lanes>
[[nodiscard]] result<void> apply_outcome(Policy& policy, const Warm& warm, const Config& cfg, Lanes& lanes,
                                         std::vector<action>& in_flight, std::vector<growth_failure>& failures,
                                         const outcome& o, timestamp t) {
    const action planned = *answered_request(in_flight, o);
    if (!o.response) {
        if (auto* at = std::get_if<attach_eni>(&planned)) {
            record_refusal(policy, warm, failures, {std::string(), at->mode, at->count, o.response.error().code(), t});
        } else if (auto* as = std::get_if<assign_to_eni>(&planned)) {
            record_refusal(policy, warm, failures, {as->eni_id, as->mode, as->count, o.response.error().code(), t});
        } else {
            end_shrink(lanes, in_flight, planned, t, false);
        }
    } else if (auto* at = std::get_if<attach_eni>(&planned)) {
        const grant& g = *o.response;
        eni_spec spec{g.eni_id, g.device_index != 0 ? g.device_index : at->device_index,
                      at->network_card, g.subnet, g.primary_ip, g.cidrs, {}};
        if (auto ok = add_eni(lanes, cfg, spec, t); !ok) return ok;
        policy.on_grant(t, at->mode);
        failures.clear();
    } else if (auto* as = std::get_if<assign_to_eni>(&planned)) {
        if (auto ok = add_cidrs(lanes, as->eni_id, o.response->cidrs, t); !ok) return ok;
        policy.on_grant(t, as->mode);
        failures.clear();
    } else {
        end_shrink(lanes, in_flight, planned, t, true);
    }
    const std::uint64_t id = request_id_of(planned);
    in_flight.erase(std::find_if(in_flight.begin(), in_flight.end(), [id](const action& a) { return request_id_of(a) == id; }));
    return success();
}

} // namespace enipool::detail
