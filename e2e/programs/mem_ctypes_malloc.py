"""50 MiB from libc's malloc called through ctypes, held at the peak, then freed."""
import ctypes

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]


def native_buffer():
    return libc.malloc(50 * 1024 * 1024)  # MALLOC: 50 MiB


def main():
    pointer = native_buffer()
    ctypes.memset(pointer, 1, 50 * 1024 * 1024)
    print(pointer != 0)
    libc.free(pointer)


main()
