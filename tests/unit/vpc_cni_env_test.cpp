// vpc_cni_warm_config_from_env: every parse rule of ipamd's target getters (ipamd.go
// @b521883 L1424-1456, L2029-2057; strconv.Atoi's syntax), each with an expectation worked
// out by hand from those rules.
#include <enipool/warm/vpc_cni_env.hpp>

#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace {

using enipool::vpc_cni_warm_config;
using enipool::vpc_cni_warm_config_from_env;

// An environment from a map: a name not in the map is unset.
struct fake_env {
    std::map<std::string, std::string, std::less<>> vars;
    std::optional<std::string> operator()(std::string_view name) const {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    }
};

vpc_cni_warm_config read(std::map<std::string, std::string, std::less<>> vars, vpc_cni_warm_config base = {}) {
    return vpc_cni_warm_config_from_env(fake_env{std::move(vars)}, base);
}

// Each of the four variables set alone to `text`.
struct one_of_each {
    vpc_cni_warm_config eni, ip, min, prefix;
};
one_of_each each_set_to(const std::string& text) {
    return {read({{"WARM_ENI_TARGET", text}}), read({{"WARM_IP_TARGET", text}}),
            read({{"MINIMUM_IP_TARGET", text}}), read({{"WARM_PREFIX_TARGET", text}})};
}

// The value ipamd uses as the default, for each variable, is what a default base holds.
void check_all_defaults(const one_of_each& r) {
    CHECK(r.eni.warm_eni_target == 1u);
    CHECK_FALSE(r.ip.warm_ip_target.has_value());
    CHECK_FALSE(r.min.minimum_ip_target.has_value());
    CHECK_FALSE(r.prefix.warm_prefix_target.has_value());
}

void check_all_equal(const one_of_each& r, unsigned value) {
    CHECK(r.eni.warm_eni_target == value);
    CHECK(r.ip.warm_ip_target == std::optional<unsigned>(value));
    CHECK(r.min.minimum_ip_target == std::optional<unsigned>(value));
    CHECK(r.prefix.warm_prefix_target == std::optional<unsigned>(value));
}

} // namespace

TEST_CASE("nothing set: ipamd's defaults (WARM_ENI_TARGET 1, the others unset)", "[vpc_cni_env]") {
    const auto c = read({});
    CHECK(c.warm_eni_target == 1u);
    CHECK_FALSE(c.warm_ip_target.has_value());
    CHECK_FALSE(c.minimum_ip_target.has_value());
    CHECK_FALSE(c.warm_prefix_target.has_value());
}

TEST_CASE("plain decimal values are read for each variable", "[vpc_cni_env]") {
    check_all_equal(each_set_to("5"), 5);
    check_all_equal(each_set_to("12"), 12);
    const auto all = read({{"WARM_ENI_TARGET", "2"}, {"WARM_IP_TARGET", "3"}, {"MINIMUM_IP_TARGET", "10"},
                           {"WARM_PREFIX_TARGET", "4"}});
    CHECK(all.warm_eni_target == 2u);
    CHECK(all.warm_ip_target == std::optional<unsigned>(3));
    CHECK(all.minimum_ip_target == std::optional<unsigned>(10));
    CHECK(all.warm_prefix_target == std::optional<unsigned>(4));
}

TEST_CASE("0 is read as 0 for each variable; an IP target of 0 then counts as unset, as in ipamd",
          "[vpc_cni_env]") {
    check_all_equal(each_set_to("0"), 0);
    // "0" also replaces an IP target the base had: ipamd would hold 0 = noWarmIPTarget.
    vpc_cni_warm_config base;
    base.warm_ip_target = 7;
    base.minimum_ip_target = 9;
    const auto c = read({{"WARM_IP_TARGET", "0"}, {"MINIMUM_IP_TARGET", "00"}}, base);
    CHECK(c.warm_ip_target == std::optional<unsigned>(0));
    CHECK(c.minimum_ip_target == std::optional<unsigned>(0));
    CHECK_FALSE(enipool::vpc_cni_warm(c).ip_targets_set());  // ipamd's warmIPTargetsDefined: 0 and 0 -> false
}

TEST_CASE("Atoi's sign: a leading '+' is accepted, '-0' is 0, a negative value gives the default",
          "[vpc_cni_env]") {
    check_all_equal(each_set_to("+7"), 7);
    check_all_equal(each_set_to("-0"), 0);
    check_all_defaults(each_set_to("-1"));
    check_all_defaults(each_set_to("-5"));
    // One sign only, and a sign alone is not a number.
    check_all_defaults(each_set_to("+"));
    check_all_defaults(each_set_to("-"));
    check_all_defaults(each_set_to("++1"));
    check_all_defaults(each_set_to("+-1"));
}

TEST_CASE("Atoi's syntax: leading zeros are fine; spaces, '_', base prefixes, fractions, words are not",
          "[vpc_cni_env]") {
    check_all_equal(each_set_to("007"), 7);
    check_all_equal(each_set_to("0000000000000000000000003"), 3);  // 25 characters: Go's slow path, still 3
    for (const char* bad : {"", " 5", "5 ", " ", "\t5", "5\n", "1_000", "0x10", "1e2", "2.5", "5a", "five",
                            "non-integer-string", "\xd9\xa5" /* ARABIC-INDIC DIGIT FIVE */}) {
        INFO('"' << bad << '"');
        check_all_defaults(each_set_to(bad));
    }
}

TEST_CASE("Atoi's range: up to 2^63 - 1 is an integer (saturated to unsigned's max), past it the default",
          "[vpc_cni_env]") {
    constexpr unsigned most = std::numeric_limits<unsigned>::max();
    check_all_equal(each_set_to("4294967295"), most);           // UINT_MAX itself
    check_all_equal(each_set_to("4294967296"), most);           // one past: ipamd holds it, enipool saturates
    check_all_equal(each_set_to("9223372036854775807"), most);  // INT64_MAX: still an int for Go
    check_all_defaults(each_set_to("9223372036854775808"));     // INT64_MAX + 1: Atoi's range error
    check_all_defaults(each_set_to("99999999999999999999"));
    check_all_defaults(each_set_to("-9223372036854775808"));    // INT64_MIN: an int, but negative
    check_all_defaults(each_set_to("-9223372036854775809"));    // past INT64_MIN: range error
}

TEST_CASE("a value ipamd ignores keeps base's value; a value it reads replaces it; other fields pass through",
          "[vpc_cni_env]") {
    vpc_cni_warm_config base;
    base.warm_eni_target = 3;
    base.warm_ip_target = 4;
    base.minimum_ip_target = 6;
    base.warm_prefix_target = 2;
    base.strict_detach = !base.strict_detach;
    base.shrink_interval = std::chrono::seconds{45};
    const auto ignored = read({{"WARM_ENI_TARGET", "-1"}, {"WARM_IP_TARGET", "x"}, {"MINIMUM_IP_TARGET", ""}}, base);
    CHECK(ignored.warm_eni_target == 3u);
    CHECK(ignored.warm_ip_target == std::optional<unsigned>(4));
    CHECK(ignored.minimum_ip_target == std::optional<unsigned>(6));
    CHECK(ignored.warm_prefix_target == std::optional<unsigned>(2));  // unset
    CHECK(ignored.strict_detach == base.strict_detach);
    CHECK(ignored.shrink_interval == std::chrono::seconds{45});
    const auto replaced = read({{"WARM_ENI_TARGET", "0"}, {"WARM_PREFIX_TARGET", "+1"}}, base);
    CHECK(replaced.warm_eni_target == 0u);
    CHECK(replaced.warm_prefix_target == std::optional<unsigned>(1));
    CHECK(replaced.warm_ip_target == std::optional<unsigned>(4));
}

TEST_CASE("only the four exact names are read", "[vpc_cni_env]") {
    check_all_defaults({read({{"warm_eni_target", "5"}}), read({{"WARM_IP_TARGET ", "5"}}),
                        read({{"MINIMUM_IP", "5"}}), read({{"WARM_PREFIX", "5"}})});
}

TEST_CASE("detail::go_atoi mirrors strconv.Atoi on 64-bit platforms", "[vpc_cni_env]") {
    using enipool::detail::go_atoi;
    static_assert(go_atoi("42") == 42);
    static_assert(go_atoi("-42") == -42);
    static_assert(go_atoi("+42") == 42);
    static_assert(!go_atoi("4 2"));
    CHECK(go_atoi("-9223372036854775808") == std::numeric_limits<std::int64_t>::min());
    CHECK(go_atoi("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
    CHECK_FALSE(go_atoi("9223372036854775808"));
    CHECK_FALSE(go_atoi(""));
}
