"""Runs a command (the arguments) under a seccomp filter that refuses unshare(2) with EPERM, as
Docker's default profile does for a container without CAP_SYS_ADMIN: exec keeps the filter, so
the profiled command's sampler thread cannot take a descriptor table of its own."""
import ctypes
import os
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AUDIT_ARCH_X86_64 = 0xC000003E
NR_UNSHARE = 272  # x86-64
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_RET_K = 0x06
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | 1


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def refuse_unshare():
    program = [
        SockFilter(BPF_LD_W_ABS, 0, 0, 4),                  # seccomp_data.arch
        SockFilter(BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),     # another arch: allow all
        SockFilter(BPF_RET_K, 0, 0, RET_ALLOW),
        SockFilter(BPF_LD_W_ABS, 0, 0, 0),                  # seccomp_data.nr
        SockFilter(BPF_JEQ_K, 0, 1, NR_UNSHARE),
        SockFilter(BPF_RET_K, 0, 0, RET_EPERM),
        SockFilter(BPF_RET_K, 0, 0, RET_ALLOW),
    ]
    filters = (SockFilter * len(program))(*program)
    fprog = SockFprog(len(program), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                           ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")


refuse_unshare()
sys.stdout.flush()
os.execv(sys.argv[1], sys.argv[1:])
