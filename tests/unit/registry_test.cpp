// The registries (policy.hpp, packing.hpp): names, parsing and the derived lists, and a toy
// warm strategy registered from this file alone, which then runs in the cluster simulator
// and is accepted by enipool-plan's --warm parser built from the extended list.
#include <enipool/catalog.hpp>
#include <enipool/max_pods.hpp>
#include <enipool/packing.hpp>
#include <enipool/policy.hpp>
#include <enipool/sim/cluster.hpp>

#include "registry_cli.hpp"
#include "scenario.hpp"

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

using namespace std::chrono_literals;
namespace sim = enipool::sim;

namespace {

// A toy warm strategy: Auto Mode's rule with its own knob, and a count of its plans so the
// test can see the simulator really ran it.
struct toy_warm_config {
    unsigned keep = 3;
};

std::uint64_t toy_plans = 0;

class toy_warm {
public:
    using config = toy_warm_config;
    static constexpr std::string_view name = "toy";
    static constexpr std::string_view description = "keeps a few addresses";

    // its own enipool-plan flag: --toy-keep N
    static constexpr std::array<enipool::warm_flag, 1> cli_flags{{{"--toy-keep", "Addresses the toy keeps free"}}};
    static enipool::result<config> from_cli(const enipool::warm_flag_lookup& given, bool) {
        config c;
        if (const auto text = given("--toy-keep")) {
            unsigned v = 0;
            const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
            if (ec != std::errc{} || end != text->data() + text->size())
                return enipool::error(enipool::errc::malformed_config, "--toy-keep: '" + *text + "' is not a count");
            c.keep = v;
        }
        return c;
    }

    explicit toy_warm(const config& c = {}) : inner_(enipool::auto_mode_warm_config{c.keep, std::chrono::seconds{30}}) {}
    [[nodiscard]] std::vector<enipool::action> plan(const enipool::pool_view& v) const {
        ++toy_plans;
        return inner_.plan(v);
    }

private:
    enipool::auto_mode_warm inner_;
};
ENIPOOL_CHECK_WARM_STRATEGY(toy_warm);

// The one line that registers it: the built-in list plus the toy.
using warms_with_toy = enipool::extend<enipool::warm_strategies, toy_warm>;

} // namespace

TEST_CASE("the registries list every built-in type once, by its CLI name", "[registry]") {
    using enipool::names_of;
    constexpr auto policies = names_of(enipool::growth_policies{});
    CHECK(std::vector<std::string_view>(policies.begin(), policies.end()) ==
          std::vector<std::string_view>{"prefix-first", "prefix-only", "secondary-only"});
    constexpr auto warms = names_of(enipool::warm_strategies{});
    CHECK(std::vector<std::string_view>(warms.begin(), warms.end()) ==
          std::vector<std::string_view>{"vpc-cni", "cilium", "auto-mode"});
    constexpr auto packings = names_of(enipool::packings{});
    CHECK(std::vector<std::string_view>(packings.begin(), packings.end()) ==
          std::vector<std::string_view>{"lowest-lane", "fullest-prefix", "spread"});
    // the simulator's pool variant is every policy with every strategy
    STATIC_REQUIRE(std::variant_size_v<sim::any_pool> == 9);
    STATIC_REQUIRE(std::variant_size_v<sim::any_pool_of<warms_with_toy>> == 12);
    STATIC_REQUIRE(std::variant_size_v<sim::warm_config_of<warms_with_toy>> == 4);
}

TEST_CASE("to_string and parse come from the list; an unknown name is an error naming the choices", "[registry]") {
    for (std::size_t i = 0; i < enipool::growth_policies::size; ++i) {
        const auto kind = static_cast<enipool::growth_policy_kind>(i);
        auto back = enipool::parse_growth_policy(enipool::to_string(kind));
        REQUIRE(back.has_value());
        CHECK(*back == kind);
    }
    auto bad = enipool::parse_growth_policy("prefix-last");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().detail() ==
          "unknown growth policy 'prefix-last' (expected prefix-first, prefix-only or secondary-only)");
    auto toy = enipool::index_of_name<warms_with_toy>("toy", "warm strategy");
    REQUIRE(toy.has_value());
    CHECK(*toy == 3);
    auto none = enipool::index_of_name<warms_with_toy>("nope", "warm strategy");
    REQUIRE_FALSE(none.has_value());
    CHECK(none.error().detail() == "unknown warm strategy 'nope' (expected vpc-cni, cilium, auto-mode or toy)");
    // a policy value outside the list is refused, not turned into another policy
    const auto outside = static_cast<enipool::growth_policy_kind>(7);
    CHECK(enipool::to_string(outside) == "?");
    enipool::manual_clock clk;
    auto pool = sim::make_pool(outside, *enipool::builtin_catalog().at("m5.large"), sim::warm_config{}, 27, 30s, clk);
    REQUIRE_FALSE(pool.has_value());
    CHECK(pool.error().code() == enipool::errc::malformed_config);
    CHECK(enipool::enipool_max_pods(*enipool::builtin_catalog().at("m5.large"), {outside, {}}).error().code() ==
          enipool::errc::malformed_config);
}

TEST_CASE("a warm strategy registered in a test runs in the simulator", "[registry][sim]") {
    sim::basic_cluster_config<warms_with_toy> c;
    c.subnets.push_back(*enipool::subnet::create(*enipool::ipv4_prefix::parse("198.18.0.0/24")));
    sim::basic_node_group<warms_with_toy> g;
    g.type = *enipool::builtin_catalog().at("m5.large");
    g.policy = enipool::growth_policy_kind::prefix_first;
    g.warm = toy_warm_config{5};
    c.groups.push_back(g);
    c.workload.pods = 10;
    c.workload.churn_per_second = 0;
    c.autoscaler.min_nodes = 1;
    c.autoscaler.max_nodes = 1;
    c.duration = 2min;
    CHECK(sim::warm_strategy_name<warms_with_toy>(c.groups[0].warm) == "toy");

    toy_plans = 0;
    auto made = sim::basic_cluster<warms_with_toy>::create(std::move(c));
    REQUIRE(made.has_value());
    REQUIRE(made->run().has_value());
    REQUIRE(made->check().has_value());
    CHECK(toy_plans > 0);
    CHECK(made->pods_running() == 10);
    CHECK(made->pods_pending() == 0);
    // 10 pods in one /28 leave 6 free >= 5 kept: one prefix is enough
    CHECK(made->samples().back().addresses_held == 16);
}

TEST_CASE("a warm strategy registered in a test is a --warm choice of the planner's parser", "[registry][cli]") {
    // the planner's --warm and strategy flags, built from the extended list
    const auto parse = [](std::vector<const char*> argv) {
        auto app = std::make_unique<CLI::App>("registry test");
        enipool_plan::scenario_args args;
        enipool_plan::add_warm_option<warms_with_toy>(*app, args.warm);
        enipool_plan::add_strategy_flags<warms_with_toy>(*app, args);
        app->parse(static_cast<int>(argv.size()), argv.data());
        return std::pair{std::move(app), std::move(args)};
    };
    {
        auto [app, args] = parse({"plan", "--warm", "toy"});
        CHECK(app->get_option("--warm")->get_description().find("toy (keeps a few addresses)") != std::string::npos);
        CHECK(args.warm == "toy");
        const auto warm = enipool_plan::scenario_warm_of<warms_with_toy>(args);
        REQUIRE(std::holds_alternative<toy_warm_config>(warm));
        CHECK(std::get<toy_warm_config>(warm).keep == 3);
    }
    {
        auto [app, args] = parse({"plan", "--warm", "toy", "--toy-keep", "7"});
        CHECK(std::get<toy_warm_config>(enipool_plan::scenario_warm_of<warms_with_toy>(args)).keep == 7);
    }
    {
        auto [app, args] = parse({"plan", "--warm", "toy", "--toy-keep", "x"});
        CHECK_THROWS_WITH(enipool_plan::scenario_warm_of<warms_with_toy>(args),
                          "--warm toy: --toy-keep: 'x' is not a count");
    }
    {
        auto [app, args] = parse({"plan", "--warm", "cilium", "--toy-keep", "7"});
        CHECK_THROWS_WITH(enipool_plan::scenario_warm_of<warms_with_toy>(args), "--toy-keep applies to --warm toy only");
    }

    CLI::App other("registry test");
    std::string chosen;
    enipool_plan::add_warm_option<warms_with_toy>(other, chosen);
    const char* bad_argv[] = {"plan", "--warm", "nope"};
    try {
        other.parse(3, bad_argv);
        FAIL("--warm nope was accepted");
    } catch (const CLI::ValidationError& e) {
        const std::string what = e.what();
        INFO(what);
        for (const char* n : {"vpc-cni", "cilium", "auto-mode", "toy"}) CHECK(what.find(n) != std::string::npos);
    }
    // past the parser, the conversion refuses a name outside the list with the same list
    enipool_plan::scenario_args stray;
    stray.warm = "nope";
    CHECK_THROWS_WITH(enipool_plan::scenario_warm_of<warms_with_toy>(stray),
                      "--warm: unknown warm strategy 'nope' (expected vpc-cni, cilium, auto-mode or toy)");
}
