"""A fork pool that replaces its worker after every task (maxtasksperchild=1): N forked children,
each living for one task of about 1 ms (chunksize=1: map's default chunks would hand each
worker a slice of the range as one task, so 400 tasks would make only 8 children).

Under sciagraph each fork re-initialises the core in the child, which then writes its own dump
at exit: the per-process cost without an exec or an interpreter start-up. The task is a fixed
amount of work (about 1 ms on the 2-core VMs here), not a time, so the job does the same work
however slow the machine, or callgrind (bench/instructions.py), makes it.
"""
import multiprocessing
import sys


def small_task(i):
    x = 0
    for k in range(20_000):
        x += k * k
    return x + i


def main(scale):
    with multiprocessing.get_context("fork").Pool(2, maxtasksperchild=1) as pool:
        print(len(pool.map(small_task, range(int(scale)), chunksize=1)))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 400)
