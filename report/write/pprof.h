// report/write/pprof.h — a profile as pprof's protobuf (profile.proto of github.com/google/pprof),
// gzipped: `profile.pb.gz`, what `go tool pprof`, Grafana Pyroscope and Parca read. Encoded by
// hand (varints and length-delimited fields), compressed with zlib's gzip framing.
//
// One file holds all that a process recorded, one sample type per metric, as design.md's
// contract names it (`go tool pprof -sample_index=cpu` picks another than the default):
//
//   inuse_space/bytes   memory at the peak: the memory tree's self bytes
//   cpu/nanoseconds     time on CPU: the time tree's first metric (µs) × 1000
//   wait/nanoseconds    time waiting (sleep, I/O, locks, the GIL): its second metric × 1000
//   samples/count       a folded-stacks input, whose unit is unknown
//
// Only the families the dump's mode recorded are there (the caller leaves the others' trees
// null). There is no
// `inuse_objects`: the core samples allocations by bytes (a Poisson draw per byte, large
// allocations always), so it knows bytes per stack but not how many objects make them up; an
// object count derived from the samples would be an invention, not a measurement.
//
// The default sample type is inuse_space when memory was recorded, else cpu (else samples). A
// profile has one period: it is the default type's, `space/bytes` with the mean bytes between
// memory samples, or `cpu/nanoseconds` with 1e9 / the sampler's rate. Memory and time share the
// file's locations and functions; each tree's stacks are samples of their own, with 0 in the
// other family's types.
//
// Why one file and not one per family: `go tool pprof` reads several sample types and picks one
// with -sample_index, and one name is what the contract gives. The cost falls on Pyroscope and
// Parca, which name a series by its sample type and the profile's period type: the time of a
// run of both is `cpu:nanoseconds:space:bytes` there, not the `cpu:nanoseconds:cpu:nanoseconds`
// of a Go CPU profile (a `--mode time` run gives that).
//
// Frames: one Location per distinct frame, with one Line; one Function per (function, file),
// `name` the function, `filename` the file as the dump names it, no start_line (the core records
// the line a frame is at, not where its function starts). A pseudo-frame (`[native thread]`, a
// job view's `<command> [pid N]`) is a Function of that name with no file and line 0. No
// `system_name`: pprof demangles a function whose system_name equals its name, and takes
// `<module>`, `<listcomp>` or `<lambda>` for C++ template arguments (`go tool pprof` showed
// `<module>` as `<unknown>`). Every Location is in one Mapping that says its functions, files
// and lines are known: without one, `go tool pprof` makes up a mapping and tries to symbolise
// it ("Main binary filename not available").
#pragma once

#include "call_tree.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sciagraph::report {

struct PprofInput {
    // Each may be null (then its sample types are left out).
    const CallTree* memory = nullptr;    // metric 0: bytes at the peak
    const CallTree* time = nullptr;      // metric 0: CPU µs, metric 1: waiting µs
    const CallTree* samples = nullptr;   // folded input: both metrics together, a count
    uint64_t memory_interval_bytes = 0;  // mean bytes between memory samples; 0: unknown
    uint64_t time_hz = 0;                // time samples per second; 0: unknown
    int64_t time_nanos = 0;              // the profile's start, ns since the Unix epoch; 0: unknown
    int64_t duration_nanos = 0;          // 0: unknown
    std::vector<std::string> comments;   // shown by `go tool pprof -comments`
};

// The serialised Profile message, uncompressed.
std::string encode_pprof(const PprofInput& input);
// `data` with gzip framing (RFC 1952), deterministic (no time stamp, no file name).
std::string gzip_compress(std::string_view data);
// What profile.pb.gz holds: encode_pprof gzipped.
std::string render_pprof(const PprofInput& input);

}  // namespace sciagraph::report
