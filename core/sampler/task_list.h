// core/sampler/task_list.h — the TIDs of every thread of this process, from /proc/self/task,
// listed with the raw getdents64 syscall into a stack buffer: opendir/readdir would malloc, and
// the sampler thread never calls the job's allocator. A thread with a descriptor table of its
// own (private_fds.h: the sampler) keeps the directory open and rewinds it for each listing;
// any other opens and closes it on each call.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::sampler {

// Writes up to `max` TIDs into `out` (directory order); returns how many, or -1 when the
// directory cannot be read (no /proc).
long list_task_tids(int32_t* out, size_t max) noexcept;

}  // namespace sciagraph::core::sampler
