"""One thread computes for 2 s of CPU while another sleeps 2 s; the main thread waits for both.
Prints the lifetime of each thread (seconds) as JSON for the total-time check."""
import json
import threading
import time

lifetimes = {}


def spin(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:  # SPIN
        pass


def sleepy(seconds):
    time.sleep(seconds)  # SLEEP


def timed(name, function, seconds):
    start = time.monotonic()
    function(seconds)
    lifetimes[name] = time.monotonic() - start


def main():
    threads = [threading.Thread(target=timed, args=("spin", spin, 2.0)),
               threading.Thread(target=timed, args=("sleepy", sleepy, 2.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(lifetimes))


main()
