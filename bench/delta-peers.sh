#!/usr/bin/env bash
# Bytes on the wire of an update (issue 7): two versions of real Debian
# packages, updated v1 -> v2 over loopback by libupdater, IcePatch2, rsync
# (daemon, without and with -z), zsync (the tree as one tar) and casync; then
# per-file delta sizes of the largest changed files with bsdiff, xdelta3,
# zstd --patch-from and libupdater's own encoder when there is a tool for it.
#
# usage: bench/delta-peers.sh [--install] [BUILD_DIR]   (default: build/ at the top of the tree)
#
# environment:
#   UPD_BENCH_DATA=DIR          where the .deb files and the unpacked trees are kept
#                               (default: bench/data, git-ignored; reused when present)
#   UPD_BENCH_WORK=DIR          where the runs and the TSV files go (default: bench/work)
#   UPD_BENCH_PACKAGES="..."    which pairs (default: "libreoffice-core postgresql-15")
#   UPD_BENCH_DELTA_BASES=N     passed to updater-publish --delta-bases when it has the
#                               option (default: 2)
#   UPD_BENCH_DELTA_FILES=N     largest changed files per pair in the per-file table
#                               (default: 10; 0 leaves the table out)
#   UPD_BENCH_QUIET=S           before each timed command, wait up to S seconds (default 15)
#                               for the CPUs to be idle (under 20 % busy over 1 s): the
#                               machine may be shared; figures that started busy are marked †
#   UPD_BENCH_KEEP=1            keep the run directory (UPD_BENCH_WORK/delta-peers.XXXXXX:
#                               repositories, stores, logs)
#
# Builds nothing: it uses updater-publish, updater-server, updaterctl and the
# installer plugins of BUILD_DIR, and BUILD_DIR/bench/upd-bench-delta when it
# exists. Every server listens on 127.0.0.1 only, on a free port, behind
# bench/counting-proxy.py, which counts the bytes both ways: that is the
# "on the wire" figure of every row (TCP payload, no headers). Each client
# runs under GNU time (/usr/bin/time -f '%e %U %S %M'). MB = 10^6 bytes.
#
# Needs apt-get and dpkg-deb (to fetch and unpack the packages, once),
# python3 and GNU time; the peers come from Debian: zeroc-icepatch2,
# zeroc-ice-utils, rsync, zsync, casync, nginx-light (serves zsync and casync),
# bsdiff, xdelta3, zstd. With --install (as root) it installs the missing ones
# with apt-get, saying so; without it, a row whose tool is missing is left out
# and the output says so.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
me=delta-peers.sh
install=0
if [ "${1:-}" = --install ]; then
	install=1
	shift
fi
case ${1:-} in
-h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
esac
build=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || {
	echo "$me: no build directory ${1:-$top/build}; run: meson setup build && ninja -C build" >&2
	exit 2
}
publish=$build/tools/updater-publish
server=$build/tools/updater-server
ctl=$build/updater-service/updaterctl
delta_tool=$build/bench/upd-bench-delta
for program in "$publish" "$server" "$ctl" "$build/plugins/tree/upd-installer-tree.so"; do
	if [ ! -e "$program" ]; then
		echo "$me: $program is missing; run: ninja -C $build" >&2
		exit 2
	fi
done
installer_dir=$(find "$build/plugins" -mindepth 1 -maxdepth 1 -type d | sort | tr '\n' ':')
export UPDATER_INSTALLER_DIR=${installer_dir%:}

data=${UPD_BENCH_DATA:-$here/data}
work=${UPD_BENCH_WORK:-$here/work}
packages=${UPD_BENCH_PACKAGES:-libreoffice-core postgresql-15}
delta_bases=${UPD_BENCH_DELTA_BASES:-2}
delta_files=${UPD_BENCH_DELTA_FILES:-10}
quiet=${UPD_BENCH_QUIET:-15}

# the pairs of issue 7: package, v1, v2
declare -A want1 want2
want1[libreoffice-core]=4:7.4.7-1+deb12u13
want2[libreoffice-core]=4:7.4.7-1+deb12u14
want1[postgresql-15]=15.18-0+deb12u1
want2[postgresql-15]=15.20-0+deb12u1

die() {
	echo "$me: $*" >&2
	exit 1
}
say() { echo "$me: $*" >&2; }

# ------------------------------------------------------------ tools
is_root() { [ "$(id -u)" = 0 ]; }
peers_pkgs="zeroc-icepatch2 zeroc-ice-utils rsync zsync casync bsdiff xdelta3 zstd time curl nginx-light python3"
if [ "$install" = 1 ]; then
	if ! is_root || ! command -v apt-get >/dev/null; then die "--install needs root and apt-get"; fi
	missing=
	for p in $peers_pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=" $p"
	done
	if [ -n "$missing" ]; then
		had_nginx=$(command -v nginx || [ ! -x /usr/sbin/nginx ] || echo /usr/sbin/nginx)
		say "installing with apt-get:$missing"
		# shellcheck disable=SC2086 # a list of packages
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null; } ||
			die "apt-get install$missing failed"
		if [ -z "$had_nginx" ] && [[ $missing == *nginx-light* ]]; then
			# the package starts a system nginx on port 80: this script runs its own
			say "stopping the system nginx the package started"
			systemctl stop nginx 2>/dev/null || /usr/sbin/nginx -s stop 2>/dev/null || true
		fi
	else
		say "--install: every peer is installed already ($peers_pkgs)"
	fi
fi
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || die "python3 is needed (Debian: python3)"
[ -x /usr/bin/time ] || die "GNU time is needed (Debian: time; or run with --install)"
command -v dpkg-deb >/dev/null || die "dpkg-deb is needed"
nginx=$(command -v nginx || true)
[ -z "$nginx" ] && [ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx
have() { command -v "$1" >/dev/null; }
skipped=()
note_missing() { # ROW TOOL PACKAGE
	skipped+=("$1: left out, $2 is not installed (Debian: $3; or run with --install)")
}
have_icepatch=1 have_rsync=1 have_zsync=1 have_casync=1
for t in icepatch2server icepatch2client; do have "$t" || have_icepatch=0; done
have icepatch2calc || have_icepatch=0
[ "$have_icepatch" = 1 ] || note_missing IcePatch2 "icepatch2server/icepatch2client/icepatch2calc" "zeroc-icepatch2 zeroc-ice-utils"
have rsync || { have_rsync=0; note_missing rsync rsync rsync; }
if ! have zsync || ! have zsyncmake; then have_zsync=0; note_missing zsync zsync zsync; fi
have casync || { have_casync=0; note_missing casync casync casync; }
if [ -z "$nginx" ]; then
	[ "$have_zsync" = 1 ] && note_missing zsync nginx nginx-light
	[ "$have_casync" = 1 ] && note_missing casync nginx nginx-light
	have_zsync=0 have_casync=0
fi

# ------------------------------------------------------------ data
# apt-get download PKG=VERSION into $data/debs, once; the file of a version is
# found by its control fields, not by its name
mkdir -p "$data/debs" "$work"
data=$(cd "$data" && pwd)
work=$(cd "$work" && pwd)
deb_of() { # PKG VERSION: the .deb already fetched, or nothing
	local f
	for f in "$data/debs/$1"_*.deb; do
		[ -f "$f" ] || continue
		[ "$(dpkg-deb -f "$f" Package)" = "$1" ] && [ "$(dpkg-deb -f "$f" Version)" = "$2" ] && { echo "$f"; return 0; }
	done
	return 0
}
vlt() { dpkg --compare-versions "$1" lt "$2"; }
updated_lists=0
available() { # PKG: the versions the archive offers, oldest first
	local list v out=() i j x
	list=$(apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u)
	if [ -z "$list" ] && [ "$updated_lists" = 0 ] && is_root; then
		say "apt-cache madison $1 offers nothing: apt-get update"
		apt-get update -q >/dev/null 2>&1 || true
		updated_lists=1
		list=$(apt-cache madison "$1" 2>/dev/null | awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -u)
	fi
	for v in $list; do out+=("$v"); done
	for ((i = 1; i < ${#out[@]}; i++)); do
		x=${out[i]}
		for ((j = i - 1; j >= 0; j--)); do
			vlt "$x" "${out[j]}" || break
			out[j + 1]=${out[j]}
		done
		out[j + 1]=$x
	done
	printf '%s\n' "${out[@]}"
}
declare -A ver1 ver2 version_note
pick_versions() { # PKG: sets ver1[PKG], ver2[PKG], or returns 1
	local p=$1 w1=${want1[$1]:-} w2=${want2[$1]:-} avail v a b
	[ -n "$w1" ] || die "no version pair known for $p"
	if [ -n "$(deb_of "$p" "$w1")" ] && [ -n "$(deb_of "$p" "$w2")" ]; then
		ver1[$p]=$w1 ver2[$p]=$w2
		return 0
	fi
	mapfile -t avail < <(available "$p")
	[ "${#avail[@]}" -gt 0 ] || { say "$p: the archive offers no version (apt-cache madison $p)"; return 1; }
	a='' b=''
	for v in "${avail[@]}"; do [ "$v" = "$w2" ] && b=$v; done
	if [ -z "$b" ]; then
		# the nearest above the wanted v2, else the newest
		for v in "${avail[@]}"; do
			if vlt "$w2" "$v"; then b=$v; break; fi
		done
		[ -n "$b" ] || b=${avail[-1]}
	fi
	for v in "${avail[@]}"; do [ "$v" = "$w1" ] && vlt "$v" "$b" && a=$v; done
	if [ -z "$a" ]; then
		# the nearest below v2
		for v in "${avail[@]}"; do vlt "$v" "$b" && a=$v; done
	fi
	[ -n "$a" ] || { say "$p: the archive offers only ${avail[*]}: no pair to update between"; return 1; }
	if [ "$a" != "$w1" ] || [ "$b" != "$w2" ]; then
		version_note[$p]="$p $w1 → $w2 is no longer offered (apt-cache madison: ${avail[*]}); nearest pair: $a → $b"
		say "${version_note[$p]}"
	fi
	ver1[$p]=$a ver2[$p]=$b
}
fetch() { # PKG VERSION
	local f
	f=$(deb_of "$1" "$2")
	[ -z "$f" ] || return 0
	say "apt-get download $1=$2"
	(cd "$data/debs" && apt-get download -q "$1=$2" 2>&1 | grep -v -e unsandboxed -e '^Get:' >&2) || true
	[ -n "$(deb_of "$1" "$2")" ] || die "apt-get download $1=$2 failed"
}
# unpacks both versions into $data/PKG/v1 and v2. Symbolic links that the
# tree type refuses (absolute ones, or ones climbing with "..": in these
# packages they point into other packages, /var or postgresql-common, and
# dangle) are removed from both trees, for every tool alike
declare -A removed_links
unpack() { # PKG
	local p=$1 d=$data/$1 stamp k
	stamp="${ver1[$p]} ${ver2[$p]} links-removed"
	if [ ! -f "$d/stamp" ] || [ "$(cat "$d/stamp")" != "$stamp" ]; then
		rm -rf "$d"
		mkdir -p "$d"
		for k in 1 2; do
			local v=${ver1[$p]}
			[ "$k" = 1 ] || v=${ver2[$p]}
			say "unpacking $p $v into $d/v$k"
			dpkg-deb -x "$(deb_of "$p" "$v")" "$d/v$k.tmp"
			(cd "$d/v$k.tmp" && find . -type l \( -lname '/*' -o -lname '..' -o -lname '../*' -o -lname '*/..' -o -lname '*/../*' \) -printf '%P -> %l\n' -delete) \
				>"$d/v$k.removed-links"
			mv "$d/v$k.tmp" "$d/v$k"
		done
		echo "$stamp" >"$d/stamp"
	fi
	removed_links[$p]=$(sort -u "$d/v1.removed-links" "$d/v2.removed-links" | sed 's/$/; /' | tr -d '\n' | sed 's/; $//')
}
pairs=()
for p in $packages; do
	pick_versions "$p" || { skipped+=("$p: no pair of versions to fetch"); continue; }
	fetch "$p" "${ver1[$p]}"
	fetch "$p" "${ver2[$p]}"
	unpack "$p"
	pairs+=("$p")
done
[ "${#pairs[@]}" -gt 0 ] || die "no package pair to measure"

# what changed between the trees: $data/PKG/changed.tsv (path, v1 size, v2
# size; regular files in both whose content differs, largest v2 first) and
# $data/PKG/summary.tsv
summarise_trees() { # PKG
	"$py" - "$data/$1" <<'EOF'
import filecmp, os, sys
d = sys.argv[1]
def files(root):
    out = {}
    for dirpath, _, names in os.walk(os.path.join(d, root)):
        for n in names:
            full = os.path.join(dirpath, n)
            if os.path.isfile(full) and not os.path.islink(full):
                out[os.path.relpath(full, os.path.join(d, root))] = os.path.getsize(full)
    return out
a, b = files('v1'), files('v2')
changed = [p for p in b if p in a and not filecmp.cmp(os.path.join(d, 'v1', p), os.path.join(d, 'v2', p), shallow=False)]
changed.sort(key=lambda p: (-b[p], p))
with open(os.path.join(d, 'changed.tsv'), 'w') as f:
    for p in changed:
        f.write(f'{p}\t{a[p]}\t{b[p]}\n')
added = [p for p in b if p not in a]
removed = [p for p in a if p not in b]
with open(os.path.join(d, 'summary.tsv'), 'w') as f:
    f.write('\t'.join(str(x) for x in (len(a), sum(a.values()), len(b), sum(b.values()), len(changed),
            sum(b[p] for p in changed), len(added), sum(b[p] for p in added), len(removed))) + '\n')
EOF
}
for p in "${pairs[@]}"; do
	[ "$data/$p/changed.tsv" -nt "$data/$p/stamp" ] || summarise_trees "$p"
done

# ------------------------------------------------------------ run directory, servers
run=$(mktemp -d "$work/delta-peers.XXXXXX")
pids=()
never_fd=
cleanup() {
	local pid
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	sleep 0.3
	for pid in "${pids[@]}"; do
		# icepatch2 processes may ignore SIGTERM while they wait on a prompt
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null || true
	done
	[ -z "$never_fd" ] || exec {never_fd}>&- || true
	[ "${UPD_BENCH_KEEP:-0}" = 1 ] || rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a standard input that never answers and never ends: icepatch2client polls
# its input for a key press ("[Press any key to abort]") and asks questions on
# it; on /dev/null it reads an end of file, over and over
mkfifo "$run/never"
exec {never_fd}<>"$run/never"

export HOME=$run/home
export XDG_CONFIG_HOME=$run/home/config XDG_DATA_HOME=$run/home/data
export XDG_STATE_HOME=$run/home/state XDG_CACHE_HOME=$run/home/cache
# GIO would otherwise start dconf for the proxy settings
export GSETTINGS_BACKEND=memory
mkdir -p "$HOME"

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() { # PORT PID NAME: until 127.0.0.1:PORT accepts a connection
	local i
	for i in $(seq 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || die "$3 exited: $(tail -n 5 "$run/$3.err" 2>/dev/null)"
		sleep 0.05
	done
	die "$3 is not listening on 127.0.0.1:$1 after 10 s"
}
# start_proxy NAME TARGET-PORT: sets proxy_port; counts into $run/NAME.stats
start_proxy() {
	local i
	"$py" "$here/counting-proxy.py" --target "127.0.0.1:$2" --stats "$run/$1.stats" \
		>"$run/$1.proxy.out" 2>"$run/$1.proxy.err" &
	pids+=($!)
	proxy_port=
	for i in $(seq 200); do
		proxy_port=$(sed -n '1s/^listening on 127.0.0.1://p' "$run/$1.proxy.out")
		[ -n "$proxy_port" ] && return 0
		sleep 0.05
	done
	die "counting proxy for $1 did not start: $(cat "$run/$1.proxy.err")"
}
stop_pid() {
	kill "$1" 2>/dev/null || true
	sleep 0.1
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null || true
}
stop_all() { # the servers and proxies of a package
	local pid
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	pids=()
}

cpu_busy() { # per mille of CPU time not idle over the next second
	local a b i all=0 idle
	read -r -a a < <(head -n 1 /proc/stat)
	sleep 1
	read -r -a b < <(head -n 1 /proc/stat)
	idle=$(((b[4] + b[5]) - (a[4] + a[5])))
	for i in 1 2 3 4 5 6 7 8; do all=$((all + b[i] - a[i])); done
	[ "$all" -gt 0 ] || { echo 0; return; }
	echo $(((all - idle) * 1000 / all))
}
# waits until the machine is idle, up to $quiet seconds; sets row_busy=1 when
# it never was (reset by each row)
row_busy=0
wait_quiet() {
	local start=$SECONDS
	sync
	while [ "$(cpu_busy)" -ge 200 ]; do
		if [ $((SECONDS - start)) -ge "$quiet" ]; then
			row_busy=1
			return 0
		fi
		sleep 1
	done
}

# measure PROXY-NAME COMMAND...: runs the command under GNU time (its output
# in $run/cmd.out and cmd.err), then reads what went through the proxy. Sets
# m_rc m_wall m_cpu m_rss (KiB) m_up m_down
measure() {
	local name=$1 i open
	shift
	wait_quiet
	read -r _ _ m_up0 m_down0 <"$run/$name.stats"
	m_rc=0
	/usr/bin/time -f '%e %U %S %M' -o "$run/time.out" "$@" >"$run/cmd.out" 2>"$run/cmd.err" || m_rc=$?
	for i in $(seq 200); do
		read -r _ open m_up m_down <"$run/$name.stats"
		[ "$open" = 0 ] && break
		sleep 0.05
	done
	m_up=$((m_up - m_up0))
	m_down=$((m_down - m_down0))
	read -r m_wall user sys m_rss < <(tail -n 1 "$run/time.out")
	m_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	if [ "$m_rc" != 0 ]; then
		say "failed (exit $m_rc): $*"
		tail -n 5 "$run/cmd.err" >&2
	fi
}
# seconds of a command, under GNU time, output discarded; sets t_wall.
# quietly COMMAND...: the same after wait_quiet (for the prepare steps)
quietly() {
	wait_quiet
	timed "$@"
}
timed() {
	/usr/bin/time -f '%e' -o "$run/t.out" "$@" >"$run/t.cmd.out" 2>"$run/t.cmd.err" ||
		{ cat "$run/t.cmd.err" >&2; die "failed: $*"; }
	t_wall=$(tail -n 1 "$run/t.out")
}
# compares a result tree with v2: sets v_result to "ok" or "MISMATCH (N)".
# With --symlinks-as-copies, a symbolic link of v2 that is a regular file with
# the same content in the result is allowed, and counted in v_result
verify() { # PKG RESULT-DIR [--symlinks-as-copies] [DIFF-OPTIONS...]
	local p=$1 dir=$2 n copies=0 link
	shift 2
	if [ "${1:-}" = --symlinks-as-copies ]; then
		shift
		while IFS= read -r -d '' link; do
			link=${link#"$data/$p/v2/"}
			if [ -f "$dir/$link" ] && [ ! -L "$dir/$link" ] && cmp -s "$data/$p/v2/$link" "$dir/$link"; then
				copies=$((copies + 1))
			fi
		done < <(find "$data/$p/v2" -type l -print0)
		# contents, following the links on both sides
		n=$(diff -rq "$@" "$data/$p/v2" "$dir" 2>&1 | tee "$run/diff.out" | wc -l) || true
	else
		n=$(diff -rq --no-dereference "$@" "$data/$p/v2" "$dir" 2>&1 | tee "$run/diff.out" | wc -l) || true
	fi
	if [ "$n" = 0 ]; then
		v_result=ok
		[ "$copies" = 0 ] || v_result="ok, but $copies symbolic link(s) arrived as copies"
	else
		v_result="MISMATCH ($n differences)"
		mismatches+=("$p: $row_label: $n differences from v2, e.g. $(head -n 2 "$run/diff.out" | tr '\n' ' ')")
		say "MISMATCH: $p, $row_label: the result differs from v2:"
		head -n 10 "$run/diff.out" >&2
	fi
}
du_bytes() { du -sb "$@" | awk '{ s += $1 } END { print s + 0 }'; }

results=$run/results.tsv
: >"$results"
mismatches=()
# row PKG LABEL PREPARE-S PREPARED-BYTES RESULT NOTE: one row from the measure globals
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "${ver1[$1]}" "${ver2[$1]}" "$2" \
		"$m_down" "$m_up" "$((m_down + m_up))" "$m_wall" "$m_cpu" "$m_rss" "$3" "$4" "$5" "$6" \
		"$([ "$row_busy" = 1 ] && echo busy || echo quiet)" >>"$results"
	say "  $2: $((m_down + m_up)) bytes, ${m_wall} s, ${m_rss} KiB, prepare ${3} s: $5"
}
failed_row() { # PKG LABEL PREPARE-S WHAT
	printf '%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\t-\t%s\t-\tFAILED\t%s\t-\n' "$1" "${ver1[$1]}" "${ver2[$1]}" "$2" "$3" "$4" >>"$results"
	mismatches+=("$1: $2 FAILED: $4")
}

# does updater-publish make deltas yet?
if "$publish" release --help 2>&1 | grep -q -- '--delta-bases'; then
	publish_delta=(--delta-bases "$delta_bases")
	publish_note="updater-publish release --delta-bases $delta_bases (deltas against the last $delta_bases releases)"
else
	publish_delta=()
	publish_note="updater-publish has no --delta-bases yet: full objects only (no deltas), zstd level 12"
fi
"$publish" keygen "$run/key" >"$run/key.line" 2>/dev/null
public_key=$(head -n 1 "$run/key.line")
app_id=org.libupdater.BenchDelta

# ------------------------------------------------------------ rows
declare -A prep_v1 delta_line
libupdater_row() { # PKG
	local p=$1 d=$run/$1/updater url port before after json_bytes
	row_label="libupdater (updaterctl install)"
	row_busy=0
	mkdir -p "$d/home"
	timed "$publish" release --repo "$d/repo" --key "$run/key.secret" --app "$app_id.$2" \
		--version 1.0 --type tree --expires-days 365 "${publish_delta[@]}" "$data/$p/v1"
	prep_v1[$p]=$t_wall
	"$server" --repo "$d/repo" --port 0 >"$run/updater-server.out" 2>"$run/updater-server.err" &
	pids+=($!)
	url=
	for _ in $(seq 200); do
		url=$(sed -n '1s/^listening on //p' "$run/updater-server.out")
		[ -n "$url" ] && break
		sleep 0.05
	done
	[ -n "$url" ] || die "updater-server printed no URL: $(cat "$run/updater-server.err")"
	port=${url##*:}
	port=${port%/}
	start_proxy updater "$port"
	for how in direct proxied; do
		cat >"$d/$how.conf" <<EOF
[Application]
Id=$app_id.$2
Endpoint=$([ "$how" = direct ] && echo "$url" || echo "http://127.0.0.1:$proxy_port/")
PublicKey=$public_key
InstallDir=$d/install
EOF
	done
	# 1.0 installed straight from the server, not counted
	HOME=$d/home XDG_CONFIG_HOME=$d/home/config XDG_DATA_HOME=$d/home/data XDG_STATE_HOME=$d/home/state \
		XDG_CACHE_HOME=$d/home/cache timed "$ctl" --config "$d/direct.conf" install --json
	before=$(du_bytes "$d/repo")
	quietly "$publish" release --repo "$d/repo" --key "$run/key.secret" --app "$app_id.$2" \
		--version 2.0 --type tree --expires-days 365 "${publish_delta[@]}" "$data/$p/v2"
	local prep=$t_wall
	after=$(du_bytes "$d/repo")
	# what updater-publish says about the deltas it made ("N deltas in S s: ...")
	delta_line[$p]=$(grep -i -m 1 'deltas\{0,1\} in' "$run/t.cmd.out" || true)
	deltas=$(find "$d/repo" -type f \( -name '*.zpatch' -o -name '*.updiff' \) | wc -l)
	# the update starts from an empty cache: what 1.0 downloaded is gone, the
	# installed 1.0 is what the client has. Set aside, not deleted: ext4 makes
	# new files slowly for a while after thousands were deleted (inodes freed
	# in the last seconds are skipped one by one), which would time the
	# deletion, not the client
	mv "$d/home/cache" "$d/home/cache-1.0"
	HOME=$d/home XDG_CONFIG_HOME=$d/home/config XDG_DATA_HOME=$d/home/data XDG_STATE_HOME=$d/home/state \
		XDG_CACHE_HOME=$d/home/cache measure updater "$ctl" --config "$d/proxied.conf" install --json
	if [ "$m_rc" != 0 ]; then
		failed_row "$p" "$row_label" "$prep" "updaterctl install: $(tail -n 1 "$run/cmd.err")"
		return 0
	fi
	json_bytes=$(sed -n 's/.*"bytes_received": \([0-9]*\).*/\1/p' "$run/cmd.out")
	verify "$p" "$d/install/current/"
	row "$p" "$row_label" "$prep" "$((after - before))" "$v_result" \
		"$deltas delta objects in the repository${delta_line[$p]:+ (updater-publish: ${delta_line[$p]})}; updaterctl reports bytes_received ${json_bytes:-?} (object bodies); 1.0 published in ${prep_v1[$p]} s"
}

# IcePatch2 twice: as shipped, and with IcePatch2Client.ChunkSize=4 (KiB).
# icepatch2server answers every getFileCompressed(path, pos, num) with num
# bytes even past the end of the file (FileServerI.cpp resizes its buffer to
# num and never back to what read() returned), so each file costs at least one
# whole chunk on the wire: 100 KiB by default
icepatch_rows() { # PKG
	local p=$1 d=$run/$1/icepatch2 port pid chunk prep prepared prep_busy
	row_busy=0
	mkdir -p "$d"
	cp -a "$data/$p/v2" "$d/server"
	# prepare: icepatch2calc checksums the data directory and writes a
	# bzip2-compressed copy of each file beside it (FILE.bz2) and IcePatch2.sum
	quietly icepatch2calc "$d/server"
	prep=$t_wall
	prep_busy=$row_busy
	prepared=$(find "$d/server" -type f \( -name '*.bz2' -o -name IcePatch2.sum \) -print0 | du -cb --files0-from=- | tail -n 1 | cut -f1)
	port=$(free_port)
	icepatch2server --IcePatch2.Endpoints="tcp -h 127.0.0.1 -p $port" "$d/server" \
		>"$run/icepatch2server.out" 2>"$run/icepatch2server.err" <&"$never_fd" &
	pid=$!
	pids+=("$pid")
	wait_port "$port" "$pid" icepatch2server
	start_proxy icepatch2 "$port"
	for chunk in default 4; do
		row_busy=$prep_busy
		if [ "$chunk" = default ]; then
			row_label="IcePatch2 (as shipped)"
			set --
		else
			row_label="IcePatch2, ChunkSize=$chunk KiB"
			set -- --IcePatch2Client.ChunkSize="$chunk"
		fi
		# the client directory as a v1 installed by IcePatch2 leaves it: the
		# files and their IcePatch2.sum (made here with icepatch2calc -Z,
		# untimed), so the client compares summaries and does not ask "Do a
		# thorough patch?" on its standard input
		rm -rf "$d/client"
		cp -a "$data/$p/v1" "$d/client"
		icepatch2calc -Z "$d/client" >/dev/null
		measure icepatch2 icepatch2client "$@" \
			--IcePatch2Client.Proxy="IcePatch2/server:tcp -h 127.0.0.1 -p $proxy_port" "$d/client" <&"$never_fd"
		if [ "$m_rc" != 0 ]; then
			failed_row "$p" "$row_label" "$prep" "icepatch2client: $(tail -c 300 "$run/cmd.out" | tr '\n' ' ')"
			continue
		fi
		# IcePatch2 follows symbolic links: the server sends the target's
		# content and the client writes a regular file
		verify "$p" "$d/client" --symlinks-as-copies -x IcePatch2.sum -x IcePatch2.log
		row "$p" "$row_label" "$prep" "$prepared" "$v_result" \
			"icepatch2calc (bzip2 per file, prepared once for both rows); client had v1 + IcePatch2.sum"
	done
	rm -rf "$d"
}

rsync_rows() { # PKG
	local p=$1 d=$run/$1/rsync port pid z
	mkdir -p "$d"
	port=$(free_port)
	cat >"$d/rsyncd.conf" <<EOF
pid file = $d/rsyncd.pid
log file = $d/rsyncd.log
use chroot = no
uid = $(id -u)
gid = $(id -g)
[v2]
path = $data/$p/v2
read only = yes
EOF
	rsync --daemon --no-detach --address=127.0.0.1 --port="$port" --config="$d/rsyncd.conf" \
		>"$run/rsyncd.out" 2>"$run/rsyncd.err" &
	pid=$!
	pids+=("$pid")
	wait_port "$port" "$pid" rsyncd
	start_proxy rsync "$port"
	for z in "" -z; do
		row_label="rsync -a${z:+ $z} (daemon)"
		row_busy=0
		rm -rf "$d/client"
		cp -a "$data/$p/v1" "$d/client"
		measure rsync rsync -a $z --stats "rsync://127.0.0.1:$proxy_port/v2/" "$d/client/"
		if [ "$m_rc" != 0 ]; then
			failed_row "$p" "$row_label" 0 "rsync: $(tail -n 1 "$run/cmd.err")"
			continue
		fi
		local sent recv literal
		sent=$(sed -n 's/^Total bytes sent: //p' "$run/cmd.out" | tr -d ,)
		recv=$(sed -n 's/^Total bytes received: //p' "$run/cmd.out" | tr -d ,)
		literal=$(sed -n 's/^Literal data: \([0-9,]*\).*/\1/p' "$run/cmd.out" | tr -d ,)
		verify "$p" "$d/client"
		row "$p" "$row_label" 0 0 "$v_result" "rsync --stats: sent $sent + received $recv; literal data $literal"
	done
	rm -rf "$d/client"
}

start_nginx() { # PKG ROOT: sets nginx_port
	local d=$run/$1/nginx port pid
	mkdir -p "$d"
	port=$(free_port)
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
pid $d/nginx.pid;
error_log stderr;
events {}
http {
 access_log off;
 sendfile on;
 tcp_nopush on;
 default_type application/octet-stream;
 client_body_temp_path $d/body;
 proxy_temp_path $d/proxy;
 fastcgi_temp_path $d/fastcgi;
 uwsgi_temp_path $d/uwsgi;
 scgi_temp_path $d/scgi;
 server { listen 127.0.0.1:$port; root $2; }
}
EOF
	"$nginx" -c "$d/nginx.conf" -p "$d" >"$run/nginx.out" 2>"$run/nginx.err" &
	pid=$!
	pids+=("$pid")
	wait_port "$port" "$pid" nginx
	nginx_port=$port
}

zsync_row() { # PKG
	local p=$1 d=$run/$1/zsync prep prepared
	row_label="zsync (tree as one tar)"
	row_busy=0
	mkdir -p "$d/www" "$d/client"
	# prepare: an uncompressed tar of v2 (names sorted) and its .zsync
	# (zsyncmake's default block size), served as static files
	wait_quiet
	# shellcheck disable=SC2016 # expanded by that sh
	/usr/bin/time -f '%e' -o "$run/t.out" sh -c 'tar --sort=name -cf "$1/v2.tar" -C "$2" . &&
		cd "$1" && zsyncmake -u v2.tar -o v2.tar.zsync v2.tar' sh "$d/www" "$data/$p/v2" >/dev/null 2>"$run/t.err" ||
		die "zsyncmake failed: $(cat "$run/t.err")"
	prep=$(tail -n 1 "$run/t.out")
	prepared=$(du_bytes "$d/www/v2.tar" "$d/www/v2.tar.zsync")
	# the client's v1, as one tar too (untimed: a client of zsync would keep it)
	tar --sort=name -cf "$d/client/v1.tar" -C "$data/$p/v1" .
	start_nginx "$p" "$d/www"
	start_proxy zsync "$nginx_port"
	# timed: zsync, then unpacking the tar into a tree
	# shellcheck disable=SC2016 # expanded by that sh
	measure zsync sh -c 'cd "$1" && zsync -q -i v1.tar -o v2.tar "$2" && mkdir v2 && tar -xf v2.tar -C v2' \
		sh "$d/client" "http://127.0.0.1:$proxy_port/v2.tar.zsync"
	if [ "$m_rc" != 0 ]; then
		failed_row "$p" "$row_label" "$prep" "zsync: $(tail -n 1 "$run/cmd.err")"
		return 0
	fi
	verify "$p" "$d/client/v2"
	row "$p" "$row_label" "$prep" "$prepared" "$v_result" \
		"zsync -i v1.tar URL/v2.tar.zsync, then tar -x (timed); v1.tar made beforehand (untimed)"
	rm -rf "$d"
}

casync_row() { # PKG
	local p=$1 d=$run/$1/casync prep prepared
	row_label="casync extract --seed=v1"
	row_busy=0
	mkdir -p "$d/www"
	quietly casync make --store="$d/www/store" "$d/www/v2.caidx" "$data/$p/v2/"
	prep=$t_wall
	prepared=$(du_bytes "$d/www/store" "$d/www/v2.caidx")
	start_nginx "$p" "$d/www"
	start_proxy casync "$nginx_port"
	cp -a "$data/$p/v1" "$d/seed"
	measure casync casync extract --store="http://127.0.0.1:$proxy_port/store" --seed="$d/seed" \
		"http://127.0.0.1:$proxy_port/v2.caidx" "$d/out"
	if [ "$m_rc" != 0 ]; then
		failed_row "$p" "$row_label" "$prep" "casync: $(tail -n 1 "$run/cmd.err")"
		return 0
	fi
	verify "$p" "$d/out"
	row "$p" "$row_label" "$prep" "$prepared" "$v_result" "casync make (default chunking, compressed chunks), store and index over HTTP (nginx)"
	rm -rf "$d"
}

# ------------------------------------------------------------ per-file deltas
files_tsv=$run/files.tsv
: >"$files_tsv"
# one_delta PKG PATH TOOL: appends a line to $files_tsv
one_delta() {
	local p=$1 path=$2 tool=$3 o=$data/$1/v1/$2 n=$data/$1/v2/$2 dout=$run/delta.out bytes secs rss
	rm -f "$dout"
	case $tool in
	bsdiff) set -- bsdiff "$o" "$n" "$dout" ;;
	# -D: xdelta3 would otherwise decompress gzip input, diff the contents and
	# recompress on decoding, which does not give back the same .gz bytes
	xdelta3) set -- xdelta3 -e -9 -D -f -s "$o" "$n" "$dout" ;;
	zstd) set -- zstd -q -f -19 --long=31 --patch-from="$o" "$n" -o "$dout" ;;
	libupdater) set -- "$delta_tool" --tsv "$o" "$n" ;;
	libupdater-repo)
		local base target found
		base=$(sha256sum "$o" | cut -d' ' -f1)
		target=$(sha256sum "$n" | cut -d' ' -f1)
		found=$(find "$run/$p/updater/repo" -type f -name "$base-$target.*" 2>/dev/null | head -n 1)
		if [ -n "$found" ]; then
			bytes=$(stat -c %s "$found")
			printf '%s\t%s\tlibupdater\t%s\t-\t-\tquiet\t%s\n' "$p" "$path" "$bytes" "${found##*.}" >>"$files_tsv"
		elif [ "${#publish_delta[@]}" -gt 0 ]; then
			printf '%s\t%s\tlibupdater\tnone\t-\t-\tquiet\n' "$p" "$path" >>"$files_tsv"
		fi
		return 0
		;;
	esac
	row_busy=0
	wait_quiet
	if ! /usr/bin/time -f '%e %M' -o "$run/t.out" "$@" </dev/null >"$run/t.cmd.out" 2>"$run/t.cmd.err"; then
		say "$tool failed on $path: $(tail -n 1 "$run/t.cmd.err")"
		printf '%s\t%s\t%s\tFAILED\t-\t-\t-\n' "$p" "$path" "$tool" >>"$files_tsv"
		return 0
	fi
	read -r secs rss < <(tail -n 1 "$run/t.out")
	if [ "$tool" = libupdater ]; then
		read -r bytes secs < <(awk -F'\t' 'NF >= 3 && $2 ~ /^[0-9]+$/ && (b == "" || $2 + 0 < b + 0) { b = $2; s = $3 }
			END { if (b != "") print b, s; else print "n/a", "-" }' "$run/t.cmd.out")
	else
		bytes=$(stat -c %s "$dout")
		# the delta must give back v2's file
		rm -f "$run/delta.check"
		case $tool in
		bsdiff) set -- bspatch "$o" "$run/delta.check" "$dout" ;;
		# -D here too, or the decoder decompresses a gzip source
		xdelta3) set -- xdelta3 -d -D -f -s "$o" "$dout" "$run/delta.check" ;;
		zstd) set -- zstd -q -d -f --long=31 --patch-from="$o" "$dout" -o "$run/delta.check" ;;
		esac
		if ! "$@" </dev/null >/dev/null 2>&1 || ! cmp -s "$run/delta.check" "$n"; then
			say "MISMATCH: $tool's delta for $path does not give back v2's file"
			mismatches+=("$p: $path: $tool's delta does not give back v2's file")
			bytes="BAD:$bytes"
		fi
		rm -f "$run/delta.check"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$path" "$tool" "$bytes" "$secs" "$rss" \
		"$([ "$row_busy" = 1 ] && echo busy || echo quiet)" >>"$files_tsv"
	rm -f "$dout"
}
delta_tools=()
if have bsdiff && have bspatch; then delta_tools+=(bsdiff); else skipped+=("per-file bsdiff column: bsdiff is not installed (Debian: bsdiff)"); fi
if have xdelta3; then delta_tools+=(xdelta3); else skipped+=("per-file xdelta3 column: xdelta3 is not installed (Debian: xdelta3)"); fi
if have zstd; then delta_tools+=(zstd); else skipped+=("per-file zstd column: zstd is not installed (Debian: zstd)"); fi
# libupdater's column: BUILD_DIR/bench/upd-bench-delta when it exists; else
# the delta updater-publish stored for the file, when it made one
# (deltas/<aa>/<base sha256>-<target sha256>.<format>; creation time unknown)
if [ -x "$delta_tool" ]; then delta_tools+=(libupdater); else delta_tools+=(libupdater-repo); fi
full_object() { # PKG PATH: size of v2's object in the libupdater repository, as served
	local digest obj=$run/$1/updater/repo/objects
	digest=$(sha256sum "$data/$1/v2/$2" | cut -d' ' -f1)
	obj=$obj/${digest:0:2}/$digest
	if [ -f "$obj.zst" ]; then stat -c %s "$obj.zst"; elif [ -f "$obj" ]; then stat -c %s "$obj"; else echo n/a; fi
}

# ------------------------------------------------------------ header
start_time=$SECONDS
model=$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
ram=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
tool_version() { # COMMAND PACKAGE
	if have "$1"; then dpkg-query -W -f='${Version}' "$2" 2>/dev/null || echo "?"; else echo "missing"; fi
}
echo "## Bytes on the wire of an update: libupdater and its peers (issue 7)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $model, $(nproc) CPUs, RAM $ram, kernel $(uname -r), Debian $(cat /etc/debian_version 2>/dev/null || echo ?)"
echo "- libupdater: $build ($("$publish" --version 2>/dev/null | head -n 1)); $publish_note"
echo "- peers: IcePatch2 $(tool_version icepatch2client zeroc-icepatch2), rsync $(tool_version rsync rsync)," \
	"zsync $(tool_version zsync zsync), casync $(tool_version casync casync), nginx $(tool_version "${nginx:-nginx}" nginx-light)$([ -n "$nginx" ] || echo ' (missing)')," \
	"bsdiff $(tool_version bsdiff bsdiff), xdelta3 $(tool_version xdelta3 xdelta3), zstd $(tool_version zstd zstd)"
echo "- every server on 127.0.0.1 behind bench/counting-proxy.py; bytes = TCP payload both ways through it; MB = 10^6 bytes"
echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (the script waits up to ${quiet} s for idle CPUs before each timed command)"
for p in "${pairs[@]}"; do
	read -r n1 s1 n2 s2 nc sc na sa nr <"$data/$p/summary.tsv"
	echo "- $p ${ver1[$p]} → ${ver2[$p]}: v1 $n1 files, $s1 bytes; v2 $n2 files, $s2 bytes;" \
		"$nc changed ($sc bytes in v2), $na added ($sa bytes), $nr removed"
	[ -z "${version_note[$p]:-}" ] || echo "  - **${version_note[$p]}**"
	[ -z "${removed_links[$p]}" ] || echo "  - symbolic links removed from both trees (they leave the tree; the tree type refuses them): ${removed_links[$p]}"
done
echo

# ------------------------------------------------------------ run
for p in "${pairs[@]}"; do
	say "== $p ${ver1[$p]} → ${ver2[$p]}"
	short=$(echo "$p" | tr -cd 'a-zA-Z0-9')
	libupdater_row "$p" "$short"
	[ "$have_icepatch" = 1 ] && icepatch_rows "$p"
	[ "$have_rsync" = 1 ] && rsync_rows "$p"
	[ "$have_zsync" = 1 ] && zsync_row "$p"
	[ "$have_casync" = 1 ] && casync_row "$p"
	stop_all
	if [ "$delta_files" -gt 0 ] && [ "${#delta_tools[@]}" -gt 0 ]; then
		while IFS=$'\t' read -r path old new; do
			say "  deltas: $path ($old → $new bytes): ${delta_tools[*]}"
			printf '%s\t%s\tsizes\t%s\t%s\t%s\n' "$p" "$path" "$old" "$new" "$(full_object "$p" "$path")" >>"$files_tsv"
			for tool in "${delta_tools[@]}"; do one_delta "$p" "$path" "$tool"; done
		done < <(head -n "$delta_files" "$data/$p/changed.tsv")
	fi
	rm -rf "${run:?}/$p"
done
elapsed=$((SECONDS - start_time))

# ------------------------------------------------------------ tables
"$py" - "$results" "$files_tsv" "$data" "$delta_files" <<'EOF'
import os, sys
results, files_tsv, data, delta_files = sys.argv[1:5]
rows = [l.rstrip('\n').split('\t') for l in open(results) if l.strip()]
def mb(x):
    return f'{int(x) / 1e6:.2f}' if x not in ('-', '') else '-'
print('### Update v1 → v2 over loopback')
print()
print('| package | client | on the wire MB | down MB | up MB | % of v2 | client wall s | client CPU s | client peak RSS MB | prepare s | prepared MB | result |')
print('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|')
v2size = {}
for p in sorted({r[0] for r in rows}):
    v2size[p] = int(open(os.path.join(data, p, 'summary.tsv')).read().split()[3])
for r in rows:
    p, v1, v2, label, down, up, total, wall, cpu, rss, prep, prepared, result, note, busy = r
    mark = ' †' if busy == 'busy' else ''
    if wall != '-':
        wall += mark
    pct = f'{100 * int(total) / v2size[p]:.1f}' if total != '-' else '-'
    rss_mb = f'{int(rss) * 1024 / 1e6:.1f}' if rss != '-' else '-'
    prep_s = 'none' if prep == '0' else prep + mark
    prepared_mb = '-' if prepared in ('0', '-') else mb(prepared)
    print(f'| {p} | {label} | {mb(total)} | {mb(down)} | {mb(up)} | {pct} | {wall} | {cpu} | {rss_mb} | {prep_s} | {prepared_mb} | {result} |')
print()
print('Notes per row:')
for r in rows:
    print(f'- {r[0]}, {r[3]}: {r[13]}')
print()
# issue 7's goals, as far as these rows tell
print('Issue 7 goals:')
for p in sorted(v2size):
    mine = [r for r in rows if r[0] == p and r[3].startswith('libupdater') and r[12].startswith('ok')]
    peers = [r for r in rows if r[0] == p and not r[3].startswith('libupdater') and r[12].startswith('ok')]
    if not mine or not peers:
        print(f'- {p}: not enough rows')
        continue
    m = mine[0]
    best = min(peers, key=lambda r: int(r[6]))
    ratio = int(m[6]) / int(best[6])
    print(f'- {p}: libupdater {mb(m[6])} MB against the best peer, {best[3]}, {mb(best[6])} MB: '
          f'{ratio:.2f}× (goal ≤ 0.33×: {"MET" if ratio <= 1 / 3 else "NOT MET"})')
    ice = [r for r in peers if r[3].startswith('IcePatch2')]
    if ice:
        fastest = min(ice, key=lambda r: float(r[7]))
        w = float(m[7]) / float(fastest[7])
        print(f'- {p}: client wall {m[7]} s against {fastest[3]} {fastest[7]} s (the faster IcePatch2 row): {w:.2f}× '
              f'(goal ≤ 0.5×: {"MET" if w <= 0.5 else "NOT MET"})')
if int(delta_files) <= 0 or not os.path.getsize(files_tsv):
    sys.exit(0)
print()
print(f'### Per-file deltas: the {delta_files} largest changed files of each pair (by v2 size)')
print()
tools = ['bsdiff', 'xdelta3', 'zstd', 'libupdater']
heads = {'bsdiff': 'bsdiff 4.3', 'xdelta3': 'xdelta3 -e -9 -D', 'zstd': 'zstd -19 --long=31 --patch-from', 'libupdater': 'libupdater'}
print('| package | file | v1 bytes | v2 bytes | full object (libupdater repo) | '
      + ' | '.join(f'{heads[t]} bytes | s' for t in tools) + ' |')
print('|---|---|--:|--:|--:|' + '--:|--:|' * len(tools))
files = {}
order = []
for l in open(files_tsv):
    f = l.rstrip('\n').split('\t')
    key = (f[0], f[1])
    if key not in files:
        files[key] = {}
        order.append(key)
    if f[2] == 'sizes':
        files[key]['sizes'] = f[3:6]
    else:
        files[key][f[2]] = f[3:]
sums = {}
for key in order:
    e = files[key]
    old, new, full = e['sizes']
    cells = []
    for t in tools:
        if t in e:
            b, s, _, busy = e[t][:4]
            fmt = f' ({e[t][4]})' if len(e[t]) > 4 else ''
            cells += [b + fmt, s + (' †' if busy == 'busy' else '')]
            if b.isdigit():
                sums.setdefault(t, [0, 0.0, 0, True])
                sums[t][0] += int(b); sums[t][2] += 1
                if s.replace('.', '', 1).isdigit():
                    sums[t][1] += float(s)
                else:
                    sums[t][3] = False
        else:
            cells += ['n/a', '-']
    print(f'| {key[0]} | {key[1]} | {old} | {new} | {full} | ' + ' | '.join(cells) + ' |')
n = len(order)
cells = []
for t in tools:
    if t in sums and sums[t][2] == n:
        cells += [str(sums[t][0]), f'{sums[t][1]:.2f}' if sums[t][3] else '-']
    else:
        cells += ['n/a', '-']
print(f'| all | {n} files | | | | ' + ' | '.join(cells) + ' |')
mine = [(k, files[k]['libupdater'][0]) for k in order if 'libupdater' in files[k] and files[k]['libupdater'][0].isdigit()]
if mine:
    bs = [(k, b, files[k]['bsdiff'][0]) for k, b in mine if 'bsdiff' in files[k] and files[k]['bsdiff'][0].isdigit()]
    le = sum(1 for _, b, c in bs if int(b) <= int(c))
    print()
    print(f'Issue 7 goal, delta sizes no larger than bsdiff\'s: {le} of {len(bs)} files'
          + (f' (and {n - len(mine)} of {n} without a libupdater delta)' if len(mine) < n else '')
          + f': {"MET" if le == len(bs) == n else "NOT MET"}')
    timed = [(k, files[k]['libupdater'][1], files[k]['bsdiff'][1]) for k, _ in mine
             if 'bsdiff' in files[k] and files[k]['libupdater'][1].replace('.', '', 1).isdigit()]
    if timed:
        a = sum(float(x) for _, x, _ in timed); b = sum(float(y) for _, _, y in timed)
        print(f'Issue 7 goal, delta creation at least twice as fast as bsdiff: {a:.2f} s against {b:.2f} s'
              f' ({b / a if a else 0:.1f}× faster): {"MET" if a * 2 <= b else "NOT MET"}')
EOF
echo
echo "† the machine was busy (over 20 % of its CPU time used by others) when that command started, after waiting ${quiet} s."
if [ -x "$delta_tool" ]; then
	delta_note="libupdater column: $delta_tool --tsv OLD NEW (the smallest of its encodings)"
elif awk -F'\t' '$3 == "libupdater" && $4 ~ /^[0-9]+$/ { found = 1 } END { exit !found }' "$files_tsv"; then
	delta_note="libupdater column: the size of the delta object updater-publish stored for the file (deltas/<aa>/<base>-<target>.<format>; the format in brackets); no per-file creation time, as $delta_tool was not built; \"none\": no delta published for that file"
elif [ "${#publish_delta[@]}" -gt 0 ]; then
	delta_note="libupdater column: none — updater-publish published no delta for these files"
else
	delta_note="libupdater column: n/a — $delta_tool was not built and updater-publish stored no delta for these files"
fi
echo
echo "Delta creation times are wall seconds of one run, one file at a time; $delta_note."
echo "Client rows run one after the other, each once, after sync, with the data in the page cache; client wall and CPU"
echo "times include the counting proxy's forwarding. \"prepare\" is the server-side step for v2 (libupdater: publishing 2.0"
echo "into the repository holding 1.0; IcePatch2: icepatch2calc; zsync: tar + zsyncmake; casync: casync make; rsync: none)."
for s in "${skipped[@]}"; do echo "- skipped: $s"; done
echo
echo "Run time: $((elapsed / 60)) min $((elapsed % 60)) s (data fetched and unpacked beforehand); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."

cp "$results" "$work/delta-peers.tsv"
cp "$files_tsv" "$work/delta-peers-files.tsv"
say "rows: $work/delta-peers.tsv (package, v1, v2, row, down, up, total bytes, wall s, CPU s, peak RSS KiB, prepare s, prepared bytes, result, note)"
say "per-file deltas: $work/delta-peers-files.tsv (package, path, tool, bytes, s, peak RSS KiB; 'sizes' lines: v1, v2, full object bytes)"
if [ "${#mismatches[@]}" -gt 0 ]; then
	echo
	echo "**RESULTS THAT DO NOT EQUAL v2 (or failed):**"
	for m in "${mismatches[@]}"; do echo "- $m"; done
	exit 1
fi
