#!/bin/sh
# Installs the Debian 12 packages libupdater needs to build, test and run its
# demo. Only what is missing is installed: "apt-get update" once, then
# "apt-get install -y". Runs apt-get directly as root, through sudo otherwise.
set -eu

packages="
  meson ninja-build pkg-config gcc
  libglib2.0-dev libglib2.0-bin glib-networking
  libsoup-3.0-dev
  libprotobuf-c-dev protobuf-c-compiler
  libarchive-dev libgnutls28-dev libzstd-dev libdivsufsort-dev
  libjson-glib-dev
  gettext python3
  dbus dbus-user-session
  clang-format
  ca-certificates curl tar gzip xz-utils zstd
"

missing=""
for package in $packages; do
	if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $package"
	fi
done
if [ -z "$missing" ]; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
echo "Installing:$missing"
$sudo apt-get update
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing
