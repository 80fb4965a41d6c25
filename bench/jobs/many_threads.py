"""Many threads for the time sampler to visit: IDLE threads blocked on an Event, BUSY threads
computing in pure Python, until the main thread sets the Event after SECONDS.

    python many_threads.py IDLE BUSY SECONDS [--probe]

Each tick the sampler reads every thread's CPU clock and, for those that moved, their stack: idle
threads cost it a clock read, busy ones a stack walk, so the two counts set its own CPU apart.
The busy threads (and the probe) start computing together once all threads are started: started
one by one, each new thread waits for the GIL behind all the busy ones before it: 64 busy
threads made a 1 s run last 24 s on a 2-core VM.

--probe adds one thread with a known profile, to check what the sampler charges among the
others: about 2 s of its own CPU in probe_compute(), then 2 s of sleep in probe_sleep(). It
prints its measured CPU and the time it sat runnable off a core (which the sampler counts as
CPU where it can read it) so a loaded machine's excess can be told from an error.
"""
import sys
import threading
import time

PROBE_SECONDS = 2.0


def idle(stop):
    stop.wait()


def busy(go, stop):
    go.wait()
    x = 0
    while not stop.is_set():
        x += 1
    return x


def runqueue_seconds():
    # As e2e/programs' runqueue.py. /proc/thread-self/schedstat: CPU ns, ns spent runnable on a
    # run queue, time slices.
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except OSError:
        return 0.0


def probe_compute(seconds):
    # The thread's own CPU clock: with BUSY threads holding the GIL most of the time, the wall
    # time this takes is several times `seconds`.
    end = time.thread_time() + seconds
    x = 0
    while time.thread_time() < end:
        x += 1
    return x


def probe_sleep(seconds):
    time.sleep(seconds)


def probe(go):
    go.wait()
    cpu_start, queued_start = time.thread_time(), runqueue_seconds()
    probe_compute(PROBE_SECONDS)
    cpu, queued = time.thread_time() - cpu_start, runqueue_seconds() - queued_start
    probe_sleep(PROBE_SECONDS)
    print(f"probe: cpu {cpu:.3f} s, runnable off a core {queued:.3f} s", flush=True)


def main(idle_count, busy_count, seconds, with_probe):
    go, stop = threading.Event(), threading.Event()
    threads = [threading.Thread(target=idle, args=(stop,), name=f"idle-{i}")
               for i in range(idle_count)]
    threads += [threading.Thread(target=busy, args=(go, stop), name=f"busy-{i}")
                for i in range(busy_count)]
    if with_probe:
        threads.append(threading.Thread(target=probe, args=(go,), name="probe"))
    for t in threads:
        t.start()
    go.set()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    print(f"{idle_count} idle, {busy_count} busy" + (", probe" if with_probe else ""))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--probe"]
    main(int(args[0]) if args else 8, int(args[1]) if len(args) > 1 else 0,
         float(args[2]) if len(args) > 2 else 5.0, "--probe" in sys.argv[1:])
