"""N MiB (argv[1], default 20) allocated at one line and held at the peak: the same job at two
sizes is what `sciagraph report --diff` compares."""
import sys


def allocate(mib):
    return bytearray(mib * 1024 * 1024)  # SIZED: N MiB


def main():
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    block = allocate(mib)
    print(len(block))


main()
