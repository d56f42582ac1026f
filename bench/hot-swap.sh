#!/usr/bin/env bash
# Hot swap under load: request latency of demo-app in steady state and while
# its greeter plugin is swapped 1.0 <-> 2.0 every 100 ms, and the swap
# durations demo-app reports. The benchmark of issue 5.
#
# usage: bench/hot-swap.sh [BUILD_DIR]      (default: build/ at the top of the tree)
#
# Environment: UPD_BENCH_CLIENTS (connections, default 8), UPD_BENCH_SECONDS
# (per phase, default 10), UPD_BENCH_SWAP_INTERVAL_MS (default 100),
# UPD_BENCH_SWAPPER (client: a thread of upd-bench-swap-client swaps, the
# default; shell: this script swaps with ln -s and mv -T, two processes per
# swap).
#
# Builds nothing: it uses demo-app, the two greeter modules and
# upd-bench-swap-client from BUILD_DIR. In a temporary directory it lays out
# plugins/greeter/versions/{1.0,2.0}/libgreeter.so (copies) with
# current -> versions/1.0 and starts demo-app --port 0 on it. Phase A: the
# clients call GET / for UPD_BENCH_SECONDS. Phase B: the same load while
# current is pointed at the other version every UPD_BENCH_SWAP_INTERVAL_MS (a
# new link renamed over the old one: ln -s, mv -T), as an install does.
# Markdown tables on stdout. Exit status 1 when a request or a swap failed or
# an answer was wrong, 2 for a usage or build problem.
set -euo pipefail

me=hot-swap.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || {
	echo "$me: no build directory ${1:-$top/build}; run: meson setup build && ninja -C build" >&2
	exit 2
}
clients=${UPD_BENCH_CLIENTS:-8}
seconds=${UPD_BENCH_SECONDS:-10}
interval_ms=${UPD_BENCH_SWAP_INTERVAL_MS:-100}
swapper=${UPD_BENCH_SWAPPER:-client}
if [ "$swapper" != client ] && [ "$swapper" != shell ]; then
	echo "$me: UPD_BENCH_SWAPPER is client or shell" >&2
	exit 2
fi
for value in "$clients" "$seconds" "$interval_ms"; do
	if ! [[ $value =~ ^[1-9][0-9]*$ ]]; then
		echo "$me: UPD_BENCH_CLIENTS, UPD_BENCH_SECONDS and UPD_BENCH_SWAP_INTERVAL_MS are whole numbers above 0" >&2
		exit 2
	fi
done
demo=$build/demo-app/demo-app
client=$build/bench/upd-bench-swap-client
greeter_1_0=$build/demo-app/plugins/greeter-1.0/libgreeter.so
greeter_2_0=$build/demo-app/plugins/greeter-2.0/libgreeter.so
for program in "$demo" "$client" "$greeter_1_0" "$greeter_2_0"; do
	if [ ! -f "$program" ]; then
		echo "$me: $program is missing; run: ninja -C $build" >&2
		exit 2
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/upd-bench-swap.XXXXXX")
demo_pid=
client_pid=
cleanup() {
	local pid
	for pid in $client_pid $demo_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

now_us() { # microseconds of the wall clock, without a fork
	local t=${EPOCHREALTIME/[.,]/}
	echo $((10#$t))
}

# the first three fields of /proc/loadavg
loadavg() {
	local one five fifteen rest
	read -r one five fifteen rest </proc/loadavg
	echo "$one $five $fifteen"
}

hz=$(getconf CLK_TCK)
# CPU seconds (user + system) of a process so far
cpu_seconds() {
	awk -v hz="$hz" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}
# CPU seconds the machine spent busy so far (all CPUs, all processes)
busy_seconds() {
	awk -v hz="$hz" '$1 == "cpu" { printf "%.2f", ($2 + $3 + $4 + $7 + $8 + $9) / hz; exit }' /proc/stat
}

swap_lines() { # lines of demo-app's stdout matching the pattern
	grep -c -- "$1" "$tmp/demo.out" || true
}

# --- the plugin directory and demo-app ------------------------------------------

slot=$tmp/plugins/greeter
mkdir -p "$slot/versions/1.0" "$slot/versions/2.0"
cp "$greeter_1_0" "$slot/versions/1.0/libgreeter.so"
cp "$greeter_2_0" "$slot/versions/2.0/libgreeter.so"
ln -s versions/1.0 "$slot/current"

model=$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
cores=$(lscpu -p=core 2>/dev/null | grep -v '^#' | sort -u | wc -l)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	commit="$commit + uncommitted changes"
fi
buildtype=$(sed -n 's/^buildtype *= *//p' "$build/meson-private/cmd_line.txt" 2>/dev/null || true)
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $model, $(nproc) CPUs ($cores cores), kernel $(uname -r); demo-app and the clients share them"
echo "load average at start: $(loadavg)"
echo "build: $build (buildtype ${buildtype:-default}), commit $commit"
echo "load: $clients keep-alive connections calling GET / in a loop, $seconds s per phase;" \
	"swaps every $interval_ms ms in phase B"
echo

"$demo" --port 0 --plugin-dir "$tmp/plugins" >"$tmp/demo.out" 2>"$tmp/demo.err" &
demo_pid=$!
url=
for _ in $(seq 200); do
	url=$(sed -n '1s/^listening on //p' "$tmp/demo.out")
	[ -n "$url" ] && break
	if ! kill -0 "$demo_pid" 2>/dev/null; then
		echo "$me: demo-app exited:" >&2
		cat "$tmp/demo.err" >&2
		exit 1
	fi
	sleep 0.05
done
if [ -z "$url" ]; then
	echo "$me: demo-app printed no URL in 10 s" >&2
	exit 1
fi

failed=0
# run_client NAME [OPTION...]: the clients for the phase's time, in the
# background; the CPU times at the start go to cpu_start
run_client() {
	local name=$1
	shift
	cpu_start="$(cpu_seconds "$demo_pid") $(busy_seconds)"
	"$client" --tsv --clients "$clients" --duration "$seconds" "$@" "$url" >"$tmp/$name.tsv" 2>"$tmp/$name.err" &
	client_pid=$!
}
# end_client NAME: waits for the clients; a failure is reported, not fatal yet.
# cpu: demo-app's CPU seconds during the phase and the machine's busy seconds
end_client() {
	local status=0
	wait "$client_pid" || status=$?
	client_pid=
	cpu="$cpu_start $(cpu_seconds "$demo_pid") $(busy_seconds)"
	if [ "$status" != 0 ] || [ -s "$tmp/$1.err" ]; then
		echo "$me: $1: the clients failed (status $status):" >&2
		sed 's/^/  /' "$tmp/$1.err" >&2
		failed=1
	fi
	if [ ! -s "$tmp/$1.tsv" ]; then
		echo "$me: $1: the clients printed no figures" >&2
		exit 1
	fi
}

# --- phase A: steady state ------------------------------------------------------

run_client steady
end_client steady
cpu_a=$cpu
load_a=$(loadavg)
if [ "$(swap_lines '^swap ')" != 0 ]; then
	echo "$me: demo-app swapped without being asked:" >&2
	grep '^swap ' "$tmp/demo.out" >&2
	failed=1
fi

# --- phase B: the same load, swapping -------------------------------------------

if [ "$swapper" = client ]; then
	run_client swaps --swap "$slot" --swap-interval-ms "$interval_ms"
	end_client swaps
else
	# read -t on a FIFO nobody writes to: a sleep without a fork
	mkfifo "$tmp/sleep"
	exec {sleep_fd}<>"$tmp/sleep"
	version=1.0
	triggered=0
	run_client swaps
	next=$(now_us)
	end=$((next + seconds * 1000000))
	while kill -0 "$client_pid" 2>/dev/null; do
		next=$((next + interval_ms * 1000))
		[ "$next" -lt "$end" ] || break
		wait_us=$((next - $(now_us)))
		if [ "$wait_us" -gt 0 ]; then
			printf -v wait_s '%d.%06d' $((wait_us / 1000000)) $((wait_us % 1000000))
			read -r -t "$wait_s" -u "$sleep_fd" _ || true
		else
			next=$((next - wait_us)) # late: no second swap right after this one
		fi
		if [ "$version" = 1.0 ]; then version=2.0; else version=1.0; fi
		ln -s "versions/$version" "$slot/.current-$triggered"
		mv -T "$slot/.current-$triggered" "$slot/current"
		triggered=$((triggered + 1))
	done
	end_client swaps
	exec {sleep_fd}>&-
fi
cpu_b=$cpu
load_b=$(loadavg)
version=$(readlink "$slot/current")
version=${version#versions/}

# the last swap may still be on its way: wait until demo-app runs what
# current names (5 s at most; after a failed swap it may rightly differ)
running() { # the version demo-app runs after its last completed swap
	awk '/^swap greeter .* completed in / { v = $5 } END { print (v == "" ? "1.0" : v) }' "$tmp/demo.out"
}
for _ in $(seq 100); do
	[ "$(running)" = "$version" ] && break
	[ "$(swap_lines '^swap .* failed: ')" = 0 ] || break
	sleep 0.05
done
sleep 0.2
completed=$(swap_lines '^swap greeter .* completed in [0-9]* us$')
swap_failed=$(swap_lines '^swap .* failed: ')
if [ "$(running)" != "$version" ] && [ "$swap_failed" = 0 ]; then
	echo "$me: current names $version, demo-app runs $(running) after its last swap" >&2
	failed=1
fi
if [ "$swap_failed" != 0 ]; then
	echo "$me: $swap_failed swaps failed:" >&2
	grep '^swap .* failed: ' "$tmp/demo.out" | head -n5 | sed 's/^/  /' >&2
	failed=1
fi
if [ $((completed + swap_failed)) != "$(swap_lines '^swap ')" ]; then
	echo "$me: demo-app printed lines of another format:" >&2
	grep '^swap ' "$tmp/demo.out" | grep -v -e ' completed in [0-9]* us$' -e ' failed: ' | head -n5 >&2
	failed=1
fi

kill "$demo_pid"
demo_status=0
wait "$demo_pid" || demo_status=$?
demo_pid=
served=$(sed -n 's/^demo-app: served \([0-9]*\) requests, refused \([0-9]*\)$/\1 \2/p' "$tmp/demo.err")
if [ "$demo_status" != 0 ] || [ -z "$served" ]; then
	echo "$me: demo-app did not exit cleanly (status $demo_status):" >&2
	tail -n5 "$tmp/demo.err" >&2
	failed=1
fi

# --- tables ---------------------------------------------------------------------

IFS=$'\t' read -r a_requests _ a_rate a_errors a_refused a_p50 a_p90 a_p99 a_p999 a_max a_over \
	_ _ a_changes a_first a_last _ _ _ _ _ a_client_cpu <"$tmp/steady.tsv"
IFS=$'\t' read -r b_requests _ b_rate b_errors b_refused b_p50 b_p90 b_p99 b_p999 b_max b_over \
	b_v1 b_v2 b_changes b_first b_last x_count x_p50 x_p99 x_max b_triggered b_client_cpu <"$tmp/swaps.tsv"
[ "$swapper" = shell ] || triggered=$b_triggered
# demo-app's CPU seconds, the clients', and everything else's on the machine
cpu_columns() { # DEMO_START MACHINE_START DEMO_END MACHINE_END CLIENT
	awk -v d0="$1" -v m0="$2" -v d1="$3" -v m1="$4" -v c="$5" \
		'BEGIN { printf "%.2f | %.2f | %.2f", d1 - d0, c, (m1 - m0) - (d1 - d0) - c }'
}
# shellcheck disable=SC2086 # the CPU times are a list of words
cpu_a=$(cpu_columns $cpu_a "$a_client_cpu")
# shellcheck disable=SC2086
cpu_b=$(cpu_columns $cpu_b "$b_client_cpu")
if [ -n "$served" ]; then
	read -r served refused <<<"$served"
	# a request that failed on the way may or may not have been served
	if [ "$refused" != 0 ] || { [ $((a_errors + b_errors)) = 0 ] && [ "$served" != $((a_requests + b_requests)) ]; }; then
		echo "$me: demo-app served $served requests and refused $refused;" \
			"the clients counted $((a_requests + b_requests)) answers and $((a_errors + b_errors)) failures" >&2
		failed=1
	fi
fi
if [ "$a_changes" != 0 ] || [ "$b_changes" -gt "$completed" ]; then
	echo "$me: the answers change version $a_changes times in phase A and $b_changes times in phase B" \
		"in counter order, for 0 and $completed swaps" >&2
	failed=1
fi
if [ "$b_first" -le "$a_last" ]; then
	echo "$me: the counter went back from $a_last (phase A) to $b_first (phase B)" >&2
	failed=1
fi

echo "| phase | requests | req/s | errors | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | > 1 ms | CPU s demo-app | clients | others | load average after |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
printf '| steady | %s | %s | %s | %s | %s | %s | %s | %s | %s %% | %s | %s |\n' "$a_requests" "$a_rate" \
	"$a_errors" "$a_p50" "$a_p90" "$a_p99" "$a_p999" "$a_max" "$a_over" "$cpu_a" "$load_a"
printf '| during swaps | %s | %s | %s | %s | %s | %s | %s | %s | %s %% | %s | %s |\n' "$b_requests" "$b_rate" \
	"$b_errors" "$b_p50" "$b_p90" "$b_p99" "$b_p999" "$b_max" "$b_over" "$cpu_b" "$load_b"
printf '| … first answer per client from a new version | %s | | | %s | | %s | | %s | | | | | |\n' "$x_count" \
	"$x_p50" "$x_p99" "$x_max"
echo
# the nearest-rank percentiles of the swap durations
durations=$(sed -n 's/^swap greeter .* completed in \([0-9]*\) us$/\1/p' "$tmp/demo.out" | sort -n |
	awk '{ v[NR] = $1 }
	function p(q,  r) { r = int((NR * q + 99) / 100); if (r < 1) r = 1; return v[r] }
	END { if (NR == 0) print "- - - -"; else print p(50), p(90), p(99), v[NR] }')
read -r d_p50 d_p90 d_p99 d_max <<<"$durations"
echo "| swaps triggered | completed | failed | duration p50 µs | p90 µs | p99 µs | max µs |"
echo "|--:|--:|--:|--:|--:|--:|--:|"
echo "| $triggered | $completed | $swap_failed | $d_p50 | $d_p90 | $d_p99 | $d_max |"
echo
echo "swaps by: $swapper (UPD_BENCH_SWAPPER); CPU s others: the machine's busy time (/proc/stat) less demo-app's and the clients'."
echo "errors: failed requests (refused connections and HTTP 503 included: $a_refused and $b_refused)."
echo "answers in phase B: $b_v1 from 1.0, $b_v2 from 2.0; the version changes $b_changes times in counter order;" \
	"counter $a_first..$a_last in phase A, $b_first..$b_last in phase B, each value once."
echo "swap duration: demo-app's swap-completed, from stopping the old version to the new one started" \
	"(the new module is opened before, while the old one serves)."
echo "latency: from the first byte of the request written to the last byte of the answer read," \
	"on one of $clients keep-alive connections."
if [ "$failed" != 0 ]; then
	echo
	echo "FAILED: see the messages above" >&2
	exit 1
fi
