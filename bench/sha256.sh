#!/usr/bin/env bash
# SHA-256 throughput of libupdater's implementation (GnuTLS) beside sha256sum
# and GLib's GChecksum, on the same 1 GiB file of random data.
#
# usage: bench/sha256.sh [BUILD_DIR]      (default: build/ at the top of the tree)
#
# The file is bench/work/random-1GiB.bin (git-ignored, made once and reused);
# UPD_BENCH_WORK=DIR puts it elsewhere. Every figure is the best of 3 runs with
# the file in the page cache, so they compare hashing, not disks.
# MB = 10^6 bytes.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || {
	echo "sha256.sh: no build directory ${1:-$top/build}; run: meson setup build && ninja -C build" >&2
	exit 2
}
bench=$build/bench/upd-bench-sha256
if [ ! -x "$bench" ]; then
	echo "sha256.sh: $bench is missing; run: ninja -C $build" >&2
	exit 2
fi
for tool in sha256sum lscpu awk; do
	command -v "$tool" >/dev/null || { echo "sha256.sh: $tool is needed" >&2; exit 2; }
done

runs=3
size=$((1024 * 1024 * 1024))
work=${UPD_BENCH_WORK:-$here/work}
mkdir -p "$work"
file=$work/random-1GiB.bin
if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -ne "$size" ]; then
	echo "making $file (1 GiB from /dev/urandom)..." >&2
	head -c "$size" /dev/urandom >"$file.tmp"
	mv "$file.tmp" "$file"
fi
# write-back of a new file would otherwise compete with the first runs
sync "$file"

model=$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
if grep -qw sha_ni /proc/cpuinfo; then sha_ni=yes; else sha_ni=no; fi
echo "cpu: $model ($(nproc) CPUs), sha_ni: $sha_ni"
echo "file: $file, $size bytes, in the page cache; best of $runs runs; MB = 10^6 bytes"
echo

# one untimed read puts the file in the page cache for every contender
cat "$file" >/dev/null

# sha256sum: bash's time, best of $runs
TIMEFORMAT=%R
best=
for _ in $(seq "$runs"); do
	secs=$({ time sha256sum "$file" >"$work/sha256sum.out"; } 2>&1)
	best=$(awk -v a="$secs" -v b="${best:-$secs}" 'BEGIN { print (a < b ? a : b) }')
done
ref_digest=$(cut -d' ' -f1 "$work/sha256sum.out")
rows=$(printf '%s\t%s\t%s\t%s\n' "sha256sum (coreutils $(sha256sum --version | head -n1 | awk '{ print $NF }'))" \
	"$(awk -v s="$size" -v t="$best" 'BEGIN { printf "%.1f", s / 1e6 / t }')" "$best" "$ref_digest")

# libupdater (GnuTLS) and GChecksum, then libupdater with the CPU's SHA
# extensions hidden from GnuTLS and from Nettle underneath it: what a CPU
# without sha_ni gets
out=$("$bench" --tsv --runs "$runs" "$file")
no_ext=$(GNUTLS_CPUID_OVERRIDE=0x1 NETTLE_FAT_OVERRIDE=none "$bench" --tsv --no-memory --runs "$runs" "$file")
rows+=$'\n'$(head -n2 <<<"$out")
rows+=$'\n'$(head -n1 <<<"$no_ext" | sed 's/^libupdater upd_sha256_file (GnuTLS)/libupdater, SHA extensions disabled/')
rows+=$'\n'$(tail -n +3 <<<"$out")

printf '%-44s %9s %9s  %s\n' implementation MB/s seconds "same digest as sha256sum"
status=0
while IFS=$'\t' read -r name mbs secs digest; do
	[ -n "$name" ] || continue
	case "$name" in
	*"(memory)") same="(in memory, first 256 MiB)" ;;
	*) if [ "$digest" = "$ref_digest" ]; then same=yes; else same=NO; status=1; fi ;;
	esac
	printf '%-44s %9s %9s  %s\n' "$name" "$mbs" "$secs" "$same"
done <<<"$rows"
echo
echo "sha256: $ref_digest"
echo "disabled extensions with: GNUTLS_CPUID_OVERRIDE=0x1 NETTLE_FAT_OVERRIDE=none"
exit "$status"
