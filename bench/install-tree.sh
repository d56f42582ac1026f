#!/usr/bin/env bash
# Install and update time of a tree release of 10,000 files (500 MB), beside
# cp -a, tar -x and rsync doing the same I/O.
#
# usage: bench/install-tree.sh [BUILD_DIR]   (default: build/ at the top of the tree)
#
# environment:
#   UPD_BENCH_WORK=DIR     where the trees, repositories and runs live (default:
#                          bench/work, git-ignored); kept between runs except the runs
#   UPD_BENCH_RUNS=N       runs of every row (default: 3); the table gives the best
#                          and the median
#   UPD_BENCH_FILES=N, UPD_BENCH_TOTAL=BYTES, UPD_BENCH_CHANGED=N
#                          the tree: files (10000), bytes in all (500000000), files
#                          changed in 2.0 (100)
#   UPD_BENCH_QUIET=S      before each timed command, wait up to S seconds (default
#                          120) for the CPUs to be idle (under 10 % busy over 1 s):
#                          the machine may be shared; rows that started busy are marked
#   UPD_BENCH_WHATIF=1     add what-if rows: the 1.0 download, the install after it and
#                          the update without the cache under eatmydata, which turns
#                          fsync(), fdatasync() and syncfs() into no-ops (not
#                          libupdater's figures: they show what syncing costs)
#   UPD_BENCH_PROFILE=1    afterwards, trace one download, one install from the cache
#                          and one update without the cache with strace (syscall
#                          summary, and the install's phases from the times of
#                          mkdir/syncfs/rename) and perf record; reports go to
#                          UPD_BENCH_WORK/install-tree/profile/
#
# Builds nothing: it uses updater-publish, updater-server, updaterctl and the
# installer plugins of BUILD_DIR (UPDATER_INSTALLER_DIR=BUILD_DIR/plugins/*/).
# bench/make-tree.py makes the trees once (UPD_BENCH_WORK/install-tree/v1 and
# v2); they are published once into two repositories, repo-1.0 (1.0 only) and
# repo-2.0 (1.0 and 2.0), each served by its own updater-server on 127.0.0.1,
# so that a client installs 1.0 from the first and updates to 2.0 from the
# second. Every row starts from empty state, cache and install directories
# (HOME and XDG_* point into UPD_BENCH_WORK/install-tree/run, on the same file
# system as the trees, so cache files are hard-linked into the install), after
# `sync`, with the trees and the repositories in the page cache. Each command
# runs under GNU time (/usr/bin/time -f '%e %U %S %M'); the server's CPU time
# is read from /proc. MB = 10^6 bytes.
#
# Needs python3, GNU time (Debian: time) and rsync, with UPD_BENCH_WHATIF=1
# eatmydata, and with UPD_BENCH_PROFILE=1 strace and perf (Debian: linux-perf); as root with apt-get it installs the
# missing ones and says so.
set -euo pipefail

me="install-tree.sh"
# shellcheck source=service-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"
# as root, missing tools are installed with apt-get without being asked
install=1

bench_build_dir "${1:-}" tools/updater-publish tools/updater-server updater-service/updaterctl \
	plugins/tree/upd-installer-tree.so
installer_dir=$(find "$build/plugins" -mindepth 1 -maxdepth 1 -type d | sort | tr '\n' ':')
export UPDATER_INSTALLER_DIR=${installer_dir%:}

runs=${UPD_BENCH_RUNS:-3}
n_files=${UPD_BENCH_FILES:-10000}
total=${UPD_BENCH_TOTAL:-500000000}
n_changed=${UPD_BENCH_CHANGED:-100}
quiet=${UPD_BENCH_QUIET:-120}
profile=${UPD_BENCH_PROFILE:-0}
whatif=${UPD_BENCH_WHATIF:-0}
work=${UPD_BENCH_WORK:-$here/work}
data=$work/install-tree
app_id=org.libupdater.BenchTree

# ------------------------------------------------------------ tools
bench_need python3 python3
bench_need /usr/bin/time time "GNU time"
bench_need rsync rsync
bench_need tar tar
[ "$whatif" != 1 ] || bench_need eatmydata eatmydata
if [ "$profile" = 1 ]; then
	bench_need strace strace
	bench_need perf linux-perf
fi

# ------------------------------------------------------------ data
mkdir -p "$data"
data=$(cd "$data" && pwd)
python3 "$here/make-tree.py" --files "$n_files" --total "$total" --changed "$n_changed" "$data"
tree_stamp=$(cat "$data/stamp")

# the repositories: published once for these trees (a year before they expire)
repo_stamp="$tree_stamp publish=1"
if [ ! -f "$data/repo.stamp" ] || [ "$(cat "$data/repo.stamp")" != "$repo_stamp" ] ||
	[ -n "$(find "$data/repo.stamp" -mtime +300)" ]; then
	rm -rf "$data/repo-1.0" "$data/repo-2.0" "$data/key" "$data/key.secret" "$data/key.pub" \
		"$data/key.line" "$data/repo.stamp" "$data/publish.tsv"
	"$publish" keygen "$data/key" >"$data/key.line" 2>/dev/null
	for version in 1.0 2.0; do
		if [ "$version" = 1.0 ]; then
			repo=$data/repo-1.0 tree=$data/v1
		else
			cp -a "$data/repo-1.0" "$data/repo-2.0"
			repo=$data/repo-2.0 tree=$data/v2
		fi
		echo "publishing $version of $tree (zstd level 12)..." >&2
		/usr/bin/time -f '%e %U %S %M' -o "$data/publish.time" \
			"$publish" release --repo "$repo" --key "$data/key.secret" --app "$app_id" \
			--version "$version" --type tree --expires-days 365 "$tree" >/dev/null
		printf 'publish %s\t%s\n' "$version" "$(cat "$data/publish.time")" >>"$data/publish.tsv"
	done
	rm -f "$data/publish.time"
	echo "$repo_stamp" >"$data/repo.stamp"
fi
public_key=$(head -n1 "$data/key.line")
if [ ! -f "$data/v1.tar" ] || [ "$data/v1.tar" -ot "$data/stamp" ]; then
	tar -cf "$data/v1.tar.tmp" -C "$data/v1" .
	mv "$data/v1.tar.tmp" "$data/v1.tar"
fi

# ------------------------------------------------------------ servers
run=$data/run
# the servers are ended and $run removed at exit
bench_at_exit "$run"
rm -rf "$run"
mkdir -p "$run"

start_server() { # start_server REPO NAME: writes $run/NAME.conf
	bench_start_server "$1" "$run/$2"
	cat >"$run/$2.conf" <<EOF
[Application]
Id=$app_id
Endpoint=$url
PublicKey=$public_key
InstallDir=$run/install
EOF
}
start_server "$data/repo-1.0" v1
start_server "$data/repo-2.0" v2

bench_home "$run"

# Every row starts with empty directories. What a row made is moved aside and
# removed at the end, not at once: for about 30 s ext4 skips the inodes of
# deleted files when it allocates new ones (recently_deleted() in ialloc.c),
# which would charge each row for the 10,000 files the row before it deleted.
# With less free space than that needs, rows delete at once.
trash=0
eager_delete=0
avail_kb=$(df -Pk "$data" | awk 'NR == 2 { print $4 }')
need_kb=$(((total / 1000) * 17 * runs + 5000000))
if [ "$avail_kb" -lt "$need_kb" ]; then
	eager_delete=1
	echo "$me: $((avail_kb / 1000000)) GB free, under the $((need_kb / 1000000)) GB that keeping every row's files until the end takes: deleting them at once (ext4's recently_deleted() then costs the next row a little)" >&2
fi
fresh() {
	local d
	for d in home install dst dst2; do
		[ -e "$run/$d" ] || continue
		if [ "$eager_delete" = 1 ]; then
			rm -rf "${run:?}/$d"
		else
			trash=$((trash + 1))
			mkdir -p "$run/trash"
			mv "$run/$d" "$run/trash/$d.$trash"
		fi
	done
	mkdir -p "$run/home"
}

# ------------------------------------------------------------ measuring
clk_tck=$(getconf CLK_TCK)
server_ticks() { # utime + stime of both servers, in clock ticks
	local sum=0 pid f
	for pid in "${pids[@]}"; do
		read -r -a f <"/proc/$pid/stat"
		sum=$((sum + f[13] + f[14]))
	done
	echo "$sum"
}

busy_ticks() { # CPU ticks not idle since boot, all CPUs
	local f
	read -r -a f < <(head -n1 /proc/stat)
	echo $((f[1] + f[2] + f[3] + f[6] + f[7] + f[8]))
}

cpu_busy() { # per mille of CPU time not idle over the next second
	local a b
	read -r -a a < <(head -n1 /proc/stat)
	sleep 1
	read -r -a b < <(head -n1 /proc/stat)
	local idle=$(((b[4] + b[5]) - (a[4] + a[5]))) all=0 i
	for i in 1 2 3 4 5 6 7 8; do all=$((all + b[i] - a[i])); done
	[ "$all" -gt 0 ] || { echo 0; return; }
	echo $(((all - idle) * 1000 / all))
}

# waits until the machine is idle (up to $quiet seconds); sets $state to
# "yes", or "busy" when it never was
wait_quiet() {
	local start=$SECONDS busy
	while :; do
		busy=$(cpu_busy)
		[ "$busy" -lt 100 ] && { state=yes; return; }
		[ $((SECONDS - start)) -ge "$quiet" ] && { state=busy; return; }
		sleep 2
	done
}

results=$run/results.tsv
: >"$results"
# measure ROW RUN COMMAND...: one timed command; a row of $results
measure() {
	local row=$1 r=$2 state='' t0 t1 b0 b1 bytes='' wall user sys rss other
	shift 2
	sync
	wait_quiet
	t0=$(server_ticks)
	b0=$(busy_ticks)
	if ! /usr/bin/time -f '%e %U %S %M' -o "$run/time.out" "$@" >"$run/cmd.out" 2>"$run/cmd.err"; then
		echo "$me: $row failed:" >&2
		cat "$run/cmd.err" >&2
		if grep -q 'expands to more than' "$run/cmd.err"; then
			echo "$me: libupdater refuses to install a tree payload over its expansion floor" \
				"(UPD_INSTALL_EXPAND_FLOOR, 256 MiB): a tree has no payload file, so the limit" \
				"never grows with the release; see bench/RESULTS.md, issue 4" >&2
		fi
		exit 1
	fi
	t1=$(server_ticks)
	b1=$(busy_ticks)
	bytes=$(sed -n 's/.*"bytes_received": \([0-9]*\).*/\1/p' "$run/cmd.out")
	read -r wall user sys rss <"$run/time.out"
	# CPU time the machine spent on anything but this command and the servers
	# (kernel threads writing back its data included)
	other=$(awk -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v hz="$clk_tck" -v u="$user" -v s="$sys" \
		'BEGIN { o = (b - t) / hz - u - s; printf "%.2f", o < 0 ? 0 : o }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$r" "$wall" "$user" "$sys" "$rss" \
		"$(awk -v t=$((t1 - t0)) -v hz="$clk_tck" 'BEGIN { printf "%.2f", t / hz }')" \
		"${bytes:--}" "$state" "$other" >>"$results"
	printf '  run %s  %-52s %7ss  user %6s  sys %6s  other CPU %6ss %s\n' "$r" "$row" "$wall" \
		"$user" "$sys" "$other" "$([ "$state" = yes ] || echo "(started busy)")" >&2
}

# updaterctl against the server of 1.0 (v1) or of 1.0 and 2.0 (v2)
v1=("$ctl" --config "$run/v1.conf" --json)
v2=("$ctl" --config "$run/v2.conf" --json)
untimed() { "$@" >"$run/cmd.out" 2>"$run/cmd.err" || { cat "$run/cmd.err" >&2; exit 1; }; }

# ------------------------------------------------------------ header
model=$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
ram=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fs=$(df -T "$data" | awk 'NR == 2 { print $2 " on " $1 }')
echo "cpu: $model ($(nproc) CPUs), RAM $ram, kernel $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo ?)"
echo "work: $data ($fs)"
python3 - "$data" <<'EOF'
import hashlib, os, sys
data = sys.argv[1]
rows = [l.rstrip('\n').split('\t') for l in open(os.path.join(data, 'files.tsv'))]
size = sum(int(r[1]) for r in rows)
kinds = {}
for r in rows:
    kinds.setdefault(r[2], [0, 0])
    kinds[r[2]][0] += 1
    kinds[r[2]][1] += int(r[1])
changed = [r for r in rows if r[3] == '1']
stored = 0
for r in changed:
    digest = hashlib.sha256(open(os.path.join(data, 'v2', r[0]), 'rb').read()).hexdigest()
    base = os.path.join(data, 'repo-2.0', 'objects', digest[:2], digest)
    stored += os.path.getsize(base + '.zst' if os.path.exists(base + '.zst') else base)
def objects(repo):
    n = s = 0
    for d, _, names in os.walk(os.path.join(data, repo, 'objects')):
        for name in names:
            n += 1
            s += os.path.getsize(os.path.join(d, name))
    return n, s
n1, s1 = objects('repo-1.0')
print(f'tree 1.0: {len(rows)} files, {size / 1e6:.1f} MB ('
      + ', '.join(f'{k} {v[0]} files {v[1] / 1e6:.1f} MB' for k, v in sorted(kinds.items()))
      + f'); stored {s1 / 1e6:.1f} MB in {n1} objects')
print(f'tree 2.0: {len(changed)} files changed, {sum(int(r[1]) for r in changed) / 1e6:.3f} MB'
      f' ({sum(int(r[1]) for r in changed)} bytes), stored as {stored} bytes')
with open(os.path.join(data, 'changed.bytes'), 'w') as f:
    f.write(f'{sum(int(r[1]) for r in changed)}\t{stored}\n')
EOF
if [ -f "$data/publish.tsv" ]; then
	awk -F'\t' '{ split($2, t, " "); printf "%s: %s s (user %s, sys %s) when the repositories were made\n", $1, t[1], t[2], t[3] }' \
		"$data/publish.tsv"
fi
echo "$runs runs; each row from empty state/cache/install directories after sync; page cache warm"
echo

# ------------------------------------------------------------ runs
# shellcheck disable=SC2016 # sh -c scripts take their arguments as $1...
for r in $(seq "$runs"); do
	echo "run $r of $runs" >&2
	# (a) first install, in one go; then (b) the update, the cache as the install left it
	fresh
	measure "1.0 install (check+download+install)" "$r" "${v1[@]}" install
	measure "2.0 update, cache kept: install" "$r" "${v2[@]}" install
	# (a) and (b) again, download and install timed apart
	fresh
	measure "1.0 download" "$r" "${v1[@]}" download
	measure "1.0 install after download" "$r" "${v1[@]}" install
	measure "2.0 update, cache kept: download" "$r" "${v2[@]}" download
	measure "2.0 update, cache kept: install after download" "$r" "${v2[@]}" install
	# (b) with an empty cache: unchanged files come from the installed 1.0
	fresh
	untimed "${v1[@]}" install
	rm -rf "$XDG_CACHE_HOME"
	measure "2.0 update, empty cache: install" "$r" "${v2[@]}" install
	fresh
	untimed "${v1[@]}" install
	rm -rf "$XDG_CACHE_HOME"
	measure "2.0 update, empty cache: download" "$r" "${v2[@]}" download
	measure "2.0 update, empty cache: install after download" "$r" "${v2[@]}" install
	if [ "$whatif" = 1 ]; then
		fresh
		measure "what-if, no syncing: 1.0 download" "$r" eatmydata "${v1[@]}" download
		measure "what-if, no syncing: 1.0 install after download" "$r" eatmydata "${v1[@]}" install
		fresh
		untimed "${v1[@]}" install
		rm -rf "$XDG_CACHE_HOME"
		measure "what-if, no syncing: 2.0 update, empty cache: install" "$r" eatmydata "${v2[@]}" install
	fi
	# (c) the same I/O without libupdater
	fresh
	measure "cp -a v1" "$r" cp -a "$data/v1" "$run/dst"
	fresh
	measure "cp -a v1 + syncfs" "$r" sh -c 'cp -a "$1" "$2" && sync -f "$2"' sh "$data/v1" "$run/dst"
	fresh
	mkdir -p "$run/dst"
	measure "tar -xf v1.tar" "$r" tar -xf "$data/v1.tar" -C "$run/dst"
	fresh
	mkdir -p "$run/dst"
	measure "tar -xf v1.tar + syncfs" "$r" sh -c 'tar -xf "$1" -C "$2" && sync -f "$2"' sh "$data/v1.tar" "$run/dst"
	fresh
	cp -a "$data/v1" "$run/dst"
	measure "rsync -a v2/ onto a copy of v1" "$r" rsync -a "$data/v2/" "$run/dst/"
	fresh
	cp -a "$data/v1" "$run/dst"
	measure "rsync -a v2/ onto a copy of v1 + syncfs" "$r" sh -c 'rsync -a "$1" "$2" && sync -f "$2"' sh "$data/v2/" "$run/dst/"
	fresh
	cp -a "$data/v1" "$run/dst"
	measure "rsync -a --link-dest=v1 v2/ new/ + syncfs" "$r" sh -c \
		'rsync -a --link-dest="$1" "$2" "$3" && sync -f "$3"' sh "$run/dst" "$data/v2/" "$run/dst2/"
done
fresh
cp "$results" "$data/results.tsv"

# ------------------------------------------------------------ table
python3 - "$results" "$data/changed.bytes" <<'EOF'
import statistics, sys
rows = {}
order = []
for line in open(sys.argv[1]):
    row, r, wall, user, sys_, rss, srv, received, state, other = line.rstrip('\n').split('\t')
    if row not in rows:
        rows[row] = []
        order.append(row)
    rows[row].append((float(wall), float(user), float(sys_), int(rss), float(srv), received, state,
                      float(other)))
changed, stored = open(sys.argv[2]).read().split()
print(f'{"":52} {"wall s":>14} {"CPU s (user+sys)":>17} {"peak RSS":>9} {"server":>7} {"bytes":>11} {"other":>6}')
print(f'{"row":52} {"best":>6} {"median":>7} {"best":>8} {"median":>8} {"MB":>9} {"CPU s":>7} {"received":>11} {"CPU s":>6}')
for row in order:
    v = rows[row]
    walls = [x[0] for x in v]
    cpu = [x[1] + x[2] for x in v]
    rss = max(x[3] for x in v) / 1024
    srv = statistics.median(x[4] for x in v)
    received = v[0][5]
    busy = '' if all(x[6] == 'yes' for x in v) else '  (some runs started busy)'
    srv_s = f'{srv:.2f}' if row[0] in '12w' else '-'
    print(f'{row:52} {min(walls):6.2f} {statistics.median(walls):7.2f} {min(cpu):8.2f} '
          f'{statistics.median(cpu):8.2f} {rss:9.1f} {srv_s:>7} {received:>11} '
          f'{statistics.median(x[7] for x in v):6.2f}{busy}')
print()
print(f'changed files in 2.0: {changed} bytes, stored (as the server sends them) {stored} bytes')
print('peak RSS: the largest of the runs; server CPU s: updater-server, median; other CPU s: median CPU')
print('time of everything else on the machine during the row, kernel threads writing back its data included')
EOF

# ------------------------------------------------------------ profile
if [ "$profile" = 1 ]; then
	out=$data/profile
	rm -rf "$out"
	mkdir -p "$out"
	echo
	echo "profiling (not timed): reports in $out" >&2
	# the install's phases: check+plan until the staging directory exists,
	# staging until syncfs, syncfs, then the renames and the switch
	phases() { # phases NAME CTL-ARGS...
		local name=$1
		shift
		sync
		strace -f -tt -T --seccomp-bpf -e trace=execve,mkdir,mkdirat,syncfs,rename,renameat,renameat2,exit_group \
			-o "$out/$name.phases.strace" "$ctl" "$@" --json >/dev/null 2>"$run/cmd.err"
		python3 - "$out/$name.phases.strace" "$name" >>"$out/phases.txt" <<'EOF'
import re, sys
# strace -f -tt -T lines: PID HH:MM:SS.us call(args) = result <seconds>
def secs(stamp):
    h, m, x = stamp.split(':')
    return int(h) * 3600 + int(m) * 60 + float(x)
start = staging = sync_start = sync_end = end = None
for line in open(sys.argv[1]):
    m = re.match(r'\d+\s+(\d+:\d+:\d+\.\d+) (.*)$', line.strip())
    if not m:
        continue
    ts, rest = secs(m.group(1)), m.group(2)
    end = ts
    if start is None and rest.startswith('execve('):
        start = ts
    elif staging is None and rest.startswith('mkdir') and '.staging-' in rest:
        staging = ts
    elif rest.startswith('syncfs('):
        d = re.search(r'<([\d.]+)>$', rest)
        sync_start, sync_end = ts, ts + float(d.group(1) if d else 0)
if staging is None or sync_start is None:
    print(f'{sys.argv[2]}: {end - start:.2f} s in all (under strace), nothing staged')
else:
    print(f'{sys.argv[2]}: check+plan {staging - start:.2f} s, staging {sync_start - staging:.2f} s, '
          f'syncfs {sync_end - sync_start:.2f} s, rename+switch+finish {end - sync_end:.2f} s, '
          f'{end - start:.2f} s in all (under strace)')
EOF
	}
	summary() { # summary NAME CTL-ARGS...: strace -c -f
		local name=$1
		shift
		sync
		strace -c -f -o "$out/$name.strace-c.txt" "$ctl" "$@" --json >/dev/null 2>"$run/cmd.err"
	}
	record() { # record NAME CTL-ARGS...: perf record, report by DSO and symbol
		local name=$1
		shift
		sync
		perf record -q -e cpu-clock -F 999 -g -o "$out/$name.perf.data" "$ctl" "$@" --json \
			>/dev/null 2>"$run/cmd.err"
		perf report -q -i "$out/$name.perf.data" --no-children --sort dso --stdio -g none \
			>"$out/$name.perf-dso.txt" 2>/dev/null
		perf report -q -i "$out/$name.perf.data" --no-children --sort dso,symbol --stdio -g none \
			>"$out/$name.perf-symbols.txt" 2>/dev/null
		rm -f "$out/$name.perf.data"
	}
	: >"$out/phases.txt"
	for tool in phases summary record; do
		fresh
		$tool download-1.0 --config "$run/v1.conf" download
		$tool install-1.0-from-cache --config "$run/v1.conf" install
		fresh
		untimed "${v1[@]}" install
		rm -rf "$XDG_CACHE_HOME"
		untimed "${v2[@]}" download
		$tool update-2.0-empty-cache --config "$run/v2.conf" install
	done
	fresh
	cat "$out/phases.txt"
	for f in "$out"/*.strace-c.txt; do
		echo
		echo "== strace -c -f: $(basename "$f" .strace-c.txt) (top 8 by time)"
		sed -n '1,2p' "$f"
		sed -n '3,$p' "$f" | grep -v -- '------' | grep -v ' total$' | sort -k2,2nr | head -n 8 || true
		grep ' total$' "$f"
	done
	for f in "$out"/*.perf-dso.txt; do
		echo
		echo "== perf (cpu-clock samples by DSO, then by symbol): $(basename "$f" .perf-dso.txt)"
		grep -v '^$' "$f" | head -n 8 || true
		grep -v '^$' "${f%-dso.txt}-symbols.txt" | head -n 12 || true
	done
fi
