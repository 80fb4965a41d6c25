// report/read/profile_list.cpp — see profile_list.h.
#include "profile_list.h"

#include "core/dump_format.h"
#include "core/record_format.h"
#include "dump_reader.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <system_error>

namespace sciagraph::report {

namespace fs = std::filesystem;

std::vector<fs::path> pick_profiles(std::vector<fs::path> files,
                                    const std::function<bool(const fs::path&)>& is_final_dump)
{
    struct Pair {
        std::optional<fs::path> dump, record;
    };
    std::map<fs::path, Pair> by_name;  // the path without its suffix: the process
    for (fs::path& file : files) {
        const fs::path ext = file.extension();
        if (ext == sciagraph::dump::kFileSuffix) {
            by_name[fs::path(file).replace_extension()].dump = std::move(file);
        } else if (ext == sciagraph::record::kFileSuffix) {
            by_name[fs::path(file).replace_extension()].record = std::move(file);
        }
    }
    std::vector<fs::path> picked;
    for (auto& [name, pair] : by_name) {
        if (pair.dump && pair.record) {
            picked.push_back(is_final_dump(*pair.dump) ? *pair.dump : *pair.record);
        } else {
            picked.push_back(pair.dump ? *pair.dump : *pair.record);
        }
    }
    std::sort(picked.begin(), picked.end());
    return picked;
}

std::vector<fs::path> list_profiles(const fs::path& dir)
{
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        files.push_back(it->path());
    }
    return pick_profiles(std::move(files), [](const fs::path& dump) {
        const DumpResult r = read_dump_file(dump);
        return r.dump && r.dump->meta_value(sciagraph::dump::meta::kFinal) == "1";
    });
}

std::optional<long> pid_from_name(const fs::path& path)
{
    const std::string stem = path.stem().string();
    long pid = 0;
    const auto [ptr, ec] = std::from_chars(stem.data(), stem.data() + stem.size(), pid);
    if (ec != std::errc() || ptr != stem.data() + stem.size() || pid <= 0) {
        return std::nullopt;
    }
    return pid;
}

}  // namespace sciagraph::report
