// fuzz_support.hpp: what the fuzz targets share: abort with a message on a broken promise,
// the input as text, and the checks every parser rejection must pass.
#pragma once

#include <enipool/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string_view>

namespace fuzz {

/// Reports a broken promise and aborts (libFuzzer keeps the input as a crash).
[[noreturn]] inline void fail(const char* target, const char* what, std::string_view detail = {}) {
    std::fprintf(stderr, "fuzz_%s: %s %.*s\n", target, what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

/// The fuzzer's bytes as text.
[[nodiscard]] inline std::string_view text_of(const std::uint8_t* data, std::size_t size) noexcept {
    return {reinterpret_cast<const char*>(data), size};
}

/// A rejection must be one of the reader's kinds and say why.
inline void expect_rejection(const char* target, const enipool::error& e, std::initializer_list<enipool::errc> kinds) {
    bool known = false;
    for (const auto k : kinds) known = known || e.code() == k;
    if (!known) fail(target, "unexpected error kind:", e.message());
    if (e.detail().empty()) fail(target, "error without a detail:", e.message());
}

/// An accepted catalog holds only types with real limits (`Validate`, `Check` are
/// enipool::validate and enipool::detail::check_catalog_row), each filed under its own name.
template <class Catalog, class Validate, class Check>
void expect_sound_catalog(const char* target, const Catalog& c, Validate validate, Check check_row) {
    for (const auto& [name, t] : c) {
        if (!validate(t)) fail(target, "accepted invalid limits:", name);
        if (check_row(t)) fail(target, "accepted a type the checks refuse:", name);
        if (t.name != name || c.find(name) != &t) fail(target, "a type is not found by its name:", name);
    }
}

} // namespace fuzz
