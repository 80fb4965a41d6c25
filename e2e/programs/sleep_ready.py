"""Says `ready` once it can take signals, then sleeps; a signal decides how it ends."""
import sys
import time

print("ready", flush=True)
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 60)
print("woke up without a signal")
