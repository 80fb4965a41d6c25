// launcher/core_locator.h — finds the core library relative to the sciagraph executable, so
// that an installed prefix and the build tree both work with no environment variable:
// <exe dir>/<relative libdir>/sciagraph/libsciagraph_preload.so.
#pragma once

#include <filesystem>

namespace sciagraph::launcher {

struct CoreFiles {
    std::filesystem::path library;  // libsciagraph_preload.so, absolute
};

// The running executable (/proc/self/exe), absolute with symlinks resolved, so a symlink to
// sciagraph in ~/bin still finds the core of the real install.
std::filesystem::path self_executable();

// Where the core files are for a given executable; does not check that they exist.
CoreFiles core_files_for(const std::filesystem::path& executable);

// core_files_for(), checked: the library exists and is readable, and its path can be carried by
// LD_PRELOAD (which splits on ':' and ' '). Throws LaunchError 125 (unsupported) otherwise.
CoreFiles locate_core(const std::filesystem::path& executable);

}  // namespace sciagraph::launcher
