"""64 short-lived threads, one after another, each computing for 40 ms of CPU."""
import threading
import time


def short_task(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # SHORT
        pass


def main():
    for _ in range(64):
        thread = threading.Thread(target=short_task, args=(0.04,))
        thread.start()
        thread.join()
    print("done")


main()
