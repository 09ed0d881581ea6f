// enipool/policy.hpp: every growth policy and warm-pool strategy; what node_pool includes.
#pragma once

#include <enipool/growth_policy.hpp>
#include <enipool/warm_strategy.hpp>
