// Fuzz target max_pods_expression: the whole input as a maxPodsExpression
// (enipool/max_pods_expression.hpp, enipool/nodeadm.hpp). A rejection must be
// invalid_max_pods_expression with a detail. An accepted expression is evaluated with a few
// variable sets, from all zeros to the int64 extremes: the three evaluation entry points must
// agree, a bool must be 0 or 1, and its canonical text must parse back to an expression that
// prints the same and gives the same outcome. nodeadm's calculator must then give a max pods
// in 1 .. 2^31-1, warning exactly when it did not use the expression. Anything else aborts.
#include "fuzz_support.hpp"

#include <enipool/max_pods_expression.hpp>
#include <enipool/nodeadm.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

namespace {

constexpr const char* target = "max_pods_expression";
using fuzz::fail;

using enipool::expression_fault;
using enipool::expression_type;
using enipool::max_pods_variables;

constexpr std::int64_t lo = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t hi = std::numeric_limits<std::int64_t>::max();

constexpr max_pods_variables variable_sets[] = {
    {0, 0, 0},
    {3, 10, 29},             // m5.large
    {15, 50, 737},           // m5.24xlarge
    {2147483647, 1, 2},      // nodeadm's int32 edge
    {hi, lo, -1},
};

void check_expression(const enipool::max_pods_expression& e, std::string_view input) {
    const std::string text = e.to_string();
    auto again = enipool::max_pods_expression::parse(text);
    if (!again) fail(target, "canonical text does not parse back:", text);
    if (again->to_string() != text) fail(target, "canonical text is not stable:", text);
    if (again->type() != e.type()) fail(target, "canonical text changes the type:", text);

    for (const auto& vars : variable_sets) {
        const auto out = e.run(vars);
        if (out.value.type != e.type()) fail(target, "run's type differs from type():", input);
        if (out.fault == expression_fault::none && out.value.type == expression_type::boolean &&
            out.value.value != 0 && out.value.value != 1)
            fail(target, "a bool that is neither 0 nor 1:", input);
        if (out.fault != expression_fault::none && out.offset >= input.size())
            fail(target, "a fault offset outside the input:", input);

        const auto back = again->run(vars);
        if (back.fault != out.fault || (out.fault == expression_fault::none && back.value != out.value))
            fail(target, "canonical text evaluates differently:", text);

        auto value = e.evaluate_value(vars);
        if (value.has_value() != (out.fault == expression_fault::none)) fail(target, "evaluate_value disagrees with run:", input);
        if (value && *value != out.value) fail(target, "evaluate_value's value differs from run's:", input);
        if (!value) fuzz::expect_rejection(target, value.error(), {enipool::errc::max_pods_expression_failed});

        auto integer = e.evaluate(vars);
        const bool int_ok = out.fault == expression_fault::none && out.value.type == expression_type::integer;
        if (integer.has_value() != int_ok) fail(target, "evaluate disagrees with run:", input);
        if (integer && *integer != out.value.value) fail(target, "evaluate's value differs from run's:", input);
        if (!integer) fuzz::expect_rejection(target, integer.error(), {enipool::errc::max_pods_expression_failed});

        auto pods = enipool::nodeadm_evaluate_max_pods_expression(e, vars);
        const bool in_range = int_ok && out.value.value > 0 && out.value.value <= enipool::nodeadm_max_pods_limit;
        if (pods.has_value() != in_range) fail(target, "nodeadm's range check disagrees:", input);
        if (!pods) fuzz::expect_rejection(target, pods.error(), {enipool::errc::max_pods_expression_failed});
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::text_of(data, size);
    auto e = enipool::max_pods_expression::parse(input);
    if (e) check_expression(*e, input);
    else fuzz::expect_rejection(target, e.error(), {enipool::errc::invalid_max_pods_expression});

    // nodeadm on an m5.large: the expression's value, or the standard 29 with a warning.
    enipool::instance_type m5_large;
    m5_large.name = "m5.large";
    m5_large.max_enis = 3;
    m5_large.ipv4_per_eni = 10;
    auto r = enipool::nodeadm_max_pods(m5_large, {std::string(input)});
    if (!r) fail(target, "nodeadm_max_pods failed on valid limits:", r.error().message());
    if (r->max_pods == 0 || r->max_pods > static_cast<std::uint64_t>(enipool::nodeadm_max_pods_limit))
        fail(target, "nodeadm max pods outside 1 .. 2^31-1:", input);
    const auto direct = enipool::nodeadm_evaluate_max_pods_expression(input, {3, 10, 29});
    const bool used = !input.empty() && direct.has_value();
    const bool fell_back = !input.empty() && !direct.has_value(); // empty: the standard value, silently
    if (fell_back != r->warning.has_value()) fail(target, "a warning without a fallback, or the reverse:", input);
    if (used ? r->max_pods != *direct : r->max_pods != 29) fail(target, "nodeadm's value is neither:", input);
    return 0;
}
