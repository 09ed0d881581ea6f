// json/aws_subnet.hpp: a subnet rebuilt from fixture files in the AWS CLI's exact output
// shape (two pages of describe-network-interfaces with a NextToken, interfaces without an
// Ipv4Prefixes key, extra fields; get-subnet-cidr-reservations), and every kind of
// malformed document rejected with its JSON path and reason, nothing half-loaded.
#include <enipool/json/aws_subnet.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using enipool::errc;
using enipool::ipv4_address;
using enipool::ipv4_prefix;
using enipool::reservation_type;
using enipool::subnet;

namespace {

std::string fixture(const char* name) {
    std::ifstream in(std::string(ENIPOOL_SOURCE_DIR) + "/tests/data/aws/" + name);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

const ipv4_prefix slash24 = *ipv4_prefix::parse("198.18.0.0/24");

std::string both_pages() {
    return fixture("describe-network-interfaces-page1.json") + "\n" +
           fixture("describe-network-interfaces-page2.json");
}

// Parses `text` as interfaces, requires malformed_json and a detail starting with `path`.
void rejected(const std::string& text, const std::string& path, const std::string& reason) {
    const auto got = enipool::parse_aws_network_interfaces(text);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().code() == errc::malformed_json);
    CHECK_THAT(got.error().detail(), StartsWith(path));
    CHECK_THAT(got.error().detail(), Contains(reason));
}

} // namespace

TEST_CASE("describe-network-interfaces: one page, with its NextToken", "[aws][json]") {
    const auto page = enipool::parse_aws_network_interfaces(fixture("describe-network-interfaces-page1.json"));
    REQUIRE(page.has_value());
    CHECK(page->pages == 1);
    REQUIRE(page->next_token.has_value());
    CHECK_THAT(*page->next_token, StartsWith("eyJOZXh0VG9rZW4i"));
    REQUIRE(page->interfaces.size() == 2);
    const auto& a = page->interfaces[0];
    CHECK(a.id == "eni-0a1b2c3d4e5f60001");
    CHECK(a.subnet_id == "subnet-0123456789abcdef0");
    CHECK(a.primary_ip == *ipv4_address::parse("198.18.0.10"));
    CHECK(a.addresses.size() == 4);
    CHECK(a.prefixes.empty());  // no Ipv4Prefixes key at all
    const auto& b = page->interfaces[1];
    REQUIRE(b.prefixes.size() == 2);
    CHECK(b.prefixes[0] == *ipv4_prefix::parse("198.18.0.224/28"));
    CHECK(b.prefixes[1] == *ipv4_prefix::parse("198.18.0.96/28"));
}

TEST_CASE("describe-network-interfaces: several pages one after another", "[aws][json]") {
    const auto all = enipool::parse_aws_network_interfaces(both_pages());
    REQUIRE(all.has_value());
    CHECK(all->pages == 2);
    CHECK_FALSE(all->next_token.has_value());  // the last page has none
    REQUIRE(all->interfaces.size() == 4);
    CHECK(all->interfaces[2].addresses.size() == 4);
    CHECK(all->interfaces[2].prefixes.empty());  // "Ipv4Prefixes": []
    CHECK(all->interfaces[3].id == "eni-0a1b2c3d4e5f60004");  // unattached, no Attachment
    // Pages glued without whitespace read the same.
    const auto glued = enipool::parse_aws_network_interfaces(
        fixture("describe-network-interfaces-page1.json") + fixture("describe-network-interfaces-page2.json"));
    REQUIRE(glued.has_value());
    CHECK(glued->interfaces == all->interfaces);
}

TEST_CASE("get-subnet-cidr-reservations", "[aws][json]") {
    const auto r = enipool::parse_aws_cidr_reservations(fixture("get-subnet-cidr-reservations.json"));
    REQUIRE(r.has_value());
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].cidr == *ipv4_prefix::parse("198.18.0.224/28"));
    CHECK((*r)[0].type == reservation_type::prefix);
    CHECK((*r)[1].cidr == *ipv4_prefix::parse("198.18.0.192/30"));
    CHECK((*r)[1].type == reservation_type::explicit_);
}

TEST_CASE("a real subnet's occupancy and figures", "[aws][json]") {
    const auto s = enipool::subnet_from_aws(slash24, both_pages(), fixture("get-subnet-cidr-reservations.json"));
    REQUIRE(s.has_value());
    CHECK(s->check().has_value());
    // Singles: .10 .21 .37 .53 .70 .133 .150 .166 .193 .180 = 10; prefixes .224/28, .96/28.
    CHECK(s->allocated_addresses() == 10);
    CHECK(s->allocated_prefixes() == 2);
    // Unreserved free: 256 - 5 (EC2) - 20 (reservations .224/28 and .192/30) - 9 singles
    // outside reservations (.193 is inside the explicit one) - 16 (prefix .96/28) = 206.
    CHECK(s->free_addresses() == 206);
    // Wholly free unreserved blocks: .80/28 (5), .112/28 (7), .208/28 (13).
    CHECK(s->free_blocks() == 3);
    CHECK(s->reserved_free_blocks() == 0);  // the prefix reservation's only block is in use
    CHECK(s->fragmentation() == Approx(1.0 - 48.0 / 206.0));
    CHECK(s->largest_free_block() == 16);  // no two adjacent aligned free blocks
    // Blocks 0..15: x (EC2) + + + + (.21 .37 .53 .70) . P . + + + + (.133 .150 .166 .180)
    // R (explicit reservation) . P (prefix in the prefix reservation) x (.255).
    CHECK(s->render() == "198.18.0.0      x++++.P.++++R.Px\n");
}

TEST_CASE("interfaces of other subnets are skipped when a subnet id is given", "[aws][json]") {
    // A third page with one interface of another subnet, at 198.18.0.90 (a free block).
    const std::string other = R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-other",
        "SubnetId":"subnet-0fffffffffffffff0",
        "PrivateIpAddresses":[{"Primary":true,"PrivateIpAddress":"198.18.0.90"}]}]})";
    const auto all = enipool::subnet_from_aws(slash24, both_pages() + other);
    REQUIRE(all.has_value());
    CHECK(all->allocated_addresses() == 11);
    const auto ours = enipool::subnet_from_aws(slash24, both_pages() + other, {}, "subnet-0123456789abcdef0");
    REQUIRE(ours.has_value());
    CHECK(ours->allocated_addresses() == 10);
    const auto theirs = enipool::subnet_from_aws(slash24, both_pages() + other, {}, "subnet-0fffffffffffffff0");
    REQUIRE(theirs.has_value());
    CHECK(theirs->allocated_addresses() == 1);
}

TEST_CASE("a subnet id no interface has is an error listing the ids there are", "[aws][json]") {
    // Before, a mistyped ID silently gave an empty subnet.
    const auto s = enipool::subnet_from_aws(slash24, both_pages(), fixture("get-subnet-cidr-reservations.json"),
                                            "subnet-0fffffffffffffff0");
    REQUIRE(!s.has_value());
    CHECK(s.error().code() == enipool::errc::malformed_config);
    CHECK(s.error().detail() ==
          "subnet-0fffffffffffffff0 is the SubnetId of none of the 4 interfaces; they have subnet-0123456789abcdef0");
    // No interface at all (an empty subnet's page): nothing to contradict the ID.
    const auto empty = enipool::subnet_from_aws(slash24, R"({"NetworkInterfaces":[]})", {}, "subnet-0fffffffffffffff0");
    REQUIRE(empty.has_value());
    CHECK(empty->allocated_addresses() == 0);
}

TEST_CASE("malformed describe-network-interfaces documents name the JSON path", "[aws][json]") {
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","PrivateIpAddresses":[]},
              {"NetworkInterfaceId":"eni-2","PrivateIpAddresses":[{"Primary":true,"PrivateIpAddress":"198.18.0.300"}]}]})",
             "NetworkInterfaces[1].PrivateIpAddresses[0].PrivateIpAddress", "octet 300 exceeds 255");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","Ipv4Prefixes":[{"Ipv4Prefix":"198.18.0.17/28"}]}]})",
             "NetworkInterfaces[0].Ipv4Prefixes[0].Ipv4Prefix", "host bits are set");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","Ipv4Prefixes":[{"Ipv4Prefix":"198.18.0.32/27"}]}]})",
             "NetworkInterfaces[0].Ipv4Prefixes[0].Ipv4Prefix", "is not a /28");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","Ipv4Prefixes":[{}]}]})",
             "NetworkInterfaces[0].Ipv4Prefixes[0].Ipv4Prefix", "missing");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","Ipv4Prefixes":{}}]})",
             "NetworkInterfaces[0].Ipv4Prefixes", "is not an array");
    rejected(R"({"NetworkInterfaces":{}})", "NetworkInterfaces", "is not an array");
    rejected(R"({"Reservations":[]})", "NetworkInterfaces", "missing");
    rejected(R"({"NetworkInterfaces":[{"PrivateIpAddress":"198.18.0.5"}]})",
             "NetworkInterfaces[0].NetworkInterfaceId", "missing");
    rejected(R"({"NetworkInterfaces":[7]})", "NetworkInterfaces[0]", "not an object");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","PrivateIpAddresses":["198.18.0.5"]}]})",
             "NetworkInterfaces[0].PrivateIpAddresses[0]", "not an object");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","PrivateIpAddresses":[{"Primary":"yes","PrivateIpAddress":"198.18.0.5"}]}]})",
             "NetworkInterfaces[0].PrivateIpAddresses[0].Primary", "is not true or false");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","PrivateIpAddresses":[{"Primary":true,"PrivateIpAddress":"198.18.0.5"},{"Primary":true,"PrivateIpAddress":"198.18.0.6"}]}]})",
             "NetworkInterfaces[0].PrivateIpAddresses[1].Primary", "a second primary");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","PrivateIpAddresses":[{"Primary":true}]}]})",
             "NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress", "missing");
    rejected(R"({"NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","PrivateIpAddresses":[{"PrivateIpAddress":5}]}]})",
             "NetworkInterfaces[0].PrivateIpAddresses[0].PrivateIpAddress", "is not a string");
    rejected(R"({"NetworkInterfaces":[],"NextToken":3})", "NextToken", "is not a string");
    // Pages: the second document's error names it.
    rejected(R"({"NetworkInterfaces":[]} {"NetworkInterfaces":[{"NetworkInterfaceId":""}]})",
             "document 2: NetworkInterfaces[0].NetworkInterfaceId", "missing or empty");
    // Not JSON at all, cut short, or followed by garbage.
    rejected(R"({"NetworkInterfaces":[}])", "not valid JSON", "");
    rejected(R"({"NetworkInterfaces":[)", "byte 0", "not closed");
    rejected(R"({"NetworkInterfaces":[]} trailing)", "byte 25", "expected '{'");
    rejected("  \n", "the text holds no JSON document", "");
    rejected(R"([{"NetworkInterfaces":[]}])", "byte 0", "expected '{'");
}

TEST_CASE("malformed get-subnet-cidr-reservations documents name the JSON path", "[aws][json]") {
    auto fails = [](const char* text, const std::string& path, const std::string& reason) {
        const auto got = enipool::parse_aws_cidr_reservations(text);
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().code() == errc::malformed_json);
        CHECK_THAT(got.error().detail(), StartsWith(path));
        CHECK_THAT(got.error().detail(), Contains(reason));
    };
    fails(R"({"SubnetIpv4CidrReservations":[{"Cidr":"198.18.0.16/28","ReservationType":"implicit"}]})",
          "SubnetIpv4CidrReservations[0].ReservationType", "'implicit' is neither prefix nor explicit");
    fails(R"({"SubnetIpv4CidrReservations":[{"Cidr":"198.18.0.17/28","ReservationType":"prefix"}]})",
          "SubnetIpv4CidrReservations[0].Cidr", "host bits are set");
    fails(R"({"SubnetIpv4CidrReservations":[{"ReservationType":"prefix"}]})",
          "SubnetIpv4CidrReservations[0].Cidr", "missing");
    fails(R"({"SubnetIpv4CidrReservations":[{"Cidr":"198.18.0.16/28"}]})",
          "SubnetIpv4CidrReservations[0].ReservationType", "missing");
    fails(R"({"SubnetIpv4CidrReservations":[{"Cidr":"198.18.0.16/28","ReservationType":1}]})",
          "SubnetIpv4CidrReservations[0].ReservationType", "is not a string");
    fails(R"({"SubnetIpv6CidrReservations":[]})", "SubnetIpv4CidrReservations", "missing");
}

TEST_CASE("a document that does not fit the subnet loads nothing", "[aws][json]") {
    auto s = std::make_unique<subnet>(*subnet::create(slash24));
    REQUIRE(s->allocate_specific(*ipv4_address::parse("198.18.0.150")));  // already in use
    const auto before = std::make_unique<subnet>(*s);
    const auto enis = enipool::parse_aws_network_interfaces(both_pages());
    REQUIRE(enis.has_value());
    // Interface 2 holds .150: already allocated. Interfaces 0 and 1 were applied to a
    // working copy only, so the subnet is untouched.
    auto got = enipool::load_aws_occupancy(*s, *enis);
    REQUIRE_FALSE(got.has_value());
    CHECK(got.error().code() == errc::already_allocated);
    CHECK_THAT(got.error().detail(), StartsWith("NetworkInterfaces[2] (eni-0a1b2c3d4e5f60003) 198.18.0.150"));
    CHECK(*s == *before);
    // A subnet the interfaces are not in.
    const auto other = enipool::subnet_from_aws(*ipv4_prefix::parse("100.64.0.0/24"), both_pages());
    REQUIRE_FALSE(other.has_value());
    CHECK(other.error().code() == errc::address_not_in_subnet);
    CHECK_THAT(other.error().detail(), StartsWith("NetworkInterfaces[0] (eni-0a1b2c3d4e5f60001) 198.18.0.10"));
    // A reservation over addresses in use: the order is reservations first, so a
    // reservation over an address already in the subnet fails.
    const std::vector<enipool::subnet_reservation> over = {{*ipv4_prefix::parse("198.18.0.144/28"), reservation_type::explicit_}};
    auto r = enipool::load_aws_occupancy(*s, *enis, over);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::reservation_overlap);
    CHECK_THAT(r.error().detail(), StartsWith("SubnetIpv4CidrReservations[0] 198.18.0.144/28"));
    CHECK(*s == *before);
    // A subnet id none of the interfaces has, with reservations that would fit: refused
    // before anything is applied.
    const std::vector<enipool::subnet_reservation> fits = {{*ipv4_prefix::parse("198.18.0.192/28"), reservation_type::prefix}};
    auto id = enipool::load_aws_occupancy(*s, *enis, fits, "subnet-0fffffffffffffff0");
    REQUIRE_FALSE(id.has_value());
    CHECK(id.error().code() == errc::malformed_config);
    CHECK(*s == *before);
    // Unsupported sizes come from the subnet.
    CHECK(enipool::subnet_from_aws(*ipv4_prefix::parse("198.18.0.0/30"), both_pages()).error().code() ==
          errc::unsupported_subnet_size);
}
