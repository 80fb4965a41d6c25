// core/sampler/proc_dir.h — the entries of a /proc directory whose names are numbers (the TIDs
// of /proc/self/task, the descriptors of /proc/thread-self/fd), listed with the raw getdents64
// system call into a stack buffer: opendir/readdir would malloc, and the sampler thread never
// calls the job's allocator.
#pragma once

#include <cstddef>
#include <cstdint>

#include <sys/syscall.h>
#include <unistd.h>

namespace sciagraph::core::sampler {

namespace detail {
// The kernel's record (linux/dirent.h is not part of glibc's headers).
struct LinuxDirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[1];
};
}  // namespace detail

// "1234" → 1234; anything else ("", ".", "..", "12a", more than 2^31 − 1) → -1.
inline int32_t parse_entry_number(const char* name) noexcept
{
    if (*name == '\0') {
        return -1;
    }
    int64_t value = 0;
    for (; *name != '\0'; ++name) {
        if (*name < '0' || *name > '9' || value > 0x7fffffff / 10) {
            return -1;
        }
        value = value * 10 + (*name - '0');
    }
    return value > 0x7fffffff ? -1 : static_cast<int32_t>(value);
}

// "/proc/self/task/<tid>/<file>" into `out`, NUL-terminated; false when it does not fit.
inline bool task_file_path(int32_t tid, const char* file, char* out, size_t size) noexcept
{
    char digits[10];
    size_t count = 0;
    for (auto value = static_cast<uint32_t>(tid); count == 0 || value != 0; value /= 10) {
        digits[count++] = static_cast<char>('0' + value % 10);
    }
    size_t n = 0;
    auto put = [&](char c) {
        if (n + 1 >= size) {
            return false;
        }
        out[n++] = c;
        return true;
    };
    for (const char* p = "/proc/self/task/"; *p != '\0'; ++p) {
        if (!put(*p)) {
            return false;
        }
    }
    while (count > 0) {
        if (!put(digits[--count])) {
            return false;
        }
    }
    if (!put('/')) {
        return false;
    }
    for (; *file != '\0'; ++file) {
        if (!put(*file)) {
            return false;
        }
    }
    out[n] = '\0';
    return true;
}

// Calls visit(number) for every entry of the open directory `fd` whose name is a number, from
// its current position to the end. False when getdents64 fails.
template <typename Visit>
bool for_each_numbered_entry(long fd, Visit&& visit) noexcept
{
    alignas(8) char buffer[4096];
    for (;;) {
        const long got = syscall(SYS_getdents64, fd, buffer, sizeof buffer);
        if (got < 0) {
            return false;
        }
        if (got == 0) {
            return true;
        }
        for (long offset = 0; offset < got;) {
            const auto* entry = reinterpret_cast<const detail::LinuxDirent64*>(buffer + offset);
            offset += entry->d_reclen;
            const int32_t number = parse_entry_number(entry->d_name);
            if (number >= 0) {
                visit(number);
            }
        }
    }
}

}  // namespace sciagraph::core::sampler
