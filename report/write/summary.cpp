// report/write/summary.cpp — see summary.h.
#include "summary.h"

#include "core/dump_format.h"
#include "record_reader.h"
#include "text.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace sciagraph::report {
namespace {

namespace meta = sciagraph::dump::meta;

nlohmann::json number_or_null(const Dump* dump, const char* key)
{
    if (dump == nullptr) {
        return nullptr;
    }
    const auto value = dump->meta_number(key);
    if (!value) {
        return nullptr;
    }
    // Integers stay integers in JSON, so scripts can compare byte counts exactly.
    if (*value >= 0 && *value < 1.8e19 && std::floor(*value) == *value) {
        return static_cast<unsigned long long>(*value);
    }
    return *value;
}

nlohmann::json string_or_null(const Dump* dump, const char* key)
{
    if (dump == nullptr) {
        return nullptr;
    }
    const auto value = dump->meta_value(key);
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

ProcessEntry
make_process_entry(long pid, const Dump* dump, const std::string& status, const std::string& error)
{
    ProcessEntry e;
    e.pid = pid;
    e.error = error;
    nlohmann::json& j = e.json;
    j["pid"] = pid;
    j["ppid"] = number_or_null(dump, meta::kParentPid);
    j["peak_bytes"] = number_or_null(dump, meta::kPeakBytes);
    j["python_version"] = string_or_null(dump, meta::kPythonVersion);
    std::string s = status;
    if (dump != nullptr) {
        s = dump->meta_value(meta::kStatus).value_or("ok");
    }
    j["status"] = s;
    j["disabled_reason"] = string_or_null(dump, meta::kDisabledReason);
    j["mode"] = string_or_null(dump, meta::kMode);
    j["dump"] = nullptr;
    j["truncated"] = dump != nullptr && dump->truncated;
    j["final"] = dump != nullptr && dump->meta_value(meta::kFinal).value_or("0") == "1";
    j["ended"] = string_or_null(dump, meta::kEnded);
    j["from_record"] = dump != nullptr && dump->meta_value(kMetaFromRecord).value_or("0") == "1";
    j["time_samples"] = number_or_null(dump, meta::kTimeSamples);
    j["time_failed_reads"] = number_or_null(dump, meta::kTimeFailedReads);
    j["sampler_cpu_seconds"] = number_or_null(dump, meta::kSamplerCpuSeconds);
    j["memory_sample_interval_bytes"] = number_or_null(dump, meta::kSampleIntervalBytes);
    j["wall_seconds"] = number_or_null(dump, meta::kWallSeconds);
    j["cpu_seconds"] = number_or_null(dump, meta::kCpuSeconds);
    j["time_stopped_reason"] = string_or_null(dump, "time_stopped_reason");
    j["time_reads_moved"] = number_or_null(dump, "time_reads_moved");
    j["time_gil_known"] = number_or_null(dump, "time_gil_known");
    // Debug builds of the core count named branches (`mark:<name>` meta keys): the e2e suite
    // asserts that the cases it targets were really reached.
    nlohmann::json marks = nlohmann::json::object();
    if (dump != nullptr) {
        for (const auto& [key, value] : dump->meta) {
            if (key.rfind("mark:", 0) == 0) {
                marks[key.substr(5)] = std::strtoull(value.c_str(), nullptr, 10);
            }
        }
    }
    j["coverage_marks"] = marks;
    j["dir"] = nullptr;
    if (!error.empty()) {
        j["error"] = error;
    }
    return e;
}

nlohmann::json make_run_summary(const RunFacts& run,
                                const std::vector<ProcessEntry>& processes,
                                std::optional<unsigned long long> peak_bytes,
                                const std::vector<std::string>& warnings)
{
    nlohmann::json j;
    j["format_version"] = 1;
    j["version"] = run.version;
    j["command"] = run.command;
    j["exit_code"] = run.exit_code ? nlohmann::json(*run.exit_code) : nlohmann::json(nullptr);
    j["signal"] = run.signal ? nlohmann::json(*run.signal) : nlohmann::json(nullptr);
    j["wall_seconds"] =
        run.wall_seconds ? nlohmann::json(*run.wall_seconds) : nlohmann::json(nullptr);
    j["cpu_seconds"] = run.cpu_seconds ? nlohmann::json(*run.cpu_seconds) : nlohmann::json(nullptr);
    j["root_pid"] = run.root_pid ? nlohmann::json(*run.root_pid) : nlohmann::json(nullptr);
    j["peak_bytes"] = peak_bytes ? nlohmann::json(*peak_bytes) : nlohmann::json(nullptr);
    j["processes"] = nlohmann::json::array();
    for (const ProcessEntry& p : processes) {
        j["processes"].push_back(p.json);
    }
    j["warnings"] = warnings;
    return j;
}

std::string sampling_note(std::optional<double> interval_bytes)
{
    if (!interval_bytes || *interval_bytes <= 1) {
        return "every allocation recorded: per-stack values are exact";
    }
    // A stack of B bytes is seen through about B/R samples of R bytes each, so its estimate
    // has a relative standard error of about sqrt(R/B).
    std::string out = "stacks sampled every " + human_bytes(*interval_bytes) + " on average: ";
    bool first = true;
    for (double b : {1024.0 * 1024, 10.0 * 1024 * 1024, 100.0 * 1024 * 1024}) {
        const double error = std::sqrt(*interval_bytes / b) * 100;
        if (error > 50) {
            continue;  // too rough to be worth stating
        }
        out += first ? "a stack of " : ", of ";
        out += human_bytes(b);
        out += " \xC2\xB1";
        append_double(out, error, error < 10 ? 1 : 0);
        out += '%';
        first = false;
    }
    if (first) {
        out += "values are rough estimates";
    }
    return out;
}

std::string describe_exit(std::optional<int> exit_code, std::optional<int> signal)
{
    if (!exit_code && !signal) {
        return "unknown";
    }
    std::string out = exit_code ? std::to_string(*exit_code) : std::string("?");
    if (signal) {
        const std::string name = signal_name(*signal);
        out += " (killed by signal " + std::to_string(*signal);
        out += name.empty() ? std::string(")") : ": " + name + ")";
    }
    return out;
}

std::string signal_name(int signal)
{
    const char* name = sigabbrev_np(signal);
    return name != nullptr ? std::string("SIG") + name : std::string();
}

std::string describe_ended(const std::string& ended, std::optional<int> root_signal)
{
    if (ended != meta::kEndedKilled || !root_signal) {
        return ended;
    }
    const std::string name = signal_name(*root_signal);
    return "killed by signal " + std::to_string(*root_signal) +
           (name.empty() ? std::string() : " (" + name + ")") + " while recording";
}

std::string join_command(const std::vector<std::string>& command)
{
    std::string out;
    for (const std::string& arg : command) {
        if (!out.empty()) {
            out += ' ';
        }
        const bool quote = arg.empty() || arg.find_first_of(" \t\"'\\$`") != std::string::npos;
        if (!quote) {
            out += arg;
            continue;
        }
        out += '\'';
        for (char c : arg) {
            out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        }
        out += '\'';
    }
    return out;
}

}  // namespace sciagraph::report
