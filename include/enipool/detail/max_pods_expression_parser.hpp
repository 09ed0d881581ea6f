// enipool/detail/max_pods_expression_parser.hpp: the typed syntax tree of max_pods_expression
// and the parser that builds it from CEL text (internal).
//
// The parser follows CEL.g4's rules and cel-go's parser and checker for what the integer
// subset has, and names with its byte offset everything it does not have.
#pragma once

#include <enipool/detail/cel_lexer.hpp>
#include <enipool/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace enipool::detail {

enum class expr_op : std::uint8_t {
    literal, variable, negate, logical_not, add, sub, mul, div, mod,
    eq, ne, lt, le, gt, ge, logical_and, logical_or, conditional,
};

// One node of the flat tree; children are indices into the same vector. Offsets and indices
// fit 16 bits because the input does (each node consumes at least one byte of it; the parser
// is given at most 65535 bytes).
struct expr_node {
    std::int64_t value = 0;        // literal value, or variable index
    std::uint16_t a = 0, b = 0, c = 0;
    std::uint16_t offset = 0;      // byte offset of the operator / operand
    expr_op op = expr_op::literal;
    bool boolean = false;          // the node's CEL type: bool, else int
    std::uint8_t height = 1;
};

// A parsed expression: its nodes, children before parents, and the root.
struct expr_tree {
    std::vector<expr_node> nodes;
    std::uint16_t root = 0;
};

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

[[nodiscard]] constexpr std::string_view expr_type_name(bool boolean) noexcept { return boolean ? "bool" : "int"; }

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

// Recursive descent over CEL.g4's rules: expr, conditionalOr, conditionalAnd, relation, calc
// (two levels), unary, member, primary. Builds the typed tree bottom-up; the first error stops
// it, and its detail is "offset N: what".
class expr_parser {
public:
    expr_parser(std::string_view text, std::size_t max_length, unsigned max_depth)
        : text_(text), lexer_(text),
          max_length_(std::min<std::size_t>(max_length, 0xffff)), // offsets and indices are 16 bits
          max_depth_(std::min(max_depth, 0xffu)) {}              // heights are 8 bits

    result<expr_tree> run() {
        if (text_.size() > max_length_)
            return error(errc::invalid_max_pods_expression,
                         fmt::format("the expression is {} bytes; at most {} are accepted", text_.size(),
                                     max_length_));
        tok_ = lexer_.lex(0);
        const auto root = expr();
        if (root != bad && tok_.kind != tok::end) (void)unexpected("an operator or the end of the expression");
        if (!message_.empty()) return error(errc::invalid_max_pods_expression, std::move(message_));
        out_.root = static_cast<std::uint16_t>(root);
        return std::move(out_);
    }

private:
    using op = expr_op;
    static constexpr std::uint32_t bad = 0xffffffff;

    std::string_view text_;
    expr_lexer lexer_;
    token tok_{};
    std::size_t max_length_;
    unsigned max_depth_;
    expr_tree out_;
    std::string message_;
    unsigned depth_ = 0;

    void advance() noexcept { tok_ = lexer_.lex(tok_.end); }
    [[nodiscard]] token peek() const noexcept { return lexer_.lex(tok_.end); }
    [[nodiscard]] std::string_view text_of(const token& t) const noexcept {
        return text_.substr(t.begin, t.end - t.begin);
    }

    std::uint32_t fail(std::uint32_t offset, std::string what) {
        if (message_.empty()) message_ = fmt::format("offset {}: {}", offset, what);
        return bad;
    }
    std::uint32_t unsupported(std::uint32_t offset, std::string_view construct, std::string_view what) {
        return fail(offset, fmt::format("unsupported construct '{}' ({} not in the integer subset)",
                                        expr_quote(construct), what));
    }
    // The current token where `wanted` was expected: the lexer's reason if it refused it.
    std::uint32_t unexpected(std::string_view wanted) {
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
                return fail(t.begin, fmt::format("unexpected character '{}'{}", expr_quote(text),
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
        default: return fail(t.begin, fmt::format("expected {}, found '{}'", wanted, expr_quote(text)));
        }
    }

    // Adds a node after checking its operands' types and the tree's height.
    std::uint32_t node(op o, std::uint32_t offset, std::uint32_t a, std::uint32_t b = bad, std::uint32_t c = bad) {
        auto& ns = out_.nodes;
        const auto type_of = [&](std::uint32_t k) { return ns[k].boolean; };
        expr_node n;
        n.op = o;
        n.offset = static_cast<std::uint16_t>(offset);
        const auto no_overload = [&](std::string_view name) {
            std::string args = std::string(expr_type_name(type_of(a)));
            for (auto k : {b, c})
                if (k != bad) args += fmt::format(", {}", expr_type_name(type_of(k)));
            return fail(offset, fmt::format("found no matching overload for '{}' applied to '({})'", name, args));
        };
        constexpr bool int_type = false, bool_type = true; // expr_node::boolean
        switch (o) {
        case op::negate:
            if (type_of(a) != int_type) return no_overload("-_");
            n.boolean = int_type;
            break;
        case op::logical_not:
            if (type_of(a) != bool_type) return no_overload("!_");
            n.boolean = bool_type;
            break;
        case op::add: case op::sub: case op::mul: case op::div: case op::mod:
            if (type_of(a) != int_type || type_of(b) != int_type)
                return no_overload(fmt::format("_{}_", expr_symbol(o)));
            n.boolean = int_type;
            break;
        case op::eq: case op::ne: case op::lt: case op::le: case op::gt: case op::ge:
            if (type_of(a) != type_of(b)) return no_overload(fmt::format("_{}_", expr_symbol(o)));
            n.boolean = bool_type;
            break;
        case op::logical_and: case op::logical_or:
            if (type_of(a) != bool_type || type_of(b) != bool_type)
                return no_overload(fmt::format("_{}_", expr_symbol(o)));
            n.boolean = bool_type;
            break;
        case op::conditional:
            if (type_of(a) != bool_type || type_of(b) != type_of(c)) return no_overload("_?_:_");
            n.boolean = type_of(b);
            break;
        default: break;
        }
        unsigned height = 0;
        for (auto k : {a, b, c})
            if (k != bad) height = std::max<unsigned>(height, ns[k].height);
        if (height + 1 > max_depth_) return too_deep(offset);
        n.height = static_cast<std::uint8_t>(height + 1);
        n.a = static_cast<std::uint16_t>(a);
        n.b = static_cast<std::uint16_t>(b == bad ? 0 : b);
        n.c = static_cast<std::uint16_t>(c == bad ? 0 : c);
        ns.push_back(n);
        return static_cast<std::uint32_t>(ns.size() - 1);
    }
    std::uint32_t leaf(op o, std::uint32_t offset, bool boolean, std::int64_t value) {
        expr_node n;
        n.op = o;
        n.boolean = boolean;
        n.value = value;
        n.offset = static_cast<std::uint16_t>(offset);
        out_.nodes.push_back(n);
        return static_cast<std::uint32_t>(out_.nodes.size() - 1);
    }
    std::uint32_t too_deep(std::uint32_t offset) {
        return fail(offset, fmt::format("nesting deeper than {} levels", max_depth_));
    }

    // expr: conditionalOr ('?' conditionalOr ':' expr)?
    std::uint32_t expr() {
        if (++depth_ > max_depth_) return too_deep(tok_.begin);
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
                const auto until = after.kind == tok::lparen ? after.end : tok_.end;
                const auto construct = text_.substr(dot.begin, until - dot.begin);
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
        case tok::kw_true: advance(); return leaf(op::literal, t.begin, true, 1);
        case tok::kw_false: advance(); return leaf(op::literal, t.begin, true, 0);
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
        for (std::size_t v = 0; v < expr_variable_names.size(); ++v)
            if (name == expr_variable_names[v])
                return leaf(op::variable, from, false, static_cast<std::int64_t>(v));
        // `x.y`, `x.f(...)`, `x[0]`: the selection is what is outside the subset; member() names it.
        if (tok_.kind == tok::dot || tok_.kind == tok::lbracket)
            return leaf(op::variable, from, false, 0);
        for (std::string_view type : {"int", "uint", "double", "bool", "string", "bytes", "list", "map",
                                      "null_type", "type", "dyn"})
            if (name == type) return unsupported(from, name, "type names are");
        return fail(from, fmt::format("undeclared reference to '{}' (the variables are default_enis, "
                                      "ips_per_eni and max_pods)",
                                      name));
    }

    // cel-go's ParseInt of the literal, with its sign: decimal or 0x hex, within int64.
    std::uint32_t literal(const token& t, bool negative, std::uint32_t sign_at = 0) {
        const auto digits = text_of(t);
        const bool hex = digits.size() > 2 && digits[1] == 'x';
        const std::uint64_t base = hex ? 16 : 10;
        const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
        std::uint64_t magnitude = 0;
        for (std::size_t i = hex ? 2 : 0; i < digits.size(); ++i) {
            const char c = digits[i];
            const std::uint64_t d = expr_digit(c) ? static_cast<std::uint64_t>(c - '0')
                                    : c >= 'a'            ? static_cast<std::uint64_t>(c - 'a' + 10)
                                                          : static_cast<std::uint64_t>(c - 'A' + 10);
            if (magnitude > (limit - d) / base)
                return fail(negative ? sign_at : t.begin,
                            fmt::format("invalid int literal '{}{}' (outside the int64 range)",
                                        negative ? "-" : "", expr_quote(digits)));
            magnitude = magnitude * base + d;
        }
        // -2^63 has no positive counterpart: negate in unsigned arithmetic, then convert.
        const std::int64_t value =
            negative ? static_cast<std::int64_t>(~magnitude + 1) : static_cast<std::int64_t>(magnitude);
        return leaf(op::literal, negative ? sign_at : t.begin, false, value);
    }
};

} // namespace enipool::detail
