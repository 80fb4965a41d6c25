"""A little of everything the report shows: a known allocation, some compute, some waiting."""
import time


def allocate():
    return bytearray(30 * 1000 * 1000)  # ALLOC: 30 MB


def compute(seconds):
    end = time.thread_time() + seconds
    n = 0
    while time.thread_time() < end:
        n += 1
    return n


def main():
    block = allocate()
    compute(0.3)
    time.sleep(0.2)
    print("done", len(block))


if __name__ == "__main__":
    main()
