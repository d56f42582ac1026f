#!/bin/sh
# The test command of the README and of CI (.ci/run): installs what is
# missing, builds twice from nothing (warnings as errors; and with
# AddressSanitizer + UndefinedBehaviorSanitizer) and runs the whole suite of
# each build under a private D-Bus session bus. Servers the tests need are
# started by the tests themselves on 127.0.0.1 with free ports.
set -eu
cd "$(dirname "$0")/.."

./build-aux/install-deps.sh

run_suite() {
	builddir=$1
	timeout_multiplier=$2
	shift 2
	if [ -d "$builddir" ]; then
		meson setup --reconfigure "$builddir" "$@"
	else
		meson setup "$builddir" "$@"
	fi
	meson compile -C "$builddir"
	# a private session bus for the D-Bus tests; the summary shows what ran
	dbus-run-session -- meson test -C "$builddir" --print-errorlogs --num-processes 2 \
		--timeout-multiplier "$timeout_multiplier"
}

echo "== build with -Dwerror=true and run the tests =="
run_suite build-tests 1 -Dwerror=true -Dbuildtype=debugoptimized

echo "== build with AddressSanitizer and UndefinedBehaviorSanitizer and run the tests =="
# (sanitized code runs several times slower: meson's timeouts are doubled)
run_suite build-asan 2 -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

echo "All tests passed, in both builds."
