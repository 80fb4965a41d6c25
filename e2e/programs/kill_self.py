"""Allocates a known block, waits so that a periodic dump can be written, then kills itself with
the signal named by the first argument (TERM, KILL...)."""
import os
import signal
import sys
import time


def hold():
    return bytearray(60 * 1000 * 1000)  # HOLD: 60 MB live when the signal comes


block = hold()
print("allocated", len(block), flush=True)
time.sleep(float(sys.argv[2]) if len(sys.argv) > 2 else 1.5)
os.kill(os.getpid(), getattr(signal, "SIG" + sys.argv[1]))
time.sleep(10)  # not reached: the signal's default action ends the process
