"""One task of a distributed job (the merged report's e2e): holds argv[1] MB, says so by making
the file argv[2], waits (at most 20 s) until every file named after it exists (the other tasks
hold theirs too), holds a little longer, frees and exits. Tasks run together thus peak together."""
import os
import sys
import time

MB = 1000 * 1000


def main():
    size = int(sys.argv[1])
    ready = sys.argv[2]
    others = sys.argv[3:]
    block = bytearray(size * MB)  # TASK_HOLDS
    with open(ready, "w"):
        pass
    deadline = time.monotonic() + 20
    while not all(os.path.exists(p) for p in others) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    del block
    time.sleep(0.1)
    print("task", size, "done")


if __name__ == "__main__":
    main()
