// tests/launcher/test_job_env.cpp
#include "job_env.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>

using namespace sciagraph::launcher;

namespace {

std::vector<std::string> split(const std::string& text, char separator)
{
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        auto end = text.find(separator, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string::npos) {
            return parts;
        }
        start = end + 1;
    }
}

std::optional<std::string> get(const std::vector<std::string>& env, const std::string& name)
{
    for (const auto& entry : env) {
        if (entry.rfind(name + "=", 0) == 0) {
            return entry.substr(name.size() + 1);
        }
    }
    return std::nullopt;
}

const CoreEnvironment kCore{"/opt/sg/lib/sciagraph/libsciagraph_preload.so", "/out/raw",
                            "mode=both;sample_bytes=262144;time_hz=100;persist_ms=1000;"
                            "on_unsupported=fail",
                            777};

}  // namespace

TEST_CASE("job_env: ours first, the user's entries kept in order", "[launcher]")
{
    rc::prop("prepend keeps every user entry, in order, after ours", [] {
        const auto entries = *rc::gen::container<std::vector<std::string>>(rc::gen::nonEmpty(
            rc::gen::container<std::string>(rc::gen::elementOf(std::string("abz/._- 0")))));
        std::string theirs;
        for (const auto& entry : entries) {
            theirs += (theirs.empty() ? "" : ":") + entry;
        }
        const std::string composed = prepend_path_list("/core.so", theirs);
        const auto parts = split(composed, ':');
        RC_ASSERT(parts.front() == "/core.so");
        if (theirs.empty()) {
            RC_ASSERT(parts.size() == 1u);
        } else {
            RC_ASSERT(composed == "/core.so:" + theirs);  // byte for byte, spaces included
            RC_ASSERT(std::vector<std::string>(parts.begin() + 1, parts.end()) == entries);
        }
    });
    CHECK(prepend_path_list("/c.so", std::nullopt) == "/c.so");
    CHECK(prepend_path_list("/c.so", std::string()) == "/c.so");
    CHECK(prepend_path_list("/c.so", std::string("a.so b.so")) == "/c.so:a.so b.so");
}

TEST_CASE("job_env: LD_PRELOAD and the core's variables are set, PYTHONPATH left alone",
          "[launcher]")
{
    const std::vector<std::string> parent = {"HOME=/root", "LD_PRELOAD=libjemalloc.so.2",
                                             "PYTHONPATH=/a:/b", "SCIAGRAPH_FAILPOINTS=all",
                                             "PATH=/usr/bin"};
    const auto env = job_environment(parent, kCore);
    CHECK(get(env, "LD_PRELOAD") == kCore.core_library + ":libjemalloc.so.2");
    CHECK(get(env, "PYTHONPATH") == "/a:/b");
    CHECK(get(env, "SCIAGRAPH_CORE_DUMP_DIR") == "/out/raw");
    CHECK(get(env, "SCIAGRAPH_CORE_SETTINGS") == kCore.core_settings);
    CHECK(get(env, "SCIAGRAPH_CORE_LAUNCHER_PID") == "777");
    CHECK(get(env, "SCIAGRAPH_FAILPOINTS") == "all");  // the core's own, untouched
    CHECK(env[0] == "HOME=/root");                     // order kept
    CHECK(env[4] == "PATH=/usr/bin");
    CHECK(env.size() == parent.size() + 3);  // the three SCIAGRAPH_CORE_ variables
}

TEST_CASE("job_env: without user values only ours; stale core variables replaced", "[launcher]")
{
    const std::vector<std::string> parent = {"SCIAGRAPH_CORE_DUMP_DIR=/elsewhere", "X=1",
                                             "SCIAGRAPH_CORE_DUMP_DIR=/twice"};
    const auto env = job_environment(parent, kCore);
    CHECK(get(env, "LD_PRELOAD") == kCore.core_library);
    CHECK(std::none_of(env.begin(), env.end(), [](const std::string& entry) {
        return entry.rfind("PYTHONPATH=", 0) == 0;
    }));
    CHECK(std::count_if(env.begin(), env.end(), [](const std::string& entry) {
              return entry.rfind("SCIAGRAPH_CORE_DUMP_DIR=", 0) == 0;
          }) == 1);
    CHECK(get(env, "SCIAGRAPH_CORE_DUMP_DIR") == "/out/raw");
}

TEST_CASE("job_env: an unprofiled job gets the user's environment without core variables",
          "[launcher]")
{
    const std::vector<std::string> parent = {"LD_PRELOAD=mine.so", "SCIAGRAPH_CORE_SETTINGS=x",
                                             "SCIAGRAPH_CORE_LAUNCHER_PID=1", "A=b"};
    const auto env = job_environment(parent, std::nullopt);
    CHECK(env == std::vector<std::string>{"LD_PRELOAD=mine.so", "A=b"});
}
