"""Allocation storm for the profiler's hot paths: many threads allocate, free and reallocate
through every route a Python job takes (Python objects, bytearray growth, libc's
malloc/realloc/free through ctypes, anonymous mmap), while the main thread forks children that
allocate and leave through os._exit.

    alloc_storm.py storm SECONDS [THREADS]
        The storm, then one barrier-synchronised phase in which every thread holds a known block.
        That phase is the run's peak by a wide margin, so the peak the profiler reports is
        deterministic and can be compared between its default and exact modes.
    alloc_storm.py fork-in-hooks FORKS [THREADS]
        Threads spin in native malloc/free (regcomp/regfree: thousands of allocations per call,
        with the GIL released) while the main thread forks FORKS times; every child must exit
        cleanly within CHILD_TIMEOUT_S.

Prints one `ok ...` line and exits 0 when everything held; on a hung or crashed child it prints
what went wrong and exits 1. Standard library only: it runs on any CPython 3.11.
"""
import ctypes
import ctypes.util
import mmap
import os
import random
import signal
import sys
import threading
import time

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.malloc.restype = ctypes.c_void_p
LIBC.malloc.argtypes = [ctypes.c_size_t]
LIBC.realloc.restype = ctypes.c_void_p
LIBC.realloc.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
LIBC.free.restype = None
LIBC.free.argtypes = [ctypes.c_void_p]
LIBC.calloc.restype = ctypes.c_void_p
LIBC.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]

KiB = 1024
MiB = 1024 * KiB

# A child that has not exited after this long is hung (a lock left held across fork).
CHILD_TIMEOUT_S = 20

# The peak phase: what each thread holds at the barrier. 64 threads x 7 MiB = 448 MiB, far above
# anything the storm holds at once (each storm thread keeps well under 1 MiB live), yet only the
# bytearray part is touched, so the machine's resident memory grows by 64 MiB at most.
PEAK_MALLOC_BYTES = 4 * MiB      # libc malloc through ctypes, untouched
PEAK_MMAP_BYTES = 2 * MiB        # anonymous mmap module mapping, untouched
PEAK_BYTEARRAY_BYTES = 1 * MiB   # a Python object's buffer
PEAK_PER_THREAD = PEAK_MALLOC_BYTES + PEAK_MMAP_BYTES + PEAK_BYTEARRAY_BYTES


class Failure(Exception):
    pass


# --- one storm thread ----------------------------------------------------------------------------

def storm_step(rng, held, grow):
    """One random operation; `held` is this thread's list of libc blocks, `grow` a bytearray."""
    op = rng.randrange(8)
    if op == 0 or (op == 1 and not held):
        size = rng.choice((16, 64, 200, 1000, 4000, 40 * KiB, 200 * KiB))
        ptr = LIBC.malloc(size) if rng.random() < 0.5 else LIBC.calloc(1, size)
        if not ptr:
            raise MemoryError(size)
        held.append(ptr)
    elif op == 1:
        index = rng.randrange(len(held))
        ptr = LIBC.realloc(held[index], rng.choice((8, 100, 3000, 70 * KiB, 300 * KiB)))
        if not ptr:
            raise MemoryError("realloc")
        held[index] = ptr
    elif op == 2 and held:
        LIBC.free(held.pop(rng.randrange(len(held))))
    elif op == 3:
        # bytearray growth: CPython's realloc path, from small (pymalloc) to large (libc).
        grow.extend(b"x" * rng.choice((10, 300, 5000)))
        if len(grow) > 256 * KiB:
            del grow[:]
    elif op == 4:
        size = rng.choice((4 * KiB, 64 * KiB, 1 * MiB))
        with mmap.mmap(-1, size) as region:
            region[0] = 1
            region[size - 1] = 2
    elif op == 5:
        # Many small Python objects: pymalloc arenas come and go.
        junk = [str(i) * 3 for i in range(rng.randrange(50, 500))]
        del junk
    elif op == 6:
        data = bytes(rng.randrange(1, 100 * KiB))
        data = data + data
        del data
    else:
        # Keep the live set bounded so the storm never rivals the peak phase.
        while len(held) > 16:
            LIBC.free(held.pop())


def storm_thread(seed, deadline, barrier, errors):
    rng = random.Random(seed)
    held = []
    grow = bytearray()
    try:
        while time.monotonic() < deadline:
            storm_step(rng, held, grow)
    except BaseException as exc:  # reported by the main thread
        errors.append(f"storm thread {seed}: {exc!r}")
    finally:
        for ptr in held:
            LIBC.free(ptr)
        del grow
    peak_phase(barrier, errors, seed)


def peak_phase(barrier, errors, seed):
    """Every thread holds PEAK_PER_THREAD at once, between two barriers."""
    block = LIBC.malloc(PEAK_MALLOC_BYTES)
    region = mmap.mmap(-1, PEAK_MMAP_BYTES)
    buffer = bytearray(PEAK_BYTEARRAY_BYTES)
    try:
        barrier.wait(timeout=120)  # everyone holds their block: this is the peak
        barrier.wait(timeout=120)  # the main thread has seen it
    except threading.BrokenBarrierError:
        errors.append(f"peak phase {seed}: barrier broken")
    finally:
        del buffer
        region.close()
        LIBC.free(block)


# --- children ------------------------------------------------------------------------------------

def child_work():
    """What a forked child does before os._exit: allocate through every route, then leave."""
    try:
        ptr = LIBC.malloc(64 * KiB)
        ptr = LIBC.realloc(ptr, 512 * KiB)
        LIBC.free(ptr)
        data = bytearray(256 * KiB)
        data.extend(b"y" * 1000)
        with mmap.mmap(-1, 128 * KiB) as region:
            region[0] = 1
        objects = [str(i) for i in range(2000)]
        del objects, data
    except BaseException:
        os._exit(3)
    os._exit(0)


def wait_child(pid):
    """Waits for `pid` at most CHILD_TIMEOUT_S; a failure names what happened."""
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise Failure(f"child {pid} still running after {CHILD_TIMEOUT_S} s (hung)")
        time.sleep(0.002)
    if os.WIFSIGNALED(status):
        raise Failure(f"child {pid} died of signal {os.WTERMSIG(status)}")
    if os.waitstatus_to_exitcode(status) != 0:
        raise Failure(f"child {pid} exited {os.waitstatus_to_exitcode(status)}")


def fork_one():
    pid = os.fork()
    if pid == 0:
        child_work()
    wait_child(pid)


# --- modes ---------------------------------------------------------------------------------------

def run_storm(seconds, thread_count):
    deadline = time.monotonic() + seconds
    errors = []
    barrier = threading.Barrier(thread_count + 1)
    threads = [threading.Thread(target=storm_thread, args=(seed, deadline, barrier, errors),
                                name=f"storm-{seed}")
               for seed in range(thread_count)]
    for thread in threads:
        thread.start()
    forks = 0
    try:
        while time.monotonic() < deadline:
            fork_one()
            forks += 1
            time.sleep(0.01)
    except Failure as failure:
        errors.append(str(failure))
    # The peak phase: wait for every thread to hold its block, then let them all go.
    try:
        barrier.wait(timeout=120 + seconds)
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        errors.append("main: peak barrier broken")
    for thread in threads:
        thread.join(timeout=120)
        if thread.is_alive():
            errors.append(f"{thread.name} did not finish")
    return errors, f"forks={forks} threads={thread_count} peak_phase_bytes=" \
                   f"{thread_count * PEAK_PER_THREAD}"


def regex_pattern():
    # regcomp builds an automaton with thousands of small allocations; regfree frees them all.
    alternatives = "|".join(f"(w{i}[a-z]+{i % 7}x*)" for i in range(120))
    return f"^({alternatives})+$".encode()


def native_churn_thread(stop, errors):
    """Calls that spend their whole time inside malloc/free with the GIL released."""
    pattern = regex_pattern()
    regex = ctypes.create_string_buffer(256)  # regex_t is 64 bytes on glibc x86-64
    try:
        while not stop.is_set():
            if LIBC.regcomp(regex, pattern, 1) != 0:  # REG_EXTENDED
                raise RuntimeError("regcomp failed")
            LIBC.regfree(regex)
            ptr = LIBC.malloc(3000)
            LIBC.free(LIBC.realloc(ptr, 90 * KiB))
    except BaseException as exc:
        errors.append(f"churn: {exc!r}")


def run_fork_in_hooks(forks, thread_count):
    stop = threading.Event()
    errors = []
    threads = [threading.Thread(target=native_churn_thread, args=(stop, errors))
               for _ in range(thread_count)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # every thread is inside its native loop
    done = 0
    try:
        for _ in range(forks):
            fork_one()
            done += 1
    except Failure as failure:
        errors.append(str(failure))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
        if thread.is_alive():
            errors.append("a churn thread did not finish")
    return errors, f"forks={done} threads={thread_count}"


def main(argv):
    mode = argv[1]
    count = float(argv[2]) if mode == "storm" else int(argv[2])
    thread_count = int(argv[3]) if len(argv) > 3 else 64
    started = time.monotonic()
    if mode == "storm":
        errors, what = run_storm(count, thread_count)
    elif mode == "fork-in-hooks":
        errors, what = run_fork_in_hooks(count, thread_count)
    else:
        sys.exit(f"unknown mode {mode!r}")
    if errors:
        print("FAILED:\n" + "\n".join(errors[:20]), flush=True)
        return 1
    print(f"ok {mode} {what} seconds={time.monotonic() - started:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
