// enipool/detail/cel_lexer.hpp: CEL's lexer (CEL.g4's lexer rules), for the tokens of
// max_pods_expression's integer subset and enough of the rest to name what it refuses (internal).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace enipool::detail {

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
            while (pos < n && (s_[pos] == ' ' || s_[pos] == '\t' || s_[pos] == '\r' || s_[pos] == '\n' ||
                               s_[pos] == '\f'))
                ++pos;
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
        while (p < s_.size() && s_[p] != s_[quote] && s_[p] != '\n')
            p += s_[p] == '\\' ? std::size_t{2} : std::size_t{1}; // skip an escaped character
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

} // namespace enipool::detail
