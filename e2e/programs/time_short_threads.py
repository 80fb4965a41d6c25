"""64 short-lived threads, one after another, each computing for 40 ms of CPU. Prints how long
they sat runnable but off a core (which the sampler counts as CPU where it can read it)."""
import threading
import time

from runqueue import runqueue_seconds

RUNQUEUE = []


def short_task(seconds):
    waited = runqueue_seconds()
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # SHORT
        pass
    RUNQUEUE.append(runqueue_seconds() - waited)


def main():
    for _ in range(64):
        thread = threading.Thread(target=short_task, args=(0.04,))
        thread.start()
        thread.join()
    print("runqueue", sum(RUNQUEUE))


main()
