// launcher/output_template.cpp — see output_template.h.
#include "output_template.h"

#include "exit_codes.h"
#include "output_dir.h"

#include <climits>

#include <unistd.h>

namespace sciagraph::launcher {
namespace {

[[noreturn]] void refuse(std::string_view text, const std::string& why)
{
    throw LaunchError(ExitCode::CannotStart, "output path '" + std::string(text) + "': " + why);
}

// "{name}". Built by append: GCC 12 warns (-Wrestrict, a false positive) on "{" + std::string.
std::string braced(std::string_view name)
{
    std::string out;
    out.reserve(name.size() + 2);
    return out.append(1, '{').append(name).append(1, '}');
}

// A value fills one place in a path: it may hold slashes ({env:HOME}), but no `..` level, which
// would put the run somewhere the rest of the template does not say.
bool climbs(const std::string& value)
{
    size_t start = 0;
    while (start <= value.size()) {
        const size_t end = std::min(value.find('/', start), value.size());
        if (value.compare(start, end - start, "..") == 0) {
            return true;
        }
        start = end + 1;
    }
    return false;
}

std::string value_of(std::string_view text, std::string_view name, const TemplateValues& values)
{
    if (name == "host") {
        return values.host;
    }
    if (name == "pid") {
        return std::to_string(values.pid);
    }
    if (name == "time") {
        return local_time_stamp(values.time);
    }
    if (name.substr(0, 4) == "env:") {
        const std::string variable(name.substr(4));
        if (variable.empty()) {
            refuse(text, "{env:} names no variable");
        }
        const auto value = values.env ? values.env(variable) : std::nullopt;
        if (!value) {
            refuse(text, variable + " is not set");
        }
        if (value->empty()) {
            refuse(text, variable + " is empty");
        }
        return *value;
    }
    refuse(text, "unknown placeholder " + braced(name) +
                     " (known: {host}, {pid}, {time}, {env:NAME}; {{ and }} for braces)");
}

}  // namespace

TemplateValues
template_values_now(std::time_t now,
                    std::function<std::optional<std::string>(const std::string&)> env)
{
    TemplateValues values;
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) == 0) {
        values.host = host;
    }
    values.pid = ::getpid();
    values.time = now;
    values.env = std::move(env);
    return values;
}

std::string expand_output_template(std::string_view text, const TemplateValues& values)
{
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            out += c;
            ++i;
            continue;
        }
        if (c == '}') {
            refuse(text, "a '}' without its '{' (write }} for a brace)");
        }
        if (c != '{') {
            out += c;
            continue;
        }
        const size_t close = text.find('}', i + 1);
        if (close == std::string_view::npos) {
            refuse(text, "a '{' without its '}' (write {{ for a brace)");
        }
        const std::string_view name = text.substr(i + 1, close - i - 1);
        const std::string value = value_of(text, name, values);
        if (value.empty()) {
            refuse(text, braced(name) + " is empty on this machine");
        }
        if (climbs(value)) {
            refuse(text, braced(name) + " is '" + value + "', which holds '..'");
        }
        out += value;
        i = close;
    }
    return out;
}

}  // namespace sciagraph::launcher
