// core/python/remote.cpp — other threads' stacks, for the time sampler.
//
// Another thread's frames change while we read them, and its thread state and frame chunks can
// be freed under us (thread exit, a data-stack chunk handed back). So every read goes through
// safe_read, every pointer is validated (type of code objects, thread state's interpreter,
// bounded steps, no frame visited twice).
//
// Cost: a system call per read dominates (about 3 µs), so a stack is read in three of them
// whatever its depth: the thread state; its top frame pointer with the thread's current
// data-stack chunk (where 3.11 keeps every frame that is not a generator's) copied whole; the
// headers of the stack's distinct code objects with a second look at the top of the stack.
// Frames are then walked in the local copies. Only frames outside the copy cost a read each:
// generator and coroutine frames (they live in their generator object) and frames in older
// chunks (one copy per chunk).
//
// Torn reads: a running thread pushes and pops frames while we copy. When the top of its stack
// moved during a read we read once more; when it moved again, the stack is accepted if every
// frame passed its checks: each frame then comes from some instant during the read, a sample of
// a running thread as good as any. Only reads that fail those checks, or whose memory is gone,
// return -1.
#include "failpoints.h"
#include "frame_walk.h"
#include "gil.h"
#include "python.h"
#include "sampler/thread_list_mark.h"

#include <atomic>

#include <sched.h>
#include <unistd.h>

namespace sciagraph::core::detail {
// Defined in core/safe_read.cpp: getpid(), cached for the sampler thread.
pid_t safe_read_self_pid() noexcept;
}  // namespace sciagraph::core::detail

namespace sciagraph::core::python {
namespace {

// A thread list longer than this is taken for a corrupt (cyclic) one.
constexpr size_t kMaxThreads = 4096;

bool read_pointer(uintptr_t address, uintptr_t& out) noexcept
{
    return safe_read_value(out, address);
}

// The part of a thread state we need: up to native_thread_id (one read).
struct ThreadImage {
    unsigned char bytes[512];
};

bool read_thread_image(const Layout& layout, uintptr_t tstate, ThreadImage& image) noexcept
{
    return layout.tstate_size <= sizeof image.bytes &&
           safe_read(image.bytes, tstate, layout.tstate_size);
}

// The top frame of the thread at `tstate`, whose state is in `image`: holder->current_frame.
bool top_frame_of(const Layout& layout,
                  uintptr_t tstate,
                  const ThreadImage& image,
                  uintptr_t& top) noexcept
{
    uintptr_t holder = frame_holder(layout, tstate, image.bytes);
    top = 0;
    if (holder == tstate) {
        top = load_field<uintptr_t>(image.bytes, layout.current_frame);
        return true;
    }
    return holder == 0 || read_pointer(holder + layout.current_frame, top);
}

// The thread list's head and count (a few words apart, read at once): a list whose interpreter,
// head and count are unchanged has gained no thread.
struct ThreadListWords {
    uintptr_t head;
    long count;
};

bool read_thread_list_words(const Layout& layout, uintptr_t interp, ThreadListWords& out) noexcept
{
    unsigned char window[64];
    size_t count_at = layout.interp_threads_count - layout.interp_threads_head;
    if (layout.interp_threads_count <= layout.interp_threads_head ||
        count_at + sizeof(long) > sizeof window) {
        return false;
    }
    const uintptr_t head_at = interp + layout.interp_threads_head;
    if (in_static_runtime(head_at, count_at + sizeof(long)) && head_at % sizeof(long) == 0 &&
        count_at % sizeof(long) == 0) {
        // The main interpreter lives inside _PyRuntime (3.11+), never unmapped: two loads
        // instead of a system call at every tick.
        out.head = __atomic_load_n(reinterpret_cast<const uintptr_t*>(head_at), __ATOMIC_RELAXED);
        out.count =
            __atomic_load_n(reinterpret_cast<const long*>(head_at + count_at), __ATOMIC_RELAXED);
        return true;
    }
    if (!safe_read(window, head_at, count_at + sizeof(long))) {
        return false;
    }
    out.head = load_field<uintptr_t>(window, 0);
    out.count = load_field<long>(window, count_at);
    return true;
}

// --- The scratch memory of one read -----------------------------------------------------------

// Copies of a chunk are bounded: a chunk is 16 KiB unless one frame needed more, and the frames
// below a larger window are read one by one.
constexpr size_t kMaxChunkCopy = size_t{256} * 1024;
// Frames pushed between the read of the thread state and the read of its chunk lie above the
// datastack_top we saw: copy a little more so they are in the copy too.
constexpr size_t kChunkSlack = 2048;
// _PyStackChunk {previous, size, top, data[]} (Include/cpython/pystate.h, 3.11 to 3.15), and
// PyThreadState's datastack_top and datastack_limit right after datastack_chunk.
constexpr size_t kChunkPrevious = 0;
constexpr size_t kChunkSize = 8;
constexpr size_t kChunkTop = 16;
constexpr size_t kChunkHeader = 24;
constexpr size_t kTstateDatastackTop = 8;     // from tstate_datastack_chunk
constexpr size_t kTstateDatastackLimit = 16;  // from tstate_datastack_chunk
// Frames one read keeps (the sampler asks for 512 plus kExtraSteps skipped ones).
constexpr size_t kMaxRecords = 1024;
constexpr size_t kFrameBytes = 128;  // ≥ layout.frame_size
constexpr size_t kCodeBytes = 256;   // ≥ layout.code_header_size
constexpr size_t kSetSlots = 2048;   // ≥ 2 * kMaxRecords: open addressing stays short

// A copy of the bytes [lo, hi) of the thread's memory.
struct Region {
    uintptr_t lo = 0;
    uintptr_t hi = 0;
    const unsigned char* bytes = nullptr;

    const unsigned char* view(uintptr_t address, size_t size) const noexcept
    {
        return address >= lo && hi - lo >= size && address - lo <= hi - lo - size
                   ? bytes + (address - lo)
                   : nullptr;
    }
};

// Addresses seen during one read, cleared in O(1) by bumping the generation.
struct AddressSet {
    struct Slot {
        uintptr_t address;
        uint32_t generation;
        uint32_t value;
    };
    Slot slots[kSetSlots];
    uint32_t generation = 0;

    void clear() noexcept { ++generation; }
    // The slot of `address`; `fresh` tells whether it was inserted now (value unset).
    Slot& find(uintptr_t address, bool& fresh) noexcept
    {
        size_t index = ((address >> 3) * 0x9e3779b97f4a7c15ull) >> 53;  // 11 bits: kSetSlots
        for (;; index = (index + 1) & (kSetSlots - 1)) {
            Slot& slot = slots[index];
            if (slot.generation != generation) {
                slot = Slot{address, generation, 0};
                fresh = true;
                return slot;
            }
            if (slot.address == address) {
                fresh = false;
                return slot;
            }
        }
    }
};

// A frame whose code is not read: an interpreter shim (3.12+).
constexpr uint32_t kNoCode = UINT32_MAX;

struct FrameRecord {
    uintptr_t address;
    uint32_t code_index;  // into Scratch::codes, or kNoCode
    unsigned char image[kFrameBytes];
};

// Where the last read of a thread found its frames: the next read copies that chunk in the
// same call as the thread state (two calls a stack instead of three) when the thread state
// still names it. Only a guess: every field is checked against the thread state read with it.
struct ChunkHint {
    uintptr_t tstate;
    uintptr_t holder;
    uintptr_t chunk;
    uintptr_t top;
    uintptr_t limit;
};
constexpr size_t kHints = 256;

size_t hint_slot(uintptr_t tstate) noexcept
{
    return static_cast<size_t>(((tstate >> 4) * 0x9e3779b97f4a7c15ull) >> 56);  // 8 bits
}

// The part of the current chunk a read copies, for a stack whose top is `top`: everything below
// it (up to kMaxChunkCopy) and kChunkSlack above it, for frames pushed meanwhile. False when
// the thread state's words cannot describe a chunk.
bool chunk_window(
    uintptr_t chunk, uintptr_t top, uintptr_t limit, uintptr_t& lo, uintptr_t& hi) noexcept
{
    if (chunk == 0 || top < chunk + kChunkHeader || limit < top ||
        limit - chunk > (size_t{1} << 30)) {
        return false;
    }
    hi = limit - top > kChunkSlack ? top + kChunkSlack : limit;
    lo = hi - (chunk + kChunkHeader) > kMaxChunkCopy ? hi - kMaxChunkCopy : chunk + kChunkHeader;
    return true;
}

// Static rather than on the sampler thread's stack (it is about 1 MiB); one read at a time.
struct Scratch {
    unsigned char chunk[kMaxChunkCopy];
    unsigned char older[kMaxChunkCopy];
    FrameRecord frames[kMaxRecords];
    size_t frame_count;
    AddressSet visited;
    AddressSet code_slots;
    uintptr_t codes[kMaxRecords];
    unsigned char code_headers[kMaxRecords][kCodeBytes];
    ReadPiece pieces[kMaxRecords + 8];
    bool ok[kMaxRecords + 8];
    ChunkHint hints[kHints];
};
Scratch g_scratch;

// Owned by a pid rather than a flag: a fork child finds it held by its parent's sampler thread,
// which does not exist there, and takes it over.
std::atomic<pid_t> g_scratch_owner{0};

class ScratchGuard {
public:
    ScratchGuard() noexcept
    {
        const pid_t self = detail::safe_read_self_pid();
        for (unsigned spins = 0;; ++spins) {
            pid_t owner = 0;
            if (g_scratch_owner.compare_exchange_weak(owner, self, std::memory_order_acquire)) {
                return;
            }
            if (owner != 0 && owner != self &&
                g_scratch_owner.compare_exchange_weak(owner, self, std::memory_order_acquire)) {
                return;  // held by a thread of the process we were forked from
            }
            if (spins > 64) {
                sched_yield();
                spins = 0;
            }
        }
    }
    ~ScratchGuard() { g_scratch_owner.store(0, std::memory_order_release); }
    ScratchGuard(const ScratchGuard&) = delete;
    ScratchGuard& operator=(const ScratchGuard&) = delete;
};

std::atomic<uint64_t> g_reads_moved{0};

// For tests: runs between the copy of a stack and the second look at its top, where a running
// thread moves.
std::atomic<void (*)()> g_between_reads{nullptr};

// --- One read of one thread's stack -------------------------------------------------------------

enum class Outcome {
    Gone,     // the thread state is unreadable or belongs to another thread now
    Invalid,  // a frame failed its checks
    Stable,   // the top of the stack did not move while we read
    Moved,    // it moved; the frames passed their checks
};

class StackRead {
public:
    StackRead(const Layout& layout, Scratch& scratch) noexcept : layout_(layout), s_(scratch) {}

    Outcome run(const ThreadRef& thread, RawFrame* out, size_t max, size_t& count) noexcept;

private:
    bool copy_top(uintptr_t holder, uintptr_t chunk, uintptr_t top, uintptr_t limit) noexcept;
    bool copy_with_hint(const ThreadRef& thread, ThreadImage& image, bool& image_read) noexcept;
    void keep_hint(const ThreadRef& thread, const ThreadImage& image, uintptr_t holder) noexcept;
    bool collect(size_t cap, bool& capped) noexcept;
    const unsigned char* frame_image(uintptr_t frame, unsigned char* buffer) noexcept;
    bool load_older_chunk() noexcept;
    bool read_codes_and_recheck(const ThreadRef& thread, uintptr_t holder) noexcept;

    const Layout& layout_;
    Scratch& s_;
    uintptr_t top_frame_ = 0;
    Region current_;
    Region older_;
    uintptr_t next_older_ = 0;  // the chunk below the last one copied
    size_t code_count_ = 0;
    bool moved_ = false;
};

// One call: holder->current_frame, then the used part of the current chunk (and its header).
bool StackRead::copy_top(uintptr_t holder, uintptr_t chunk, uintptr_t top, uintptr_t limit) noexcept
{
    unsigned char header[kChunkHeader] = {};
    ReadPiece pieces[3] = {{&top_frame_, holder + layout_.current_frame, sizeof top_frame_},
                           {header, chunk, 0},
                           {s_.chunk, 0, 0}};
    uintptr_t hi = 0;
    uintptr_t lo = 0;
    const bool plausible = chunk_window(chunk, top, limit, lo, hi);
    if (plausible) {
        pieces[1].size = kChunkHeader;
        pieces[2].src = lo;
        pieces[2].size = hi - lo;
    }
    bool ok[3];
    safe_read_pieces(pieces, 3, ok);
    if (!ok[0]) {
        return false;
    }
    // The header must describe the chunk the thread state named: else the chunk was handed back
    // (and maybe reused) between the two reads, and the copy is not trusted.
    if (plausible && ok[1] && ok[2] &&
        load_field<size_t>(header, kChunkSize) == static_cast<size_t>(limit - chunk)) {
        current_ = Region{lo, hi, s_.chunk};
        next_older_ = load_field<uintptr_t>(header, kChunkPrevious);
    } else if (plausible) {
        moved_ = true;
    }
    return true;
}

// The thread state and, in the same call, what the last read of this thread found: the top
// frame pointer at the same holder, the same chunk's header and used part. True when the
// thread state read with them still names that holder and chunk, with its top inside the copy:
// the copy is then what copy_top would have made. `image_read`: the thread state was read
// (whatever the rest), so a failed guess costs copy_top alone.
bool StackRead::copy_with_hint(const ThreadRef& thread,
                               ThreadImage& image,
                               bool& image_read) noexcept
{
    image_read = false;
    const ChunkHint& hint = s_.hints[hint_slot(thread.tstate)];
    uintptr_t lo = 0;
    uintptr_t hi = 0;
    if (hint.tstate != thread.tstate || layout_.tstate_size > sizeof image.bytes ||
        !chunk_window(hint.chunk, hint.top, hint.limit, lo, hi)) {
        return false;
    }
    unsigned char header[kChunkHeader] = {};
    ReadPiece pieces[4] = {{image.bytes, thread.tstate, layout_.tstate_size},
                           {&top_frame_, hint.holder + layout_.current_frame, sizeof top_frame_},
                           {header, hint.chunk, kChunkHeader},
                           {s_.chunk, lo, hi - lo}};
    bool ok[4];
    safe_read_pieces(pieces, 4, ok);
    image_read = ok[0];
    if (!ok[0] || !ok[1] || !ok[2] || !ok[3]) {
        return false;
    }
    const size_t stack = layout_.tstate_datastack_chunk;
    const auto chunk = load_field<uintptr_t>(image.bytes, stack);
    const auto top = load_field<uintptr_t>(image.bytes, stack + kTstateDatastackTop);
    const auto limit = load_field<uintptr_t>(image.bytes, stack + kTstateDatastackLimit);
    if (frame_holder(layout_, thread.tstate, image.bytes) != hint.holder || chunk != hint.chunk ||
        limit != hint.limit || top < lo || top > hi ||
        load_field<size_t>(header, kChunkSize) != static_cast<size_t>(limit - chunk)) {
        return false;
    }
    current_ = Region{lo, hi, s_.chunk};
    next_older_ = load_field<uintptr_t>(header, kChunkPrevious);
    return true;
}

void StackRead::keep_hint(const ThreadRef& thread,
                          const ThreadImage& image,
                          uintptr_t holder) noexcept
{
    const size_t stack = layout_.tstate_datastack_chunk;
    s_.hints[hint_slot(thread.tstate)] =
        ChunkHint{thread.tstate, holder, load_field<uintptr_t>(image.bytes, stack),
                  load_field<uintptr_t>(image.bytes, stack + kTstateDatastackTop),
                  load_field<uintptr_t>(image.bytes, stack + kTstateDatastackLimit)};
}

// The next older chunk: its header, then its used part (its `top` was saved when the newer
// chunk was pushed). Two reads per chunk, only for stacks deeper than a chunk holds.
bool StackRead::load_older_chunk() noexcept
{
    uintptr_t chunk = next_older_;
    next_older_ = 0;
    unsigned char header[kChunkHeader];
    if (!safe_read(header, chunk, sizeof header)) {
        return false;
    }
    auto size = load_field<size_t>(header, kChunkSize);
    auto used = load_field<size_t>(header, kChunkTop);
    if (size < kChunkHeader || size > (size_t{1} << 30) ||
        used > (size - kChunkHeader) / sizeof(uintptr_t)) {
        return false;
    }
    uintptr_t hi = chunk + kChunkHeader + used * sizeof(uintptr_t);
    uintptr_t lo =
        hi - (chunk + kChunkHeader) > kMaxChunkCopy ? hi - kMaxChunkCopy : chunk + kChunkHeader;
    if (!safe_read(s_.older, lo, hi - lo)) {
        return false;
    }
    older_ = Region{lo, hi, s_.older};
    next_older_ = load_field<uintptr_t>(header, kChunkPrevious);
    return true;
}

// The frame's bytes from a copy, else read on their own into `buffer`.
const unsigned char* StackRead::frame_image(uintptr_t frame, unsigned char* buffer) noexcept
{
    const size_t size = layout_.frame_size;
    if (const unsigned char* in_copy = current_.view(frame, size)) {
        return in_copy;
    }
    if (const unsigned char* in_copy = older_.view(frame, size)) {
        return in_copy;
    }
    // Not in a copy: in the next older chunk, or a generator's frame. Chunks are mmap'ed apart
    // from the heap where generators live: only an address just above the chunk is worth
    // copying the chunk for.
    if (next_older_ != 0 && frame > next_older_ && frame - next_older_ < 4 * kMaxChunkCopy &&
        load_older_chunk()) {
        if (const unsigned char* in_copy = older_.view(frame, size)) {
            return in_copy;
        }
    }
    return safe_read(buffer, frame, size) ? buffer : nullptr;
}

// From the top frame toward the root: every frame's image and the distinct code objects.
bool StackRead::collect(size_t cap, bool& capped) noexcept
{
    s_.frame_count = 0;
    s_.visited.clear();
    s_.code_slots.clear();
    code_count_ = 0;
    uintptr_t frame = top_frame_;
    while (frame != 0 && s_.frame_count < cap) {
        bool fresh = false;
        s_.visited.find(frame, fresh);
        if (!fresh) {
            return false;  // a cycle
        }
        FrameRecord& record = s_.frames[s_.frame_count];
        const unsigned char* image = frame_image(frame, record.image);
        if (image == nullptr) {
            return false;
        }
        if (image != record.image) {
            std::memcpy(record.image, image, layout_.frame_size);
        }
        record.address = frame;
        record.code_index = kNoCode;
        if (load_field<uint8_t>(record.image, layout_.frame_owner) < layout_.frame_owned_by_shim) {
            uintptr_t code =
                frame_code_object(layout_, load_field<uintptr_t>(record.image, layout_.frame_code));
            AddressSet::Slot& slot = s_.code_slots.find(code, fresh);
            if (fresh) {
                slot.value = static_cast<uint32_t>(code_count_);
                s_.codes[code_count_++] = code;
            }
            record.code_index = slot.value;
        }
        ++s_.frame_count;
        frame = load_field<uintptr_t>(record.image, layout_.frame_previous);
    }
    capped = frame != 0;
    return true;
}

// One call: the thread's top (its frame holder, top frame, that frame's code) as it is now,
// then every code object's header. The top read first so a bad code pointer cannot hide it.
bool StackRead::read_codes_and_recheck(const ThreadRef& thread, uintptr_t holder) noexcept
{
    uintptr_t holder_now = 0;
    long tid_now = 0;
    uintptr_t top_now = 0;
    uintptr_t code_now = 0;
    ReadPiece* pieces = s_.pieces;
    // From 3.13 the holder is the thread state itself: the second look reads its address back
    // out of our own variable, so the pieces keep one shape for every version.
    pieces[0] =
        layout_.frame_in_tstate
            ? ReadPiece{&holder_now, reinterpret_cast<uintptr_t>(&thread.tstate), sizeof holder_now}
            : ReadPiece{&holder_now, thread.tstate + layout_.tstate_cframe, sizeof holder_now};
    pieces[1] = {&tid_now, thread.tstate + layout_.tstate_native_thread_id, sizeof tid_now};
    pieces[2] = {&top_now, holder + layout_.current_frame, sizeof top_now};
    pieces[3] = {&code_now, top_frame_ + layout_.frame_code, sizeof code_now};
    constexpr size_t kMarks = 4;
    for (size_t i = 0; i < code_count_; ++i) {
        pieces[kMarks + i] = {s_.code_headers[i], s_.codes[i], layout_.code_header_size};
    }
    safe_read_pieces(pieces, kMarks + code_count_, s_.ok);
    if (!s_.ok[0] || !s_.ok[1] || tid_now != thread.native_tid) {
        return false;  // freed, or reused by another thread
    }
    uintptr_t code_then = load_field<uintptr_t>(s_.frames[0].image, layout_.frame_code);
    if (holder_now != holder || !s_.ok[2] || top_now != top_frame_ || !s_.ok[3] ||
        frame_code_object(layout_, code_now) != frame_code_object(layout_, code_then)) {
        moved_ = true;
    }
    return true;
}

Outcome StackRead::run(const ThreadRef& thread, RawFrame* out, size_t max, size_t& count) noexcept
{
    count = 0;
    ThreadImage image;
    bool image_read = false;
    const bool copied = copy_with_hint(thread, image, image_read);
    if ((!image_read && !read_thread_image(layout_, thread.tstate, image)) ||
        load_field<long>(image.bytes, layout_.tstate_native_thread_id) != thread.native_tid) {
        return Outcome::Gone;  // freed, or reused by another thread
    }
    uintptr_t holder = frame_holder(layout_, thread.tstate, image.bytes);
    if (holder == 0) {
        return Outcome::Stable;
    }
    const size_t stack = layout_.tstate_datastack_chunk;
    if (!copied) {
        top_frame_ = 0;
        if (!copy_top(holder, load_field<uintptr_t>(image.bytes, stack),
                      load_field<uintptr_t>(image.bytes, stack + kTstateDatastackTop),
                      load_field<uintptr_t>(image.bytes, stack + kTstateDatastackLimit))) {
            return Outcome::Gone;
        }
    }
    keep_hint(thread, image, holder);
    if (top_frame_ == 0) {
        return moved_ ? Outcome::Moved : Outcome::Stable;
    }
    bool capped = false;
    if (!collect(max + kExtraSteps, capped)) {
        return Outcome::Invalid;
    }
    if (auto hook = g_between_reads.load(std::memory_order_relaxed)) {
        hook();
    }
    if (!read_codes_and_recheck(thread, holder)) {
        return Outcome::Gone;
    }
    for (size_t i = 0; i < s_.frame_count && count < max; ++i) {
        const FrameRecord& record = s_.frames[i];
        const unsigned char* code = record.code_index != kNoCode && s_.ok[4 + record.code_index]
                                        ? s_.code_headers[record.code_index]
                                        : nullptr;
        WalkedFrame walked{};
        switch (describe_frame(layout_, record.address, record.image, code, &SafeReader::read,
                               walked)) {
        case FrameKind::Complete:
            out[count++] = RawFrame{&walked.entry->info, walked.line};
            break;
        case FrameKind::Incomplete:
            break;
        case FrameKind::Bad:
        case FrameKind::CacheFull:
            return Outcome::Invalid;
        }
    }
    if (capped && count < max) {
        return Outcome::Invalid;  // more skipped frames than any real stack has: a loop
    }
    return moved_ ? Outcome::Moved : Outcome::Stable;
}

// The interpreter's thread list as list_threads last found it. CPython (3.11 to 3.15) pushes
// every new thread state at the head of the list, and `threads.count` (a few words after `head`)
// moves when a thread started by the threading module begins or ends: a list whose interpreter,
// head and count are unchanged has gained no thread. A thread state unlinked from the middle of the
// list changes neither: the sampler notices that one by its TID going away or its stack turning
// unreadable, and lists again.
struct ThreadListMark {
    uintptr_t interp;
    uintptr_t head;
    long count;
};
ThreadListMark g_listed{};  // the sampler thread alone lists
bool g_listed_valid = false;

// Walks the list from `tstate` to `stop_at` (0: its end), a ref per thread state in `out`.
constexpr long kMetStop = 0;      // reached `stop_at`
constexpr long kCut = 1;          // `max` refs written first
constexpr long kWalkFailed = -1;  // a cycle, a freed thread state, one reused for something else
long walk_thread_list(const Layout& layout,
                      uintptr_t interp,
                      uintptr_t tstate,
                      uintptr_t stop_at,
                      ThreadRef* out,
                      size_t max,
                      size_t& count) noexcept
{
    count = 0;
    for (size_t steps = 0; tstate != stop_at; ++steps) {
        if (tstate == 0) {
            return kWalkFailed;  // the end of the list, and `stop_at` was not in it
        }
        if (count >= max) {
            return kCut;
        }
        ThreadImage image;
        if (steps >= kMaxThreads || !read_thread_image(layout, tstate, image) ||
            load_field<uintptr_t>(image.bytes, layout.tstate_interp) != interp) {
            return kWalkFailed;
        }
        for (size_t i = 0; i < count; ++i) {
            if (out[i].tstate == tstate) {
                return kWalkFailed;
            }
        }
        ThreadRef& ref = out[count];
        ref.tstate = tstate;
        ref.native_tid = load_field<long>(image.bytes, layout.tstate_native_thread_id);
        if (!top_frame_of(layout, tstate, image, ref.top_frame)) {
            // Its C frame is unreadable (a thread that ended without Python knowing, its stack
            // gone): the list itself is fine. Listed with no frame; reading its stack will say.
            ref.top_frame = 0;
        }
        ++count;
        tstate = load_field<uintptr_t>(image.bytes, layout.tstate_next);
    }
    return kMetStop;
}

}  // namespace

bool thread_list_changed() noexcept
{
    const Layout* layout = current_layout();
    const uintptr_t runtime = symbols().runtime;
    if (layout == nullptr || runtime == 0 || !g_listed_valid || g_listed.interp == 0) {
        return true;
    }
    // One read of one page: head and count of the interpreter listed last. A new interpreter
    // at the runtime's head (a subinterpreter, or a finalised runtime) is seen by the sampler's
    // periodic listing, which reads the runtime again.
    ThreadListWords now{};
    return !read_thread_list_words(*layout, g_listed.interp, now) || now.head != g_listed.head ||
           now.count != g_listed.count;
}

int thread_list_delta() noexcept
{
    const Layout* layout = current_layout();
    const uintptr_t runtime = symbols().runtime;
    if (layout == nullptr || runtime == 0 || !g_listed_valid || g_listed.interp == 0) {
        return 1;
    }
    ThreadListWords now{};
    if (!read_thread_list_words(*layout, g_listed.interp, now)) {
        return 1;
    }
    if (now.count < g_listed.count) {
        g_listed.count = now.count;  // told once; a head that moved still wants a listing
        return now.head == g_listed.head ? -1 : -2;
    }
    return now.head != g_listed.head || now.count > g_listed.count ? 1 : 0;
}

long list_threads_since(ThreadRef* out, size_t max, uintptr_t stop_at) noexcept
{
    const Layout* layout = current_layout();
    if (layout == nullptr || !g_listed_valid || g_listed.interp == 0 || stop_at == 0) {
        return -1;
    }
    ThreadListWords threads{};
    if (!read_thread_list_words(*layout, g_listed.interp, threads)) {
        return -1;
    }
    size_t count = 0;
    const long walked =
        walk_thread_list(*layout, g_listed.interp, threads.head, stop_at, out, max, count);
    if (walked != kMetStop) {
        return -1;
    }
    g_listed = ThreadListMark{g_listed.interp, threads.head, threads.count};
    return static_cast<long>(count);
}

long list_threads(ThreadRef* out, size_t max) noexcept
{
    g_listed_valid = false;
    const Layout* layout = current_layout();
    uintptr_t runtime = symbols().runtime;
    if (layout == nullptr || runtime == 0) {
        return -1;
    }
    uintptr_t interp = 0;
    if (!read_pointer(runtime + layout->runtime_interpreters_head, interp)) {
        return -1;
    }
    if (interp == 0) {
        return 0;  // not initialised yet, or finalised
    }
    // Head and count in one read; the mark is taken before the walk, so a list that changes
    // during it differs from the mark at the next look.
    ThreadListWords threads{};
    if (!read_thread_list_words(*layout, interp, threads)) {
        return -1;
    }
    size_t count = 0;
    const long walked = walk_thread_list(*layout, interp, threads.head, 0, out, max, count);
    if (walked == kWalkFailed) {
        return -1;
    }
    g_listed = ThreadListMark{interp, threads.head, threads.count};
    g_listed_valid = walked == kMetStop;  // a list cut at `max` is listed again every time
    return static_cast<long>(count);
}

long read_thread_stack(const ThreadRef& thread, RawFrame* out, size_t max) noexcept
{
    const Layout* layout = current_layout();
    if (layout == nullptr || thread.tstate == 0 || layout->frame_size > kFrameBytes ||
        layout->code_header_size > kCodeBytes) {
        return -1;
    }
    if (failpoint(Failpoint::StackCapture)) {
        return -1;  // as if the chain were torn
    }
    if (max > kMaxRecords - kExtraSteps) {
        max = kMaxRecords - kExtraSteps;
    }
    ScratchGuard guard;
    // A read of a running thread is retried once when its top moved; a second move is the
    // normal case for a thread running Python, and its stack is taken (see the file comment).
    for (int attempt = 0; attempt < 2; ++attempt) {
        size_t count = 0;
        StackRead read(*layout, g_scratch);
        switch (read.run(thread, out, max, count)) {
        case Outcome::Gone:
            return -1;
        case Outcome::Stable:
            return static_cast<long>(count);
        case Outcome::Invalid:
            if (attempt == 1) {
                return -1;
            }
            break;  // perhaps torn: the next read decides
        case Outcome::Moved:
            if (attempt == 1) {
                g_reads_moved.fetch_add(1, std::memory_order_relaxed);
                return static_cast<long>(count);
            }
            break;
        }
    }
    return -1;
}

uint64_t remote_reads_moved() noexcept
{
    return g_reads_moved.load(std::memory_order_relaxed);
}

namespace detail {
void remote_read_hook_for_testing(void (*hook)()) noexcept
{
    g_between_reads.store(hook, std::memory_order_relaxed);
}
}  // namespace detail

}  // namespace sciagraph::core::python
