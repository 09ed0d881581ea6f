// Fuzz target catalog_csv: the whole input as an instance table in CSV
// (enipool/catalog.hpp). An accepted table holds only types with real limits (what
// validate() and the default-card rule require), each found by its name; a rejection is
// malformed_csv with "line N: reason". Anything else aborts.
#include "fuzz_support.hpp"

#include <enipool/catalog.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto r = enipool::parse_catalog_csv(fuzz::text_of(data, size));
    if (!r) {
        fuzz::expect_rejection("catalog_csv", r.error(), {enipool::errc::malformed_csv});
        if (r.error().detail().rfind("line ", 0) != 0) fuzz::fail("catalog_csv", "detail without a line:", r.error().detail());
        return 0;
    }
    fuzz::expect_sound_catalog("catalog_csv", *r, [](const auto& t) { return enipool::validate(t); },
                               [](const auto& t) { return enipool::detail::check_catalog_row(t); });
    return 0;
}
