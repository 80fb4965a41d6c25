#include "core/failpoints.h"
#include "core/settings.h"
#include "tests/temp_dir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace sciagraph::core;

TEST_CASE("settings: the launcher's string is parsed", "[core]")
{
    Settings s;
    const char* error = nullptr;
    REQUIRE(parse_settings("mode=memory;sample_bytes=1;time_hz=250;persist_ms=500;"
                           "on_unsupported=run-unprofiled",
                           "/tmp/out/raw", "1234", s, &error));
    CHECK(s.mode == Mode::Memory);
    CHECK(s.sample_bytes == 1);
    CHECK(s.time_hz == 250);
    CHECK(s.persist_ms == 500);
    CHECK_FALSE(s.fail_on_unsupported);
    CHECK(s.launcher_pid == 1234);
    CHECK(std::string(s.dump_dir) == "/tmp/out/raw");
}

TEST_CASE("settings: defaults when keys are missing; unknown keys are ignored", "[core]")
{
    Settings s;
    const char* error = nullptr;
    REQUIRE(parse_settings("future_key=3", "/x", nullptr, s, &error));
    CHECK(s.mode == Mode::Both);
    CHECK(s.sample_bytes == 256 * 1024);
    CHECK(s.time_hz == 100);
}

TEST_CASE("settings: bad values and a missing dump dir are refused", "[core]")
{
    Settings s;
    const char* error = nullptr;
    CHECK_FALSE(parse_settings("mode=fast", "/x", nullptr, s, &error));
    CHECK_FALSE(parse_settings("time_hz=0", "/x", nullptr, s, &error));
    CHECK_FALSE(parse_settings("time_hz=99999", "/x", nullptr, s, &error));
    CHECK_FALSE(parse_settings("sample_bytes=-5", "/x", nullptr, s, &error));
    CHECK_FALSE(parse_settings("nonsense", "/x", nullptr, s, &error));
    CHECK_FALSE(parse_settings("", nullptr, nullptr, s, &error));
    CHECK_FALSE(parse_settings("", "relative/path", nullptr, s, &error));
}

TEST_CASE("failpoints: names and 'all' turn them on", "[core]")
{
    failpoints_init("dump-write,alloc-hook,unknown-name");
    CHECK(failpoint(Failpoint::DumpWrite));
    CHECK(failpoint(Failpoint::AllocHook));
    CHECK_FALSE(failpoint(Failpoint::ForkHandler));
    failpoints_init("all");
    for (unsigned i = 0; i < static_cast<unsigned>(Failpoint::Count); ++i) {
        CHECK(failpoint(static_cast<Failpoint>(i)));
    }
    failpoints_init("");
    CHECK_FALSE(failpoint(Failpoint::DumpWrite));
}

TEST_CASE("settings: the dump directory must be this user's, and closed to others", "[core]")
{
    sciagraph::testing::TempDir scratch;
    const std::string good = scratch.path.string() + "/raw";
    REQUIRE(::mkdir(good.c_str(), 0755) == 0);
    CHECK(check_dump_dir(good.c_str()) == nullptr);

    REQUIRE(::chmod(good.c_str(), 0775) == 0);  // a umask of 002: group-writable is the user's
    CHECK(check_dump_dir(good.c_str()) == nullptr);

    REQUIRE(::chmod(good.c_str(), 0777) == 0);
    CHECK(std::string(check_dump_dir(good.c_str())) == "others may write to the dump directory");
    REQUIRE(::chmod(good.c_str(), 0755) == 0);

    const std::string link = scratch.path.string() + "/link";
    REQUIRE(::symlink(good.c_str(), link.c_str()) == 0);
    CHECK(std::string(check_dump_dir(link.c_str())) == "the dump directory is not a directory");

    const std::string file = scratch.path.string() + "/file";
    std::ofstream(file) << "x";
    CHECK(std::string(check_dump_dir(file.c_str())) == "the dump directory is not a directory");

    const std::string missing = scratch.path.string() + "/missing";
    CHECK(std::string(check_dump_dir(missing.c_str())) == "the dump directory cannot be opened");

    if (::geteuid() == 0) {  // root can hand a directory to another user
        REQUIRE(::chown(good.c_str(), 65534, 65534) == 0);
        CHECK(std::string(check_dump_dir(good.c_str())) ==
              "the dump directory belongs to another user");
    }
}
