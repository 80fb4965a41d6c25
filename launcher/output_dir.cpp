// launcher/output_dir.cpp
#include "output_dir.h"

#include "exit_codes.h"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sciagraph::launcher {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& message)
{
    throw LaunchError(ExitCode::CannotStart, message);
}

// Closes a descriptor on every path out.
struct Fd {
    int fd;
    ~Fd()
    {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

}  // namespace

std::string local_time_stamp(std::time_t now)
{
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
    return stamp;
}

fs::path default_output_dir(std::time_t now, pid_t pid)
{
    return fs::path("sciagraph-result") / (local_time_stamp(now) + "-" + std::to_string(pid));
}

void prepare_output_dir(const fs::path& dir)
{
    const std::string shown = dir.string();
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) {
        refuse("cannot create output directory " + shown + ": " + error.message());
    }
    if (!fs::is_directory(dir, error)) {
        refuse("output directory " + shown + " exists and is not a directory");
    }
    if (!fs::is_empty(dir, error) || error) {
        refuse("output directory " + shown +
               (error ? " cannot be listed: " + error.message()
                      : " is not empty; give a new one with -o"));
    }
    // Creating raw/ is the real test of writability (access(2) says yes to root on a
    // read-only bind mount's directory modes, and no to nothing). Modes follow the umask but are
    // never writable by others, whatever the umask: the core refuses to write into a directory
    // others may write to (core/settings.h, check_dump_dir).
    if (::mkdir((dir / "raw").c_str(), 0775) != 0) {
        // EEXIST: another run took the directory between our look and now (two tasks of a
        // cluster job given the same -o: a template without {env:...} or {pid}).
        refuse(errno == EEXIST
                   ? "output directory " + shown +
                         " was just taken by another run; give each run its own "
                         "(-o with {pid} or {env:NAME})"
                   : "output directory " + shown + " is not writable: " + std::strerror(errno));
    }
}

void write_new_file(const fs::path& dir, std::string_view name, std::string_view contents)
{
    const fs::path file = dir / name;
    Fd out{::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0664)};
    if (out.fd < 0) {
        refuse("cannot create " + file.string() + ": " + std::strerror(errno));
    }
    while (!contents.empty()) {
        ssize_t written = ::write(out.fd, contents.data(), contents.size());
        if (written < 0 && errno == EINTR) {
            continue;
        }
        if (written <= 0) {
            refuse("cannot write " + file.string() + ": " + std::strerror(errno));
        }
        contents.remove_prefix(static_cast<std::size_t>(written));
    }
}

}  // namespace sciagraph::launcher
