"""A client of a Dask cluster whose workers run elsewhere (here each under `sciagraph run -- dask
worker`): connects through the scheduler file argv[1], waits for argv[2] workers and runs one task
on each. Every task builds 64 MiB at one line and holds it until all of them hold theirs (files
in the scratch directory argv[3]), then returns only its size and its worker's pid. The task's
function is defined here, so it travels to the workers by value (its frames name this file).
Prints one known line to stdout and `task pid N` per task to stderr."""
import os
import sys
import time
from pathlib import Path

from distributed import Client

BLOCK_BYTES = 64 * 1024 * 1024


def build_remote_block_64mib(scratch, index, count):
    block = bytearray(BLOCK_BYTES)  # REMOTE_BLOCK: 64 MiB in each remote worker
    Path(scratch, f"holds-{index}").touch()
    deadline = time.monotonic() + 60
    while (len(list(Path(scratch).glob("holds-*"))) < count and time.monotonic() < deadline):
        time.sleep(0.02)
    time.sleep(0.2)  # all blocks held at once: the job's peak holds them together
    return os.getpid(), len(block)


def main(scheduler_file, count, scratch):
    with Client(scheduler_file=scheduler_file) as client:
        client.wait_for_workers(count, timeout=60)
        workers = sorted(client.scheduler_info()["workers"])
        futures = [client.submit(build_remote_block_64mib, scratch, index, count,
                                 workers=[address], pure=False)
                   for index, address in enumerate(workers)]
        results = client.gather(futures)
    for pid, _ in results:
        print("task pid", pid, file=sys.stderr, flush=True)
    sizes = sorted({size for _, size in results})
    print(f"dask client: {len(results)} workers built {sizes} bytes each", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
