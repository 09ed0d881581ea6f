// enipool/policy.hpp: every growth policy and warm-pool strategy (node_pool.hpp includes
// only their concepts).
//
// Growth policies (growth_policy.hpp): prefix_first, prefix_only, secondary_only.
// Warm strategies (warm/): vpc_cni_warm, cilium_watermarks, auto_mode_warm.
#pragma once

#include <enipool/growth_policy.hpp>
#include <enipool/warm/auto_mode_warm.hpp>
#include <enipool/warm/cilium_watermarks.hpp>
#include <enipool/warm/vpc_cni_warm.hpp>
#include <enipool/warm_strategy.hpp>
