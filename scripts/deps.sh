#!/bin/sh
# Install the Debian packages dagd needs to build and test, if any is missing.
# Works as root and through sudo; as another user it asks sudo.
set -eu
PKGS="gcc make pkg-config libuv1-dev libsqlite3-dev libjansson-dev libinih-dev
libcurl4-openssl-dev libcmocka-dev libncurses-dev tzdata jq tmux procps socat sqlite3
python3 python3-prometheus-client groff-base bash-completion debhelper lintian fakeroot strace"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing >/dev/null
