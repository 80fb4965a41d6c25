#!/usr/bin/env bash
# The e2e suite's newer interpreters: CPython 3.13, 3.14 and 3.15 from Debian unstable ("sid"),
# which Debian 12 does not have, in a root made with debootstrap. The sciagraph launcher runs
# outside the root; the job runs inside it (`chroot ROOT /usr/bin/python3.X`), with the host's
# /tmp and this checkout bind-mounted at the same paths, so the LD_PRELOAD path of the core, the
# output directory and the tests' scratch files are the same on both sides.
#
#   scripts/python-root.sh            make the root once, mount what it needs; prints its path
#   scripts/python-root.sh --unmount  unmount everything under the root
#   scripts/python-root.sh --remove   unmount, then delete the root
#
#   SCIAGRAPH_PYROOT         where the root lives (default /var/cache/sciagraph/pyroot)
#   SCIAGRAPH_PYROOT_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
#
# Idempotent: a root whose stamp names the same suite and packages is kept as it is (making one
# takes about 2 min and 700 MB); each call only checks, and makes where missing, the mounts:
# proc, /dev (with /dev/pts and /dev/shm, which a plain bind of /dev leaves out), /tmp and the
# checkout. A new root is built under a temporary name and renamed into place once complete, so
# an interrupted run never leaves a half root that looks done. Runs as root (debootstrap, mount,
# chroot); installs debootstrap with apt-get if it is missing.
#
# Inside the root, /tmp and the checkout ARE the host's: deleting a root with them mounted would
# delete the host's /tmp and this checkout. Every deletion here goes through safe_remove, which
# unmounts first and refuses while anything at or under the directory is still mounted. Delete a
# root by hand only with `scripts/python-root.sh --remove`.
#
# The wrappers: ROOT/.sciagraph/bin/python3.X, one per version, written on every call. They live
# inside the root, beside its stamp, so every build directory using the root finds the same ones
# (CMake's SCIAGRAPH_E2E_PYROOT points at the root, nothing else), and a remade root comes with
# its own. `ROOT/.sciagraph/bin/python3.14 ARGS...` runs `/usr/bin/python3.14 ARGS...` inside the
# root, in the caller's working directory (which must be under /tmp or the checkout), with every
# argument passed through unchanged, and with the caller's pid: each step of
#   /bin/sh wrapper -> chroot -> the root's /bin/sh -> python3.X
# is an exec, so signals sent to the job's pid reach Python and its exit status is the job's.
# Those paths do not exist inside the root: a job that must start the interpreter again by path
# uses sys.executable (/usr/bin/python3.X), as the e2e programs do.
set -euo pipefail

top="$(cd "$(dirname "$0")/.." && pwd -P)"
root="${SCIAGRAPH_PYROOT:-/var/cache/sciagraph/pyroot}"
mirror="${SCIAGRAPH_PYROOT_MIRROR:-http://deb.debian.org/debian}"
suite=sid
versions=(3.13 3.14 3.15)
# numpy and pandas: sid builds them for 3.14 and 3.15 only. The testsuites: CPython's own
# regression tests (e2e/test_cpython_suite.py runs 3.14's). libjemalloc2: the hostile case that
# preloads jemalloc names it by its host path, which must exist inside too. libubsan1: the core of
# the debug/sanitizer build is linked against it.
packages=(python3.13 python3.14 python3.15 python3-numpy python3-pandas
          libpython3.14-testsuite libpython3.15-testsuite libjemalloc2 libubsan1)

say() { echo "python-root.sh: $*" >&2; }
die() { say "$*"; exit 1; }

case "$root" in
    /*) ;;
    *) die "SCIAGRAPH_PYROOT must be an absolute path: $root" ;;
esac
root="$(realpath -m -- "$root")"
# Written into the wrappers unquoted by anything but single quotes: plain characters only.
[[ "$root" =~ ^[A-Za-z0-9/._+-]+$ ]] || die "SCIAGRAPH_PYROOT may hold only A-Z a-z 0-9 / . _ + -"
# The root must not be a system directory, nor lie under what is mounted into it (a bind of /tmp
# at ROOT/tmp with ROOT under /tmp would loop back into itself).
case "$root" in
    /|/bin|/boot|/dev|/etc|/home|/lib|/lib64|/opt|/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr| \
    /var|/var/cache|/var/lib|/work|/bin/*|/boot/*|/dev/*|/etc/*|/lib/*|/lib64/*|/proc/*|/run/*| \
    /sbin/*|/sys/*|/tmp/*|/usr/*)
        die "refusing to use $root as the root: a system directory, or under one mounted into it" ;;
esac
case "$root/" in
    "$top"/*) die "refusing to use $root as the root: it lies in the checkout, mounted into it" ;;
esac

stamp="$root/.sciagraph/stamp"
wanted_stamp="suite=$suite
packages=${packages[*]}"

# Mount points at or under $1, deepest first (mountinfo escapes a space as \040).
mounts_under() {
    local dir="$1" target
    awk '{print $5}' /proc/self/mountinfo | while IFS= read -r target; do
        target="$(printf '%b' "$target")"
        case "$target" in
            "$dir"|"$dir"/*) printf '%s\n' "$target" ;;
        esac
    done | sort -r
}

unmount_all() {
    local target
    while IFS= read -r target; do
        [ -n "$target" ] || continue
        umount -- "$target" || say "could not unmount $target"
    done < <(mounts_under "$1")
}

# The only way anything here is deleted: unmount, then refuse while anything is still mounted.
safe_remove() {
    local dir="$1" left
    if [ -z "$dir" ] || [ "$dir" = / ]; then die "refusing to delete '$dir'"; fi
    [ -e "$dir" ] || return 0
    unmount_all "$dir"
    left="$(mounts_under "$dir")"
    if [ -n "$left" ]; then
        die "refusing to delete $dir: still mounted under it: $(echo "$left" | tr '\n' ' ')"
    fi
    rm -rf --one-file-system -- "$dir"
}

# Whether $1 and $2 are the same directory (device and inode).
same_directory() {
    [ "$(stat -c %d:%i -- "$1" 2>/dev/null)" = "$(stat -c %d:%i -- "$2" 2>/dev/null)" ]
}

bind_mount() {
    local source="$1" target="$2"
    mkdir -p -- "$target"
    if mountpoint -q -- "$target"; then
        # A mount already there may show another directory than $source: the checkout deleted
        # and cloned again at the same path leaves the bind of the old one (mountinfo shows it
        # as ".../main//deleted"), and every job would then start in a directory the root does
        # not have. Only a mount of this very directory is kept.
        same_directory "$source" "$target" && return 0
        say "$target showed an older $source: mounting it again"
        umount -- "$target" 2>/dev/null || umount -l -- "$target" ||
            die "cannot unmount the stale $target"
    fi
    mount --bind -- "$source" "$target"
    # Private: nothing mounted under it later (/dev/pts under /dev) propagates back to the
    # host's tree on a system whose mounts are shared (systemd's default).
    mount --make-private -- "$target"
}

ensure_mounts() {
    mkdir -p -- "$root/proc"
    mountpoint -q -- "$root/proc" || mount -t proc proc "$root/proc"
    bind_mount /dev "$root/dev"
    bind_mount /dev/pts "$root/dev/pts"
    bind_mount /dev/shm "$root/dev/shm"
    bind_mount /tmp "$root/tmp"
    case "$top/" in
        /tmp/*) ;;  # already inside through /tmp
        *) bind_mount "$top" "$root$top" ;;
    esac
}

write_wrappers() {
    local bin="$root/.sciagraph/bin" version wrapper
    mkdir -p -- "$bin"
    for version in "${versions[@]}"; do
        wrapper="$bin/python$version"
        cat > "$wrapper.new" <<EOF
#!/bin/sh
# python$version of the Debian $suite root $root, written by scripts/python-root.sh:
# runs /usr/bin/python$version inside the root, in the caller's working directory, with the
# caller's arguments and pid (every step is an exec).
if [ ! -d '$root/proc/self' ]; then
    echo "python$version: $root is not mounted: run scripts/python-root.sh" >&2
    exit 127
fi
exec /usr/sbin/chroot '$root' /bin/sh -c '
    cd "\$1" 2>/dev/null || {
        echo "python$version: the working directory \$1 is not inside $root (only /tmp and the checkout are)" >&2
        exit 127
    }
    shift
    exec /usr/bin/python$version "\$@"' sh "\$PWD" "\$@"
EOF
        chmod 755 "$wrapper.new"
        mv -f -- "$wrapper.new" "$wrapper"
    done
}

build_tmp=""

# Failures say what went wrong in one line (the whole story is in the log).
build_root() {
    local parent log old
    parent="$(dirname -- "$root")"
    mkdir -p -- "$parent"
    log="$root.debootstrap.log"
    if ! command -v debootstrap >/dev/null; then
        say "installing debootstrap"
        if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
               DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                   debootstrap; } >"$log" 2>&1; then
            die "could not install debootstrap: $(grep -E '^(E|W):' "$log" | tail -n 1) (log: $log)"
        fi
    fi
    # What an interrupted build left (debootstrap mounts proc and sys inside while it works).
    for old in "$root".new.* "$root".old.*; do
        [ -d "$old" ] && safe_remove "$old"
    done
    build_tmp="$(mktemp -d -- "$root.new.XXXXXX")"
    local tmp="$build_tmp"
    chmod 755 -- "$tmp"  # the root's /: other users inside (a test's user=nobody) must enter it
    trap 'safe_remove "$build_tmp"' EXIT
    say "making a Debian $suite root with ${packages[*]} (about 2 min; log: $log)"
    if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${packages[*]}")" \
            "$suite" "$tmp" "$mirror" >"$log" 2>&1; then
        die "debootstrap failed: $(grep -E '^E:' "$log" | tail -n 1) (log: $log)"
    fi
    unmount_all "$tmp"
    rm -f -- "$tmp"/var/cache/apt/archives/*.deb
    for version in "${versions[@]}"; do
        [ -x "$tmp/usr/bin/python$version" ] || die "the new root has no python$version"
    done
    mkdir -p -- "$tmp/.sciagraph"
    printf '%s\n' "$wanted_stamp" > "$tmp/.sciagraph/stamp"
    if [ -e "$root" ]; then
        unmount_all "$root"
        [ -z "$(mounts_under "$root")" ] || die "cannot replace $root: still mounted"
        old="$root.old.$$"
        mv -- "$root" "$old"
        mv -- "$tmp" "$root"
        trap - EXIT
        safe_remove "$old"
    else
        mv -- "$tmp" "$root"
        trap - EXIT
    fi
}

[ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, mount and chroot need it)"

mkdir -p -- "$(dirname -- "$root")"
exec 9>"$root.lock"
flock 9  # one caller at a time makes or mounts the root

case "${1:-}" in
    --unmount)
        unmount_all "$root"
        exit 0 ;;
    --remove)
        safe_remove "$root"
        rm -f -- "$root.lock" "$root.debootstrap.log"
        exit 0 ;;
    "") ;;
    *) die "unknown argument $1 (usage: python-root.sh [--unmount | --remove])" ;;
esac

if [ ! -f "$stamp" ] || [ "$(cat -- "$stamp")" != "$wanted_stamp" ]; then
    build_root
fi
ensure_mounts
write_wrappers
echo "$root"
