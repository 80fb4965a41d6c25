"""A pool of 4 threads runs 8 tasks of 0.25 s of CPU each (2 s of CPU in all, sharing the GIL).
Prints the CPU seconds and how long the tasks' threads sat runnable but off a core (which the
sampler counts as CPU where it can read it: they wanted to compute), as JSON."""
import concurrent.futures
import json
import time

from runqueue import runqueue_seconds


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
