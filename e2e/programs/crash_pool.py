"""A pool of 2 worker processes (start method: argv[1]), each running one task whose last big
allocation is 60 MiB at one line. argv[2]: "idle", the task returns and the worker waits for work
until leaving `with` ends it; "busy", the task reports its pid and sleeps until leaving `with`
terminates it (SIGTERM). Prints the workers' pids."""
import multiprocessing
import os
import sys
import time

shared = {}


def init(barrier, pids):
    shared.update(barrier=barrier, pids=pids)


def last_task(mode):
    shared["barrier"].wait(timeout=60)  # one task per worker: neither can take both
    size = len(bytearray(60 * 1024 * 1024))  # WORKER_PEAK: 60 MiB, freed at once
    if mode == "busy":
        shared["pids"].put(os.getpid())
        time.sleep(600)  # until terminated
    return os.getpid(), size


def main(method, mode):
    ctx = multiprocessing.get_context(method)
    pids = ctx.SimpleQueue()
    with ctx.Pool(2, initializer=init, initargs=(ctx.Barrier(2), pids)) as pool:
        if mode == "busy":
            pool.map_async(last_task, [mode] * 2, chunksize=1)
            workers = [pids.get() for _ in range(2)]
        else:
            workers = [pid for pid, _ in pool.map(last_task, [mode] * 2, chunksize=1)]
    print("workers", *workers, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
