// launcher/main.cpp — `sciagraph`: parses the command line and hands over to a subcommand.
// Every failure becomes an exit status and one line on stderr; nothing escapes as a crash.
#include "cli.h"
#include "log.h"

#include <cstdlib>
#include <exception>
#include <iostream>

#include <malloc.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv)
{
    using namespace sciagraph::launcher;
    // Rendering builds and frees one process's trees and pages after another: with glibc's
    // default trim threshold (128 KiB) the heap top went back to the kernel after each process
    // and was faulted in again for the next (40,000 page faults rendering 400 small processes,
    // 2,100 with this; ~10 µs a fault on the VMs here: a fifth of the report's time). The
    // peak heap is the same either way; only its return to the kernel waits for the exit of
    // this short-lived process.
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    try {
        std::vector<std::string> args(argv + 1, argv + argc);
        const char* python = std::getenv("SCIAGRAPH_PYTHON");
        const std::string interpreter = python && *python ? python : "python3";
        if (auto stand_in = python_stand_in_args(argc > 0 ? argv[0] : "", args, interpreter)) {
            if (interpreter.find(kPythonStandIn) != std::string::npos) {
                std::cerr << "sciagraph: SCIAGRAPH_PYTHON names " << kPythonStandIn
                          << " itself; set it to the real interpreter" << std::endl;
                return 125;
            }
            args = std::move(*stand_in);
        }
        ParsedCli parsed = parse_cli(args);
        switch (parsed.action) {
        case ParsedCli::Action::Exit:
            std::cout << parsed.out << std::flush;
            if (!parsed.error.empty()) {
                std::cerr << "sciagraph: " << parsed.error << std::endl;
            }
            return parsed.exit_status;
        case ParsedCli::Action::DebugFailpoints:
            return run_debug_failpoints(std::cout);
        case ParsedCli::Action::Report:
            return run_report(parsed.report);
        case ParsedCli::Action::Run: {
            std::vector<std::string> entries;
            for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
                entries.emplace_back(*entry);
            }
            return run_run(parsed.run, env_map_from(environ), entries);
        }
        }
    } catch (const std::exception& error) {
        std::cerr << "sciagraph: internal error: " << error.what() << std::endl;
    } catch (...) {
        std::cerr << "sciagraph: internal error" << std::endl;
    }
    // Internal errors share the "could not start" status: most happen before the job starts.
    return 125;
}
