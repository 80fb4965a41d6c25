"""A thread blocks on a pipe read until the main thread, after sleeping 1.5 s, writes. Prints how
long the reader waited, as JSON."""
import json
import os
import threading
import time

read_end, write_end = os.pipe()
waited = {}


def reader():
    start = time.monotonic()
    data = os.read(read_end, 1)  # PIPE_READ
    waited["reader"] = time.monotonic() - start
    return data


def main():
    thread = threading.Thread(target=reader)
    thread.start()
    time.sleep(1.5)  # MAIN_SLEEP
    os.write(write_end, b"x")
    thread.join()
    print(json.dumps(waited))


main()
