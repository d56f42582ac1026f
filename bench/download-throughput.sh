#!/usr/bin/env bash
# Download throughput of libupdater against curl, for a 1 GiB object served by
# updater-server and by nginx on loopback, with the CPU time and peak RSS of
# each client.
#
# usage: bench/download-throughput.sh [BUILD_DIR]   (default: build/ at the top of the tree)
#
# environment:
#   UPD_BENCH_WORK=DIR      where the 1 GiB payloads are kept (default: bench/work, git-ignored)
#   UPD_BENCH_RUNS=N        runs per row (default: 3)
#   UPD_BENCH_PAYLOADS=...  "random" (stored raw), "text" (stored zstd), or both (the default)
#   UPD_BENCH_WHATIF=1      add what-if rows for the random payload: updaterctl under
#                           BUILD_DIR/bench/upd-bench-whatif.so, which turns off fsync(),
#                           starts write-back every 16 MiB, or skips SHA-256 (not
#                           libupdater's figures: they show what each step costs)
#   UPD_BENCH_NICE=N        run everything (servers, clients) at nice level N, e.g. -20 as
#                           root on a machine other work keeps busy: the figures are then
#                           less disturbed, and the other work slower meanwhile
#   UPD_BENCH_PERF=1        afterwards, profile one libupdater download and one curl -o
#                           from each server with perf (perf stat and perf record)
#
# Builds nothing: it uses updater-publish, updater-server and updaterctl from
# BUILD_DIR. It makes (once) the payloads in UPD_BENCH_WORK, publishes them
# into a repository in a temporary directory beside them, serves that
# repository with updater-server and with nginx on 127.0.0.1, and for each
# server runs every client in turn, UPD_BENCH_RUNS times, under
# /usr/bin/time. Each libupdater download starts from an empty
# XDG_CACHE_HOME and XDG_STATE_HOME. Downloads are written beside the
# payloads, on the same file system, and removed after each run. MB = 10^6
# bytes, GiB = 2^30 bytes.
#
# Needs curl, nginx (Debian: nginx-light) and GNU time (Debian: time); as root
# with apt-get it installs nginx-light and time when they are missing, and
# stops the system nginx the nginx package starts.
set -euo pipefail

me=download-throughput.sh
# shellcheck source=service-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"
# as root, missing tools are installed with apt-get without being asked
install=1

bench_build_dir "${1:-}" tools/updater-publish tools/updater-server updater-service/updaterctl
whatif_so=$build/bench/upd-bench-whatif.so
whatif=${UPD_BENCH_WHATIF:-0}
if [ "$whatif" = 1 ] && [ ! -f "$whatif_so" ]; then
	echo "$me: $whatif_so is missing; run: ninja -C $build" >&2
	exit 2
fi
if [ -n "${UPD_BENCH_NICE:-}" ]; then
	renice -n "$UPD_BENCH_NICE" -p $$ >/dev/null || {
		echo "$me: cannot set nice level $UPD_BENCH_NICE" >&2
		exit 2
	}
fi
runs=${UPD_BENCH_RUNS:-3}
payloads=${UPD_BENCH_PAYLOADS:-random text}
work=${UPD_BENCH_WORK:-$here/work}
size=$((1024 * 1024 * 1024))

# --- tools -------------------------------------------------------------------

bench_need curl curl
bench_need /usr/bin/time time "GNU time"
nginx=$(command -v nginx || true)
[ -z "$nginx" ] && [ -x /usr/sbin/nginx ] && nginx=/usr/sbin/nginx
if [ -z "$nginx" ]; then
	apt_install nginx nginx-light
	nginx=/usr/sbin/nginx
	# the package starts a system nginx on port 80: this script needs only its own
	echo "stopping the system nginx the package started..." >&2
	systemctl stop nginx 2>/dev/null || "$nginx" -s stop 2>/dev/null || true
fi
[ "${UPD_BENCH_PERF:-0}" != 1 ] || bench_need perf linux-perf
[[ $payloads != *text* ]] || bench_need zstd zstd

# --- payloads ----------------------------------------------------------------

mkdir -p "$work"
# random: does not compress, so the repository stores it raw
make_random() {
	{
		printf '#!/bin/sh\nexit 0\n'
		head -c "$((size - 17))" /dev/urandom
	} >"$1"
}
# text: the files of /usr/lib, then /usr/share, in name order, cut at 1 GiB:
# compresses about 3.7 times with zstd -12, like a real application
make_text() {
	{
		printf '#!/bin/sh\nexit 0\n'
		find /usr/lib /usr/share -type f -readable -print0 2>/dev/null | LC_ALL=C sort -z |
			xargs -0 cat 2>/dev/null
	} | head -c "$size" >"$1" || true # head stops the writers early (SIGPIPE)
}
for kind in $payloads; do
	case $kind in
	random | text) ;;
	*) die "UPD_BENCH_PAYLOADS: unknown payload $kind (random, text)" ;;
	esac
	file=$work/payload-$kind-1GiB
	if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -ne "$size" ]; then
		echo "making $file (1 GiB, $kind)..." >&2
		"make_$kind" "$file.tmp"
		[ "$(stat -c %s "$file.tmp")" -eq "$size" ] ||
			die "$file.tmp: only $(stat -c %s "$file.tmp") bytes; /usr/lib and /usr/share hold less than 1 GiB"
		mv "$file.tmp" "$file"
	fi
done

bench_tmpdir "$work/dl.XXXXXX"
bench_home "$tmp"
# GIO would otherwise start dconf for the proxy settings
export GSETTINGS_BACKEND=memory
mkdir -p "$tmp/install"

# --- repository --------------------------------------------------------------

"$publish" keygen "$tmp/key" >"$tmp/key.line" 2>/dev/null
public_key=$(head -n1 "$tmp/key.line")
declare -A object stored
for kind in $payloads; do
	app=org.libupdater.Bench.${kind^}
	echo "publishing the $kind payload as $app..." >&2
	start=$(date +%s.%N)
	"$publish" release --repo "$tmp/repo" --key "$tmp/key.secret" --app "$app" --version 1.0.0 \
		--type exe "$work/payload-$kind-1GiB" >/dev/null
	end=$(date +%s.%N)
	# the object is the one file in objects/ that no earlier payload put there
	object[$kind]=$(cd "$tmp/repo" && find objects -type f | LC_ALL=C sort |
		while read -r path; do
			for seen in "${object[@]:-}"; do [ "$path" = "$seen" ] && continue 2; done
			echo "$path"
		done)
	[ "$(wc -l <<<"${object[$kind]}")" -eq 1 ] || die "cannot tell the object of $kind: ${object[$kind]}"
	stored[$kind]=$(stat -c %s "$tmp/repo/${object[$kind]}")
	printf '  %s: %s bytes stored (%s), published in %.1f s\n' "$kind" "${stored[$kind]}" \
		"$(case ${object[$kind]} in *.zst) echo zstd ;; *) echo raw ;; esac)" \
		"$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" >&2
done
# the servers read the objects from the page cache, not the disk
sync
cat "$tmp/repo/objects"/*/* >/dev/null

# --- servers -----------------------------------------------------------------

# nginx as Debian configures it (sendfile on, tcp_nopush on), in the
# foreground, one process, on a free port; retried if another process takes it
start_nginx() {
	local port
	mkdir -p "$tmp/nginx"
	for _ in 1 2 3 4 5; do
		port=$(bench_free_port)
		cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $tmp/nginx/nginx.pid;
error_log stderr;
events {}
http {
 access_log off;
 sendfile on;
 tcp_nopush on;
 default_type application/octet-stream;
 client_body_temp_path $tmp/nginx/body;
 proxy_temp_path $tmp/nginx/proxy;
 fastcgi_temp_path $tmp/nginx/fastcgi;
 uwsgi_temp_path $tmp/nginx/uwsgi;
 scgi_temp_path $tmp/nginx/scgi;
 server { listen 127.0.0.1:$port; root $tmp/repo; }
}
EOF
		"$nginx" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" 2>"$tmp/nginx/err" &
		nginx_pid=$!
		pids+=("$nginx_pid")
		for _ in $(seq 100); do
			if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
				server_url[nginx]=http://127.0.0.1:$port/
				return 0
			fi
			kill -0 "$nginx_pid" 2>/dev/null || break
			sleep 0.05
		done
		bench_stop "$nginx_pid"
		nginx_pid=
	done
	die "nginx did not start: $(cat "$tmp/nginx/err")"
}

declare -A server_url server_proc
bench_start_server "$tmp/repo"
server_url[updater-server]=$url
server_proc[updater-server]=$server_pid
start_nginx
server_proc[nginx]=$nginx_pid
servers="updater-server nginx"
nginx_version=$("$nginx" -v 2>&1 | sed 's/^nginx version: //')

clk_tck=$(getconf CLK_TCK)

# --- clients -----------------------------------------------------------------

# writes "%e %U %S %M" of the command to $tmp/time.out; the command's own
# output goes to $tmp/cmd.out and $tmp/cmd.err
timed() {
	/usr/bin/time -o "$tmp/time.out" -f '%e %U %S %M' "$@" >"$tmp/cmd.out" 2>"$tmp/cmd.err" || {
		echo "$me: failed: $*" >&2
		cat "$tmp/cmd.err" >&2
		exit 1
	}
}

write_conf() { # KIND URL
	cat >"$tmp/$1-$2.conf" <<EOF
[Application]
Id=org.libupdater.Bench.${1^}
Endpoint=${server_url[$2]}
PublicKey=$public_key
InstallDir=$tmp/install
EOF
}

# clients of a payload, in the order each run takes them
clients_of() {
	case $1 in
	random)
		echo "curl curl+sync updaterctl"
		[ "$whatif" != 1 ] || echo "whatif:nofsync whatif:writeback whatif:nohash whatif:nohash,writeback whatif:nohash,nofsync"
		;;
	text) echo "curl curl+sync curl|zstd updaterctl" ;;
	esac
}
client_label() {
	case $1 in
	curl) echo "curl -o FILE" ;;
	curl+sync) echo "curl -o FILE; sync FILE" ;;
	"curl|zstd") echo "curl | zstd -d -o FILE" ;;
	updaterctl) echo "updaterctl download" ;;
	whatif:*) echo "  what-if: ${1#whatif:}" ;;
	esac
}

# one run of CLIENT for KIND from SERVER; appends a line to $tmp/results.tsv
run_one() {
	local kind=$1 srv=$2 client=$3 run=$4
	local url=${server_url[$srv]}${object[$kind]} out=$tmp/out/download
	local before after received=${stored[$kind]} cached
	rm -rf "$tmp/out"
	mkdir -p "$tmp/out"
	# nothing of the previous run left to write back meanwhile
	sync
	# the object in the page cache (this machine may page out what is idle)
	cat "$tmp/repo/${object[$kind]}" >/dev/null
	before=$(bench_ticks "${server_proc[$srv]}")
	case $client in
	curl)
		timed curl -s -S -f -o "$out" "$url"
		[ "$(stat -c %s "$out")" -eq "${stored[$kind]}" ] || die "curl: $(stat -c %s "$out") bytes"
		;;
	curl+sync)
		# shellcheck disable=SC2016 # expanded by that sh
		timed sh -c 'curl -s -S -f -o "$1" "$2" && sync "$1"' sh "$out" "$url"
		[ "$(stat -c %s "$out")" -eq "${stored[$kind]}" ] || die "curl: $(stat -c %s "$out") bytes"
		;;
	"curl|zstd")
		# shellcheck disable=SC2016 # expanded by that sh
		timed bash -c 'set -o pipefail; curl -s -S -f "$2" | zstd -d -q -f -o "$1"' sh "$out" "$url"
		[ "$(stat -c %s "$out")" -eq "$size" ] || die "curl | zstd: $(stat -c %s "$out") bytes"
		;;
	updaterctl | whatif:*)
		if [ "$client" = updaterctl ]; then
			set -- "$ctl"
		else
			# the object's name is the SHA-256 of its content
			set -- env LD_PRELOAD="$whatif_so" UPD_WHATIF="${client#whatif:}" \
				UPD_WHATIF_SHA256="$(basename "${object[$kind]}" .zst)" "$ctl"
		fi
		XDG_CACHE_HOME=$tmp/out/cache XDG_STATE_HOME=$tmp/out/state \
			timed "$@" --config "$tmp/$kind-$srv.conf" download --json
		received=$(sed -n 's/^ *"bytes_received": \([0-9]*\).*/\1/p' "$tmp/cmd.out")
		[ "$received" = "${stored[$kind]}" ] ||
			die "updaterctl received ${received:-?} bytes, not ${stored[$kind]}: $(cat "$tmp/cmd.out")"
		cached=$tmp/out/cache/updater/objects/${object[$kind]#objects/}
		cached=${cached%.zst}
		[ "$(stat -c %s "$cached")" -eq "$size" ] || die "updaterctl: $cached is not 1 GiB"
		;;
	esac
	after=$(bench_ticks "${server_proc[$srv]}")
	read -r secs user sys rss <"$tmp/time.out"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$srv" "$client" "$run" "$secs" \
		"$user" "$sys" "$rss" "$(awk -v t=$((after - before)) -v h="$clk_tck" 'BEGIN { print t / h }')" \
		"$received" >>"$tmp/results.tsv"
	rm -rf "$tmp/out"
}

model=$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
echo "cpu: $model ($(nproc) CPUs, shared by the server and the client)"
echo "servers on 127.0.0.1: updater-server ($build), $nginx_version (sendfile on)"
echo "clients: $(curl --version | head -n1 | cut -d' ' -f1-2), updaterctl ($build)"
echo "downloads written to $tmp (file system: $(df --output=fstype "$tmp" | tail -n1)), removed after each run"
echo "$runs runs per row, one run of every client after the other; MB = 10^6 bytes"
echo "nice level $(nice); load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

: >"$tmp/results.tsv"
for kind in $payloads; do
	for srv in $servers; do
		write_conf "$kind" "$srv"
		# untimed: the first connection, and the first 1 GiB of page cache
		curl -s -S -f -o "$tmp/warm-up" "${server_url[$srv]}${object[$kind]}"
		rm -f "$tmp/warm-up"
		for run in $(seq "$runs"); do
			for client in $(clients_of "$kind"); do
				echo "  $kind from $srv, run $run: $client" >&2
				run_one "$kind" "$srv" "$client" "$run"
			done
		done
	done
done

# --- summary -----------------------------------------------------------------

# per row: best and median seconds, MB/s on the wire for both, median CPU
# seconds (user+sys) for the 1 GiB payload, peak RSS over the runs, median
# server CPU seconds
summarise() { # KIND SERVER CLIENT
	awk -F'\t' -v k="$1" -v s="$2" -v c="$3" '
		$1 == k && $2 == s && $3 == c {
			n++; t[n] = $5; cpu[n] = $6 + $7; usr[n] = $6; sys[n] = $7; srv[n] = $9
			if ($8 > rss) rss = $8; bytes = $10
		}
		function median(a, n,   i, j, x) {
			for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END {
			if (n == 0) exit 1
			best = t[1]; for (i = 2; i <= n; i++) if (t[i] < best) best = t[i]
			med = median(t, n)
			printf "%.3f\t%.3f\t%.1f\t%.1f\t%.2f\t%.2f\t%.2f\t%.1f\t%.2f\t%d\n", best, med,
				bytes / 1e6 / best, bytes / 1e6 / med, median(cpu, n), median(usr, n),
				median(sys, n), rss / 1024, median(srv, n), bytes
		}' "$tmp/results.tsv"
}

status_line=
for kind in $payloads; do
	if [ "$kind" = random ]; then
		echo "== random payload: 1 GiB stored raw (${stored[$kind]} bytes on the wire) =="
	else
		echo "== text payload: 1 GiB stored zstd (${stored[$kind]} bytes on the wire) =="
		echo "   MB/s are of the bytes on the wire; 'content MB/s' of the 1 GiB the client ends with"
	fi
	printf '%-15s %-24s %9s %9s %9s %9s %8s %8s %8s %9s %8s %11s\n' server client "best MB/s" "med MB/s" \
		"best s" "med s" "CPU s" "user s" "sys s" "RSS MiB" "srv CPU" "vs curl"
	for srv in $servers; do
		curl_row=$(summarise "$kind" "$srv" curl)
		IFS=$'\t' read -r _ _ curl_best curl_med _ <<<"$curl_row"
		for client in $(clients_of "$kind"); do
			IFS=$'\t' read -r best med best_mbs med_mbs cpu usr sys rss srv_cpu _ <<<"$(summarise "$kind" "$srv" "$client")"
			ratio=$(awk -v a="$best_mbs" -v b="$curl_best" -v c="$med_mbs" -v d="$curl_med" \
				'BEGIN { printf "%.0f%%/%.0f%%", 100 * a / b, 100 * c / d }')
			printf '%-15s %-24s %9s %9s %9s %9s %8s %8s %8s %9s %8s %11s\n' "$srv" "$(client_label "$client")" \
				"$best_mbs" "$med_mbs" "$best" "$med" "$cpu" "$usr" "$sys" "$rss" "$srv_cpu" "$ratio"
			if [ "$kind" = text ] && [ "$client" != curl ] && [ "$client" != curl+sync ]; then
				printf '%-15s %-24s %9s %9s   (content MB/s)\n' "" "" \
					"$(awk -v t="$best" -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 / t }')" \
					"$(awk -v t="$med" -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 / t }')"
			fi
			if [ "$kind" = random ] && [ "$client" = updaterctl ]; then
				verdict=$(awk -v a="$best_mbs" -v b="$curl_best" -v c="$med_mbs" -v d="$curl_med" 'BEGIN {
					x = a / b >= 0.9; y = c / d >= 0.9
					print x && y ? "MET" : (!x && !y ? "NOT MET" : "NOT MET on one of best/median")
				}')
				status_line+="  from $srv: libupdater reaches $(awk -v a="$best_mbs" -v b="$curl_best" 'BEGIN { printf "%.0f", 100 * a / b }') % (best) / $(awk -v c="$med_mbs" -v d="$curl_med" 'BEGIN { printf "%.0f", 100 * c / d }') % (median) of curl -o: target ≥ 90 % $verdict"$'\n'
			fi
		done
	done
	echo
done
cat <<EOF
CPU s: user+sys seconds of the client for the 1 GiB payload (median of the runs), = CPU s per GiB
RSS: the client's peak resident set over the runs; srv CPU: the server's CPU seconds in the run (median)
vs curl: best MB/s against curl -o's best, then median against median, from the same server
updaterctl download includes the check, the plan, SHA-256 verification and the final fsync;
curl -o writes the file without fsync (the 'sync FILE' row adds one)
EOF
if [ -n "$status_line" ]; then
	echo
	echo "Target (issue 3): libupdater ≥ 90 % of curl's throughput, random 1 GiB, verification on:"
	printf '%s' "$status_line"
fi
cp "$tmp/results.tsv" "$work/download-throughput.tsv"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "every run: $work/download-throughput.tsv (payload, server, client, run, s, user, sys, RSS KiB, server CPU s, bytes)"

# --- profiles ----------------------------------------------------------------

if [ "${UPD_BENCH_PERF:-0}" = 1 ]; then
	kind=$(awk '{ print $1 }' <<<"$payloads")
	for srv in $servers; do
		url=${server_url[$srv]}${object[$kind]}
		echo
		echo "== perf, $kind payload from $srv =="
		for client in updaterctl curl; do
			rm -rf "$tmp/out"
			mkdir -p "$tmp/out"
			sync
			if [ "$client" = curl ]; then
				set -- curl -s -S -f -o "$tmp/out/download" "$url"
			else
				set -- env XDG_CACHE_HOME="$tmp/out/cache" XDG_STATE_HOME="$tmp/out/state" \
					"$ctl" --config "$tmp/$kind-$srv.conf" download --json
			fi
			echo "-- perf stat: $client"
			perf stat -e task-clock,context-switches,cpu-migrations,page-faults -- "$@" 2>&1 >/dev/null |
				grep -E 'task-clock|context-switches|migrations|page-faults|elapsed|user|sys'
			rm -rf "$tmp/out"
			mkdir -p "$tmp/out"
			sync
			perf record -q -o "$tmp/perf.data" -- "$@" >/dev/null 2>&1
			echo "-- perf record: $client, samples by thread and shared object (≥ 1 %)"
			perf report -i "$tmp/perf.data" --stdio --no-children --percent-limit 1 \
				--sort comm,dso 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
			echo "-- perf record: $client, kernel symbols (≥ 1 % of all samples)"
			perf report -i "$tmp/perf.data" --stdio --no-children --percent-limit 1 \
				--dsos '[kernel.kallsyms]' --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -15
			rm -f "$tmp/perf.data"
		done
	done
	rm -rf "$tmp/out"
fi
