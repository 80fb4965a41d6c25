// tests/report/test_folded_reader.cpp — folded stacks from any tool, odd input included.
#include "folded_reader.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

using namespace sciagraph::report;

namespace {

FoldedResult parse(const std::string& text)
{
    auto owned = std::make_shared<std::string>(text);
    return parse_folded(*owned, owned);
}

uint64_t total(const FoldedResult& r)
{
    return r.tree ? r.tree->total0(CallTree::kRoot) : 0;
}

}  // namespace

TEST_CASE("folded_reader: tolerates blank lines, CRLF, tabs and trailing spaces", "[report]")
{
    const auto r = parse("\n a;b 1  \r\na;b\t2\r\n\n# comment line\n  \na;;c 3\n");
    REQUIRE(r.tree);
    CHECK(r.stacks == 3);
    CHECK(r.bad_lines == 0);
    CHECK(total(r) == 6);
    CHECK(r.tree->size() == 4);  // all, a, b, c: the empty frame is skipped
}

TEST_CASE("folded_reader: lines without a value are counted and skipped", "[report]")
{
    const auto r = parse("a;b 1\nno value here\na;c -2\na;d 1e3\na;e 4\n");
    REQUIRE(r.tree);
    CHECK(r.stacks == 2);
    CHECK(r.bad_lines == 3);
    CHECK(r.first_bad_line == 2);
    CHECK(total(r) == 5);
}

TEST_CASE("folded_reader: fractional and differential counts", "[report]")
{
    const auto r = parse("a;b 2.5\na;c 10 7\n");
    REQUIRE(r.tree);
    CHECK(total(r) == 10);  // 2.5 rounds to 3; the differential line counts its second value
}

TEST_CASE("folded_reader: refuses input with nothing to draw", "[report]")
{
    CHECK(parse("").error.status == ExitStatus::Unreadable);
    CHECK(parse("hello\nworld\n").error.status == ExitStatus::Corrupt);
    CHECK(parse(std::string("\x7f"
                            "ELF\0\0\0",
                            7))
              .error.status == ExitStatus::Corrupt);
    CHECK(parse("\n\n   \n").error.status == ExitStatus::Corrupt);
}

TEST_CASE("folded_reader: a large input is read in chunks on two threads and agrees", "[report]")
{
    std::string text;
    uint64_t sum = 0;
    for (int i = 0; text.size() < (9u << 20); ++i) {
        text += "main (app.py:1);work (app.py:" + std::to_string(i % 97) + ");leaf" +
                std::to_string(i % 1013) + " " + std::to_string(i % 5 + 1) + "\n";
        sum += static_cast<uint64_t>(i % 5 + 1);
    }
    const auto r = parse(text);
    REQUIRE(r.tree);
    CHECK(total(r) == sum);
    CHECK(r.tree->size() == 98360);  // all, main, 97 work lines, 98,261 distinct (work, leaf)
}

TEST_CASE("folded_reader: any text parses or fails cleanly", "[report]")
{
    rc::prop("no throw, no crash; totals add up when it parses", [] {
        const auto text = *rc::gen::container<std::string>(rc::gen::element<char>(
            'a', 'b', ';', ' ', '\t', '\n', '\r', '1', '2', '.', '#', '\0', '\xff'));
        const auto r = parse(text);
        RC_ASSERT((r.tree != nullptr) == (r.error.status == ExitStatus::Ok));
    });
}
