// tests/launcher/test_env_checks.cpp
#include "core_locator.h"
#include "env_checks.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

using namespace sciagraph::launcher;
namespace fs = std::filesystem;

namespace {

using sciagraph::testing::TempDir;

ExitCode code_of(const std::function<void()>& action)
{
    try {
        action();
    } catch (const LaunchError& error) {
        return error.code();
    }
    return ExitCode::Success;
}

}  // namespace

TEST_CASE("env_checks: #! lines", "[launcher]")
{
    auto plain = parse_shebang("#!/bin/sh\necho hi\n");
    REQUIRE(plain);
    CHECK(plain->interpreter == "/bin/sh");
    CHECK(plain->argument.empty());
    auto with_arg = parse_shebang("#!  /usr/bin/python3 -u -X dev \r\nprint()");
    REQUIRE(with_arg);
    CHECK(with_arg->interpreter == "/usr/bin/python3");
    CHECK(with_arg->argument == "-u -X dev");  // one argument, as Linux passes it
    CHECK_FALSE(parse_shebang("\x7f"
                              "ELF"));
    CHECK_FALSE(parse_shebang("# !/bin/sh"));

    CHECK(program_run_by_env({"/usr/bin/env", "python3"}) == "python3");
    CHECK(program_run_by_env({"/usr/bin/env", "-S python3 -u"}) == "python3");
    CHECK(program_run_by_env({"/usr/bin/env", "-S PYTHONHASHSEED=0 python3"}) == "python3");
    CHECK_FALSE(program_run_by_env({"/usr/bin/python3", "-u"}));
    CHECK_FALSE(program_run_by_env({"/usr/bin/env", ""}));
}

TEST_CASE("env_checks: finding COMMAND as execvp does", "[launcher]")
{
    TempDir dir;
    dir.file("tool", "#!/bin/sh\n", 0755);
    dir.file("data", "x", 0644);
    const std::string path = "/nonexistent:" + dir.path.string();
    CHECK(find_program("tool", path) == dir.path / "tool");
    CHECK(find_program("sh", std::nullopt).filename() == "sh");  // default /bin:/usr/bin
    CHECK(code_of([&] { find_program("no-such-tool", path); }) == ExitCode::NotFound);
    CHECK(code_of([&] { find_program("data", path); }) == ExitCode::NotExecutable);
    CHECK(code_of([&] { find_program((dir.path / "data").string(), path); }) ==
          ExitCode::NotExecutable);
    CHECK(code_of([&] { find_program(dir.path.string(), path); }) == ExitCode::NotExecutable);
    CHECK(code_of([&] { find_program((dir.path / "nope").string(), path); }) == ExitCode::NotFound);
    CHECK(code_of([&] { find_program("", path); }) == ExitCode::NotFound);
}

TEST_CASE("env_checks: a script is judged by its interpreter", "[launcher]")
{
    TempDir dir;
    const auto direct = dir.file("a.sh", "#!/bin/sh\n", 0755);
    const auto via_env = dir.file("b.py", "#!/usr/bin/env -S sh -e\n", 0755);
    const auto nested = dir.file("c", "#!" + direct.string() + "\n", 0755);
    const auto missing = dir.file("d", "#!/no/such/interpreter\n", 0755);
    const auto env_missing = dir.file("e", "#!/usr/bin/env no-such-program-xyz\n", 0755);
    const auto garbage = dir.file("f", "just text\n", 0755);

    CHECK(exec_chain(direct, "/bin:/usr/bin") == std::vector<fs::path>{direct, "/bin/sh"});
    const auto chain = exec_chain(via_env, "/usr/bin:/bin");
    REQUIRE(chain.size() == 3);
    CHECK(chain[1] == "/usr/bin/env");
    CHECK(chain[2].filename() == "sh");
    CHECK(exec_chain(nested, std::nullopt).back() == "/bin/sh");
    CHECK(code_of([&] { exec_chain(missing, std::nullopt); }) == ExitCode::NotExecutable);
    CHECK(code_of([&] { exec_chain(env_missing, "/usr/bin:/bin"); }) == ExitCode::NotFound);
    CHECK(code_of([&] { exec_chain(garbage, std::nullopt); }) == ExitCode::NotExecutable);
}

TEST_CASE("env_checks: static and dynamic binaries, from their ELF headers", "[launcher]")
{
    CHECK(elf_linkage("/bin/true") == Linkage::Dynamic);
    CHECK(elf_linkage("/bin/sh") == Linkage::Dynamic);
    CHECK(elf_linkage("/etc/hostname") == Linkage::NotElf);
    CHECK(elf_linkage("/no/such/file") == Linkage::NotElf);
    CHECK_NOTHROW(check_preload_reaches({"/bin/true"}));
#ifdef SCIAGRAPH_STATIC_PROBE
    CHECK(elf_linkage(SCIAGRAPH_STATIC_PROBE) == Linkage::Static);
    try {
        check_preload_reaches({SCIAGRAPH_STATIC_PROBE});
        FAIL("a static binary was accepted");
    } catch (const LaunchError& error) {
        CHECK(error.code() == ExitCode::CannotStart);
        CHECK(error.unsupported());
        CHECK(std::string(error.what()).find("statically linked") != std::string::npos);
    }
#else
    WARN("no static libc installed: the static-binary check runs on headers only");
#endif
}

TEST_CASE("env_checks: set-ID binaries that change credentials lose LD_PRELOAD", "[launcher]")
{
    const uid_t me = 1000;
    const gid_t us = 1000;
    CHECK(set_id_changes_credentials(04755, 0, 0, me, us));          // setuid root
    CHECK(set_id_changes_credentials(02755, me, 0, me, us));         // setgid another group
    CHECK_FALSE(set_id_changes_credentials(04755, me, us, me, us));  // setuid to oneself
    CHECK_FALSE(set_id_changes_credentials(0755, 0, 0, me, us));
    CHECK_FALSE(set_id_changes_credentials(04755, 0, 0, 0, 0));  // root running setuid root

    // A real setuid binary: refused unless it is ours (root running passwd keeps its uid).
    struct stat st {};
    if (::stat("/usr/bin/passwd", &st) == 0 && (st.st_mode & S_ISUID)) {
        bool refused = false;
        try {
            check_preload_reaches({"/usr/bin/passwd"});
        } catch (const LaunchError& error) {
            refused = error.unsupported();
        }
        CHECK(refused == (st.st_uid != ::geteuid()));
    }
}

TEST_CASE("core_locator: the core lies in ../lib/sciagraph from the executable", "[launcher]")
{
    const auto files = core_files_for("/opt/sg/bin/sciagraph");
    CHECK(files.library.filename() == "libsciagraph_preload.so");
    CHECK(files.library.parent_path().filename() == "sciagraph");
    CHECK(files.library.string().rfind("/opt/sg/lib", 0) == 0);
    try {
        locate_core("/nonexistent/bin/sciagraph");
        FAIL("a missing core was accepted");
    } catch (const LaunchError& error) {
        CHECK(error.code() == ExitCode::CannotStart);
        CHECK(error.unsupported());
    }
}
