#!/bin/sh
# Block layer benchmark: vireo-img against Debian's qemu-img on the same
# files, in one run.  Prints the wall time of each and the ratio
# qemu/vireo (above 1.0: Vireo is faster).
# Usage: tests/bench/block.sh [BUILDDIR]   (default: build)
# SPDX-License-Identifier: MIT
set -eu

BUILD=${1:-build}
VIMG=$BUILD/vireo-img
QIMG=${QEMU_IMG:-/usr/bin/qemu-img}
for t in "$VIMG" "$QIMG"; do
    [ -x "$t" ] || { echo "missing $t" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/vireo-bench-block.XXXXXX)
trap 'rm -rf "$DIR"' EXIT INT TERM

now() { date +%s.%N; }
# time_cmd VAR cmd...: best of 3 runs, in seconds.  Each run starts with
# no dirty pages left by the one before (sync, not timed): otherwise a run
# pays for the writeback of the previous tool's output.
time_cmd() {
    var=$1; shift
    best=
    for i in 1 2 3; do
        sync
        t0=$(now); "$@" >/dev/null; t1=$(now)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then
            best=$t
        fi
    done
    eval "$var=$best"
}
report() {
    printf '%-34s qemu %7.3fs  vireo %7.3fs  ratio %5.2f\n' "$1" "$2" "$3" \
        "$(echo "$2 / $3" | bc -l)"
}

# A 1 GiB raw image, about 40% filled with incompressible data in runs.
SRC=$DIR/src.raw
truncate -s 1G "$SRC"
i=0
while [ $i -lt 100 ]; do
    dd if=/dev/urandom of="$SRC" bs=1M count=4 seek=$((i * 10 + i % 7)) \
       conv=notrunc status=none
    i=$((i + 1))
done
sync

time_cmd tq "$QIMG" convert -f raw -O qcow2 "$SRC" "$DIR/q.qcow2"
time_cmd tv "$VIMG" convert -f raw -O qcow2 "$SRC" "$DIR/v.qcow2"
report "convert raw->qcow2 (1 GiB, 40%)" "$tq" "$tv"

time_cmd tq "$QIMG" convert -f qcow2 -O raw "$DIR/q.qcow2" "$DIR/q.raw"
time_cmd tv "$VIMG" convert -f qcow2 -O raw "$DIR/q.qcow2" "$DIR/v.raw"
report "convert qcow2->raw (1 GiB, 40%)" "$tq" "$tv"
cmp "$DIR/q.raw" "$DIR/v.raw"

# bench on a fully written qcow2: qemu-img bench only steps through the
# image, so "random" uses a large odd step that scatters the requests.
B=$DIR/bench.qcow2
"$QIMG" create -q -f qcow2 "$B" 1G
"$QIMG" bench -q -w -c 16384 -s 64k "$B" >/dev/null
RND=$((7919 * 4096))
for spec in "4k-random-read:-c 200000 -s 4k -S $RND" \
            "4k-random-write:-w -c 200000 -s 4k -S $RND" \
            "64k-sequential-read:-c 50000 -s 64k" \
            "64k-sequential-write:-w -c 50000 -s 64k"; do
    name=${spec%%:*}
    args=${spec#*:}
    # shellcheck disable=SC2086
    time_cmd tq "$QIMG" bench -f qcow2 $args "$B"
    # shellcheck disable=SC2086
    time_cmd tv "$VIMG" bench -f qcow2 $args "$B"
    report "bench $name" "$tq" "$tv"
done
