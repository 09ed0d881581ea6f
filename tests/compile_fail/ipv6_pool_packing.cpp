// Must NOT compile: ipv6_pool takes no packing (it hands addresses out in order).
// tests/policy.cmake checks that the compiler's message says so and how to fix it.
#include <enipool/ipv6_pool.hpp>

using pool = enipool::ipv6_pool<enipool::pod_key<std::uint64_t>, enipool::packing<enipool::spread>>;
static_assert(sizeof(pool) > 0);
