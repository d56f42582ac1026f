#!/usr/bin/env bash
# What an idle updater-service costs: memory, wake-ups, CPU time, threads and
# system calls over 10 s, with 5 registered applications whose first check
# is done, beside an idle `sleep` and, as a peer, an idle `rsync --daemon`.
#
# usage: bench/service-idle.sh [--install] [BUILD_DIR]   (default: build/ at the top of the tree)
#
#   --install   as root, install the missing optional tools with apt-get:
#               strace (the syscall column) and rsync (the peer); without it
#               a missing one's column or row is skipped, saying so
#
# environment:
#   UPD_BENCH_SECONDS=N   length of each measuring window (default: 10)
#   UPD_BENCH_SETTLE=N    seconds between the last check and the first window
#                         (default: 40: GLib's thread pools end idle threads after 15 s,
#                         the daemon trims its working set after 30 s without an operation)
#   UPD_BENCH_APPS=N      registered applications (default: 5)
#
# Builds nothing: it uses updater-publish, updater-server, updater-service and
# updaterctl from BUILD_DIR, and the installer plugins of BUILD_DIR/plugins.
# The script runs itself again under `dbus-run-session`, so the daemon owns
# org.libupdater.Updater1 on a private session bus and never meets the
# user's own updater-service; HOME and XDG_* point into a temporary
# directory, removed at the end. In it: a signing key, N applications
# (org.libupdater.BenchIdle1..N, each its own small tar.gz 1.0: distinct
# payloads, so that no two downloads share a cache object), updater-server on
# 127.0.0.1, and updater-service --first-check-delay 1. The applications are
# registered with `updaterctl register` (Policy=auto, PollInterval=3600); the
# script waits until each has checked and installed 1.0, stops asking the
# daemon anything, waits UPD_BENCH_SETTLE seconds, then measures:
#
#   window 1 (all processes at once): VmRSS (/proc/PID/status), Pss and
#     Pss_Anon (/proc/PID/smaps_rollup) at the end; threads (/proc/PID/task);
#     context switches per second (voluntary + nonvoluntary, summed over
#     /proc/PID/task/*/status); CPU time (utime + stime of /proc/PID/stat, in
#     clock ticks of 10 ms, and the sum of /proc/PID/task/*/schedstat in µs)
#   window 2: system calls, `strace -f -c -p PID` for the same length (a
#     process that sleeps throughout gives 0: strace -c then writes nothing;
#     "n/a" when ptrace is refused)
#
# Rows: the daemon after its checks; the same daemon restarted (schedule
# loaded from its state: no check due for an hour); `sleep`; `rsync --daemon`
# on 127.0.0.1 when rsync is installed; the private bus's own dbus-daemon.
# Then the daemon's RSS by mapping (/proc/PID/smaps), largest first, and
# grouped by what brings each shared object in (GLib, GnuTLS, libsoup, GIO
# modules, installer plugins, ...).
# MB = 10^6 bytes.
set -euo pipefail

me=service-idle.sh
# shellcheck source=service-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"

bench_parse_args "$@"
bench_private_bus "$@"
bench_build_dir "${args[0]:-}" "${bench_service_programs[@]}"
bench_use_plugins

seconds=${UPD_BENCH_SECONDS:-10}
settle=${UPD_BENCH_SETTLE:-40}
n_apps=${UPD_BENCH_APPS:-5}
bench_need python3 python3

# --- optional tools -------------------------------------------------------------

notes=()
have_strace=0
if command -v strace >/dev/null; then
	have_strace=1
elif [ "$install" = 1 ]; then
	apt_install strace strace
	have_strace=1
else
	notes+=("syscalls: strace is not installed, column skipped (--install installs the Debian package strace)")
fi
have_rsync=0
if command -v rsync >/dev/null; then
	have_rsync=1
elif [ "$install" = 1 ]; then
	apt_install rsync rsync
	have_rsync=1
else
	notes+=("peer rsync --daemon: rsync is not installed, row skipped (--install installs the Debian package rsync)")
fi

# --- the temporary world ----------------------------------------------------------

bench_tmpdir "${TMPDIR:-/tmp}/upd-service-idle.XXXXXX"
bench_home "$tmp"

public_key=$("$publish" keygen "$tmp/key" 2>/dev/null)
for i in $(seq "$n_apps"); do
	mkdir -p "$tmp/payload$i/bin"
	printf '#!/bin/sh\necho "idle bench application %s"\n' "$i" >"$tmp/payload$i/bin/app"
	chmod 755 "$tmp/payload$i/bin/app"
	tar -czf "$tmp/payload$i.tar.gz" -C "$tmp/payload$i" .
	"$publish" release --repo "$tmp/repo" --key "$tmp/key.secret" --app "org.libupdater.BenchIdle$i" \
		--version 1.0 --type tar.gz "$tmp/payload$i.tar.gz" >/dev/null
done

bench_start_server "$tmp/repo"

start_daemon() { bench_start_daemon --first-check-delay 1; }
stop_daemon() { bench_stop "$daemon_pid"; }
start_daemon

for i in $(seq "$n_apps"); do
	cat >"$tmp/app$i.conf" <<EOF
[Application]
Id=org.libupdater.BenchIdle$i
Endpoint=$url
InstallDir=$tmp/install$i
PublicKey=$public_key
Policy=auto
PollInterval=3600
EOF
	"$ctl" register "$tmp/app$i.conf" >/dev/null
done

# every application checked and installed its 1.0 (first check after 1 s)
apps_state() {
	"$ctl" apps --json | python3 -c '
import json, sys
apps = json.load(sys.stdin)["apps"]
done = [a for a in apps if a["state"] == "idle" and a["installed_version"] == "1.0"]
bad = [a["app_id"] + ": " + a["state"] + " " + (a["last_error"] or "") for a in apps
       if a["state"] == "error"]
print(len(done), len(apps), "; ".join(bad))'
}
state=
for _ in $(seq 120); do
	state=$(apps_state)
	read -r n_done _ errors <<<"$state"
	[ "$n_done" = "$n_apps" ] && break
	[ -z "$errors" ] || die "an application failed its first check: $errors"
	sleep 0.5
done
[ "$n_done" = "$n_apps" ] || die "after 60 s, $state of $n_apps applications checked and installed"

# --- measuring ----------------------------------------------------------------------

clk_tck=$(getconf CLK_TCK)
# sample PID FILE: one line per thread "tid ctxsw sched_ns", then "ticks N"
# (utime + stime of the whole process, exited threads included)
sample() {
	local pid=$1 t ctx ns f rest
	{
		for t in /proc/"$pid"/task/*; do
			ctx=0 ns=0
			while read -r f rest; do
				case $f in
				voluntary_ctxt_switches: | nonvoluntary_ctxt_switches:) ctx=$((ctx + rest)) ;;
				esac
			done <"$t/status" 2>/dev/null || continue
			read -r ns rest <"$t/schedstat" 2>/dev/null || ns=0
			echo "${t##*/} $ctx $ns"
		done
		# utime and stime: fields 14 and 15, counted after the ")" that ends the name
		rest=$(sed 's/^.*) //' "/proc/$pid/stat")
		read -r -a f <<<"$rest"
		echo "ticks $((f[11] + f[12]))"
	} >"$2"
}
# delta BEFORE AFTER: "threads_before threads_after ctxsw ticks sched_us", the
# context switches and scheduler time of the threads alive at both ends
delta() {
	awk '
		FNR == 1 { file++ }
		$1 == "ticks" { ticks[file] = $2; next }
		file == 1 { n0++; ctx0[$1] = $2; ns0[$1] = $3; next }
		{ n1++; if ($1 in ctx0) { ctx += $2 - ctx0[$1]; ns += $3 - ns0[$1] } }
		END { printf "%d %d %d %d %d\n", n0, n1, ctx, ticks[2] - ticks[1], ns / 1000 }' "$1" "$2"
}
memory() { # memory PID: "rss_kB pss_kB pss_anon_kB uss_kB"
	local rss
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")
	awk -v rss="${rss:-0}" '
		/^Pss:/ { pss = $2 }
		/^Pss_Anon:/ { anon = $2 }
		/^Private_(Clean|Dirty):/ { uss += $2 }
		END { print rss, pss + 0, anon + 0, uss + 0 }' "/proc/$1/smaps_rollup"
}

results=$tmp/results.tsv
: >"$results"
strace_refused=
# measure "LABEL=PID"...: window 1 then window 2, all the processes at once
measure() {
	local spec label pid
	for spec in "$@"; do
		pid=${spec#*=}
		sample "$pid" "$tmp/before.$pid"
	done
	sleep "$seconds"
	for spec in "$@"; do
		label=${spec%=*} pid=${spec#*=}
		sample "$pid" "$tmp/after.$pid"
		read -r th0 th1 ctx ticks us <<<"$(delta "$tmp/before.$pid" "$tmp/after.$pid")"
		read -r rss pss anon uss <<<"$(memory "$pid")"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rss" "$pss" "$anon" "$uss" \
			"$th0" "$th1" "$ctx" "$ticks" "$us" >"$tmp/w1.$pid"
	done
	local strace_pids=()
	if [ "$have_strace" = 1 ]; then
		for spec in "$@"; do
			pid=${spec#*=}
			timeout -s INT "$seconds" strace -f -c -p "$pid" -o "$tmp/strace.$pid" 2>"$tmp/strace.$pid.err" &
			strace_pids+=($!)
		done
		for pid in "${strace_pids[@]}"; do
			wait "$pid" || true
		done
	fi
	for spec in "$@"; do
		pid=${spec#*=}
		local calls=-
		if [ "$have_strace" = 1 ] && grep -q 'attach:' "$tmp/strace.$pid.err"; then
			# ptrace refused (no CAP_SYS_PTRACE, Yama): no figure rather than a false 0
			calls="n/a"
			strace_refused=$(grep -m1 'attach:' "$tmp/strace.$pid.err")
		elif [ "$have_strace" = 1 ]; then
			# strace -c writes nothing at all when it saw no call
			calls=$(awk '$NF == "total" { print $4; found = 1 } END { if (!found) print 0 }' \
				"$tmp/strace.$pid")
			# which calls, for the notes under the table
			if [ "$calls" != 0 ]; then
				printf '%s: %s\n' "${spec%=*}" "$(awk '$1 ~ /^[0-9.]+$/ && $NF != "total" {
					printf "%s%s x%s", sep, $NF, $4; sep = ", " }' "$tmp/strace.$pid")" \
					>>"$tmp/syscall-notes"
			fi
		fi
		printf '%s\t%s\n' "$(cat "$tmp/w1.$pid")" "$calls" >>"$results"
	done
}

# RSS of PID by mapping (shared objects by name, anonymous memory as [anon])
mappings() {
	awk '
		/^[0-9a-f]+-[0-9a-f]+ / {
			name = $6 == "" ? "[anon]" : $6
			sub(/^.*\//, "", name)
			next
		}
		/^Rss:/ { rss[name] += $2 }
		/^Pss:/ { pss[name] += $2 }
		/^Anonymous:/ { anon[name] += $2 }
		END {
			for (n in rss) if (rss[n] > 0)
				printf "%s\t%d\t%d\t%d\n", n, rss[n], pss[n], anon[n]
		}' "/proc/$1/smaps" | sort -t $'\t' -k2,2nr
}

echo "settling for $settle s after the last check (the applications' first checks and installs are done)..." >&2
sleep "$settle"

# the peers, started now so that they are as settled as they will be
sleep 100000 &
sleep_pid=$!
pids+=("$sleep_pid")
rsync_spec=()
if [ "$have_rsync" = 1 ]; then
	port=$(bench_free_port)
	mkdir -p "$tmp/rsync-module"
	cat >"$tmp/rsyncd.conf" <<EOF
pid file = $tmp/rsyncd.pid
use chroot = no
[bench]
path = $tmp/rsync-module
read only = yes
EOF
	rsync --daemon --no-detach --config="$tmp/rsyncd.conf" --address=127.0.0.1 --port="$port" \
		--log-file="$tmp/rsyncd.log" &
	rsync_pid=$!
	pids+=("$rsync_pid")
	sleep 1
	kill -0 "$rsync_pid" 2>/dev/null || die "rsync --daemon did not start: $(cat "$tmp/rsyncd.log")"
	rsync_spec=("rsync --daemon (peer, idle)=$rsync_pid")
fi
bus_pid=
if [[ ${DBUS_SESSION_BUS_PID:-} =~ ^[0-9]+$ ]]; then
	bus_pid=$DBUS_SESSION_BUS_PID
else
	bus_pid=$(pgrep -P "$PPID" -x dbus-daemon | head -n1 || true)
fi
bus_spec=()
[ -n "$bus_pid" ] && bus_spec=("dbus-daemon (this private session bus)=$bus_pid")

echo "measuring for $seconds s (then $seconds s under strace)..." >&2
measure "updater-service, $n_apps apps, after their checks=$daemon_pid" "sleep (baseline)=$sleep_pid" \
	"${rsync_spec[@]}" "${bus_spec[@]}"
mappings "$daemon_pid" >"$tmp/mappings.after-check"
threads_names=$(cat /proc/"$daemon_pid"/task/*/comm | sort | uniq -c | awk '{ printf "%s%s%s", sep, $2, ($1 > 1 ? " x" $1 : ""); sep = ", " }')

# the same daemon restarted: no check is due for an hour
stop_daemon
start_daemon
echo "restarted updater-service; settling for $settle s..." >&2
sleep "$settle"
# nothing happened but loading the applications: no check, no install
if grep -q "org.libupdater.BenchIdle.*: .*failed" "$tmp/daemon.log"; then
	die "the restarted daemon reported a failure: $(grep 'failed' "$tmp/daemon.log" | tail -n1)"
fi
measure "updater-service restarted, no check since=$daemon_pid"
mappings "$daemon_pid" >"$tmp/mappings.restarted"

# --- the table ------------------------------------------------------------------------

echo
bench_machine
echo "glib $(pkg-config --modversion glib-2.0 2>/dev/null || echo ?), libsoup $(pkg-config --modversion libsoup-3.0 2>/dev/null || echo ?), gnutls $(pkg-config --modversion gnutls 2>/dev/null || echo ?); updater-service from $build"
echo "$n_apps applications (Policy=auto, PollInterval=3600), each checked and on 1.0; windows of $seconds s after $settle s idle"
peers="sleep"
if [ "$have_rsync" = 1 ]; then
	peers="$peers, rsync --daemon ($(rsync --version | awk 'NR == 1 { print $3 }'))"
fi
[ -z "$bus_pid" ] || peers="$peers, dbus-daemon"
echo "peers present: $peers"
for note in "${notes[@]}"; do
	echo "note: $note"
done
echo
awk -F'\t' -v secs="$seconds" -v hz="$clk_tck" '
	function mb(kb) { return kb * 1.024 / 1000 }
	BEGIN {
		printf "%-44s %6s %6s %6s %6s %8s %7s %7s %8s %9s\n", "", "RSS", "PSS", "anon", "USS",
			"threads", "ctx sw", "CPU ms", "CPU µs", "syscalls"
		printf "%-44s %6s %6s %6s %6s %8s %7s %7s %8s %9s\n", "process", "MB", "MB", "MB", "MB",
			"", "per s", "(stat)", "(sched)", "in " secs " s"
	}
	{
		threads = $6 == $7 ? $7 : $6 "->" $7
		printf "%-44s %6.1f %6.1f %6.1f %6.1f %8s %7.1f %7d %8d %9s\n", $1, mb($2), mb($3),
			mb($4), mb($5), threads, $8 / secs, $9 * 1000 / hz, $10, $11
	}' "$results"
rss_mb=$(awk -F'\t' 'NR == 1 { printf "%.1f", $2 * 1.024 / 1000 }' "$results")
pss_mb=$(awk -F'\t' 'NR == 1 { printf "%.1f", $3 * 1.024 / 1000 }' "$results")
verdict=$(awk -v r="$rss_mb" 'BEGIN { print (r < 10 ? "MET" : "MISSED") }')
echo
echo "target RSS < 10 MB: $verdict (RSS $rss_mb MB, PSS $pss_mb MB, after the checks)"
echo "threads of the daemon after the checks: $threads_names"
echo "RSS: VmRSS; PSS, anon (Pss_Anon) and USS (Private_Clean + Private_Dirty: what exiting frees) from smaps_rollup"
echo "CPU ms (stat): utime + stime in clock ticks of $((1000 / clk_tck)) ms; CPU µs (sched): /proc/PID/task/*/schedstat"
echo "ctx sw and CPU µs count the threads alive at both ends of the window (threads: at the start -> at the end)"
if [ "$have_strace" = 1 ] && [ -n "$strace_refused" ]; then
	echo "syscalls: n/a, strace could not attach: $strace_refused"
elif [ "$have_strace" = 1 ]; then
	echo "syscalls: strace -f -c -p for $seconds s, in a second window (0: strace saw no call at all)"
	[ -f "$tmp/syscall-notes" ] && sed 's/^/  calls of /' "$tmp/syscall-notes"
fi

# shared objects by what brings them in (Debian 12 names)
category() {
	case $1 in
	'[heap]' | '[anon]' | '[stack]' | '[vvar]' | '[vdso]' | '[vsyscall]') echo "anonymous memory (heap, thread stacks, ...)" ;;
	updater-service) echo "the program (libupdater linked in)" ;;
	libglib-* | libgobject-* | libgio-* | libgmodule-* | libpcre2-* | libffi.* | libz.* | libmount.* | libblkid.* | libselinux.*)
		echo "GLib, GObject, GIO and their deps" ;;
	libc.* | libm.* | ld-linux* | libgcc_s.* | libresolv.* | libpthread* | libdl.*) echo "C runtime" ;;
	libgnutls.* | libnettle.* | libhogweed.* | libgmp.* | libp11-kit.* | libtasn1.* | libidn2.* | libunistring.* | p11-kit-* | *pkcs11*)
		echo "GnuTLS and its deps" ;;
	libsoup-* | libsqlite3.* | libkrb5* | libk5crypto.* | libgssapi_krb5.* | libcom_err.* | libkeyutils.* | libpsl.* | libbrotli* | libnghttp2.*)
		echo "libsoup and its deps (sqlite, krb5, psl, brotli, nghttp2)" ;;
	libdconfsettings.* | libgiolibproxy.* | libproxy.* | libstdc++.* | libgiognutls.* | libgiognomeproxy.* | libpxbackend* | libcurl* | libduktape*)
		echo "GIO modules (dconf, libproxy and its libstdc++)" ;;
	upd-installer-* | libarchive.* | libxml2.* | libicu* | liblzma.* | libbz2.* | liblz4.* | libacl.* | libnettle* | libb2.* | librpm* | libpopt.* | liblua* | libmagic.* | libcap.* | libelf.* | libaudit.* | libgcrypt.* | libgpg-error.* | libcrypto.*)
		echo "installer plugins and their deps (libarchive, libxml2, ICU, ...)" ;;
	libzstd.* | libprotobuf-c.*) echo "libupdater's own deps (zstd, protobuf-c)" ;;
	*) echo "other files (locale data, dconf and GSettings databases)" ;;
	esac
}

for which in after-check restarted; do
	echo
	if [ "$which" = after-check ]; then
		echo "updater-service after its checks, RSS by mapping (/proc/PID/smaps), MB:"
	else
		echo "updater-service restarted, RSS by mapping, MB:"
	fi
	awk -F'\t' '
		{ rss += $2; pss += $3; anon += $4; n++ }
		$1 ~ /\.so/ { so_rss += $2; so_pss += $3; so_n++ }
		NR <= 12 { printf "  %-36s RSS %6.2f  PSS %6.2f  anon %6.2f\n", $1, $2 * 1.024 / 1000, $3 * 1.024 / 1000, $4 * 1.024 / 1000 }
		END {
			printf "  %d shared objects: RSS %.2f, PSS %.2f; all mappings: RSS %.2f, PSS %.2f, anonymous %.2f\n",
				so_n, so_rss * 1.024 / 1000, so_pss * 1.024 / 1000, rss * 1.024 / 1000,
				pss * 1.024 / 1000, anon * 1.024 / 1000
		}' "$tmp/mappings.$which"
	echo "  by what brings it in (number of mappings in brackets):"
	while IFS=$'\t' read -r name rss pss anon; do
		printf '%s\t%s\t%s\t%s\n' "$(category "$name")" "$rss" "$pss" "$name"
	done <"$tmp/mappings.$which" | awk -F'\t' '
		{ rss[$1] += $2; pss[$1] += $3; n[$1]++ }
		$1 ~ /^other/ { others = others (others == "" ? "" : ", ") $4 }
		END {
			for (c in rss)
				printf "%d\t    %-64s RSS %5.2f  PSS %5.2f  (%d)\n", rss[c], c,
					rss[c] * 1.024 / 1000, pss[c] * 1.024 / 1000, n[c]
			if (others != "")
				printf "0\t    (other files: %s)\n", others
		}' | sort -t $'\t' -k1,1nr | cut -f2-
done
