// enipool/enipool.hpp: the umbrella header; includes the whole core (Boost + fmt only).
#pragma once

#include <enipool/actions.hpp>
#include <enipool/atomic_file.hpp>
#include <enipool/bitset.hpp>
#include <enipool/catalog.hpp>
#include <enipool/clock.hpp>
#include <enipool/eni.hpp>
#include <enipool/error.hpp>
#include <enipool/instance_data.hpp>
#include <enipool/ip.hpp>
#include <enipool/ipv6_pool.hpp>
#include <enipool/limits.hpp>
#include <enipool/max_pods.hpp>
#include <enipool/max_pods_expression.hpp>
#include <enipool/node_pool.hpp>
#include <enipool/nodeadm.hpp>
#include <enipool/packing.hpp>
#include <enipool/pod_key.hpp>
#include <enipool/policy.hpp>
#include <enipool/pool_view.hpp>
#include <enipool/subnet.hpp>
#include <enipool/synchronized.hpp>
