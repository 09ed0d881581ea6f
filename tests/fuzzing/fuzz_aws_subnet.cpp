// Fuzz target aws_subnet: the input as AWS CLI output (enipool/json/aws_subnet.hpp):
// describe-network-interfaces and get-subnet-cidr-reservations pages, and both together
// (split at the first NUL byte: interfaces before, reservations after) rebuilt onto
// 198.18.0.0/24 and 198.18.0.0/20. A rebuilt subnet must pass check() and account for every
// interface address it took; a rejection is one of the documented kinds with a detail. No
// exception may escape. Anything else aborts.
#include "fuzz_support.hpp"

#include <enipool/json/aws_subnet.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using enipool::errc;
    const auto text = fuzz::text_of(data, size);
    const auto enis = enipool::parse_aws_network_interfaces(text);
    if (!enis) fuzz::expect_rejection("aws_subnet", enis.error(), {errc::malformed_json});
    const auto reservations = enipool::parse_aws_cidr_reservations(text);
    if (!reservations) fuzz::expect_rejection("aws_subnet", reservations.error(), {errc::malformed_json});

    const auto nul = text.find('\0');
    const auto interfaces = text.substr(0, nul);
    const auto reserved = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);
    for (const char* cidr : {"198.18.0.0/24", "198.18.0.0/20"}) {
        const auto s = enipool::subnet_from_aws(enipool::ipv4_prefix::parse(cidr).value(), interfaces, reserved);
        if (!s) {
            fuzz::expect_rejection("aws_subnet", s.error(),
                                   {errc::malformed_json, errc::address_not_in_subnet, errc::address_reserved,
                                    errc::already_allocated, errc::reservation_overlap, errc::prefix_not_aligned,
                                    errc::invalid_prefix});
            continue;
        }
        if (auto ok = s->check(); !ok) fuzz::fail("aws_subnet", "rebuilt subnet broken:", ok.error().message());
        if (s->free_addresses() + s->allocated_addresses() + 16 * s->allocated_prefixes() > s->size())
            fuzz::fail("aws_subnet", "more addresses accounted for than the subnet has");
    }
    return 0;
}
