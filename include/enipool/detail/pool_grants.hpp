// enipool/detail/pool_grants.hpp: how a node pool takes capacity in (internal): an ENI
// (add_eni, or an attach EC2 granted) and CIDRs on a known ENI (add_cidrs, or an assign
// EC2 granted), each validated all or nothing before anything changes.
//
// The functions work on the pool's ENIs with their indexes (detail::eni_lanes) and read its
// config; none of this is on the hand-out path.
#pragma once

#include <enipool/detail/card_limits.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/node_pool_types.hpp>

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enipool::detail {

/// Adds the ENI `spec` describes to `lanes`, on the card of the pool configured by `cfg`
/// (node_pool::add_eni states the contract). O(CIDRs + ENIs). Errors: `conflicting_grant`
/// (no id, another card than the pool's, or what eni_lanes::add refuses), `duplicate_eni`,
/// `eni_limit_reached`, `slot_limit_reached`; nothing changes on error.
template <class Lanes, class Config>
[[nodiscard]] result<void> add_eni(Lanes& lanes, const Config& cfg, const eni_spec& spec, timestamp t) {
    if (spec.id.empty()) return error(errc::conflicting_grant, "the ENI has no id");
    const unsigned card = home_card(cfg.type, cfg.network_card);
    if (spec.network_card != card)
        return error(errc::conflicting_grant, fmt::format("{} is on network card {}; this pool is card {}'s datastore",
                                                          spec.id, spec.network_card, card));
    const bool primary = is_primary(spec.device_index, spec.network_card, cfg.type);
    return lanes.add(spec, serves_pods(spec.flags, primary, cfg.budget), card_limit(cfg.type, spec.network_card),
                     cfg.type.slots_per_eni(), t);
}

/// Grants `cidrs` to the ENI `eni_id` of `lanes` (node_pool::add_cidrs states the contract).
/// All or nothing. O(CIDRs + ENIs). Errors: `unknown_eni`, `slot_limit_reached`,
/// `conflicting_grant`.
template <class Lanes>
[[nodiscard]] result<void> add_cidrs(Lanes& lanes, std::string_view eni_id, const std::vector<ipv4_prefix>& cidrs,
                                     timestamp t) {
    const auto index = lanes.index_of(eni_id);
    if (!index) return error(errc::unknown_eni, std::string(eni_id));
    const auto e = static_cast<unsigned>(*index);
    const eni& x = lanes[e];
    if (cidrs.size() > x.slot_count() - x.slots_used())
        return error(errc::slot_limit_reached, fmt::format("{} CIDRs for {} free slots on {}", cidrs.size(),
                                                           x.slot_count() - x.slots_used(), eni_id));
    if (auto ok = lanes.cidrs().validate(x.subnet(), cidrs, std::nullopt); !ok) return ok;
    lanes.add_cidrs(e, cidrs, t);
    return success();
}

} // namespace enipool::detail
