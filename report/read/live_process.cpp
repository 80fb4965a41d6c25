// report/read/live_process.cpp — see live_process.h.
#include "live_process.h"

#include "core/record_format.h"
#include "profile_list.h"

#include <charconv>
#include <fstream>
#include <string>
#include <thread>

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace sciagraph::report {

namespace fs = std::filesystem;

bool process_holds_record(long pid, const fs::path& record)
{
    struct stat st {};
    if (::stat(record.c_str(), &st) != 0) {
        return false;
    }
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    // Each line: address perms offset major:minor inode [path], the device in hex.
    std::string address, perms, offset, device;
    unsigned long long inode = 0;
    std::string rest;
    while (maps >> address >> perms >> offset >> device >> inode) {
        std::getline(maps, rest);
        if (inode != st.st_ino) {
            continue;
        }
        const auto colon = device.find(':');
        unsigned major_id = 0, minor_id = 0;
        if (colon == std::string::npos ||
            std::from_chars(device.data(), device.data() + colon, major_id, 16).ec != std::errc() ||
            std::from_chars(device.data() + colon + 1, device.data() + device.size(), minor_id, 16)
                    .ec != std::errc()) {
            continue;
        }
        if (major_id == major(st.st_dev) && minor_id == minor(st.st_dev)) {
            return true;
        }
    }
    return false;
}

std::vector<fs::path> records_still_held(const fs::path& dir)
{
    std::vector<fs::path> held;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() != record::kFileSuffix) {
            continue;
        }
        if (const auto pid = pid_from_name(it->path());
            pid && process_holds_record(*pid, it->path())) {
            held.push_back(it->path());
        }
    }
    return held;
}

std::vector<fs::path> wait_for_recording_processes(const fs::path& dir,
                                                   std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        std::vector<fs::path> held = records_still_held(dir);
        if (held.empty() || std::chrono::steady_clock::now() >= deadline) {
            return held;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace sciagraph::report
