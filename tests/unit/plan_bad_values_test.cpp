// enipool-plan against hostile values: every flag of every subcommand, taken from the CLI11
// app itself (so a new flag is covered without an edit here), crossed with values a user
// can type by mistake. Each case runs the built program and must exit 2 with nothing on
// stdout and ONE line on stderr that names the flag, unless the pair is in `allowed` below,
// where a value is valid for the flag and the run must succeed (exit 0).
#include <catch2/catch.hpp>

#include "cli_help.hpp"
#include "plan_app.hpp"
#include "run_process.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

using args = std::vector<std::string>;

// A command line per subcommand that succeeds quickly; each case adds (or replaces) one flag.
const std::map<std::string, args> base_args{
    {"catalog", {"--type", "m5.large"}},
    {"max-pods", {"--type", "m5.large"}},
    {"simulate", {"--subnet", "10.0.0.0/24", "--duration", "1m", "--pods", "5", "--burst-pods", "0", "--max-nodes",
                  "2", "--policy", "prefix-first"}},
    {"subnet", {"--subnet", "198.18.0.0/24", "--max-nodes", "2", "--policy", "prefix-first", "--no-map"}},
};

const std::string interfaces = ENIPOOL_SOURCE_DIR "/tests/data/aws/describe-network-interfaces-page1.json";

// Flags that apply only beside another: what the case adds so that an allowed value succeeds
// (a refused value is refused by the flag's own check before these matter).
const std::map<std::string, args> context_args{
    {"--pre-allocate", {"--warm", "cilium"}},        {"--min-allocate", {"--warm", "cilium"}},
    {"--max-allocate", {"--warm", "cilium"}},        {"--max-above-watermark", {"--warm", "cilium"}},
    {"--warm-addresses", {"--warm", "auto-mode"}},   {"--subnet-id", {"--network-interfaces", interfaces}},
    {"--reservations", {"--network-interfaces", interfaces}},
};

// The bad values: what a typo, a script's unset variable or a paste produces.
const args bad_values{
    "nan", "inf", "-inf", "-1", "0",
    "4294967296",           // unsigned's maximum + 1
    "18446744073709551616", // std::uint64_t's maximum + 1
    "1e309",                // beyond double's maximum
    "1e308", "", "\xc3\xa9t\xc3\xa9", // non-ASCII
    "10.0.0.0/33",
    "/nonexistent/enipool-plan/file", // a path that does not exist
    ENIPOOL_BIN_DIR,                  // a directory
};

struct allowed_pair {
    std::string command; // "*": every subcommand with the flag
    std::string flag;
    std::set<std::string> values;
    const char* why;
};

// File names that are valid for a file the command writes: any name in an existing directory
// (the case runs in a scratch directory, and the test removes what it wrote).
const std::set<std::string> file_names{
    "nan", "inf", "-inf", "-1", "0", "4294967296", "18446744073709551616", "1e309", "1e308", "\xc3\xa9t\xc3\xa9"};

// Values that are valid for a flag. Each entry says why; every one is run and must exit 0.
const std::vector<allowed_pair> allowed{
    {"simulate", "--churn", {"0"}, "no pod replacements"},
    {"simulate", "--throttle-rate", {"0"}, "no throttling"},
    {"simulate", "--pods", {"0"}, "an empty base deployment (bursts or nothing)"},
    {"simulate", "--burst-pods", {"0"}, "documented: 0 means no bursts"},
    {"simulate", "--burst-every", {"0"}, "documented: 0 means no bursts"},
    {"simulate", "--burst-hold", {"0"}, "a burst that scales down at once"},
    {"simulate", "--cooldown", {"0"}, "IP_COOLDOWN_PERIOD=0: addresses reused at once"},
    {"simulate", "--csv", file_names, "a file name in the working directory"},
    {"simulate", "--svg", file_names, "a file name in the working directory"},
    {"*", "--pre-fragment", {"0"}, "a subnet without foreign allocations"},
    {"*", "--seed", {"0", "4294967296"}, "any 64-bit seed"},
    {"*", "--warm-eni-target", {"0"}, "WARM_ENI_TARGET=0 is a VPC CNI setting (no spare ENI)"},
    {"*", "--warm-ip-target", {"0"}, "WARM_IP_TARGET=0 is a VPC CNI setting (no spare address)"},
    {"*", "--minimum-ip-target", {"0"}, "MINIMUM_IP_TARGET=0 is a VPC CNI setting (no floor)"},
    {"*", "--warm-prefix-target", {"0"}, "WARM_PREFIX_TARGET=0 is a VPC CNI setting (no spare prefix)"},
    {"*", "--pre-allocate", {"0"}, "Cilium's pre-allocate 0: no spare address"},
    {"*", "--min-allocate", {"0"}, "Cilium's min-allocate 0: its default, no floor"},
    {"*", "--max-allocate", {"0"}, "Cilium's max-allocate 0: its default, no limit"},
    {"*", "--max-above-watermark", {"0"}, "Cilium's max-above-watermark 0: its default"},
    {"*", "--warm-addresses", {"0"}, "Auto Mode with no warm address: allocate on demand"},
    {"max-pods", "--reserved-enis", {"0"}, "the default: no ENI kept for other uses"},
    {"max-pods", "--pods-per-core", {"0"}, "documented: 0 turns Karpenter's per-core limit off"},
    // nodeadm evaluates maxPodsExpression and, on any error (syntax, unknown name, a value that
    // is not a positive int32), warns and uses its standard value; the planner reproduces that
    // and prints nodeadm's warning on stderr, so no value is silently taken. (The empty
    // expression, which would read as unset, is refused.)
    {"max-pods",
     "--max-pods-expression",
     {"nan", "inf", "-inf", "-1", "0", "4294967296", "18446744073709551616", "1e309", "1e308",
      "\xc3\xa9t\xc3\xa9", "10.0.0.0/33", "/nonexistent/enipool-plan/file", ENIPOOL_BIN_DIR},
     "nodeadm warns and falls back"},
};

bool is_allowed(const std::string& command, const std::string& flag, const std::string& value) {
    return std::any_of(allowed.begin(), allowed.end(), [&](const allowed_pair& a) {
        return (a.command == "*" || a.command == command) && a.flag == flag && a.values.contains(value);
    });
}

// `base` without `flag` (and its value when it takes one).
args without(const args& base, const std::string& flag, bool takes_value) {
    args out;
    for (std::size_t i = 0; i < base.size(); ++i) {
        if (base[i] == flag) {
            if (takes_value) ++i;
            continue;
        }
        out.push_back(base[i]);
    }
    return out;
}

struct flag_info {
    std::string command; // "" for the top level
    std::string name;    // --long-name
    bool takes_value = false;
};

// Every long flag of the app and of each subcommand, from CLI11.
std::vector<flag_info> every_flag() {
    const auto plan = enipool_plan::make_plan_app();
    std::vector<flag_info> out;
    const auto add = [&](const std::string& command, const CLI::App& app) {
        for (const CLI::Option* opt : app.get_options()) {
            REQUIRE(!opt->get_lnames().empty()); // every flag has a long name
            out.push_back({command, "--" + opt->get_lnames().front(), opt->get_expected_max() > 0});
        }
    };
    add("", plan->app);
    for (const auto& [sub, run] : plan->commands) add(sub->get_name(), *sub);
    return out;
}

enipool_test::process_result plan(const args& a) {
    return enipool_test::run_process(ENIPOOL_BIN_DIR "/enipool-plan", a, ENIPOOL_BIN_DIR);
}

std::string joined(const args& a) {
    std::string out;
    for (const auto& s : a) out += "'" + s + "' ";
    return out;
}

} // namespace

TEST_CASE("every subcommand has a base command line that succeeds", "[plan][cli][hostile]") {
    const auto plan_app = enipool_plan::make_plan_app();
    REQUIRE(plan_app->commands.size() == base_args.size());
    for (const auto& [sub, run] : plan_app->commands) {
        const auto base = base_args.find(sub->get_name());
        REQUIRE(base != base_args.end());
        args a{sub->get_name()};
        a.insert(a.end(), base->second.begin(), base->second.end());
        const auto r = plan(a);
        INFO("enipool-plan " << joined(a) << "\nstderr: " << r.err);
        CHECK(r.status == 0);
        CHECK(!r.out.empty());
    }
}

TEST_CASE("every flag refuses every bad value: exit 2, one line naming the flag", "[plan][cli][hostile]") {
    // A scratch working directory: relative file names the cases write land (and are removed) here.
    const std::filesystem::path scratch = ENIPOOL_BIN_DIR "/plan_bad_values.cwd";
    std::filesystem::remove_all(scratch);
    std::filesystem::create_directories(scratch);
    const auto previous = std::filesystem::current_path();
    std::filesystem::current_path(scratch);
    const auto flags = every_flag();
    REQUIRE(flags.size() > 40); // the four subcommands' flags, --help of each included
    std::size_t refused = 0, accepted = 0;
    std::set<std::tuple<std::string, std::string, std::string>> allowed_seen;
    for (const auto& f : flags) {
        for (const auto& value : bad_values) {
            args a;
            if (!f.command.empty()) {
                a.push_back(f.command);
                const auto rest = without(base_args.at(f.command), f.name, f.takes_value);
                a.insert(a.end(), rest.begin(), rest.end());
                if (const auto c = context_args.find(f.name); c != context_args.end())
                    a.insert(a.end(), c->second.begin(), c->second.end());
            }
            // A flag without a value gets it as --flag=value (as a separate word it would be a
            // stray argument, not a value of the flag).
            if (f.takes_value) {
                a.push_back(f.name);
                a.push_back(value);
            } else {
                a.push_back(f.name + "=" + value);
            }
            const auto r = plan(a);
            for (const auto& written : std::filesystem::directory_iterator(scratch)) std::filesystem::remove(written);
            INFO("enipool-plan " << joined(a) << "\nstatus " << r.status << "\nstdout: " << r.out.substr(0, 200)
                                 << "\nstderr: " << r.err);
            if (is_allowed(f.command, f.name, value)) {
                allowed_seen.emplace(f.command, f.name, value);
                CHECK(r.status == 0);
                ++accepted;
                continue;
            }
            CHECK(r.status == 2);
            CHECK(r.out.empty());
            CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
            CHECK(r.err.ends_with("\n"));
            CHECK_THAT(r.err, Catch::Contains(f.name));
            ++refused;
        }
    }
    std::filesystem::current_path(previous);
    std::filesystem::remove_all(scratch);
    // Every allowed pair names a real flag and value: none is dead weight.
    std::size_t listed = 0;
    for (const auto& a : allowed)
        for (const auto& f : flags)
            if ((a.command == "*" || a.command == f.command) && a.flag == f.name) listed += a.values.size();
    CHECK(accepted == listed);
    CHECK(accepted == allowed_seen.size());
    WARN("enipool-plan bad values: " << refused + accepted << " cases over " << flags.size() << " flags, " << refused
                                     << " refused, " << accepted << " allowed");
}

TEST_CASE("the parse-time checks take the values they exist for", "[plan][cli][hostile]") {
    const auto run = [](const args& a) {
        const auto r = plan(a);
        INFO("enipool-plan " << joined(a) << "\nstderr: " << r.err);
        CHECK(r.status == 0);
        CHECK(!r.out.empty());
    };
    // An AWS subnet ID (17 hex digits), with the interfaces it filters.
    run({"subnet", "--subnet", "198.18.0.0/24", "--max-nodes", "2", "--no-map", "--network-interfaces", interfaces,
         "--subnet-id", "subnet-0123456789abcdef0"});
    // Every duration form, a reservation, a fraction and the top of a range.
    run({"simulate", "--subnet", "10.0.0.0/24", "--duration", "90s", "--sample", "500ms", "--burst-every", "0.5m",
         "--burst-hold", "10", "--cooldown", "1h", "--pods", "5", "--max-nodes", "2", "--policy", "prefix-first",
         "--reserve", "10.0.0.0/28:explicit", "--throttle-rate", "1", "--churn", "0.25", "--pre-fragment", "2.5"});
    // Whole numbers at the top of their ranges.
    run({"max-pods", "--type", "m5.large", "--vcpus", "1000000", "--cni-max-eni", "1", "--max-pods", "1000000"});
}

namespace {

// Two values, valid together, for each flag whose --help says "repeatable" (by subcommand),
// so that a flag the help calls repeatable is shown to take two.
const std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> two_values{
    {{"catalog", "--type"}, {"m5.large", "c5.large"}},
    {{"catalog", "--family"}, {"m5", "c5"}},
    {{"max-pods", "--type"}, {"m5.large", "c5.large"}},
    {{"simulate", "--subnet"}, {"10.0.0.0/24", "10.0.1.0/24"}},
    {{"simulate", "--reserve"}, {"10.0.0.32/28:explicit", "10.0.0.48/28:prefix"}},
    {{"subnet", "--reserve"}, {"198.18.0.32/28:explicit", "198.18.0.48/28:prefix"}},
    {{"subnet", "--network-interfaces"},
     {ENIPOOL_SOURCE_DIR "/tests/data/aws/describe-network-interfaces-page1.json",
      ENIPOOL_SOURCE_DIR "/tests/data/aws/describe-network-interfaces-page2.json"}},
};

// The long flags of `enipool-plan <command> --help` whose line says "repeatable".
std::vector<std::string> repeatable_flags(const std::string& command) {
    const auto r = plan({command, "--help"});
    REQUIRE(r.status == 0);
    std::vector<std::string> out;
    for (const auto& [flag, help] : enipool_test::help_entries(r.out))
        if (help.find("repeatable") != std::string::npos) out.push_back(flag);
    return out;
}

} // namespace

TEST_CASE("every flag whose --help says repeatable takes two values", "[plan][cli][help]") {
    // The help is the contract: `subnet --help` once called --subnet repeatable, and the command
    // then refused a second one. Each such flag is given twice on the subcommand's base line.
    std::size_t checked = 0;
    for (const auto& [command, base] : base_args) {
        for (const auto& flag : repeatable_flags(command)) {
            const auto values = two_values.find({command, flag});
            INFO("enipool-plan " << command << " " << flag);
            REQUIRE(values != two_values.end()); // a new repeatable flag needs two values above
            args a{command};
            const auto rest = without(base, flag, true);
            a.insert(a.end(), rest.begin(), rest.end());
            a.insert(a.end(), {flag, values->second.first, flag, values->second.second});
            const auto r = plan(a);
            INFO(joined(a) << "\nstderr: " << r.err);
            CHECK(r.status == 0);
            ++checked;
        }
    }
    CHECK(checked == two_values.size()); // no entry above is dead weight
}

TEST_CASE("a well-formed --subnet-id that no interface has is refused, listing the ids there are",
          "[plan][cli][hostile]") {
    // Before, it silently gave an empty subnet.
    const args a{"subnet", "--subnet", "198.18.0.0/24", "--max-nodes", "2", "--no-map", "--network-interfaces",
                 interfaces, "--subnet-id", "subnet-0fffffffffffffff0"};
    const auto r = plan(a);
    INFO(joined(a) << "\nstderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "enipool-plan subnet: --subnet-id subnet-0fffffffffffffff0 is the SubnetId of none of the 2 "
                   "interfaces; they have subnet-0123456789abcdef0\n");
}
