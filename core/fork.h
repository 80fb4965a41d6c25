// core/fork.h — fork() without inherited locks. The prepare handler takes every core lock in
// the global order (core/tracker.h), so no other thread holds one when the address space is
// copied; the parent releases them; the child resets them (their holders do not exist there)
// and starts its own profile: its own dump file, its own peak (starting from the memory it
// inherited, which is really in its address space), its own time, a new sampler thread.
#pragma once

#include <cstdint>

namespace sciagraph::core {

bool install_fork_handlers() noexcept;

// os.fork()'s own hooks (os.register_at_fork, installed when Python is ready): `before` and
// `after_in_parent`. They keep the sampler thread out of 3.12+'s thread count (see
// sampler::pause_for_fork()).
void python_fork_begins() noexcept;
void python_fork_ended_in_parent() noexcept;

// Internal: tracker state the child handler resets.
void finish_reset_in_child() noexcept;
uint64_t memory_samples() noexcept;

}  // namespace sciagraph::core
