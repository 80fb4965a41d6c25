"""Nested calls: outer() -> middle() -> hot(), called from two lines of middle() for 1.0 s and
0.5 s of CPU. The expected Python stacks are written in test_time.py."""
import time


def hot(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # HOT
        pass


def middle():
    hot(1.0)  # CALL_LONG
    hot(0.5)  # CALL_SHORT


def outer():
    middle()  # CALL_MIDDLE


outer()  # CALL_OUTER
