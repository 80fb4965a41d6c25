// launcher/job_page_file.cpp — see job_page_file.h.
#include "job_page_file.h"

#include "core/job_format.h"

#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <unistd.h>

namespace sciagraph::launcher {
namespace {

uint64_t clock_ns(clockid_t clock)
{
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

bool create_job_page(const std::filesystem::path& raw_dir) noexcept
{
    const std::filesystem::path path = raw_dir / job::kFileName;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0664);
    if (fd < 0) {
        return false;
    }
    // The whole page, zeros after the header: the processes map kPageBytes of it.
    alignas(64) unsigned char bytes[job::kPageBytes] = {};
    job::Page page{};
    std::memcpy(page.magic, job::kMagic, sizeof page.magic);
    page.version = job::kFormatVersion;
    page.page_size = sizeof(job::Page);
    page.start_monotonic_ns = clock_ns(CLOCK_MONOTONIC);
    page.start_realtime_ns = clock_ns(CLOCK_REALTIME);
    // gethostname cuts a longer name without a NUL: the last byte stays 0 (the page is zeroed).
    (void)::gethostname(page.host, sizeof page.host - 1);
    std::memcpy(bytes, &page, sizeof page);
    size_t done = 0;
    while (done < sizeof bytes) {
        const ssize_t n = ::write(fd, bytes + done, sizeof bytes - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::close(fd);
            ::unlink(path.c_str());
            return false;
        }
        done += static_cast<size_t>(n);
    }
    return ::close(fd) == 0;
}

}  // namespace sciagraph::launcher
