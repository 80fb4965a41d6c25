// tests/report/test_text.cpp — frame-name sanitising, escaping, number formatting.
#include "text.h"

#include <catch2/catch.hpp>

using namespace sciagraph::report;

namespace {
std::string sanitized(std::string_view name)
{
    std::string out;
    return sanitize_frame_name(name, out) ? out : std::string(name);
}
}  // namespace

TEST_CASE("text: frame names are made safe for folded output", "[report]")
{
    CHECK(sanitized("load (job.py:12)") == "load (job.py:12)");
    CHECK(sanitized("a;b") == "a:b");
    CHECK(sanitized("tick 42") == "tick_42");
    CHECK(sanitized("tick\t7") == "tick_7");
    CHECK(sanitized("x\r\ny") == "xy");
    CHECK(sanitized("") == "[unnamed]");
    CHECK(sanitized("\xff") == "\xEF\xBF\xBD");
    CHECK(sanitized("caf\xC3\xA9") == "caf\xC3\xA9");  // valid UTF-8 stays
    CHECK(sanitized("\xC3") == "\xEF\xBF\xBD");        // cut sequence
    CHECK(sanitized("42") == "42");                    // digits alone are a name, not a count
}

TEST_CASE("text: XML escaping covers markup characters", "[report]")
{
    std::string out;
    append_xml_escaped(out, "<module> & \"q\" 'a'");
    CHECK(out == "&lt;module&gt; &amp; &quot;q&quot; &#39;a&#39;");
}

TEST_CASE("text: JSON strings are safe inside an HTML script element", "[report]")
{
    std::string out;
    append_json_string(out, "</script>\"\\\n\x01");
    CHECK(out == "\"\\u003c/script\\u003e\\\"\\\\\\n\\u0001\"");
}

TEST_CASE("text: labels are cut on UTF-8 boundaries", "[report]")
{
    CHECK(fit_label("abcdef", 10) == "abcdef");
    CHECK(fit_label("abcdef", 4) == "ab..");
    CHECK(fit_label("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 3) == "\xC3\xA9..");
    CHECK(fit_label("abcdef", 2).empty());
}

TEST_CASE("text: numbers are written for people", "[report]")
{
    CHECK(human_bytes(17) == "17 B");
    CHECK(human_bytes(1536) == "1.50 KiB");
    CHECK(human_bytes(100.0 * 1024 * 1024) == "100 MiB");
    CHECK(human_micros(340) == "340 \xC2\xB5s");
    CHECK(human_micros(2310000) == "2.31 s");
    CHECK(human_micros(65e6) == "1 min 5 s");
    std::string d;
    append_double(d, 3.14159, 2);
    append_double(d, -0.004, 2);
    append_double(d, 12, 0);
    CHECK(d == "3.140.0012");
}

TEST_CASE("text: a Python frame that does not fit shows its function first", "[report]")
{
    CHECK(fit_label("load (etl/load.py:31)", 12) == "load ..");
    CHECK(fit_label("load (etl/load.py:31)", 40) == "load (etl/load.py:31)");
    CHECK(fit_label("load (etl/load.py:31)", 5) == "loa..");
}
