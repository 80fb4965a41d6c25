"""Writes a known mix of lines to stdout and stderr, some unbuffered, some at exit."""
import sys

for i in range(200):
    print(f"out {i} " + "x" * (i % 37))
    if i % 10 == 0:
        print(f"err {i}", file=sys.stderr, flush=True)
sys.stdout.write("no newline at the end")
