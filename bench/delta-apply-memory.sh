#!/bin/bash
# Copyright 2026 The libupdater authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The memory of applying a delta to a 1 GiB file, as the client does
# (upd_delta_apply()), for the deltas updater-publish makes.
#
#   bench/delta-apply-memory.sh [BUILD_DIR]      (default: build/ at the top)
#
# Makes a 1 GiB base from the larger files under /usr/lib and /usr/bin (real
# machine code and data; which files depends on the machine) and two targets:
# "light", an edit every MiB (8 bytes changed, 13 inserted, 9 removed), and
# "heavy", 96 KiB of random bytes, one byte in 32 changed over 256 KiB and
# 13 bytes inserted every MiB. For each, BUILD_DIR/bench/upd-bench-delta makes
# the deltas updater-publish would (UPDIFF only: no zstd patch above 32 MiB),
# then applies the smaller in a process of its own, reporting its peak heap
# (RssAnon above what it was before, sampled every 2 ms) and its peak RSS,
# which also counts the pages of the mapped base.
#
# Environment: UPD_BENCH_WORK=DIR puts the 3 GiB of data there (default
# bench/work/delta-apply-memory); UPD_BENCH_KEEP=1 keeps it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 1 ]; then
	echo "usage: $0 [BUILD_DIR]" >&2
	exit 2
fi
build=$(cd "${1:-$here/../build}" && pwd)
tool=$build/bench/upd-bench-delta
if [ ! -x "$tool" ]; then
	echo "delta-apply-memory.sh: $tool is not built (ninja -C $build)" >&2
	exit 1
fi
work=${UPD_BENCH_WORK:-$here/work/delta-apply-memory}
mkdir -p "$work"
if [ "${UPD_BENCH_KEEP:-0}" != 1 ]; then
	trap 'rm -rf "$work"' EXIT
fi

echo "## Applying a delta to a 1 GiB file"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
echo "- libupdater: $build ($(git -C "$here" describe --always --dirty 2>/dev/null || echo 'no git'))"
echo

python3 - "$work" <<'EOF'
import os, random, subprocess, sys

work = sys.argv[1]
size = 1 << 30
step = 1 << 20
listing = subprocess.run(
    ['find', '/usr/lib', '/usr/bin', '-type', 'f', '-size', '+200k'],
    capture_output=True, text=True).stdout.split()
base = bytearray()
for path in sorted(listing):
    if len(base) >= size:
        break
    try:
        with open(path, 'rb') as f:
            base += f.read(size - len(base))
    except OSError:
        pass
if len(base) < size:
    sys.exit(f'only {len(base)} bytes of files under /usr/lib and /usr/bin, not 1 GiB')
with open(os.path.join(work, 'base'), 'wb') as f:
    f.write(base)


def make(name, seed, edit):
    rnd = random.Random(seed)
    out = bytearray()
    for pos in range(0, size, step):
        chunk = bytearray(base[pos:pos + step])
        edit(rnd, chunk)
        out += chunk
    with open(os.path.join(work, name), 'wb') as f:
        f.write(out[:size])


def light(rnd, chunk):
    for _ in range(8):
        chunk[rnd.randrange(len(chunk))] = rnd.randrange(256)
    i = rnd.randrange(len(chunk))
    chunk[i:i] = rnd.randbytes(13)
    i = rnd.randrange(len(chunk))
    del chunk[i:i + 9]


def heavy(rnd, chunk):
    i = rnd.randrange(len(chunk) - 96 * 1024)
    chunk[i:i + 96 * 1024] = rnd.randbytes(96 * 1024)
    j = rnd.randrange(len(chunk) - 256 * 1024)
    for k in range(j, j + 256 * 1024, 32):
        chunk[k] = (chunk[k] + 1 + rnd.randrange(3)) & 255
    i = rnd.randrange(len(chunk))
    chunk[i:i] = rnd.randbytes(13)


make('light', 7, light)
make('heavy', 11, heavy)
EOF

echo "| target | delta format | delta bytes | encode s | apply s | apply peak heap MiB | apply peak RSS MiB |"
echo "|---|---|--:|--:|--:|--:|--:|"
for target in light heavy; do
	rm -rf "$work/deltas"
	mkdir "$work/deltas"
	"$tool" --tsv --keep "$work/deltas" "$work/base" "$work/$target" >"$work/encode.tsv"
	# the smaller delta, the one updater-publish keeps
	read -r format bytes secs < <(awk -F'\t' '$1 != "both" && $2 ~ /^[0-9]+$/ && (b == "" || $2 + 0 < b + 0) { b = $2; f = $1; s = $3 }
		END { print f, b, s }' "$work/encode.tsv")
	read -r _ apply heap rss < <("$tool" --tsv --apply "$work/deltas/delta.$format" "$work/base" "$work/$target")
	awk -v t="$target" -v f="$format" -v b="$bytes" -v s="$secs" -v a="$apply" -v h="$heap" -v r="$rss" \
		'BEGIN { printf "| %s | %s | %d | %s | %s | %.1f | %.1f |\n", t, f, b, s, a, h / 1024, r / 1024 }'
done
echo
echo "Peak heap: the process's RssAnon above what it was before the apply; peak RSS also counts the"
echo "pages of the mapped 1 GiB base. Encode s: both encoders, one after the other (the zstd patch is"
echo "not made for a file above 32 MiB)."
