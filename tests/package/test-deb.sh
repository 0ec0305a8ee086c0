#!/usr/bin/env bash
# The Debian package, installed as an operator would: into a fresh minimal Debian 12 root (made the way
# ../shared/tools/fresh-machine makes one), with apt-get, which must find every dependency. Then:
#   - the system user and group cortado exist, /var/lib/cortado is theirs (0750), the unit, the
#     conffile, the desktop entry and the binaries are installed, and the service is enabled;
#   - the unit's ExecStart, run as the unit's User in its WorkingDirectory with its EnvironmentFile's
#     variables (all read from the installed files; only the port is changed to a free one), answers
#     GET /health with 200 and "status":"ok", writes its data folder, and stops cleanly on SIGTERM;
#   - dpkg -r keeps the configuration and the data, dpkg -P removes them.
# systemd does not run in a chroot, so the service is started from the unit's lines, not by systemctl.
#
#   tests/package/test-deb.sh [build/cortado_<version>_amd64.deb]     (as root; ./scripts/package --test)
#
# Needs root (chroot, mounts), debootstrap (installed when missing) and the machine's Debian mirror.
# The base root is cached (FRESH_CACHE, default ~/.cache/fresh-debian, shared with fresh-machine) and
# copied per run; the packages apt downloads are kept in CORTADO_DEB_APT_CACHE (default
# <FRESH_CACHE>-apt), so a second run downloads nothing. CORTADO_DEB_KEEP=1 keeps the root afterwards.
# bash -c '..."$1"...' _ ARG: the inner shell expands those, on purpose.
# shellcheck disable=SC2016
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

[ "$(id -u)" -eq 0 ] || { echo "test-deb: needs root (chroot, mounts)" >&2; exit 2; }
deb=${1:-$(ls build/cortado_*_amd64.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "test-deb: no package; run ./scripts/package first (or pass the .deb)" >&2; exit 2; }
deb=$(realpath "$deb")
cache=${FRESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fresh-debian}
apt_cache=${CORTADO_DEB_APT_CACHE:-$cache-apt}

if [ ! -x "$cache/bin/bash" ]; then
    command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
    mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/debian.sources | awk '{print $2}' | grep -v security | head -1)
    [ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | head -1)
    [ -n "$mirror" ] || { echo "test-deb: no Debian mirror configured on this machine" >&2; exit 2; }
    mkdir -p "$(dirname "$cache")"
    echo "test-deb: creating a minimal Debian 12 root (once, ~1 min)..." >&2
    rm -rf "$cache.part"
    debootstrap --variant=minbase bookworm "$cache.part" "$mirror" >"$cache.log" 2>&1 \
        || { echo "test-deb: debootstrap failed, see $cache.log" >&2; exit 2; }
    mv "$cache.part" "$cache"
fi

work=$(mktemp -d /tmp/cortado-deb-test.XXXXXX)
root=$work/root
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    for m in var/cache/apt/archives dev/pts dev sys proc; do
        mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
    done
    if [ "${CORTADO_DEB_KEEP:-0}" = 1 ]; then
        echo "test-deb: root kept at $root" >&2
    else
        # Only once nothing is mounted: rm must never reach the machine's /dev or /proc.
        if ! grep -q " $work/" /proc/mounts; then rm -rf "$work"; fi
    fi
}
trap cleanup EXIT

failures=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...
    local description=$1
    shift
    if "$@"; then pass "$description"; else fail "$description"; fi
}
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

echo "test-deb: $(basename "$deb") into a fresh Debian 12 root ($work)"
cp -a "$cache" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The archive this machine uses (with its updates and security suites, as on an installed system).
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
    : >"$root/etc/apt/sources.list"
fi
# Installing must not start services (there is no init here); postinst checks for systemd itself.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
for m in proc sys dev; do mount --bind "/$m" "$root/$m"; done
mkdir -p "$apt_cache/partial"
mount --bind "$apt_cache" "$root/var/cache/apt/archives"
cp "$deb" "$root/tmp/"

echo "test-deb: apt-get install ./$(basename "$deb")"
if ! in_root apt-get update -qq >"$work/apt.log" 2>&1 \
    || ! in_root apt-get install -y -q "/tmp/$(basename "$deb")" >>"$work/apt.log" 2>&1; then
    tail -n 30 "$work/apt.log" >&2
    echo "test-deb: FAIL: apt-get could not install the package (log above)" >&2
    exit 1
fi
echo "  ok    installed with its dependencies ($(grep -c '^Setting up' "$work/apt.log") packages set up, $((SECONDS - started)) s so far)"

echo "test-deb: what the package installed"
passwd_line=$(in_root getent passwd cortado || true)
IFS=: read -r _ _ uid _ _ home shell <<<"$passwd_line"
check "system user cortado (uid ${uid:-none} < 1000, home ${home:-none}, shell ${shell:-none})" \
    test -n "$passwd_line" -a "${uid:-1000}" -lt 1000 -a "$home" = /var/lib/cortado -a "$shell" = /usr/sbin/nologin
check "group cortado" in_root getent group cortado
check "/var/lib/cortado owned by cortado:cortado, mode 750 ($(in_root stat -c '%U:%G %a' /var/lib/cortado 2>&1))" \
    test "$(in_root stat -c '%U:%G %a' /var/lib/cortado 2>/dev/null)" = "cortado:cortado 750"
unit=$root/lib/systemd/system/cortado.service
check "unit /lib/systemd/system/cortado.service" test -f "$unit"
check "service enabled (multi-user.target.wants/cortado.service)" \
    test -L "$root/etc/systemd/system/multi-user.target.wants/cortado.service"
check "/etc/cortado/cortado.env is a conffile, readable by root only" \
    bash -c '[[ "$1" == *"/etc/cortado/cortado.env "* ]] && [ "$2" = "root:root 640" ]' _ \
    "$(in_root dpkg-query -W -f='${Conffiles}' cortado)" "$(in_root stat -c '%U:%G %a' /etc/cortado/cortado.env)"
for binary in cortado-server cortado-console; do
    check "/usr/bin/$binary" test -x "$root/usr/bin/$binary"
done
check "desktop entry /usr/share/applications/cortado-console.desktop" \
    grep -q '^Exec=cortado-console' "$root/usr/share/applications/cortado-console.desktop"
check "docs in /usr/share/doc/cortado" test -f "$root/usr/share/doc/cortado/docs/configuration.md" \
    -a -f "$root/usr/share/doc/cortado/README.md" -a -f "$root/usr/share/doc/cortado/copyright"
check "the browser client in /usr/share/cortado/js (cortado.js, cortado.d.ts)" \
    test -s "$root/usr/share/cortado/js/cortado.js" -a -s "$root/usr/share/cortado/js/cortado.d.ts"
check "the console's libraries all resolve" \
    bash -c '! chroot "$1" ldd /usr/bin/cortado-console | grep -q "not found"' _ "$root"

echo "test-deb: the service's command, as systemd would run it"
unit_value() { # the last value of KEY= in the unit's [Service] section
    awk -v key="$1" '/^\[/ { service = ($0 == "[Service]") } service && index($0, key "=") == 1 {
        value = substr($0, length(key) + 2) } END { print value }' "$unit"
}
user=$(unit_value User)
group=$(unit_value Group)
workdir=$(unit_value WorkingDirectory)
env_file=$(unit_value EnvironmentFile)
env_file=${env_file#-} # "-": optional file
exec_start=$(unit_value ExecStart)
exec_start=${exec_start#[-@:+!]} # systemd's prefixes (ignore failure etc.)
read -ra command <<<"$exec_start"
echo "  User=$user Group=${group:-$user} WorkingDirectory=$workdir EnvironmentFile=$env_file ExecStart=$exec_start"
[ -n "$user" ] && [ -n "$exec_start" ] && [ -f "$root$env_file" ] \
    || { echo "test-deb: FAIL: the unit lacks User, ExecStart or an existing EnvironmentFile" >&2; exit 1; }

# The environment systemd gives a User= service, then the EnvironmentFile's VARIABLE=value lines.
environment=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin HOME="$home" USER="$user" LOGNAME="$user"
             SHELL="$shell")
while IFS= read -r line || [ -n "$line" ]; do
    line=${line#"${line%%[![:space:]]*}"}
    [[ "$line" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || continue
    name=${line%%=*}
    value=${line#*=}
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    environment+=("$name=$value")
done <"$root$env_file"
printf '  from %s: %s\n' "$env_file" "$(printf '%s ' "${environment[@]:5}")"

# A free port (the file's own port may be taken on this machine); everything else as installed.
port=
for _ in $(seq 50); do
    candidate=$((20000 + RANDOM % 40000))
    if [ -z "$(ss -Htln "sport = :$candidate" 2>/dev/null)" ]; then port=$candidate; break; fi
done
[ -n "$port" ] || { echo "test-deb: FAIL: no free port" >&2; exit 1; }
environment+=("CORTADO_PORT=$port")
host=$(printf '%s\n' "${environment[@]}" | sed -n 's/^CORTADO_HOST=//p' | tail -1)
case "${host:-127.0.0.1}" in 0.0.0.0|::|localhost|"") host=127.0.0.1 ;; esac # the chroot shares our network

chroot "$root" /usr/bin/setpriv --reuid="$user" --regid="${group:-$user}" --init-groups \
    /usr/bin/env -i "${environment[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$workdir" "${command[@]}" \
    >"$work/server.log" 2>&1 &
server_pid=$!
# It says "listening on" once it accepts connections (or exits with the reason).
for _ in $(seq 300); do
    grep -q 'listening on' "$work/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if ! grep -q 'listening on' "$work/server.log"; then
    sed 's/^/  server: /' "$work/server.log"
    echo "test-deb: FAIL: the service's command did not start listening" >&2
    exit 1
fi
pass "started as $user: $(grep -m1 'listening on' "$work/server.log")"
status=$(curl -s -o "$work/health.json" -w '%{http_code}' --max-time 10 "http://$host:$port/health" || true)
check "GET /health: $status $(head -c 200 "$work/health.json" 2>/dev/null)" \
    bash -c '[ "$1" = 200 ] && grep -Eq "\"status\" *: *\"ok\"" "$2"' _ "$status" "$work/health.json"
status=$(curl -s -o "$work/cortado.js" -w '%{http_code}' --max-time 10 "http://$host:$port/cortado.js" || true)
check "GET /cortado.js: $status, the installed client's bytes" \
    bash -c '[ "$1" = 200 ] && cmp -s "$2" "$3"' _ "$status" "$work/cortado.js" "$root/usr/share/cortado/js/cortado.js"
check "the data folder holds the SQLite database and the development secret, the service user's" \
    test "$(in_root stat -c %U /var/lib/cortado/cortado.db /var/lib/cortado/jwt-secret 2>/dev/null | sort -u)" = "$user"
# docs/packaging.md's token command (the service's settings, as its user) signs what the service accepts.
token=$(chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c 'set -a; . /etc/cortado/cortado.env; cd /var/lib/cortado
    exec setpriv --reuid=cortado --regid=cortado --init-groups cortado-server token --user ops --role publisher' 2>/dev/null | tail -n 1)
status=$(curl -s -o "$work/broadcast.json" -w '%{http_code}' --max-time 10 -X POST -H "Authorization: Bearer $token" \
    -d '{"event":"news:flash","payload":"hello"}' "http://$host:$port/api/rooms/lobby/broadcast" || true)
check "the documented token command's token is accepted: POST /api/rooms/lobby/broadcast $status" \
    test "${status:0:1}" = 2
kill -TERM "$server_pid"
server_rc=0
wait "$server_pid" || server_rc=$?
server_pid=
check "stops cleanly on SIGTERM (exit status $server_rc)" test "$server_rc" -eq 0
[ "$failures" -eq 0 ] || sed 's/^/  server: /' "$work/server.log"

echo "test-deb: dpkg -r, then dpkg -P"
check "dpkg -r cortado" bash -c 'chroot "$1" dpkg -r cortado >"$2" 2>&1' _ "$root" "$work/remove.log"
check "  removed the binaries and the unit" test ! -e "$root/usr/bin/cortado-server" -a ! -e "$unit"
check "  kept the configuration, the data and the user" \
    bash -c 'test -f "$1/etc/cortado/cortado.env" -a -f "$1/var/lib/cortado/cortado.db" && chroot "$1" getent passwd cortado >/dev/null' _ "$root"
check "dpkg -P cortado" bash -c 'chroot "$1" dpkg -P cortado >"$2" 2>&1' _ "$root" "$work/purge.log"
check "  removed /etc/cortado and /var/lib/cortado, and the enablement" \
    test ! -e "$root/etc/cortado" -a ! -e "$root/var/lib/cortado" \
    -a ! -e "$root/etc/systemd/system/multi-user.target.wants/cortado.service"
check "  dpkg knows it no more" \
    bash -c '! chroot "$1" dpkg-query -W -f="\${db:Status-Status}" cortado 2>/dev/null | grep -qv not-installed' _ "$root"

if [ "$failures" -ne 0 ]; then
    cat "$work/remove.log" "$work/purge.log" 2>/dev/null | sed 's/^/  dpkg: /'
    echo "test-deb: FAIL: $failures check(s) failed ($((SECONDS - started)) s)"
    exit 1
fi
echo "test-deb: PASS ($((SECONDS - started)) s)"
