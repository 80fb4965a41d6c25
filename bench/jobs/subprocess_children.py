"""N short Python children, one after another, each `python -c pass` through subprocess.

Under sciagraph every child is a profiled process: its start-up (the core's checks, its tables)
and its dump and render are paid N times, while the parent itself does next to nothing.
"""
import subprocess
import sys


def run_children(n):
    for _ in range(n):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    return n


def main(scale):
    print(run_children(int(scale)))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 200)
