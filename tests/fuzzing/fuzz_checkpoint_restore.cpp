// Fuzz target checkpoint_restore: the whole input as an `enipool/1` checkpoint
// (enipool/json/checkpoint.hpp), restored into empty pools of both key types (the node of the
// unit tests: 3 ENIs x 10 IPv4). A rejection is checkpoint_version / checkpoint_invalid
// with a detail and leaves the pool empty and consistent; an accepted file gives a pool
// that passes check() and whose own checkpoint restores to the same document. The same text
// is adopted (adopt_checkpoint) into a pool with one ENI of its own: refused -> unchanged,
// accepted -> check() and the adopted count. No exception may escape. Anything else aborts.
#include "../support/pool_test_support.hpp"  // m5_large()
#include "fuzz_support.hpp"

#include <enipool/json/checkpoint.hpp>

#include <chrono>

namespace {

using namespace std::chrono_literals;

template <class Key>
using pool_of = enipool::node_pool<enipool::prefix_first, enipool::vpc_cni_warm, enipool::pod_key<Key>,
                                   enipool::clock<enipool::manual_clock>>;

const enipool::wall_clock::time_point wall_now{std::chrono::seconds(1767225600)};

template <class Pool>
Pool empty_pool(enipool::manual_clock& clk) {
    typename Pool::config cfg;
    cfg.type = pool_test::m5_large();
    auto p = Pool::create(cfg, clk);
    if (!p) fuzz::fail("checkpoint_restore", "cannot build the pool:", p.error().message());
    return std::move(*p);
}

template <class Pool>
void run(std::string_view text) {
    enipool::manual_clock clk;
    clk.advance(1000s);
    Pool p = empty_pool<Pool>(clk);
    const auto r = enipool::restore_checkpoint(p, text, wall_now);
    if (!r) {
        fuzz::expect_rejection("checkpoint_restore", r.error(),
                               {enipool::errc::checkpoint_version, enipool::errc::checkpoint_invalid});
        if (!p.allocations().empty() || !p.cooling().empty() || !p.enis().empty())
            fuzz::fail("checkpoint_restore", "a rejected file changed the pool:", r.error().message());
        return;
    }
    if (auto ok = p.check(); !ok) fuzz::fail("checkpoint_restore", "restored pool broken:", ok.error().message());
    const auto doc = enipool::to_json(p, wall_now);
    Pool q = empty_pool<Pool>(clk);
    if (auto again = enipool::restore_checkpoint(q, doc, wall_now); !again)
        fuzz::fail("checkpoint_restore", "the pool's own checkpoint is refused:", again.error().message());
    if (enipool::to_json(q, wall_now) != doc) fuzz::fail("checkpoint_restore", "save -> restore -> save differs");
}

// adopt_checkpoint into a pool that holds one ENI of its own (100.64.1.0/28 + 100.64.0.11).
template <class Pool>
void adopt(std::string_view text) {
    enipool::manual_clock clk;
    clk.advance(1000s);
    Pool p = empty_pool<Pool>(clk);
    const auto subnet = enipool::ipv4_prefix::parse("100.64.0.0/16").value();
    if (!p.add_eni(enipool::eni_spec{"eni-a", 0, 0, subnet, enipool::ipv4_address(100, 64, 0, 10),
                                     {enipool::ipv4_prefix::parse("100.64.1.0/28").value(),
                                      enipool::ipv4_prefix::parse("100.64.0.11/32").value()},
                                     {}}))
        fuzz::fail("checkpoint_restore", "cannot add the ENI");
    const auto before = enipool::to_json(p, wall_now);
    const auto r = enipool::adopt_checkpoint(p, text, wall_now);
    if (!r) {
        fuzz::expect_rejection("checkpoint_restore", r.error(),
                               {enipool::errc::checkpoint_version, enipool::errc::checkpoint_invalid});
        if (enipool::to_json(p, wall_now) != before) fuzz::fail("checkpoint_restore", "a refused adoption changed the pool");
        return;
    }
    if (auto ok = p.check(); !ok) fuzz::fail("checkpoint_restore", "pool broken after adoption:", ok.error().message());
    // A key listed twice holds both addresses: one in the pod table, one further.
    if (p.allocations().size() + p.extra_holdings().size() != r->adopted)
        fuzz::fail("checkpoint_restore", "adopted count differs from the addresses held");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::text_of(data, size);
    run<pool_of<enipool::cni_key>>(text);
    run<pool_of<std::uint64_t>>(text);
    adopt<pool_of<enipool::cni_key>>(text);
    return 0;
}
