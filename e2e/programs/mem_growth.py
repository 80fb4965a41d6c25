"""A buffer grown by realloc in a loop, and a mapping with a hole punched in its middle.

grow(): a bytearray grown 1 MiB at a time to 64 MiB (realloc keeps or moves the block).
punch(): 32 MiB mapped with libc mmap, then 8 MiB unmapped from its middle: 24 MiB stay.
"""
import ctypes
import mmap


def grow():
    buf = bytearray()
    for _ in range(64):
        buf += bytes(1024 * 1024)  # GROW: 64 MiB at the end
    return buf


def punch():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    size = 32 * 1024 * 1024
    base = libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE,  # PUNCH: 24 MiB stay
                     mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    ctypes.memset(base, 1, size)
    libc.munmap(base + 12 * 1024 * 1024, 8 * 1024 * 1024)
    return base


def main():
    mapped = punch()  # first, so the peak (at the end of grow) holds what the punch left
    keep = grow()
    print(len(keep), mapped != 0)


main()
