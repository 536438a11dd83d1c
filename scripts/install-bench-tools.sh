#!/usr/bin/env bash
# Install the load generator the benchmarks drive servers with (wrk, from Debian's archive)
# when it is missing. Idempotent; needs root or sudo for apt-get. bench/serve.py calls it.
set -euo pipefail

if command -v wrk >/dev/null; then
    echo "install-bench-tools: wrk already installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
        echo "install-bench-tools: wrk is missing and this user cannot run apt-get;" \
            "install it with 'apt-get install wrk' as root" >&2
        exit 1
    fi
fi
echo "install-bench-tools: installing wrk (apt-get)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq wrk >/dev/null
