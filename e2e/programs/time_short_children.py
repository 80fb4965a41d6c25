"""Children on either side of the sampler's 50 ms grace (core/sampler/time_sampler.cpp): a
`python -c` child started with subprocess usually ends before its first tick, and a fork child
computes 0.3 s of CPU from its start, its first 50 ms included in what its first tick charges.
The job prints the short child's pid, the fork child's time runnable off a core since its
fork, and its pid."""
import multiprocessing
import subprocess
import sys
import time

from runqueue import runqueue_seconds


def child_work(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # GRACE_CHILD_WORK
        pass
    # Since the fork: a first read (after the grace here) cannot tell the time a thread sat
    # runnable before it, which it charges as waiting.
    print("runqueue", runqueue_seconds(), flush=True)


def main():
    short = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    print("short", short.stdout.strip(), flush=True)
    process = multiprocessing.get_context("fork").Process(target=child_work, args=(0.3,))
    process.start()
    process.join()
    print("child", process.pid, "exit", process.exitcode)


if __name__ == "__main__":
    main()
