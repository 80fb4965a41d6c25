"""An anonymous mapping of 64 MiB made through the mmap module, held (and touched) at the peak."""
import mmap


def map_anonymous():
    return mmap.mmap(-1, 64 * 1024 * 1024)  # MMAP: 64 MiB


def main():
    region = map_anonymous()
    region[:: 4096] = b"x" * (len(region) // 4096)
    print(len(region))
    region.close()


main()
