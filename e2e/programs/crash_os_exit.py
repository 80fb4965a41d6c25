"""150 MB at one line, then os._exit(3) at once: no atexit handler, no interpreter shutdown."""
import os


def at_peak():
    return bytearray(150 * 1000 * 1000)  # PEAK: 150 MB, live at os._exit


block = at_peak()
os._exit(3)
