// max_pods_expression.hpp: CEL's grammar, types and run-time rules for the integer subset,
// checked against hand-computed values; every construct outside the subset refused with its
// offset; the depth and length limits; and a property comparing the evaluator with a direct
// C++ evaluation of random + - * trees. (nodeadm's own cases are in nodeadm_test.cpp.)
#include <enipool/max_pods_expression.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

using enipool::errc;
using enipool::expression_fault;
using enipool::expression_type;
using enipool::max_pods_expression;
using enipool::max_pods_variables;

namespace {

// m5.large as nodeadm sees it: 3 ENIs, 10 IPv4 per ENI, standard max pods 3 * 9 + 2 = 29.
constexpr max_pods_variables m5_large{3, 10, 29};

constexpr std::int64_t int_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();

// The int an expression evaluates to; fails the test on any error.
std::int64_t int_of(std::string_view text, const max_pods_variables& vars = m5_large) {
    auto e = max_pods_expression::parse(text);
    INFO(text);
    if (!e) FAIL(e.error().message());
    auto v = e->evaluate(vars);
    if (!v) FAIL(v.error().message());
    return *v;
}

// The bool an expression evaluates to; fails the test on any error or an int.
bool bool_of(std::string_view text, const max_pods_variables& vars = m5_large) {
    auto e = max_pods_expression::parse(text);
    INFO(text);
    if (!e) FAIL(e.error().message());
    auto v = e->evaluate_value(vars);
    if (!v) FAIL(v.error().message());
    REQUIRE(v->type == expression_type::boolean);
    return v->value != 0;
}

// The detail of the parse error; fails the test when the text parses.
std::string parse_error(std::string_view text) {
    auto e = max_pods_expression::parse(text);
    INFO(text);
    if (e) FAIL("parsed as " << e->to_string());
    CHECK(e.error().code() == errc::invalid_max_pods_expression);
    return e.error().detail();
}

// The detail of the evaluation error; fails the test when the text fails to parse or succeeds.
std::string evaluation_error(std::string_view text, const max_pods_variables& vars = m5_large) {
    auto e = max_pods_expression::parse(text);
    INFO(text);
    if (!e) FAIL(e.error().message());
    auto v = e->evaluate_value(vars);
    if (v) FAIL("evaluated to " << v->value);
    CHECK(v.error().code() == errc::max_pods_expression_failed);
    return v.error().detail();
}

} // namespace

TEST_CASE("acceptance: m5.large's unbounded prefix-delegation expression", "[max_pods_expression]") {
    // derived: 3 * ((10 - 1) * 16) + 2 = 434.
    CHECK(int_of("(default_enis * ((ips_per_eni - 1) * 16)) + 2") == 434);
    // derived: the standard formula reproduces max_pods.
    CHECK(int_of("(default_enis * (ips_per_eni - 1)) + 2") == 29);
    CHECK(int_of("max_pods") == 29);
    CHECK(int_of("default_enis") == 3);
    CHECK(int_of("ips_per_eni") == 10);
}

TEST_CASE("precedence and associativity follow CEL's grammar", "[max_pods_expression]") {
    // derived: each value computed by hand; each pair tells CEL's reading from another one.
    CHECK(int_of("2 + 3 * 4") == 14);      // not (2 + 3) * 4 = 20
    CHECK(int_of("(2 + 3) * 4") == 20);
    CHECK(int_of("10 - 4 - 3") == 3);      // left to right, not 10 - (4 - 3) = 9
    CHECK(int_of("100 / 10 / 5") == 2);    // not 100 / 2 = 50
    CHECK(int_of("100 / 10 * 5") == 50);   // not 100 / 50 = 2
    CHECK(int_of("7 % 4 * 3") == 9);       // (7 % 4) * 3, not 7 % 12 = 7
    CHECK(int_of("2 * 3 % 4") == 2);       // (2 * 3) % 4, not 2 * 3 = 6
    CHECK(int_of("2 - -3") == 5);
    CHECK(int_of("2--3") == 5);            // binary minus, then the literal -3
    CHECK(int_of("- 3 - 1") == -4);
    CHECK(int_of("-max_pods * 2") == -58);
    CHECK(bool_of("1 + 2 == 3"));          // comparisons bind looser than arithmetic
    CHECK(bool_of("1 < 2 == true"));       // one level for all comparisons: (1 < 2) == true
    CHECK(bool_of("true || true && false"));           // && binds tighter: true || (true && false)
    CHECK(bool_of("false && true || true"));           // (false && true) || true
    CHECK(int_of("true ? 1 : false ? 2 : 3") == 1);    // ?: is right-associative
    CHECK(int_of("false ? 1 : false ? 2 : 3") == 3);
    CHECK(int_of("false ? 1 : 2 + 3") == 5);           // ?: binds loosest
    CHECK(int_of("1 + 2 > 2 ? 10 : 20") == 10);
    CHECK(int_of("max_pods < 30 ? max_pods : 30") == 29);
    CHECK(int_of("(max_pods > 20 || default_enis > 5) && ips_per_eni != 0 ? 1 : 0") == 1);
}

TEST_CASE("/ and % truncate toward zero, as CEL's int does", "[max_pods_expression]") {
    // derived: Go's (and CEL's) truncated division; the remainder has the dividend's sign.
    CHECK(int_of("7 / 2") == 3);
    CHECK(int_of("-7 / 2") == -3);
    CHECK(int_of("7 / -2") == -3);
    CHECK(int_of("-7 / -2") == 3);
    CHECK(int_of("7 % 2") == 1);
    CHECK(int_of("-7 % 2") == -1);
    CHECK(int_of("7 % -2") == 1);
    CHECK(int_of("-7 % -2") == -1);
    CHECK(int_of("max_pods / 2 * 2 + max_pods % 2") == 29);
}

TEST_CASE("literals, comments and whitespace as CEL's lexer has them", "[max_pods_expression]") {
    // derived
    CHECK(int_of("0x1F") == 31);
    CHECK(int_of("0x1f + 0") == 31);
    CHECK(int_of("007") == 7);  // strconv.ParseInt base 10 takes leading zeros
    CHECK(int_of("9223372036854775807") == int_max);
    CHECK(int_of("-9223372036854775808") == int_min); // the sign belongs to the literal
    CHECK(int_of("-0x8000000000000000") == int_min);
    CHECK(int_of(" \t\r\n\fmax_pods\n") == 29);
    CHECK(int_of("max_pods // nodeadm's value\n + 1 // one more") == 30);
    CHECK(int_of(".max_pods + 1") == 30); // a leading dot names the root scope
    CHECK(bool_of("true"));
    CHECK_FALSE(bool_of("false"));
    CHECK(parse_error("9223372036854775808") ==
          "offset 0: invalid int literal '9223372036854775808' (outside the int64 range)");
    CHECK(parse_error("1 + -9223372036854775809") ==
          "offset 4: invalid int literal '-9223372036854775809' (outside the int64 range)");
    CHECK(parse_error("0x8000000000000000") ==
          "offset 0: invalid int literal '0x8000000000000000' (outside the int64 range)");
    CHECK(parse_error("0X1F") == "offset 1: expected an operator or the end of the expression, found 'X1F'");
}

TEST_CASE("unary runs: an even run is dropped unchecked, as cel-go's parser does", "[max_pods_expression]") {
    // derived
    CHECK(int_of("--5") == 5);
    CHECK(int_of("---5") == -5);
    CHECK(int_of("-(-5)") == 5);
    CHECK(int_of("!!5") == 5);  // cel-go drops `!!` before the checker sees it
    CHECK(bool_of("!false"));
    CHECK_FALSE(bool_of("!!!true"));
    CHECK(bool_of("--true"));
    CHECK(parse_error("!-5") == "offset 0: found no matching overload for '!_' applied to '(int)'");
    CHECK(parse_error("-!true") == "offset 1: expected an operand, found '!'");
    CHECK(parse_error("!--5") == "offset 1: expected an operand, found '-'");
}

TEST_CASE("&& and || absorb an error when the other side decides; ?: evaluates one branch", "[max_pods_expression]") {
    // derived: CEL's commutative logical operators.
    CHECK_FALSE(bool_of("false && 1 / 0 == 1"));
    CHECK_FALSE(bool_of("1 / 0 == 1 && false"));
    CHECK(bool_of("true || 1 / 0 == 1"));
    CHECK(bool_of("1 / 0 == 1 || true"));
    CHECK(evaluation_error("true && 1 / 0 == 1") == "offset 10: division by zero");
    CHECK(evaluation_error("1 / 0 == 1 || false") == "offset 2: division by zero");
    CHECK(evaluation_error("1 / 0 == 1 && 1 % 0 == 1") == "offset 2: division by zero"); // the first error
    CHECK(int_of("true ? 1 : 1 / 0") == 1);
    CHECK(int_of("false ? 1 / 0 : 2") == 2);
    CHECK(evaluation_error("1 / 0 == 0 ? 1 : 2") == "offset 2: division by zero");
}

TEST_CASE("division and modulus by zero are evaluation errors", "[max_pods_expression]") {
    // derived: cel-go's texts, with the operator's offset.
    CHECK(evaluation_error("max_pods / 0") == "offset 9: division by zero");
    CHECK(evaluation_error("max_pods % (default_enis - 3)") == "offset 9: modulus by zero");
    auto e = max_pods_expression::parse("max_pods / (ips_per_eni - 10)");
    REQUIRE(e);
    const auto out = e->run(m5_large);
    CHECK(out.fault == expression_fault::division_by_zero);
    CHECK(out.offset == 9);
    CHECK(e->run({3, 11, 32}).value.value == 32); // the same parse, other variables
}

TEST_CASE("int64 overflow is an evaluation error", "[max_pods_expression]") {
    // derived: every overflowing operation of CEL's int.
    CHECK(evaluation_error("9223372036854775807 + 1") == "offset 20: integer overflow");
    CHECK(evaluation_error("-9223372036854775808 - 1") == "offset 21: integer overflow");
    CHECK(evaluation_error("4611686018427387904 * 2") == "offset 20: integer overflow");
    CHECK(evaluation_error("-(-9223372036854775808)") == "offset 0: integer overflow");
    CHECK(evaluation_error("-9223372036854775808 / -1") == "offset 21: integer overflow");
    CHECK(evaluation_error("-9223372036854775808 % -1") == "offset 21: integer overflow");
    CHECK(evaluation_error("max_pods * max_pods", {0, 0, 3037000500}) == "offset 9: integer overflow");
    CHECK(int_of("max_pods * max_pods", {0, 0, 3037000499}) == 9223372030926249001);
    CHECK(int_of("-4611686018427387904 * 2") == int_min); // exactly the minimum is no overflow
    CHECK(int_of("-9223372036854775807 - 1") == int_min);
}

TEST_CASE("types are checked at parse time, as cel-go's checker does", "[max_pods_expression]") {
    // derived: bool where an int is needed and the reverse, even in a branch never taken.
    CHECK(parse_error("1 + (2 < 3)") == "offset 2: found no matching overload for '_+_' applied to '(int, bool)'");
    CHECK(parse_error("true * 2") == "offset 5: found no matching overload for '_*_' applied to '(bool, int)'");
    CHECK(parse_error("-true") == "offset 0: found no matching overload for '-_' applied to '(bool)'");
    CHECK(parse_error("!max_pods") == "offset 0: found no matching overload for '!_' applied to '(int)'");
    CHECK(parse_error("1 == true") == "offset 2: found no matching overload for '_==_' applied to '(int, bool)'");
    CHECK(parse_error("1 < 2 < 3") == "offset 6: found no matching overload for '_<_' applied to '(bool, int)'");
    CHECK(parse_error("true == 1 < 2") == "offset 5: found no matching overload for '_==_' applied to '(bool, int)'");
    CHECK(parse_error("max_pods && true") == "offset 9: found no matching overload for '_&&_' applied to '(int, bool)'");
    CHECK(parse_error("false || 0") == "offset 6: found no matching overload for '_||_' applied to '(bool, int)'");
    CHECK(parse_error("max_pods ? 1 : 2") == "offset 9: found no matching overload for '_?_:_' applied to '(int, int, int)'");
    CHECK(parse_error("true ? 1 : false") == "offset 5: found no matching overload for '_?_:_' applied to '(bool, int, bool)'");
    CHECK(parse_error("false ? 1 + true : 2") == "offset 10: found no matching overload for '_+_' applied to '(int, bool)'");
    CHECK(bool_of("true < false") == false); // CEL orders bools: false < true
    CHECK(bool_of("false < true"));
    CHECK(bool_of("true == true"));
}

TEST_CASE("a bool result is not an int", "[max_pods_expression]") {
    // derived
    auto e = max_pods_expression::parse("max_pods > 20");
    REQUIRE(e);
    CHECK(e->type() == expression_type::boolean);
    auto v = e->evaluate(m5_large);
    REQUIRE_FALSE(v);
    CHECK(v.error().code() == errc::max_pods_expression_failed);
    CHECK(v.error().detail() ==
          "the result true is a bool, not an int (type conversion error from 'bool' to 'int')");
    CHECK(max_pods_expression::parse("max_pods")->type() == expression_type::integer);
}

TEST_CASE("unknown variables and reserved words are refused", "[max_pods_expression]") {
    // derived: cel-go's "undeclared reference" (a compile error, so nodeadm falls back).
    CHECK(parse_error("99 - fake_variable") ==
          "offset 5: undeclared reference to 'fake_variable' (the variables are default_enis, ips_per_eni and max_pods)");
    CHECK(parse_error("Max_pods") ==
          "offset 0: undeclared reference to 'Max_pods' (the variables are default_enis, ips_per_eni and max_pods)");
    CHECK(parse_error("max_pods + while") == "offset 11: reserved identifier 'while'");
    CHECK(parse_error("let") == "offset 0: reserved identifier 'let'");
}

TEST_CASE("every construct outside the subset is named with its offset", "[max_pods_expression]") {
    // derived: one case per class of CEL construct enipool does not evaluate.
    const auto not_in = [](std::string offset_and_construct, std::string what) {
        return "offset " + offset_and_construct + "' (" + what + " not in the integer subset)";
    };
    CHECK(parse_error("max_pods * 1.5") == not_in("11: unsupported construct '1.5", "floating-point literals are"));
    CHECK(parse_error("1e3") == not_in("0: unsupported construct '1e3", "floating-point literals are"));
    CHECK(parse_error("max_pods + .5") == not_in("11: unsupported construct '.5", "floating-point literals are"));
    CHECK(parse_error("-2.5") == not_in("1: unsupported construct '2.5", "floating-point literals are"));
    CHECK(parse_error("110u") == not_in("0: unsupported construct '110u", "unsigned literals are"));
    CHECK(parse_error("0x1Fu") == not_in("0: unsupported construct '0x1Fu", "unsigned literals are"));
    CHECK(parse_error("'110'") == not_in("0: unsupported construct ''110'", "string literals are"));
    CHECK(parse_error("1 + \"a\\\"b\"") == not_in("4: unsupported construct '\"a\\\"b\"", "string literals are"));
    CHECK(parse_error("r'raw'") == not_in("0: unsupported construct 'r'raw'", "string literals are"));
    CHECK(parse_error("b\"\\x01\"") == not_in("0: unsupported construct 'b\"\\x01\"", "bytes literals are"));
    CHECK(parse_error("null") == not_in("0: unsupported construct 'null", "null is"));
    CHECK(parse_error("max_pods in [1]") == not_in("9: unsupported construct 'in", "the 'in' operator is"));
    CHECK(parse_error("max_pods + 2 - size(x)") == not_in("15: unsupported construct 'size(", "function calls are"));
    CHECK(parse_error("int(max_pods)") == not_in("0: unsupported construct 'int(", "function calls are"));
    CHECK(parse_error("min (1, 2)") == not_in("0: unsupported construct 'min (", "function calls are"));
    CHECK(parse_error("has(x.y)") == not_in("0: unsupported construct 'has(", "macros are"));
    CHECK(parse_error("max_pods.all(x, x > 1)") == not_in("8: unsupported construct '.all(", "macros are"));
    CHECK(parse_error("max_pods.exists_one(x, true)") == not_in("8: unsupported construct '.exists_one(", "macros are"));
    CHECK(parse_error("max_pods.size()") == not_in("8: unsupported construct '.size(", "method calls are"));
    CHECK(parse_error("max_pods.value") == not_in("8: unsupported construct '.value", "field access is"));
    CHECK(parse_error("limits.pods + 1") == not_in("6: unsupported construct '.pods", "field access is"));
    CHECK(parse_error("max_pods.?x") == not_in("8: unsupported construct '.", "field access is"));
    CHECK(parse_error("max_pods[0]") == not_in("8: unsupported construct '[", "indexing is"));
    CHECK(parse_error("[1, 2]") == not_in("0: unsupported construct '[", "list literals are"));
    CHECK(parse_error("{1: 2}") == not_in("0: unsupported construct '{", "map literals are"));
    CHECK(parse_error("Limits{pods: 1}") == not_in("0: unsupported construct 'Limits{", "message literals are"));
    CHECK(parse_error("int") == not_in("0: unsupported construct 'int", "type names are"));
    CHECK(parse_error("max_pods + dyn") == not_in("11: unsupported construct 'dyn", "type names are"));
}

TEST_CASE("syntax errors say what was expected where", "[max_pods_expression]") {
    // derived
    CHECK(parse_error("") == "offset 0: expected an operand, found the end of the expression");
    CHECK(parse_error("   ") == "offset 3: expected an operand, found the end of the expression");
    CHECK(parse_error("max_pods +") == "offset 10: expected an operand, found the end of the expression");
    CHECK(parse_error("(max_pods") == "offset 9: expected ')' to close the '(' at offset 0, found the end of the expression");
    CHECK(parse_error("max_pods 2") == "offset 9: expected an operator or the end of the expression, found '2'");
    CHECK(parse_error("max_pods)") == "offset 8: expected an operator or the end of the expression, found ')'");
    CHECK(parse_error("max_pods = 2") == "offset 9: unexpected character '=' (CEL compares with '==')");
    CHECK(parse_error("true & false") == "offset 5: unexpected character '&' (CEL's and is '&&')");
    CHECK(parse_error("true | false") == "offset 5: unexpected character '|' (CEL's or is '||')");
    CHECK(parse_error("max_pods # 2") == "offset 9: unexpected character '#'");
    CHECK(parse_error("max_pods\xc3\xa9") == "offset 8: unexpected character '\\xc3'");
    CHECK(parse_error("true ? 1") == "offset 8: expected ':' of the conditional at offset 5, found the end of the expression");
    // CEL's middle operand is a conditionalOr: a nested conditional there needs parentheses.
    CHECK(parse_error("true ? true ? 1 : 2 : 3") ==
          "offset 12: expected ':' of the conditional at offset 5, found '?'");
    CHECK(int_of("true ? (true ? 1 : 2) : 3") == 1);
}

TEST_CASE("nesting deeper than 64 levels and inputs over 4096 bytes are refused", "[max_pods_expression]") {
    // derived: the limits that keep parse, print and evaluation off the end of the stack.
    const auto parens = [](std::size_t n) { return std::string(n, '(') + "1" + std::string(n, ')'); };
    CHECK(int_of(parens(63)) == 1); // 64 levels with the whole expression
    CHECK(parse_error(parens(64)) == "offset 64: nesting deeper than 64 levels");
    CHECK(parse_error(parens(2000)).find("nesting deeper than 64 levels") != std::string::npos);

    const auto chain = [](std::size_t ops) {
        std::string s = "1";
        for (std::size_t i = 0; i < ops; ++i) s += " + 1";
        return s;
    };
    CHECK(int_of(chain(63)) == 64); // a tree 64 high
    CHECK(parse_error(chain(64)) == "offset 254: nesting deeper than 64 levels");

    std::string conditional; // false ? 0 : false ? 0 : ... : 7, right-nested
    for (int i = 0; i < 63; ++i) conditional += "false ? 0 : ";
    CHECK(int_of(conditional + "7") == 7);
    CHECK(parse_error("false ? 0 : " + conditional + "7").find("nesting deeper than 64 levels") != std::string::npos);

    CHECK(int_of("1" + std::string(4095, ' ')) == 1);
    CHECK(parse_error("1" + std::string(4096, ' ')) == "the expression is 4097 bytes; at most 4096 are accepted");
}

TEST_CASE("to_string prints canonical text that parses back to itself", "[max_pods_expression]") {
    // derived
    const auto canonical = [](std::string_view text) {
        auto e = max_pods_expression::parse(text);
        INFO(text);
        REQUIRE(e);
        auto again = max_pods_expression::parse(e->to_string());
        REQUIRE(again);
        CHECK(again->to_string() == e->to_string());
        return e->to_string();
    };
    CHECK(canonical("(default_enis * ((ips_per_eni - 1) * 16)) + 2") == "default_enis * ((ips_per_eni - 1) * 16) + 2");
    CHECK(canonical("10 - (4 - 3)") == "10 - (4 - 3)");
    CHECK(canonical("(10 - 4) - 3") == "10 - 4 - 3");
    CHECK(canonical("2 * (3 % 4)") == "2 * (3 % 4)");
    CHECK(canonical("(1 < 2) == true") == "1 < 2 == true");
    CHECK(canonical("true == (1 < 2)") == "true == (1 < 2)");
    CHECK(canonical("(true || true) && false") == "(true || true) && false");
    CHECK(canonical("true ? 1 : (false ? 2 : 3)") == "true ? 1 : false ? 2 : 3");
    CHECK(canonical("(true ? true : false) ? 1 : 2") == "(true ? true : false) ? 1 : 2");
    CHECK(canonical("1 + (true ? 1 : 2)") == "1 + (true ? 1 : 2)");
    CHECK(canonical("-(-5)") == "-(-5)");
    CHECK(canonical("---5") == "-(5)"); // a negation, not the literal -5
    CHECK(canonical("---0") == "-(0)");
    CHECK(canonical("- max_pods") == "-max_pods");
    CHECK(canonical("!(1 < 2)") == "!(1 < 2)");
    CHECK(canonical("!!!true") == "!true");
    CHECK(canonical("2 - -3") == "2 - -3");
    CHECK(canonical("0x10") == "16");
    CHECK(canonical("-9223372036854775808") == "-9223372036854775808");
    CHECK(canonical(".max_pods // comment") == "max_pods");
}

// ---------------------------------------------------------------------------------------
// Property: random + - * trees, printed, against a direct C++ evaluation of the same tree
// ---------------------------------------------------------------------------------------

namespace {

enum class node_kind { literal, variable, add, sub, mul, negate };

struct tree {
    node_kind kind = node_kind::literal;
    std::int64_t value = 0; // literal value, or variable index
    std::vector<tree> kids;
};

const char* const variable_names[] = {"default_enis", "ips_per_eni", "max_pods"};

// The naive reference: the tree in plain C++ with overflow checks; nullopt on overflow.
std::optional<std::int64_t> reference(const tree& t, const max_pods_variables& v) {
    switch (t.kind) {
    case node_kind::literal: return t.value;
    case node_kind::variable: return t.value == 0 ? v.default_enis : t.value == 1 ? v.ips_per_eni : v.max_pods;
    case node_kind::negate: {
        const auto x = reference(t.kids[0], v);
        if (!x || *x == int_min) return std::nullopt;
        return -*x;
    }
    default: break;
    }
    const auto x = reference(t.kids[0], v);
    if (!x) return std::nullopt;
    const auto y = reference(t.kids[1], v);
    if (!y) return std::nullopt;
    std::int64_t out = 0;
    const bool overflow = t.kind == node_kind::add   ? __builtin_add_overflow(*x, *y, &out)
                          : t.kind == node_kind::sub ? __builtin_sub_overflow(*x, *y, &out)
                                                     : __builtin_mul_overflow(*x, *y, &out);
    if (overflow) return std::nullopt;
    return out;
}

const char* symbol(node_kind k) { return k == node_kind::add ? " + " : k == node_kind::sub ? " - " : " * "; }

// Every operation in parentheses: the tree's shape spelled out.
std::string print_full(const tree& t) {
    switch (t.kind) {
    case node_kind::literal: return std::to_string(t.value);
    case node_kind::variable: return variable_names[t.value];
    case node_kind::negate: return "-(" + print_full(t.kids[0]) + ")";
    default: return "(" + print_full(t.kids[0]) + symbol(t.kind) + print_full(t.kids[1]) + ")";
    }
}

int precedence(const tree& t) {
    switch (t.kind) {
    case node_kind::add: case node_kind::sub: return 5;
    case node_kind::mul: return 6;
    case node_kind::negate: return 7;
    default: return 8;
    }
}

// Parentheses only where the usual precedence and left-to-right reading need them: what the
// evaluator's own precedence must read back as the same tree.
std::string print_minimal(const tree& t) {
    switch (t.kind) {
    case node_kind::literal: return std::to_string(t.value);
    case node_kind::variable: return variable_names[t.value];
    case node_kind::negate:
        return t.kids[0].kind == node_kind::variable ? "-" + print_minimal(t.kids[0]) : "-(" + print_minimal(t.kids[0]) + ")";
    default: {
        const int p = precedence(t);
        const auto side = [&](const tree& k, bool parens) {
            return parens ? "(" + print_minimal(k) + ")" : print_minimal(k);
        };
        return side(t.kids[0], precedence(t.kids[0]) < p) + symbol(t.kind) + side(t.kids[1], precedence(t.kids[1]) <= p);
    }
    }
}

void showValue(const tree& t, std::ostream& os) { os << print_full(t); }

rc::Gen<std::int64_t> gen_int() {
    return rc::gen::weightedOneOf<std::int64_t>({
        {6, rc::gen::inRange<std::int64_t>(-20, 21)},
        {2, rc::gen::inRange<std::int64_t>(-4000000000, 4000000001)},
        {1, rc::gen::arbitrary<std::int64_t>()},
        {1, rc::gen::element(int_min, int_max, int_min + 1, int_max - 1)},
    });
}

rc::Gen<tree> gen_tree(int depth) {
    auto leaf = rc::gen::oneOf(
        rc::gen::map(gen_int(), [](std::int64_t v) { return tree{node_kind::literal, v, {}}; }),
        rc::gen::map(rc::gen::inRange<std::int64_t>(0, 3), [](std::int64_t v) { return tree{node_kind::variable, v, {}}; }));
    if (depth == 0) return leaf;
    auto inner = rc::gen::mapcat(rc::gen::inRange(0, 4), [depth](int k) -> rc::Gen<tree> {
        if (k == 3)
            return rc::gen::map(gen_tree(depth - 1), [](tree x) { return tree{node_kind::negate, 0, {std::move(x)}}; });
        const auto kind = k == 0 ? node_kind::add : k == 1 ? node_kind::sub : node_kind::mul;
        return rc::gen::map(rc::gen::pair(gen_tree(depth - 1), gen_tree(depth - 1)), [kind](std::pair<tree, tree> p) {
            return tree{kind, 0, {std::move(p.first), std::move(p.second)}};
        });
    });
    return rc::gen::weightedOneOf<tree>({{1, leaf}, {2, inner}});
}

} // namespace

TEST_CASE("property: random + - * trees evaluate as the direct C++ evaluation", "[max_pods_expression][property]") {
    // derived
    rc::prop("evaluator == naive reference, for the full and the minimal parenthesization", [] {
        const auto t = *gen_tree(5);
        const max_pods_variables vars{*gen_int(), *gen_int(), *gen_int()};
        const auto expected = reference(t, vars);
        for (const auto& text : {print_full(t), print_minimal(t)}) {
            RC_LOG() << text << '\n';
            auto e = max_pods_expression::parse(text);
            RC_ASSERT(e.has_value());
            RC_ASSERT(e->type() == expression_type::integer);
            const auto out = e->run(vars);
            if (expected) {
                RC_ASSERT(out.fault == expression_fault::none);
                RC_ASSERT(out.value.value == *expected);
            } else {
                RC_ASSERT(out.fault == expression_fault::integer_overflow);
            }
            // The canonical text reads back as the same tree: same text, same outcome.
            auto again = max_pods_expression::parse(e->to_string());
            RC_ASSERT(again.has_value());
            RC_ASSERT(again->to_string() == e->to_string());
            const auto out2 = again->run(vars);
            RC_ASSERT(out2.fault == out.fault);
            RC_ASSERT(out2.value.value == out.value.value);
        }
    });
}
