"""One task of a Slurm step (e2e/test_slurm.py). srun gives every task the same arguments, so
each finds its own part by $SLURM_PROCID: `slurm_task.py MB0,MB1,... DIR [MODE]`.

The task holds its MB, makes DIR/ready-<procid> and waits (at most 20 s) until every task of the
step ($SLURM_STEP_NUM_TASKS, else $SLURM_NTASKS) has made its own: the tasks hold their data at
the same time. Then, by MODE:
  exit:N      (default exit:0) frees, says so and exits with N;
  hold        holds until a signal ends it (at most 60 s), as a job cancelled mid-way;
  count:SIG   as hold, but counts the signal SIG (TERM, USR1...) in a handler: one second
              after the first it says how many came and exits with that count."""
import os
import signal
import sys
import time

MB = 1000 * 1000


def step_tasks():
    for name in ("SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"):
        if os.environ.get(name):
            return int(os.environ[name])
    return 1


def main():
    rank = int(os.environ.get("SLURM_PROCID", "0"))
    size = int(sys.argv[1].split(",")[rank])
    ready_dir = sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "exit:0"
    caught = []
    counted = mode.split(":")[1] if mode.startswith("count:") else None
    if counted:
        signal.signal(signal.Signals["SIG" + counted],
                      lambda signum, frame: caught.append(time.monotonic()))
    block = bytearray(size * MB)  # SLURM_TASK_HOLDS
    with open(os.path.join(ready_dir, f"ready-{rank}"), "w"):
        pass
    others = [os.path.join(ready_dir, f"ready-{r}") for r in range(step_tasks())]
    deadline = time.monotonic() + 20
    while not all(os.path.exists(p) for p in others) and time.monotonic() < deadline:
        time.sleep(0.02)
    print(f"task {rank} holds {size} MB", flush=True)
    if mode == "hold" or counted:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (caught and time.monotonic() - caught[0] > 1):
            time.sleep(0.01)
        print(f"task {rank} got SIG{counted} {len(caught)} times", flush=True)
        sys.exit(len(caught))
    time.sleep(0.3)
    del block
    time.sleep(0.1)
    print(f"task {rank} done", flush=True)
    sys.exit(int(mode.split(":")[1]))


if __name__ == "__main__":
    main()
