// enipool/enipool.hpp: the umbrella header; includes the whole core (Boost + fmt only).
#pragma once

#include <enipool/actions.hpp>
#include <enipool/atomic_file.hpp>
#include <enipool/bitset.hpp>
#include <enipool/catalog.hpp>
#include <enipool/clock.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
#include <enipool/limits.hpp>
#include <enipool/max_pods.hpp>
#include <enipool/policy.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/subnet.hpp>
