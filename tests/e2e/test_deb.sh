#!/bin/bash
# make deb, then the package on this machine: apt-get install ./dagd_*.deb,
# the installed agent started the way its unit starts it (as the dagd user,
# with the installed config), a DAG run through the installed dagctl, and
# apt-get purge leaving nothing behind. Installs into the real /usr: it runs
# only as root, skips when dagd is already installed, and purges on any exit.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
    echo "skip - the package test installs into /usr: it needs root"
    exit 0
fi
if ! command -v dh >/dev/null || ! command -v dpkg-buildpackage >/dev/null; then
    echo "skip - debhelper is not installed (scripts/deps.sh installs it)"
    exit 0
fi
# One package test at a time on a machine.
exec 9>/tmp/dagd-deb-test.lock
flock 9
if dpkg-query -W -f='${Status}' dagd 2>/dev/null | grep -q 'installed'; then
    echo "skip - a dagd package is installed on this machine already; not touching it"
    exit 0
fi

INSTALLED=
AGENT=
finish() {
    [ -n "$AGENT" ] && kill -KILL "$AGENT" 2>/dev/null
    if [ -n "$INSTALLED" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq dagd >/dev/null 2>&1
    fi
    cleanup
}
trap finish EXIT

# The build, in a copy of the tree (make deb builds under build/deb/).
W=$T/src
mkdir -p "$W"
(cd "$ROOT" && tar --exclude=./build --exclude=./bin --exclude=./var --exclude=./.git \
    --exclude='./dagd_*' -cf - .) | tar -xf - -C "$W"
make -s -C "$W" deb >"$T/build.log" 2>&1
check_eq "make deb builds" 0 $?
deb=$(ls "$W"/dagd_*_*.deb 2>/dev/null | head -1)
version=$(sed -n 's/.*DAGD_VERSION "\(.*\)"/\1/p' "$ROOT/shared/version.h")
check_eq "the .deb is named dagd_<version>_<arch>.deb" \
    "dagd_${version}_$(dpkg --print-architecture).deb" "$(basename "$deb")"
[ -n "$deb" ] || { tail -30 "$T/build.log"; exit 1; }

if command -v lintian >/dev/null; then
    lintian --pedantic "$deb" >"$T/lintian" 2>&1
    grep -v 'running with root privileges' "$T/lintian" | sed 's/^/# lintian: /'
    check_eq "lintian reports no error" "" "$(grep '^E:' "$T/lintian")"
else
    echo "skip - lintian is not installed"
fi
contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/dagd ./usr/bin/dagctl ./usr/bin/dagtop ./etc/dagd/dagd.ini \
    ./usr/share/man/man8/dagd.8.gz ./usr/share/man/man1/dagctl.1.gz ./usr/share/man/man1/dagtop.1.gz \
    ./usr/share/man/man5/dagd.ini.5.gz ./usr/share/man/man5/dagd-dag.5.gz \
    ./usr/share/bash-completion/completions/dagctl ./lib/systemd/system/dagd.service; do
    grep -q " $f\$" <<<"$contents" || not_ok "the package holds $f"
done
ok "the package holds the binaries, man pages, completion, config and unit"
check_eq "/etc/dagd/dagd.ini is a conffile" "/etc/dagd/dagd.ini" \
    "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles 2>/dev/null)"

cp "$deb" "$T/"
INSTALLED=1
(cd "$T" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$(basename "$deb")") >"$T/install.log" 2>&1
check_eq "apt-get install ./dagd_*.deb" 0 $?
check "the dagd system user exists" eval "id dagd >/dev/null"
check_eq "/var/lib/dagd belongs to dagd" "dagd:dagd" "$(stat -c %U:%G /var/lib/dagd 2>/dev/null)"
check "the installed config names /var/lib/dagd and /etc/dagd/dags" \
    sh -c "grep -q '^state_dir = /var/lib/dagd' /etc/dagd/dagd.ini && grep -q '^dags_dir = /etc/dagd/dags' /etc/dagd/dagd.ini"
unit=$(ls /lib/systemd/system/dagd.service /usr/lib/systemd/system/dagd.service 2>/dev/null | head -1)
check "the unit is Type=notify with a watchdog" \
    sh -c "grep -q '^Type=notify' '$unit' && grep -q '^WatchdogSec=30' '$unit' && grep -q '^NotifyAccess=main' '$unit'"
if command -v systemd-analyze >/dev/null; then
    check "systemd-analyze verify finds nothing wrong in the unit" \
        sh -c "systemd-analyze verify '$unit' 2>&1 | grep -v 'docker.service\|network-online' | grep -q . && exit 1 || exit 0"
fi
check "the installed dagd --check accepts the installed config" \
    eval "/usr/bin/dagd -c /etc/dagd/dagd.ini --check >/dev/null"
check "man finds the installed dagd(8)" sh -c "! command -v man >/dev/null || man -w dagd | grep -q /usr/share/man/man8/dagd.8"

# Start it the way the unit does: its User=, UMask= and ExecStart=.
printf '[task hello]\ncommand = echo hello from the package\n' >/etc/dagd/dags/hello.ini
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
umask_=$(sed -n 's/^UMask=//p' "$unit")
# setpriv execs (runuser would stay the parent and take the signals).
(umask "$umask_" && exec setpriv --reuid="$user" --regid="$user" --init-groups -- $exec_start) \
    2>>"$T/agent.log" &
AGENT=$!
check "the installed agent answers the installed dagctl" \
    wait_for 20 eval "/usr/bin/dagctl -s /var/lib/dagd/dagd.sock status >/dev/null"
run=$(/usr/bin/dagctl -s /var/lib/dagd/dagd.sock trigger hello)
check "the installed dagctl triggers a run" test -n "$run"
/usr/bin/dagctl -s /var/lib/dagd/dagd.sock wait hello "$run" --timeout 30 >/dev/null
check_eq "the run succeeds" 0 $?
check "its log is there" sh -c "/usr/bin/dagctl -s /var/lib/dagd/dagd.sock logs hello '$run' hello | grep -q 'hello from the package'"
check_eq "the agent runs as dagd" dagd "$(ps -o user= -p "$AGENT" 2>/dev/null)"
check_eq "the store is the dagd user's" dagd "$(stat -c %U /var/lib/dagd/dagd.db 2>/dev/null)"
kill -TERM "$AGENT"
wait "$AGENT"
check_eq "the installed agent exits 0 on SIGTERM" 0 $?
AGENT=

files=$(dpkg -L dagd | while read -r f; do [ -f "$f" ] && echo "$f"; done)
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq dagd >"$T/purge.log" 2>&1
check_eq "apt-get purge dagd" 0 $?
INSTALLED=
left=
for f in $files; do [ -e "$f" ] && left="$left $f"; done
check_eq "no file of the package is left" "" "$left"
check "no dagd user is left" sh -c "! getent passwd dagd >/dev/null && ! getent group dagd >/dev/null"
check "no /var/lib/dagd or /etc/dagd is left" sh -c "[ ! -e /var/lib/dagd ] && [ ! -e /etc/dagd ]"
check "no enablement link of the unit is left" \
    sh -c "! ls /etc/systemd/system/*.wants/dagd.service >/dev/null 2>&1"
check_eq "dpkg knows no dagd" "" "$(dpkg-query -W -f='${Status}' dagd 2>/dev/null | grep -v not-installed)"
