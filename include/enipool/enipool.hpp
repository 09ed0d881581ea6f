// enipool/enipool.hpp: the umbrella header; includes the whole core (Boost + fmt only).
#pragma once

#include <enipool/bitset.hpp>
#include <enipool/error.hpp>
#include <enipool/ip.hpp>
