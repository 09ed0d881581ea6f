// enipool-cni's command logic: one CNI invocation (environment + stdin) in, the exit code,
// stdout and stderr texts out. main.cpp wires it to the process; tests call it in-process.
//
// Each ADD / DEL / CHECK: read and validate the config; create dataDir (mkdir -p, safe when
// many first calls race); take an flock on <dataDir>/<network>.lock (a separate file that is
// never renamed) and hold it across read, change, write, fsync and rename; read
// <dataDir>/<network>.json (missing = first start: fresh state, or the VPC CNI import;
// unreadable or invalid = error 101, never a silent restart); build the pool from the
// config's ENIs; restore allocations and cooling; run the command; save when it changed.
#pragma once

#include "state_file.hpp"

#include <enipool/atomic_file.hpp>
#include <enipool/error.hpp>
#include <enipool/json/cni_config.hpp>
#include <enipool/json/cni_env.hpp>
#include <enipool/json/cni_result.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <sys/stat.h>
#include <sys/types.h>

namespace enipool_cni {

namespace cni = enipool::cni;
using enipool::errc;
using enipool::error;
using enipool::result;

/// What one invocation produced.
struct invocation {
    int exit_code = 0;
    std::string out; ///< stdout: a result, an error or the VERSION reply (JSON)
    std::string err; ///< stderr: notes for the runtime's log (retained addresses, imports)
};

/// Knobs of `run` that tests change.
struct run_options {
    std::chrono::milliseconds lock_timeout{60000}; ///< then error 11, try again later
};

namespace detail {

// mkdir -p with mode 0700 for the parts it creates. EEXIST is success when the path is a
// directory, so concurrent first calls all succeed. O(depth).
[[nodiscard]] inline result<void> make_directories(const std::string& path) {
    for (std::size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos != path.size() && path[pos] != '/') continue;
        const std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), 0700) == 0) continue;
        const int err = errno;
        struct stat info {};
        if (err == EEXIST && ::stat(part.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) continue;
        return error(errc::io_error, fmt::format("mkdir '{}': {}", part,
                                                 std::generic_category().message(err == EEXIST ? ENOTDIR : err)));
    }
    return enipool::success();
}

[[nodiscard]] inline bool file_exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

// A JSON file the plugin must be able to read: a failure is `checkpoint_invalid` (the
// state cannot be trusted), naming the path.
[[nodiscard]] inline result<nlohmann::json> read_json_file(const std::string& path) {
    auto text = enipool::read_file(path);
    if (!text) return error(errc::checkpoint_invalid, text.error().detail());
    auto parsed = cni::parse_json_document(*text);
    if (!parsed) return error(errc::checkpoint_invalid, fmt::format("{}: {}", path, parsed.error().detail()));
    return parsed;
}

[[nodiscard]] inline result<enipool::file_lock> lock_with_timeout(const std::string& path,
                                                                  std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto delay = std::chrono::milliseconds(1);
    while (true) {
        auto lock = enipool::file_lock::try_acquire(path);
        if (lock) return lock;
        if (std::chrono::steady_clock::now() >= deadline)
            return error(errc::lock_failed, fmt::format("{} (waited {} ms)", lock.error().detail(),
                                                        timeout.count()));
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 2, std::chrono::milliseconds(20));
    }
}

[[nodiscard]] inline invocation fail(const error& e, std::string_view version, std::string notes = {}) {
    invocation out;
    out.exit_code = 1;
    out.out = cni::to_json(cni::reply_for(e), version).dump();
    out.err = std::move(notes);
    out.err += fmt::format("enipool-cni: {}\n", e.message());
    return out;
}

// Notes for stderr about retained addresses (capacity removed while pods hold addresses).
[[nodiscard]] inline std::string retained_notes(const node_state& state) {
    std::string notes;
    if (state.retained.empty()) return notes;
    notes += fmt::format("enipool-cni: {} address(es) of capacity no longer in the config are "
                         "still held by pods; they are kept until the pods are deleted:\n",
                         state.retained.size());
    for (const auto& r : state.retained)
        notes += fmt::format("  {} held by {} (pod {}/{})\n", r.address, r.key,
                             r.metadata.pod_namespace, r.metadata.pod_name);
    return notes;
}

} // namespace detail

/// The text `enipool-cni --help` prints (and a run without CNI_COMMAND): what the program is,
/// how a runtime calls it, its commands, where the documentation is.
[[nodiscard]] inline std::string usage_text(std::string_view version) {
    return fmt::format(
        "enipool-cni {}: a CNI IPAM plugin (CNI spec {}) that hands out pod\n"
        "addresses from the ENIs, /28 prefixes and secondary IPs listed in the ipam section of\n"
        "the network config.\n"
        "\n"
        "A container runtime's main plugin (ptp, bridge, ...) runs it, not a person: the command\n"
        "and the container in the environment (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME,\n"
        "CNI_PATH, optionally CNI_ARGS), the network config on stdin, the result or error as JSON\n"
        "on stdout.\n"
        "\n"
        "Commands (CNI_COMMAND):\n"
        "  ADD      give the container an address (the same one again on a repeated ADD)\n"
        "  DEL      release it; it cools down for ipam.cooldownSeconds before reuse\n"
        "  CHECK    verify that the container holds the address prevResult lists\n"
        "  VERSION  print the CNI versions it speaks (no config needed):\n"
        "           CNI_COMMAND=VERSION enipool-cni\n"
        "\n"
        "Options: --help, -h  this text;  --version  the program's version.\n"
        "Documentation: docs/cni.md (install, the config fields, error codes, state files).\n",
        version, fmt::join(cni::supported_versions, ", "));
}

/// What the command line asks for before any CNI work, or nothing for a runtime's call (no
/// argument, CNI_COMMAND set), which `run` then serves exactly as the spec says. `args` are
/// argv[1..]. `--help` / `-h`, or no CNI_COMMAND (unset or empty): the usage on stdout, exit
/// 0 (the CNI library's skeleton also prints its "about" text then, on stderr); `--version`:
/// "enipool-cni <version>", exit 0; any other argument: one line on stderr, exit 2 (a
/// runtime passes none).
template <class Lookup>
[[nodiscard]] std::optional<invocation> command_line(const std::vector<std::string_view>& args, Lookup&& lookup,
                                                     std::string_view version) {
    if (!args.empty()) {
        const std::string_view arg = args.front();
        if (arg == "--help" || arg == "-h") return invocation{0, usage_text(version), {}};
        if (arg == "--version") return invocation{0, fmt::format("enipool-cni {}\n", version), {}};
        std::string shown;
        for (const char c : arg.substr(0, 64))
            shown += static_cast<unsigned char>(c) < 0x20 || c == 0x7f
                         ? fmt::format("\\x{:02x}", static_cast<unsigned char>(c))
                         : std::string(1, c);
        return invocation{2, {},
                          fmt::format("enipool-cni: unknown argument '{}': a runtime passes none; see --help\n", shown)};
    }
    const char* command = lookup("CNI_COMMAND");
    if (command == nullptr || *command == '\0') return invocation{0, usage_text(version), {}};
    return std::nullopt;
}

/// Runs one invocation. `lookup` reads environment variables (like std::getenv); `input`
/// is stdin. Never throws for bad input; every failure is a CNI error reply.
template <class Lookup>
[[nodiscard]] invocation run(Lookup&& lookup, std::string_view input, const run_options& options = {}) {
    const std::string newest(cni::supported_versions.back());
    auto env = cni::read_environment(lookup);
    if (!env) return detail::fail(env.error(), newest);
    if (env->command == cni::command::version) return {0, cni::version_reply().dump(), {}};

    auto doc = cni::parse_json_document(input);
    if (!doc) return detail::fail(doc.error(), newest);
    auto version = cni::cni_version_of(*doc);
    if (!version) return detail::fail(version.error(), newest);
    auto config = cni::read_network_config(*doc);
    if (!config) return detail::fail(config.error(), *version);
    const auto& ipam = config->ipam;

    if (config->name.size() > enipool::cni_key::max_network_name)
        return detail::fail(error(errc::malformed_config,
                                  fmt::format("name: {} characters; at most {} fit in a pod key",
                                              config->name.size(), enipool::cni_key::max_network_name)),
                            *version);
    // The name fits, so only CNI_CONTAINERID (at most 64) or CNI_IFNAME can be too long.
    auto key = enipool::cni_key::make(config->name, env->container_id, env->ifname);
    if (!key) return detail::fail(error(errc::invalid_cni_environment, key.error().message()), *version);
    const enipool::pod_metadata metadata{env->k8s_pod_namespace, env->k8s_pod_name};

    if (auto ok = detail::make_directories(ipam.data_dir); !ok) return detail::fail(ok.error(), *version);
    const std::string base = ipam.data_dir + "/" + config->name;
    auto lock = detail::lock_with_timeout(base + ".lock", options.lock_timeout);
    if (!lock) return detail::fail(lock.error(), *version);

    enipool::manual_clock clk;
    start_clock(clk); // one instant for the whole call
    auto state = build_state(ipam, clk);
    if (!state) return detail::fail(state.error(), *version);
    std::string notes;
    bool changed = false;
    const std::string checkpoint_path = base + ".json";
    if (detail::file_exists(checkpoint_path)) {
        auto parsed = detail::read_json_file(checkpoint_path);
        if (!parsed) return detail::fail(parsed.error(), *version);
        if (auto ok = restore_state(*parsed, *state, clk); !ok)
            return detail::fail(error(ok.error().code(),
                                      fmt::format("{}: {}", checkpoint_path, ok.error().detail())),
                                *version);
    } else {
        changed = true; // the first call writes the checkpoint, even for DEL / CHECK
        if (ipam.import_vpc_cni) {
            const std::string& path = *ipam.import_vpc_cni;
            if (!detail::file_exists(path)) {
                notes += fmt::format("enipool-cni: importVpcCni: {} does not exist; nothing to adopt\n", path);
            } else {
                auto text = enipool::read_file(path);
                if (!text) return detail::fail(error(errc::checkpoint_invalid, text.error().detail()), *version);
                auto imported = import_vpc_cni(*text, *state);
                if (!imported)
                    return detail::fail(error(imported.error().code(),
                                              fmt::format("{}: {}", path, imported.error().detail())),
                                        *version);
                notes += fmt::format("enipool-cni: adopted {} allocation(s) from {} ({} IPv6 entries skipped)\n",
                                     state->pool.allocations().size() + state->retained.size(), path,
                                     *imported);
            }
        }
    }

    auto find_retained = [&]() {
        return std::find_if(state->retained.begin(), state->retained.end(),
                            [&](const retained_allocation& r) { return r.key == *key; });
    };
    invocation out;
    switch (env->command) {
    case cni::command::add: {
        enipool::ipv4_address address;
        if (const auto it = find_retained(); it != state->retained.end()) {
            address = it->address;
        } else {
            const bool known = state->pool.find(*key) != nullptr;
            auto a = state->pool.assign(*key, metadata);
            if (!a)
                return detail::fail(error(a.error().code(),
                                          fmt::format("all {} configured addresses are held or cooling down",
                                                      state->pool.stats().total)),
                                    *version, detail::retained_notes(*state) + notes);
            address = *a;
            changed = changed || !known;
        }
        cni::ipam_result r;
        r.ips.push_back({{address, ipam.subnet.length()}, ipam.gateway});
        r.routes = ipam.routes;
        out.out = cni::to_json(r, *version).dump();
        break;
    }
    case cni::command::del: {
        if (const auto it = find_retained(); it != state->retained.end()) {
            // It cools down like any address, should its capacity come back within the period.
            notes += fmt::format("enipool-cni: released {} (its capacity is no longer configured)\n", it->address);
            state->retained_cooling.push_back({it->address, state->pool.now()});
            state->retained.erase(it);
            changed = true;
        } else if (state->pool.release(*key)) {
            changed = true;
        } // DEL of an unknown key succeeds (CNI spec)
        break;
    }
    case cni::command::check: {
        std::optional<enipool::ipv4_address> held;
        if (const auto it = find_retained(); it != state->retained.end()) held = it->address;
        else if (const auto* a = state->pool.find(*key)) held = a->address;
        if (!held)
            return detail::fail(error(errc::unknown_pod, fmt::format("{} holds no address", *key)),
                                *version, notes);
        auto listed = cni::addresses_of(config->prev_result);
        if (!listed) return detail::fail(listed.error(), *version, notes);
        bool found = false;
        std::string ours;
        for (const auto& a : *listed) {
            if (a.address == *held) found = true;
            if (ipam.subnet.contains(a.address)) ours += fmt::format(" {}", a.address);
        }
        if (!found && !config->prev_result.is_null())
            return detail::fail(error(errc::pod_key_conflict,
                                      fmt::format("{} holds {}, prevResult lists:{}", *key, *held,
                                                  ours.empty() ? " no address of the subnet" : ours)),
                                *version, notes);
        break;
    }
    case cni::command::version: break; // answered above
    }

    if (changed) {
        const auto text = save_state(*state).dump(1) + "\n";
        if (auto ok = enipool::write_file_atomically(checkpoint_path, text); !ok)
            return detail::fail(ok.error(), *version, notes);
    }
    out.err = detail::retained_notes(*state) + notes;
    return out;
}

} // namespace enipool_cni
