// report/read/mapped_file.h — an input file mapped read-only (large folded files are parsed in
// place, with no copy), and the one way outputs are written.
#pragma once

#include "errors.h"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

namespace sciagraph::report {

class MappedFile {
public:
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // Maps a regular file. An empty file is mapped as an empty view. Errors: MissingInput
    // (no such file), Unreadable (permissions, not a regular file, I/O errors).
    static std::shared_ptr<MappedFile> open(const std::filesystem::path& path, Error& error);

    const unsigned char* data() const { return static_cast<const unsigned char*>(data_); }
    size_t size() const { return size_; }
    std::string_view text() const { return {static_cast<const char*>(data_), size_}; }

private:
    MappedFile() = default;
    void* data_ = nullptr;
    size_t size_ = 0;
};

// Writes `content` to `path` through a temporary file and a rename, so a reader never sees a
// half-written output. Returns false (and fills `error`, status CannotWrite) on failure.
bool write_file(const std::filesystem::path& path, std::string_view content, Error& error);

}  // namespace sciagraph::report
