#!/usr/bin/env bash
# Make a Docker engine answer and the offline test base image exist. Idempotent:
# each step is skipped when its result is already there, and says what it did.
#
#   1. install docker.io + debootstrap with apt-get when dockerd is missing;
#   2. start dockerd in the background (log: $DEBUGKIT_DOCKERD_LOG) when `docker info` fails;
#   3. build $DEBUGKIT_TEST_BASE_IMAGE (default debugkit-test-base:bookworm) with debootstrap
#      + `docker import` when `docker image inspect` does not find it (no registry needed).
set -euo pipefail

IMAGE="${DEBUGKIT_TEST_BASE_IMAGE:-debugkit-test-base:bookworm}"
DOCKERD_LOG="${DEBUGKIT_DOCKERD_LOG:-/tmp/debugkit-dockerd.log}"
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

say() { echo "docker-engine: $*"; }

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! command -v docker >/dev/null; then
    say "installing docker.io and debootstrap (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq docker.io debootstrap >/dev/null
else
    say "docker.io and debootstrap already installed"
fi

if docker info >/dev/null 2>&1; then
    say "engine already answers"
elif docker info 2>&1 | grep -qi "permission denied"; then
    say "an engine runs but this user may not use it: add yourself to the 'docker' group" \
        "(sudo usermod -aG docker \$USER, then log in again)" >&2
    exit 3
else
    say "starting dockerd (log: $DOCKERD_LOG)"
    # setsid: the engine outlives this script and the test run that started it
    $SUDO setsid dockerd >"$DOCKERD_LOG" 2>&1 < /dev/null &
    for _ in $(seq 1 120); do
        if docker info >/dev/null 2>&1; then break; fi
        sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
        say "dockerd did not answer within 60 s; last lines of $DOCKERD_LOG:" >&2
        tail -n 20 "$DOCKERD_LOG" >&2 || true
        exit 3
    fi
    say "engine answers"
fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "base image $IMAGE already present"
else
    say "building base image $IMAGE with debootstrap (about a minute, once)"
    ROOTFS="$(mktemp -d /tmp/debugkit-rootfs.XXXXXX)"
    trap '$SUDO rm -rf "$ROOTFS"' EXIT
    if ! $SUDO debootstrap --variant=minbase --include=python3,python3-venv,python3-pip \
        bookworm "$ROOTFS" >"$ROOTFS.log" 2>&1; then
        say "debootstrap failed; last lines of $ROOTFS.log:" >&2
        tail -n 20 "$ROOTFS.log" >&2
        exit 1
    fi
    $SUDO tar -C "$ROOTFS" -c . | docker import \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'CMD ["python3"]' - "$IMAGE" >/dev/null
    rm -f "$ROOTFS.log"
    say "base image $IMAGE built"
fi
