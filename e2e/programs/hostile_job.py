"""One job, several unfriendly behaviours, chosen by the first argument:
  plain        allocate 50 MB and exit 0
  fork         fork without exec; the child computes, prints and leaves with os._exit
  close-fds    close every descriptor above 2, then allocate and exit normally
  chdir        change directory, then allocate and exit normally
  os-exit      allocate, then leave with os._exit(7) (no atexit handlers)
  rm-output    remove the run's output directory (second argument) while running; exit 4
"""
import os
import shutil
import sys


def allocate():
    return bytearray(50 * 1000 * 1000)  # HOSTILE_ALLOC: 50 MB


def main(mode):
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
    elif mode == "rm-output":
        shutil.rmtree(sys.argv[2])
        more = [bytearray(100_000) for _ in range(100)]
        print("output removed", len(more))
        sys.stdout.flush()
        sys.exit(4)
    print("size", len(block))


main(sys.argv[1])
