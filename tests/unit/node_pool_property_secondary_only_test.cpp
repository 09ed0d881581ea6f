// node_pool with the real secondary_only growth policy against the naive reference pool, for every packing
// and both key types (the body is tests/support/node_pool_property.hpp).
#include "node_pool_property.hpp"

using namespace pool_test;

TEST_CASE("node_pool matches the reference pool: secondary_only", "[node_pool][property]") {
    every_packing<enipool::secondary_only, std::uint64_t>("secondary_only / int");
    every_packing<enipool::secondary_only, enipool::cni_key>("secondary_only / cni");
}
