// core/python/python.h — everything the core knows of CPython, behind one interface.
// The unsafe reads of interpreter internals live in core/python/ alone; the rest of the core
// sees code objects as CodeInfo (names copied into the core's arena) and frames as RawFrame.
//
// Versions: 3.11 to 3.15, one layout table per minor version (layout_3XX.h), chosen at run time
// from Py_Version, with the offsets 3.13+ publish about themselves applied (debug_offsets.h), so
// one core library serves every supported interpreter and links no libpython.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sciagraph::core::python {

// A code object, as the core keeps it. Lives in the arena forever (stable pointer); a code
// object freed and another allocated at the same address get distinct CodeInfos.
struct CodeInfo {
    const char* function;  // co_qualname, UTF-8, NUL-terminated
    const char* file;      // co_filename, UTF-8, NUL-terminated
    uint32_t first_line;
    uint32_t id;  // dense, from 1: the core's frame interning key
};

struct RawFrame {
    const CodeInfo* code;
    uint32_t line;  // 0 when unknown
};

// Called once from the core's constructor, before Python runs: looks up Py_Version and the
// few exported symbols with dlsym(RTLD_DEFAULT). False: this process is not CPython.
bool resolve_symbols() noexcept;
bool is_python() noexcept;
// Py_Version (e.g. 0x030b07f0), 0 when not Python.
uint32_t version_hex() noexcept;
// True for the versions whose layout the core knows. Fills `why` with a one-line reason
// otherwise, e.g. "Python 3.10.4 is not supported (sciagraph supports 3.11)".
bool version_supported(char* why, size_t why_size) noexcept;

// From the library constructor, before Python initialises: installs the audit hook that calls
// `on_ready` once, with the GIL held, on the main thread, when the interpreter is initialised and
// before the job's own code runs, on every way Python starts (-I, -E, -S included; see
// startup_hook.cpp). False when the interpreter lacks the API for it.
bool install_ready_hook(void (*on_ready)()) noexcept;

// With the GIL held: registers C functions as os.register_at_fork(before=...,
// after_in_parent=...). False when they could not be registered.
bool register_fork_hooks(void (*before)(), void (*after_in_parent)()) noexcept;

// With the GIL held: runs `check` inside a call two Python functions deep (code compiled for it,
// nothing left in the job) and returns what it returned, or a reason the call could not be made.
const char* run_under_python_frames(const char* (*check)()) noexcept;

// With the GIL held, on the interpreter's main thread, before user code runs (through
// run_under_python_frames from the ready hook): cross-checks every offset the core reads against
// the public C API on live objects (thread state, frames of a nested call, code objects, line
// numbers). Returns nullptr when all agree, else a static one-line description of the mismatch.
const char* check_layout() noexcept;
bool layout_checked() noexcept;  // check_layout() passed in this process (or its fork parent)

// The calling thread's own Python stack, leaf first, read directly from its frame chain with
// plain loads (the thread's own frames cannot change under it). Returns the number of frames
// written (0: no Python frames, e.g. a native thread or before Python started). Thread-safe:
// the code cache has its own lock. Never allocates through malloc; never calls Python.
size_t capture_current_thread(RawFrame* out, size_t max) noexcept;

// A thread's previous capture, root first: each level's code object (the code cache's key) and
// instruction, and the frame they gave. Consecutive allocations of a thread mostly share their
// stack's first levels (a loop allocating from one line: all of them), and a level whose code
// and instruction have not changed needs neither the code cache nor the line table. Plain old
// data, zero-initialised: for initial-exec TLS.
struct CaptureMemo {
    static constexpr size_t kLevels = 64;
    struct Level {
        uintptr_t code, qualname, filename, linetable;
        int64_t offset;
        int32_t first_line;
        RawFrame frame;
    };
    Level levels[kLevels];
    size_t depth;  // levels valid
};

// capture_current_thread, comparing with and then updating `memo` (the calling thread's own).
// `unchanged` gets how many root-side frames equal the memo's levels as they were: a caller
// that keeps something per level (the stack table's nodes) keeps those. A capture of `max`
// frames, or one cut short by a bad frame, clears the memo (its root is not the stack's).
size_t
capture_current_thread(RawFrame* out, size_t max, CaptureMemo& memo, size_t& unchanged) noexcept;

// --- Other threads, for the time sampler: every read goes through safe_read ---

struct ThreadRef {
    uintptr_t tstate;     // PyThreadState address
    long native_tid;      // Linux TID
    uintptr_t top_frame;  // current _PyInterpreterFrame, 0 when idle
};

// Lists the main interpreter's threads; returns the count (≤ max), or -1 on a failed read.
long list_threads(ThreadRef* out, size_t max) noexcept;

// Reads one thread's stack, leaf first, through safe reads (a few system calls whatever the
// depth). Returns the frame count, or -1 when memory was unreadable, a frame failed its checks
// (not a code object, a cycle) or the thread state is gone. A stack whose top kept moving
// while it was read (a thread running Python) is returned when every frame passed its checks,
// and counted in remote_reads_moved(). Thread-safe. Never allocates through malloc.
long read_thread_stack(const ThreadRef& thread, RawFrame* out, size_t max) noexcept;

// Reads read_thread_stack returned although the thread's top frame moved during both tries.
uint64_t remote_reads_moved() noexcept;

// --- Added to the interface: state the rest of the core reads ---

// The code cache is full (or its arena memory was refused): from then on capture_current_thread
// returns 0 frames for code it has not seen. The caller disables tracking when this turns true.
bool code_cache_full() noexcept;

// The CodeInfo with this id (1..the largest handed out), nullptr for others: lets the dump
// writer list every code object by id.
const CodeInfo* code_info(uint32_t id) noexcept;

// Stacks that capture_current_thread cut short or dropped (an unreadable frame, a code pointer
// that is not a code object, a cycle): the error count the profile reports.
uint64_t capture_errors() noexcept;

// Fork handlers, for core/fork.cpp to call around fork(): the code cache's lock and the
// safe_read pipe's lock are held across fork() so a child never inherits one held.
void fork_prepare() noexcept;
void fork_parent() noexcept;
void fork_child() noexcept;

}  // namespace sciagraph::core::python
