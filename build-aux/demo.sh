#!/bin/sh
# The demo command of the README: installs what is missing, builds, then
# walks through the product end to end in a temporary directory:
#   a release engineer makes a signing key and publishes versions 1.0 and 2.0
#   of an application into a repository; updater-server serves it on
#   127.0.0.1; a client configured with the public key checks for updates
#   and downloads what the newest release needs; then the user daemon,
#   updater-service, keeps a running host application (demo-app) up to
#   date: its plugin is updated from 1.0 to 2.0 while a client keeps calling
#   it, and the daemon waits for the host's swap.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

if [ -z "${UPDATER_DEMO_IN_BUS:-}" ]; then
	./build-aux/install-deps.sh
	if [ ! -d build ]; then
		meson setup build -Dwerror=true
	fi
	meson compile -C build
	# the daemon lives on a session bus: the demo brings its own
	UPDATER_DEMO_IN_BUS=1 exec dbus-run-session -- "$0" "$@"
fi

publish="$top/build/tools/updater-publish"
server="$top/build/tools/updater-server"
ctl="$top/build/updater-service/updaterctl"
service="$top/build/updater-service/updater-service"
demo_app="$top/build/demo-app/demo-app"
# the installer plugins of the build tree
UPDATER_INSTALLER_DIR=$(printf '%s:' "$top"/build/plugins/*/)
export UPDATER_INSTALLER_DIR

work=$(mktemp -d "${TMPDIR:-/tmp}/libupdater-demo-XXXXXX")
server_pid=""
app_pid=""
client_pid=""
service_pid=""
cleanup() {
	for pid in $client_pid $app_pid $service_pid $server_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
# the demo keeps its state away from the user's own
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
export XDG_CACHE_HOME="$work/cache" XDG_DATA_HOME="$work/data"
export UPDATER_LOCALEDIR="$top/build/po"

step() {
	if [ -t 1 ]; then
		printf '\n\033[1m== %s\033[0m\n' "$*"
	else
		printf '\n== %s\n' "$*"
	fi
}

step "1. The release engineer makes a signing key"
public_key=$("$publish" keygen "$work/demo-key")
echo "public key line: $public_key"

step "2. Two versions of an application"
for version in 1.0 2.0; do
	mkdir -p "$work/app-$version/bin"
	printf '#!/bin/sh\necho "hello from demo-app %s"\n' "$version" > "$work/app-$version/bin/hello"
	chmod 755 "$work/app-$version/bin/hello"
	tar -czf "$work/hello-$version.tar.gz" -C "$work/app-$version" .
done
printf 'First public release.\n' > "$work/notes-1.0-en.txt"
printf 'Faster start-up.\nFixes the crash on exit.\n' > "$work/notes-2.0-en.txt"
printf 'Быстрый запуск.\nИсправлен сбой при выходе.\n' > "$work/notes-2.0-ru.txt"

step "3. Publish 1.0 and 2.0 into a repository"
"$publish" release --repo "$work/repo" --key "$work/demo-key.secret" \
	--app org.example.Hello --version 1.0 --notes-file "en=$work/notes-1.0-en.txt" \
	"$work/hello-1.0.tar.gz"
"$publish" release --repo "$work/repo" --key "$work/demo-key.secret" \
	--app org.example.Hello --version 2.0 --notes-file "en=$work/notes-2.0-en.txt" \
	--notes-file "ru=$work/notes-2.0-ru.txt" "$work/hello-2.0.tar.gz"
"$publish" list --repo "$work/repo"

step "4. Serve the repository on 127.0.0.1 (a free port)"
"$server" --repo "$work/repo" --port 0 > "$work/server.out" &
server_pid=$!
i=0
until [ -s "$work/server.out" ]; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "updater-server did not start" >&2
		exit 1
	fi
	sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/server.out")
echo "updater-server: listening on $url"

step "5. A client configuration with the pinned public key"
cat > "$work/hello.conf" <<CONF
[Application]
Id=org.example.Hello
Endpoint=$url
Channel=stable
InstallDir=$work/install
PublicKey=$public_key
Policy=auto
CONF
cat "$work/hello.conf"

step "6. The client checks: signature, serial and expiry verified"
"$ctl" --config "$work/hello.conf" check

step "7. The same for scripts, as JSON, with the notes in Russian"
LANGUAGE=ru "$ctl" check --config "$work/hello.conf" --json

step "8. Download what 2.0 needs: verified while it streams, resumable"
"$ctl" --config "$work/hello.conf" download
echo "(again: everything is in the cache already)"
"$ctl" --config "$work/hello.conf" download --json | grep -E '"(cached|fetched|bytes_received)"'

step "9. A manifest signed by somebody else is refused"
"$publish" keygen "$work/intruder" > /dev/null 2>&1
intruder_key=$(cat "$work/intruder.pub")
sed "s|^PublicKey=.*|PublicKey=$intruder_key|" "$work/hello.conf" > "$work/wrong-key.conf"
if "$ctl" --config "$work/wrong-key.conf" check; then
	echo "the check should have failed" >&2
	exit 1
fi

step "10. The user daemon keeps a running application's plugin up to date"
"$publish" release --repo "$work/repo" --key "$work/demo-key.secret" --app org.example.Greeter \
	--version 1.0 --type dll --kind plugin --component greeter \
	"$top/build/demo-app/plugins/greeter-1.0/libgreeter.so"
cat > "$work/greeter.conf" <<CONF
[Application]
Id=org.example.Greeter
Endpoint=$url
InstallDir=$work/greeter
PublicKey=$public_key
Policy=manual
CONF
"$service" > "$work/service.out" 2>&1 &
service_pid=$!
i=0
until "$ctl" apps > /dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "updater-service did not start:" >&2; cat "$work/service.out" >&2; exit 1; }
	sleep 0.1
done
"$ctl" register "$work/greeter.conf"
"$ctl" install org.example.Greeter
"$ctl" apps
"$demo_app" --port 0 --plugin-dir "$work/greeter/plugins" --delay-ms 2 \
	--app-id org.example.Greeter > "$work/app.out" 2>&1 &
app_pid=$!
i=0
until [ -s "$work/app.out" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "demo-app did not start" >&2; exit 1; }
	sleep 0.1
done
app_url=$(sed -n 's/^listening on //p' "$work/app.out")
echo "demo-app: listening on $app_url (plugin greeter from $work/greeter/plugins)," \
	"registered with updater-service as the host of org.example.Greeter"
# a client that keeps calling it, every 50 ms
( while :; do curl -s "$app_url" || echo "REQUEST FAILED"; sleep 0.05; done ) > "$work/client.out" &
client_pid=$!
sleep 1
echo "-- the release engineer publishes greeter 2.0; updater-service installs it and waits"
echo "   until demo-app has swapped it in:"
"$publish" release --repo "$work/repo" --key "$work/demo-key.secret" --app org.example.Greeter \
	--version 2.0 --type dll --kind plugin --component greeter \
	"$top/build/demo-app/plugins/greeter-2.0/libgreeter.so"
"$ctl" install org.example.Greeter
"$ctl" history org.example.Greeter
sleep 1
kill "$client_pid" 2>/dev/null; wait "$client_pid" 2>/dev/null || true
client_pid=""
echo "-- what the client saw around the swap:"
grep -n -B2 -A2 -m1 greetings "$work/client.out" || true
echo "-- requests: $(wc -l < "$work/client.out"), failed: $(grep -c 'REQUEST FAILED' "$work/client.out" || true)"
echo "-- demo-app said:"
cat "$work/app.out"

printf '\nDemo finished.\n'
