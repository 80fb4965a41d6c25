"""A multiprocessing child (fork) computes for 1.5 s of CPU while the parent waits in join().
Prints the child's pid and how long the parent waited."""
import multiprocessing
import time


def child_work(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # CHILD_WORK
        pass


def main():
    process = multiprocessing.get_context("fork").Process(target=child_work, args=(1.5,))
    process.start()
    start = time.monotonic()
    process.join()  # JOIN
    print("child", process.pid, "exit", process.exitcode, "joined", time.monotonic() - start)


if __name__ == "__main__":
    main()
