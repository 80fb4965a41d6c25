"""Shared by the time programs: how long the calling thread has sat runnable but off a core,
which the sampler counts as CPU where it can read it (the thread wanted to compute)."""


def runqueue_seconds():
    # /proc/thread-self/schedstat: CPU ns, ns spent runnable on a run queue, time slices.
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except OSError:
        return 0.0
