// enipool/max_pods_expression.hpp: nodeadm's maxPodsExpression: the integer subset of CEL a
// max-pods formula needs, parsed once and then evaluated per instance type without allocating.
//
// nodeadm (EKS AL2023) compiles the expression with cel-go over three int variables and reads
// an int back (awslabs/amazon-eks-ami nodeadm/internal/kubelet/eni_max_pods.go, 81fec2e).
// This is the part of CEL such a formula uses, with CEL's rules, not C's:
//   - grammar: `c ? a : b` (right-associative; `a` may not itself be a bare conditional),
//     `||`, `&&`, then ONE level for all of `== != < <= > >=` (so `1 < 2 == true` is
//     `(1 < 2) == true`), then `+ -`, then `* / %`, then unary `-` and `!`; `//` comments;
//     int literals in decimal or `0x` hex, `-9223372036854775808` included;
//   - types: int or bool, checked at parse time as cel-go's checker does (`1 + (2 < 3)` and
//     `true ? 1 : false` are refused before any evaluation); a run of unary operators of even
//     length is dropped unchecked, as cel-go's parser does (`!!5` is 5);
//   - evaluation: + - * and unary - overflow into an error, `/` and `%` truncate toward zero
//     and fail on a zero divisor (and on INT64_MIN / -1); `&&` and `||` are commutative about
//     errors (`false && 1 / 0 == 1` and `1 / 0 == 1 && false` are both false); `?:` evaluates
//     one branch only.
// Everything else CEL has (doubles, uints, strings, bytes, null, calls, macros, field access,
// indexing, lists, maps, messages, `in`, type names) is refused with its byte offset.
#pragma once

#include <enipool/detail/max_pods_expression_parser.hpp>
#include <enipool/error.hpp>

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace enipool {

/// The three variables nodeadm declares (all CEL ints).
struct max_pods_variables {
    std::int64_t default_enis = 0; ///< ENIs of the default network card
    std::int64_t ips_per_eni = 0;  ///< IPv4 addresses per ENI, the primary included
    std::int64_t max_pods = 0;     ///< nodeadm's standard value, default_enis * (ips_per_eni - 1) + 2
    friend bool operator==(const max_pods_variables&, const max_pods_variables&) = default;
};

/// The two types of the subset.
enum class expression_type : std::uint8_t { integer, boolean };

/// A value of the subset; a boolean is 0 or 1.
struct expression_value {
    expression_type type = expression_type::integer;
    std::int64_t value = 0;
    friend bool operator==(const expression_value&, const expression_value&) = default;
};

/// Why an evaluation failed; `to_string` gives cel-go's text.
enum class expression_fault : std::uint8_t { none, division_by_zero, modulus_by_zero, integer_overflow };

/// cel-go's error text for a fault ("division by zero", ...). O(1).
[[nodiscard]] constexpr std::string_view to_string(expression_fault f) noexcept {
    switch (f) {
    case expression_fault::none: return "no fault";
    case expression_fault::division_by_zero: return "division by zero";
    case expression_fault::modulus_by_zero: return "modulus by zero";
    case expression_fault::integer_overflow: return "integer overflow";
    }
    return "?";
}

/// What one evaluation gave: a value, or a fault and the byte offset of its operator.
struct expression_outcome {
    expression_value value{};
    expression_fault fault = expression_fault::none;
    std::uint32_t offset = 0;
};

/// Longest expression accepted, in bytes (cel-go accepts 100,000 code points; a max-pods
/// formula is a line, and the bound keeps parse and evaluation cheap for fuzzers).
inline constexpr std::size_t max_pods_expression_max_length = 4096;

/// Deepest nesting accepted: both the syntax tree's height (every operator counts, so a chain
/// `a + b + c` is 3 levels) and the nesting of parentheses and conditionals. Parsing, printing
/// and evaluation recurse at most this deep, so no input can exhaust the stack.
inline constexpr unsigned max_pods_expression_max_depth = 64;

static_assert(max_pods_expression_max_length <= 0xffff && max_pods_expression_max_depth <= 0xff,
              "the tree stores offsets and indices in 16 bits, heights in 8");

/// A parsed maxPodsExpression: a flat syntax tree, typed. Copyable; evaluation is const and
/// allocation-free, so one parse serves every instance type of a planner.
class max_pods_expression {
public:
    /// Parses `text` (see the header comment for the subset). O(n) in its length.
    /// Errors: `invalid_max_pods_expression`, detail "offset N: ..." naming the byte offset and
    /// what is wrong: a syntax error; an unknown variable ("undeclared reference to 'x'", as
    /// cel-go says); a type error ("found no matching overload for '_+_' applied to '(int,
    /// bool)'", cel-go's words); an int literal outside int64; a construct outside the subset
    /// ("unsupported construct 'size(' (function calls are not in the integer subset)"); more
    /// than `max_pods_expression_max_length` bytes or `max_pods_expression_max_depth` levels.
    [[nodiscard]] static result<max_pods_expression> parse(std::string_view text) {
        auto tree =
            detail::expr_parser(text, max_pods_expression_max_length, max_pods_expression_max_depth).run();
        if (!tree) return tree.error();
        return max_pods_expression(std::move(*tree));
    }

    /// Evaluates to an int. O(nodes), at most `max_pods_expression_max_depth` deep.
    /// Errors: `max_pods_expression_failed`, detail "offset N: division by zero" (or "modulus by
    /// zero", "integer overflow"), or "the result true is a bool, not an int (type conversion
    /// error from 'bool' to 'int')" for an expression of type bool.
    [[nodiscard]] result<std::int64_t> evaluate(const max_pods_variables& vars) const {
        const auto out = run(vars);
        if (auto e = fault_error(out); e.code() != errc{}) return e;
        if (out.value.type == expression_type::boolean)
            return error(errc::max_pods_expression_failed,
                         fmt::format("the result {} is a bool, not an int (type conversion error from "
                                     "'bool' to 'int')",
                                     out.value.value != 0 ? "true" : "false"));
        return out.value.value;
    }

    /// Evaluates to an int or a bool (for conditions and tests). O(nodes).
    /// Errors: `max_pods_expression_failed` for a fault, as `evaluate`.
    [[nodiscard]] result<expression_value> evaluate_value(const max_pods_variables& vars) const {
        const auto out = run(vars);
        if (auto e = fault_error(out); e.code() != errc{}) return e;
        return out.value;
    }

    /// Evaluates without building an error: the value, or the fault and its offset. O(nodes),
    /// no allocation; what a planner calls per instance type.
    [[nodiscard]] expression_outcome run(const max_pods_variables& vars) const noexcept {
        const auto r = eval(tree_.root, vars);
        return {{type(), r.value}, r.fault, r.offset};
    }

    /// The static type of the result (cel-go's checker would report the same). O(1).
    [[nodiscard]] expression_type type() const noexcept {
        return tree_.nodes[tree_.root].boolean ? expression_type::boolean : expression_type::integer;
    }

    /// Canonical text: single spaces around binary operators, parentheses only where CEL's
    /// precedence needs them. `parse(to_string())` gives an expression that prints the same
    /// and evaluates the same. O(nodes).
    [[nodiscard]] std::string to_string() const {
        std::string out;
        print(tree_.root, out);
        return out;
    }

    /// Writes `to_string()`.
    friend std::ostream& operator<<(std::ostream& os, const max_pods_expression& e) {
        return os << e.to_string();
    }

private:
    detail::expr_tree tree_; // never empty: only parse() makes one

    explicit max_pods_expression(detail::expr_tree tree) noexcept : tree_(std::move(tree)) {}

    struct eval_result {
        std::int64_t value = 0;
        expression_fault fault = expression_fault::none;
        std::uint32_t offset = 0;
    };

    [[nodiscard]] static error fault_error(const expression_outcome& out) {
        if (out.fault == expression_fault::none) return {};
        return error(errc::max_pods_expression_failed,
                     fmt::format("offset {}: {}", out.offset, enipool::to_string(out.fault)));
    }

    [[nodiscard]] static eval_result fail(expression_fault f, std::uint16_t offset) noexcept {
        return {0, f, offset};
    }

    [[nodiscard]] eval_result eval(std::uint16_t i, const max_pods_variables& vars) const noexcept {
        using detail::expr_op;
        const auto& n = tree_.nodes[i];
        switch (n.op) {
        case expr_op::literal: return {n.value};
        case expr_op::variable:
            return {n.value == 0 ? vars.default_enis : n.value == 1 ? vars.ips_per_eni : vars.max_pods};
        case expr_op::negate: {
            const auto x = eval(n.a, vars);
            if (x.fault != expression_fault::none) return x;
            if (x.value == std::numeric_limits<std::int64_t>::min())
                return fail(expression_fault::integer_overflow, n.offset);
            return {-x.value};
        }
        case expr_op::logical_not: {
            const auto x = eval(n.a, vars);
            if (x.fault != expression_fault::none) return x;
            return {x.value == 0 ? 1 : 0};
        }
        case expr_op::logical_and:
        case expr_op::logical_or: {
            // CEL: the deciding value (false for &&, true for ||) on either side wins over an
            // error on the other; otherwise the first error, else the other value.
            const std::int64_t decides = n.op == expr_op::logical_and ? 0 : 1;
            const auto l = eval(n.a, vars);
            if (l.fault == expression_fault::none && l.value == decides) return {decides};
            const auto r = eval(n.b, vars);
            if (r.fault == expression_fault::none && r.value == decides) return {decides};
            if (l.fault != expression_fault::none) return l;
            if (r.fault != expression_fault::none) return r;
            return {1 - decides};
        }
        case expr_op::conditional: {
            const auto c = eval(n.a, vars);
            if (c.fault != expression_fault::none) return c;
            return eval(c.value != 0 ? n.b : n.c, vars);
        }
        default: break;
        }
        const auto l = eval(n.a, vars);
        if (l.fault != expression_fault::none) return l;
        const auto r = eval(n.b, vars);
        if (r.fault != expression_fault::none) return r;
        const std::int64_t x = l.value, y = r.value;
        std::int64_t out = 0;
        constexpr auto min = std::numeric_limits<std::int64_t>::min();
        switch (n.op) {
        case expr_op::add:
            if (__builtin_add_overflow(x, y, &out)) return fail(expression_fault::integer_overflow, n.offset);
            return {out};
        case expr_op::sub:
            if (__builtin_sub_overflow(x, y, &out)) return fail(expression_fault::integer_overflow, n.offset);
            return {out};
        case expr_op::mul:
            if (__builtin_mul_overflow(x, y, &out)) return fail(expression_fault::integer_overflow, n.offset);
            return {out};
        case expr_op::div:
            if (y == 0) return fail(expression_fault::division_by_zero, n.offset);
            if (x == min && y == -1) return fail(expression_fault::integer_overflow, n.offset);
            return {x / y}; // C++ truncates toward zero, as Go and CEL do
        case expr_op::mod:
            if (y == 0) return fail(expression_fault::modulus_by_zero, n.offset);
            if (x == min && y == -1) return fail(expression_fault::integer_overflow, n.offset);
            return {x % y}; // the sign of the dividend, as Go's %
        case expr_op::eq: return {x == y};
        case expr_op::ne: return {x != y};
        case expr_op::lt: return {x < y}; // bools are 0 / 1: false < true, as CEL orders them
        case expr_op::le: return {x <= y};
        case expr_op::gt: return {x > y};
        case expr_op::ge: return {x >= y};
        default: return {0};
        }
    }

    // Prints node i; a child is parenthesized when CEL's grammar would otherwise bind it
    // differently (or, under a unary operator, fold it into a literal or an even run).
    void print(std::uint16_t i, std::string& out) const {
        using detail::expr_op;
        const auto& n = tree_.nodes[i];
        const auto child = [&](std::uint16_t k, bool parens) {
            if (parens) out += '(';
            print(k, out);
            if (parens) out += ')';
        };
        const int p = detail::expr_precedence(n.op);
        switch (n.op) {
        case expr_op::literal:
            if (n.boolean) out += n.value != 0 ? "true" : "false";
            else out += fmt::format("{}", n.value);
            return;
        case expr_op::variable: out += detail::expr_variable_names[static_cast<std::size_t>(n.value)]; return;
        case expr_op::negate:
        case expr_op::logical_not: {
            out += detail::expr_symbol(n.op);
            const auto& k = tree_.nodes[n.a];
            const bool plain = k.op == expr_op::variable || (k.op == expr_op::literal && k.boolean);
            child(n.a, !plain);
            return;
        }
        case expr_op::conditional:
            child(n.a, detail::expr_precedence(tree_.nodes[n.a].op) <= p);
            out += " ? ";
            child(n.b, detail::expr_precedence(tree_.nodes[n.b].op) <= p);
            out += " : ";
            child(n.c, false);
            return;
        default:
            child(n.a, detail::expr_precedence(tree_.nodes[n.a].op) < p);
            out += ' ';
            out += detail::expr_symbol(n.op);
            out += ' ';
            child(n.b, detail::expr_precedence(tree_.nodes[n.b].op) <= p);
            return;
        }
    }
};

} // namespace enipool
