"""A pool of 4 threads runs 8 tasks of 0.25 s of CPU each (2 s of CPU in all, sharing the GIL).
Prints the CPU seconds and how long the tasks' threads sat runnable but off a core (which the
sampler counts as CPU where it can read it: they wanted to compute), as JSON."""
import concurrent.futures
import json
import time


def runqueue_seconds():
    # /proc/thread-self/schedstat: CPU ns, ns spent runnable on a run queue, time slices.
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except OSError:
        return 0.0


def cpu_task(seconds):
    waited = runqueue_seconds()
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # POOL_TASK
        pass
    return seconds, runqueue_seconds() - waited


def main():
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(cpu_task, [0.25] * 8))
    print(json.dumps({"cpu": sum(d[0] for d in done), "runqueue": sum(d[1] for d in done)}))


main()
