// report/read/run_facts.cpp — see run_facts.h.
#include "run_facts.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace sciagraph::report {
namespace fs = std::filesystem;

RunFacts read_run_facts(const fs::path& summary_path)
{
    RunFacts facts;
    std::ifstream in(summary_path);
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (!j.is_object()) {
        return facts;
    }
    auto get_int = [&](const char* key) -> std::optional<long> {
        const auto it = j.find(key);
        return it != j.end() && it->is_number_integer() ? std::optional<long>(it->get<long>())
                                                        : std::nullopt;
    };
    auto get_double = [&](const char* key) -> std::optional<double> {
        const auto it = j.find(key);
        return it != j.end() && it->is_number() ? std::optional<double>(it->get<double>())
                                                : std::nullopt;
    };
    if (const auto it = j.find("command"); it != j.end() && it->is_array()) {
        for (const auto& arg : *it) {
            if (arg.is_string()) {
                facts.command.push_back(arg.get<std::string>());
            }
        }
    }
    if (const auto v = get_int("exit_code")) {
        facts.exit_code = static_cast<int>(*v);
    }
    if (const auto v = get_int("signal")) {
        facts.signal = static_cast<int>(*v);
    }
    facts.wall_seconds = get_double("wall_seconds");
    facts.cpu_seconds = get_double("cpu_seconds");
    facts.root_pid = get_int("root_pid");
    if (const auto it = j.find("version"); it != j.end() && it->is_string()) {
        facts.version = it->get<std::string>();
    }
    return facts;
}

}  // namespace sciagraph::report
