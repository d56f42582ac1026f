#!/usr/bin/env bash
# A 1 GiB update through updater-service: wall time, throughput, the daemon's
# peak RSS and CPU time, beside the same install done in-process by
# `updaterctl --config` and `curl -o` of the same object from the same server.
#
# usage: bench/service-update.sh [--install] [--type tar.gz|tree] [BUILD_DIR]
#        (default: tar.gz, and build/ at the top of the tree)
#
#   --install    as root, install missing tools with apt-get (curl, GNU time)
#   --type tree  publish the payload as a directory tree instead of a tar.gz
#                (libupdater refuses to expand a tree past 256 MiB, its
#                UPD_INSTALL_EXPAND_FLOOR: use SIZE_MB=256 or less)
#
# environment:
#   SIZE_MB=N             the payload in MiB (default: 1024): files of at most 128 MiB
#                         from /dev/urandom, so nothing compresses; SIZE_MB=64 is a quick run
#   UPD_BENCH_CACHE=DIR   where the payload is made once and kept (default:
#                         /tmp/libupdater-bench-cache; the run's own files go in a
#                         temporary directory beside it, on the same file system)
#   UPD_BENCH_INTERVAL=S  sampling period of the daemon (default: 0.2)
#
# Builds nothing: it uses updater-publish, updater-server, updater-service and
# updaterctl from BUILD_DIR and the installer plugins of BUILD_DIR/plugins. It
# runs itself again under `dbus-run-session` (a private session bus: the
# user's own updater-service is never involved); HOME and XDG_* point into
# the temporary directory, removed at the end.
#
#  1. A signing key; version 1.0 of org.libupdater.BenchUpdate (a tar.gz of one
#     small file) is published, served by updater-server on 127.0.0.1,
#     registered with the daemon (Policy=manual: the daemon does nothing on its
#     own) and installed through it, and installed in-process into a second
#     install directory with its own state and cache.
#  2. 2.0, the big payload, is published into the same repository (timed, for
#     information); the server reads manifests per request, so 2.0 appears to
#     both clients as a new release. The object is read once so that the
#     server sends it from the page cache, and `sync` runs before every row.
#  3. Rows, one run each:
#     - updater-service: `updaterctl install APP` (check, plan, download with
#       SHA-256 verification, install); the daemon's peak RSS is VmHWM after
#       resetting it (`echo 5 > /proc/PID/clear_refs`) just before, and the
#       largest VmRSS of a sample every UPD_BENCH_INTERVAL s; its CPU time is
#       utime + stime of /proc/PID/stat; `updaterctl monitor --json`, stamped on
#       receipt, gives the phases (check+plan, download, install)
#     - in-process: `updaterctl --config FILE install` under GNU time (wall, user,
#       sys, peak RSS)
#     - curl -o FILE (the raw transfer), and curl -o FILE then `sync FILE`
#       (curl's figure when the file must be on disk, as libupdater's is)
#     Each row's files are removed before the next. MB/s = the object's bytes
#     (10^6) per second of wall time.
set -euo pipefail

me=service-update.sh
# shellcheck source=service-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"

type=tar.gz
bench_option() { # --type tar.gz|tree, --type=...
	case $1 in
	--type)
		[ $# -ge 2 ] || { echo "$me: --type needs tar.gz or tree" >&2; exit 2; }
		type=$2
		bench_took=2
		;;
	--type=*) type=${1#--type=} ;;
	*) return 1 ;;
	esac
}
bench_parse_args "$@"
case $type in
tar.gz | tree) ;;
*) echo "$me: --type $type: tar.gz or tree" >&2; exit 2 ;;
esac
bench_private_bus "$@"
bench_build_dir "${args[0]:-}" "${bench_service_programs[@]}" plugins/tree
bench_use_plugins

bench_need curl curl
bench_need /usr/bin/time time "GNU time"
bench_need python3 python3
bench_need gzip gzip

size_mb=${SIZE_MB:-1024}
[[ $size_mb =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB=$size_mb is not a positive number of MiB"
size=$((size_mb * 1024 * 1024))
interval=${UPD_BENCH_INTERVAL:-0.2}
cache=${UPD_BENCH_CACHE:-/tmp/libupdater-bench-cache}
app_id=org.libupdater.BenchUpdate
if [ "$type" = tree ] && [ "$size_mb" -gt 256 ]; then
	echo "$me: warning: a tree of $size_mb MiB is over libupdater's expansion floor for trees" \
		"(UPD_INSTALL_EXPAND_FLOOR, 256 MiB): the install is expected to fail" >&2
fi

# --- disk space -------------------------------------------------------------------

mkdir -p "$cache"
payload_dir=$cache/svc-update-${size_mb}MiB
payload_tgz=$cache/svc-update-${size_mb}MiB.tar.gz
# what is still to be kept in the cache (the tar.gz; the files too for a
# tree), then at the peak of a run the repository's copy, the daemon's cache
# and install (or the in-process client's, or curl's file); plus 512 MiB of
# slack (making the tar.gz needs the files beside it for a while: less than
# a run needs)
times=3
[ -f "$payload_tgz.done" ] || times=$((times + 1))
[ "$type" = tree ] && [ ! -f "$payload_dir.done" ] && times=$((times + 1))
need=$((times * size + 512 * 1024 * 1024))
avail=$(($(df -Pk "$cache" | awk 'NR == 2 { print $4 }') * 1024))
if [ "$avail" -lt "$need" ]; then
	fits=$(((avail - 512 * 1024 * 1024) / times / 1024 / 1024))
	die "not enough free space on $(df -P "$cache" | awk 'NR == 2 { print $6 }') for SIZE_MB=$size_mb:" \
		"$((need / 1000000)) MB needed (payload, repository, cache and install), $((avail / 1000000)) MB free;" \
		"free some space, point UPD_BENCH_CACHE elsewhere, or run with SIZE_MB=$((fits > 0 ? fits : 0)) or less"
fi

# --- the payload, made once ---------------------------------------------------------

make_dir() { # the files: 128 MiB each, the last one the rest
	rm -rf "$payload_dir" "$payload_dir.done"
	mkdir -p "$payload_dir/data"
	local left=$size i=0 n
	echo "making $payload_dir ($size_mb MiB from /dev/urandom)..." >&2
	while [ "$left" -gt 0 ]; do
		n=$((left < 134217728 ? left : 134217728))
		head -c "$n" /dev/urandom >"$payload_dir/data/part-$(printf %02d "$i").bin"
		left=$((left - n))
		i=$((i + 1))
	done
	touch "$payload_dir.done"
}
if [ ! -f "$payload_tgz.done" ]; then
	[ -f "$payload_dir.done" ] || make_dir
	echo "making $payload_tgz (gzip -1)..." >&2
	tar -C "$payload_dir" -cf - . | gzip -1 >"$payload_tgz.tmp"
	mv "$payload_tgz.tmp" "$payload_tgz"
	touch "$payload_tgz.done"
fi
if [ "$type" = tree ]; then
	[ -f "$payload_dir.done" ] || make_dir
	payload=$payload_dir
else
	# the files are needed only for trees: the tar.gz is what is kept
	rm -rf "$payload_dir" "$payload_dir.done"
	payload=$payload_tgz
fi

# --- the temporary world ----------------------------------------------------------

bench_tmpdir "$cache/run.XXXXXX"
bench_home "$tmp"
# GIO would otherwise read the proxy settings through dconf
export GSETTINGS_BACKEND=memory
# the in-process client's own state and cache
inproc_env=(env XDG_STATE_HOME="$tmp/inproc/state" XDG_CACHE_HOME="$tmp/inproc/cache")

public_key=$("$publish" keygen "$tmp/key" 2>/dev/null)
mkdir -p "$tmp/v1/data"
printf 'version 1.0\n' >"$tmp/v1/data/README"
if [ "$type" = tree ]; then
	v1=$tmp/v1
else
	tar -czf "$tmp/v1.tar.gz" -C "$tmp/v1" .
	v1=$tmp/v1.tar.gz
fi
"$publish" release --repo "$tmp/repo" --key "$tmp/key.secret" --app "$app_id" --version 1.0 \
	--type "$type" --level 1 "$v1" >/dev/null

bench_start_server "$tmp/repo"
bench_start_daemon --first-check-delay 3600

write_conf() { # write_conf FILE INSTALL_DIR
	cat >"$1" <<EOF
[Application]
Id=$app_id
Endpoint=$url
InstallDir=$2
PublicKey=$public_key
Policy=manual
EOF
}
write_conf "$tmp/daemon.conf" "$tmp/install-daemon"
write_conf "$tmp/inproc.conf" "$tmp/install-inproc"
"$ctl" register "$tmp/daemon.conf" >/dev/null
"$ctl" install "$app_id" >/dev/null || die "installing 1.0 through the daemon failed"
"${inproc_env[@]}" "$ctl" --config "$tmp/inproc.conf" install >/dev/null ||
	die "installing 1.0 in-process failed"

echo "publishing 2.0 ($type, $size_mb MiB)..." >&2
find "$tmp/repo/objects" -type f | LC_ALL=C sort >"$tmp/objects-1.0"
/usr/bin/time -f '%e %U %S' -o "$tmp/publish.time" \
	"$publish" release --repo "$tmp/repo" --key "$tmp/key.secret" --app "$app_id" --version 2.0 \
	--type "$type" --level 1 "$payload" >/dev/null
# the objects of 2.0: every object file that is not 1.0's (one for a tar.gz)
find "$tmp/repo/objects" -type f | LC_ALL=C sort | comm -13 "$tmp/objects-1.0" - >"$tmp/objects-2.0"
stored=0
while read -r f; do
	stored=$((stored + $(stat -c %s "$f")))
done <"$tmp/objects-2.0"
n_objects=$(wc -l <"$tmp/objects-2.0")
[ "$n_objects" -gt 0 ] || die "publishing 2.0 made no object"
big_object=$(xargs -d '\n' ls -S <"$tmp/objects-2.0" | awk 'NR == 1')
big_url=$url${big_object#"$tmp/repo/"}
big_size=$(stat -c %s "$big_object")

# --- measuring ----------------------------------------------------------------------

clk_tck=$(getconf CLK_TCK)
warm() { # the objects in the page cache, nothing dirty
	xargs -d '\n' cat <"$tmp/objects-2.0" >/dev/null
	sync
}
results=$tmp/results.tsv
: >"$results"
# row NAME WALL CPU PEAK_KB SERVER_TICKS NOTE
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"
}

# ---- updater-service
warm
echo 5 >"/proc/$daemon_pid/clear_refs" 2>/dev/null || echo "$me: cannot reset VmHWM: the peak is since the daemon started" >&2
rss_before=$(awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status")
hwm_before=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon_pid/status")
threads_before=$(awk '/^Threads:/ { print $2 }' "/proc/$daemon_pid/status")
# (a process substitution, so that $! is updaterctl itself and ending it ends the stamping)
"$ctl" monitor --json 2>/dev/null > >(python3 -u -c 'import sys, time
for line in sys.stdin:
    print("%.3f %s" % (time.time(), line), end="", flush=True)' >"$tmp/monitor.log") &
monitor_pid=$!
pids+=("$monitor_pid")
wait_for_line "$tmp/monitor.log" '"event"' >/dev/null || die "updaterctl monitor printed nothing"
(
	# "time VmRSS VmHWM threads ticks" every $interval s, with bash builtins only
	# (one fork a sample, for sleep), so that sampling costs next to nothing
	while :; do
		rss='' hwm='' threads=''
		while read -r key value _; do
			case $key in
			VmRSS:) rss=$value ;;
			VmHWM:) hwm=$value ;;
			Threads:) threads=$value ;;
			esac
		done <"/proc/$daemon_pid/status"
		read -r stat <"/proc/$daemon_pid/stat"
		read -r -a f <<<"${stat##*) }"
		echo "$EPOCHREALTIME $rss $hwm $threads $((f[11] + f[12]))"
		sleep "$interval"
	done
) >"$tmp/samples" 2>/dev/null &
sampler_pid=$!
pids+=("$sampler_pid")
server0=$(bench_ticks "$server_pid")
daemon0=$(bench_ticks "$daemon_pid")
echo "updater-service: updaterctl install $app_id ($((stored / 1000000)) MB)..." >&2
t0=$(date +%s.%N)
/usr/bin/time -f '%e %U %S %M' -o "$tmp/client.time" "$ctl" install --json "$app_id" >"$tmp/client.out" 2>"$tmp/client.err" || {
	cat "$tmp/client.err" >&2
	grep -q 'expands to more than' "$tmp/client.err" &&
		echo "$me: libupdater refuses to expand a tree past UPD_INSTALL_EXPAND_FLOOR (256 MiB): run with SIZE_MB=256 or less, or --type tar.gz" >&2
	die "updaterctl install through the daemon failed"
}
t1=$(date +%s.%N)
daemon1=$(bench_ticks "$daemon_pid")
server1=$(bench_ticks "$server_pid")
sleep "$interval"
kill "$sampler_pid" "$monitor_pid" 2>/dev/null || true
wait "$sampler_pid" "$monitor_pid" 2>/dev/null || true
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon_pid/status")
rss_after=$(awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status")
grep -q '"version": "2.0"\|"version":"2.0"' "$tmp/client.out" || die "the daemon did not install 2.0: $(cat "$tmp/client.out")"
installed_bytes=$(du -sb "$tmp/install-daemon" | cut -f1)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
read -r _ c_user c_sys c_rss <"$tmp/client.time"
sampled_peak=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$tmp/samples")
max_threads=$(awk '$4 > m { m = $4 } END { print m + 0 }' "$tmp/samples")
row "updater-service (updaterctl install APP)" "$wall" \
	"$(awk -v t=$((daemon1 - daemon0)) -v hz="$clk_tck" 'BEGIN { printf "%.2f", t / hz }')" \
	"$hwm" $((server1 - server0)) \
	"daemon RSS ${rss_before} kB before, sampled max ${sampled_peak} kB, ${rss_after} kB after; client updaterctl: CPU $(awk -v u="$c_user" -v s="$c_sys" 'BEGIN { printf "%.2f", u + s }') s, peak RSS $c_rss kB"
# the phases, from the monitor's state events
phases=$(python3 - "$tmp/monitor.log" "$t0" "$t1" "$stored" <<'EOF'
import json, sys
log, t0, t1, stored = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
first = {}
for line in open(log):
    stamp, _, text = line.partition(' ')
    try:
        event = json.loads(text)
    except ValueError:
        continue
    if event.get('event') == 'state' and float(stamp) >= t0 - 0.5:
        first.setdefault(event['state'], float(stamp))
d, i = first.get('downloading'), first.get('installing')
if d is None or i is None:
    print('phases: not seen (%s)' % ', '.join(sorted(first)))
else:
    end = first.get('idle', t1)
    print('check+plan %.2f s, download %.2f s (%.0f MB/s), install %.2f s, then %.2f s to the reply'
          % (d - t0, i - d, stored / 1e6 / (i - d) if i > d else 0, end - i, t1 - end))
EOF
)
rm -rf "$tmp/install-daemon" "$tmp/home/cache"

# ---- in-process
warm
echo "in-process: updaterctl --config FILE install..." >&2
server0=$(bench_ticks "$server_pid")
"${inproc_env[@]}" /usr/bin/time -f '%e %U %S %M' -o "$tmp/inproc.time" \
	"$ctl" --config "$tmp/inproc.conf" install --json >"$tmp/inproc.out" 2>"$tmp/inproc.err" || {
	cat "$tmp/inproc.err" >&2
	die "updaterctl --config install failed"
}
server1=$(bench_ticks "$server_pid")
grep -q '"version": "2.0"\|"version":"2.0"' "$tmp/inproc.out" || die "the in-process client did not install 2.0: $(cat "$tmp/inproc.out")"
read -r i_wall i_user i_sys i_rss <"$tmp/inproc.time"
row "in-process (updaterctl --config FILE install)" "$i_wall" \
	"$(awk -v u="$i_user" -v s="$i_sys" 'BEGIN { printf "%.2f", u + s }')" "$i_rss" $((server1 - server0)) ""
rm -rf "$tmp/install-inproc" "$tmp/inproc/cache"

# ---- curl
for variant in curl curl+sync; do
	warm
	echo "$variant -o FILE..." >&2
	server0=$(bench_ticks "$server_pid")
	if [ "$variant" = curl ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/curl.time" curl -s -S -f -o "$tmp/curl.out" "$big_url"
		name="curl -o FILE (largest object only)"
	else
		# shellcheck disable=SC2016 # the sh -c script takes its arguments as $1, $2
		/usr/bin/time -f '%e %U %S %M' -o "$tmp/curl.time" \
			sh -c 'curl -s -S -f -o "$1" "$2" && sync "$1"' sh "$tmp/curl.out" "$big_url"
		name="curl -o FILE; sync FILE (largest object only)"
	fi
	server1=$(bench_ticks "$server_pid")
	[ "$(stat -c %s "$tmp/curl.out")" -eq "$big_size" ] || die "curl received $(stat -c %s "$tmp/curl.out") bytes, not $big_size"
	read -r k_wall k_user k_sys k_rss <"$tmp/curl.time"
	row "$name" "$k_wall" "$(awk -v u="$k_user" -v s="$k_sys" 'BEGIN { printf "%.2f", u + s }')" \
		"$k_rss" $((server1 - server0)) ""
	rm -f "$tmp/curl.out"
done

# --- the table ------------------------------------------------------------------------

echo
bench_machine
echo "disk: $(df -T "$tmp" | awk 'NR == 2 { print $2 " on " $1 }') ($tmp)"
read -r p_wall p_user p_sys <"$tmp/publish.time"
echo "payload 2.0: $type of $size_mb MiB of /dev/urandom, stored as $n_objects object(s), $stored bytes" \
	"($((stored / 1000000)) MB); largest object $big_size bytes; published in $p_wall s" \
	"(user $p_user, sys $p_sys; zstd level 1)"
echo "1.0 installed before each libupdater row; one run per row; page cache warm; sync before each row"
echo
awk -F'\t' -v stored="$stored" -v big="$big_size" -v hz="$clk_tck" '
	BEGIN {
		printf "%-48s %8s %8s %10s %10s %9s\n", "", "wall", "", "CPU s", "peak RSS", "server"
		printf "%-48s %8s %8s %10s %10s %9s\n", "row", "s", "MB/s", "user+sys", "MB", "CPU s"
	}
	{
		bytes = $1 ~ /^curl/ ? big : stored
		printf "%-48s %8.2f %8.1f %10.2f %10.1f %9.2f\n", $1, $2, bytes / 1e6 / $2, $3,
			$4 * 1.024 / 1000, $5 / hz
	}' "$results"
echo
awk -F'\t' '$6 != "" { print $1 ": " $6 }' "$results"
echo "updater-service phases (updaterctl monitor --json, stamped on receipt): $phases"
echo "updater-service: threads $threads_before before, at most $max_threads during; VmHWM before the reset $hwm_before kB;" \
	"$installed_bytes bytes installed; $(wc -l <"$tmp/samples") samples every $interval s"
echo "CPU s of the libupdater rows: the process doing the work (the daemon; the in-process updaterctl); server CPU s: updater-server during the row"
