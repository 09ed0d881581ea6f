// max_pods.hpp: every calculator on every row of tests/data/instance-limits.csv against
// the formulas of docs/domain.md section 2, written out again here in plain signed arithmetic
// from a few lines of independent CSV parsing; plus the worked examples and every error.
#include <enipool/catalog.hpp>
#include <enipool/max_pods.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using enipool::errc;
using enipool::growth_policy_kind;
using enipool::hypervisor_kind;
using enipool::instance_type;

namespace {

struct row {
    std::string name;
    long long enis = 0, ipv4 = 0;
    std::string hypervisor;
    bool metal = false;
};

// Independent reader: header names -> column, split on ','. Not the catalog reader.
std::vector<row> read_instance_csv() {
    std::ifstream in(ENIPOOL_SOURCE_DIR "/tests/data/instance-limits.csv");
    std::vector<row> rows;
    REQUIRE(in); // a missing test input fails the test
    std::string line;
    std::getline(in, line);
    std::map<std::string, std::size_t> col;
    {
        std::stringstream ss(line);
        std::string cell;
        for (std::size_t i = 0; std::getline(ss, cell, ','); ++i) col[cell] = i;
    }
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        row r;
        r.name = cells.at(col.at("instance_type"));
        r.enis = std::stoll(cells.at(col.at("max_enis")));
        r.ipv4 = std::stoll(cells.at(col.at("ipv4_per_eni")));
        r.hypervisor = cells.at(col.at("hypervisor"));
        r.metal = cells.at(col.at("bare_metal")) == "true";
        rows.push_back(r);
    }
    return rows;
}

instance_type to_type(const row& r, std::optional<unsigned> vcpus) {
    instance_type t;
    t.name = r.name;
    t.vcpus = vcpus;
    t.max_enis = static_cast<unsigned>(r.enis);
    t.ipv4_per_eni = static_cast<unsigned>(r.ipv4);
    t.network_cards = {{0, t.max_enis}};
    t.hypervisor = r.hypervisor == "nitro" ? hypervisor_kind::nitro
                   : r.hypervisor == "xen" ? hypervisor_kind::xen
                                           : hypervisor_kind::unknown;
    t.bare_metal = r.metal;
    return t;
}

// --- the reference formulas, as docs/domain.md section 2 reads -------------------------------
long long ref_eni_max_pods(const row& r) { return r.enis * (r.ipv4 - 1) + 2; }

// nullopt = "needs vCPUs and has none" (the cap would decide and the count exceeds 110).
std::optional<long long> ref_al2_script(const row& r, bool prefix, bool custom, std::optional<long long> cni_max_eni,
                                     bool show_max, std::optional<long long> vcpus) {
    long long enis = cni_max_eni ? std::min(*cni_max_eni, r.enis) : r.enis;
    if (custom) enis -= 1;
    if (enis < 0) enis = 0;
    long long count = (prefix && r.hypervisor == "nitro") ? enis * ((r.ipv4 - 1) * 16) + 2
                                                          : enis * (r.ipv4 - 1) + 2;
    if (show_max) return count;
    if (!vcpus) return count <= 110 ? std::optional<long long>(count) : std::nullopt;
    return std::min(count, *vcpus <= 30 ? 110LL : 250LL);
}

std::optional<long long> ref_karpenter(const row& r, long long reserved, std::optional<long long> max_pods,
                                       long long pods_per_core, std::optional<long long> vcpus) {
    long long count = 0;
    if (max_pods) {
        count = *max_pods;
    } else {
        const long long usable = std::max(r.enis - reserved, 0LL);
        count = usable == 0 ? 0 : usable * (r.ipv4 - 1) + 2;
    }
    if (pods_per_core > 0) {
        if (!vcpus) return std::nullopt;
        count = std::min(pods_per_core * *vcpus, count);
    }
    return count;
}

// nullopt = prefix_not_supported.
std::optional<long long> ref_enipool(const row& r, growth_policy_kind policy, long long reserved, bool custom) {
    const bool prefixes_work = r.hypervisor == "nitro" || r.metal;
    const long long usable = std::max(r.enis - reserved - (custom ? 1 : 0), 0LL);
    bool prefix = false;
    if (policy == growth_policy_kind::prefix_only) {
        if (!prefixes_work) return std::nullopt;
        prefix = true;
    } else if (policy == growth_policy_kind::prefix_first) {
        prefix = prefixes_work;
    }
    return usable * (r.ipv4 - 1) * (prefix ? 16 : 1) + 2;
}

long long ref_auto_mode(const row& r, long long reserved, bool custom) {
    return std::min(110LL, *ref_enipool(r, growth_policy_kind::prefix_first, reserved, custom));
}

template <class R>
std::optional<long long> value_of(const R& result) {
    if (!result) return std::nullopt;
    return static_cast<long long>(*result);
}

} // namespace

TEST_CASE("every calculator matches its formula on every row of the instance table", "[max_pods]") {
    const auto rows = read_instance_csv();
    REQUIRE(rows.size() == 1391);
    const std::optional<long long> vcpu_choices[] = {std::nullopt, 2, 30, 31, 96};
    const std::optional<long long> cni_choices[] = {std::nullopt, 0, 1, 2, 100};
    long long checked = 0;
    for (const auto& r : rows) {
        for (const auto& vcpus : vcpu_choices) {
            const auto type = to_type(r, vcpus ? std::optional<unsigned>(static_cast<unsigned>(*vcpus)) : std::nullopt);
            CHECK(value_of(enipool::eni_max_pods(type)) == ref_eni_max_pods(r));

            for (bool prefix : {false, true})
                for (bool custom : {false, true})
                    for (const auto& cni : cni_choices)
                        for (bool show : {false, true}) {
                            enipool::al2_script_options o;
                            o.prefix_delegation = prefix;
                            o.custom_networking = custom;
                            if (cni) o.cni_max_eni = static_cast<unsigned>(*cni);
                            o.show_max_allowed = show;
                            const auto got = enipool::al2_script(type, o);
                            const auto want = ref_al2_script(r, prefix, custom, cni, show, vcpus);
                            INFO(r.name << " prefix=" << prefix << " custom=" << custom << " show=" << show);
                            CHECK(value_of(got) == want);
                            if (!want) CHECK(got.error() == errc::missing_vcpus);
                            ++checked;
                        }

            for (long long reserved : {0, 1, 2, 40})
                for (const auto& mp : {std::optional<long long>{}, std::optional<long long>{50}})
                    for (long long ppc : {0, 4, 10}) {
                        enipool::karpenter_options o;
                        o.reserved_enis = static_cast<unsigned>(reserved);
                        if (mp) o.max_pods = static_cast<std::uint64_t>(*mp);
                        o.pods_per_core = static_cast<unsigned>(ppc);
                        const auto got = enipool::karpenter(type, o);
                        const auto want = ref_karpenter(r, reserved, mp, ppc, vcpus);
                        INFO(r.name << " reserved=" << reserved << " ppc=" << ppc);
                        CHECK(value_of(got) == want);
                        if (!want) CHECK(got.error() == errc::missing_vcpus);
                    }
        }
        const auto type = to_type(r, std::nullopt);
        for (long long reserved : {0, 1, 3})
            for (bool custom : {false, true}) {
                enipool::eni_budget budget;
                budget.reserved_enis = static_cast<unsigned>(reserved);
                budget.custom_networking = custom;
                CHECK(value_of(enipool::auto_mode(type, budget)) == ref_auto_mode(r, reserved, custom));
                for (auto policy : {growth_policy_kind::prefix_first, growth_policy_kind::prefix_only,
                                    growth_policy_kind::secondary_only}) {
                    const auto got = enipool::enipool_max_pods(type, {policy, budget});
                    const auto want = ref_enipool(r, policy, reserved, custom);
                    INFO(r.name << " policy=" << enipool::to_string(policy) << " reserved=" << reserved);
                    CHECK(value_of(got) == want);
                    if (!want) CHECK(got.error() == errc::prefix_not_supported);
                }
            }
    }
    CHECK(checked == 1391LL * 5 * 2 * 2 * 5 * 2);
}

namespace {
instance_type m5_large() {
    // shared CSV: m5.large,3,10,0,0:3,nitro,false; EC2: 2 vCPUs
    instance_type t;
    t.name = "m5.large";
    t.vcpus = 2;
    t.max_enis = 3;
    t.ipv4_per_eni = 10;
    t.network_cards = {{0, 3}};
    t.hypervisor = hypervisor_kind::nitro;
    return t;
}
} // namespace

TEST_CASE("worked examples of docs/domain.md", "[max_pods]") {
    const auto m5 = m5_large();
    // 3 ENIs x (10 - 1) + 2 = 29
    CHECK(*enipool::eni_max_pods(m5) == 29);
    CHECK(*enipool::al2_script(m5) == 29);
    CHECK(*enipool::karpenter(m5) == 29);
    // prefix: 3 x 9 x 16 + 2 = 434; 2 vCPUs <= 30 -> capped at 110
    enipool::al2_script_options pd;
    pd.prefix_delegation = true;
    CHECK(*enipool::al2_script(m5, pd) == 110);
    pd.show_max_allowed = true;
    CHECK(*enipool::al2_script(m5, pd) == 434);
    // 31 vCPUs would cap at 250
    auto big = m5;
    big.vcpus = 31;
    pd.show_max_allowed = false;
    CHECK(*enipool::al2_script(big, pd) == 250);
    // custom networking: (3 - 1) x 9 + 2 = 20; cni_max_eni 1: 1 x 9 + 2 = 11
    enipool::al2_script_options cn;
    cn.custom_networking = true;
    CHECK(*enipool::al2_script(m5, cn) == 20);
    enipool::al2_script_options cap;
    cap.cni_max_eni = 1;
    CHECK(*enipool::al2_script(m5, cap) == 11);
    // enipool: prefix-first 3 x 9 x 16 + 2 = 434, secondary-only 29, auto mode min(110, 434)
    CHECK(*enipool::enipool_max_pods(m5) == 434);
    CHECK(*enipool::enipool_max_pods(m5, {growth_policy_kind::secondary_only, {}}) == 29);
    CHECK(*enipool::auto_mode(m5) == 110);
    // karpenter: reserved 1 -> 2 x 9 + 2 = 20; pods-per-core 4 x 2 vCPUs = 8
    CHECK(*enipool::karpenter(m5, {1, std::nullopt, 0}) == 20);
    CHECK(*enipool::karpenter(m5, {0, std::nullopt, 4}) == 8);
    CHECK(*enipool::karpenter(m5, {0, 300, 0}) == 300);
    // efa-only interfaces on card 0 count like reserved ENIs: (3 - 2) x 9 + 2 = 11
    auto efa = m5;
    efa.efa_only_interfaces = 2;
    CHECK(*enipool::karpenter(efa, {}) == 11);
    CHECK(*enipool::karpenter(efa, {1, std::nullopt, 0}) == 0); // no usable ENI left

    // p5.48xlarge: the default card has 2 ENIs x 50: 2 x 49 + 2 = 100 (not 32 cards x 2)
    instance_type p5;
    p5.name = "p5.48xlarge";
    p5.vcpus = 192;
    p5.max_enis = 2;
    p5.ipv4_per_eni = 50;
    for (unsigned i = 0; i < 32; ++i) p5.network_cards.push_back({i, 2});
    p5.hypervisor = hypervisor_kind::nitro;
    CHECK(*enipool::eni_max_pods(p5) == 100);
    CHECK(*enipool::karpenter(p5) == 100);
    // 2 x 49 x 16 + 2 = 1570 capped at 250 (192 vCPUs)
    CHECK(*enipool::al2_script(p5, pd) == 250);
}

TEST_CASE("prefix rules: al2-script checks nitro only, enipool accepts bare metal", "[max_pods]") {
    // c5.metal: 15 ENIs x 50, hypervisor unknown, bare metal, 96 vCPUs
    instance_type metal;
    metal.name = "c5.metal";
    metal.vcpus = 96;
    metal.max_enis = 15;
    metal.ipv4_per_eni = 50;
    metal.bare_metal = true;
    enipool::al2_script_options pd;
    pd.prefix_delegation = true;
    pd.show_max_allowed = true;
    CHECK(*enipool::al2_script(metal, pd) == 15 * 49 + 2);                          // secondary formula
    CHECK(*enipool::enipool_max_pods(metal, {growth_policy_kind::prefix_only, {}}) == 15 * 49 * 16 + 2);

    // m4.large: Xen, 2 ENIs x 10
    instance_type xen;
    xen.name = "m4.large";
    xen.max_enis = 2;
    xen.ipv4_per_eni = 10;
    xen.hypervisor = hypervisor_kind::xen;
    const auto refused = enipool::enipool_max_pods(xen, {growth_policy_kind::prefix_only, {}});
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == errc::prefix_not_supported);
    // prefix-first falls back to secondary IPs: 2 x 9 + 2 = 20
    CHECK(*enipool::enipool_max_pods(xen, {growth_policy_kind::prefix_first, {}}) == 20);
    CHECK(*enipool::auto_mode(xen) == 20);
}

TEST_CASE("calculators reject invalid limits and missing vCPUs", "[max_pods]") {
    instance_type bad;
    bad.name = "x.broken";
    bad.max_enis = 0;
    bad.ipv4_per_eni = 10;
    for (auto c : enipool::all_calculators) {
        const auto r = enipool::max_pods(c, bad);
        REQUIRE_FALSE(r);
        CHECK(r.error() == errc::invalid_instance_limits);
    }
    bad.max_enis = 3;
    bad.ipv4_per_eni = 65;
    CHECK(enipool::eni_max_pods(bad).error() == errc::invalid_instance_limits);

    auto m5 = m5_large();
    m5.vcpus.reset();
    enipool::al2_script_options pd;
    pd.prefix_delegation = true;
    const auto r = enipool::al2_script(m5, pd);
    REQUIRE_FALSE(r);
    CHECK(r.error() == errc::missing_vcpus);
    CHECK_THAT(r.error().message(), Catch::Contains("m5.large"));
    CHECK(*enipool::al2_script(m5) == 29); // 29 <= 110: no cap can change it
    CHECK(enipool::karpenter(m5, {0, std::nullopt, 4}).error() == errc::missing_vcpus);
}

TEST_CASE("names of calculators and policies round-trip", "[max_pods]") {
    for (auto c : enipool::all_calculators) CHECK(*enipool::parse_calculator(enipool::to_string(c)) == c);
    CHECK(enipool::to_string(enipool::calculator::eni_max_pods) == "eni-max-pods");
    CHECK(enipool::parse_calculator("all").error() == errc::malformed_config);
    for (auto p : {growth_policy_kind::prefix_first, growth_policy_kind::prefix_only,
                   growth_policy_kind::secondary_only})
        CHECK(*enipool::parse_growth_policy(enipool::to_string(p)) == p);
    CHECK(enipool::to_string(growth_policy_kind::prefix_first) == "prefix-first");
    CHECK(enipool::parse_growth_policy("prefix").error() == errc::malformed_config);
}

TEST_CASE("the former names of the AL2 script's calculator still work", "[max_pods]") {
    // eks_ami / eks_ami_options are deprecated aliases of al2_script / al2_script_options, and
    // parse_calculator still takes the former CLI name.
    const auto type = enipool::builtin_catalog().at("m5.large").value();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    enipool::eks_ami_options old;
    old.prefix_delegation = true;
    const auto former = enipool::eks_ami(type, old);
#pragma GCC diagnostic pop
    enipool::al2_script_options now;
    now.prefix_delegation = true;
    REQUIRE(former.has_value());
    CHECK(*former == enipool::al2_script(type, now).value());
    CHECK(*former == 110);
    CHECK(enipool::parse_calculator("eks-ami").value() == enipool::calculator::al2_script);
    CHECK(enipool::parse_calculator("al2-script").value() == enipool::calculator::al2_script);
    CHECK(enipool::to_string(enipool::calculator::al2_script) == "al2-script");
    const auto unknown = enipool::parse_calculator("eks");
    REQUIRE_FALSE(unknown.has_value());
    CHECK_THAT(unknown.error().detail(), Catch::Contains("nodeadm, al2-script"));
}
