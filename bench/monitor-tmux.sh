#!/usr/bin/env bash
# `updaterctl monitor` in a real terminal: tmux runs it in a 100x20 pane while
# updater-service downloads (throttled to last about 5 s) and installs an
# update; the pane is captured several times and checked, then Ctrl-C must
# give the shell prompt back. Prints PASS or FAIL for each check, and the
# frames. The terminal check of `updaterctl monitor`.
#
# usage: bench/monitor-tmux.sh [--install] [BUILD_DIR]   (default: build/ at the top of the tree)
#
#   --install   as root, install tmux with apt-get when it is missing; without
#               it, a missing tmux skips the check (exit 77)
#
# environment:
#   UPD_MONITOR_KB=N        size of the update in KiB (default: 5120)
#   UPD_MONITOR_LIMIT=N     its BandwidthLimit in bytes per second (default: 1048576)
#
# Exit status: 0 every check passed, 1 one failed, 2 a usage or build problem,
# 77 tmux is missing (skipped).
#
# Builds nothing: it uses updater-publish, updater-server, updater-service and
# updaterctl from BUILD_DIR and the installer plugins of BUILD_DIR/plugins. It
# runs itself again under `dbus-run-session` (a private session bus); HOME and
# XDG_* point into a temporary directory, removed at the end, and tmux uses
# its own socket there. Three applications (org.example.Alpha, Beta, Gamma,
# Policy=manual) are registered with the daemon and installed at 1.0; Gamma
# 2.0 (a tar.gz of UPD_MONITOR_KB KiB of /dev/urandom, BandwidthLimit=
# UPD_MONITOR_LIMIT) is then published. In the pane, a shell with the prompt
# "monitor-test$ " runs `clear; updaterctl monitor`; the script runs
# `updaterctl install org.example.Gamma` outside tmux and captures the pane
# (`tmux capture-pane -p`) every 0.4 s until the install returns, then once
# more, then sends C-c. The checks:
#   - every frame while monitor runs: the header on the first line, one line
#     per application starting with its id, and nothing else (non-empty lines
#     = applications + 1: no leftover or wrapped lines)
#   - some frame shows Gamma's progress bar ("[###...]" and "NN%"), and the
#     percentages never go down
#   - the last frame: Gamma idle on 2.0, Alpha and Beta idle on 1.0
#   - after C-c: updaterctl has exited, the shell runs in the pane again, the
#     prompt is on the line under the application lines, and nothing else is
#     on the screen
set -euo pipefail

me=monitor-tmux.sh
# shellcheck source=service-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-common.sh"

bench_parse_args "$@"

if ! command -v tmux >/dev/null; then
	if [ "$install" = 1 ]; then
		apt_install tmux tmux
	else
		echo "$me: SKIP: tmux is not installed (Debian package tmux); run again with --install to install it" >&2
		exit 77
	fi
fi

bench_private_bus "$@"
bench_build_dir "${args[0]:-}" "${bench_service_programs[@]}"
bench_use_plugins

kb=${UPD_MONITOR_KB:-5120}
limit=${UPD_MONITOR_LIMIT:-1048576}
apps=(org.example.Alpha org.example.Beta org.example.Gamma)
width=100
height=20
header="updater-service: what every application does (Ctrl-C to stop)"
prompt='monitor-test$'

# --- the temporary world ----------------------------------------------------------

bench_cleanup_hook() { [ -z "${tsock:-}" ] || tmux -S "$tsock" kill-server 2>/dev/null || true; }
bench_tmpdir "${TMPDIR:-/tmp}/upd-monitor-tmux.XXXXXX"
tsock=$tmp/tmux.sock
bench_home "$tmp"
export GSETTINGS_BACKEND=memory
# the monitor's English texts are what the checks look for
export LANGUAGE=C LC_ALL=C.UTF-8

fail_setup() {
	echo "$me: FAIL (setup): $*" >&2
	exit 1
}
# how the functions of service-common.sh report a failure of the setup
die() { fail_setup "$@"; }

public_key=$("$publish" keygen "$tmp/key" 2>/dev/null)
make_release() { # make_release APP VERSION KIB
	local dir=$tmp/payload-$1-$2
	mkdir -p "$dir"
	printf '%s %s\n' "$1" "$2" >"$dir/README"
	[ "$3" -gt 0 ] && head -c "$(($3 * 1024))" /dev/urandom >"$dir/data.bin"
	tar -czf "$dir.tar.gz" -C "$dir" .
	"$publish" release --repo "$tmp/repo" --key "$tmp/key.secret" --app "$1" --version "$2" \
		--type tar.gz --level 1 "$dir.tar.gz" >/dev/null
}
for app in "${apps[@]}"; do
	make_release "$app" 1.0 0
done

bench_start_server "$tmp/repo"
bench_start_daemon --first-check-delay 3600

for app in "${apps[@]}"; do
	cat >"$tmp/$app.conf" <<EOF
[Application]
Id=$app
Endpoint=$url
InstallDir=$tmp/install/$app
PublicKey=$public_key
Policy=manual
BandwidthLimit=$limit
EOF
	"$ctl" register "$tmp/$app.conf" >/dev/null || fail_setup "updaterctl register $app failed"
	"$ctl" install "$app" >/dev/null 2>"$tmp/install-1.0.err" ||
		fail_setup "installing $app 1.0 failed: $(cat "$tmp/install-1.0.err")"
done
make_release org.example.Gamma 2.0 "$kb"

# --- the terminal ---------------------------------------------------------------------

tm() { tmux -S "$tsock" "$@"; }
tm -f /dev/null new-session -d -s monitor -x "$width" -y "$height" \
	"env PS1='$prompt ' bash --norc --noprofile -i"
# later windows keep the size the session was made with
tm set-option -g window-size manual 2>/dev/null || true
frames=$tmp/frames
mkdir -p "$frames"
n_frames=0
capture() { # capture NAME: the pane as text, into the next frame file; prints the file
	n_frames=$((n_frames + 1))
	local f
	f=$frames/$(printf %03d "$n_frames")-$1
	tm capture-pane -p -t monitor >"$f"
	echo "$f"
}
pane_command() { tm display-message -p -t monitor '#{pane_current_command}'; }
wait_for_pane() { # wait_for_pane PATTERN SECONDS: until the pane shows a matching line
	local end=$((SECONDS + $2))
	while [ "$SECONDS" -le "$end" ]; do
		tm capture-pane -p -t monitor | grep -e "$1" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_for_pane "^monitor-test\\$" 10 || fail_setup "the shell in tmux showed no prompt: $(tm capture-pane -p -t monitor)"
tm send-keys -t monitor -l "clear; $ctl monitor"
tm send-keys -t monitor Enter
wait_for_pane "^$header" 10 || fail_setup "updaterctl monitor showed no header: $(tm capture-pane -p -t monitor)"
# the first frame is drawn before the properties arrive: wait for the three lines
wait_for_pane "^org\\.example\\.Gamma  *idle  *1\\.0" 10 || true
sleep 0.3
capture idle >/dev/null

"$ctl" install org.example.Gamma >"$tmp/install.out" 2>"$tmp/install.err" &
install_pid=$!
pids+=("$install_pid")
start=$SECONDS
while kill -0 "$install_pid" 2>/dev/null; do
	[ $((SECONDS - start)) -lt 120 ] || fail_setup "the install of Gamma 2.0 took more than 120 s"
	capture running >/dev/null
	sleep 0.4
done
install_status=0
wait "$install_pid" || install_status=$?
install_seconds=$((SECONDS - start))
# the monitor redraws at most every 100 ms
sleep 0.5
capture final >/dev/null
monitor_command=$(pane_command)
tm send-keys -t monitor C-c
shell_back=no
for _ in $(seq 50); do
	if [ "$(pane_command)" = bash ]; then
		shell_back=yes
		break
	fi
	sleep 0.1
done
sleep 0.3
capture after-ctrl-c >/dev/null

# --- the checks -------------------------------------------------------------------------

passed=0
failed=0
check() { # check NAME CONDITION-STATUS [DETAIL]
	if [ "$2" = 0 ]; then
		printf 'PASS  %s\n' "$1"
		passed=$((passed + 1))
	else
		printf 'FAIL  %s%s\n' "$1" "${3:+: $3}"
		failed=$((failed + 1))
	fi
}
# the non-empty lines of a frame, trailing blanks removed
lines() { sed 's/[[:space:]]*$//' "$1" | grep -v '^$' || true; }
# monitor_frame_ok FILE: header first, then exactly one line per application,
# in order, each starting with its id; prints what is wrong
monitor_frame_ok() {
	local -a got
	mapfile -t got < <(lines "$1")
	local want=$((${#apps[@]} + 1)) i
	[ "${#got[@]}" -eq "$want" ] || { echo "${#got[@]} non-empty lines, expected $want"; return 1; }
	[ "${got[0]}" = "$header" ] || { echo "first line is \"${got[0]}\""; return 1; }
	for i in "${!apps[@]}"; do
		[[ ${got[$((i + 1))]} == "${apps[$i]} "* ]] || { echo "line $((i + 2)) is \"${got[$((i + 1))]}\", expected ${apps[$i]}"; return 1; }
	done
	return 0
}

r=0; [ "$install_status" = 0 ] || r=1
check "updaterctl install org.example.Gamma succeeded (in ${install_seconds} s)" $r "$(cat "$tmp/install.err")"

bad=
for f in "$frames"/*-idle "$frames"/*-running "$frames"/*-final; do
	[ -e "$f" ] || continue
	why=$(monitor_frame_ok "$f") || bad="$bad ${f##*/} ($why);"
done
r=0; [ -z "$bad" ] || r=1
check "every frame while monitor runs: header + one line per application, nothing else" $r "$bad"

# Gamma's progress lines: "org.example.Gamma        2.0 [####.....]  45%  ..."
grep -h '^org\.example\.Gamma ' "$frames"/*-running 2>/dev/null |
	grep -E '\[[#.]+\] +[0-9]+%' >"$tmp/progress-lines" || true
n_progress=$(wc -l <"$tmp/progress-lines")
r=0; [ "$n_progress" -gt 0 ] || r=1
check "a progress bar line while downloading ([###...] and %): in $n_progress frame(s)" $r
percents=$(sed -E 's/.*\] +([0-9]+)%.*/\1/' "$tmp/progress-lines" | tr '\n' ' ')
# up: never lower than the one before, and at least two different values
r=$(awk -v p="$percents" 'BEGIN {
	n = split(p, v, " "); up = n >= 2 ? 0 : 1
	for (i = 2; i <= n; i++) { if (v[i] + 0 < v[i - 1] + 0) up = 1; if (v[i] != v[1]) moved = 1 }
	print (up == 0 && moved) ? 0 : 1 }')
check "the percentages go up, never down: $percents" "$r"
# in columns, not bytes: GLib's sizes ("5.2 MB") have a no-break space
longest=$(cat "$frames"/*-running | wc -L)
r=0; [ "$longest" -lt "$width" ] || r=1
check "no line fills the ${width}-column width (longest: $longest)" $r

final=$(ls "$frames"/*-final)
r=0; grep -qE '^org\.example\.Gamma +idle +2\.0 *$' "$final" || r=1
check "the final frame: org.example.Gamma idle on 2.0" $r "$(grep '^org\.example\.Gamma' "$final" || echo 'no Gamma line')"
r=0; { grep -qE '^org\.example\.Alpha +idle +1\.0 *$' "$final" && grep -qE '^org\.example\.Beta +idle +1\.0 *$' "$final"; } || r=1
check "the final frame: Alpha and Beta idle on 1.0" $r

r=0; { [ "$monitor_command" = updaterctl ] && [ "$shell_back" = yes ]; } || r=1
check "Ctrl-C ends updaterctl monitor (pane command: $monitor_command, then $(pane_command))" $r
after=$(ls "$frames"/*-after-ctrl-c)
mapfile -t after_lines < <(lines "$after")
n_after=${#after_lines[@]}
last=${after_lines[$((n_after - 1))]:-}
r=0; { [[ $last == "$prompt"* ]] && [ "$n_after" -eq $((${#apps[@]} + 2)) ]; } || r=1
check "after Ctrl-C: the prompt on the line under the applications, nothing else ($n_after non-empty lines, last: \"$last\")" $r
head -n $((${#apps[@]} + 1)) "$after" >"$tmp/after-top"
r=0; why=$(monitor_frame_ok "$tmp/after-top") || r=1
check "after Ctrl-C: the header and the application lines are left intact" $r "$why"

# --- the frames ---------------------------------------------------------------------------

echo
echo "tmux $(tmux -V | cut -d' ' -f2), pane ${width}x${height}, TERM in the pane: $(tm show-options -gv default-terminal 2>/dev/null || echo ?);" \
	"Gamma 2.0: $kb KiB at BandwidthLimit=$limit B/s; $n_frames frames captured"
echo "frames (the pane's text down to its last non-empty line; \"|\" marks the left edge):"
for f in "$frames"/*; do
	echo "--- ${f##*/}"
	awk '{ line[NR] = $0; if ($0 ~ /[^[:space:]]/) last = NR } END { for (i = 1; i <= last; i++) print "|" line[i] }' "$f"
done
echo
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
