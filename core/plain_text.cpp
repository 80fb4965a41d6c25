#include "plain_text.h"

#include "python/python.h"

#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace sciagraph::core {

void join(char* out, size_t size, std::initializer_list<const char*> parts) noexcept
{
    size_t n = 0;
    for (const char* part : parts) {
        for (; part != nullptr && *part != '\0' && n + 1 < size; ++part) {
            out[n++] = *part;
        }
    }
    out[n] = '\0';
}

const char* format_u64(char* buf, uint64_t v) noexcept
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; ++i) {
        buf[i] = tmp[n - 1 - i];
    }
    buf[n] = '\0';
    return buf;
}

const char* format_seconds(char* buf, uint64_t ns) noexcept
{
    format_u64(buf, ns / 1000000000ull);
    size_t n = std::strlen(buf);
    uint64_t micros = (ns % 1000000000ull) / 1000;
    buf[n++] = '.';
    for (uint64_t div = 100000; div != 0; div /= 10) {
        buf[n++] = static_cast<char>('0' + (micros / div) % 10);
    }
    buf[n] = '\0';
    return buf;
}

const char* start_cwd() noexcept
{
    static char cwd[4096];
    static bool known = false;
    if (!known) {
        known = true;
        if (getcwd(cwd, sizeof cwd) == nullptr) {
            cwd[0] = '\0';
        }
    }
    return cwd;
}

void command_json(char* json, size_t size) noexcept
{
    static char raw[16384];  // static, not on the caller's stack: hooks run on small stacks
    ssize_t n = 0;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, raw, sizeof raw);
        close(fd);
    }
    size_t w = 0;
    auto put = [&](char c) {
        if (w + 2 < size) {
            json[w++] = c;
        }
    };
    put('[');
    bool open_string = false;
    for (ssize_t i = 0; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(raw[i]);
        if (!open_string) {
            if (w > 1) {
                put(',');
            }
            put('"');
            open_string = true;
        }
        if (c == '\0') {
            put('"');
            open_string = false;
        } else if (c == '"' || c == '\\') {
            put('\\');
            put(static_cast<char>(c));
        } else if (c < 0x20) {
            const char* hex = "0123456789abcdef";
            for (char e : {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]}) {
                put(e);
            }
        } else {
            put(static_cast<char>(c));
        }
    }
    if (open_string) {
        put('"');
    }
    json[w++] = ']';
    json[w] = '\0';
}

void python_version_text(char* out, size_t size) noexcept
{
    uint32_t v = python::version_hex();
    char major[24], minor[24], micro[24];
    join(out, size,
         {format_u64(major, v >> 24), ".", format_u64(minor, (v >> 16) & 0xff), ".",
          format_u64(micro, (v >> 8) & 0xff)});
}

}  // namespace sciagraph::core
