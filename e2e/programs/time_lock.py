"""A thread computes for 1.5 s of CPU while holding a lock; another thread waits for that lock
(as long as the holder takes in wall time: it prints how long, as JSON, with how long the holder
sat runnable off a core, which the sampler counts as CPU where it can read it)."""
import json
import threading
import time

from runqueue import runqueue_seconds

lock = threading.Lock()
held = threading.Event()
waited = {}


def busy(seconds):
    with lock:
        held.set()
        start = runqueue_seconds()
        end = time.thread_time() + seconds
        while time.thread_time() < end:  # BUSY
            pass
        waited["runqueue"] = runqueue_seconds() - start


def blocked():
    held.wait()
    start = time.monotonic()
    with lock:  # BLOCKED
        waited["blocked"] = time.monotonic() - start


def main():
    threads = [threading.Thread(target=busy, args=(1.5,)), threading.Thread(target=blocked)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(waited))


main()
