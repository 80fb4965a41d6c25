"""Says `ready` once it can take signals, then sleeps; a signal decides how it ends.

It sleeps in 50 ms slices: a SIGINT whose handler runs after `ready` is printed but before the
sleep's system call starts would otherwise leave the job asleep for the whole time (the handler
only flags the interpreter; nothing interrupts a sleep not yet begun). Plain Python 3.15 lost 2
of 80 such signals with one long sleep."""
import sys
import time

print("ready", flush=True)
deadline = time.monotonic() + (float(sys.argv[1]) if len(sys.argv) > 1 else 60)
while time.monotonic() < deadline:
    time.sleep(0.05)
print("woke up without a signal")
