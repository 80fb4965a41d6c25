// launcher/env_checks.cpp
#include "env_checks.h"

#include <cerrno>
#include <cstring>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace sciagraph::launcher {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxInterpreterDepth = 4;     // the kernel's own limit on nested "#!"
constexpr std::size_t kShebangBytes = 256;  // BINPRM_BUF_SIZE: what the kernel reads

// Reads up to `size` bytes from the start of a file; nullopt (errno set) when it cannot.
std::optional<std::string> read_head(const fs::path& file, std::size_t size)
{
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    std::string head(size, '\0');
    ssize_t got;
    do {
        got = ::pread(fd, head.data(), size, 0);
    } while (got < 0 && errno == EINTR);
    int saved = errno;
    ::close(fd);
    if (got < 0) {
        errno = saved;
        return std::nullopt;
    }
    head.resize(static_cast<std::size_t>(got));
    return head;
}

bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (is_space(text.back()) || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

std::vector<std::string_view> split_words(std::string_view text)
{
    std::vector<std::string_view> words;
    std::size_t at = 0;
    while (at < text.size()) {
        while (at < text.size() && is_space(text[at])) {
            ++at;
        }
        std::size_t start = at;
        while (at < text.size() && !is_space(text[at])) {
            ++at;
        }
        if (at > start) {
            words.push_back(text.substr(start, at - start));
        }
    }
    return words;
}

// Checks one candidate file: 0 when it can be executed, else the errno execve would give.
int executable_error(const fs::path& file)
{
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
        return errno;
    }
    if (S_ISDIR(st.st_mode)) {
        return EISDIR;
    }
    if (!S_ISREG(st.st_mode) || ::access(file.c_str(), X_OK) != 0) {
        return EACCES;
    }
    return 0;
}

[[noreturn]] void refuse_unsupported(const std::string& message)
{
    throw LaunchError(ExitCode::CannotStart,
                      message + " (set on_unsupported = \"run-unprofiled\" to run it unprofiled)",
                      true);
}

}  // namespace

fs::path find_program(const std::string& command, const std::optional<std::string>& path_env)
{
    if (command.empty()) {
        throw LaunchError(ExitCode::NotFound, "command '' not found");
    }
    if (command.find('/') != std::string::npos) {
        int error = executable_error(command);
        if (error == ENOENT || error == ENOTDIR) {
            throw LaunchError(ExitCode::NotFound, command + ": no such file");
        }
        if (error == EISDIR) {
            throw LaunchError(ExitCode::NotExecutable, command + ": is a directory");
        }
        if (error != 0) {
            throw LaunchError(ExitCode::NotExecutable,
                              command + ": cannot execute: " + std::strerror(error));
        }
        return command;
    }
    const std::string search = path_env.value_or("/bin:/usr/bin");
    std::optional<fs::path> denied;
    std::size_t start = 0;
    while (start <= search.size()) {
        std::size_t end = search.find(':', start);
        if (end == std::string::npos) {
            end = search.size();
        }
        std::string dir = search.substr(start, end - start);
        fs::path candidate = fs::path(dir.empty() ? "." : dir) / command;
        int error = executable_error(candidate);
        if (error == 0) {
            return candidate;
        }
        if (error == EACCES && !denied) {
            denied = candidate;
        }
        start = end + 1;
    }
    if (denied) {
        throw LaunchError(ExitCode::NotExecutable,
                          denied->string() + ": found on PATH but not executable");
    }
    throw LaunchError(ExitCode::NotFound, "command '" + command + "' not found on PATH");
}

std::optional<Shebang> parse_shebang(std::string_view head)
{
    if (head.substr(0, 2) != "#!") {
        return std::nullopt;
    }
    head.remove_prefix(2);
    head = head.substr(0, head.find('\n'));
    head = trim(head);
    std::size_t split = 0;
    while (split < head.size() && !is_space(head[split])) {
        ++split;
    }
    Shebang shebang;
    shebang.interpreter = std::string(head.substr(0, split));
    // Linux passes everything after the interpreter as one argument, spaces included.
    shebang.argument = std::string(trim(head.substr(split)));
    return shebang;
}

std::optional<std::string> program_run_by_env(const Shebang& shebang)
{
    if (fs::path(shebang.interpreter).filename() != "env") {
        return std::nullopt;
    }
    for (auto word : split_words(shebang.argument)) {
        // Options (-S, -i, ...) and NAME=VALUE assignments come before the program.
        if (word.front() == '-' || word.find('=') != std::string_view::npos) {
            continue;
        }
        return std::string(word);
    }
    return std::nullopt;
}

std::vector<fs::path> exec_chain(const fs::path& program,
                                 const std::optional<std::string>& path_env)
{
    std::vector<fs::path> chain{program};
    for (int depth = 0; depth <= kMaxInterpreterDepth; ++depth) {
        const fs::path current = chain.back();  // a copy: chain grows below
        auto head = read_head(current, kShebangBytes);
        if (!head) {
            throw LaunchError(ExitCode::NotExecutable,
                              current.string() + ": cannot read: " + std::strerror(errno));
        }
        auto shebang = parse_shebang(*head);
        if (!shebang) {
            if (elf_linkage(current) == Linkage::NotElf) {
                throw LaunchError(ExitCode::NotExecutable,
                                  current.string() +
                                      ": cannot execute: neither an ELF binary nor a #! script");
            }
            return chain;
        }
        if (depth == kMaxInterpreterDepth) {
            throw LaunchError(ExitCode::NotExecutable,
                              program.string() + ": too many levels of #! interpreters");
        }
        const fs::path interpreter = shebang->interpreter;
        if (int error = executable_error(interpreter); error != 0) {
            throw LaunchError(ExitCode::NotExecutable, current.string() + ": bad interpreter " +
                                                           interpreter.string() + ": " +
                                                           std::strerror(error));
        }
        if (auto via_env = program_run_by_env(*shebang)) {
            chain.push_back(interpreter);
            try {
                chain.push_back(find_program(*via_env, path_env));
            } catch (const LaunchError& error) {
                // env(1) itself exits 127/126 for these; keep its statuses, name the script.
                throw LaunchError(error.code(), current.string() + ": interpreter (via " +
                                                    interpreter.string() + "): " + error.what());
            }
        } else {
            chain.push_back(interpreter);
        }
    }
    return chain;
}

Linkage elf_linkage(const fs::path& file)
{
    auto head = read_head(file, sizeof(Elf64_Ehdr));
    if (!head || head->size() < EI_NIDENT || head->compare(0, SELFMAG, ELFMAG) != 0) {
        return Linkage::NotElf;
    }
    const auto elf_class = static_cast<unsigned char>((*head)[EI_CLASS]);
    const auto elf_data = static_cast<unsigned char>((*head)[EI_DATA]);
    const bool native = (elf_data == ELFDATA2LSB) == (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__);
    if (!native || (elf_class != ELFCLASS64 && elf_class != ELFCLASS32)) {
        // Not for this machine: execve refuses it, so whether it is static does not matter.
        return Linkage::Dynamic;
    }
    std::uint64_t phoff = 0;
    std::size_t phentsize = 0;
    std::size_t phnum = 0;
    if (elf_class == ELFCLASS64 && head->size() >= sizeof(Elf64_Ehdr)) {
        Elf64_Ehdr header;
        std::memcpy(&header, head->data(), sizeof header);
        phoff = header.e_phoff;
        phentsize = header.e_phentsize;
        phnum = header.e_phnum;
    } else if (elf_class == ELFCLASS32 && head->size() >= sizeof(Elf32_Ehdr)) {
        Elf32_Ehdr header;
        std::memcpy(&header, head->data(), sizeof header);
        phoff = header.e_phoff;
        phentsize = header.e_phentsize;
        phnum = header.e_phnum;
    } else {
        return Linkage::NotElf;  // truncated header
    }
    const std::size_t wanted = elf_class == ELFCLASS64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (phentsize < wanted || phnum == 0 || phnum == PN_XNUM) {
        // No program headers to judge by (PN_XNUM is never used for executables in
        // practice); let execve decide rather than refuse a binary that may well work.
        return Linkage::Dynamic;
    }
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return Linkage::NotElf;
    }
    std::string table(phentsize * phnum, '\0');
    ssize_t got = ::pread(fd, table.data(), table.size(), static_cast<off_t>(phoff));
    ::close(fd);
    if (got != static_cast<ssize_t>(table.size())) {
        return Linkage::NotElf;
    }
    for (std::size_t i = 0; i < phnum; ++i) {
        std::uint32_t type = 0;  // p_type is the first 32-bit field in both classes
        std::memcpy(&type, table.data() + i * phentsize, sizeof type);
        if (type == PT_INTERP) {
            return Linkage::Dynamic;
        }
    }
    return Linkage::Static;
}

bool set_id_changes_credentials(mode_t mode, uid_t file_uid, gid_t file_gid, uid_t euid, gid_t egid)
{
    return ((mode & S_ISUID) != 0 && file_uid != euid) ||
           ((mode & S_ISGID) != 0 && file_gid != egid);
}

void check_preload_reaches(const std::vector<fs::path>& chain)
{
    for (const auto& file : chain) {
        struct stat st {};
        if (::stat(file.c_str(), &st) != 0) {
            continue;  // exec_chain already vouched for it; a race is execve's to report
        }
        struct statvfs mount {};
        const bool nosuid = ::statvfs(file.c_str(), &mount) == 0 && (mount.f_flag & ST_NOSUID);
        if (!nosuid && set_id_changes_credentials(st.st_mode, st.st_uid, st.st_gid, ::geteuid(),
                                                  ::getegid())) {
            refuse_unsupported(file.string() + " is set-user-ID or set-group-ID: the dynamic "
                                               "linker ignores LD_PRELOAD there");
        }
        // File capabilities also put the process in secure-execution mode.
        if (!nosuid && ::getxattr(file.c_str(), "security.capability", nullptr, 0) > 0) {
            refuse_unsupported(file.string() + " has file capabilities: the dynamic linker "
                                               "ignores LD_PRELOAD there");
        }
    }
    if (elf_linkage(chain.back()) == Linkage::Static) {
        std::string what = chain.back().string();
        if (chain.size() > 1) {
            what += " (the interpreter of " + chain.front().string() + ")";
        }
        refuse_unsupported(what + " is statically linked: LD_PRELOAD cannot load the profiler "
                                  "into it; use a dynamically linked build");
    }
}

}  // namespace sciagraph::launcher
