"""Nested calls: outer() -> middle() -> hot(), called from two lines of middle() for 1.0 s and
0.5 s of CPU. The expected Python stacks are written in test_time.py. Prints, as JSON, how long
each call sat runnable off a core (counted as CPU where the sampler can read it)."""
import json
import time

from runqueue import runqueue_seconds

RUNQUEUE = []


def hot(seconds):
    start = runqueue_seconds()
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # HOT
        pass
    RUNQUEUE.append(runqueue_seconds() - start)


def middle():
    hot(1.0)  # CALL_LONG
    hot(0.5)  # CALL_SHORT


def outer():
    middle()  # CALL_MIDDLE


outer()  # CALL_OUTER
print(json.dumps({"long": RUNQUEUE[0], "short": RUNQUEUE[1]}))
