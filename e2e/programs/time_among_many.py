"""A thousand threads blocked on an event while one probe thread computes 1.5 s of CPU, then
sleeps 1.5 s. Prints, as JSON, how long the probe sat runnable off a core while computing
(counted as CPU where the sampler can read it) and the idle threads' lifetimes in all."""
import json
import threading
import time

from runqueue import runqueue_seconds

IDLE = 1000
release = threading.Event()
lifetimes = []
probe_runqueue = []


def idle():
    start = time.monotonic()
    release.wait()  # IDLE
    lifetimes.append(time.monotonic() - start)


def spin(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # SPIN
        pass


def sleepy(seconds):
    time.sleep(seconds)  # SLEEP


def probe():
    waited = runqueue_seconds()
    spin(1.5)
    probe_runqueue.append(runqueue_seconds() - waited)
    sleepy(1.5)


def main():
    threading.stack_size(256 * 1024)
    idle_threads = [threading.Thread(target=idle) for _ in range(IDLE)]
    for t in idle_threads:
        t.start()
    time.sleep(0.5)  # every idle thread blocked, and read rarely, before the probe starts
    worker = threading.Thread(target=probe)
    worker.start()
    worker.join()
    release.set()
    for t in idle_threads:
        t.join()
    print(json.dumps({"runqueue": probe_runqueue[0], "idle_lifetimes": sum(lifetimes)}))


main()
