// enipool/atomic_file.hpp: crash-safe file replacement, whole-file reads and a lock file (POSIX).
//
// `write_file_atomically` writes a temp file in the target's directory (unique name,
// O_CREAT|O_EXCL), writes every byte (short writes and EINTR handled), fsyncs it, renames it
// over the target and fsyncs the directory. A reader (or a process restarted after a crash)
// sees the previous content or the new content, never a mix. Every failure is a value:
// `errc::no_space` for ENOSPC / EDQUOT, `errc::io_error` otherwise, with a detail naming the
// step, the path and the system's message. The system calls go through `io_ops`, a struct of
// function pointers that defaults to the real calls, so tests can fail any step.
#pragma once

#include <enipool/error.hpp>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace enipool {

namespace detail {

inline int sys_open(const char* path, int flags, unsigned mode) noexcept {
    return ::open(path, flags, static_cast<mode_t>(mode));
}
inline long sys_write(int fd, const void* data, std::size_t size) noexcept {
    return static_cast<long>(::write(fd, data, size));
}
inline int sys_fsync(int fd) noexcept { return ::fsync(fd); }
inline int sys_close(int fd) noexcept { return ::close(fd); }
inline int sys_rename(const char* from, const char* to) noexcept { return ::rename(from, to); }
inline int sys_unlink(const char* path) noexcept { return ::unlink(path); }
// Opens the directory, fsyncs it (so a rename inside it survives a crash), closes it.
inline int sys_fsync_dir(const char* dir) noexcept {
    const int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    const int rc = ::fsync(fd);
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return rc;
}

} // namespace detail

/// The system calls `write_file_atomically` makes, as replaceable function pointers. Each
/// returns what the POSIX call returns (-1 and errno on failure). The defaults are the real
/// calls; tests replace one member to fail that step or to kill the process at it.
struct io_ops {
    int (*open)(const char* path, int flags, unsigned mode) = &detail::sys_open;
    long (*write)(int fd, const void* data, std::size_t size) = &detail::sys_write;
    int (*fsync)(int fd) = &detail::sys_fsync;
    int (*close)(int fd) = &detail::sys_close;
    int (*rename)(const char* from, const char* to) = &detail::sys_rename;
    int (*fsync_dir)(const char* dir) = &detail::sys_fsync_dir;
    int (*unlink)(const char* path) = &detail::sys_unlink;
};

/// Options of `write_file_atomically`.
struct atomic_write_options {
    unsigned mode = 0600;  ///< permissions of the new file (before the umask)
    io_ops ops{};          ///< the system calls (the real ones unless a test replaces them)
};

namespace detail {

// The error for a failed system call: no_space for ENOSPC / EDQUOT, io_error otherwise; the
// detail is "<step> '<path>': <system message>".
[[nodiscard]] inline error io_failure(std::string_view step, std::string_view path, int err) {
    const errc code = (err == ENOSPC || err == EDQUOT) ? errc::no_space : errc::io_error;
    return error(code, fmt::format("{} '{}': {}", step, path,
                                   std::generic_category().message(err)));
}

// The directory holding `path` ("." for a bare name, "/" for a file in the root).
[[nodiscard]] inline std::string parent_directory(std::string_view path) {
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return ".";
    if (slash == 0) return "/";
    return std::string(path.substr(0, slash));
}

// A temp name beside `path`: ".<name>.tmp.<pid>.<counter>.<clock>"; a new one on every call
// (O_EXCL catches the unlikely clash, e.g. with a dead process's leftover of the same pid).
[[nodiscard]] inline std::string temp_name_for(std::string_view path) {
    static std::atomic<unsigned long> counter{0};  // unique inside the process (plus the clock)
    const auto slash = path.rfind('/');
    const std::string_view dir = slash == std::string_view::npos ? "" : path.substr(0, slash + 1);
    const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    const auto ticks = static_cast<unsigned long long>(
        std::chrono::steady_clock::now().time_since_epoch().count());
    return fmt::format("{}.{}.tmp.{}.{}.{:x}", dir, name, static_cast<long>(::getpid()),
                       counter.fetch_add(1, std::memory_order_relaxed) + 1, ticks & 0xFFFFFFu);
}

} // namespace detail

/// Replaces the file at `path` with `bytes` so that a crash at any moment leaves either the
/// previous content or the new content: temp file beside it (O_CREAT|O_EXCL, `options.mode`),
/// every byte written, fsync, rename over `path`, fsync of the directory.
///
/// Complexity: O(bytes.size()) plus the I/O. Errors: `errc::no_space` (ENOSPC, EDQUOT) or
/// `errc::io_error`, the detail naming the step ("open", "write", "fsync", "close", "rename",
/// "fsync directory"), the path and the system's message. On every failure up to and
/// including the rename, the previous file is untouched and the temp file is removed. A
/// failing directory fsync comes after the rename: the file then holds the complete new
/// content, but the replacement may not survive a power loss (the error says so). Throws
/// only std::bad_alloc (building the names).
[[nodiscard]] inline result<void> write_file_atomically(const std::string& path,
                                                        std::string_view bytes,
                                                        const atomic_write_options& options = {}) {
    const io_ops& ops = options.ops;
    std::string temp;
    int fd = -1;
    for (unsigned attempt = 0; attempt < 16 && fd < 0; ++attempt) {
        temp = detail::temp_name_for(path);
        fd = ops.open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, options.mode);
        if (fd < 0 && errno != EEXIST && errno != EINTR)
            return detail::io_failure("open (create the temp file)", temp, errno);
    }
    if (fd < 0) return detail::io_failure("open (create the temp file)", temp, errno);

    // From here on, every failure removes the temp file; the target is not touched.
    auto fail = [&](std::string_view step, int err, bool close_fd) -> error {
        if (close_fd) ops.close(fd);
        ops.unlink(temp.c_str());
        return detail::io_failure(step, temp, err);
    };
    std::size_t written = 0;
    while (written < bytes.size()) {
        const long n = ops.write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("write", errno, true);
        }
        if (n == 0) return fail("write (no progress)", EIO, true);
        written += static_cast<std::size_t>(n);
    }
    if (ops.fsync(fd) != 0) return fail("fsync", errno, true);
    if (ops.close(fd) != 0) return fail("close", errno, false);
    if (ops.rename(temp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ops.unlink(temp.c_str());
        return detail::io_failure(fmt::format("rename '{}' over", temp), path, err);
    }
    const std::string dir = detail::parent_directory(path);
    if (ops.fsync_dir(dir.c_str()) != 0)
        return detail::io_failure(
            fmt::format("the new content of '{}' is in place, but it may not survive a power "
                        "loss: fsync directory", path),
            dir, errno);
    return success();
}

/// Reads the whole file at `path`. O(size). Errors: `errc::io_error` (open or read failed;
/// the detail names the path and the system's message). Throws only std::bad_alloc.
[[nodiscard]] inline result<std::string> read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return detail::io_failure("open", path, errno);
    std::string content;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && info.st_size > 0)
        content.reserve(static_cast<std::size_t>(info.st_size));
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            return detail::io_failure("read", path, err);
        }
        if (n == 0) break;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return content;
}

/// An exclusive advisory lock (flock) on a separate lock file, held for the object's life.
/// The lock file is created (mode 0600) if missing and never deleted (deleting it would let
/// two processes lock two different files). Move-only; the destructor releases the lock.
class file_lock {
public:
    file_lock() noexcept = default;
    file_lock(file_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    file_lock& operator=(file_lock&& other) noexcept {
        if (this != &other) {
            release();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    file_lock(const file_lock&) = delete;
    file_lock& operator=(const file_lock&) = delete;
    ~file_lock() { release(); }

    /// Takes the lock, waiting as long as another process holds it. O(1) plus the wait.
    /// Errors: `errc::lock_failed` (the file cannot be opened or locked; the detail says why).
    [[nodiscard]] static result<file_lock> acquire(const std::string& path) {
        return take(path, true);
    }
    /// Takes the lock if nobody holds it. Errors: `errc::lock_failed` (held elsewhere: the
    /// detail says so; or the file cannot be opened).
    [[nodiscard]] static result<file_lock> try_acquire(const std::string& path) {
        return take(path, false);
    }

    [[nodiscard]] bool owns_lock() const noexcept { return fd_ >= 0; }

    /// Releases the lock now (also done by the destructor). O(1).
    void release() noexcept {
        if (fd_ >= 0) {
            ::flock(fd_, LOCK_UN);
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    explicit file_lock(int fd) noexcept : fd_(fd) {}

    static result<file_lock> take(const std::string& path, bool wait) {
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return error(errc::lock_failed,
                         fmt::format("open '{}': {}", path, std::generic_category().message(errno)));
        while (::flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            ::close(fd);
            if (err == EWOULDBLOCK)
                return error(errc::lock_failed,
                             fmt::format("'{}' is locked by another process", path));
            return error(errc::lock_failed,
                         fmt::format("flock '{}': {}", path, std::generic_category().message(err)));
        }
        return file_lock(fd);
    }

    int fd_ = -1;
};

} // namespace enipool
