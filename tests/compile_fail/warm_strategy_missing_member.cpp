// Must NOT compile: a warm strategy without a config struct. tests/policy.cmake checks that
// the compiler's message names the missing member and how to add it.
#include <enipool/warm_strategy.hpp>

struct warm_without_config {
    std::vector<enipool::action> plan(const enipool::pool_view&) const { return {}; }
};

ENIPOOL_CHECK_WARM_STRATEGY(warm_without_config);
