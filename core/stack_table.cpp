#include "stack_table.h"

#include "arena.h"
#include "coverage_marks.h"
#include "disable.h"
#include "job_page.h"
#include "record.h"
#include "spinlock.h"
#include "stack_table_internal.h"

#include <atomic>
#include <cstring>

namespace sciagraph::core {
namespace {

constexpr uint32_t kMaxFrames = 1u << 20;
constexpr uint32_t kMaxStacks = 1u << 22;

// A growable open-addressing map u64 → u32, used only under the tables lock. Keys are never 0.
struct U64Map {
    uint64_t* keys = nullptr;
    uint32_t* values = nullptr;
    size_t mask = 0;
    size_t count = 0;

    bool init(size_t capacity) noexcept
    {
        keys = static_cast<uint64_t*>(arena_alloc(capacity * sizeof(uint64_t), 64));
        values = static_cast<uint32_t*>(arena_alloc(capacity * sizeof(uint32_t), 64));
        mask = capacity - 1;
        count = 0;
        return keys != nullptr && values != nullptr;
    }

    static size_t hash(uint64_t key) noexcept
    {
        key ^= key >> 31;
        key *= 0x7fb5d329728ea185ULL;
        key ^= key >> 27;
        key *= 0x81dadef4bc2dd44dULL;
        key ^= key >> 33;
        return static_cast<size_t>(key);
    }

    uint32_t find(uint64_t key) const noexcept
    {
        for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return values[i];
            }
            if (keys[i] == 0) {
                return 0;
            }
        }
    }

    void place(uint64_t key, uint32_t value) noexcept
    {
        size_t i = hash(key) & mask;
        while (keys[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        ++count;
    }

    // Doubles when half full. The old arrays are leaked to the arena (growth costs at most
    // twice the final size).
    bool insert(uint64_t key, uint32_t value) noexcept
    {
        if ((count + 1) * 2 > mask + 1) {
            U64Map bigger;
            if (!bigger.init((mask + 1) * 2)) {
                return false;
            }
            for (size_t i = 0; i <= mask; ++i) {
                if (keys[i] != 0) {
                    bigger.place(keys[i], values[i]);
                }
            }
            *this = bigger;
        }
        place(key, value);
        return true;
    }
};

struct Tables {
    SpinLock lock;
    U64Map frame_index;  // (code id << 32 | line), or (pseudo << 32) for pseudo-frames → frame id
    U64Map stack_index;  // (parent << 32 | frame) → stack id
    FrameEntry* frames = nullptr;
    StackNode* stacks = nullptr;
    StackCounters* counters = nullptr;
    std::atomic<uint32_t> frame_count{0};  // ids 1..frame_count are valid
    std::atomic<uint32_t> stack_count{0};  // ids 1..stack_count are valid; 0 is the root
    bool ready = false;
};

Tables g_tables;

// The live record's mirror of each stack (core/record.h): block k holds ids
// [k × kStacksPerBlock, (k + 1) × kStacksPerBlock). Set before a stack of the block is published.
constexpr uint32_t kBlocks = kMaxStacks / record::kStacksPerBlock;
record::StackSlot* g_blocks[kBlocks];

record::StackSlot* slot_of(StackId id) noexcept
{
    record::StackSlot* block = g_blocks[id / record::kStacksPerBlock];
    return block != nullptr ? block + id % record::kStacksPerBlock : nullptr;
}

template <typename T>
void mirror_add(T& field, T value) noexcept
{
    std::atomic_ref<T>(field).fetch_add(value, std::memory_order_relaxed);
}

// Mirrors a frame into the record; false when the record cannot take it.
bool record_frame(uint32_t id, const FrameEntry& f) noexcept
{
    if (!record_active()) {
        return true;  // nothing to mirror into (the unit tests)
    }
    const char* function = f.code != nullptr ? f.code->function : pseudo_frame_name(f.pseudo);
    const char* file = f.code != nullptr ? f.code->file : "";
    uint32_t function_len = static_cast<uint32_t>(std::strlen(function));
    uint32_t file_len = static_cast<uint32_t>(std::strlen(file));
    auto* p = static_cast<unsigned char*>(
        record_reserve(record::Kind::Frame, 20 + size_t{function_len} + file_len));
    if (p == nullptr) {
        return false;
    }
    uint32_t kind = f.code != nullptr ? 0 : 1;  // dump::FrameKind
    uint32_t fields[3] = {id, f.line, kind};
    std::memcpy(p, fields, sizeof fields);
    record_put_string(record_put_string(p + sizeof fields, function, function_len), file, file_len);
    record_commit();
    std::atomic_ref<uint32_t>(record_header().frame_count).store(id, std::memory_order_release);
    return true;
}

// Mirrors a stack node into the record, adding its block first when it is the block's first.
bool record_stack(StackId id, const StackNode& node, int64_t live) noexcept
{
    if (!record_active()) {
        return true;
    }
    uint32_t block = id / record::kStacksPerBlock;
    if (g_blocks[block] == nullptr) {
        auto* p = static_cast<unsigned char*>(
            record_reserve(record::Kind::StackBlock, record::kStackBlockPayload));
        if (p == nullptr) {
            return false;
        }
        record::StackBlockHead head{block * record::kStacksPerBlock, record::kStacksPerBlock};
        std::memcpy(p, &head, sizeof head);
        record_commit();
        g_blocks[block] = reinterpret_cast<record::StackSlot*>(p + sizeof head);
    }
    record::StackSlot* slot = slot_of(id);
    slot->parent = node.parent;
    slot->frame = node.frame;
    slot->live = live;
    slot->fork_base = g_tables.counters[id].fork_base;
    std::atomic_ref<uint32_t>(record_header().stack_count).store(id, std::memory_order_release);
    return true;
}

void record_failed() noexcept
{
    disable("the live record cannot grow (its disk is full, or its size cap is reached)");
}

uint32_t intern_frame(const python::CodeInfo* code, uint32_t line, uint32_t pseudo) noexcept
{
    uint64_t key = code != nullptr ? (uint64_t{code->id} << 32) | line
                                   : (uint64_t{0xFFFFFFFFu} << 32) | pseudo;
    if (uint32_t id = g_tables.frame_index.find(key)) {
        return id;
    }
    uint32_t id = g_tables.frame_count.load(std::memory_order_relaxed) + 1;
    if (id >= kMaxFrames || !g_tables.frame_index.insert(key, id)) {
        return 0;
    }
    g_tables.frames[id] = FrameEntry{code, line, pseudo};
    if (!record_frame(id, g_tables.frames[id])) {
        record_failed();
        return 0;
    }
    g_tables.frame_count.store(id, std::memory_order_release);
    return id;
}

StackId intern_node(StackId parent, uint32_t frame) noexcept
{
    uint64_t key = (uint64_t{parent} << 32) | frame;
    if (uint32_t id = g_tables.stack_index.find(key)) {
        return id;
    }
    uint32_t id = g_tables.stack_count.load(std::memory_order_relaxed) + 1;
    if (id >= kMaxStacks || !g_tables.stack_index.insert(key, id)) {
        return 0;
    }
    g_tables.stacks[id] = StackNode{parent, frame};
    if (!record_stack(id, g_tables.stacks[id], 0)) {
        record_failed();
        return 0;
    }
    g_tables.stack_count.store(id, std::memory_order_release);
    return id;
}

}  // namespace

bool stack_table_init() noexcept
{
    g_tables.frames = static_cast<FrameEntry*>(arena_alloc(kMaxFrames * sizeof(FrameEntry), 64));
    g_tables.stacks = static_cast<StackNode*>(arena_alloc(kMaxStacks * sizeof(StackNode), 64));
    g_tables.counters =
        static_cast<StackCounters*>(arena_alloc(kMaxStacks * sizeof(StackCounters), 64));
    g_tables.ready = g_tables.frames != nullptr && g_tables.stacks != nullptr &&
                     g_tables.counters != nullptr && g_tables.frame_index.init(4096) &&
                     g_tables.stack_index.init(4096);
    return g_tables.ready;
}

namespace {

// The stack each thread interned last, root first: (code id, line) and the node it made, for
// the first kPrefixDepth levels. Consecutive allocations of a thread share most of their stack
// (a pandas call 30 frames deep allocates many times from its innermost few), and the levels
// they share need no lookup: measured in --exact on pandas_etl, interning was a third of the
// core's time, two hash lookups per level. Node ids stay valid for ever (the table only grows).
constexpr size_t kPrefixDepth = 48;

struct InternedPrefix {
    uint64_t keys[kPrefixDepth];
    StackId nodes[kPrefixDepth];
    size_t depth;
};

[[gnu::tls_model("initial-exec")]] thread_local InternedPrefix t_prefix{};

uint64_t frame_key(const python::RawFrame& frame) noexcept
{
    return (uint64_t{frame.code->id} << 32) | frame.line;
}

}  // namespace

StackId intern_stack(const python::RawFrame* leaf_first, size_t count, PseudoFrame root) noexcept
{
    if (!g_tables.ready) {
        return 0;
    }
    SpinLockGuard guard(g_tables.lock);
    StackId parent = 0;
    if (static_cast<uint32_t>(root) != 0) {
        uint32_t frame = intern_frame(nullptr, 0, static_cast<uint32_t>(root));
        parent = frame != 0 ? intern_node(0, frame) : 0;
        if (parent == 0) {
            return 0;
        }
    }
    // Only stacks without a pseudo-frame root go through the prefix (the allocating threads').
    InternedPrefix& prefix = t_prefix;
    const bool cached = static_cast<uint32_t>(root) == 0;
    bool same = cached;
    size_t level = 0;
    for (size_t i = count; i-- > 0; ++level) {
        const uint64_t key = frame_key(leaf_first[i]);
        if (same && level < prefix.depth && prefix.keys[level] == key) {
            parent = prefix.nodes[level];
            continue;
        }
        same = false;
        uint32_t frame = intern_frame(leaf_first[i].code, leaf_first[i].line, 0);
        parent = frame != 0 ? intern_node(parent, frame) : 0;
        if (parent == 0) {
            if (cached) {
                prefix.depth = level < kPrefixDepth ? level : kPrefixDepth;
            }
            return 0;
        }
        if (cached && level < kPrefixDepth) {
            prefix.keys[level] = key;
            prefix.nodes[level] = parent;
        }
    }
    if (cached) {
        prefix.depth = count < kPrefixDepth ? count : kPrefixDepth;
    }
    return parent;
}

StackId intern_below(StackId parent,
                     const python::RawFrame* leaf_first,
                     size_t count,
                     StackId* nodes,
                     size_t room) noexcept
{
    if (!g_tables.ready) {
        return 0;
    }
    SpinLockGuard guard(g_tables.lock);
    for (size_t i = count, level = 0; i-- > 0; ++level) {
        uint32_t frame = intern_frame(leaf_first[i].code, leaf_first[i].line, 0);
        parent = frame != 0 ? intern_node(parent, frame) : 0;
        if (parent == 0) {
            return 0;
        }
        if (level < room) {
            nodes[level] = parent;
        }
    }
    return parent;
}

StackId intern_pseudo(PseudoFrame frame) noexcept
{
    return intern_stack(nullptr, 0, frame);
}

void stack_add_live(StackId stack, int64_t bytes) noexcept
{
    if (stack != 0 && g_tables.ready) {
        // A job snapshot request made since this process's last answer is of a moment before
        // this change: answered first (core/job_format.h).
        job_answer_requests();
        int64_t after =
            g_tables.counters[stack].live.fetch_add(bytes, std::memory_order_relaxed) + bytes;
        SCIAGRAPH_CHECK(after >= 0);  // a stack never frees more than it holds
        (void)after;
        if (record::StackSlot* slot = slot_of(stack)) {
            mirror_add(slot->live, bytes);
        }
    }
}

void stack_snapshot_peak(unsigned record_buffer) noexcept
{
    if (!g_tables.ready) {
        return;
    }
    SpinLockGuard guard(g_tables.lock);
    uint32_t count = g_tables.stack_count.load(std::memory_order_relaxed);
    for (uint32_t id = 1; id <= count; ++id) {
        StackCounters& c = g_tables.counters[id];
        c.at_peak = c.live.load(std::memory_order_relaxed);
        if (record::StackSlot* slot = slot_of(id)) {
            slot->at_peak[record_buffer] = c.at_peak;
        }
    }
}

void stack_snapshot_job() noexcept
{
    if (!g_tables.ready) {
        return;
    }
    SpinLockGuard guard(g_tables.lock);
    uint32_t count = g_tables.stack_count.load(std::memory_order_relaxed);
    for (uint32_t id = 1; id <= count; ++id) {
        StackCounters& c = g_tables.counters[id];
        const int64_t live = c.live.load(std::memory_order_relaxed);
        c.at_job_peak = live > c.fork_base ? live - c.fork_base : 0;
        if (record::StackSlot* slot = slot_of(id)) {
            slot->at_job_peak = c.at_job_peak;
        }
    }
}

void stack_add_time(StackId stack, uint64_t cpu_us, uint64_t wait_us) noexcept
{
    if (stack != 0 && g_tables.ready) {
        g_tables.counters[stack].cpu_us.fetch_add(cpu_us, std::memory_order_relaxed);
        g_tables.counters[stack].wait_us.fetch_add(wait_us, std::memory_order_relaxed);
        if (record::StackSlot* slot = slot_of(stack)) {
            mirror_add(slot->cpu_us, cpu_us);
            mirror_add(slot->wait_us, wait_us);
        }
    }
}

void stack_table_lock_for_fork() noexcept
{
    g_tables.lock.lock();
}

void stack_table_unlock_after_fork() noexcept
{
    g_tables.lock.unlock();
}

void stack_table_after_fork_child() noexcept
{
    g_tables.lock.reset_in_child();
    // The child's time is its own: the parent's samples stay in the parent's dump. Its part of
    // the job is what it holds above what it inherited (core/job_format.h).
    uint32_t count = g_tables.stack_count.load(std::memory_order_relaxed);
    for (uint32_t id = 1; id <= count && g_tables.ready; ++id) {
        StackCounters& c = g_tables.counters[id];
        c.cpu_us.store(0, std::memory_order_relaxed);
        c.wait_us.store(0, std::memory_order_relaxed);
        c.at_job_peak = 0;
        c.fork_base = c.live.load(std::memory_order_relaxed);
    }
    // A record of its own, written from the tables as the fork left them (core/record.h).
    record_after_fork_child();
    for (record::StackSlot*& block : g_blocks) {
        block = nullptr;
    }
    if (!g_tables.ready || !record_active()) {
        return;
    }
    if (!record_process_meta()) {
        record_failed();
        return;
    }
    uint32_t frames = g_tables.frame_count.load(std::memory_order_relaxed);
    for (uint32_t id = 1; id <= frames; ++id) {
        if (!record_frame(id, g_tables.frames[id])) {
            record_failed();
            return;
        }
    }
    for (uint32_t id = 1; id <= count; ++id) {
        if (!record_stack(id, g_tables.stacks[id],
                          g_tables.counters[id].live.load(std::memory_order_relaxed))) {
            record_failed();
            return;
        }
    }
}

StackTableView stack_table_view() noexcept
{
    return StackTableView{g_tables.frames, g_tables.stacks, g_tables.counters,
                          g_tables.frame_count.load(std::memory_order_acquire),
                          g_tables.stack_count.load(std::memory_order_acquire)};
}

SpinLock& stack_table_lock() noexcept
{
    return g_tables.lock;
}

const char* pseudo_frame_name(uint32_t pseudo) noexcept
{
    switch (static_cast<PseudoFrame>(pseudo)) {
    case PseudoFrame::NoPythonFrame:
        return "[no Python frame]";
    case PseudoFrame::NativeThread:
        return "[native thread]";
    case PseudoFrame::Truncated:
        return "[truncated]";
    case PseudoFrame::SamplerError:
        return "[unreadable stack]";
    }
    return "[unknown]";
}

}  // namespace sciagraph::core
