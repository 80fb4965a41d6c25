// report/diff_input.cpp — see diff_input.h. What the input is, is told as `sciagraph report
// PATH` tells it (render.cpp): a directory is a run, a file is a dump or record by its content
// (or its .sgdump name), anything else a folded file.
#include "diff_input.h"

#include "core/dump_format.h"
#include "dump_to_tree.h"
#include "folded_reader.h"
#include "mapped_file.h"
#include "profile_list.h"
#include "record_reader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <system_error>

namespace sciagraph::report {
namespace {

namespace fs = std::filesystem;
namespace meta = sciagraph::dump::meta;

std::optional<DiffInput> fail(Error& error, ExitStatus status, std::string message)
{
    error = {status, std::move(message)};
    return std::nullopt;
}

// The trees of a dump that its mode says were recorded (dump_to_tree.h).
std::optional<DiffInput> from_dump(const Dump& dump, const fs::path& path, Error& error)
{
    std::optional<DumpTrees> trees = build_trees(dump, error);
    if (!trees) {
        error.message = path.string() + ": " + error.message;
        return std::nullopt;
    }
    DiffInput input;
    const Recorded what = recorded(dump);
    if (what.memory) {
        input.memory = std::move(trees->memory);
    }
    if (what.time) {
        input.time = std::move(trees->time);
    }
    if (dump.truncated) {
        input.warnings.push_back(path.string() +
                                 ": cut short; compared up to its last complete section");
    }
    for (const std::string& w : dump.warnings) {
        input.warnings.push_back(path.string() + ": " + w);
    }
    return input;
}

std::optional<DiffInput> from_profile_file(const fs::path& path, Error& error)
{
    const DumpResult r = read_dump_file(path);
    if (!r.dump) {
        // read_dump_file names the file (by its name alone, or its path when it cannot open
        // it): the message names it once, by the path given.
        std::string message = r.error.message;
        const std::string named = path.filename().string() + ": ";
        if (message.starts_with(named)) {
            message.erase(0, named.size());
        }
        if (message.find(path.string()) == std::string::npos) {
            message = path.string() + ": " + message;
        }
        return fail(error, r.error.status, std::move(message));
    }
    std::optional<DiffInput> input = from_dump(*r.dump, path, error);
    if (input) {
        const auto pid = r.dump->meta_number(meta::kPid);
        input->what = pid ? "process " + std::to_string(static_cast<long>(*pid)) : "a process";
    }
    return input;
}

// sciagraph names its folded files by what they hold; another tool's file says nothing.
void set_folded_tree(DiffInput& input, const fs::path& path, std::unique_ptr<CallTree> tree)
{
    const std::string name = path.filename().string();
    if (name.starts_with("memory") || name.starts_with("job-peak")) {
        input.memory = std::move(tree);
        input.what = "folded stacks of memory";
    } else if (name.starts_with("time")) {
        input.time = std::move(tree);
        input.what = "folded stacks of time";
    } else {
        input.samples = std::move(tree);
        input.what = "folded stacks";
    }
}

std::optional<long> root_pid_from_summary(const fs::path& summary)
{
    std::error_code ec;
    if (!fs::is_regular_file(summary, ec)) {
        return std::nullopt;
    }
    std::ifstream in(summary);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object()) {
        return std::nullopt;
    }
    const auto it = j.find("root_pid");
    if (it == j.end() || !it->is_number_integer()) {
        return std::nullopt;
    }
    return it->get<long>();
}

// The root process's profile of a run directory: the one summary.json names; without it, the
// only profile, or the one whose parent was not profiled (the lowest such pid).
std::optional<fs::path> root_profile(const fs::path& dir, const std::vector<fs::path>& profiles)
{
    if (const auto root = root_pid_from_summary(dir / "summary.json")) {
        for (const fs::path& p : profiles) {
            if (pid_from_name(p) == root) {
                return p;
            }
        }
        return std::nullopt;
    }
    if (profiles.size() == 1) {
        return profiles.front();
    }
    std::set<long> pids;
    for (const fs::path& p : profiles) {
        if (const auto pid = pid_from_name(p)) {
            pids.insert(*pid);
        }
    }
    for (const fs::path& p : profiles) {
        const DumpResult r = read_dump_file(p);
        const auto ppid = r.dump ? r.dump->meta_number(meta::kParentPid) : std::nullopt;
        if (r.dump && (!ppid || pids.count(static_cast<long>(*ppid)) == 0)) {
            return p;
        }
    }
    return std::nullopt;
}

std::optional<DiffInput> from_directory(const fs::path& dir, Error& error)
{
    std::vector<fs::path> profiles = list_profiles(dir / "raw");
    if (profiles.empty()) {
        profiles = list_profiles(dir);
    }
    if (profiles.empty()) {
        return fail(error, ExitStatus::MissingInput,
                    dir.string() + ": no profile here (expected raw/*.sgdump or raw/*.sgrec)");
    }
    const std::optional<fs::path> root = root_profile(dir, profiles);
    if (!root) {
        return fail(error, ExitStatus::MissingInput,
                    dir.string() + ": the root process left no readable profile");
    }
    std::optional<DiffInput> input = from_profile_file(*root, error);
    if (input) {
        input->what = "run directory, root " + input->what;
        if (profiles.size() > 1) {
            input->warnings.push_back(dir.string() + ": only the root process is compared (" +
                                      std::to_string(profiles.size() - 1) +
                                      " child processes are not)");
        }
    }
    return input;
}

}  // namespace

std::optional<DiffInput> load_diff_input(const fs::path& path, Error& error)
{
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) {
        return fail(error, ExitStatus::MissingInput, path.string() + ": no such file or directory");
    }
    if (fs::is_directory(st)) {
        return from_directory(path, error);
    }
    const auto file = MappedFile::open(path, error);
    if (!file) {
        return std::nullopt;
    }
    if (file->size() == 0) {
        return fail(error, ExitStatus::Unreadable, path.string() + ": empty file");
    }
    if (read_as_record(file->data(), file->size(), path) ||
        looks_like_dump(file->data(), file->size()) ||
        path.extension() == sciagraph::dump::kFileSuffix) {
        return from_profile_file(path, error);
    }
    FoldedResult parsed = parse_folded(file->text(), file);
    if (!parsed.tree) {
        return fail(error, parsed.error.status, path.string() + ": " + parsed.error.message);
    }
    DiffInput input;
    if (parsed.bad_lines > 0) {
        input.warnings.push_back(path.string() + ": " + std::to_string(parsed.bad_lines) +
                                 " lines were not 'stack count' and were skipped (first: line " +
                                 std::to_string(parsed.first_bad_line) + ")");
    }
    set_folded_tree(input, path, std::move(parsed.tree));
    return input;
}

}  // namespace sciagraph::report
