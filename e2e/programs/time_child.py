"""A multiprocessing child (fork) computes for 1.5 s of CPU while the parent waits in join().
The child prints how long it sat runnable but off a core while computing (which the sampler
counts as CPU where it can read it); the parent prints the child's pid and how long it waited."""
import multiprocessing
import time

from runqueue import runqueue_seconds


def child_work(seconds):
    waited = runqueue_seconds()
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # CHILD_WORK
        pass
    print("runqueue", runqueue_seconds() - waited, flush=True)


def main():
    process = multiprocessing.get_context("fork").Process(target=child_work, args=(1.5,))
    process.start()
    start = time.monotonic()
    process.join()  # JOIN
    print("child", process.pid, "exit", process.exitcode, "joined", time.monotonic() - start)


if __name__ == "__main__":
    main()
