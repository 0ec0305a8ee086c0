#!/bin/sh
# Runs a command with a real Secret Service of its own: a private D-Bus session bus and a
# gnome-keyring-daemon whose "login" keyring (password "test", unlocked) lives under a fresh HOME,
# so a test never touches the user's keyring. Usage: with-keyring.sh COMMAND [ARGS...]
set -eu
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export HOME="$home" XDG_DATA_HOME="$home/.local/share" XDG_RUNTIME_DIR="$home/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
# shellcheck disable=SC2016
dbus-run-session -- sh -c 'printf "test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' keyring "$@"
