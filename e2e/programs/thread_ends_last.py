"""Processes whose last thread is not the main thread of a normal exit.

main-exits: the main thread leaves through pthread_exit while a worker thread finishes the job.
fork-from-thread: a thread forks; in the child that thread returns, ending the child's only
thread (glibc then ends the process with status 0).
subinterpreter: code runs in a subinterpreter, which raises the start-up audit events again.
"""
import ctypes
import os
import sys
import threading
import time


def main_exits():
    def worker():
        time.sleep(0.3)
        print("worker done", flush=True)

    threading.Thread(target=worker).start()
    ctypes.CDLL(None).pthread_exit(None)


def fork_from_thread():
    def forker():
        pid = os.fork()
        if pid == 0:
            print("child runs", flush=True)
            return  # the child's only thread ends here
        _, status = os.waitpid(pid, 0)
        print("child status", os.waitstatus_to_exitcode(status), flush=True)

    thread = threading.Thread(target=forker)
    thread.start()
    thread.join()


def subinterpreter():
    import _xxsubinterpreters as interpreters

    interpreters.run_string(interpreters.create(), "x = [0] * 1000")
    print("subinterpreter ok", flush=True)


{"main-exits": main_exits, "fork-from-thread": fork_from_thread,
 "subinterpreter": subinterpreter}[sys.argv[1]]()
