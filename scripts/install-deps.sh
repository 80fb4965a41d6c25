#!/usr/bin/env bash
# Installs every build, test and e2e dependency from Debian 12 packages.
# Idempotent: apt-get skips what is already there. Used by the README and by .ci/run.
set -euo pipefail

packages=(
    # build
    build-essential cmake ninja-build pkg-config git
    # launcher and report libraries (zlib: the pprof export's gzip)
    libcli11-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libboost-dev libboost-filesystem-dev
    nlohmann-json3-dev zlib1g-dev
    # unit tests
    catch2 librapidcheck-dev
    # e2e: the two interpreters' workloads, CPython's own test suite, another allocator to
    # coexist with, the fuzzer's compiler, the report's browser check
    python3 python3-numpy python3-pandas libpython3.11-testsuite libjemalloc2
    clang libclang-rt-14-dev chromium
    # e2e checks pprof exports with go tool pprof
    golang-go
    # e2e.dask: Dask's distributed (a job on a local cluster of worker processes, `dask worker`
    # under sciagraph); Debian 12's is for /usr/bin/python3 only
    python3-distributed
    # e2e profiles srun and sbatch tasks on a one-node Slurm cluster it starts (test_slurm.py)
    slurm-wlm munge
    # static checks
    clang-tidy clang-format
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
