"""150 MB at one line, then SIGKILL from the job itself at once: no exit handler runs, the peak
survives only in the live record."""
import os
import signal


def at_peak():
    return bytearray(150 * 1000 * 1000)  # PEAK: 150 MB, live when SIGKILL comes


block = at_peak()
os.kill(os.getpid(), signal.SIGKILL)
