// enipool/registry.hpp: compile-time lists of named types (growth policies, warm strategies,
// packings) and what is derived from them: names, run-time dispatch by index or name,
// parsing with an error that names every choice, variants over the members.
//
// A member is any type with `static constexpr std::string_view name` (its CLI spelling) and
// `description` (one phrase for help texts). The lists themselves live beside their members
// (policy.hpp, packing.hpp); a test or a program may build its own, longer list.
#pragma once

#include <enipool/error.hpp>

#include <fmt/format.h>

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace enipool {

/// A compile-time list of types.
template <class... Ts>
struct type_list {
    static constexpr std::size_t size = sizeof...(Ts);
};

/// What a registry member carries: its name and a one-phrase description.
template <class T>
concept named_type = requires {
    { T::name } -> std::convertible_to<std::string_view>;
    { T::description } -> std::convertible_to<std::string_view>;
};

namespace detail {

template <std::size_t I, class List>
struct type_at;
template <std::size_t I, class T, class... Ts>
struct type_at<I, type_list<T, Ts...>> : type_at<I - 1, type_list<Ts...>> {};
template <class T, class... Ts>
struct type_at<0, type_list<T, Ts...>> {
    using type = T;
};

template <class... Lists>
struct concat;
template <>
struct concat<> {
    using type = type_list<>;
};
template <class... As>
struct concat<type_list<As...>> {
    using type = type_list<As...>;
};
template <class... As, class... Bs, class... Rest>
struct concat<type_list<As...>, type_list<Bs...>, Rest...> : concat<type_list<As..., Bs...>, Rest...> {};

template <class List>
struct variant_of;
template <class... Ts>
struct variant_of<type_list<Ts...>> {
    using type = std::variant<Ts...>;
};

template <class List>
struct configs_of;
template <class... Ts>
struct configs_of<type_list<Ts...>> {
    using type = type_list<typename Ts::config...>;
};

template <class List, template <class, class> class Pair, class Rights>
struct product;
template <class... Ls, template <class, class> class Pair, class... Rs>
struct product<type_list<Ls...>, Pair, type_list<Rs...>> {
    template <class L>
    using row = type_list<Pair<L, Rs>...>;
    using type = typename concat<row<Ls>...>::type;
};

template <class T, class... Ts>
inline constexpr std::size_t count_of = (std::size_t{std::is_same_v<T, Ts>} + ... + 0);

} // namespace detail

/// The I-th type of `List`.
template <class List, std::size_t I>
using type_at = typename detail::type_at<I, List>::type;

namespace detail {
template <class T, class List>
struct contains;
template <class T, class... Ts>
struct contains<T, type_list<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};
} // namespace detail

/// True when `T` is a member of `List`. Compile time.
template <class List, class T>
inline constexpr bool contains_v = detail::contains<T, List>::value;

/// `List` followed by `More...` (a longer list for a test or a program).
template <class List, class... More>
using extend = typename detail::concat<List, type_list<More...>>::type;

/// `std::variant` of the members of `List`.
template <class List>
using variant_of = typename detail::variant_of<List>::type;

/// The list of the members' nested `config` types, in the same order.
template <class List>
using configs_of = typename detail::configs_of<List>::type;

/// `type_list<Pair<L, R>...>` for every L of `Left` and R of `Right`, Left-major.
template <class Left, template <class, class> class Pair, class Right>
using product_of = typename detail::product<Left, Pair, Right>::type;

/// The members' names in list order. Compile time; no errors.
template <class... Ts>
constexpr std::array<std::string_view, sizeof...(Ts)> names_of(type_list<Ts...> = {}) noexcept {
    static_assert((named_type<Ts> && ...), "registry: every member needs `static constexpr std::string_view name` and `description`");
    return {std::string_view(Ts::name)...};
}

/// True when every name in `List` is different (two members with one name could not be
/// told apart on a command line). Compile time.
template <class List>
constexpr bool names_unique() noexcept {
    constexpr auto names = names_of(List{});
    for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = i + 1; j < names.size(); ++j)
            if (names[i] == names[j]) return false;
    return true;
}

/// True when the types of `List` are pairwise different. Compile time.
template <class... Ts>
constexpr bool types_unique(type_list<Ts...> = {}) noexcept {
    return ((detail::count_of<Ts, Ts...> == 1) && ...);
}

/// The names of `List` joined: `a, b or c` with `sep` = ", " and `last` = " or ". O(names).
template <class List>
[[nodiscard]] std::string join_names(std::string_view sep, std::string_view last) {
    constexpr auto names = names_of(List{});
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) out += i + 1 == names.size() ? last : sep;
        out += names[i];
    }
    return out;
}

/// Index of `name` in `List`. O(members). Errors: `malformed_config`, "unknown <what> 'x'
/// (expected a, b or c)".
template <class List>
[[nodiscard]] result<std::size_t> index_of_name(std::string_view name, std::string_view what) {
    constexpr auto names = names_of(List{});
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return i;
    return error(errc::malformed_config,
                 fmt::format("unknown {} '{}' (expected {})", what, name, join_names<List>(", ", " or ")));
}

/// Calls `f.template operator()<type_at<List, i>>()` and returns its result: the member at
/// run-time index `i` as a compile-time type. `i` must be below `List::size` (check with
/// index_of_name or the caller's own bound). O(1) (one jump through a table of calls).
template <class List, class F>
decltype(auto) visit_index(std::size_t i, F&& f) {
    return [&]<std::size_t... Is>(std::index_sequence<Is...>) -> decltype(auto) {
        using R = decltype(f.template operator()<type_at<List, 0>>());
        using call = R (*)(F&);
        constexpr call table[] = {[](F& g) -> R { return g.template operator()<type_at<List, Is>>(); }...};
        return table[i](f);
    }(std::make_index_sequence<List::size>{});
}

/// Calls `f.template operator()<T>()` for every member T of `List`, in order. O(members).
template <class... Ts, class F>
void for_each_type(type_list<Ts...>, F&& f) {
    (f.template operator()<Ts>(), ...);
}

} // namespace enipool
