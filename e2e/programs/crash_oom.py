"""Allocates 50 MB at a time, every page written, until the kernel's OOM killer ends it (the test
puts it in a memory cgroup); prints how many chunks it holds after each. Stops with status 3 at
2 GB, should no limit apply."""
import sys

chunks = []
while len(chunks) < 40:
    chunks.append(bytearray(50 * 1000 * 1000))  # OOM_CHUNK: 50 MB a time, zero-filled
    print(len(chunks), flush=True)
sys.exit(3)
