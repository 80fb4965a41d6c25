// report/read/folded_reader.cpp — see folded_reader.h.
//
// Speed: a 280 MB input must parse in a fraction of a second. Chunks of lines are split
// (memchr) and their names interned by hash into flat arrays of name ids on two threads, while
// the stacks of finished chunks go into the tree several at a time, with prefetching (see
// insert_stacks).
#include "folded_reader.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace sciagraph::report {
namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}
bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// Reads `digits[.digits]` (the whole token); false when it is anything else.
bool parse_count(std::string_view token, uint64_t& value)
{
    size_t i = 0;
    uint64_t whole = 0;
    while (i < token.size() && is_digit(token[i])) {
        if (i >= 19) {
            return false;  // would overflow: not a count any tool writes
        }
        whole = whole * 10 + static_cast<uint64_t>(token[i] - '0');
        ++i;
    }
    if (i == 0) {
        return false;
    }
    if (i == token.size()) {
        value = whole;
        return true;
    }
    if (token[i] != '.') {
        return false;
    }
    const size_t dot = i++;
    while (i < token.size() && is_digit(token[i])) {
        ++i;
    }
    if (i != token.size()) {
        return false;
    }
    // Rounded: the tree holds integers; flamegraph.pl also only shows rounded counts.
    const bool round_up = dot + 1 < token.size() && token[dot + 1] >= '5';
    value = whole + (round_up ? 1 : 0);
    return true;
}

// Splits "stack value" into its parts; false when the line has no value.
bool split_line(std::string_view line, std::string_view& stack, uint64_t& value)
{
    size_t end = line.size();
    while (end > 0 && is_space(line[end - 1])) {
        --end;
    }
    size_t begin = 0;
    while (begin < end && is_space(line[begin])) {
        ++begin;
    }
    size_t space = end;
    while (space > begin && !is_space(line[space - 1])) {
        --space;
    }
    if (space == begin || !parse_count(line.substr(space, end - space), value)) {
        return false;
    }
    size_t stack_end = space;
    while (stack_end > begin && is_space(line[stack_end - 1])) {
        --stack_end;
    }
    // Differential form `stack before after`: drop the first count (only when it is a count
    // token on its own, so a frame "tick 42" without a second count stays a frame name).
    size_t token = stack_end;
    while (token > begin && !is_space(line[token - 1])) {
        --token;
    }
    uint64_t before = 0;
    if (token > begin && token < stack_end &&
        parse_count(line.substr(token, stack_end - token), before) &&
        line.substr(begin, token - begin).find(';') != std::string_view::npos) {
        stack_end = token;
        while (stack_end > begin && is_space(line[stack_end - 1])) {
            --stack_end;
        }
    }
    stack = line.substr(begin, stack_end - begin);
    return !stack.empty();
}

// Names interned per chunk of input: keys are copied into one compact buffer, so comparing a
// frame with a known name touches cache-resident memory, not the far end of the input.
class LocalNames {
public:
    LocalNames() : slots_(4096, 0) {}

    uint32_t intern(std::string_view name)
    {
        const uint64_t hash = hash_bytes(name.data(), name.size());
        const size_t mask = slots_.size() - 1;
        for (size_t slot = hash & mask;; slot = (slot + 1) & mask) {
            const uint32_t entry = slots_[slot];
            if (entry == 0) {
                const auto id = static_cast<uint32_t>(offsets_.size());
                offsets_.push_back({bytes_.size(), name.size()});
                bytes_.append(name);
                hashes_.push_back(hash);
                slots_[slot] = id + 1;
                if (offsets_.size() * 2 > slots_.size()) {
                    grow();
                }
                return id;
            }
            // Same 64-bit hash and length is taken as the same name (a collision among the few
            // thousand names of a profile is ~1e-11 likely): the byte compare cost 15% of a
            // 300 MB parse.
            if (hashes_[entry - 1] == hash && offsets_[entry - 1].second == name.size()) {
                return entry - 1;
            }
        }
    }
    size_t size() const { return offsets_.size(); }
    uint64_t hash(uint32_t id) const { return hashes_[id]; }
    std::string_view get(uint32_t id) const
    {
        return std::string_view(bytes_).substr(offsets_[id].first, offsets_[id].second);
    }

private:
    void grow()
    {
        std::vector<uint32_t> slots(slots_.size() * 2, 0);
        for (uint32_t id = 0; id < hashes_.size(); ++id) {
            size_t slot = hashes_[id] & (slots.size() - 1);
            while (slots[slot] != 0) {
                slot = (slot + 1) & (slots.size() - 1);
            }
            slots[slot] = id + 1;
        }
        slots_ = std::move(slots);
    }

    std::vector<uint32_t> slots_;
    std::vector<std::pair<size_t, size_t>> offsets_;
    std::vector<uint64_t> hashes_;
    std::string bytes_;
};

// One part of the input, split into lines and frames: name ids per stack, flat.
struct Chunk {
    std::string_view text;
    LocalNames names;
    BigVector<uint32_t> frames;        // local name ids of every stack, one after another
    std::vector<uint32_t> stack_ends;  // end of each stack in `frames`
    std::vector<uint64_t> values;
    size_t lines = 0, stacks = 0, bad_lines = 0, first_bad_line = 0;  // line: chunk-relative
    std::string failure;
};

void split_chunk(Chunk& c)
{
    try {
        const char* p = c.text.data();
        const char* const end = p + c.text.size();
        while (p < end) {
            const char* nl =
                static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
            const char* line_end = nl != nullptr ? nl : end;
            const std::string_view line(p, static_cast<size_t>(line_end - p));
            p = nl != nullptr ? nl + 1 : end;
            ++c.lines;
            std::string_view stack;
            uint64_t value = 0;
            if (!split_line(line, stack, value)) {
                bool blank = true;
                for (char ch : line) {
                    blank = blank && is_space(ch);
                }
                const bool comment = line.size() >= 2 && line[0] == '#' && line[1] == ' ';
                if (!blank && !comment && c.bad_lines++ == 0) {
                    c.first_bad_line = c.lines;
                }
                continue;
            }
            if (stack.size() >= 2 && stack[0] == '#' && stack[1] == ' ') {
                continue;  // a comment that happens to end in a number
            }
            ++c.stacks;
            if (value == 0) {
                continue;
            }
            size_t pos = 0;
            while (pos <= stack.size()) {
                const char* sep = static_cast<const char*>(
                    std::memchr(stack.data() + pos, ';', stack.size() - pos));
                const size_t frame_end =
                    sep != nullptr ? static_cast<size_t>(sep - stack.data()) : stack.size();
                if (frame_end > pos) {  // empty frames (a;;b) are skipped
                    c.frames.push_back(c.names.intern(stack.substr(pos, frame_end - pos)));
                }
                pos = frame_end + 1;
            }
            c.stack_ends.push_back(static_cast<uint32_t>(c.frames.size()));
            c.values.push_back(value);
        }
    } catch (const std::exception& e) {
        c.failure = e.what();
    }
}

// Walks many stacks at once, one frame of each per round, prefetching the next lookup of each:
// the tree's hash table is far larger than the caches, and independent walks overlap their
// misses instead of waiting for each in turn.
void insert_stacks(CallTree& tree, const Chunk& c, const std::vector<uint32_t>& global_names)
{
    constexpr size_t kLanes = 16;
    struct Lane {
        size_t stack;
        uint32_t pos, end;
        uint32_t node;
    };
    Lane lanes[kLanes];
    size_t active = 0, next_stack = 0;
    const size_t stacks = c.stack_ends.size();
    auto start = [&](Lane& lane) {
        if (next_stack >= stacks) {
            return false;
        }
        lane.stack = next_stack;
        lane.pos = next_stack == 0 ? 0 : c.stack_ends[next_stack - 1];
        lane.end = c.stack_ends[next_stack];
        lane.node = CallTree::kRoot;
        ++next_stack;
        return true;
    };
    while (active < kLanes && start(lanes[active])) {
        ++active;
    }
    while (active > 0) {
        for (size_t i = 0; i < active;) {
            Lane& lane = lanes[i];
            if (lane.pos < lane.end) {
                lane.node = tree.child(lane.node, global_names[c.frames[lane.pos++]]);
            }
            if (lane.pos < lane.end) {
                tree.prefetch_child(lane.node, global_names[c.frames[lane.pos]]);
                ++i;
                continue;
            }
            tree.add_self(lane.node, c.values[lane.stack]);
            if (!start(lane)) {
                lane = lanes[--active];  // this lane is done: the last one takes its place
                continue;
            }
            ++i;
        }
    }
}

FoldedResult parse(std::string_view text, std::shared_ptr<const void> keep_alive)
{
    FoldedResult result;
    if (text.empty()) {
        result.error = {ExitStatus::Unreadable, "empty input"};
        return result;
    }
    if (std::memchr(text.data(), '\0', std::min<size_t>(text.size(), 1 << 16)) != nullptr) {
        result.error = {ExitStatus::Corrupt,
                        "not a profile: binary data (neither a sciagraph dump nor folded stacks)"};
        return result;
    }
    // The input is cut into chunks at line boundaries. Two threads split chunks into name ids
    // (the scanning and hashing half of the work) while this thread also inserts finished
    // chunks into the tree, in order, so splitting and inserting overlap on the two cores.
    const size_t chunk_count = std::clamp<size_t>(text.size() / (1u << 20), 1, 64);
    std::vector<Chunk> chunks(chunk_count);
    size_t begin = 0;
    for (size_t i = 0; i < chunk_count; ++i) {
        size_t end = i + 1 == chunk_count ? text.size() : text.size() / chunk_count * (i + 1);
        if (end < text.size()) {
            const char* nl =
                static_cast<const char*>(std::memchr(text.data() + end, '\n', text.size() - end));
            end = nl != nullptr ? static_cast<size_t>(nl - text.data()) + 1 : text.size();
        }
        end = std::max(end, begin);
        chunks[i].text = text.substr(begin, end - begin);
        begin = end;
    }
    std::atomic<size_t> next_to_split{0};
    std::unique_ptr<std::atomic<bool>[]> split_done(new std::atomic<bool>[chunk_count]);
    for (size_t i = 0; i < chunk_count; ++i) {
        split_done[i].store(false);
    }
    auto split_one = [&]() {
        const size_t i = next_to_split.fetch_add(1);
        if (i >= chunk_count) {
            return false;
        }
        split_chunk(chunks[i]);
        split_done[i].store(true, std::memory_order_release);
        return true;
    };
    std::thread splitter;
    if (chunk_count > 1) {
        try {
            splitter = std::thread([&] {
                while (split_one()) {
                }
            });
        } catch (const std::exception&) {
            // No thread to be had: this thread splits everything.
        }
    }
    struct JoinAtExit {
        std::thread& t;
        ~JoinAtExit()
        {
            if (t.joinable()) {
                t.join();
            }
        }
    } join_at_exit{splitter};

    auto tree = std::make_unique<CallTree>();
    tree->keep_alive = std::move(keep_alive);
    // About one new node per 100 bytes of input (the benchmark's input: 3.75 M nodes in 312 MB).
    tree->reserve(std::min<size_t>(text.size() / 100, size_t{1} << 26));
    size_t lines_before = 0;
    for (size_t i = 0; i < chunk_count; ++i) {
        while (!split_done[i].load(std::memory_order_acquire)) {
            if (!split_one()) {
                std::this_thread::yield();  // the other thread is finishing this chunk
            }
        }
        Chunk& c = chunks[i];
        if (!c.failure.empty()) {
            throw std::runtime_error(c.failure);
        }
        result.stacks += c.stacks;
        if (c.bad_lines > 0 && result.bad_lines == 0) {
            result.first_bad_line = lines_before + c.first_bad_line;
        }
        result.bad_lines += c.bad_lines;
        lines_before += c.lines;
        std::vector<uint32_t> global_names(c.names.size());
        for (uint32_t n = 0; n < c.names.size(); ++n) {
            global_names[n] = tree->intern_hashed(c.names.get(n), c.names.hash(n));
        }
        insert_stacks(*tree, c, global_names);
        c = Chunk();  // its arrays are no longer needed
    }
    if (result.stacks == 0) {
        result.error = {ExitStatus::Corrupt,
                        "not a profile: no line of the form 'frame;frame;... count'"};
        return result;
    }
    tree->finish();
    result.tree = std::move(tree);
    return result;
}

}  // namespace

FoldedResult parse_folded(std::string_view text, std::shared_ptr<const void> keep_alive)
{
    try {
        return parse(text, std::move(keep_alive));
    } catch (const std::exception& e) {
        FoldedResult result;
        result.error = {ExitStatus::Corrupt, std::string("cannot read folded stacks: ") + e.what()};
        return result;
    }
}

}  // namespace sciagraph::report
