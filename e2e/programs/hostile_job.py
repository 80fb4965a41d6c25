"""One job, several unfriendly behaviours, chosen by the first argument:
  plain        allocate 50 MB and exit 0
  fork         fork without exec; the child computes, prints and leaves with os._exit
  close-fds    close every descriptor above 2, then allocate and exit normally
  chdir        change directory, then allocate and exit normally
  os-exit      allocate, then leave with os._exit(7) (no atexit handlers)
  rm-output    remove the run's output directory (second argument) while running; exit 4
  plant-tmp    hard-link the file named by the third argument where the core writes its dump's
               temporary file (in the output directory, the second argument), then exit 0
  open-raw     make the output directory's raw/ (second argument) writable by anyone, start a
               Python child, then close raw/ again and exit 0
  fd-numbers   for 3 s, in two threads, open and close descriptors expecting POSIX's lowest free
               number, dup2 onto numbers it believes free, closerange() and look at what a
               forked child inherits: anything it did not open itself is counted
"""
import os
import shutil
import subprocess
import sys
import threading
import time


def allocate():
    return bytearray(50 * 1000 * 1000)  # HOSTILE_ALLOC: 50 MB


def is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def fd_numbers():
    """A job that relies on its own descriptor numbers. Any descriptor the profiler opens in the
    job's table shows up as a wrong number, a foreign entry in /proc/self/fd or a clobbered
    dup2 target."""
    surprises = []
    stop = time.monotonic() + 3.0
    listed = [int(n) for n in os.listdir("/proc/self/fd")]
    inherited = {fd for fd in listed if is_open(fd)}  # less listdir's own, closed by now
    lowest = os.open("/dev/null", os.O_RDONLY)  # POSIX: the lowest free number
    os.close(lowest)
    high = max(inherited | {lowest}) + 30  # numbers this job believes free

    # The job's own two threads take turns: from 3.12 on, os.fork() itself opens a descriptor
    # in the parent (it reads /proc/self/stat to count threads), which would take the worker's
    # lowest number now and then. Only a descriptor opened by someone else is then a surprise.
    turns = threading.Lock()

    def open_close():
        while time.monotonic() < stop:
            with turns:
                fd = os.open("/dev/null", os.O_RDONLY)
                os.close(fd)
            if fd != lowest:
                surprises.append(f"open gave {fd}, not {lowest}")

    worker = threading.Thread(target=open_close)
    worker.start()
    stdout = os.fstat(1)
    while time.monotonic() < stop:
        os.dup2(1, high)
        copy = os.fstat(high)
        if (copy.st_dev, copy.st_ino) != (stdout.st_dev, stdout.st_ino):
            surprises.append("dup2 target changed")
        os.closerange(high, high + 30)
        with turns:
            pid = os.fork()
        if pid == 0:
            # What it inherited, the worker's descriptor if it held it, listdir's own: no more.
            extra = {int(n) for n in os.listdir("/proc/self/fd")} - inherited - {lowest}
            os._exit(1 if len(extra) > 1 else 0)
        if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
            surprises.append("a forked child inherited a descriptor the job never opened")
        time.sleep(0.001)
    worker.join()
    print("fd surprises", len(surprises), surprises[:3])


def main(mode):
    if mode == "fd-numbers":
        fd_numbers()
        return
    block = allocate()
    if mode == "fork":
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            print("child says", sum(range(100000)), flush=True)
            os._exit(0)
        print("child status", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    elif mode == "close-fds":
        os.closerange(3, 65536)
        more = [bytearray(100_000) for _ in range(100)]
        print("closed, still allocating", len(more))
    elif mode == "chdir":
        os.chdir("/")
        print("now in", os.getcwd())
    elif mode == "os-exit":
        print("leaving through os._exit", flush=True)
        os._exit(7)
    elif mode == "plant-tmp":
        raw = os.path.join(sys.argv[2], "raw")
        if os.path.isdir(raw):  # profiled; an unprofiled run has nothing to attack
            os.link(sys.argv[3], os.path.join(raw, f"{os.getpid()}.sgdump.tmp"))
        print("planted")
    elif mode == "open-raw":
        raw = os.path.join(sys.argv[2], "raw")
        profiled = os.path.isdir(raw)
        if profiled:
            os.chmod(raw, 0o777)
        sys.stdout.flush()
        subprocess.run([sys.executable, "-c", "print('child ran')"], check=True)
        if profiled:
            os.chmod(raw, 0o755)
    elif mode == "rm-output":
        shutil.rmtree(sys.argv[2])
        more = [bytearray(100_000) for _ in range(100)]
        print("output removed", len(more))
        sys.stdout.flush()
        sys.exit(4)
    print("size", len(block))


main(sys.argv[1])
