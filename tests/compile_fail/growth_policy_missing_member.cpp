// Must NOT compile: a growth policy without may_grow(). tests/policy.cmake checks that the
// compiler's message names the missing member and how to add it.
#include <enipool/growth_policy.hpp>

struct policy_without_may_grow {
    struct config {};
    static constexpr bool needs_prefix_support = false;
    explicit policy_without_may_grow(const config&) {}
    enipool::address_mode mode(enipool::timestamp) const { return enipool::address_mode::secondary; }
    void on_grant(enipool::timestamp, enipool::address_mode) {}
    void on_error(enipool::timestamp, enipool::address_mode, enipool::errc) {}
};

ENIPOOL_CHECK_GROWTH_POLICY(policy_without_may_grow);
