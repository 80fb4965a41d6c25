// core/oom_watch.h — near a cgroup memory limit, persist the peak before the OOM killer comes.
//
// The OOM killer sends SIGKILL: nothing runs after it. The periodic dump may be up to a persist
// interval old, and the last peak snapshot is only taken on a falling edge, which a job killed
// while growing never reaches. So the sampler thread checks the job's cgroup (v2:
// memory.current against memory.max) every ~200 ms, and when usage passes 90% of the limit it
// snapshots the live set and writes the dump at once. It never frees, exits or raises on the
// job's behalf (unlike Fil, which _exit(53)s), and a missing or odd cgroup turns it off.
#pragma once

namespace sciagraph::core {

// Reads /proc/self/cgroup once; false when there is no cgroup v2 limit to watch.
bool oom_watch_init() noexcept;
// From the sampler thread's persist tick: true when a near-limit snapshot should be written now.
bool oom_watch_near_limit() noexcept;

}  // namespace sciagraph::core
