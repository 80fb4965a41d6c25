// The code cache: names copied once, ids stable, a new code object at a reused address told
// apart from the old one.
#include "python/code_cache.h"
#include "test_python_fakes.h"

#include <catch2/catch.hpp>

#include <string>

using namespace sciagraph::core::python;
using sciagraph::core::python::fakes::fake_python;
using sciagraph::core::python::fakes::FakePython;

namespace {

CodeKey key_of(uintptr_t code)
{
    const Layout& l = kLayout311;
    auto field = [&](size_t offset) { return *reinterpret_cast<const uintptr_t*>(code + offset); };
    return CodeKey{code, field(l.code_qualname), field(l.code_filename), field(l.code_linetable),
                   *reinterpret_cast<const int32_t*>(code + l.code_firstlineno)};
}

const CodeEntry* lookup(uintptr_t code)
{
    return code_cache_lookup(key_of(code), &PlainReader::read);
}

}  // namespace

TEST_CASE("code cache: a code object keeps one entry with its names copied", "[python]")
{
    FakePython& py = fake_python();
    uintptr_t code = py.code(py.ascii("Klass.method"), py.ascii("/src/app.py"), 40);
    const CodeEntry* first = lookup(code);
    REQUIRE(first != nullptr);
    CHECK(std::string(first->info.function) == "Klass.method");
    CHECK(std::string(first->info.file) == "/src/app.py");
    CHECK(first->info.first_line == 40);
    CHECK(first->info.id >= 1);
    CHECK(lookup(code) == first);
    CHECK(code_info(first->info.id) == &first->info);
    CHECK(code_entry_line(*first, 0) == 41);
    CHECK(code_entry_line(*first, 5) == 46);
    CHECK(code_entry_line(*first, 5) == 46);  // from the line cache
    CHECK(code_entry_line(*first, -1) == 40);
    CHECK(code_entry_line(*first, 1000) == 0);
    CHECK_FALSE(code_cache_full());
}

TEST_CASE("code cache: a new code object at a reused address gets a new entry", "[python]")
{
    FakePython& py = fake_python();
    uintptr_t code = py.code(py.ascii("old_function"), py.ascii("old.py"), 10);
    const CodeEntry* old_entry = lookup(code);
    REQUIRE(old_entry != nullptr);

    // The old code object dies; a new one is built at the same address with its own strings.
    uintptr_t replacement = py.code(py.ascii("new_function"), py.ascii("new.py"), 99);
    std::memcpy(reinterpret_cast<void*>(code), reinterpret_cast<const void*>(replacement),
                kLayout311.code_code_adaptive);
    const CodeEntry* new_entry = lookup(code);
    REQUIRE(new_entry != nullptr);
    CHECK(new_entry != old_entry);
    CHECK(new_entry->info.id != old_entry->info.id);
    CHECK(std::string(new_entry->info.function) == "new_function");
    CHECK(new_entry->info.first_line == 99);
    // The old CodeInfo is still what it was: stacks recorded before keep their names.
    CHECK(std::string(old_entry->info.function) == "old_function");
    CHECK(std::string(old_entry->info.file) == "old.py");
    CHECK(lookup(code) == new_entry);

    // Only the first line differs (same strings reused): still a different code object.
    FakePython::put_at<int32_t>(code, kLayout311.code_firstlineno, 7);
    const CodeEntry* third = lookup(code);
    REQUIRE(third != nullptr);
    CHECK(third != new_entry);
    CHECK(third->info.first_line == 7);
}

TEST_CASE("code cache: missing or odd names become <unknown>", "[python]")
{
    FakePython& py = fake_python();
    SECTION("NULL pointers")
    {
        const CodeEntry* e = lookup(py.code(0, 0, 1));
        REQUIRE(e != nullptr);
        CHECK(std::string(e->info.function) == "<unknown>");
        CHECK(std::string(e->info.file) == "<unknown>");
    }
    SECTION("empty strings")
    {
        const CodeEntry* e = lookup(py.code(py.ascii(""), py.ascii(""), 1));
        REQUIRE(e != nullptr);
        CHECK(std::string(e->info.function) == "<unknown>");
        CHECK(std::string(e->info.file) == "<unknown>");
    }
    SECTION("an object that is not a str")
    {
        uintptr_t not_a_str = py.bytes({'a', 'b'});
        const CodeEntry* e = lookup(py.code(not_a_str, py.ascii("f.py"), 1));
        REQUIRE(e != nullptr);
        CHECK(std::string(e->info.function) == "<unknown>");
        CHECK(std::string(e->info.file) == "f.py");
    }
    SECTION("no line table")
    {
        uintptr_t code = py.code(py.ascii("f"), py.ascii("f.py"), 3);
        FakePython::put_at<uintptr_t>(code, kLayout311.code_linetable, 0);
        const CodeEntry* e = lookup(code);
        REQUIRE(e != nullptr);
        CHECK(code_entry_line(*e, 0) == 0);
    }
}

TEST_CASE("code cache: ids are dense and all reachable", "[python]")
{
    FakePython& py = fake_python();
    uint32_t before = code_cache_size();
    for (int i = 0; i < 100; ++i) {
        std::string name = "f";
        name += std::to_string(i);  // not "f" + ...: GCC 12 -O2 warns falsely (-Wrestrict)
        REQUIRE(lookup(py.code(py.ascii(name), py.ascii("many.py"), i)));
    }
    CHECK(code_cache_size() == before + 100);
    for (uint32_t id = 1; id <= code_cache_size(); ++id) {
        const CodeInfo* info = code_info(id);
        REQUIRE(info != nullptr);
        CHECK(info->id == id);
    }
    CHECK(code_info(0) == nullptr);
    CHECK(code_info(code_cache_size() + 1) == nullptr);
}
