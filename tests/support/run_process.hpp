// Test support: run a program as a process, capturing stdout, stderr and the exit status.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace enipool_test {

struct process_result {
    int status = -1;  ///< exit status, -1 when killed by a signal
    std::string out, err;
};

inline std::string slurp_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Runs `exe` with `args`; stdout and stderr go through temporary files in `scratch_dir`.
/// Throws std::runtime_error when the process cannot be started.
inline process_result run_process(const std::string& exe, const std::vector<std::string>& args,
                                  const std::string& scratch_dir) {
    std::string out_path = scratch_dir + "/run_out_XXXXXX", err_path = scratch_dir + "/run_err_XXXXXX";
    const int out_fd = mkstemp(out_path.data()), err_fd = mkstemp(err_path.data());
    if (out_fd < 0 || err_fd < 0) throw std::runtime_error("mkstemp failed in " + scratch_dir);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    std::vector<char*> argv{const_cast<char*>(exe.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_fd);
    close(err_fd);
    process_result r;
    if (spawned == 0) {
        int wstatus = 0;
        if (waitpid(pid, &wstatus, 0) == pid && WIFEXITED(wstatus)) r.status = WEXITSTATUS(wstatus);
    }
    r.out = slurp_file(out_path);
    r.err = slurp_file(err_path);
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    if (spawned != 0) throw std::runtime_error("cannot start " + exe);
    return r;
}

} // namespace enipool_test
