// report/read/record_reader.h — reads a live record (core/record_format.h), the file a process that
// died before its exit leaves instead of a final dump, into the same Dump the dump reader
// makes, so every renderer works on it unchanged.
//
// A record is the memory of a process that stopped at an arbitrary instruction, and the file may
// also be cut or damaged, so it is read as defensively as a dump: every length is checked
// against log_end and the file before it is used, nothing is allocated from an unchecked count,
// and what the reader cannot trust is dropped with a warning rather than failing the whole
// profile. The Dump it returns always holds a valid trie (parents before children, frames in
// range), which is what build_trees (dump_to_tree.h) relies on.
#pragma once

#include "dump_reader.h"

#include <cstddef>
#include <filesystem>

namespace sciagraph::report {

// Meta key set to "1" in a Dump read from a live record, so renderers can say where the profile
// came from (the core's keys are in core/dump_format.h; this one only the reader writes).
inline constexpr const char* kMetaFromRecord = "record";

// True when `data` starts like a record: its magic, or a prefix of it long enough (6 bytes) not
// to be mistaken for a dump's, whose magic shares the first five.
bool looks_like_record(const unsigned char* data, size_t size);

// Whether a file is to be read as a record: by its content, and by its name (`.sgrec`) only
// when the content cannot tell (too short, or too damaged, to show either format's magic).
bool read_as_record(const unsigned char* data, size_t size, const std::filesystem::path& name);

// Errors as parse_dump's: Unreadable (empty), Corrupt (not a record, a damaged header),
// Incompatible (another format version). Damage inside the log is a warning, not an error.
DumpResult parse_record(const unsigned char* data, size_t size);

}  // namespace sciagraph::report
