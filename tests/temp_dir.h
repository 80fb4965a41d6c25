// tests/temp_dir.h — a fresh directory under /tmp for one test case, removed with everything in
// it when the case ends. Shared by the unit tests of every stage.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <sys/stat.h>

namespace sciagraph::testing {

struct TempDir {
    std::filesystem::path path;

    TempDir()
    {
        char name[] = "/tmp/sciagraph-test-XXXXXX";
        if (::mkdtemp(name) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path = name;
    }
    ~TempDir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `text` to a new file `name` inside, with `mode`.
    std::filesystem::path file(const std::string& name, const std::string& text,
                               mode_t mode = 0644) const
    {
        const std::filesystem::path file = path / name;
        std::ofstream(file) << text;
        ::chmod(file.c_str(), mode);
        return file;
    }
};

}  // namespace sciagraph::testing
