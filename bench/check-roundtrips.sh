#!/usr/bin/env bash
# Update checks per second against updater-server on loopback.
#
# usage: bench/check-roundtrips.sh [BUILD_DIR] [SECONDS]
#        (default: build/ at the top of the tree, 5 seconds per measurement)
#
# Builds nothing: it uses updater-publish, updater-server and upd-bench-check
# from BUILD_DIR. It makes a repository with two releases of a small payload in
# a temporary directory, then for each measurement starts updater-server on
# port 0, writes an application key file pointing at it, runs upd-bench-check
# and stops the server. HOME and the XDG directories point into the temporary
# directory, so the checks record their serials there, not in your state.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
build=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || {
	echo "check-roundtrips.sh: no build directory ${1:-$top/build}; run: meson setup build && ninja -C build" >&2
	exit 2
}
duration=${2:-5}
publish=$build/tools/updater-publish
server=$build/tools/updater-server
bench=$build/bench/upd-bench-check
for program in "$publish" "$server" "$bench"; do
	if [ ! -x "$program" ]; then
		echo "check-roundtrips.sh: $program is missing; run: ninja -C $build" >&2
		exit 2
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/upd-bench-check.XXXXXX")
server_pid=
stop_server() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		server_pid=
	fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT

export HOME=$tmp/home
export XDG_CONFIG_HOME=$tmp/home/config
export XDG_DATA_HOME=$tmp/home/data
export XDG_STATE_HOME=$tmp/home/state
export XDG_CACHE_HOME=$tmp/home/cache
mkdir -p "$HOME" "$tmp/install" "$tmp/payload"

app_id=org.libupdater.Bench
"$publish" keygen "$tmp/key" >"$tmp/key.line" 2>/dev/null
public_key=$(head -n1 "$tmp/key.line")
for version in 1.0.0 1.1.0; do
	printf '#!/bin/sh\necho "bench-app %s"\n' "$version" >"$tmp/payload/bench-app"
	chmod +x "$tmp/payload/bench-app"
	"$publish" release --repo "$tmp/repo" --key "$tmp/key.secret" --app "$app_id" \
		--version "$version" --type exe "$tmp/payload/bench-app" >/dev/null
done

# Starts updater-server on port 0 and writes the key file for the URL it
# prints first. With libsoup 3.2 the server keeps every connection a client
# closed (CLOSE-WAIT, one descriptor each) and each check POSTs on a new
# connection, so the server may open as many descriptors as the hard limit
# allows; see bench/RESULTS.md.
start_server() {
	local url=
	(
		ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
		exec "$server" --repo "$tmp/repo" --port 0
	) >"$tmp/server.out" 2>"$tmp/server.err" &
	server_pid=$!
	for _ in $(seq 200); do
		url=$(sed -n '1s/^listening on //p' "$tmp/server.out")
		[ -n "$url" ] && break
		if ! kill -0 "$server_pid" 2>/dev/null; then
			echo "check-roundtrips.sh: updater-server exited:" >&2
			cat "$tmp/server.err" >&2
			exit 1
		fi
		sleep 0.05
	done
	if [ -z "$url" ]; then
		echo "check-roundtrips.sh: updater-server printed no URL in 10 s" >&2
		exit 1
	fi
	cat >"$tmp/app.conf" <<EOF
[Application]
Id=$app_id
Endpoint=$url
PublicKey=$public_key
InstallDir=$tmp/install
EOF
}

model=$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
echo "cpu: $model ($(nproc) CPUs); updater-server and the client share them"
echo "each row: a fresh updater-server on 127.0.0.1, one untimed warm-up check per slot, then $duration s"
echo
printf '%-6s %9s %7s %7s %8s %9s %8s %8s %8s %11s\n' mode in-flight clients checks seconds checks/s \
	"p50 ms" "p99 ms" "max ms" "server fds"
# mode arguments: sync loop; 8 async checks with a client each; 8 async
# checks through one client (libsoup allows it 2 connections per host)
for args in "" "--concurrency 8" "--concurrency 8 --shared-client"; do
	start_server
	# shellcheck disable=SC2086 # $args is a list of options
	row=$("$bench" --tsv --duration "$duration" $args "$tmp/app.conf") || {
		echo "check-roundtrips.sh: upd-bench-check ${args:-(sync)} failed; updater-server could open" \
			"$(awk '/open files/ { print $4 }' "/proc/$server_pid/limits") descriptors" >&2
		exit 1
	}
	fds=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
	stop_server
	IFS=$'\t' read -r mode inflight clients checks secs rate p50 p99 max <<<"$row"
	printf '%-6s %9s %7s %7s %8s %9s %8s %8s %8s %11s\n' "$mode" "$inflight" "$clients" "$checks" \
		"$secs" "$rate" "$p50" "$p99" "$max" "$fds"
done
echo
echo "server fds: descriptors updater-server held at the end of the row (leaked connections included)"
