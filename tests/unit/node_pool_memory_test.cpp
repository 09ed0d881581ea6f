// node_pool memory: an m5.large pool in prefix mode without pods must fit in 4 KiB
// (sizeof plus every heap byte it holds, counted by replacing global operator new).
#include "pool_test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define ENIPOOL_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ENIPOOL_TEST_ASAN 1
#endif
#endif

// AddressSanitizer owns operator new (memory from its allocator reaches ours): the count is
// taken in the ordinary builds only.
#ifndef ENIPOOL_TEST_ASAN
namespace {
std::size_t live_bytes = 0;  // heap bytes currently allocated through operator new

void* counted_alloc(std::size_t n) {
    // A 16-byte header remembers the size, so that unsized delete can count too.
    auto* p = static_cast<unsigned char*>(std::malloc(n + 16));
    if (!p) throw std::bad_alloc();
    *reinterpret_cast<std::size_t*>(p) = n;
    live_bytes += n;
    return p + 16;
}
void counted_free(void* q) noexcept {
    if (!q) return;
    auto* p = static_cast<unsigned char*>(q) - 16;
    live_bytes -= *reinterpret_cast<std::size_t*>(p);
    std::free(p);
}
} // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
#endif

namespace {

using namespace pool_test;
using namespace enipool;
using pool_t = node_pool<prefix_first, vpc_cni_warm, enipool::pod_key<std::uint64_t>, enipool::clock<manual_clock>>;

// Bytes held by a pool built by `build` (the object itself plus its heap), measured while it lives.
#ifndef ENIPOOL_TEST_ASAN
template <class Build>
std::size_t footprint(Build build) {
    const std::size_t before = live_bytes;
    auto pool = std::make_unique<pool_t>(build());
    const std::size_t heap = live_bytes - before;  // includes the pool object itself
    return heap;
}
#endif

} // namespace

TEST_CASE("an m5.large pool in prefix mode without pods fits in 4 KiB", "[node_pool][memory]") {
#ifdef ENIPOOL_TEST_ASAN
    SUCCEED("not measured under AddressSanitizer (it replaces operator new)");
#else
    manual_clock clk;
    pool_t::config cfg;
    cfg.type = m5_large();
    // Measured twice: right after create (no ENI), and holding all 3 ENIs x 9 prefixes
    // (432 addresses), the largest an m5.large gets in prefix mode.
    const std::size_t empty = footprint([&] { return pool_t::create(cfg, clk).value(); });
    const std::size_t full = footprint([&] {
        auto p = pool_t::create(cfg, clk).value();
        std::uint32_t block = 0;
        for (unsigned e = 0; e < 3; ++e) {
            std::vector<ipv4_prefix> cidrs;
            for (unsigned s = 0; s < 9; ++s) cidrs.push_back(ipv4_prefix::truncate(ipv4_address(0x0A000000u + 16 * block++), 28));
            auto spec = eni_in_test_subnet("eni-0123456789abcdef" + std::to_string(e), e, cidrs);
            if (!p.add_eni(spec)) throw std::runtime_error("add_eni failed");
        }
        return p;
    });
    std::printf("node_pool memory (m5.large, prefix mode, integer keys, no pods): sizeof %zu B; "
                "after create %zu B; with 3 ENIs x 9 prefixes %zu B\n",
                sizeof(pool_t), empty, full);
    CHECK(empty >= sizeof(pool_t));
    CHECK(full > empty);
    CHECK(full <= 4096);
#endif
}
