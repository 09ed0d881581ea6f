// enipool-demo: split a subnet into aligned /28 blocks with a bitset free list, hand out a
// few scattered single addresses, and show which blocks are still wholly free.
#include <enipool/enipool.hpp>

#include <fmt/format.h>

#include <cstdio>

int main() {
    auto subnet = enipool::ipv4_prefix::parse("198.18.0.0/24");
    if (!subnet) {
        std::fprintf(stderr, "%s\n", subnet.error().message().c_str());
        return 1;
    }
    enipool::hierarchical_bitset<16> free_blocks;
    free_blocks.set_all();
    // EC2 reserves the first four addresses and the last: blocks 0 and 15 are not whole.
    free_blocks.reset(0);
    free_blocks.reset(15);
    // Scattered secondary IPs each break one block.
    for (unsigned offset : {37u, 90u, 130u, 200u}) {
        const auto addr = subnet->at(offset);
        free_blocks.reset(offset / 16);
        fmt::print("secondary IP {} breaks block {}\n", addr, subnet->block28(offset / 16));
    }
    std::string map;
    for (std::size_t i = 0; i < subnet->block28_count(); ++i) map += free_blocks.test(i) ? '.' : 'x';
    fmt::print("{} blocks: [{}]  ('.' wholly free /28, 'x' touched)\n", *subnet, map);
    fmt::print("first free /28 for a prefix: {}\n", subnet->block28(free_blocks.find_first()));
    fmt::print("{} of {} aligned /28 blocks are free\n", free_blocks.count(), subnet->block28_count());
    return 0;
}
