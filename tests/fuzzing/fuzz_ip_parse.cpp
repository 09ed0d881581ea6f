// Fuzz target ip_parse: the whole input as text through every IP parser of ip.hpp. A parse
// that succeeds must format back to text that parses to the same value (for IPv4 to exactly
// the input: the parser accepts only canonical dotted quads); a parse that fails must say
// why (an errc of the parser's own kind and a non-empty detail). Anything else aborts.
#include <enipool/ip.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

namespace {

void fail(const char* what, std::string_view input) {
    std::fprintf(stderr, "fuzz_ip_parse: %s for input '%.*s'\n", what,
                 static_cast<int>(input.size()), input.data());
    std::abort();
}

template <class R>
void expect_explained(const R& r, std::string_view input, std::initializer_list<enipool::errc> kinds) {
    bool known = false;
    for (const auto k : kinds) known = known || r.error().code() == k;
    if (!known) fail("unexpected error kind", input);
    if (r.error().detail().empty()) fail("error without a detail", input);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    using enipool::errc;

    if (auto a = enipool::ipv4_address::parse(text)) {
        if (a->to_string() != text) fail("ipv4_address does not format back to its input", text);
    } else {
        expect_explained(a, text, {errc::invalid_address});
    }

    if (auto iface = enipool::ipv4_prefix::parse_interface(text)) {
        if (iface->length > 32) fail("interface prefix length above 32", text);
        if (iface->address.to_string() + "/" + std::to_string(iface->length) != text)
            fail("ipv4 interface address does not format back to its input", text);
    } else {
        expect_explained(iface, text, {errc::invalid_address, errc::invalid_prefix});
    }

    if (auto p = enipool::ipv4_prefix::parse(text)) {
        if (p->to_string() != text) fail("ipv4_prefix does not format back to its input", text);
        if (!p->contains(p->first()) || !p->contains(p->last())) fail("prefix misses its ends", text);
        if (p->last().to_uint() - p->first().to_uint() + std::uint64_t{1} != p->size())
            fail("prefix size disagrees with its ends", text);
        if (!enipool::ipv4_prefix::is_aligned(p->base(), p->length())) fail("unaligned prefix", text);
    } else {
        expect_explained(p, text, {errc::invalid_address, errc::invalid_prefix, errc::prefix_not_aligned});
    }

    if (auto a6 = enipool::ipv6_address::parse(text)) {
        const std::string canonical = a6->to_string();
        auto again = enipool::ipv6_address::parse(canonical);
        if (!again || *again != *a6) fail("ipv6 canonical text does not parse back", text);
        if (again->to_string() != canonical) fail("ipv6 canonical text is not stable", text);
    } else {
        expect_explained(a6, text, {errc::invalid_address});
    }

    if (auto p6 = enipool::ipv6_prefix::parse(text)) {
        if (!p6->contains(p6->base())) fail("ipv6 prefix misses its base", text);
        auto again = enipool::ipv6_prefix::parse(p6->to_string());
        if (!again || *again != *p6) fail("ipv6 prefix text does not parse back", text);
    } else {
        expect_explained(p6, text, {errc::invalid_address, errc::invalid_prefix, errc::prefix_not_aligned});
    }
    return 0;
}
