// core/plain_text.h — text without stdio, locale or malloc, for code that runs inside the job:
// paths, decimal numbers, the facts a dump or a record names its process with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>

namespace sciagraph::core {

// Joins NUL-terminated parts into `out` (truncating at `size`).
void join(char* out, size_t size, std::initializer_list<const char*> parts) noexcept;
// Decimal; `buf` holds at least 21 bytes. Returns `buf`.
const char* format_u64(char* buf, uint64_t v) noexcept;
// Seconds with six decimals ("1.234567"); `buf` holds at least 32 bytes.
const char* format_seconds(char* buf, uint64_t ns) noexcept;
// The process's argv as a JSON array of strings, from /proc/self/cmdline (cut past 16 KiB).
// One caller at a time: it uses a static buffer.
void command_json(char* json, size_t size) noexcept;
// The working directory as the first call found it (the core calls it at start-up, before the
// job's code can chdir): what the job's relative file names start from. "" when getcwd fails.
// No allocation: a static buffer.
const char* start_cwd() noexcept;
// "3.14.2", from the running interpreter's version.
void python_version_text(char* out, size_t size) noexcept;

}  // namespace sciagraph::core
