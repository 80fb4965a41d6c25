"""A pool of 4 threads runs 8 tasks of 0.25 s of CPU each (2 s of CPU in all, sharing the GIL)."""
import concurrent.futures
import time


def cpu_task(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # POOL_TASK
        pass
    return seconds


def main():
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        print(sum(pool.map(cpu_task, [0.25] * 8)))


main()
