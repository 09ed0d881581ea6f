// catalog.hpp and json/catalog_json.hpp: the CSV reader (header-driven, every malformed row
// with its line number), the AWS CLI JSON reader (errors with the JSON path), format
// detection, nothing half-loaded, the writers, and the built-in catalog checked against the
// VPC CNI's published eni-max-pods.txt, an independent extract of its limits and EC2's output.
#include <enipool/catalog.hpp>
#include <enipool/json/catalog_json.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "published_max_pods.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using enipool::errc;
using enipool::hypervisor_kind;

namespace {

const std::string header =
    "instance_type,max_enis,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,bare_metal\n";

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = std::string(ENIPOOL_BIN_DIR) + "/catalog_test_" + name;
    std::ofstream(path) << text;
    return path;
}

// Expects `text` to fail with `code` and a detail containing `where` and `why`.
void check_rejected(const std::string& text, errc code, const std::string& where, const std::string& why) {
    const auto r = enipool::parse_catalog(text);
    INFO(text);
    REQUIRE_FALSE(r);
    CHECK(r.error() == code);
    CHECK_THAT(r.error().detail(), Catch::Contains(where));
    CHECK_THAT(r.error().detail(), Catch::Contains(why));
}

} // namespace

TEST_CASE("CSV rows load field by field", "[catalog]") {
    const auto r = enipool::parse_catalog_csv(header +
                                              "m5.large,3,10,0,0:3,nitro,false\n"
                                              "c5.metal,15,50,0,0:15,unknown,true\r\n"
                                              "p4d.24xlarge,4,50,0,0:4;1:4;2:4;3:4,nitro,false\n"
                                              "m4.large,2,10,0,0:2,xen,false\n\n");
    REQUIRE(r);
    REQUIRE(r->size() == 4);
    std::vector<std::string> order;
    for (const auto& [name, type] : *r) order.push_back(name);
    CHECK(order == std::vector<std::string>{"c5.metal", "m4.large", "m5.large", "p4d.24xlarge"});
    const auto* m5 = r->find("m5.large");
    REQUIRE(m5 != nullptr);
    CHECK(m5->max_enis == 3);
    CHECK(m5->ipv4_per_eni == 10);
    CHECK(m5->hypervisor == hypervisor_kind::nitro);
    CHECK_FALSE(m5->bare_metal);
    CHECK_FALSE(m5->vcpus);
    const auto* metal = r->find("c5.metal");
    REQUIRE(metal != nullptr);
    CHECK(metal->bare_metal);
    CHECK(metal->hypervisor == hypervisor_kind::unknown);
    const auto* p4d = r->find("p4d.24xlarge");
    REQUIRE(p4d != nullptr);
    CHECK(p4d->network_cards == std::vector<enipool::network_card>{{0, 4}, {1, 4}, {2, 4}, {3, 4}});
    CHECK(r->find("m4.large")->hypervisor == hypervisor_kind::xen);
    CHECK(r->find("x.none") == nullptr);
    CHECK(r->at("x.none").error() == errc::unknown_instance_type);
}

TEST_CASE("CSV columns may come in any order, with vcpus and unknown columns", "[catalog]") {
    const auto plain = enipool::parse_catalog_csv(header + "m5.large,3,10,0,0:3,nitro,false\n");
    const auto shuffled = enipool::parse_catalog_csv(
        "bare_metal,memory_mib,hypervisor,network_cards,vcpus,default_network_card_index,ipv4_per_eni,"
        "max_enis,instance_type,efa_only_interfaces,branch_interfaces,trunk_compatible,efa_supported\n"
        "false,8192,nitro,0:3,2,0,10,3,m5.large,1,9,true,false\n");
    REQUIRE(plain);
    REQUIRE(shuffled);
    const auto& a = *plain->find("m5.large");
    const auto& b = *shuffled->find("m5.large");
    CHECK(b.vcpus == 2u);
    CHECK(b.efa_only_interfaces == 1);
    CHECK(b.branch_interfaces == 9u);
    CHECK(b.trunk_compatible == true);
    CHECK(b.efa_supported == false);
    auto b_without_extras = b;
    b_without_extras.vcpus.reset();
    b_without_extras.efa_only_interfaces = 0;
    b_without_extras.branch_interfaces.reset();
    b_without_extras.trunk_compatible.reset();
    b_without_extras.efa_supported.reset();
    CHECK(b_without_extras == a);
    // an empty vcpus cell means unknown
    const auto empty_vcpus = enipool::parse_catalog_csv(
        "instance_type,vcpus,max_enis,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,bare_metal\n"
        "m5.large,,3,10,0,0:3,nitro,false\n");
    REQUIRE(empty_vcpus);
    CHECK_FALSE(empty_vcpus->find("m5.large")->vcpus);
}

TEST_CASE("every malformed CSV row is rejected with its line number and reason", "[catalog]") {
    const std::string good = "m5.large,3,10,0,0:3,nitro,false\n";
    // line 1 is the header, line 2 the good row, line 3 the bad one
    const std::vector<std::pair<std::string, std::string>> bad_rows = {
        {"c5.large,3,10,0,0:3,nitro\n", "6 fields where the header has 7"},
        {"c5.large,3,10,0,0:3,nitro,false,extra\n", "8 fields"},
        {"c5.large,three,10,0,0:3,nitro,false\n", "max_enis 'three' is not a non-negative integer"},
        {"c5.large,3,-10,0,0:3,nitro,false\n", "ipv4_per_eni '-10'"},
        {"c5.large,3,10,x,0:3,nitro,false\n", "default_network_card_index 'x'"},
        {"c5.large,3,10,0,0-3,nitro,false\n", "network card '0-3' is not index:max_enis"},
        {"c5.large,3,10,0,0:3;0:3,nitro,false\n", "network card 0 is listed twice"},
        {"c5.large,3,10,0,0:3,kvm,false\n", "hypervisor 'kvm' is not nitro, xen or unknown"},
        {"c5.large,3,10,0,0:3,nitro,yes\n", "bare_metal 'yes' is not true or false"},
        {"c5.large,0,10,0,0:0,nitro,false\n", "max_enis is 0"},
        {"c5.large,3,1,0,0:3,nitro,false\n", "ipv4_per_eni 1 is outside 2..64"},
        {"c5.large,3,65,0,0:3,nitro,false\n", "ipv4_per_eni 65 is outside 2..64"},
        {"c5.large,3,10,1,0:3,nitro,false\n", "the default network card 1 is not in network_cards"},
        {"c5.large,3,10,0,0:4,nitro,false\n", "max_enis 3 differs from the default network card's 4"},
        {",3,10,0,0:3,nitro,false\n", "the instance type name is empty"},
        {"m5.large,3,10,0,0:3,nitro,false\n", "m5.large is listed twice"},
    };
    for (const auto& [row, why] : bad_rows) check_rejected(header + good + row, errc::malformed_csv, "line 3: ", why);

    // with a vcpus column: not a number, zero
    const std::string vh =
        "instance_type,max_enis,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,bare_metal,vcpus\n";
    check_rejected(vh + "m5.large,3,10,0,0:3,nitro,false,two\n", errc::malformed_csv, "line 2: ", "vcpus 'two'");
    check_rejected(vh + "m5.large,3,10,0,0:3,nitro,false,0\n", errc::malformed_csv, "line 2: ", "vcpus is 0");
    // blank lines count: the bad row is on line 4
    check_rejected(header + good + "\n" + "c5.large,3,10,0,0:3,kvm,false\n", errc::malformed_csv, "line 4: ", "kvm");

    // the header
    check_rejected("instance_type,max_enis,ipv4_per_eni\nm5.large,3,10\n", errc::malformed_csv, "line 1: ",
                   "the header lacks the column 'default_network_card_index'");
    check_rejected("instance_type,max_enis,max_enis,ipv4_per_eni\n", errc::malformed_csv, "line 1: ",
                   "column 'max_enis' appears twice");
    check_rejected("", errc::malformed_csv, "line 1: ", "no header line");
}

TEST_CASE("a CSV with a bad row loads nothing, and a file's errors name it", "[catalog]") {
    const std::string text = header + "m5.large,3,10,0,0:3,nitro,false\n" + "c5.large,3,10,0,0:3,nitro,maybe\n";
    const auto r = enipool::parse_catalog_csv(text);
    REQUIRE_FALSE(r); // no partial catalog exists to be used
    const auto path = write_temp("bad.csv", text);
    const auto from_file = enipool::load_catalog(path);
    REQUIRE_FALSE(from_file);
    CHECK(from_file.error() == errc::malformed_csv);
    CHECK_THAT(from_file.error().detail(), Catch::StartsWith(path + ": line 3: "));
    const auto csv_only = enipool::read_catalog_csv(path);
    REQUIRE_FALSE(csv_only);
    CHECK(csv_only.error().detail() == from_file.error().detail());
    std::remove(path.c_str());

    const auto missing = enipool::load_catalog(std::string(ENIPOOL_BIN_DIR) + "/no-such-catalog.csv");
    REQUIRE_FALSE(missing);
    CHECK(missing.error() == errc::io_error);
    CHECK_THAT(missing.error().detail(), Catch::Contains("no-such-catalog.csv"));
}

TEST_CASE("the AWS CLI's describe-instance-types JSON loads", "[catalog][json]") {
    const auto r = enipool::load_catalog(ENIPOOL_SOURCE_DIR "/tests/data/describe-instance-types.json");
    REQUIRE(r);
    REQUIRE(r->size() == 4);
    // p5.48xlarge: 64 interfaces in total, but max_enis is the default card's 2
    const auto& p5 = *r->find("p5.48xlarge");
    CHECK(p5.max_enis == 2);
    CHECK(p5.ipv4_per_eni == 50);
    CHECK(p5.vcpus == 192u);
    CHECK(p5.network_cards.size() == 32);
    CHECK(p5.efa_supported == true);
    CHECK(p5.hypervisor == hypervisor_kind::nitro);
    const auto& m5 = *r->find("m5.large");
    CHECK(m5.max_enis == 3);
    CHECK(m5.ipv4_per_eni == 10);
    CHECK(m5.vcpus == 2u);
    CHECK(m5.efa_supported == false);
    // bare metal: the AWS CLI prints no Hypervisor
    const auto& metal = *r->find("c5.metal");
    CHECK(metal.bare_metal);
    CHECK(metal.hypervisor == hypervisor_kind::unknown);
    CHECK(metal.max_enis == 15);
    CHECK(r->find("m4.large")->hypervisor == hypervisor_kind::xen);
}

TEST_CASE("bad trunking and EFA values are rejected in both formats", "[catalog]") {
    const std::string h = "instance_type,max_enis,ipv4_per_eni,default_network_card_index,network_cards,hypervisor,"
                          "bare_metal,trunk_compatible,branch_interfaces,efa_supported\n";
    check_rejected(h + "m5.large,3,10,0,0:3,nitro,false,maybe,9,false\n", errc::malformed_csv, "line 2: ",
                   "trunk_compatible 'maybe' is not true or false");
    check_rejected(h + "m5.large,3,10,0,0:3,nitro,false,true,-9,false\n", errc::malformed_csv, "line 2: ",
                   "branch_interfaces '-9' is not a non-negative integer");
    check_rejected(h + "m5.large,3,10,0,0:3,nitro,false,true,9,1\n", errc::malformed_csv, "line 2: ",
                   "efa_supported '1' is not true or false");
    const std::string net = R"("NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10)";
    check_rejected(R"({"InstanceTypes":[{"InstanceType":"m5.large","TrunkCompatible":"yes",)" + net + "}}]}",
                   errc::malformed_json, "InstanceTypes[0].TrunkCompatible", "is not true or false");
    check_rejected(R"({"InstanceTypes":[{"InstanceType":"m5.large","BranchInterfaces":-1,)" + net + "}}]}",
                   errc::malformed_json, "InstanceTypes[0].BranchInterfaces", "is not a non-negative integer");
    check_rejected(R"({"InstanceTypes":[{"InstanceType":"m5.large",)" + net + R"(,"EfaSupported":0}}]})",
                   errc::malformed_json, "InstanceTypes[0].NetworkInfo.EfaSupported", "is not true or false");
}

TEST_CASE("the JSON reader takes the default card, not card 0 or the total", "[catalog][json]") {
    const auto r = enipool::parse_catalog_json(R"({"InstanceTypes":[{"InstanceType":"x.odd",
        "NetworkInfo":{"MaximumNetworkInterfaces":12,"Ipv4AddressesPerInterface":10,"DefaultNetworkCardIndex":1,
        "NetworkCards":[{"NetworkCardIndex":0,"MaximumNetworkInterfaces":4},
                        {"NetworkCardIndex":1,"MaximumNetworkInterfaces":8}]}}]})");
    REQUIRE(r);
    const auto& t = *r->find("x.odd");
    CHECK(t.max_enis == 8);
    CHECK(t.default_network_card_index == 1);
    CHECK_FALSE(t.vcpus);
    CHECK(t.hypervisor == hypervisor_kind::unknown);
    // without NetworkCards: the total
    const auto old = enipool::parse_catalog_json(R"({"InstanceTypes":[{"InstanceType":"x.old",
        "NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10}}]})");
    REQUIRE(old);
    CHECK(old->find("x.old")->max_enis == 3);
}

TEST_CASE("malformed JSON is rejected with the JSON path and reason", "[catalog][json]") {
    const std::string ok_net = R"("NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10})";
    const std::string m5 = R"({"InstanceType":"m5.large",)" + ok_net + "}";
    auto doc = [&](const std::string& second) { return R"({"InstanceTypes":[)" + m5 + "," + second + "]}"; };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {doc(R"({"NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10}})"),
         "InstanceTypes[1].InstanceType: missing"},
        {doc(R"({"InstanceType":7,)" + ok_net + "}"), "InstanceTypes[1].InstanceType: not a non-empty string"},
        {doc(R"({"InstanceType":"c5.large"})"), "InstanceTypes[1].NetworkInfo: missing"},
        {doc(R"({"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3}})"),
         "InstanceTypes[1].NetworkInfo.Ipv4AddressesPerInterface: missing"},
        {doc(R"({"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":-3,"Ipv4AddressesPerInterface":10}})"),
         "InstanceTypes[1].NetworkInfo.MaximumNetworkInterfaces: -3 is not a non-negative integer"},
        {doc(R"({"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":"10"}})"),
         "InstanceTypes[1].NetworkInfo.Ipv4AddressesPerInterface: \"10\" is not a non-negative integer"},
        {doc(R"({"InstanceType":"c5.large","VCpuInfo":{"DefaultVCpus":2.5},)" + ok_net + "}"),
         "InstanceTypes[1].VCpuInfo.DefaultVCpus: 2.5 is not a non-negative integer"},
        {doc(R"({"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10,
             "NetworkCards":[{"NetworkCardIndex":0}]}})"),
         "InstanceTypes[1].NetworkInfo.NetworkCards[0].MaximumNetworkInterfaces: missing"},
        {doc(R"({"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10,
             "DefaultNetworkCardIndex":2,"NetworkCards":[{"NetworkCardIndex":0,"MaximumNetworkInterfaces":3}]}})"),
         "InstanceTypes[1].NetworkInfo.NetworkCards: no card has the DefaultNetworkCardIndex 2"},
        {doc(R"({"InstanceType":"c5.large","Hypervisor":"kvm",)" + ok_net + "}"),
         "InstanceTypes[1].Hypervisor: 'kvm' is not nitro or xen"},
        {doc(R"({"InstanceType":"c5.large","BareMetal":"no",)" + ok_net + "}"),
         "InstanceTypes[1].BareMetal: \"no\" is not true or false"},
        {doc(R"({"InstanceType":"c5.large","NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":1}})"),
         "InstanceTypes[1]: c5.large: ipv4_per_eni 1 is outside 2..64"},
        {doc(m5), "InstanceTypes[1].InstanceType: m5.large is listed twice"},
        {doc("[]"), "InstanceTypes[1]: not an object"},
        {R"({"Reservations":[]})", "InstanceTypes: missing"},
        {R"({"InstanceTypes":{}})", "InstanceTypes: not an array"},
        {R"({"InstanceTypes":[)", "parse error"},
    };
    for (const auto& [text, why] : cases) check_rejected(text, errc::malformed_json, why, why);
}

TEST_CASE("the format is detected from the content", "[catalog][json]") {
    const auto csv = write_temp("detect.json", header + "m5.large,3,10,0,0:3,nitro,false\n"); // name lies
    const auto json = write_temp("detect.csv", "\n  \t" + std::string(R"({"InstanceTypes":[{"InstanceType":"m5.large",
        "NetworkInfo":{"MaximumNetworkInterfaces":3,"Ipv4AddressesPerInterface":10}}]})"));
    const auto a = enipool::load_catalog(csv);
    const auto b = enipool::load_catalog(json);
    REQUIRE(a);
    REQUIRE(b);
    auto from_json = *b->find("m5.large");
    // the JSON has no hypervisor: it is unknown; otherwise the two agree
    from_json.hypervisor = hypervisor_kind::nitro;
    CHECK(from_json == *a->find("m5.large"));
    std::remove(csv.c_str());
    std::remove(json.c_str());
}

namespace {

// The test data's own readers: a few lines each, independent of the catalog readers.
std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in); // a missing test input fails the test
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        std::stringstream ss(line);
        std::vector<std::string> cells;
        std::string cell;
        while (std::getline(ss, cell, ',')) cells.push_back(cell);
        rows.push_back(cells);
    }
    return rows;
}


} // namespace

TEST_CASE("the built-in catalog has every type of the VPC CNI's published table", "[catalog]") {
    const auto& builtin = enipool::builtin_catalog();
    const auto published = enipool_test::published_max_pods();
    REQUIRE(published.size() >= 1391);
    CHECK(builtin.size() == published.size());
    CHECK(builtin.size() == std::size(enipool::instance_data::rows));
    for (const auto& [name, pods] : published) {
        INFO(name);
        const auto* type = builtin.find(name);
        REQUIRE(type != nullptr);
        CHECK(enipool::detail::check_catalog_row(*type) == std::nullopt);
        // the published figure is ENIs x (IPv4 per ENI - 1) + 2 of the default card
        CHECK(long(type->max_enis) * (long(type->ipv4_per_eni) - 1) + 2 == pods);
        CHECK(type->network_cards.size() >= 1);
        if (type->vcpus) CHECK(*type->vcpus >= 1);
        if (type->branch_interfaces) CHECK(type->trunk_compatible.has_value());
    }
}

TEST_CASE("the generated rows are sorted, unique and well formed", "[catalog]") {
    const auto& rows = enipool::instance_data::rows;
    for (std::size_t i = 0; i < std::size(rows); ++i) {
        INFO(rows[i].name);
        if (i > 0) CHECK(rows[i - 1].name < rows[i].name);
        CHECK(enipool::detail::parse_network_cards(rows[i].network_cards).has_value());
    }
    for (const auto& source : enipool::instance_data::sources) {
        CHECK(source.commit.size() == 40);
        CHECK_FALSE(source.path.empty());
    }
}

TEST_CASE("the built-in limits equal an independent extract of the VPC CNI table", "[catalog]") {
    // tests/data/instance-limits.csv was extracted from the same upstream file apart from
    // tools/update-instance-data; the two must agree row for row.
    const auto rows = csv_rows(ENIPOOL_SOURCE_DIR "/tests/data/instance-limits.csv");
    REQUIRE(rows.at(0) == std::vector<std::string>{"instance_type", "max_enis", "ipv4_per_eni",
                                                   "default_network_card_index", "network_cards", "hypervisor",
                                                   "bare_metal"});
    const auto& builtin = enipool::builtin_catalog();
    CHECK(rows.size() - 1 == builtin.size());
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& c = rows[i];
        INFO(c.at(0));
        const auto* type = builtin.find(c.at(0));
        REQUIRE(type != nullptr);
        CHECK(std::to_string(type->max_enis) == c[1]);
        CHECK(std::to_string(type->ipv4_per_eni) == c[2]);
        CHECK(std::to_string(type->default_network_card_index) == c[3]);
        std::string cards;
        for (const auto& card : type->network_cards)
            cards += (cards.empty() ? "" : ";") + std::to_string(card.index) + ":" + std::to_string(card.max_enis);
        CHECK(cards == c[4]);
        const char* hv = type->hypervisor == hypervisor_kind::nitro ? "nitro"
                         : type->hypervisor == hypervisor_kind::xen ? "xen"
                                                                    : "unknown";
        CHECK(hv == c[5]);
        CHECK((type->bare_metal ? "true" : "false") == c[6]);
    }
}

TEST_CASE("built-in vCPUs, EFA and trunking agree with EC2's own figures", "[catalog]") {
    const auto& builtin = enipool::builtin_catalog();
    // EC2's describe-instance-types output in tests/data: every figure it gives must match
    const auto ec2 = enipool::load_catalog(ENIPOOL_SOURCE_DIR "/tests/data/describe-instance-types.json");
    REQUIRE(ec2);
    for (const auto& [name, type] : *ec2) {
        INFO(name);
        const auto* ours = builtin.find(name);
        REQUIRE(ours != nullptr);
        CHECK(ours->vcpus == type.vcpus);
        CHECK(ours->max_enis == type.max_enis);
        CHECK(ours->ipv4_per_eni == type.ipv4_per_eni);
        CHECK(ours->network_cards == type.network_cards);
        if (ours->efa_supported && type.efa_supported) CHECK(*ours->efa_supported == *type.efa_supported);
    }
    // EC2's documented vCPU counts of current types
    CHECK(builtin.find("c7i.large")->vcpus == 2u);
    CHECK(builtin.find("m7g.medium")->vcpus == 1u);
    CHECK(builtin.find("r8g.large")->vcpus == 2u);
    CHECK(builtin.find("c8a.48xlarge")->vcpus == 192u);
    // a type no vCPU source lists says so: unknown, not a guess from its size
    const auto* unknown_cpus = builtin.find("c8id.large");
    REQUIRE(unknown_cpus != nullptr);
    CHECK_FALSE(unknown_cpus->vcpus);
    // trunking (Karpenter's table): m5.large carries 9 branch ENIs; xen t2 types no trunk
    CHECK(builtin.find("m5.large")->trunk_compatible == true);
    CHECK(builtin.find("m5.large")->branch_interfaces == 9u);
    CHECK(builtin.find("p5.48xlarge")->efa_supported == true);
    CHECK(builtin.find("m5.large")->efa_supported == false);
    CHECK_FALSE(builtin.find("c7i.large")->efa_supported);
}

TEST_CASE("the CSV and JSON writers read back to the same catalog", "[catalog]") {
    const auto& builtin = enipool::builtin_catalog();
    const auto csv = enipool::parse_catalog_csv(enipool::format_catalog_csv(builtin));
    REQUIRE(csv);
    CHECK(*csv == builtin);
    const auto json = enipool::parse_catalog_json(enipool::format_catalog_json(builtin));
    REQUIRE(json);
    CHECK(*json == builtin);
    rc::prop("a random catalog survives both writers", [] {
        const auto count = *rc::gen::inRange<std::size_t>(0, 6);
        std::vector<enipool::instance_type> types;
        for (std::size_t i = 0; i < count; ++i) {
            enipool::instance_type t;
            t.name = "t" + std::to_string(i) + ".large";
            t.max_enis = *rc::gen::inRange(1u, 16u);
            t.ipv4_per_eni = *rc::gen::inRange(2u, 65u);
            t.default_network_card_index = *rc::gen::inRange(0u, 2u);
            // no cards listed, the default card alone, or a second card as well
            const auto cards = *rc::gen::inRange(0, 3);
            if (cards >= 1) t.network_cards.push_back({t.default_network_card_index, t.max_enis});
            if (cards == 2) t.network_cards.push_back({t.default_network_card_index + 1, 2});
            t.hypervisor = *rc::gen::element(hypervisor_kind::nitro, hypervisor_kind::xen, hypervisor_kind::unknown);
            t.bare_metal = *rc::gen::arbitrary<bool>();
            if (*rc::gen::arbitrary<bool>()) t.vcpus = *rc::gen::inRange(1u, 500u);
            if (*rc::gen::arbitrary<bool>()) t.efa_supported = *rc::gen::arbitrary<bool>();
            if (*rc::gen::arbitrary<bool>()) t.trunk_compatible = *rc::gen::arbitrary<bool>();
            if (*rc::gen::arbitrary<bool>()) t.branch_interfaces = *rc::gen::inRange(0u, 200u);
            types.push_back(t);
        }
        const auto original = enipool::catalog::from_types(types);
        RC_ASSERT(original.has_value());
        // what the readers hold for a type without cards: its default card
        for (auto& t : types)
            if (t.network_cards.empty()) t.network_cards.push_back({t.default_network_card_index, t.max_enis});
        const auto expected = enipool::catalog::from_types(types);
        const auto from_csv = enipool::parse_catalog_csv(enipool::format_catalog_csv(*original));
        RC_ASSERT(from_csv.has_value());
        RC_ASSERT(*from_csv == *expected);
        const auto from_json = enipool::parse_catalog_json(enipool::format_catalog_json(*original));
        RC_ASSERT(from_json.has_value());
        RC_ASSERT(*from_json == *expected);
    });
}

TEST_CASE("the independent extract loads through load_catalog", "[catalog]") {
    const auto r = enipool::load_catalog(ENIPOOL_SOURCE_DIR "/tests/data/instance-limits.csv");
    REQUIRE(r);
    CHECK(r->size() == 1391);
    CHECK(r->find("c8a.48xlarge")->max_enis == 24);
    CHECK(r->find("c8a.48xlarge")->ipv4_per_eni == 64);
}

TEST_CASE("the first repeated row is the one reported, and from_types sorts", "[catalog]") {
    // line 2 b, line 3 a, line 4 a (first repeat), line 5 b (a later repeat)
    check_rejected(header + "b.large,3,10,0,0:3,nitro,false\n" + "a.large,3,10,0,0:3,nitro,false\n" +
                       "a.large,3,10,0,0:3,nitro,false\n" + "b.large,3,10,0,0:3,nitro,false\n",
                   errc::malformed_csv, "line 4: ", "a.large is listed twice");
    std::vector<enipool::instance_type> types(3);
    types[0].name = "c";
    types[1].name = "a";
    types[2].name = "b";
    const auto c = enipool::catalog::from_types(types);
    REQUIRE(c);
    std::string order;
    for (const auto& entry : *c) order += entry.first;
    CHECK(order == "abc");
    types[2].name = "c";
    CHECK(enipool::catalog::from_types(types).error() == errc::invalid_instance_limits);
    types[2].name = "";
    CHECK(enipool::catalog::from_types(types).error() == errc::invalid_instance_limits);
}

namespace {
// A naive model row: the fields as the test writes them.
struct model_row {
    unsigned enis, ipv4, vcpus;
    int hypervisor; // 0 nitro, 1 xen, 2 unknown
    bool metal;
};
} // namespace

TEST_CASE("property: any column order and extra columns read back what was written", "[catalog][property]") {
    rc::prop("CSV written with shuffled columns parses to the model", [] {
        const auto count = *rc::gen::inRange<std::size_t>(0, 40);
        std::map<std::string, model_row> model; // the reference: std::map by name
        for (std::size_t i = 0; i < count; ++i) {
            model_row r{*rc::gen::inRange(1u, 25u), *rc::gen::inRange(2u, 65u), *rc::gen::inRange(0u, 200u),
                        *rc::gen::inRange(0, 3), *rc::gen::arbitrary<bool>()};
            model["t" + std::to_string(*rc::gen::inRange(0, 1000)) + ".x"] = r;
        }
        std::vector<std::string> columns{"instance_type", "max_enis", "ipv4_per_eni", "default_network_card_index",
                                         "network_cards", "hypervisor", "bare_metal", "vcpus", "memory_mib"};
        const auto order = *rc::gen::unique<std::vector<std::size_t>>(columns.size(), rc::gen::inRange<std::size_t>(0, columns.size()));
        std::string text;
        for (std::size_t k = 0; k < order.size(); ++k) text += (k ? "," : "") + columns[order[k]];
        text += "\n";
        // model rows in an arbitrary (reversed) order: the reader sorts
        for (auto it = model.rbegin(); it != model.rend(); ++it) {
            const auto& [name, r] = *it;
            const std::string cells[] = {name,
                                         std::to_string(r.enis),
                                         std::to_string(r.ipv4),
                                         "0",
                                         "0:" + std::to_string(r.enis) + ";1:2",
                                         r.hypervisor == 0 ? "nitro" : r.hypervisor == 1 ? "xen" : "unknown",
                                         r.metal ? "true" : "false",
                                         r.vcpus == 0 ? "" : std::to_string(r.vcpus),
                                         "1024"};
            for (std::size_t k = 0; k < order.size(); ++k) text += (k ? "," : "") + cells[order[k]];
            text += "\n";
        }
        const auto parsed = enipool::parse_catalog_csv(text);
        RC_ASSERT(parsed.has_value());
        RC_ASSERT(parsed->size() == model.size());
        auto it = model.begin();
        for (const auto& [name, t] : *parsed) {
            RC_ASSERT(name == it->first);
            const auto& r = it->second;
            RC_ASSERT(t.max_enis == r.enis);
            RC_ASSERT(t.ipv4_per_eni == r.ipv4);
            RC_ASSERT(t.network_cards.size() == 2u);
            RC_ASSERT(static_cast<int>(t.hypervisor) == r.hypervisor); // nitro, xen, unknown in enum order
            RC_ASSERT(t.bare_metal == r.metal);
            RC_ASSERT(t.vcpus.has_value() == (r.vcpus != 0));
            if (r.vcpus != 0) RC_ASSERT(*t.vcpus == r.vcpus);
            ++it;
        }
    });
}

TEST_CASE("property: one corrupted row fails the whole table at its line", "[catalog][property]") {
    rc::prop("the error names the corrupted row's line", [] {
        const auto rows = *rc::gen::inRange<std::size_t>(1, 30);
        const auto bad = *rc::gen::inRange<std::size_t>(0, rows);
        std::string text = header;
        for (std::size_t i = 0; i < rows; ++i)
            text += "t" + std::to_string(i) + ".x," + (i == bad ? "x" : "3") + ",10,0,0:3,nitro,false\n";
        const auto parsed = enipool::parse_catalog_csv(text);
        RC_ASSERT_FALSE(parsed.has_value());
        RC_ASSERT(parsed.error() == errc::malformed_csv);
        // header on line 1, row i on line i + 2
        RC_ASSERT(parsed.error().detail().rfind("line " + std::to_string(bad + 2) + ": max_enis 'x'", 0) == 0u);
    });
}
