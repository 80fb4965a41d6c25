"""Three threads each allocate a distinct size at their own line; all three blocks are live
together at the peak."""
import threading

holding = threading.Barrier(4)
release = threading.Barrier(4)
blocks = {}


def thread_a():
    block = bytearray(30 * 1000 * 1000)  # THREAD_A: 30 MB
    holding.wait()
    release.wait()
    blocks["a"] = len(block)


def thread_b():
    block = bytearray(50 * 1000 * 1000)  # THREAD_B: 50 MB
    holding.wait()
    release.wait()
    blocks["b"] = len(block)


def thread_c():
    block = bytearray(70 * 1000 * 1000)  # THREAD_C: 70 MB
    holding.wait()
    release.wait()
    blocks["c"] = len(block)


def main():
    threads = [threading.Thread(target=f) for f in (thread_a, thread_b, thread_c)]
    for t in threads:
        t.start()
    holding.wait()
    release.wait()
    for t in threads:
        t.join()
    print(sorted(blocks.items()))


main()
