"""A thread computes for 1.5 s of CPU while holding a lock; another thread waits for that lock
(as long as the holder takes in wall time: it prints how long, as JSON)."""
import json
import threading
import time

lock = threading.Lock()
held = threading.Event()
waited = {}


def busy(seconds):
    with lock:
        held.set()
        end = time.thread_time() + seconds
        while time.thread_time() < end:  # BUSY
            pass


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
