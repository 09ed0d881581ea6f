// node_pool with the real prefix_first growth policy against the naive reference pool, for every packing
// and both key types (the body is tests/support/node_pool_property.hpp).
#include "node_pool_property.hpp"

using namespace pool_test;

TEST_CASE("node_pool matches the reference pool: prefix_first", "[node_pool][property]") {
    every_packing<enipool::prefix_first, std::uint64_t>("prefix_first / int");
    every_packing<enipool::prefix_first, enipool::cni_key>("prefix_first / cni");
}
