// nodeadm.hpp against upstream: every case of TestCalcMaxPods and
// TestEvaluateCustomMaxPodsExpression (awslabs/amazon-eks-ami,
// nodeadm/internal/kubelet/eni_max_pods_test.go, commit 81fec2e) and the e2e case
// custom-max-pods-expression, each with the instance numbers upstream uses built inline; then
// enipool's own figures: m5.large, the fallback warnings, the int32 bounds, kube-reserved.
#include <enipool/catalog.hpp>
#include <enipool/nodeadm.hpp>

#include <catch2/catch.hpp>

#include "published_max_pods.hpp"

#include <cstdint>
#include <string>

using Catch::Matchers::Contains;
using enipool::errc;
using enipool::instance_type;
using enipool::max_pods_variables;
using enipool::nodeadm_options;

namespace {

// An instance type as nodeadm's InstanceInfo holds it: default-card ENIs and IPv4 per ENI.
instance_type type_of(std::string name, unsigned enis, unsigned ipv4_per_eni) {
    instance_type t;
    t.name = std::move(name);
    t.max_enis = enis;
    t.ipv4_per_eni = ipv4_per_eni;
    return t;
}

nodeadm_options with(std::string expression) { return {std::move(expression)}; }

// CalcMaxPods: nodeadm's value, whatever the warning.
std::uint64_t calc(const instance_type& t, const nodeadm_options& o = {}) {
    auto r = enipool::nodeadm_max_pods(t, o);
    if (!r) FAIL(r.error().message());
    return r->max_pods;
}

// evaluateCustomMaxPodsExpression's value; fails the test on an error.
std::uint64_t evaluate(std::string_view expression, const max_pods_variables& vars) {
    auto r = enipool::nodeadm_evaluate_max_pods_expression(expression, vars);
    INFO(expression);
    if (!r) FAIL(r.error().message());
    return *r;
}

// evaluateCustomMaxPodsExpression's error; fails the test when it succeeds.
enipool::error evaluate_error(std::string_view expression, const max_pods_variables& vars) {
    auto r = enipool::nodeadm_evaluate_max_pods_expression(expression, vars);
    INFO(expression);
    if (r) FAIL("evaluated to " << *r);
    return r.error();
}

constexpr std::int64_t max_int32 = 2147483647;

} // namespace

// ---------------------------------------------------------------------------------------
// TestCalcMaxPods (eni_max_pods_test.go:20, 81fec2e): fake-type1.xlarge with the case's
// DefaultMaxENIs and Ipv4AddressesPerInterface.
// ---------------------------------------------------------------------------------------

TEST_CASE("upstream TestCalcMaxPods", "[nodeadm][upstream]") {
    // eni_max_pods_test.go TestCalcMaxPods line 27 (81fec2e): standard happy path.
    CHECK(calc(type_of("fake-type1.xlarge", 3, 6)) == 17);
    // eni_max_pods_test.go TestCalcMaxPods line 33 (81fec2e): standard happy path 2.
    CHECK(calc(type_of("fake-type1.xlarge", 6, 12)) == 68);
    // eni_max_pods_test.go TestCalcMaxPods line 39 (81fec2e): the standard equation as a custom expression.
    CHECK(calc(type_of("fake-type1.xlarge", 3, 6), with("(default_enis * (ips_per_eni - 1)) + 2")) == 17);
    // eni_max_pods_test.go TestCalcMaxPods line 46 (81fec2e): valid custom expression.
    CHECK(calc(type_of("fake-type1.xlarge", 3, 6), with("(default_enis * (ips_per_eni - 1)) + 3")) == 18);
    // eni_max_pods_test.go TestCalcMaxPods line 53 (81fec2e): invalid custom expression, the standard value.
    auto r = enipool::nodeadm_max_pods(type_of("fake-type1.xlarge", 3, 6), with("99 - fake_variable"));
    REQUIRE(r.has_value());
    CHECK(r->max_pods == 17);
    CHECK(r->warning.has_value());
}

// ---------------------------------------------------------------------------------------
// TestEvaluateCustomMaxPodsExpression (eni_max_pods_test.go:73, 81fec2e): the variables as
// the case sets them (unset fields are Go's zero), standardMaxPods bound to max_pods.
// ---------------------------------------------------------------------------------------

TEST_CASE("upstream TestEvaluateCustomMaxPodsExpression", "[nodeadm][upstream]") {
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 83 (81fec2e): basic integer inputs return as themselves.
    CHECK(evaluate("417", {0, 0, 0}) == 417);
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 88 (81fec2e): the standard equation, a t3.medium.
    CHECK(evaluate("(default_enis * (ips_per_eni - 1)) + 2", {3, 6, 0}) == 17);
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 95 (81fec2e): unbounded prefix delegation on a t3.medium.
    CHECK(evaluate("(default_enis * ((ips_per_eni - 1) * 16)) + 2", {3, 6, 0}) == 242);
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 102 (81fec2e): arbitrarily bounded prefix delegation on a t3.medium.
    CHECK(evaluate("((default_enis * ((ips_per_eni * 16) - 1)) + 2) < 30 ? "
                   "((default_enis * ((ips_per_eni * 16) - 1)) + 2) : 30",
                   {3, 6, 0}) == 30);
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 109 (81fec2e): custom networking on a t3.medium.
    CHECK(evaluate("((default_enis - 1) * (ips_per_eni - 1)) + 2", {3, 6, 0}) == 12);
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 116 (81fec2e): the ternary operator sets limits.
    CHECK(evaluate("max_pods < 30 ? max_pods : 30", {0, 0, 35}) == 30);
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 122 (81fec2e): max_pods is the standard max pods value.
    CHECK(evaluate("max_pods", {0, 0, 7}) == 7);
    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 128 (81fec2e): max_pods can be offset.
    CHECK(evaluate("max_pods + 2", {999, 9999, 7}) == 9);

    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 136 (81fec2e): false variable references error.
    auto e = evaluate_error("default_enis + fake_variable", {0, 0, 0});
    CHECK(e.code() == errc::invalid_max_pods_expression);
    CHECK_THAT(e.detail(), Contains("failed to compile custom max pods expression"));

    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 142 (81fec2e): no overflow past int32 (DefaultMaxENIs = math.MaxInt32).
    e = evaluate_error("default_enis * 2", {max_int32, 0, 0});
    CHECK(e.code() == errc::max_pods_expression_failed);
    CHECK_THAT(e.detail(), Contains("value must be a positive integer less than 2147483647"));

    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 149 (81fec2e): never zero (the standard equation subtracted from itself).
    e = evaluate_error("max_pods - ((default_enis * (ips_per_eni - 1)) + 2)", {3, 6, 17});
    CHECK(e.code() == errc::max_pods_expression_failed);
    CHECK_THAT(e.detail(), Contains("max pods value 0 from custom expression evaluation is invalid: value must "
                                    "be a positive integer less than 2147483647"));

    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 158 (81fec2e): never negative.
    e = evaluate_error("max_pods - 2", {0, 0, 1});
    CHECK(e.code() == errc::max_pods_expression_failed);
    CHECK_THAT(e.detail(), Contains("max pods value -1 from custom expression evaluation is invalid: value must "
                                    "be a positive integer less than 2147483647"));

    // eni_max_pods_test.go TestEvaluateCustomMaxPodsExpression line 165 (81fec2e): a boolean is no max pods value.
    e = evaluate_error("true", {0, 0, 0});
    CHECK(e.code() == errc::max_pods_expression_failed);
    CHECK_THAT(e.detail(), Contains("could not interpret result \"true\" from evaluation of custom max pods "
                                    "expression as an integer: type conversion error from 'bool' to 'int'"));
}

// ---------------------------------------------------------------------------------------
// e2e: nodeadm/test/e2e/cases/custom-max-pods-expression (81fec2e). The mocked node is an
// m4.xlarge (infra/aemm-default-config.json line 10) with 4 ENIs and 15 IPv4 per ENI
// (internal/kubelet/instance-info.jsonl line 544) and 2 online CPUs (infra/mock/cpu/online
// "0-1"), hence kubeReserved cpu 70m in every scenario.
// ---------------------------------------------------------------------------------------

TEST_CASE("upstream e2e custom-max-pods-expression", "[nodeadm][upstream][e2e]") {
    const auto m4_xlarge = type_of("m4.xlarge", 4, 15);
    CHECK(calc(m4_xlarge) == 58); // the standard value the scenarios start from

    // scenarios/custom-networking/config.yaml -> expected.json: maxPods 44, memory 739Mi, cpu 70m.
    // (config.yaml and expected-kubelet-config.json at the case's top level are the same case.)
    auto r = enipool::nodeadm_max_pods(m4_xlarge, with("((default_enis -1) * (ips_per_eni - 1)) + 2"));
    REQUIRE(r.has_value());
    CHECK(r->max_pods == 44);
    CHECK_FALSE(r->warning);
    CHECK(enipool::kube_reserved_memory_mib(r->max_pods) == 739);
    CHECK(enipool::kube_reserved_cpu_millicores(2) == 70);

    // scenarios/kubelet-config-max-pods/config.yaml -> expected.json: maxPods 60, memory 915Mi,
    // cpu 70m. The user's kubelet `maxPods: 1` goes to the drop-in (expected-dropin.json) and wins
    // in kubelet, but nodeadm's own value and kubeReserved come from the expression: enipool
    // computes nodeadm's value only.
    r = enipool::nodeadm_max_pods(m4_xlarge, with("max_pods + 2"));
    REQUIRE(r.has_value());
    CHECK(r->max_pods == 60);
    CHECK(enipool::kube_reserved_memory_mib(r->max_pods) == 915);
    CHECK(enipool::kube_reserved_cpu_millicores(2) == 70);
}

// ---------------------------------------------------------------------------------------
// enipool's own cases
// ---------------------------------------------------------------------------------------

TEST_CASE("acceptance: m5.large", "[nodeadm]") {
    // derived: instance-info.jsonl line 551 (81fec2e): 3 ENIs, 10 IPv4 per ENI.
    const auto m5_large = type_of("m5.large", 3, 10);
    auto r = enipool::nodeadm_max_pods(m5_large);
    REQUIRE(r.has_value());
    CHECK(r->max_pods == 29);
    CHECK_FALSE(r->warning);
    CHECK(calc(m5_large, with("(default_enis * ((ips_per_eni - 1) * 16)) + 2")) == 434);

    // derived: an unknown variable falls back to the standard value, with nodeadm's log line.
    r = enipool::nodeadm_max_pods(m5_large, with("max_pods + extra_pods"));
    REQUIRE(r.has_value());
    CHECK(r->max_pods == 29);
    REQUIRE(r->warning);
    CHECK(*r->warning ==
          "Failed to evaluate custom expression, using standard max pods value: failed to compile custom max "
          "pods expression: offset 11: undeclared reference to 'extra_pods' (the variables are default_enis, "
          "ips_per_eni and max_pods)");

    // derived: kube-reserved memory at 110 pods.
    CHECK(enipool::kube_reserved_memory_mib(110) == 1465);
    CHECK(enipool::kube_reserved_memory_mib(29) == 574);
}

TEST_CASE("every way an expression falls back to the standard value", "[nodeadm]") {
    // derived: CalcMaxPods logs and uses the standard value for any error of the evaluation.
    const auto m5_large = type_of("m5.large", 3, 10);
    const auto fallback = [&](std::string expression) {
        auto r = enipool::nodeadm_max_pods(m5_large, with(expression));
        INFO(expression);
        REQUIRE(r.has_value());
        CHECK(r->max_pods == 29);
        REQUIRE(r->warning);
        CHECK_THAT(*r->warning, Catch::StartsWith("Failed to evaluate custom expression, using standard max pods value: "));
        return *r->warning;
    };
    CHECK_THAT(fallback("max_pods > 20"), Contains("could not interpret result \"true\""));
    CHECK_THAT(fallback("max_pods / (default_enis - 3)"),
               Contains("could not interpret result \"division by zero\" from evaluation of custom max pods "
                        "expression as an integer: division by zero (offset 9)"));
    CHECK_THAT(fallback("max_pods % 0"), Contains("modulus by zero"));
    CHECK_THAT(fallback("9223372036854775807 + max_pods"), Contains("integer overflow"));
    CHECK_THAT(fallback("max_pods - 29"), Contains("max pods value 0 from custom expression"));
    CHECK_THAT(fallback("2147483648"), Contains("max pods value 2147483648 from custom expression"));
    CHECK_THAT(fallback("max_pods * 1.5"), Contains("failed to compile custom max pods expression: offset 11: "
                                                    "unsupported construct '1.5'"));
    CHECK_THAT(fallback("size(max_pods)"), Contains("function calls are not in the integer subset"));
    CHECK_THAT(fallback(" "), Contains("failed to compile"));  // not empty, so nodeadm compiles it
    CHECK_THAT(fallback("1 + true"), Contains("found no matching overload for '_+_'"));
}

TEST_CASE("no expression, an empty one, and the int32 bounds", "[nodeadm]") {
    // derived
    const auto m5_large = type_of("m5.large", 3, 10);
    for (const auto& options : {nodeadm_options{}, with("")}) {
        auto r = enipool::nodeadm_max_pods(m5_large, options);
        REQUIRE(r.has_value());
        CHECK(r->max_pods == 29);
        CHECK_FALSE(r->warning); // len(customExpression) == 0: no log line at all
    }
    CHECK(calc(m5_large, with("2147483647")) == 2147483647); // MaxInt32 itself is accepted
    CHECK(calc(m5_large, with("1")) == 1);
    // nodeadm applies no 110 / 250 cap and knows nothing of prefix delegation: m5.24xlarge.
    CHECK(calc(type_of("m5.24xlarge", 15, 50)) == 737);
}

TEST_CASE("invalid limits are the only error", "[nodeadm]") {
    // derived
    auto r = enipool::nodeadm_max_pods(type_of("broken", 0, 10), with("max_pods"));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::invalid_instance_limits);
    r = enipool::nodeadm_max_pods(type_of("broken", 3, 1));
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::invalid_instance_limits);
    // A standard value beyond nodeadm's int32 cannot be nodeadm's.
    auto s = enipool::nodeadm_standard_max_pods(type_of("huge", 40000000, 64));
    REQUIRE_FALSE(s.has_value());
    CHECK(s.error().code() == errc::invalid_instance_limits);
    CHECK(s.error().detail() == "huge: 2520000002 pods do not fit nodeadm's int32");
    CHECK(enipool::nodeadm_standard_max_pods(type_of("t3.medium", 3, 6)).value() == 17);
}

TEST_CASE("one calculator parses once and serves every type", "[nodeadm]") {
    // derived
    const enipool::nodeadm_calculator prefix(with("max_pods < 110 ? (default_enis * ((ips_per_eni - 1) * 16)) + 2 : 250"));
    CHECK(prefix(type_of("t3.medium", 3, 6)).value().max_pods == 242);
    CHECK(prefix(type_of("m5.large", 3, 10)).value().max_pods == 434);
    CHECK(prefix(type_of("m5.24xlarge", 15, 50)).value().max_pods == 250);

    const enipool::nodeadm_calculator broken(with("max_pods +"));
    for (const auto& t : {type_of("t3.medium", 3, 6), type_of("m5.large", 3, 10)}) {
        auto r = broken(t);
        REQUIRE(r.has_value());
        CHECK(r->max_pods == enipool::nodeadm_standard_max_pods(t).value());
        CHECK(r->warning.has_value()); // reported for every node, as nodeadm does
    }
    auto vars = enipool::nodeadm_variables(type_of("m5.large", 3, 10));
    REQUIRE(vars.has_value());
    CHECK(*vars == max_pods_variables{3, 10, 29});
}

TEST_CASE("kube-reserved CPU follows getCPUMillicoresToReserve", "[nodeadm]") {
    // derived: 6% of core 1, 1% of core 2, 0.5% of cores 3-4, 0.25% above, each band truncated.
    using enipool::kube_reserved_cpu_millicores;
    CHECK(kube_reserved_cpu_millicores(0) == 0);
    CHECK(kube_reserved_cpu_millicores(1) == 60);
    CHECK(kube_reserved_cpu_millicores(2) == 70);
    CHECK(kube_reserved_cpu_millicores(3) == 75);
    CHECK(kube_reserved_cpu_millicores(4) == 80);
    CHECK(kube_reserved_cpu_millicores(5) == 82);   // 80 + 1000 * 25 / 10000 = 80 + 2 (2.5 truncated)
    CHECK(kube_reserved_cpu_millicores(8) == 90);
    CHECK(kube_reserved_cpu_millicores(96) == 310);
    CHECK(kube_reserved_cpu_millicores(192) == 550);
    static_assert(enipool::kube_reserved_cpu_millicores(2) == 70);
    static_assert(enipool::kube_reserved_memory_mib(110) == 1465);
}

TEST_CASE("the standard value of every built-in type is the published eni-max-pods figure", "[nodeadm]") {
    // nodeadm's default (calculateStandardMaxPods) is the formula of the VPC CNI's
    // eni-max-pods.txt: checked against the published file, not against the formula's code.
    const auto published = enipool_test::published_max_pods();
    const auto& builtin = enipool::builtin_catalog();
    REQUIRE(builtin.size() == published.size());
    for (const auto& [name, type] : builtin) {
        INFO(name);
        const auto figure = enipool::nodeadm_max_pods(type);
        REQUIRE(figure.has_value());
        CHECK_FALSE(figure->warning);
        CHECK(static_cast<long>(figure->max_pods) == published.at(name));
        // the expression's max_pods variable is that same value
        const auto doubled = enipool::nodeadm_max_pods(type, with("max_pods * 2"));
        REQUIRE(doubled.has_value());
        CHECK(static_cast<long>(doubled->max_pods) == 2 * published.at(name));
    }
}
