// Fuzz target catalog_json: the whole input as `aws ec2 describe-instance-types` JSON
// (enipool/json/catalog_json.hpp), and through the format-detecting parse_catalog. An
// accepted catalog holds only types with real limits, each found by its name; a rejection
// is malformed_json (or malformed_csv when the text does not start with '{') with a
// detail. No exception may escape. Anything else aborts.
#include "fuzz_support.hpp"

#include <enipool/json/catalog_json.hpp>

namespace {

void check_catalog(const enipool::result<enipool::catalog>& r) {
    if (!r) {
        fuzz::expect_rejection("catalog_json", r.error(), {enipool::errc::malformed_json, enipool::errc::malformed_csv});
        return;
    }
    fuzz::expect_sound_catalog("catalog_json", *r, [](const auto& t) { return enipool::validate(t); },
                               [](const auto& t) { return enipool::detail::check_catalog_row(t); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = fuzz::text_of(data, size);
    const auto json = enipool::parse_catalog_json(text);
    if (!json && json.error().code() != enipool::errc::malformed_json)
        fuzz::fail("catalog_json", "the JSON reader returned another kind:", json.error().message());
    check_catalog(json);
    check_catalog(enipool::parse_catalog(text));
    return 0;
}
