"""A Dask job on a local cluster of worker processes: distributed.LocalCluster(n_workers=2,
processes=True) starts each worker as a spawned process (the nannies live in this process); one
task builds 64 MiB in a worker at one line. argv[1]: "idle", the task holds the block a moment and
returns only its size, so the workers are idle when the cluster is closed and stop by themselves;
"busy", the task holds the block until the cluster is closed, so that worker's nanny kills it
(SIGKILL once its grace period is over). Then prints one known line to stdout and exits with
status 3. To stderr: `process pid N` for each process this one started, `worker pid N` for each
worker, `nanny pid N` for the process that runs its nanny, `task pid N` for the task's worker."""
import os
import sys
import tempfile
import time
from pathlib import Path

from distributed import Client, LocalCluster

BLOCK_BYTES = 64 * 1024 * 1024


def build_dask_block_64mib(mode, ready):
    block = bytearray(BLOCK_BYTES)  # DASK_BLOCK: 64 MiB in a worker
    if mode == "busy":
        Path(ready + ".tmp").write_text(str(os.getpid()))
        os.rename(ready + ".tmp", ready)  # whole, never half written
        time.sleep(600)  # until the cluster is closed and the nanny kills this worker
    time.sleep(0.5)  # held a moment, so the worker's peak and the job's include it
    return os.getpid(), len(block)


def children():
    """The pids of the processes whose parent is this one."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces and parentheses.
            if int(stat.rpartition(")")[2].split()[1]) == os.getpid():
                pids.append(int(entry.name))
    return sorted(pids)


def main(mode):
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    workers = client.run(os.getpid)
    nannies = client.run(os.getppid)
    for address in sorted(workers):
        print("worker pid", workers[address], file=sys.stderr)
        print("nanny pid", nannies[address], file=sys.stderr)
    for pid in children():
        print("process pid", pid, file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        ready = Path(scratch) / "ready"
        future = client.submit(build_dask_block_64mib, mode, str(ready), pure=False)
        if mode == "busy":
            while not ready.exists():
                time.sleep(0.05)
            print("task pid", ready.read_text(), file=sys.stderr, flush=True)
            size = BLOCK_BYTES
        else:
            pid, size = future.result()
            print("task pid", pid, file=sys.stderr, flush=True)
        client.close()
        cluster.close()
    print(f"dask job: a worker built {size} bytes", flush=True)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
