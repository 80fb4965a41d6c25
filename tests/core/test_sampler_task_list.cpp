// Units of core/sampler/task_list and clocks: every thread of the process, from getdents64,
// and any thread's CPU clock from its TID.
#include "sampler/clocks.h"
#include "sampler/proc_dir.h"
#include "sampler/task_list.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace sciagraph::core::sampler;

namespace {

std::set<int32_t> listed_by_getdents()
{
    std::vector<int32_t> tids(8192);
    const long count = list_task_tids(tids.data(), tids.size());
    REQUIRE(count > 0);
    return {tids.begin(), tids.begin() + count};
}

std::set<int32_t> listed_by_filesystem()
{
    std::set<int32_t> tids;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
        tids.insert(std::stoi(entry.path().filename().string()));
    }
    return tids;
}

}  // namespace

TEST_CASE("task_list: lists the same threads as /proc/self/task read by std::filesystem",
          "[sampler]")
{
    std::atomic<bool> release{false};
    std::atomic<int> started{0};
    std::vector<std::thread> threads;
    for (int round = 0; round < 5; ++round) {
        // 40 more threads each round: more than one 4 KiB getdents buffer by the end.
        for (int i = 0; i < 40; ++i) {
            threads.emplace_back([&] {
                ++started;
                while (!release.load()) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
            });
        }
        while (started.load() < static_cast<int>(threads.size())) {
            std::this_thread::yield();
        }
        const auto ours = listed_by_getdents();
        CHECK(ours == listed_by_filesystem());
        CHECK(ours.size() >= threads.size() + 1);
        CHECK(ours.count(static_cast<int32_t>(gettid())) == 1);
    }
    release = true;
    for (auto& thread : threads) {
        thread.join();
    }
}

TEST_CASE("task_list: truncates to the room given and survives thread churn", "[sampler]")
{
    std::atomic<bool> stop{false};
    std::thread spawner([&] {
        while (!stop.load()) {
            std::thread([] {}).join();
        }
    });
    int32_t few[3];
    for (int i = 0; i < 200; ++i) {
        const long count = list_task_tids(few, 3);
        REQUIRE(count >= 1);
        REQUIRE(count <= 3);
    }
    stop = true;
    spawner.join();
}

TEST_CASE("clocks: a thread's CPU clock from its TID matches its own clock", "[sampler]")
{
    std::atomic<int32_t> tid{0};
    std::atomic<bool> done{false};
    std::atomic<int64_t> own_at_end{0};
    std::thread busy([&] {
        tid = static_cast<int32_t>(gettid());
        while (own_cpu_ns() < 30'000'000) {  // CPU, not wall: the machine may be busy
        }
        own_at_end = own_cpu_ns();
        while (!done.load()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    while (own_at_end.load() == 0) {
        std::this_thread::yield();
    }
    const int64_t seen = thread_cpu_ns(tid.load());
    CHECK(seen >= own_at_end.load());
    CHECK(seen < own_at_end.load() + 20'000'000);  // the sleeping loop costs next to nothing
    CHECK(seen >= 30'000'000);
    done = true;
    busy.join();
}

TEST_CASE("clocks: a thread that has ended reads as gone", "[sampler]")
{
    std::atomic<int32_t> tid{0};
    std::thread([&] { tid = static_cast<int32_t>(gettid()); }).join();
    // The TID could in principle be reused at once by another thread of ours; none is started.
    // join() returns when the kernel clears the TID, a moment before it releases the task, so
    // the clock may still answer briefly: allow it a second to go.
    int64_t seen = 0;
    for (int i = 0; i < 1000 && (seen = thread_cpu_ns(tid.load())) != -1; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    CHECK(seen == -1);
    CHECK(thread_cpu_ns(static_cast<int32_t>(gettid())) > 0);
}

TEST_CASE("clocks: another process's TID reads as gone", "[sampler]")
{
    CHECK(thread_cpu_ns(static_cast<int32_t>(getppid())) == -1);  // our parent: not ours
}

TEST_CASE("proc_dir: task file paths are built in place, and refused when they do not fit",
          "[core][sampler]")
{
    char path[48];
    REQUIRE(task_file_path(1234, "schedstat", path, sizeof path));
    CHECK(std::string(path) == "/proc/self/task/1234/schedstat");
    REQUIRE(task_file_path(2147483647, "stat", path, sizeof path));
    CHECK(std::string(path) == "/proc/self/task/2147483647/stat");
    char small[26];  // one short of "/proc/self/task/1234/stat" and its NUL
    CHECK_FALSE(task_file_path(1234, "stat", small, sizeof small - 1));
    CHECK(task_file_path(1234, "stat", small, sizeof small));
    CHECK(parse_entry_number("4096") == 4096);
    CHECK(parse_entry_number("..") == -1);
    CHECK(parse_entry_number("2147483648") == -1);
}
