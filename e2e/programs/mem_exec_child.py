"""Started by subprocess from mem_subprocess.py: its own peak is 40 MB at one line."""
import os


def child_work():
    return bytearray(40 * 1000 * 1000)  # EXEC_CHILD: 40 MB


block = child_work()
print("exec child", os.getpid(), len(block))
