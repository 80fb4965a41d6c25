#include "oom_watch.h"

#include <cstdint>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <unistd.h>

namespace sciagraph::core {
namespace {

char g_current_path[512];
uint64_t g_limit = 0;
uint64_t g_last_check_ns = 0;
bool g_fired = false;  // once per approach: re-armed when usage drops under 80%

uint64_t now_ns() noexcept
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Reads a small file into `buf` (NUL-terminated) with raw system calls: no stdio, no malloc.
bool read_small(const char* path, char* buf, size_t size) noexcept
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0) {
        return false;
    }
    buf[n] = '\0';
    return true;
}

bool parse_u64(const char* s, uint64_t& out) noexcept
{
    if (*s < '0' || *s > '9') {
        return false;  // "max": no limit
    }
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; ++s) {
        v = v * 10 + static_cast<uint64_t>(*s - '0');
    }
    out = v;
    return true;
}

}  // namespace

bool oom_watch_init() noexcept
{
    char buf[1024];
    if (!read_small("/proc/self/cgroup", buf, sizeof buf) || std::strncmp(buf, "0::", 3) != 0) {
        return false;  // cgroup v1 or none: off
    }
    char* path = buf + 3;
    path[std::strcspn(path, "\n")] = '\0';
    const char* root = "/sys/fs/cgroup";
    if (std::strlen(root) + std::strlen(path) + 32 > sizeof g_current_path) {
        return false;
    }
    char max_path[sizeof g_current_path];
    std::strcpy(max_path, root);
    std::strcat(max_path, path);
    std::strcat(max_path, "/memory.max");
    char value[64];
    if (!read_small(max_path, value, sizeof value) || !parse_u64(value, g_limit) || g_limit == 0) {
        g_limit = 0;
        return false;
    }
    std::strcpy(g_current_path, root);
    std::strcat(g_current_path, path);
    std::strcat(g_current_path, "/memory.current");
    return true;
}

bool oom_watch_near_limit() noexcept
{
    if (g_limit == 0) {
        return false;
    }
    uint64_t now = now_ns();
    if (now - g_last_check_ns < 200'000'000ull) {
        return false;
    }
    g_last_check_ns = now;
    char value[64];
    uint64_t current = 0;
    if (!read_small(g_current_path, value, sizeof value) || !parse_u64(value, current)) {
        return false;
    }
    if (current * 10 < g_limit * 8) {
        g_fired = false;
        return false;
    }
    if (g_fired || current * 10 < g_limit * 9) {
        return false;
    }
    g_fired = true;
    return true;
}

}  // namespace sciagraph::core
