// Fuzz target cni_config: the whole input as a CNI network config (enipool/json/cni_config.hpp).
// A config that is accepted must hold what the reader promises (gateway and every CIDR inside
// the subnet, /28s aligned, no two CIDRs overlapping, at most 63 slots per ENI, a supported
// version) and must render as a result in both versions; a rejection must be one of the
// reader's kinds with a detail. Anything else aborts.
#include <enipool/json/cni_config.hpp>
#include <enipool/json/cni_result.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_cni_config: %s\n", what);
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace cni = enipool::cni;
    using enipool::errc;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto r = cni::parse_network_config(text);
    if (!r) {
        const auto code = r.error().code();
        if (code != errc::malformed_json && code != errc::malformed_config &&
            code != errc::unsupported_cni_version)
            fail("unexpected error kind");
        if (r.error().detail().empty()) fail("error without a detail");
        return 0;
    }
    const auto& ipam = r->ipam;
    if (!cni::is_supported_version(r->cni_version)) fail("unsupported version accepted");
    if (ipam.subnet.length() < 16 || ipam.subnet.length() > 28) fail("subnet size out of range");
    if (!ipam.subnet.contains(ipam.gateway)) fail("gateway outside the subnet");
    std::vector<enipool::ipv4_prefix> all;
    for (const auto& e : ipam.enis) {
        if (e.id.empty()) fail("empty ENI id");
        if (e.prefixes.size() + e.secondary_ips.size() > cni::max_slots_per_eni) fail("too many slots");
        all.push_back(enipool::ipv4_prefix::truncate(e.primary_ip, 32));
        for (const auto& p : e.prefixes) {
            if (p.length() != 28) fail("a prefix that is not a /28");
            all.push_back(p);
        }
        for (const auto a : e.secondary_ips) all.push_back(enipool::ipv4_prefix::truncate(a, 32));
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (!ipam.subnet.contains(all[i])) fail("a CIDR outside the subnet");
        if (all[i].contains(ipam.gateway)) fail("a CIDR holds the gateway");
        for (std::size_t k = i + 1; k < all.size(); ++k)
            if (all[i].overlaps(all[k])) fail("overlapping CIDRs accepted");
    }
    cni::ipam_result result;
    result.ips.push_back({{ipam.subnet.at(0), ipam.subnet.length()}, ipam.gateway});
    result.routes = ipam.routes;
    for (const auto v : cni::supported_versions)
        if (!cni::to_json(result, v).contains("ips")) fail("result without ips");
    return 0;
}
