// node_pool: worked examples with expectations derived by hand: cooldown, idempotent
// assign, reclaim, the order of each packing, fullest_prefix emptying prefixes, plan/apply,
// and every errc the pool returns (each also checks that nothing changed).
#include "pool_test_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

namespace {

using namespace pool_test;
using namespace enipool;

template <class Packing = lowest_lane, class Policy = toy_prefix_first, class Key = std::uint64_t>
using pool_of = node_pool<Policy, scripted_warm, enipool::pod_key<Key>, enipool::packing<Packing>,
                          enipool::clock<manual_clock>>;

template <class Pool>
Pool make_pool(manual_clock& clk, typename Pool::config cfg = {}) {
    if (cfg.type.name.empty()) cfg.type = m5_large();
    auto p = Pool::create(cfg, clk);
    REQUIRE(p.has_value());
    return std::move(*p);
}

// Everything observable, for before/after comparisons of failed operations.
template <class Pool>
struct observed {
    pool_stats stats;
    std::vector<std::pair<typename Pool::key_type, ipv4_address>> allocations;
    std::vector<ipv4_address> cooling;
    pool_view view;
    bool operator==(const observed&) const = default;
    explicit observed(Pool& p) : stats(p.stats()), view(p.view()) {
        for (const auto& [k, a] : p.allocations()) allocations.emplace_back(k, a.address);
        std::sort(allocations.begin(), allocations.end());
        for (const auto& c : p.cooling()) cooling.push_back(c.address);
    }
};

template <class Pool, class F>
void fails_without_change(Pool& p, errc expected, F&& op) {
    const observed<Pool> before(p);
    const auto r = op();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == expected);
    const observed<Pool> after(p);
    CHECK(before == after);
    REQUIRE(p.check().has_value());
}

std::uint64_t k(std::uint64_t i) { return i; }

} // namespace

TEST_CASE("a released address is not reused before the cooldown ends, and is after", "[node_pool]") {
    manual_clock clk;
    auto p = make_pool<pool_of<>>(clk);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    // Lowest lane: the first pod gets lane 0 = 10.0.0.0.
    CHECK(p.assign(k(1)).value() == addr("10.0.0.0"));
    CHECK(p.release(k(1)).value() == addr("10.0.0.0"));  // t = 0: cools until t = 30 s
    // Lane 0 cools, so the next pod gets lane 1.
    CHECK(p.assign(k(2)).value() == addr("10.0.0.1"));
    clk.advance(29s);
    CHECK(p.release(k(2)).value() == addr("10.0.0.1"));  // t = 29 s: cools until 59 s
    CHECK(p.assign(k(3)).value() == addr("10.0.0.2"));   // 10.0.0.0 still cools (29 < 30)
    auto s = p.stats();
    CHECK(s.cooling == 2);
    CHECK(s.assigned == 1);
    CHECK(s.free == 13);  // 16 - 1 assigned - 2 cooling
    clk.advance(1s);      // t = 30 s: 10.0.0.0 cools through its last instant (ipamd's <=)
    CHECK(p.assign(k(4)).value() == addr("10.0.0.3"));
    clk.advance(1ns);     // past 30 s: 10.0.0.0's period has ended, 10.0.0.1's has not
    CHECK(p.assign(k(6)).value() == addr("10.0.0.0"));
    CHECK(p.assign(k(5)).value() == addr("10.0.0.4"));
    s = p.stats();
    CHECK(s.cooling == 1);
    REQUIRE(p.check().has_value());
}

TEST_CASE("a zero cooldown frees at once", "[node_pool]") {
    manual_clock clk;
    pool_of<>::config cfg;
    cfg.type = m5_large();
    cfg.cooldown = 0s;
    auto p = make_pool<pool_of<>>(clk, cfg);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    CHECK(p.assign(k(1)).value() == addr("10.0.0.0"));
    CHECK(p.release(k(1)).has_value());
    CHECK(p.assign(k(2)).value() == addr("10.0.0.0"));
    CHECK(p.stats().cooling == 0);
}

TEST_CASE("assign is idempotent: the same key gets the same address", "[node_pool]") {
    manual_clock clk;
    auto p = make_pool<pool_of<lowest_lane, toy_prefix_first, cni_key>>(clk);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    const auto key = cni_key::make("aws-cni", std::string(64, 'a'), "eth0").value();
    const auto first = p.assign(key, pod_metadata{"default", "web-1"}).value();
    CHECK(p.assign(key).value() == first);
    CHECK(p.stats().assigned == 1);
    REQUIRE(p.find(key) != nullptr);
    CHECK(p.find(key)->metadata == pod_metadata{"default", "web-1"});  // kept from the first assign
    CHECK(p.assign_specific(key, first).value() == first);            // idempotent too
}

TEST_CASE("a pod filed where a released pod was gets its own metadata, none included", "[node_pool]") {
    // The pod table reuses the released pod's slab position, metadata and all; assign
    // copies metadata only when it differs, so each case below must overwrite or keep it.
    manual_clock clk;
    auto p = make_pool<pool_of<lowest_lane, toy_prefix_first, cni_key>>(clk);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    const auto key = [](char c) { return cni_key::make("aws-cni", std::string(64, c), "eth0").value(); };
    REQUIRE(p.assign(key('a'), pod_metadata{"default", "web-1"}).has_value());
    REQUIRE(p.release(key('a')).has_value());
    REQUIRE(p.assign(key('b')).has_value());  // no metadata: must not inherit web-1's
    CHECK(p.find(key('b'))->metadata == pod_metadata{});
    REQUIRE(p.release(key('b')).has_value());
    REQUIRE(p.assign(key('c'), pod_metadata{"kube-system", "coredns-1"}).has_value());
    CHECK(p.find(key('c'))->metadata == pod_metadata{"kube-system", "coredns-1"});
    REQUIRE(p.release(key('c')).has_value());
    REQUIRE(p.assign(key('d'), pod_metadata{"kube-system", "coredns-1"}).has_value());  // equal: kept
    CHECK(p.find(key('d'))->metadata == pod_metadata{"kube-system", "coredns-1"});
    CHECK(p.check().has_value());
}

TEST_CASE("reclaim_cooling_when_exhausted takes the oldest cooling address", "[node_pool]") {
    manual_clock clk;
    for (const bool reclaim : {false, true}) {
        pool_of<>::config cfg;
        cfg.type = m5_large();
        cfg.reclaim_cooling_when_exhausted = reclaim;
        auto p = make_pool<pool_of<>>(clk, cfg);
        // Two secondary IPs: .7 in slot 0, .9 in slot 1.
        REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.7/32"), cidr("10.0.0.9/32")})).has_value());
        CHECK(p.assign(k(1)).value() == addr("10.0.0.7"));
        CHECK(p.assign(k(2)).value() == addr("10.0.0.9"));
        CHECK(p.release(k(2)).has_value());  // .9 cools first (oldest)
        clk.advance(1s);
        CHECK(p.release(k(1)).has_value());  // then .7
        if (!reclaim) {
            fails_without_change(p, errc::no_available_addresses, [&] { return p.assign(k(3)); });
        } else {
            CHECK(p.assign(k(3)).value() == addr("10.0.0.9"));  // the oldest cooling one
            CHECK(p.stats().cooling == 1);
        }
        REQUIRE(p.check().has_value());
    }
}

TEST_CASE("lowest_lane fills slots in slot order", "[node_pool][packing]") {
    manual_clock clk;
    auto p = make_pool<pool_of<lowest_lane>>(clk);
    // Slot 0 holds 10.0.0.16/28, slot 1 10.0.0.0/28: lanes 0..15 are .16...31, 16..31 are .0...15.
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.16/28"), cidr("10.0.0.0/28")})).has_value());
    for (std::uint32_t i = 0; i < 16; ++i) CHECK(p.assign(k(i)).value() == ipv4_address(0x0A000010u + i));
    CHECK(p.assign(k(16)).value() == addr("10.0.0.0"));
    // A second ENI comes after the first one's free lanes.
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.0.1.0/28")})).has_value());
    CHECK(p.assign(k(17)).value() == addr("10.0.0.1"));
}

TEST_CASE("fullest_prefix assigns from the prefix with the fewest free lanes", "[node_pool][packing]") {
    manual_clock clk;
    pool_of<fullest_prefix>::config cfg;
    cfg.type = m5_large();
    cfg.cooldown = 0s;
    auto p = make_pool<pool_of<fullest_prefix>>(clk, cfg);
    // A = 10.0.0.0/28 (slot 0), B = 10.0.0.16/28 (slot 1).
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28"), cidr("10.0.0.16/28")})).has_value());
    // Both have 16 free: tie, lowest slot (A) first. After the first pod A has 15 free, so
    // A stays fullest: the first 16 pods fill A (.0 .. .15), the next 4 go to B (.16 .. .19).
    for (std::uint32_t i = 0; i < 20; ++i) CHECK(p.assign(k(i)).value() == ipv4_address(0x0A000000u + i));
    // Release 4 pods of A (.0 .. .3): A has 4 free, B 12 free; A is fuller.
    for (std::uint64_t i = 0; i < 4; ++i) CHECK(p.release(k(i)).has_value());
    for (std::uint32_t i = 0; i < 4; ++i) CHECK(p.assign(k(100 + i)).value() == ipv4_address(0x0A000000u + i));
    // Now A is full again; releasing B's 4 pods (16..19) empties B as a whole.
    for (std::uint64_t i = 16; i < 20; ++i) CHECK(p.release(k(i)).has_value());
    const auto s = p.stats();
    CHECK(s.wholly_free_prefixes == 1);
    CHECK(s.assigned == 16);
    // A secondary IP (one lane) is always fullest: it goes first among non-full slots.
    REQUIRE(p.add_cidrs("eni-0", {cidr("10.0.0.40/32")}).has_value());
    CHECK(p.assign(k(200)).value() == addr("10.0.0.40"));
    REQUIRE(p.check().has_value());
}

namespace {
// Churn: 40 pods on 4 prefixes of one ENI, release every odd-numbered pod, start 20 new ones.
template <class P>
unsigned wholly_free_after_churn(manual_clock& clk) {
    typename P::config cfg;
    cfg.type = m5_large();
    cfg.cooldown = 0s;
    auto p = make_pool<P>(clk, cfg);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28"), cidr("10.0.0.16/28"),
                                                       cidr("10.0.0.32/28"), cidr("10.0.0.48/28")}))
                .has_value());
    for (std::uint64_t i = 0; i < 40; ++i) REQUIRE(p.assign(k(i)).has_value());
    for (std::uint64_t i = 1; i < 40; i += 2) REQUIRE(p.release(k(i)).has_value());
    for (std::uint64_t i = 0; i < 20; ++i) REQUIRE(p.assign(k(100 + i)).has_value());
    REQUIRE(p.check().has_value());
    return p.stats().wholly_free_prefixes;
}
} // namespace

TEST_CASE("fullest_prefix keeps a prefix wholly free where spread does not", "[node_pool][packing]") {
    manual_clock clk;
    // fullest_prefix: pods 0-15 fill slot 0, 16-31 slot 1, 32-39 slot 2. Releasing the odd
    // ones leaves 8 free in slots 0 and 1, 12 in slot 2, 16 in slot 3. The 20 new pods go to
    // the fewest-free slots: 8 to slot 0, 8 to slot 1, 4 to slot 2. Slot 3 stays wholly free.
    CHECK(wholly_free_after_churn<pool_of<fullest_prefix>>(clk) == 1);
    // spread: pod i lands in slot i % 4, so the odd pods were all of slots 1 and 3; the 20
    // new pods go round-robin, 5 per slot: no prefix is wholly free.
    CHECK(wholly_free_after_churn<pool_of<spread>>(clk) == 0);
}

TEST_CASE("spread alternates ENIs and slots", "[node_pool][packing]") {
    manual_clock clk;
    auto p = make_pool<pool_of<spread>>(clk);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28"), cidr("10.0.0.16/28")})).has_value());
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.0.1.0/28"), cidr("10.0.1.16/28")})).has_value());
    // ENIs alternate 0, 1, 0, 1...; within an ENI the slot after the last one used, first
    // free lane from its start: slot 0, slot 1, then slot 0 again (lane 1), slot 1 (lane 17).
    const char* expected[] = {"10.0.0.0", "10.0.1.0", "10.0.0.16", "10.0.1.16",
                              "10.0.0.1", "10.0.1.1", "10.0.0.17", "10.0.1.17"};
    std::uint64_t i = 0;
    for (const char* e : expected) CHECK(p.assign(k(i++)).value() == addr(e));
}

TEST_CASE("plan stamps ids, device index and card; apply adds what EC2 granted", "[node_pool][plan]") {
    manual_clock clk;
    auto p = make_pool<pool_of<>>(clk);
    auto queue = p.configuration().warm.queue;
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    queue->push_back(attach_eni{0, address_mode::prefix, 20, 7, 5});  // 20 > 9 slots, bogus index
    const auto actions = p.plan();
    REQUIRE(actions.size() == 1);
    const auto at = std::get<attach_eni>(actions[0]);
    CHECK(at.request_id == 1);
    CHECK(at.count == 9);         // clipped to the 9 slots of an m5.large ENI
    CHECK(at.device_index == 1);  // eni-0 has 0
    CHECK(at.network_card == 0);
    CHECK(p.view().growth_in_flight);
    // No further growth while that one is in flight.
    queue->push_back(assign_to_eni{0, "eni-0", address_mode::prefix, 1});
    CHECK(p.plan().empty());
    grant g{"eni-1", 1, addr("10.0.255.1"), cidr("10.0.0.0/16"), {cidr("10.0.1.0/28"), cidr("10.0.1.16/28")}};
    REQUIRE(p.apply(outcome{actions[0], g}).has_value());
    const auto s = p.stats();
    CHECK(s.total == 48);  // 3 prefixes x 16
    CHECK(s.prefixes == 3);
    CHECK(p.in_flight().empty());
    // Applying the same outcome twice: it is no longer in flight.
    fails_without_change(p, errc::unexpected_outcome, [&] { return p.apply(outcome{actions[0], g}); });
    // A release of a wholly free prefix marks it leaving until EC2 answers.
    queue->push_back(release_from_eni{0, "eni-1", {cidr("10.0.1.16/28"), cidr("10.0.0.0/28")}});
    const auto rel = p.plan();
    REQUIRE(rel.size() == 1);
    CHECK(std::get<release_from_eni>(rel[0]).cidrs == std::vector{cidr("10.0.1.16/28")});  // not eni-0's
    CHECK(p.stats().total == 32);
    REQUIRE(p.apply(outcome{rel[0], error(errc::request_limit_exceeded)}).has_value());
    CHECK(p.stats().total == 48);  // back in service
    REQUIRE(p.check().has_value());
}

// A type like c6in.32xlarge but with unequal cards: the default card 0 takes 3 ENIs, card 1
// takes `card1_enis` (m5.large's 10 IPv4 per ENI). The config of a pool on card 1.
pool_of<>::config card1_config(unsigned card1_enis) {
    pool_of<>::config cfg;
    cfg.type = m5_large();
    cfg.type.name = "test.two-cards";
    cfg.type.network_cards = {{0, 3}, {1, card1_enis}};
    cfg.network_card = 1;
    return cfg;
}

// Queues an attach (bogus device index and card), plans it and grants ENI eni-g<n> with
// 10.0.<n>.0/28. Returns the attach as planned.
attach_eni attach_granted(pool_of<>& p, std::uint8_t n) {
    p.configuration().warm.queue->push_back(attach_eni{0, address_mode::prefix, 1, 7, 5});
    const auto actions = p.plan();
    REQUIRE(actions.size() == 1);
    grant g{fmt::format("eni-g{}", n), 0, ipv4_address(10, 0, 254, n), cidr("10.0.0.0/16"),
            {ipv4_prefix::truncate(ipv4_address(10, 0, n, 0), 28)}};
    REQUIRE(p.apply(outcome{actions[0], g}).has_value());
    return std::get<attach_eni>(actions[0]);
}

TEST_CASE("a card-1 pool attaches on card 1 at the lowest free device index, up to hasRoomForEni's bound",
          "[node_pool][plan][network_card]") {
    manual_clock clk;
    auto cfg = card1_config(4);
    cfg.budget.trunk_eni = true;  // ipamd reserves the trunk on card 0 only (hasRoomForEni)
    auto p = make_pool<pool_of<>>(clk, cfg);
    // hasRoomForEni: c.maxENI = the default card's 3 ENIs (not card 1's 4), no trunk: 3.
    CHECK(p.view().network_card == 1);
    CHECK(p.view().max_enis == 3);
    // One ENI already on card 1 at device index 1; device index 0 of card 1 is free.
    auto first = eni_in_test_subnet("eni-a", 1, {cidr("10.0.0.0/28")});
    first.network_card = 1;
    REQUIRE(p.add_eni(first).has_value());
    CHECK_FALSE(p.view().enis.front().primary);  // the primary ENI is device 0 of card 0
    // An ENI of card 0 belongs to card 0's datastore: refused, naming both cards.
    fails_without_change(p, errc::conflicting_grant, [&] {
        auto r = p.add_eni(eni_in_test_subnet("eni-z", 2, {}));
        if (!r) CHECK_THAT(r.error().message(), Catch::Contains("eni-z is on network card 0; this pool is card 1"));
        return r;
    });
    // Attaches: card 1, device 0 then 2 (the lowest free on card 1), then none: 3 ENIs.
    const auto a1 = attach_granted(p, 1);
    CHECK(a1.network_card == 1);
    CHECK(a1.device_index == 0);
    const auto a2 = attach_granted(p, 2);
    CHECK(a2.network_card == 1);
    CHECK(a2.device_index == 2);
    CHECK(p.view().enis.back().network_card == 1);
    CHECK(p.view().enis.size() == 3);
    p.configuration().warm.queue->push_back(attach_eni{0, address_mode::prefix, 1, 0, 1});
    CHECK(p.plan().empty());  // 3 ENIs serve pods: hasRoomForEni is false
    REQUIRE(p.check().has_value());
}

TEST_CASE("a card-1 pool: MAX_ENI and the card's own limit bound it, an unknown card is refused",
          "[node_pool][network_card]") {
    manual_clock clk;
    auto cfg = card1_config(4);
    cfg.budget.max_enis = 2;  // MAX_ENI caps c.maxENI
    CHECK(make_pool<pool_of<>>(clk, cfg).view().max_enis == 2);
    cfg.budget.max_enis.reset();
    cfg.budget.reserved_enis = 1;  // an unmanaged ENI on card 1 (unmanagedENI[1])
    cfg.budget.custom_networking = true;  // the primary ENI is on card 0: no effect here
    CHECK(make_pool<pool_of<>>(clk, cfg).view().max_enis == 2);
    // Card 1 takes only 2 ENIs: hasRoomForEni says 3, EC2 would refuse the third attach.
    cfg = card1_config(2);
    auto p = make_pool<pool_of<>>(clk, cfg);
    CHECK(p.view().max_enis == 3);
    (void)attach_granted(p, 1);
    (void)attach_granted(p, 2);
    p.configuration().warm.queue->push_back(attach_eni{0, address_mode::prefix, 1, 0, 0});
    CHECK(p.plan().empty());
    // A card the type does not list is no datastore of this node.
    cfg.network_card = 2;
    const auto refused = pool_of<>::create(cfg, clk);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code() == errc::malformed_config);
}

TEST_CASE("a card-0 pool refuses an ENI of card 1, which is card 1's datastore's", "[node_pool][network_card]") {
    manual_clock clk;
    auto cfg = card1_config(4);
    cfg.network_card = 0;
    auto p = make_pool<pool_of<>>(clk, cfg);
    CHECK(p.view().network_card == 0);
    CHECK(p.view().max_enis == 3);
    auto spec = eni_in_test_subnet("eni-1", 0, {});
    spec.network_card = 1;
    fails_without_change(p, errc::conflicting_grant, [&] { return p.add_eni(spec); });
}

TEST_CASE("prefix_first falls back to secondary IPs on insufficient_cidr_blocks", "[node_pool][plan]") {
    manual_clock clk;
    auto p = make_pool<pool_of<>>(clk);
    auto queue = p.configuration().warm.queue;
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {})).has_value());
    queue->push_back(assign_to_eni{0, "eni-0", address_mode::prefix, 1});
    const auto a = p.plan();
    REQUIRE(a.size() == 1);
    REQUIRE(p.apply(outcome{a[0], error(errc::insufficient_cidr_blocks)}).has_value());
    CHECK(p.view().mode == address_mode::secondary);
    clk.advance(120s);
    CHECK(p.view().mode == address_mode::prefix);
}

TEST_CASE("every error of the pool leaves it unchanged", "[node_pool][errors]") {
    manual_clock clk;
    pool_of<>::config cfg;
    cfg.type = m5_large();
    cfg.max_pods = 3;
    auto p = make_pool<pool_of<>>(clk, cfg);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    auto trunk = eni_in_test_subnet("eni-t", 2, {cidr("10.0.2.0/28")});
    trunk.flags.trunk = true;
    REQUIRE(p.add_eni(trunk).has_value());
    REQUIRE(p.assign(k(1)).value() == addr("10.0.0.0"));
    REQUIRE(p.assign(k(2)).value() == addr("10.0.0.1"));
    REQUIRE(p.release(k(2)).has_value());  // .1 cools

    fails_without_change(p, errc::unknown_pod, [&] { return p.release(k(9)); });
    fails_without_change(p, errc::pod_key_conflict, [&] { return p.assign_specific(k(1), addr("10.0.0.5")); });
    fails_without_change(p, errc::address_already_in_datastore, [&] { return p.assign_specific(k(3), addr("10.0.0.0")); });
    fails_without_change(p, errc::address_in_use, [&] { return p.assign_specific(k(3), addr("10.0.0.1")); });
    fails_without_change(p, errc::address_not_in_pool, [&] { return p.assign_specific(k(3), addr("10.0.9.9")); });
    fails_without_change(p, errc::address_not_in_pool, [&] { return p.assign_specific(k(3), addr("10.0.255.0")); });  // primary
    fails_without_change(p, errc::eni_excluded, [&] { return p.assign_specific(k(3), addr("10.0.2.3")); });
    fails_without_change(p, errc::duplicate_eni, [&] { return p.add_eni(eni_in_test_subnet("eni-0", 1, {})); });
    fails_without_change(p, errc::duplicate_eni, [&] { return p.add_eni(eni_in_test_subnet("eni-x", 0, {})); });
    fails_without_change(p, errc::conflicting_grant,
                         [&] { return p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.0.0.0/28")})); });
    fails_without_change(p, errc::conflicting_grant,
                         [&] { return p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.0.0.4/32")})); });
    fails_without_change(p, errc::conflicting_grant,
                         [&] { return p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.1.0.0/28")})); });
    fails_without_change(p, errc::conflicting_grant, [&] {
        return p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.0.3.0/28"), cidr("10.0.3.8/32")}));
    });
    fails_without_change(p, errc::conflicting_grant, [&] { return p.add_cidrs("eni-0", {cidr("10.0.0.0/27")}); });
    std::vector<ipv4_prefix> ten;
    for (std::uint32_t i = 0; i < 10; ++i) ten.push_back(ipv4_prefix::truncate(ipv4_address(0x0A000400u + 16 * i), 28));
    fails_without_change(p, errc::slot_limit_reached, [&] { return p.add_eni(eni_in_test_subnet("eni-1", 1, ten)); });
    fails_without_change(p, errc::slot_limit_reached, [&] { return p.add_cidrs("eni-0", ten); });
    fails_without_change(p, errc::unknown_eni, [&] { return p.add_cidrs("eni-9", {cidr("10.0.5.0/28")}); });
    fails_without_change(p, errc::unknown_eni, [&] { return p.remove_eni("eni-9"); });
    fails_without_change(p, errc::eni_in_use, [&] { return p.remove_eni("eni-0"); });
    fails_without_change(p, errc::unknown_eni, [&] { return p.remove_eni("eni-9", removal::force); });
    fails_without_change(p, errc::eni_in_use, [&] { return p.remove_eni("eni-0", removal::refuse_if_used); });
    fails_without_change(p, errc::unknown_eni,
                         [&] { return p.remove_cidrs("eni-9", {cidr("10.0.0.0/28")}, removal::force); });
    fails_without_change(p, errc::address_not_in_pool,
                         [&] { return p.remove_cidrs("eni-0", {cidr("10.0.7.0/28")}, removal::force); });
    fails_without_change(p, errc::address_in_use,
                         [&] { return p.remove_cidrs("eni-0", {cidr("10.0.0.0/28")}, removal::refuse_if_used); });
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-1", 1, {})).has_value());  // 3 of 3 ENIs now
    fails_without_change(p, errc::eni_limit_reached, [&] { return p.add_eni(eni_in_test_subnet("eni-3", 3, {})); });
    REQUIRE(p.assign(k(3)).has_value());
    REQUIRE(p.assign(k(4)).has_value());
    fails_without_change(p, errc::max_pods_reached, [&] { return p.assign(k(5)); });
    fails_without_change(p, errc::max_pods_reached, [&] { return p.assign_specific(k(5), addr("10.0.0.9")); });
    fails_without_change(p, errc::unexpected_outcome,
                         [&] { return p.apply(outcome{attach_eni{42, address_mode::prefix, 1, 1, 0}, grant{}}); });
    fails_without_change(p, errc::address_in_use, [&] { return p.restore_cooling(addr("10.0.0.0"), timestamp{}); });
    // restore_allocation: held by another pod, cooling, on no CIDR, a new key at max pods
    // (a further address of a held key is not bounded by max pods).
    fails_without_change(p, errc::address_already_in_datastore,
                         [&] { return p.restore_allocation(k(7), addr("10.0.0.0")); });
    fails_without_change(p, errc::address_in_use, [&] { return p.restore_allocation(k(7), addr("10.0.0.1")); });
    fails_without_change(p, errc::address_not_in_pool, [&] { return p.restore_allocation(k(7), addr("10.0.9.9")); });
    fails_without_change(p, errc::max_pods_reached, [&] { return p.restore_allocation(k(7), addr("10.0.0.9")); });
    REQUIRE(p.restore_allocation(k(1), addr("10.0.2.3")).has_value());  // on the trunk, a further address of k(1)
    fails_without_change(p, errc::address_already_in_datastore,
                         [&] { return p.restore_allocation(k(3), addr("10.0.2.3")); });
    CHECK(p.restore_allocation(k(1), addr("10.0.0.0")).value() == addr("10.0.0.0"));  // idempotent
    REQUIRE(p.check().has_value());
}

TEST_CASE("restore_allocation holds what assign_specific refuses, and releases it", "[node_pool][restore]") {
    manual_clock clk;
    auto p = make_pool<pool_of<>>(clk);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    auto excluded = eni_in_test_subnet("eni-x", 1, {cidr("10.0.2.0/28"), cidr("10.0.3.1/32")});
    excluded.flags.excluded = true;
    REQUIRE(p.add_eni(excluded).has_value());
    // Without a pod, an excluded ENI's CIDR may go without force (ipamd's non-forced
    // DelIPv4CidrFromStore checks only for assigned addresses).
    CHECK(p.remove_cidrs("eni-x", {cidr("10.0.3.1/32")}, removal::refuse_if_used).value().empty());
    REQUIRE(p.restore_allocation(k(1), addr("10.0.2.7")).has_value());
    REQUIRE(p.restore_allocation(k(1), addr("10.0.0.4")).has_value());  // a further address
    REQUIRE(p.check().has_value());
    CHECK(p.stats().assigned == 1);  // 10.0.0.4; the excluded ENI's lane is not counted
    CHECK(p.stats().free == 15);
    fails_without_change(p, errc::address_in_use,
                         [&] { return p.remove_cidrs("eni-x", {cidr("10.0.2.0/28")}, removal::refuse_if_used); });
    fails_without_change(p, errc::eni_in_use, [&] { return p.remove_eni("eni-x"); });
    // A forced removal of the excluded ENI takes k(1)'s first address; 10.0.0.4 takes its place.
    const auto gone = p.remove_eni("eni-x", removal::force);
    REQUIRE(gone.has_value());
    CHECK(*gone == std::vector<std::uint64_t>{1});
    CHECK(p.find(k(1))->address == addr("10.0.0.4"));
    CHECK(p.extra_holdings().empty());
    REQUIRE(p.check().has_value());
    CHECK(p.release(k(1)).value() == addr("10.0.0.4"));
    CHECK(p.stats().cooling == 1);
    REQUIRE(p.check().has_value());
}

TEST_CASE("set_excluded takes an ENI out of pod IPs and back, its pods kept", "[node_pool][exclusion]") {
    manual_clock clk;
    auto p = make_pool<pool_of<>>(clk);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.0.1.0/28")})).has_value());
    for (std::uint64_t i = 1; i <= 16; ++i) REQUIRE(p.assign(k(i)).has_value());  // eni-0 full
    REQUIRE(p.assign(k(17)).value() == addr("10.0.1.0"));
    REQUIRE(p.assign(k(18)).value() == addr("10.0.1.1"));
    REQUIRE(p.release(k(18)).has_value());  // 10.0.1.1 cools
    fails_without_change(p, errc::unknown_eni, [&] { return p.set_excluded("eni-9", true); });

    REQUIRE(p.set_excluded("eni-1", true).has_value());
    REQUIRE(p.check().has_value());
    // eni-1 leaves the counts (16 held, 0 free) and its cooling address leaves the cooldown.
    CHECK(p.stats().total == 16);
    CHECK(p.stats().assigned == 16);
    CHECK(p.stats().cooling == 0);
    CHECK(p.find(k(17))->address == addr("10.0.1.0"));
    CHECK(p.assign(k(19)).error().code() == errc::no_available_addresses);
    CHECK(p.set_excluded("eni-1", true).has_value());  // idempotent
    REQUIRE(p.check().has_value());

    SECTION("returned with its pod: the other 15 lanes are free again, the pod's is not") {
        REQUIRE(p.set_excluded("eni-1", false).has_value());
        REQUIRE(p.check().has_value());
        CHECK(p.stats().total == 32);
        CHECK(p.stats().assigned == 17);
        CHECK(p.stats().free == 15);
        CHECK(p.assign(k(19)).value() == addr("10.0.1.1"));  // lowest free lane: not 10.0.1.0
        CHECK(p.release(k(17)).value() == addr("10.0.1.0"));
        CHECK(p.stats().cooling == 1);
        REQUIRE(p.check().has_value());
    }
    SECTION("its pod released while excluded: nothing cools, the ENI can go") {
        CHECK(p.release(k(17)).value() == addr("10.0.1.0"));
        CHECK(p.stats().cooling == 0);
        CHECK(p.remove_eni("eni-1").has_value());
        REQUIRE(p.check().has_value());
    }
}

TEST_CASE("nothing free: no_available_addresses, pool unchanged", "[node_pool][errors]") {
    manual_clock clk;
    auto p = make_pool<pool_of<>>(clk);
    fails_without_change(p, errc::no_available_addresses, [&] { return p.assign(k(1)); });
}

TEST_CASE("create refuses bad configurations", "[node_pool][errors]") {
    manual_clock clk;
    pool_of<>::config cfg;
    cfg.type = m5_large();
    cfg.type.hypervisor = hypervisor_kind::xen;
    auto r = pool_of<>::create(cfg, clk);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::prefix_not_supported);
    // secondary_only is fine on Xen.
    CHECK(pool_of<lowest_lane, toy_secondary_only>::create({cfg.type}, clk).has_value());
    // Bare metal with an unknown hypervisor supports prefixes.
    cfg.type.hypervisor = hypervisor_kind::unknown;
    cfg.type.bare_metal = true;
    CHECK(pool_of<>::create(cfg, clk).has_value());
    cfg.type.ipv4_per_eni = 1;
    CHECK(pool_of<>::create(cfg, clk).error().code() == errc::invalid_instance_limits);
    cfg.type.ipv4_per_eni = 10;
    cfg.cooldown = -1s;
    CHECK(pool_of<>::create(cfg, clk).error().code() == errc::malformed_config);

    // A warm strategy's own check: Cilium's min-allocate above a set max-allocate.
    using cilium_pool = node_pool<enipool::prefix_first, enipool::cilium_watermarks, enipool::pod_key<std::uint64_t>,
                                  enipool::clock<manual_clock>>;
    cilium_pool::config c;
    c.type = m5_large();
    c.warm.min_allocate = 40;
    c.warm.max_allocate = 20;
    auto refused = cilium_pool::create(c, clk);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code() == errc::malformed_config);
    CHECK(refused.error().message().find("min-allocate 40 is above max-allocate 20") != std::string::npos);
    c.warm.max_allocate = 40;  // equal: one size satisfies both
    CHECK(cilium_pool::create(c, clk).has_value());
    c.warm.max_allocate = 0;  // unset: no upper bound
    CHECK(cilium_pool::create(c, clk).has_value());
}

TEST_CASE("CNI keys refuse over-long fields", "[pod_key]") {
    CHECK(cni_key::make("aws-cni", std::string(64, 'f'), "eth0").has_value());
    CHECK(cni_key::make("aws-cni", std::string(65, 'f'), "eth0").error().code() == errc::pod_key_too_long);
    CHECK(cni_key::make("aws-cni", "abc", "0123456789abcdef").error().code() == errc::pod_key_too_long);  // 16 > 15
    CHECK(cni_key::make(std::string(64, 'n'), "abc", "eth0").error().code() == errc::pod_key_too_long);
    const auto a = cni_key::make("net", "c1", "eth0").value();
    const auto b = cni_key::make("net", "c1", "eth1").value();
    CHECK(a != b);
    CHECK(a == cni_key::make("net", "c1", "eth0").value());
}

TEST_CASE("restore: add_eni, assign_specific and restore_cooling rebuild a pool", "[node_pool][restore]") {
    manual_clock clk;
    clk.advance(100s);
    auto p = make_pool<pool_of<>>(clk);
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    REQUIRE(p.assign_specific(k(7), addr("10.0.0.5"), {}, timestamp{40s}).has_value());
    CHECK(p.find(k(7))->assigned_at == timestamp{40s});
    // Out of order on purpose: the FIFO keeps release order.
    REQUIRE(p.restore_cooling(addr("10.0.0.2"), timestamp{90s}).has_value());
    REQUIRE(p.restore_cooling(addr("10.0.0.1"), timestamp{80s}).has_value());
    REQUIRE(p.check().has_value());
    CHECK(p.cooling()[0].address == addr("10.0.0.1"));
    // Now 100 s: .1 cools until 110 s, .2 until 120 s. Lowest lane: .0 is free.
    CHECK(p.assign(k(1)).value() == addr("10.0.0.0"));
    CHECK(p.assign(k(2)).value() == addr("10.0.0.3"));
    clk.advance(10s);  // 110 s: .1 still cools through its last instant
    CHECK(p.assign(k(3)).value() == addr("10.0.0.4"));
    clk.advance(1ns);  // past 110 s: .1 is free again
    CHECK(p.assign(k(4)).value() == addr("10.0.0.1"));
}

TEST_CASE("forced removal: pods lose their addresses, cooling goes, in-flight actions are forgotten",
          "[node_pool][removal]") {
    manual_clock clk;
    auto p = make_pool<pool_of<>>(clk);
    auto queue = p.configuration().warm.queue;
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-0", 0, {cidr("10.0.0.0/28")})).has_value());
    REQUIRE(p.add_eni(eni_in_test_subnet("eni-1", 1, {cidr("10.0.1.0/28"), cidr("10.0.1.16/32")})).has_value());
    for (std::uint64_t i = 0; i < 18; ++i) REQUIRE(p.assign(k(i)).has_value());  // 16 on eni-0, 2 on eni-1
    REQUIRE(p.release(k(17)).has_value());                                      // 10.0.1.1 cools
    queue->push_back(assign_to_eni{0, "eni-1", address_mode::prefix, 1});
    const auto grow = p.plan();
    REQUIRE(grow.size() == 1);
    // The /28 of eni-1, forced: pod 16 (10.0.1.0) loses it, the cooling 10.0.1.1 goes with it.
    const auto evicted = p.remove_cidrs("eni-1", {cidr("10.0.1.0/28")}, removal::force);
    REQUIRE(evicted.has_value());
    CHECK(*evicted == std::vector<std::uint64_t>{16});
    CHECK(p.find(k(16)) == nullptr);
    CHECK(p.cooling().empty());
    CHECK(p.stats().total == 17);  // eni-0's 16 + eni-1's /32
    REQUIRE(p.check().has_value());
    // eni-0 forced: its 16 pods are returned; the assign in flight on eni-1 stays.
    auto gone = p.remove_eni("eni-0", removal::force);
    REQUIRE(gone.has_value());
    CHECK(gone->size() == 16);
    CHECK(p.allocations().empty());
    CHECK(p.in_flight().size() == 1);
    // eni-1 without pods: refuse_if_used removes it, and forgets the assign in flight on it.
    REQUIRE(p.remove_eni("eni-1", removal::refuse_if_used).has_value());
    CHECK(p.in_flight().empty());
    fails_without_change(p, errc::unexpected_outcome, [&] { return p.apply(outcome{grow[0], grant{}}); });
    CHECK(p.stats().total == 0);
    REQUIRE(p.check().has_value());
}
