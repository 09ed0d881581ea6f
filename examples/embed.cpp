// enipool-embed: the smallest agent loop an embedder writes: plan, call EC2, apply, then
// hand pod addresses out and take them back. EC2 is enipool's simulated one here; an agent
// calls the real API in `call_ec2` instead.
#include <enipool/enipool.hpp>
#include <enipool/sim/ec2.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

using namespace enipool;
using namespace std::chrono_literals;

int main() {
    const instance_type& type = *builtin_catalog().find("m5.large");
    const ipv4_prefix cidr = ipv4_prefix::parse("198.18.0.0/24").value();

    // EC2's side: one subnet and this node, whose primary ENI exists at boot.
    sim::ec2 ec2;
    ec2.add_subnet(subnet::create(cidr).value());
    const sim::node_id node = ec2.register_node(type).value();
    const sim::eni_record& boot_eni = ec2.node(node).enis.front();
    auto call_ec2 = [&](const action& a) { return ec2.execute(node, a); };

    // The agent's side: a pool for this node, told about the ENI the node booted with.
    manual_clock clock;
    using pool_t = node_pool<prefix_first, vpc_cni_warm, pod_key<std::uint64_t>,
                             enipool::clock<manual_clock>>;
    pool_t::config config;
    config.type = type;  // limits; knobs: cooldown, budget, policy, warm (defaults: VPC CNI's)
    auto pool = pool_t::create(config, clock).value();
    eni_spec primary;
    primary.id = boot_eni.id;
    primary.subnet = cidr;
    primary.primary_ip = boot_eni.primary_ip;
    pool.add_eni(primary).value();

    for (int tick = 0; tick < 3; ++tick, clock.advance(2500ms)) {  // ipamd's 2.5 s loop
        for (const action& a : pool.plan()) {
            if (auto applied = pool.apply(outcome{a, call_ec2(a)}); !applied)
                fmt::print(stderr, "apply: {}\n", applied.error().message());
        }
    }
    const pool_stats warm = pool.stats();
    fmt::print("warm pool: {} addresses in {} prefixes\n", warm.total, warm.prefixes);

    for (std::uint64_t pod = 1; pod <= 3; ++pod) {
        result<ipv4_address> ip = pool.assign(pod);  // O(1); same pod, same address
        if (!ip) return std::fprintf(stderr, "%s\n", ip.error().message().c_str()), 1;
        fmt::print("pod {} -> {}\n", pod, *ip);
    }
    pool.release(2).value();  // 198.18.0.x cools for 30 s before another pod gets it
    const pool_stats s = pool.stats();
    fmt::print("assigned {}, cooling {}, free {}\n", s.assigned, s.cooling, s.free);
    return pool.check() ? 0 : 1;
}
