// core/dump_writer.h — serialises the core's tables into the dump format (core/dump_format.h)
// with write(2) from arena buffers: no stdio, no malloc. The file is written to
// `<dump_dir>/<pid>.sgdump.tmp` and renamed over `<pid>.sgdump`, so a reader (or a job killed
// mid-write) only ever sees a complete earlier dump or a complete new one.
#pragma once

#include <cstdint>

namespace sciagraph::core {

// Writes the dump now. `final`: written at exit (normal, os._exit, fatal signal).
bool write_dump(bool final) noexcept;

// From the sampler thread on every tick: writes when the persist interval has passed and the
// tables changed, or when a new peak snapshot is waiting to be persisted.
void persist_tick() noexcept;

}  // namespace sciagraph::core

namespace sciagraph::core {

void dump_writer_lock_for_fork() noexcept;
void dump_writer_unlock_after_fork() noexcept;
void dump_writer_reset_in_child() noexcept;

}  // namespace sciagraph::core

namespace sciagraph::core {
// Called at start-up: the dump's wall_seconds count from here.
void dump_writer_start_clock() noexcept;
}  // namespace sciagraph::core
