"""Eight threads (four computing, four sleeping) for 2 s: the sampler's own cost is measured."""
import threading
import time


def spin(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def main():
    threads = [threading.Thread(target=spin if i % 2 else time.sleep, args=(2.0,))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("done")


main()
