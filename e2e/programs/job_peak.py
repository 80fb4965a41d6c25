"""The job view's reference job (issue: the job's true peak across processes).

The parent holds 100 MB; a child (fork or spawn, argv[1]) builds 200 MB and exits; then the
parent frees its 100 MB and builds 250 MB alone. The job's peak is 300 MB (parent 100 + child
200), not the sum of the processes' own peaks (350 + 200) nor the parent's later 250 MB."""
import multiprocessing
import sys
import time

MB = 1000 * 1000


def child():
    block = bytearray(200 * MB)  # CHILD_200
    time.sleep(0.3)
    return len(block)


def main():
    method = sys.argv[1] if len(sys.argv) > 1 else "fork"
    held = bytearray(100 * MB)  # PARENT_100
    process = multiprocessing.get_context(method).Process(target=child)
    process.start()
    process.join()
    del held
    later = bytearray(250 * MB)  # PARENT_LATER_250
    time.sleep(0.3)
    print("child", process.pid, "exit", process.exitcode, len(later))


if __name__ == "__main__":
    main()
