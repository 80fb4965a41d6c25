// launcher/job_env.cpp
#include "job_env.h"

#include <map>
#include <string_view>

namespace sciagraph::launcher {

std::string prepend_path_list(const std::string& ours, const std::optional<std::string>& theirs)
{
    if (!theirs || theirs->empty()) {
        return ours;
    }
    return ours + ":" + *theirs;
}

namespace {

std::string_view name_of(std::string_view entry)
{
    return entry.substr(0, entry.find('='));
}

std::optional<std::string> value_of(const std::vector<std::string>& env, std::string_view name)
{
    for (const auto& entry : env) {
        if (entry.size() > name.size() && entry[name.size()] == '=' && name_of(entry) == name) {
            return entry.substr(name.size() + 1);
        }
    }
    return std::nullopt;
}

}  // namespace

std::vector<std::string> job_environment(const std::vector<std::string>& parent,
                                         const std::optional<CoreEnvironment>& core)
{
    std::map<std::string, std::string, std::less<>> replacements;
    if (core) {
        replacements["LD_PRELOAD"] =
            prepend_path_list(core->core_library, value_of(parent, "LD_PRELOAD"));
        replacements[kDumpDirVar] = core->dump_dir;
        replacements[kCoreSettingsVar] = core->core_settings;
        replacements[kLauncherPidVar] = std::to_string(core->launcher_pid);
    }
    std::vector<std::string> env;
    env.reserve(parent.size() + replacements.size());
    std::map<std::string, bool, std::less<>> placed;
    for (const auto& entry : parent) {
        const std::string_view name = name_of(entry);
        if (!core && (name == kDumpDirVar || name == kCoreSettingsVar || name == kLauncherPidVar)) {
            continue;
        }
        auto found = replacements.find(name);
        if (found == replacements.end()) {
            env.push_back(entry);
        } else if (!placed[found->first]) {
            // First occurrence is the one getenv() sees; later duplicates are dropped so the
            // job cannot read a stale copy.
            env.push_back(found->first + "=" + found->second);
            placed[found->first] = true;
        }
    }
    for (const auto& [name, value] : replacements) {
        if (!placed[name]) {
            env.push_back(name + "=" + value);
        }
    }
    return env;
}

}  // namespace sciagraph::launcher
