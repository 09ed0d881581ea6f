// Fuzz target cni_env: the input as a process environment, NUL-separated NAME=VALUE entries
// (the last entry of a name wins; an entry without '=' is skipped, as getenv never sees it),
// read by enipool::cni::read_environment (enipool/json/cni_env.hpp). A rejection must be
// invalid_cni_environment naming a CNI_ variable, on one line and short however long the
// value; an accepted environment must hold what the reader promises (a command; for ADD,
// DEL and CHECK a spec container id, a Linux interface name of 1..15 bytes, CNI_PATH's
// directories; CNI_ARGS pairs with clean keys, no key twice, Kubernetes names for the pod).
// Anything else aborts.
#include "fuzz_support.hpp"

#include <enipool/json/cni_env.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace cni = enipool::cni;
    constexpr const char* target = "cni_env";
    const std::string_view text = fuzz::text_of(data, size);
    std::map<std::string, std::string, std::less<>> env;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t nul = std::min(text.find('\0', start), text.size());
        const std::string_view entry = text.substr(start, nul - start);
        if (const auto eq = entry.find('='); eq != std::string_view::npos && eq > 0)
            env[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
        start = nul + 1;
    }
    const auto r = cni::read_environment([&](const char* name) -> const char* {
        const auto it = env.find(std::string_view(name));
        return it == env.end() ? nullptr : it->second.c_str();
    });
    if (!r) {
        fuzz::expect_rejection(target, r.error(), {enipool::errc::invalid_cni_environment});
        const std::string detail = r.error().detail();
        if (!detail.starts_with("CNI_")) fuzz::fail(target, "a rejection that names no variable:", detail);
        for (const char c : detail)
            if (static_cast<unsigned char>(c) < 0x20) fuzz::fail(target, "a control byte in a rejection:", detail);
        if (detail.size() > 512) fuzz::fail(target, "a rejection echoes a whole long value:", detail.substr(0, 128));
        return 0;
    }
    const auto& e = *r;
    const auto command = env.at("CNI_COMMAND");
    if (cni::to_string(e.command) != command) fuzz::fail(target, "a command other than CNI_COMMAND:", command);
    if (e.command == cni::command::version) return 0;
    if (!cni::detail::is_valid_container_id(e.container_id)) fuzz::fail(target, "a bad container id:", e.container_id);
    if (e.ifname.empty() || e.ifname.size() > 15 || !cni::detail::ifname_problem(e.ifname).empty())
        fuzz::fail(target, "a bad interface name:", e.ifname);
    for (const auto& dir : e.path)
        if (dir.empty() || dir.find(':') != std::string::npos) fuzz::fail(target, "a bad CNI_PATH entry:", dir);
    std::set<std::string> keys;
    for (const auto& [key, value] : e.args) {
        if (key.empty() || key.find_first_of("=; \t\n") != std::string::npos) fuzz::fail(target, "a bad key:", key);
        if (value.find(';') != std::string::npos) fuzz::fail(target, "a value holding ';':", value);
        if (!keys.insert(key).second) fuzz::fail(target, "a key accepted twice:", key);
        if (key == "K8S_POD_NAME" && (value != e.k8s_pod_name || !cni::detail::is_dns1123(value, true)))
            fuzz::fail(target, "a pod name that is not the one given or not a name:", value);
        if (key == "K8S_POD_NAMESPACE" && (value != e.k8s_pod_namespace || !cni::detail::is_dns1123(value, false)))
            fuzz::fail(target, "a namespace that is not the one given or not a name:", value);
    }
    return 0;
}
