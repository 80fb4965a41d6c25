// launcher/env_checks.h — what is known about COMMAND before it starts: where it is, whether it
// can run, and whether the dynamic linker will load the core into it (not setuid, not static).
// Each failure is a LaunchError carrying its exit status and one line for stderr.
#pragma once

#include "exit_codes.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace sciagraph::launcher {

// Finds COMMAND as execvp(3) would: a name with a '/' is taken as is, else each PATH entry is
// tried in order (an empty entry is the current directory; no PATH means "/bin:/usr/bin").
// Throws LaunchError: NotFound (127) or NotExecutable (126, also for a directory).
std::filesystem::path find_program(const std::string& command,
                                   const std::optional<std::string>& path_env);

// The "#!" line of a script: the interpreter and the one optional argument Linux passes.
struct Shebang {
    std::string interpreter;
    std::string argument;  // empty when none
};
// Parses the first bytes of a file; nullopt when they do not start with "#!".
std::optional<Shebang> parse_shebang(std::string_view head);

// For `#!/usr/bin/env [-S] [NAME=VALUE...] PROGRAM ...`: the PROGRAM env runs; nullopt when
// the interpreter is not env(1) or names no program.
std::optional<std::string> program_run_by_env(const Shebang& shebang);

// The chain of files the kernel and env(1) go through to start `program`: the program itself,
// then each interpreter, ending with the ELF binary that is finally loaded. Follows up to 4
// levels of "#!", as Linux does. Throws LaunchError (126/127) for a missing or unusable
// interpreter, or a file that is neither ELF nor a "#!" script.
std::vector<std::filesystem::path> exec_chain(const std::filesystem::path& program,
                                              const std::optional<std::string>& path_env);

enum class Linkage { Dynamic, Static, NotElf };
// Reads the ELF header and program headers: no PT_INTERP means no dynamic linker, so
// LD_PRELOAD is never read (static and static-pie binaries).
Linkage elf_linkage(const std::filesystem::path& file);

// Whether exec of a file with this mode and owner enters secure-execution mode (AT_SECURE),
// where the dynamic linker ignores LD_PRELOAD: a set-user-ID bit for another owner, or a
// set-group-ID bit for another group.
bool set_id_changes_credentials(
    mode_t mode, uid_t file_uid, gid_t file_gid, uid_t euid, gid_t egid);

// Refuses (LaunchError 125, marked unsupported) a chain the core cannot be loaded into:
// a set-ID or file-capability binary anywhere in it (secure execution drops LD_PRELOAD for
// it and what it starts), or a statically linked final binary.
void check_preload_reaches(const std::vector<std::filesystem::path>& chain);

}  // namespace sciagraph::launcher
