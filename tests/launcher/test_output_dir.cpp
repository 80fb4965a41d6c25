// tests/launcher/test_output_dir.cpp
#include "exit_codes.h"
#include "output_dir.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

using namespace sciagraph::launcher;
namespace fs = std::filesystem;

namespace {

using sciagraph::testing::TempDir;

std::string refusal(const std::function<void()>& action)
{
    try {
        action();
    } catch (const LaunchError& error) {
        CHECK(error.code() == ExitCode::CannotStart);
        return error.what();
    }
    return "(accepted)";
}

}  // namespace

TEST_CASE("output_dir: default name is sciagraph-result/<YYYYmmdd-HHMMSS>-<pid>", "[launcher]")
{
    const auto dir = default_output_dir(std::time(nullptr), 1234).string();
    CHECK(std::regex_match(dir, std::regex(R"(sciagraph-result/\d{8}-\d{6}-1234)")));
}

TEST_CASE("output_dir: created with parents, raw/ inside, umask respected", "[launcher]")
{
    TempDir tmp;
    const fs::path out = tmp.path / "a" / "b";
    const mode_t old = ::umask(027);
    prepare_output_dir(out);
    ::umask(old);
    CHECK(fs::is_directory(out / "raw"));
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0750);
    // An existing empty directory is fine too.
    fs::create_directory(tmp.path / "empty");
    CHECK_NOTHROW(prepare_output_dir(tmp.path / "empty"));
}

TEST_CASE("output_dir: raw/ and new files are never writable by others, whatever the umask",
          "[launcher]")
{
    TempDir tmp;
    const fs::path out = tmp.path / "out";
    const mode_t old = ::umask(0);
    prepare_output_dir(out);
    write_new_file(out, "config.toml", "x = 1\n");
    ::umask(old);
    struct stat st {};
    REQUIRE(::stat((out / "raw").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0775);  // the core refuses a dump directory others may write
    REQUIRE(::stat((out / "config.toml").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0664);
}

TEST_CASE("output_dir: refused when not empty, not a directory, or not creatable", "[launcher]")
{
    TempDir tmp;
    std::ofstream(tmp.path / "file") << "x";
    CHECK(refusal([&] { prepare_output_dir(tmp.path); }).find("is not empty") != std::string::npos);
    CHECK(refusal([&] { prepare_output_dir(tmp.path / "file"); }).find("cannot create") !=
          std::string::npos);
    CHECK(refusal([&] {
              prepare_output_dir(tmp.path / "file" / "sub");
          }).starts_with("cannot create output directory"));
    CHECK(refusal([] {
              prepare_output_dir("/proc/sciagraph-test");
          }).starts_with("cannot create output directory /proc/sciagraph-test"));
}

TEST_CASE("output_dir: new files are never written through links or over files", "[launcher]")
{
    TempDir tmp;
    write_new_file(tmp.path, "config.toml", "a = 1\n");
    std::stringstream text;
    text << std::ifstream(tmp.path / "config.toml").rdbuf();
    CHECK(text.str() == "a = 1\n");
    CHECK(refusal([&] { write_new_file(tmp.path, "config.toml", "b"); }).find("File exists") !=
          std::string::npos);
    fs::create_symlink(tmp.path / "target", tmp.path / "link.toml");
    CHECK(
        refusal([&] { write_new_file(tmp.path, "link.toml", "b"); }).starts_with("cannot create"));
    CHECK_FALSE(fs::exists(tmp.path / "target"));
}
