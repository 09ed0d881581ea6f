// enipool/detail/card_limits.hpp: how many ENIs a node pool's network card may hold, and
// which ENIs are the primary and serve pods (internal). Pure functions of the instance
// type and the pool's config.
//
// ipamd keeps one datastore per network card (ENABLE_MULTI_NIC); a pool is one card's. On
// the default card it may serve pods on usable_enis; above it, ipamd's hasRoomForEni
// (ipamd.go L2592-2621): the default card's ENIs capped by MAX_ENI, minus the card's
// unmanaged and excluded ENIs, with no trunk and no custom networking (both are card 0's).
#pragma once

#include <enipool/eni.hpp>
#include <enipool/limits.hpp>

#include <algorithm>

namespace enipool::detail {

/// ENIs card `card` of `type` holds (the type's max_enis for its default card when the
/// type lists no cards). O(cards).
[[nodiscard]] inline unsigned card_limit(const instance_type& type, unsigned card) noexcept {
    for (const network_card& c : type.network_cards)
        if (c.index == card) return c.max_enis;
    return card == type.default_network_card_index ? type.max_enis : 0;
}

/// True for a card that `type` lists with ENIs and that is not its default card. O(cards).
[[nodiscard]] inline bool has_secondary_card(const instance_type& type, unsigned card) noexcept {
    if (card == type.default_network_card_index) return false;
    return std::any_of(type.network_cards.begin(), type.network_cards.end(),
                       [&](const network_card& c) { return c.index == card && c.max_enis != 0; });
}

/// The card a pool's ENIs are on: `configured` (config::network_card), 0 meaning the
/// type's default card. O(1).
[[nodiscard]] inline unsigned home_card(const instance_type& type, unsigned configured) noexcept {
    return configured == 0 ? type.default_network_card_index : configured;
}

/// ENIs the pool's card allows (card 0: the type's max_enis). O(cards).
[[nodiscard]] inline unsigned home_card_limit(const instance_type& type, unsigned configured) noexcept {
    return configured == 0 ? type.max_enis : card_limit(type, configured);
}

/// ENIs that may serve pods (view().max_enis): usable_enis on card 0, hasRoomForEni's
/// count above it. O(cards).
[[nodiscard]] inline unsigned max_serving_enis(const instance_type& type, const eni_budget& budget,
                                               unsigned configured) noexcept {
    if (configured == 0) return usable_enis(type, budget);
    eni_budget b = budget;
    b.trunk_eni = false;
    b.custom_networking = false;
    return usable_enis(type, b);
}

/// True for the primary ENI: device index 0 on the type's default card. O(1).
[[nodiscard]] inline bool is_primary(unsigned device_index, unsigned card, const instance_type& type) noexcept {
    return device_index == 0 && card == type.default_network_card_index;
}

/// Whether an ENI with these flags serves pods: not a trunk, efa-only or excluded ENI, nor
/// the primary under custom networking. O(1).
[[nodiscard]] inline bool serves_pods(const eni_flags& f, bool primary, const eni_budget& budget) noexcept {
    return !f.trunk && !f.efa_only && !f.excluded && !(primary && budget.custom_networking);
}

} // namespace enipool::detail
