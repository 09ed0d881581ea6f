// node_pool with the real prefix_only growth policy against the naive reference pool, for every packing
// and both key types (the body is tests/support/node_pool_property.hpp).
#include "node_pool_property.hpp"

using namespace pool_test;

TEST_CASE("node_pool matches the reference pool: prefix_only", "[node_pool][property]") {
    every_packing<enipool::prefix_only, std::uint64_t>("prefix_only / int");
    every_packing<enipool::prefix_only, enipool::cni_key>("prefix_only / cni");
}
