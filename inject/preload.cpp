// inject/preload.cpp — the C symbols the dynamic linker resolves to us.
//
// Each allocating hook: (1) the real call with the recursion guard held, so whatever the
// allocator does inside (an mmap through the PLT, a nested malloc) is not counted twice;
// (2) report to the core, which ignores threads already inside sciagraph; (3) return the real
// result unchanged. Each freeing hook reports *before* the real call: afterwards another thread
// may receive the same address from malloc, and its record could overtake ours.
// No spdlog, no exceptions, no allocation of our own below this line.
#include "core/coverage_marks.h"
#include "core/recursion_guard.h"
#include "core/tracker.h"
#include "originals.h"

#include <cerrno>
#include <cstdarg>
#include <cstring>

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

using sciagraph::core::RecursionGuard;
namespace core = sciagraph::core;
namespace inject = sciagraph::inject;

#define SCIAGRAPH_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

inline const inject::Originals& real() noexcept
{
    return inject::originals();
}

inline bool ready() noexcept
{
    return inject::originals_ready();
}

inline size_t usable(void* ptr) noexcept
{
    return real().malloc_usable_size(ptr);
}

// Whether this thread's calls are reported: memory tracking is on and the thread is not inside
// sciagraph already. Checked before anything else is computed, so a pass-through hook (time
// mode, profiling disabled, a non-Python process) costs two loads.
inline bool reporting() noexcept
{
    return core::tracking_memory() && !RecursionGuard::active();
}

// An allocation made while the originals are being resolved (or if they cannot be).
void* early_alloc(size_t size, size_t align = 16) noexcept
{
    void* p = inject::bootstrap_alloc(size, align);
    if (p == nullptr) {
        errno = ENOMEM;
    }
    return p;
}

// realloc of a block from the bootstrap pool: a new block from `alloc` (the interposed malloc,
// or the runtime's wrapped one), the old contents copied. Its old size is unknown, but it lies
// inside the used part of the pool, so copying up to there is safe.
void* move_from_bootstrap(void* ptr, size_t size, void* (*alloc)(size_t) noexcept) noexcept
{
    void* fresh = alloc(size);
    if (fresh != nullptr) {
        size_t room = inject::bootstrap_room(ptr);
        std::memcpy(fresh, ptr, room < size ? room : size);
    }
    return fresh;
}

inline bool anonymous_tracked(int prot, int flags, int fd) noexcept
{
    // Anonymous and accessible: a PROT_NONE reservation is address space, not memory (memray
    // #547), and a file mapping is the file's pages (memray #778).
    return (flags & MAP_ANONYMOUS) != 0 && fd == -1 && prot != PROT_NONE;
}

}  // namespace

SCIAGRAPH_EXPORT void* malloc(size_t size) noexcept
{
    if (!ready()) [[unlikely]] {
        return early_alloc(size);
    }
    void* ptr;
    {
        RecursionGuard guard;
        ptr = real().malloc(size);
    }
    if (ptr != nullptr && reporting()) {
        core::on_alloc(ptr, usable(ptr));
    }
    return ptr;
}

SCIAGRAPH_EXPORT void free(void* ptr) noexcept
{
    if (ptr == nullptr || inject::from_bootstrap(ptr)) {
        return;
    }
    if (!ready()) [[unlikely]] {
        return;  // cannot happen for a block we handed out; leaking beats crashing
    }
    if (reporting()) {
        core::on_free(ptr, usable(ptr));
    }
    RecursionGuard guard;
    real().free(ptr);
}

SCIAGRAPH_EXPORT void* calloc(size_t count, size_t size) noexcept
{
    if (!ready()) [[unlikely]] {
        size_t total;
        if (__builtin_mul_overflow(count, size, &total)) {
            errno = ENOMEM;
            return nullptr;
        }
        return early_alloc(total);  // static pool memory is already zero
    }
    void* ptr;
    {
        RecursionGuard guard;
        ptr = real().calloc(count, size);
    }
    if (ptr != nullptr && reporting()) {
        core::on_alloc(ptr, usable(ptr));
    }
    return ptr;
}

SCIAGRAPH_EXPORT void* realloc(void* ptr, size_t size) noexcept
{
    if (ptr != nullptr && inject::from_bootstrap(ptr)) {
        return move_from_bootstrap(ptr, size, &malloc);  // to the real heap
    }
    if (!ready()) [[unlikely]] {
        return ptr == nullptr ? early_alloc(size) : nullptr;
    }
    if (ptr == nullptr) {
        return malloc(size);
    }
    if (!reporting()) {
        RecursionGuard guard;
        return real().realloc(ptr, size);
    }
    size_t old_usable = usable(ptr);
    core::FreedBlock old_block = core::on_free(ptr, old_usable);
    void* fresh;
    {
        RecursionGuard guard;
        fresh = real().realloc(ptr, size);
    }
    if (fresh != nullptr) {
        core::on_realloc(ptr, fresh, usable(fresh), old_block);
    } else if (size != 0) {
        core::on_realloc_failed(ptr, old_usable, old_block);  // the old block is still there
    }
    return fresh;
}

SCIAGRAPH_EXPORT void* reallocarray(void* ptr, size_t count, size_t size) noexcept
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return nullptr;
    }
    return realloc(ptr, total);
}

SCIAGRAPH_EXPORT int posix_memalign(void** out, size_t align, size_t size) noexcept
{
    if (!ready()) [[unlikely]] {
        void* p = align <= 4096 ? early_alloc(size, align) : nullptr;
        if (p == nullptr) {
            return ENOMEM;
        }
        *out = p;
        return 0;
    }
    int rc;
    {
        RecursionGuard guard;
        rc = real().posix_memalign(out, align, size);
    }
    if (rc == 0 && *out != nullptr && reporting()) {
        core::on_alloc(*out, usable(*out));
    }
    return rc;
}

namespace {
template <typename Call>
void* aligned_hook(Call call, size_t align, size_t size) noexcept
{
    if (!ready()) [[unlikely]] {
        return align <= 4096 ? early_alloc(size, align == 0 ? 16 : align) : nullptr;
    }
    void* ptr;
    {
        RecursionGuard guard;
        ptr = call();
    }
    if (ptr != nullptr && reporting()) {
        core::on_alloc(ptr, usable(ptr));
    }
    return ptr;
}
}  // namespace

SCIAGRAPH_EXPORT void* aligned_alloc(size_t align, size_t size) noexcept
{
    return aligned_hook([&] { return real().aligned_alloc(align, size); }, align, size);
}

SCIAGRAPH_EXPORT void* memalign(size_t align, size_t size) noexcept
{
    return aligned_hook([&] { return real().memalign(align, size); }, align, size);
}

SCIAGRAPH_EXPORT void* valloc(size_t size) noexcept
{
    return aligned_hook([&] { return real().valloc(size); }, 4096, size);
}

SCIAGRAPH_EXPORT void* pvalloc(size_t size) noexcept
{
    return aligned_hook(
        [&] {
            return real().pvalloc != nullptr ? real().pvalloc(size)
                                             : real().valloc((size + 4095) & ~size_t{4095});
        },
        4096, size);
}

SCIAGRAPH_EXPORT void*
mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) noexcept
{
    if (!ready()) [[unlikely]] {
        long r = syscall(SYS_mmap, addr, length, prot, flags, fd, offset);
        if (r < 0 && r > -4096) {
            errno = static_cast<int>(-r);
            return MAP_FAILED;
        }
        return reinterpret_cast<void*>(r);
    }
    // MAP_FIXED replaces whatever was mapped there. A tracked replacement handles the overlap
    // itself (core/mmap_table.h); an untracked one (a file, PROT_NONE) just removes it.
    bool fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) == MAP_FIXED;
    if (fixed && !anonymous_tracked(prot, flags, fd)) {
        core::on_munmap(addr, (length + 4095) & ~size_t{4095});
    }
    void* result;
    {
        RecursionGuard guard;
        result = real().mmap(addr, length, prot, flags, fd, offset);
    }
    if (result != MAP_FAILED && anonymous_tracked(prot, flags, fd)) {
        core::on_mmap(result, (length + 4095) & ~size_t{4095});
    }
    return result;
}

SCIAGRAPH_EXPORT void*
mmap64(void* addr, size_t length, int prot, int flags, int fd, off_t offset) noexcept
{
    return mmap(addr, length, prot, flags, fd, offset);
}

SCIAGRAPH_EXPORT int munmap(void* addr, size_t length) noexcept
{
    if (!ready()) [[unlikely]] {
        long r = syscall(SYS_munmap, addr, length);
        if (r < 0) {
            errno = static_cast<int>(-r);
            return -1;
        }
        return 0;
    }
    core::on_munmap(addr, (length + 4095) & ~size_t{4095});
    RecursionGuard guard;
    return real().munmap(addr, length);
}

SCIAGRAPH_EXPORT void*
mremap(void* old_addr, size_t old_length, size_t new_length, int flags, ...) noexcept
{
    void* new_addr = nullptr;
    if ((flags & MREMAP_FIXED) != 0) {
        va_list args;
        va_start(args, flags);
        new_addr = va_arg(args, void*);
        va_end(args);
    }
    if (!ready()) [[unlikely]] {
        long r = syscall(SYS_mremap, old_addr, old_length, new_length, flags, new_addr);
        if (r < 0 && r > -4096) {
            errno = static_cast<int>(-r);
            return MAP_FAILED;
        }
        return reinterpret_cast<void*>(r);
    }
    size_t old_pages = (old_length + 4095) & ~size_t{4095};
    uint32_t stack = core::on_mremap_begin(old_addr, old_pages);
    void* result;
    {
        RecursionGuard guard;
        result = real().mremap(old_addr, old_length, new_length, flags, new_addr);
    }
    // Moved, resized or (on failure) left as it was: the memory keeps the stack that mapped it.
    if (result == MAP_FAILED) {
        core::on_mremap_end(old_addr, old_pages, stack);
    } else {
        core::on_mremap_end(result, (new_length + 4095) & ~size_t{4095}, stack);
    }
    return result;
}

// --- The C++ runtime's own allocations --------------------------------------------------------
// libstdc++'s exception support is linked into this library (inject/CMakeLists.txt). Its
// allocations are sciagraph's own, never the job's: the emergency pool its static constructor
// makes as the library loads (72 KiB; it runs after sciagraph_start() has begun counting, where
// from libstdc++.so it ran before), and an exception object at a failpoint. The linker's --wrap
// sends the runtime's calls of these names here: to the real allocator, never counted, with the
// guard held like the hooks' own real calls. The core itself never calls them.
#define SCIAGRAPH_WRAP extern "C" __attribute__((visibility("hidden")))

SCIAGRAPH_WRAP void* __wrap_malloc(size_t size) noexcept
{
    if (!ready()) [[unlikely]] {
        return early_alloc(size);
    }
    RecursionGuard guard;
    return real().malloc(size);
}

SCIAGRAPH_WRAP void* __wrap_calloc(size_t count, size_t size) noexcept
{
    if (!ready()) [[unlikely]] {
        size_t total;
        if (__builtin_mul_overflow(count, size, &total)) {
            errno = ENOMEM;
            return nullptr;
        }
        return early_alloc(total);
    }
    RecursionGuard guard;
    return real().calloc(count, size);
}

SCIAGRAPH_WRAP void* __wrap_realloc(void* ptr, size_t size) noexcept
{
    if (ptr != nullptr && inject::from_bootstrap(ptr)) {
        return move_from_bootstrap(ptr, size, &__wrap_malloc);
    }
    if (!ready()) [[unlikely]] {
        return ptr == nullptr ? early_alloc(size) : nullptr;
    }
    RecursionGuard guard;
    return real().realloc(ptr, size);
}

SCIAGRAPH_WRAP void __wrap_free(void* ptr) noexcept
{
    if (ptr == nullptr || inject::from_bootstrap(ptr) || !ready()) {
        return;
    }
    RecursionGuard guard;
    real().free(ptr);
}

void* inject::our_malloc() noexcept
{
    return reinterpret_cast<void*>(&malloc);
}

// Declared by unistd.h without noexcept; the definition must match.
SCIAGRAPH_EXPORT __attribute__((noreturn)) void _exit(int status)
{
    // os._exit() and multiprocessing's children end here, past atexit and destructors: the
    // last chance to write the final dump.
    SCIAGRAPH_MARK(FinalDumpFromExit);
    core::finish_with_status(status);
    if (ready()) {
        real().exit_(status);
    }
    syscall(SYS_exit_group, status);
    __builtin_unreachable();
}

SCIAGRAPH_EXPORT __attribute__((noreturn)) void _Exit(int status) noexcept
{
    core::finish_with_status(status);
    if (ready()) {
        real().Exit_(status);
    }
    syscall(SYS_exit_group, status);
    __builtin_unreachable();
}
