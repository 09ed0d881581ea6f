// Embeds enipool through its umbrella header and checks a few facts; exit 0 on success.
#include <enipool/enipool.hpp>

#include <cstdio>

int main() {
    auto subnet = enipool::ipv4_prefix::parse("198.18.0.0/24");
    if (!subnet || subnet->block28_count() != 16) return 1;
    enipool::hierarchical_bitset<1008> lanes;
    lanes.set(1007);
    if (lanes.find_first() != 1007) return 2;
    auto bad = enipool::ipv4_address::parse("10.0.0.256");
    if (bad || bad.error().code() != enipool::errc::invalid_address) return 3;
    std::printf("consumer ok: %s has %llu aligned /28 blocks\n", subnet->to_string().c_str(),
                static_cast<unsigned long long>(subnet->block28_count()));
    return 0;
}
