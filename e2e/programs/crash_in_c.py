"""150 MB from libc's malloc (through ctypes) or a bytearray, optionally freed, then a crash in C:
a segfault (memset at address 0) or abort(). Arguments: malloc|bytearray keep|free segv|abort."""
import ctypes
import resource
import sys

resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file, whatever the machine's limit
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
SIZE = 150 * 1000 * 1000


def c_peak():
    pointer = libc.malloc(SIZE)  # C_PEAK: 150 MB from libc's malloc
    ctypes.memset(pointer, 1, SIZE)
    return pointer


def python_peak():
    return bytearray(SIZE)  # PY_PEAK: 150 MB


build, after, crash = sys.argv[1:4]
block = c_peak() if build == "malloc" else python_peak()
if after == "free":
    if build == "malloc":
        libc.free(block)
    del block
if crash == "segv":
    ctypes.memset(0, 0, 1)
else:
    libc.abort()
print("not reached")
