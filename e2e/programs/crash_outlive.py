"""The job's root starts a child, waits until the child has built 50 MB, and exits; the child
lives on for `seconds` after the root is gone (0.3: it ends while the launcher waits for it; 8: it
is still running when the report is made). Prints the child's pid."""
import subprocess
import sys

CHILD = """
import sys, time
def build():
    return bytearray(50 * 1000 * 1000)  # CHILD_PEAK
block = build()
print("ready", flush=True)
time.sleep(float(sys.argv[1]))
"""

child = subprocess.Popen([sys.executable, "-c", CHILD, sys.argv[1]], start_new_session=True,
                         stdout=subprocess.PIPE, text=True)
assert child.stdout.readline() == "ready\n"
print(child.pid, flush=True)
