// enipool-subnet-map: the map and fragmentation figures of a subnet.
//
//   enipool-subnet-map [--reserve 198.18.3.192/28]
//                                      a demo: a /22 after EC2-like random placement
//   enipool-subnet-map --cidr 198.18.0.0/20 --network-interfaces page1.json page2.json
//                      [--reservations reservations.json] [--subnet-id subnet-...]
//                                      a real subnet, from the AWS CLI's JSON
//
// Exit status: 0 done, 1 a file could not be read or did not fit, 2 a usage error.
#include <enipool/json/aws_subnet.hpp>
#include <enipool/subnet.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <bit>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A /22 where 4 prefixes were handed out first, then (optionally) a prefix reservation was
// made, then `scatter` secondary IPs landed where EC2's random placement put them.
enipool::result<enipool::subnet> demo_subnet(std::uint64_t seed, unsigned scatter,
                                             const std::string& reserve) {
    auto s = enipool::subnet::create(*enipool::ipv4_prefix::parse("198.18.0.0/22"), seed);
    if (!s) return s.error();
    for (int i = 0; i < 4; ++i)
        if (auto p = s->allocate_prefix(); !p) return p.error();
    if (!reserve.empty()) {
        const auto r = enipool::ipv4_prefix::parse(reserve);
        if (!r) return r.error();
        if (auto ok = s->reserve(*r, enipool::reservation_type::prefix); !ok) return ok.error();
    }
    for (unsigned i = 0; i < scatter; ++i)
        if (auto a = s->allocate_address(enipool::allocation_strategy::random); !a) return a.error();
    return s;
}

void print_figures(const enipool::subnet& s) {
    const std::size_t largest = s.largest_free_block();
    fmt::print("subnet                 {} ({} addresses, {} aligned /28 blocks)\n",
               s.cidr().to_string(), s.size(), s.block_count());
    fmt::print("allocated              {} single addresses, {} /28 prefixes\n",
               s.allocated_addresses(), s.allocated_prefixes());
    fmt::print("free addresses         {} (outside reservations)\n", s.free_addresses());
    fmt::print("free aligned /28s      {} (+ {} inside prefix reservations)\n", s.free_blocks(),
               s.reserved_free_blocks());
    fmt::print("fragmentation          {:.3f}  (1 - 16 * free /28s / free addresses)\n",
               s.fragmentation());
    if (largest == 0)
        fmt::print("largest free block     none\n");
    else
        fmt::print("largest free block     /{} ({} addresses)\n",
                   32 - std::countr_zero(largest), largest);
    fmt::print("next prefix request    {}\n",
               s.free_blocks() + s.reserved_free_blocks() > 0
                   ? "succeeds"
                   : "fails: InsufficientCidrBlocks (free addresses remain)");
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Map and fragmentation figures of a subnet (a demo, or a real one from the AWS CLI's JSON)"};
    std::string cidr_text, reservations_path, subnet_id;
    std::vector<std::string> interfaces_paths;
    std::uint64_t seed = 7;
    unsigned scatter = 300;
    std::string reserve;
    app.add_option("--cidr", cidr_text, "the subnet's CIDR (/16 .. /28), e.g. 198.18.0.0/20");
    app.add_option("--network-interfaces", interfaces_paths,
                   "output of `aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=...`: "
                   "one file per page, or pages one after another in a file");
    app.add_option("--reservations", reservations_path,
                   "output of `aws ec2 get-subnet-cidr-reservations --subnet-id ...`: its "
                   "SubnetIpv4CidrReservations (Cidr, ReservationType prefix or explicit) are applied first");
    app.add_option("--subnet-id", subnet_id,
                   "only the interfaces of this SubnetId; an ID none of them has is an error (exit 2) "
                   "listing the ones they have");
    app.add_option("--seed", seed, "demo: seed of the random placement");
    app.add_option("--scatter", scatter, "demo: secondary IPs placed at random");
    app.add_option("--reserve", reserve, "demo: a prefix reservation made before the scatter");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);
        std::fprintf(stderr, "enipool-subnet-map: %s\n", e.what());
        return 2;
    }
    if (interfaces_paths.empty() != cidr_text.empty()) {
        std::fprintf(stderr, "enipool-subnet-map: --cidr and --network-interfaces go together\n");
        return 2;
    }

    enipool::result<enipool::subnet> s = enipool::error(enipool::errc::invalid_parameter_value);
    if (cidr_text.empty()) {
        s = demo_subnet(seed, scatter, reserve);
    } else {
        const auto cidr = enipool::ipv4_prefix::parse(cidr_text);
        if (!cidr) {
            std::fprintf(stderr, "enipool-subnet-map: --cidr: %s\n", cidr.error().message().c_str());
            return 2;
        }
        std::string interfaces;
        for (const auto& path : interfaces_paths) {
            const auto page = read_file(path);
            if (!page) {
                std::fprintf(stderr, "enipool-subnet-map: cannot read %s\n", path.c_str());
                return 1;
            }
            interfaces += *page + "\n";
        }
        std::string reservations;
        if (!reservations_path.empty()) {
            const auto r = read_file(reservations_path);
            if (!r) {
                std::fprintf(stderr, "enipool-subnet-map: cannot read %s\n", reservations_path.c_str());
                return 1;
            }
            reservations = *r;
        }
        s = enipool::subnet_from_aws(*cidr, interfaces, reservations, subnet_id);
        // A --subnet-id no interface has (malformed_config; the detail lists the ones there are).
        if (!s && s.error().code() == enipool::errc::malformed_config && !subnet_id.empty()) {
            std::fprintf(stderr, "enipool-subnet-map: --subnet-id %s\n", s.error().detail().c_str());
            return 2;
        }
    }
    if (!s) {
        std::fprintf(stderr, "enipool-subnet-map: %s\n", s.error().message().c_str());
        return 1;
    }
    fmt::print("{}\n{}\n", s->render(), enipool::subnet::render_legend());
    print_figures(*s);
    return 0;
}
