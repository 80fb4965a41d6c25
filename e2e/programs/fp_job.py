"""A job with threads, a forked multiprocessing child, a raw fork and a subprocess, whose stdout
and exit status (5) are deterministic: under any failpoint they must stay exactly these."""
import multiprocessing
import os
import subprocess
import sys
import threading


def thread_work(i, results):
    blocks = [bytearray(1000 + i * 100) for _ in range(2000)]
    results[i] = sum(len(b) for b in blocks) + sum(range(20000 * (i + 1)))


def child_work(connection):
    block = bytearray(10 * 1000 * 1000)
    connection.send(len(block) + sum(range(100000)))
    connection.close()


def main():
    results = {}
    threads = [threading.Thread(target=thread_work, args=(i, results)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("threads", sorted(results.items()))

    receiver, sender = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=child_work, args=(sender,))
    process.start()
    print("multiprocessing child", receiver.recv())
    process.join()
    print("multiprocessing exit", process.exitcode)

    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os._exit(len(bytearray(3 * 1000 * 1000)) // 1000000)
    print("raw fork status", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))

    out = subprocess.run([sys.executable, "-c", "print(len(bytearray(5 * 10**6)))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    print("subprocess", out)
    print("job stderr line", file=sys.stderr)
    sys.exit(5)


if __name__ == "__main__":
    main()
