// Fuzz target cni_checkpoint: the whole input as an enipool-cni state file (enipool/1 plus
// the retained lists, examples/cni/state_file.hpp) restored into a pool built from a fixed
// config. A rejection must be a checkpoint error with a detail; an accepted file must
// leave a pool whose check() passes and must survive save -> restore unchanged.
#include "../../examples/cni/state_file.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_cni_checkpoint: %s\n", what);
    std::abort();
}

// eni-1: 100.64.1.0/28 and 100.64.0.11; eni-2: 100.64.2.0/28 (the seeds use these).
const enipool::cni::ipam_config& config() {
    static const auto c = enipool::cni::parse_network_config(R"({"cniVersion": "1.0.0", "name": "n",
      "ipam": {"type": "enipool-cni", "subnet": "100.64.0.0/16", "cooldownSeconds": 30,
               "enis": [{"id": "eni-1", "primaryIp": "100.64.0.10", "prefixes": ["100.64.1.0/28"],
                         "secondaryIps": ["100.64.0.11"]},
                        {"id": "eni-2", "primaryIp": "100.64.0.20", "prefixes": ["100.64.2.0/28"]}]}})");
    if (!c) fail("the fixed config does not parse");
    return c->ipam;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto doc = enipool::cni::parse_json_document(text);
    if (!doc) return 0;
    enipool::manual_clock clk;
    enipool_cni::start_clock(clk);
    auto state = enipool_cni::build_state(config(), clk);
    if (!state) fail("build_state failed");
    auto ok = enipool_cni::restore_state(*doc, *state, clk);
    if (!ok) {
        const auto code = ok.error().code();
        if (code != enipool::errc::checkpoint_invalid && code != enipool::errc::checkpoint_version)
            fail("unexpected error kind");
        if (ok.error().detail().empty()) fail("error without a detail");
        return 0;
    }
    if (!state->pool.check()) fail("check() fails after an accepted restore");
    const auto saved = enipool_cni::save_state(*state);
    auto again = enipool_cni::build_state(config(), clk);
    if (!again) fail("build_state failed");
    if (!enipool_cni::restore_state(saved, *again, clk)) fail("a saved checkpoint does not restore");
    auto resaved = enipool_cni::save_state(*again);
    resaved["savedAt"] = saved["savedAt"];
    // The clock did not move: the round trip is exact.
    if (resaved != saved) fail("the state changed in a save -> restore round trip");
    return 0;
}
