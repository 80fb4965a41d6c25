// launcher/core_locator.cpp
#include "core_locator.h"

#include "exit_codes.h"

#include <system_error>

#include <unistd.h>

#ifndef SCIAGRAPH_CORE_RELDIR
// Set by launcher/CMakeLists.txt from GNUInstallDirs (bin -> lib/sciagraph, or
// lib/<multiarch>/sciagraph under /usr); this is the usual value.
#define SCIAGRAPH_CORE_RELDIR "../lib/sciagraph"
#endif

namespace sciagraph::launcher {
namespace fs = std::filesystem;

fs::path self_executable()
{
    std::error_code error;
    fs::path exe = fs::read_symlink("/proc/self/exe", error);
    if (error) {
        throw LaunchError(
            ExitCode::CannotStart,
            "cannot find the sciagraph executable (/proc/self/exe): " + error.message(), true);
    }
    return exe;
}

CoreFiles core_files_for(const fs::path& executable)
{
    const fs::path dir = (executable.parent_path() / SCIAGRAPH_CORE_RELDIR).lexically_normal();
    return {dir / "libsciagraph_preload.so"};
}

CoreFiles locate_core(const fs::path& executable)
{
    CoreFiles files = core_files_for(executable);
    const std::string library = files.library.string();
    if (::access(library.c_str(), R_OK) != 0 || !fs::is_regular_file(files.library)) {
        throw LaunchError(ExitCode::CannotStart,
                          "core library " + library +
                              " is missing; the installation is incomplete (reinstall sciagraph)",
                          true);
    }
    if (library.find_first_of(": \t") != std::string::npos) {
        throw LaunchError(ExitCode::CannotStart,
                          "core library path " + library +
                              " contains ':' or a space, which LD_PRELOAD cannot carry; install "
                              "sciagraph under a path without them",
                          true);
    }
    return files;
}

}  // namespace sciagraph::launcher
