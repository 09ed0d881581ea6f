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

#include <enipool/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

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

namespace detail {

enum class expr_op : std::uint8_t {
    literal, variable, negate, logical_not, add, sub, mul, div, mod,
    eq, ne, lt, le, gt, ge, logical_and, logical_or, conditional,
};

// One node of the flat tree; children are indices into the same vector. Offsets and indices
// fit 16 bits because the input does (each node consumes at least one byte of it).
struct expr_node {
    std::int64_t value = 0;        // literal value, or variable index
    std::uint16_t a = 0, b = 0, c = 0;
    std::uint16_t offset = 0;      // byte offset of the operator / operand
    expr_op op = expr_op::literal;
    expression_type type = expression_type::integer;
    std::uint8_t height = 1;
};
static_assert(max_pods_expression_max_length < 0xffff);

inline constexpr std::array<std::string_view, 3> expr_variable_names{"default_enis", "ips_per_eni", "max_pods"};

[[nodiscard]] constexpr std::string_view expr_symbol(expr_op op) noexcept {
    switch (op) {
    case expr_op::negate: return "-";
    case expr_op::logical_not: return "!";
    case expr_op::add: return "+";
    case expr_op::sub: return "-";
    case expr_op::mul: return "*";
    case expr_op::div: return "/";
    case expr_op::mod: return "%";
    case expr_op::eq: return "==";
    case expr_op::ne: return "!=";
    case expr_op::lt: return "<";
    case expr_op::le: return "<=";
    case expr_op::gt: return ">";
    case expr_op::ge: return ">=";
    case expr_op::logical_and: return "&&";
    case expr_op::logical_or: return "||";
    default: return "";
    }
}

// Binding strength, loosest first, as CEL's grammar nests its rules.
[[nodiscard]] constexpr int expr_precedence(expr_op op) noexcept {
    switch (op) {
    case expr_op::conditional: return 1;
    case expr_op::logical_or: return 2;
    case expr_op::logical_and: return 3;
    case expr_op::eq: case expr_op::ne: case expr_op::lt:
    case expr_op::le: case expr_op::gt: case expr_op::ge: return 4;
    case expr_op::add: case expr_op::sub: return 5;
    case expr_op::mul: case expr_op::div: case expr_op::mod: return 6;
    case expr_op::negate: case expr_op::logical_not: return 7;
    default: return 8;
    }
}

[[nodiscard]] constexpr std::string_view expr_type_name(expression_type t) noexcept {
    return t == expression_type::integer ? "int" : "bool";
}

// Input text for an error message: printable ASCII as is, other bytes as \xNN, at most 24 bytes.
[[nodiscard]] inline std::string expr_quote(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && i < 24; ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
        else out += fmt::format("\\x{:02x}", c);
    }
    if (text.size() > 24) out += "...";
    return out;
}

enum class tok : std::uint8_t {
    end, integer, identifier, kw_true, kw_false,
    lparen, rparen, plus, minus, star, slash, percent,
    eq, ne, lt, le, gt, ge, and_, or_, not_, question, colon,
    dot, lbracket, rbracket, lbrace, rbrace, comma,
    bad, // the lexer refused it; `why` says why
};

// Why the lexer refused a token.
enum class tok_bad : std::uint8_t { none, character, floating, unsigned_int, string, bytes, null, in, reserved };

struct token {
    tok kind = tok::end;
    tok_bad why = tok_bad::none;
    std::uint32_t begin = 0, end = 0;
};

[[nodiscard]] constexpr bool expr_digit(char c) noexcept { return c >= '0' && c <= '9'; }
[[nodiscard]] constexpr bool expr_hex(char c) noexcept {
    return expr_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
[[nodiscard]] constexpr bool expr_ident_start(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
[[nodiscard]] constexpr bool expr_ident_char(char c) noexcept { return expr_ident_start(c) || expr_digit(c); }

// CEL's lexer, for the tokens the subset needs and enough of the rest to name it.
class expr_lexer {
public:
    explicit expr_lexer(std::string_view text) noexcept : s_(text) {}

    [[nodiscard]] token lex(std::size_t pos) const noexcept {
        const std::size_t n = s_.size();
        for (;;) { // whitespace as CEL's lexer has it, and // comments
            while (pos < n && (s_[pos] == ' ' || s_[pos] == '\t' || s_[pos] == '\r' || s_[pos] == '\n' || s_[pos] == '\f')) ++pos;
            if (pos + 1 < n && s_[pos] == '/' && s_[pos + 1] == '/') {
                while (pos < n && s_[pos] != '\n') ++pos;
                continue;
            }
            break;
        }
        if (pos >= n) return make(tok::end, pos, pos);
        const char c = s_[pos];
        const char d = pos + 1 < n ? s_[pos + 1] : '\0';
        if (expr_digit(c)) return number(pos);
        if (c == '.' && expr_digit(d)) return floating(pos, pos + 1);
        if (expr_ident_start(c)) return word(pos);
        if (c == '"' || c == '\'') return quoted(pos, pos, tok_bad::string);
        switch (c) {
        case '(': return make(tok::lparen, pos, pos + 1);
        case ')': return make(tok::rparen, pos, pos + 1);
        case '+': return make(tok::plus, pos, pos + 1);
        case '-': return make(tok::minus, pos, pos + 1);
        case '*': return make(tok::star, pos, pos + 1);
        case '/': return make(tok::slash, pos, pos + 1);
        case '%': return make(tok::percent, pos, pos + 1);
        case '?': return make(tok::question, pos, pos + 1);
        case ':': return make(tok::colon, pos, pos + 1);
        case '.': return make(tok::dot, pos, pos + 1);
        case '[': return make(tok::lbracket, pos, pos + 1);
        case ']': return make(tok::rbracket, pos, pos + 1);
        case '{': return make(tok::lbrace, pos, pos + 1);
        case '}': return make(tok::rbrace, pos, pos + 1);
        case ',': return make(tok::comma, pos, pos + 1);
        case '=': return d == '=' ? make(tok::eq, pos, pos + 2) : refuse(tok_bad::character, pos, pos + 1);
        case '!': return d == '=' ? make(tok::ne, pos, pos + 2) : make(tok::not_, pos, pos + 1);
        case '<': return d == '=' ? make(tok::le, pos, pos + 2) : make(tok::lt, pos, pos + 1);
        case '>': return d == '=' ? make(tok::ge, pos, pos + 2) : make(tok::gt, pos, pos + 1);
        case '&': return d == '&' ? make(tok::and_, pos, pos + 2) : refuse(tok_bad::character, pos, pos + 1);
        case '|': return d == '|' ? make(tok::or_, pos, pos + 2) : refuse(tok_bad::character, pos, pos + 1);
        default: return refuse(tok_bad::character, pos, pos + 1);
        }
    }

private:
    std::string_view s_;

    [[nodiscard]] static token make(tok k, std::size_t b, std::size_t e) noexcept {
        return {k, tok_bad::none, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e)};
    }
    [[nodiscard]] static token refuse(tok_bad why, std::size_t b, std::size_t e) noexcept {
        return {tok::bad, why, static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e)};
    }
    [[nodiscard]] std::size_t digits(std::size_t p) const noexcept {
        while (p < s_.size() && expr_digit(s_[p])) ++p;
        return p;
    }
    // NUM_INT, NUM_UINT and NUM_FLOAT of CEL.g4.
    [[nodiscard]] token number(std::size_t pos) const noexcept {
        const std::size_t n = s_.size();
        std::size_t p = pos;
        if (s_[p] == '0' && p + 2 < n && s_[p + 1] == 'x' && expr_hex(s_[p + 2])) {
            p += 2;
            while (p < n && expr_hex(s_[p])) ++p;
            if (p < n && (s_[p] == 'u' || s_[p] == 'U')) return refuse(tok_bad::unsigned_int, pos, p + 1);
            return make(tok::integer, pos, p);
        }
        p = digits(p);
        if (p + 1 < n && s_[p] == '.' && expr_digit(s_[p + 1])) return floating(pos, p + 1);
        if (p < n && (s_[p] == 'e' || s_[p] == 'E')) {
            std::size_t q = p + 1;
            if (q < n && (s_[q] == '+' || s_[q] == '-')) ++q;
            if (q < n && expr_digit(s_[q])) return refuse(tok_bad::floating, pos, digits(q));
        }
        if (p < n && (s_[p] == 'u' || s_[p] == 'U')) return refuse(tok_bad::unsigned_int, pos, p + 1);
        return make(tok::integer, pos, p);
    }
    // The rest of a float from the digits after its '.'.
    [[nodiscard]] token floating(std::size_t pos, std::size_t fraction) const noexcept {
        std::size_t p = digits(fraction);
        const std::size_t n = s_.size();
        if (p < n && (s_[p] == 'e' || s_[p] == 'E')) {
            std::size_t q = p + 1;
            if (q < n && (s_[q] == '+' || s_[q] == '-')) ++q;
            if (q < n && expr_digit(s_[q])) p = digits(q);
        }
        return refuse(tok_bad::floating, pos, p);
    }
    // A string or bytes literal from its opening quote: spanned only to be named.
    [[nodiscard]] token quoted(std::size_t pos, std::size_t quote, tok_bad why) const noexcept {
        std::size_t p = quote + 1;
        while (p < s_.size() && s_[p] != s_[quote] && s_[p] != '\n') p += s_[p] == '\\' ? 2 : 1;
        return refuse(why, pos, std::min(p + 1, s_.size()));
    }
    [[nodiscard]] token word(std::size_t pos) const noexcept {
        std::size_t p = pos;
        while (p < s_.size() && expr_ident_char(s_[p])) ++p;
        const std::string_view w = s_.substr(pos, p - pos);
        if (p < s_.size() && (s_[p] == '"' || s_[p] == '\'') &&
            (w == "r" || w == "R" || w == "b" || w == "B" || w == "br" || w == "bR" || w == "Br" || w == "BR"))
            return quoted(pos, p, w[0] == 'b' || w[0] == 'B' ? tok_bad::bytes : tok_bad::string);
        if (w == "true") return make(tok::kw_true, pos, p);
        if (w == "false") return make(tok::kw_false, pos, p);
        if (w == "null") return refuse(tok_bad::null, pos, p);
        if (w == "in") return refuse(tok_bad::in, pos, p);
        for (std::string_view r : {"as", "break", "const", "continue", "else", "for", "function", "if",
                                   "import", "let", "loop", "package", "namespace", "return", "var",
                                   "void", "while"})
            if (w == r) return refuse(tok_bad::reserved, pos, p);
        return make(tok::identifier, pos, p);
    }
};

} // namespace detail

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
    [[nodiscard]] static result<max_pods_expression> parse(std::string_view text);

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
        const auto r = eval(root_, vars);
        return {{nodes_[root_].type, r.value}, r.fault, r.offset};
    }

    /// The static type of the result (cel-go's checker would report the same). O(1).
    [[nodiscard]] expression_type type() const noexcept { return nodes_[root_].type; }

    /// Canonical text: single spaces around binary operators, parentheses only where CEL's
    /// precedence needs them. `parse(to_string())` gives an expression that prints the same
    /// and evaluates the same. O(nodes).
    [[nodiscard]] std::string to_string() const {
        std::string out;
        print(root_, out);
        return out;
    }

private:
    std::vector<detail::expr_node> nodes_;
    std::uint16_t root_ = 0;

    class parser;

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
        const auto& n = nodes_[i];
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
        const auto& n = nodes_[i];
        const auto child = [&](std::uint16_t k, bool parens) {
            if (parens) out += '(';
            print(k, out);
            if (parens) out += ')';
        };
        const int p = detail::expr_precedence(n.op);
        switch (n.op) {
        case expr_op::literal:
            if (n.type == expression_type::boolean) out += n.value != 0 ? "true" : "false";
            else out += fmt::format("{}", n.value);
            return;
        case expr_op::variable: out += detail::expr_variable_names[static_cast<std::size_t>(n.value)]; return;
        case expr_op::negate:
        case expr_op::logical_not: {
            out += detail::expr_symbol(n.op);
            const auto& k = nodes_[n.a];
            const bool plain = k.op == expr_op::variable || (k.op == expr_op::literal && k.type == expression_type::boolean);
            child(n.a, !plain);
            return;
        }
        case expr_op::conditional:
            child(n.a, detail::expr_precedence(nodes_[n.a].op) <= p);
            out += " ? ";
            child(n.b, detail::expr_precedence(nodes_[n.b].op) <= p);
            out += " : ";
            child(n.c, false);
            return;
        default:
            child(n.a, detail::expr_precedence(nodes_[n.a].op) < p);
            out += ' ';
            out += detail::expr_symbol(n.op);
            out += ' ';
            child(n.b, detail::expr_precedence(nodes_[n.b].op) <= p);
            return;
        }
    }
};

// Recursive descent over CEL.g4's rules: expr, conditionalOr, conditionalAnd, relation, calc
// (two levels), unary, member, primary. Builds the typed tree bottom-up; the first error stops.
class max_pods_expression::parser {
public:
    explicit parser(std::string_view text) : text_(text), lexer_(text) {}

    result<max_pods_expression> run() {
        if (text_.size() > max_pods_expression_max_length)
            return error(errc::invalid_max_pods_expression,
                         fmt::format("the expression is {} bytes; at most {} are accepted", text_.size(),
                                     max_pods_expression_max_length));
        tok_ = lexer_.lex(0);
        const auto root = expr();
        if (root != bad && tok_.kind != detail::tok::end) (void)unexpected("an operator or the end of the expression");
        if (!message_.empty()) return error(errc::invalid_max_pods_expression, std::move(message_));
        out_.root_ = static_cast<std::uint16_t>(root);
        return std::move(out_);
    }

private:
    using tok = detail::tok;
    using op = detail::expr_op;
    static constexpr std::uint32_t bad = 0xffffffff;

    std::string_view text_;
    detail::expr_lexer lexer_;
    detail::token tok_{};
    max_pods_expression out_;
    std::string message_;
    unsigned depth_ = 0;

    void advance() noexcept { tok_ = lexer_.lex(tok_.end); }
    [[nodiscard]] detail::token peek() const noexcept { return lexer_.lex(tok_.end); }
    [[nodiscard]] std::string_view text_of(const detail::token& t) const noexcept {
        return text_.substr(t.begin, t.end - t.begin);
    }

    std::uint32_t fail(std::uint32_t offset, std::string what) {
        if (message_.empty()) message_ = fmt::format("offset {}: {}", offset, what);
        return bad;
    }
    std::uint32_t unsupported(std::uint32_t offset, std::string_view construct, std::string_view what) {
        return fail(offset, fmt::format("unsupported construct '{}' ({} not in the integer subset)",
                                        detail::expr_quote(construct), what));
    }
    // The current token where `wanted` was expected: the lexer's reason if it refused it.
    std::uint32_t unexpected(std::string_view wanted) {
        using detail::tok_bad;
        const auto t = tok_;
        const auto text = text_of(t);
        if (t.kind == tok::bad) {
            switch (t.why) {
            case tok_bad::floating: return unsupported(t.begin, text, "floating-point literals are");
            case tok_bad::unsigned_int: return unsupported(t.begin, text, "unsigned literals are");
            case tok_bad::string: return unsupported(t.begin, text, "string literals are");
            case tok_bad::bytes: return unsupported(t.begin, text, "bytes literals are");
            case tok_bad::null: return unsupported(t.begin, text, "null is");
            case tok_bad::in: return unsupported(t.begin, text, "the 'in' operator is");
            case tok_bad::reserved: return fail(t.begin, fmt::format("reserved identifier '{}'", text));
            default:
                return fail(t.begin, fmt::format("unexpected character '{}'{}", detail::expr_quote(text),
                                                 text == "=" ? " (CEL compares with '==')"
                                                 : text == "&" ? " (CEL's and is '&&')"
                                                 : text == "|" ? " (CEL's or is '||')" : ""));
            }
        }
        switch (t.kind) {
        case tok::lbracket: return unsupported(t.begin, text, "indexing and list literals are");
        case tok::lbrace: return unsupported(t.begin, text, "map and message literals are");
        case tok::dot: return unsupported(t.begin, text, "field access and method calls are");
        case tok::end: return fail(t.begin, fmt::format("expected {}, found the end of the expression", wanted));
        default: return fail(t.begin, fmt::format("expected {}, found '{}'", wanted, detail::expr_quote(text)));
        }
    }

    // Adds a node after checking its operands' types and the tree's height.
    std::uint32_t node(op o, std::uint32_t offset, std::uint32_t a, std::uint32_t b = bad, std::uint32_t c = bad) {
        using detail::expr_type_name;
        auto& ns = out_.nodes_;
        const auto type_of = [&](std::uint32_t k) { return ns[k].type; };
        detail::expr_node n;
        n.op = o;
        n.offset = static_cast<std::uint16_t>(offset);
        const auto no_overload = [&](std::string_view name) {
            std::string args = std::string(expr_type_name(type_of(a)));
            for (auto k : {b, c})
                if (k != bad) args += fmt::format(", {}", expr_type_name(type_of(k)));
            return fail(offset, fmt::format("found no matching overload for '{}' applied to '({})'", name, args));
        };
        const auto I = expression_type::integer;
        const auto B = expression_type::boolean;
        switch (o) {
        case op::negate:
            if (type_of(a) != I) return no_overload("-_");
            n.type = I;
            break;
        case op::logical_not:
            if (type_of(a) != B) return no_overload("!_");
            n.type = B;
            break;
        case op::add: case op::sub: case op::mul: case op::div: case op::mod:
            if (type_of(a) != I || type_of(b) != I)
                return no_overload(fmt::format("_{}_", detail::expr_symbol(o)));
            n.type = I;
            break;
        case op::eq: case op::ne: case op::lt: case op::le: case op::gt: case op::ge:
            if (type_of(a) != type_of(b)) return no_overload(fmt::format("_{}_", detail::expr_symbol(o)));
            n.type = B;
            break;
        case op::logical_and: case op::logical_or:
            if (type_of(a) != B || type_of(b) != B) return no_overload(fmt::format("_{}_", detail::expr_symbol(o)));
            n.type = B;
            break;
        case op::conditional:
            if (type_of(a) != B || type_of(b) != type_of(c)) return no_overload("_?_:_");
            n.type = type_of(b);
            break;
        default: break;
        }
        unsigned height = 0;
        for (auto k : {a, b, c})
            if (k != bad) height = std::max<unsigned>(height, ns[k].height);
        if (height + 1 > max_pods_expression_max_depth) return too_deep(offset);
        n.height = static_cast<std::uint8_t>(height + 1);
        n.a = static_cast<std::uint16_t>(a);
        n.b = static_cast<std::uint16_t>(b == bad ? 0 : b);
        n.c = static_cast<std::uint16_t>(c == bad ? 0 : c);
        ns.push_back(n);
        return static_cast<std::uint32_t>(ns.size() - 1);
    }
    std::uint32_t leaf(op o, std::uint32_t offset, expression_type type, std::int64_t value) {
        detail::expr_node n;
        n.op = o;
        n.type = type;
        n.value = value;
        n.offset = static_cast<std::uint16_t>(offset);
        out_.nodes_.push_back(n);
        return static_cast<std::uint32_t>(out_.nodes_.size() - 1);
    }
    std::uint32_t too_deep(std::uint32_t offset) {
        return fail(offset, fmt::format("nesting deeper than {} levels", max_pods_expression_max_depth));
    }

    // expr: conditionalOr ('?' conditionalOr ':' expr)?
    std::uint32_t expr() {
        if (++depth_ > max_pods_expression_max_depth) return too_deep(tok_.begin);
        const auto cond = logical(tok::or_);
        if (cond == bad || tok_.kind != tok::question) {
            --depth_;
            return cond;
        }
        const auto question = tok_.begin;
        advance();
        const auto yes = logical(tok::or_);
        if (yes == bad) return bad;
        if (tok_.kind != tok::colon)
            return unexpected(fmt::format("':' of the conditional at offset {}", question));
        advance();
        const auto no = expr();
        if (no == bad) return bad;
        --depth_;
        return node(op::conditional, question, cond, yes, no);
    }

    // conditionalOr (kind ||) over conditionalAnd (kind &&) over relation.
    std::uint32_t logical(tok kind) {
        const auto operand = [&] { return kind == tok::or_ ? logical(tok::and_) : relation(); };
        auto left = operand();
        while (left != bad && tok_.kind == kind) {
            const auto at = tok_.begin;
            advance();
            const auto right = operand();
            if (right == bad) return bad;
            left = node(kind == tok::or_ ? op::logical_or : op::logical_and, at, left, right);
        }
        return left;
    }

    // relation: calc (('<'|'<='|'>='|'>'|'=='|'!=') calc)*, one level, left to right.
    std::uint32_t relation() {
        auto left = additive();
        for (;;) {
            if (left == bad) return bad;
            op o{};
            switch (tok_.kind) {
            case tok::eq: o = op::eq; break;
            case tok::ne: o = op::ne; break;
            case tok::lt: o = op::lt; break;
            case tok::le: o = op::le; break;
            case tok::gt: o = op::gt; break;
            case tok::ge: o = op::ge; break;
            default: return left;
            }
            const auto at = tok_.begin;
            advance();
            const auto right = additive();
            if (right == bad) return bad;
            left = node(o, at, left, right);
        }
    }

    std::uint32_t additive() {
        auto left = multiplicative();
        while (left != bad && (tok_.kind == tok::plus || tok_.kind == tok::minus)) {
            const auto o = tok_.kind == tok::plus ? op::add : op::sub;
            const auto at = tok_.begin;
            advance();
            const auto right = multiplicative();
            if (right == bad) return bad;
            left = node(o, at, left, right);
        }
        return left;
    }

    std::uint32_t multiplicative() {
        auto left = unary();
        while (left != bad && (tok_.kind == tok::star || tok_.kind == tok::slash || tok_.kind == tok::percent)) {
            const auto o = tok_.kind == tok::star ? op::mul : tok_.kind == tok::slash ? op::div : op::mod;
            const auto at = tok_.begin;
            advance();
            const auto right = unary();
            if (right == bad) return bad;
            left = node(o, at, left, right);
        }
        return left;
    }

    // unary: member | '!'+ member | '-'+ member. A lone '-' before an int literal is the
    // literal's sign (CEL.g4's `sign=MINUS? NUM_INT`); an even run is dropped, as cel-go does.
    std::uint32_t unary() {
        if (tok_.kind != tok::not_ && tok_.kind != tok::minus) return member();
        const auto kind = tok_.kind;
        if (kind == tok::minus && peek().kind == tok::integer) return member();
        const auto at = tok_.begin;
        std::size_t run = 0;
        while (tok_.kind == kind) {
            ++run;
            advance();
        }
        const auto operand = member();
        if (operand == bad || run % 2 == 0) return operand;
        return node(kind == tok::not_ ? op::logical_not : op::negate, at, operand);
    }

    // member: primary, refusing CEL's selections, calls and indexing after it.
    std::uint32_t member() {
        const auto p = primary();
        if (p == bad) return bad;
        if (tok_.kind == tok::dot) {
            const auto dot = tok_;
            advance();
            if (tok_.kind == tok::identifier) {
                const auto name = text_of(tok_);
                const auto after = peek();
                const auto construct = text_.substr(dot.begin, (after.kind == tok::lparen ? after.end : tok_.end) - dot.begin);
                if (after.kind != tok::lparen) return unsupported(dot.begin, construct, "field access is");
                for (std::string_view m : {"all", "exists", "exists_one", "map", "filter"})
                    if (name == m) return unsupported(dot.begin, construct, "macros are");
                return unsupported(dot.begin, construct, "method calls are");
            }
            return unsupported(dot.begin, text_.substr(dot.begin, 1), "field access is");
        }
        if (tok_.kind == tok::lbracket) return unsupported(tok_.begin, "[", "indexing is");
        return p;
    }

    std::uint32_t primary() {
        const auto t = tok_;
        switch (t.kind) {
        case tok::integer: advance(); return literal(t, false);
        case tok::minus: {
            const auto digits = peek();
            if (digits.kind != tok::integer) return unexpected("an operand");
            advance();
            advance();
            return literal(digits, true, t.begin);
        }
        case tok::kw_true: advance(); return leaf(op::literal, t.begin, expression_type::boolean, 1);
        case tok::kw_false: advance(); return leaf(op::literal, t.begin, expression_type::boolean, 0);
        case tok::dot: // a leading dot names the root scope: `.max_pods` is max_pods
            if (peek().kind != tok::identifier) return unexpected("an operand");
            advance();
            return identifier(t.begin);
        case tok::identifier: return identifier(t.begin);
        case tok::lparen: {
            advance();
            const auto e = expr();
            if (e == bad) return bad;
            if (tok_.kind != tok::rparen) return unexpected(fmt::format("')' to close the '(' at offset {}", t.begin));
            advance();
            return e;
        }
        case tok::lbracket: return unsupported(t.begin, "[", "list literals are");
        case tok::lbrace: return unsupported(t.begin, "{", "map literals are");
        default: return unexpected("an operand");
        }
    }

    // An identifier at tok_ (its leading dot, if any, at `from`): a variable, or refused.
    std::uint32_t identifier(std::uint32_t from) {
        const auto t = tok_;
        const auto name = text_of(t);
        advance();
        if (tok_.kind == tok::lparen) {
            const auto construct = text_.substr(from, tok_.end - from);
            if (name == "has") return unsupported(from, construct, "macros are");
            return unsupported(from, construct, "function calls are");
        }
        if (tok_.kind == tok::lbrace)
            return unsupported(from, text_.substr(from, tok_.end - from), "message literals are");
        for (std::size_t v = 0; v < detail::expr_variable_names.size(); ++v)
            if (name == detail::expr_variable_names[v])
                return leaf(op::variable, from, expression_type::integer, static_cast<std::int64_t>(v));
        for (std::string_view type : {"int", "uint", "double", "bool", "string", "bytes", "list", "map",
                                      "null_type", "type", "dyn"})
            if (name == type) return unsupported(from, name, "type names are");
        return fail(from, fmt::format("undeclared reference to '{}' (the variables are default_enis, "
                                      "ips_per_eni and max_pods)",
                                      name));
    }

    // cel-go's ParseInt of the literal, with its sign: decimal or 0x hex, within int64.
    std::uint32_t literal(const detail::token& t, bool negative, std::uint32_t sign_at = 0) {
        const auto digits = text_of(t);
        const bool hex = digits.size() > 2 && digits[1] == 'x';
        const std::uint64_t base = hex ? 16 : 10;
        const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
        std::uint64_t magnitude = 0;
        for (std::size_t i = hex ? 2 : 0; i < digits.size(); ++i) {
            const char c = digits[i];
            const std::uint64_t d = detail::expr_digit(c) ? static_cast<std::uint64_t>(c - '0')
                                    : c >= 'a'            ? static_cast<std::uint64_t>(c - 'a' + 10)
                                                          : static_cast<std::uint64_t>(c - 'A' + 10);
            if (magnitude > (limit - d) / base)
                return fail(negative ? sign_at : t.begin,
                            fmt::format("invalid int literal '{}{}' (outside the int64 range)",
                                        negative ? "-" : "", detail::expr_quote(digits)));
            magnitude = magnitude * base + d;
        }
        // -2^63 has no positive counterpart: negate in unsigned arithmetic, then convert.
        const std::int64_t value = negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
        return leaf(op::literal, negative ? sign_at : t.begin, expression_type::integer, value);
    }
};

inline result<max_pods_expression> max_pods_expression::parse(std::string_view text) {
    return parser(text).run();
}

} // namespace enipool
