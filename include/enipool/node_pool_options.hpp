// enipool/node_pool_options.hpp: the options node_pool and ipv6_pool take, in the
// Boost.Intrusive `pack_options` manner: each option is a type that overrides one member of
// `node_pool_defaults`, in any order; the last one given wins.
//
//   pod_key<cni_key | std::uint64_t>               the key pods are filed under (cni_key)
//   packing<lowest_lane | fullest_prefix | spread>  which free lane goes next (lowest_lane)
//   clock<C>                                        time source (enipool::steady_clock)
#pragma once

#include <enipool/clock.hpp>
#include <enipool/packing.hpp>
#include <enipool/pod_key.hpp>

#include <type_traits>

namespace enipool {

/// The defaults every node_pool option overrides: CNI keys, lowest lane, steady clock.
struct node_pool_defaults {
    using key_type = cni_key;
    using packing_type = lowest_lane;
    using clock_type = steady_clock;
};

/// Option: the pod key type (`cni_key` or `std::uint64_t`, or one with `pod_key_traits`).
template <class Key>
struct pod_key {
    template <class Base>
    struct apply : Base {
        using key_type = Key;
    };
};

/// Option: the packing strategy, a member of `enipool::packings` (`lowest_lane`,
/// `fullest_prefix`, `spread`).
template <class Packing>
struct packing {
    static_assert(contains_v<packings, Packing>,
                  "enipool::packing<P>: P must be a packing listed in enipool::packings "
                  "(enipool/packing.hpp): lowest_lane, fullest_prefix, spread");
    template <class Base>
    struct apply : Base {
        using packing_type = Packing;
    };
};

/// Option: the clock type (anything with `now()` returning a std::chrono time_point).
template <class Clock>
struct clock {
    template <class Base>
    struct apply : Base {
        using clock_type = Clock;
    };
};

namespace detail {

template <class T>
struct is_node_pool_option : std::false_type {};
template <class K>
struct is_node_pool_option<pod_key<K>> : std::true_type {};
template <class P>
struct is_node_pool_option<packing<P>> : std::true_type {};
template <class C>
struct is_node_pool_option<clock<C>> : std::true_type {};

/// True for `packing<P>`: the option a pool that does not pick lanes must refuse.
template <class T>
struct is_packing_option : std::false_type {};
template <class P>
struct is_packing_option<packing<P>> : std::true_type {};

/// `Base` with every option's override applied, left to right.
template <class Base, class... Options>
struct apply_options {
    using type = Base;
};
template <class Base, class First, class... Rest>
struct apply_options<Base, First, Rest...> {
    using type = typename apply_options<typename First::template apply<Base>, Rest...>::type;
};

} // namespace detail
} // namespace enipool
