"""A client of a Dask cluster whose worker runs elsewhere (here under `sciagraph run -- dask
worker`): connects through the scheduler file argv[1], waits for a worker and runs one task that
builds 64 MiB at one line and returns only its size and its worker's pid. The task's function is
defined here, so it travels to the worker by value (its frames name this file). Prints one known
line to stdout and `task pid N` to stderr."""
import os
import sys
import time

from distributed import Client

BLOCK_BYTES = 64 * 1024 * 1024


def build_remote_block_64mib():
    block = bytearray(BLOCK_BYTES)  # REMOTE_BLOCK: 64 MiB in the remote worker
    time.sleep(0.5)  # held a moment, so the worker's peak and the job's include it
    return os.getpid(), len(block)


def main(scheduler_file):
    with Client(scheduler_file=scheduler_file) as client:
        client.wait_for_workers(1, timeout=60)
        pid, size = client.submit(build_remote_block_64mib, pure=False).result()
    print("task pid", pid, file=sys.stderr, flush=True)
    print(f"dask client: a worker built {size} bytes", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
