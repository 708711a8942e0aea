#!/bin/sh
# Make a Docker engine reachable for the tests and build their image.
#
# When `docker info` fails and we are root (or sudo works without a password),
# install docker.io and busybox-static, start dockerd in the background (log:
# /tmp/dagd-dockerd.log) and wait for it with a deadline. Then build
# dagd-busybox:latest with `docker import` from a busybox-static rootfs: no
# image can be pulled here. Exits non-zero, saying why, when impossible.
set -u
IMAGE=${DAGD_TEST_IMAGE:-dagd-busybox:latest}
DEADLINE=${DOCKER_START_TIMEOUT:-60}
LOG=/tmp/dagd-dockerd.log

say() { echo "docker-engine: $*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

engine_up() { docker info >/dev/null 2>&1; }

# wait_engine SECONDS: poll until the engine answers or the deadline passes.
wait_engine() {
    end=$(($(date +%s) + $1))
    while ! engine_up; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.2
    done
}

can_root() { [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }; }

install_packages() {
    missing=
    command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
    busybox_static || missing="$missing busybox-static"
    [ -z "$missing" ] && return 0
    say "installing$missing"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/tmp/dagd-apt.log 2>&1 ||
        { as_root apt-get update -q >>/tmp/dagd-apt.log 2>&1 &&
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >>/tmp/dagd-apt.log 2>&1; } ||
        { say "apt-get install$missing failed (see /tmp/dagd-apt.log)"; return 1; }
}

# The busybox binary to put in the image: it must be static, the rootfs has
# no libc.
busybox_static() {
    for b in /bin/busybox /usr/bin/busybox; do
        if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then
            BUSYBOX=$b
            return 0
        fi
    done
    return 1
}

start_engine() {
    if engine_up; then
        return 0
    fi
    if ! can_root; then
        say "no Docker engine reachable, and not root (nor passwordless sudo) to start one"
        return 1
    fi
    install_packages || return 1
    if ! pgrep -x dockerd >/dev/null 2>&1; then
        say "starting dockerd (log: $LOG)"
        as_root sh -c "setsid dockerd >$LOG 2>&1 </dev/null &"
    fi
    if ! wait_engine "$DEADLINE"; then
        say "dockerd did not answer within ${DEADLINE}s; last lines of $LOG:"
        tail -n 15 "$LOG" >&2 2>/dev/null
        return 1
    fi
}

build_image() {
    if docker image inspect "$IMAGE" >/dev/null 2>&1; then
        return 0
    fi
    if ! busybox_static; then
        if can_root; then install_packages || return 1; fi
        busybox_static || { say "no static busybox (apt-get install busybox-static)"; return 1; }
    fi
    root=$(mktemp -d /tmp/dagd-rootfs.XXXXXX)
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
    chmod 1777 "$root/tmp"
    cp "$BUSYBOX" "$root/bin/busybox"
    for applet in $("$BUSYBOX" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    say "importing $IMAGE from $BUSYBOX"
    if ! tar -C "$root" -cf - . |
        docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null; then
        rm -rf "$root"
        say "docker import of $IMAGE failed"
        return 1
    fi
    rm -rf "$root"
}

start_engine || exit 1
build_image || exit 1
say "engine reachable, image $IMAGE ready"
