# shellcheck shell=bash disable=SC2034
# What the benchmarks that run updater-service and updater-server share:
# sourced (never run) by service-idle.sh, service-update.sh and
# monitor-tmux.sh, and in part by download-throughput.sh and install-tree.sh,
# after their `set -euo pipefail`:
#
#   me=service-idle.sh
#   # shellcheck source=service-common.sh
#   . "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"
#
# The script sets before sourcing:
#   me        its name, which starts every message ("service-idle.sh: ...";
#             default: the name it runs under)
# and may define, to change what the functions below do:
#   bench_option        its own options, for bench_parse_args (see there)
#   bench_cleanup_hook  a function run first at exit, before the processes in
#                       pids are ended (monitor-tmux.sh ends its tmux server)
#   die                 redefined after sourcing, it changes how the functions
#                       below report a failure of the temporary world
#                       (monitor-tmux.sh: "FAIL (setup): ...")
#
# Variables set on sourcing:
#   here, top   the bench/ directory and the top of the source tree
#   install     0; 1 after --install (bench_parse_args): bench_need may then
#               install a missing tool with apt-get. A script that installs
#               without being asked (download-throughput.sh, install-tree.sh)
#               sets it to 1 itself
#   args        the words of the command line that are not options
#               (bench_parse_args): the build directory, if any
#   pids        the background processes to end at exit (bench_at_exit)
# and by the functions, each says which:
#   build, publish, server, daemon, ctl     bench_build_dir
#   tmp                                     bench_tmpdir, bench_at_exit
#   server_pid, url                         bench_start_server
#   daemon_pid                              bench_start_daemon
#
# Exit status of the functions: 2 for a usage or build problem or a missing
# tool, 1 (die) for a failure of the temporary world, 0 for --help.

me=${me:-${0##*/}}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
install=0
args=()
pids=()
# the programs of the service scripts, relative to the build directory
bench_service_programs=(tools/updater-publish tools/updater-server updater-service/updater-service
	updater-service/updaterctl plugins/archive)
bench_install_option=0

# --- messages and tools -------------------------------------------------------

die() { # die MESSAGE: the run failed (exit 1)
	echo "$me: $*" >&2
	exit 1
}

# apt_install COMMAND PACKAGE: as root with apt-get, installs PACKAGE (for
# COMMAND), saying so; exits 2 when it cannot
apt_install() {
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		if [ "$bench_install_option" = 1 ]; then
			echo "$me: $1 is needed; install the Debian package $2 (--install works only as root with apt-get)" >&2
		else
			echo "$me: $1 is needed; install the Debian package $2" >&2
		fi
		exit 2
	fi
	echo "$me: installing $2 with apt-get (for $1)..." >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } || {
		echo "$me: apt-get install $2 failed" >&2
		exit 2
	}
}

bench_have() { # bench_have COMMAND: a name on PATH, or an executable path
	case $1 in
	/*) [ -x "$1" ] ;;
	*) command -v "$1" >/dev/null ;;
	esac
}

# bench_need COMMAND PACKAGE [NAME]: returns when COMMAND is there; else, with
# install=1, installs the Debian package PACKAGE, or exits 2 saying what to
# install. NAME names COMMAND in messages ("GNU time" for /usr/bin/time).
bench_need() {
	bench_have "$1" && return 0
	if [ "$install" != 1 ]; then
		echo "$me: ${3:-$1} is needed: install the Debian package $2, or run again with --install" >&2
		exit 2
	fi
	apt_install "${3:-$1}" "$2"
	bench_have "$1" || { echo "$me: ${3:-$1} is still missing after installing $2" >&2; exit 2; }
}

# --- the command line ---------------------------------------------------------

# bench_parse_args ARG...: a command line of options and one build directory
# at most. --install sets install=1; -h or --help prints the comment at the
# top of the script (line 2 down to `set -euo`) and exits 0; the words that
# are not options go to args. A script with options of its own defines
# bench_option first: called with the words left, it returns 1 when the
# first is not one of its options, else sets bench_took to the number of
# words it took (1 unless it takes a value). An unknown option exits 2.
bench_parse_args() {
	install=0
	args=()
	bench_install_option=1
	while [ $# -gt 0 ]; do
		bench_took=1
		case $1 in
		--install) install=1 ;;
		-h | --help)
			sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
			exit 0
			;;
		*)
			if declare -F bench_option >/dev/null && bench_option "$@"; then
				:
			elif [[ $1 == -* ]]; then
				echo "$me: unknown option $1 (see --help)" >&2
				exit 2
			else
				args+=("$1")
			fi
			;;
		esac
		shift "$bench_took"
	done
	[ "${#args[@]}" -le 1 ] || { echo "$me: one build directory at most (see --help)" >&2; exit 2; }
}

# bench_private_bus ARG...: unless the script runs on its private session bus
# already, runs it again under `dbus-run-session` with the same arguments
# (UPD_BENCH_PRIVATE_BUS=1 marks the second run) and exits with its status:
# the daemon then owns org.libupdater.Updater1 on a bus of its own and never
# meets the user's updater-service. Needs dbus-run-session (bench_need).
bench_private_bus() {
	if [ "${UPD_BENCH_PRIVATE_BUS:-}" = 1 ] && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
		return 0
	fi
	bench_need dbus-run-session dbus-daemon
	export UPD_BENCH_PRIVATE_BUS=1
	# dbus-daemon says it cannot raise its descriptor limit: harmless, and hidden
	# (stderr through grep, stdout straight to fd 3: the script's stdout)
	set +e
	{ dbus-run-session -- bash "$0" "$@" 2>&1 1>&3 3>&- |
		grep --line-buffered -v 'Failed to set fd limit' >&2; } 3>&1
	exit "${PIPESTATUS[0]}"
}

# --- the build ----------------------------------------------------------------

# bench_build_dir DIR [PROGRAM...]: build = DIR as an absolute path (an empty
# DIR: build/ at the top of the tree), and publish, server, daemon, ctl = its
# updater-publish, updater-server, updater-service and updaterctl; exits 2
# unless DIR and every PROGRAM (a path in DIR) exist
bench_build_dir() {
	build=$(cd "${1:-$top/build}" 2>/dev/null && pwd) || {
		echo "$me: no build directory ${1:-$top/build}; run: meson setup build && ninja -C build" >&2
		exit 2
	}
	shift
	publish=$build/tools/updater-publish
	server=$build/tools/updater-server
	daemon=$build/updater-service/updater-service
	ctl=$build/updater-service/updaterctl
	local program
	for program in "$@"; do
		[ -e "$build/$program" ] || { echo "$me: $build/$program is missing; run: ninja -C $build" >&2; exit 2; }
	done
}

bench_use_plugins() { # the installer plugins of the build, not the installed ones
	export UPDATER_INSTALLER_DIR=$build/plugins/archive:$build/plugins/library:$build/plugins/executable:$build/plugins/tree:$build/plugins/rpm
}

# --- the temporary world ------------------------------------------------------

# bench_at_exit DIR: tmp = DIR; at exit bench_cleanup_hook runs (if the script
# defines it), the processes in pids are sent SIGTERM and waited for, and DIR
# is removed. INT and TERM end the script (status 130) through the same.
bench_at_exit() {
	tmp=$1
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}
bench_cleanup() {
	local pid
	if declare -F bench_cleanup_hook >/dev/null; then
		bench_cleanup_hook || true
	fi
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
bench_tmpdir() { # bench_tmpdir TEMPLATE: tmp = mktemp -d TEMPLATE, removed at exit (bench_at_exit)
	bench_at_exit "$(mktemp -d "$1")"
}
bench_stop() { # bench_stop PID: ends a process of pids now (SIGTERM, waited for)
	local pid keep=()
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	for pid in "${pids[@]}"; do
		[ "$pid" = "$1" ] || keep+=("$pid")
	done
	pids=("${keep[@]}")
}

# bench_home DIR: HOME=DIR/home, and XDG_CONFIG_HOME, XDG_DATA_HOME,
# XDG_STATE_HOME and XDG_CACHE_HOME in it (config, data, state, cache); makes HOME
bench_home() {
	export HOME=$1/home
	export XDG_CONFIG_HOME=$1/home/config
	export XDG_DATA_HOME=$1/home/data
	export XDG_STATE_HOME=$1/home/state
	export XDG_CACHE_HOME=$1/home/cache
	mkdir -p "$HOME"
}

wait_for_line() { # wait_for_line FILE PATTERN: the first matching line, within 10 s
	local line=
	for _ in $(seq 200); do
		line=$(grep -m1 -e "$2" "$1" 2>/dev/null || true)
		[ -n "$line" ] && { echo "$line"; return 0; }
		sleep 0.05
	done
	return 1
}

# bench_start_server REPO [PREFIX]: `updater-server --repo REPO --port 0` in
# the background, its output in PREFIX.out and PREFIX.err (default:
# $tmp/server); sets server_pid (added to pids) and url, the URL it prints on
# its first line ("listening on URL"). Dies when the server exits or prints
# no URL within 10 s.
bench_start_server() {
	local prefix=${2:-$tmp/server}
	"$server" --repo "$1" --port 0 >"$prefix.out" 2>"$prefix.err" &
	server_pid=$!
	pids+=("$server_pid")
	url=
	for _ in $(seq 200); do
		url=$(sed -n '/^listening on /{s///p;q}' "$prefix.out")
		[ -n "$url" ] && return 0
		kill -0 "$server_pid" 2>/dev/null || die "updater-server exited: $(cat "$prefix.err")"
		sleep 0.05
	done
	die "updater-server printed no URL in 10 s: $(cat "$prefix.err")"
}

# bench_start_daemon ARG...: `updater-service ARG...` in the background, its
# output appended to $tmp/daemon.log; sets daemon_pid (added to pids). Dies
# unless the daemon says, within 10 s, that it owns org.libupdater.Updater1.
bench_start_daemon() {
	local before=0
	[ -f "$tmp/daemon.log" ] && before=$(wc -l <"$tmp/daemon.log")
	"$daemon" "$@" >>"$tmp/daemon.log" 2>&1 &
	daemon_pid=$!
	pids+=("$daemon_pid")
	# a line of this daemon, not of one started before it into the same log
	for _ in $(seq 200); do
		tail -n +$((before + 1)) "$tmp/daemon.log" | grep -q "running as org.libupdater.Updater1" && return 0
		sleep 0.05
	done
	die "updater-service did not take its name on the bus: $(tail -n +$((before + 1)) "$tmp/daemon.log")"
}

bench_free_port() { # a TCP port free on 127.0.0.1 now (python3 binds port 0; a random one without it)
	if command -v python3 >/dev/null; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
	else
		echo $((20000 + RANDOM % 40000))
	fi
}

# --- measuring ----------------------------------------------------------------

bench_ticks() { # bench_ticks PID: utime + stime of PID, in clock ticks (getconf CLK_TCK)
	local rest f
	# fields 14 and 15, counted after the ")" that ends the name
	rest=$(sed 's/^.*) //' "/proc/$1/stat")
	read -r -a f <<<"$rest"
	echo $((f[11] + f[12]))
}

bench_machine() { # "cpu: MODEL (N CPUs), RAM, kernel, load average"
	echo "cpu: $(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); if (!m++) print $2 }') ($(nproc) CPUs)," \
		"RAM $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r)," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
