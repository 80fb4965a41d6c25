// core/record.h — the live record (core/record_format.h): the header that holds the core's
// totals and the log that holds frames and stack blocks, in a file-backed shared mapping, so a
// process that dies any way at all leaves its profile as it was at that instant.
//
// Where no file can be had (the failpoint, a filesystem that refuses fallocate or a shared
// mapping), the same layout lives in anonymous memory: everything works the same, only nothing
// survives a kill; the periodic dump (persist_tick) then stands in for it, as it always did.
//
// Appends to the log are serialised by the stack table's lock (their only caller, besides
// start-up); the header's counters are updated atomically by whoever owns them.
#pragma once

#include "record_format.h"

#include <cstddef>
#include <cstdint>

namespace sciagraph::core {

// The header: the file's, or until record_open() (and in unit tests) a static one.
record::Header& record_header() noexcept;

// At start-up, before the tables: creates <dump_dir>/<pid>.sgrec and maps it, or falls back to
// anonymous memory. False only when neither can be had (the caller disables profiling).
bool record_open(const char* dump_dir) noexcept;
// True once opened (on disk or in memory): the tables mirror into it. False in unit tests.
bool record_active() noexcept;
// True while the record is a file on disk (it survives a kill).
bool record_on_disk() noexcept;

// Reserves a record of `payload` bytes at the end of the log and returns its zeroed payload,
// or nullptr when the log is full or cannot grow. The record is invisible to readers until
// record_commit(). Callers hold the stack table's lock.
void* record_reserve(record::Kind kind, size_t payload) noexcept;
void record_commit() noexcept;
// Writes a record string (u32 length, then the bytes, no NUL) at `at`; returns what follows.
unsigned char* record_put_string(unsigned char* at, const char* text, uint32_t length) noexcept;
// The Meta records that name the process (mode, Python version, command); at start-up and in a
// fork child's new record.
bool record_process_meta() noexcept;

// The sampler's refresh of the header's slow-moving fields, each tick.
struct RecordCounts {
    uint64_t memory_samples;
    uint64_t time_samples;
    uint64_t time_failed_reads;
    uint64_t sampler_cpu_ns;
};
void record_refresh(const RecordCounts& counts) noexcept;
// Profiling stopped: the reason goes in the header (a static, one-line string).
void record_disabled(const char* reason) noexcept;
// At exit: the final dump was written (the record goes), or it was not (the record stays,
// marked as having reached the exit).
void record_exit(bool final_dump_written) noexcept;
// The status the process passes to _exit, when it does (before record_exit).
void record_exit_status(int status) noexcept;

// In a fork child, before anything records: the parent's mapping is shared with the parent,
// so the child moves to a file of its own (a copy, at the same address), or to private memory.
void record_after_fork_child() noexcept;

}  // namespace sciagraph::core
