#!/usr/bin/env bash
# Everything the test suite needs from Debian on a fresh machine: qemu and busybox
# for the real-kernel guest (scripts/install-vm-deps.sh), valgrind and a C
# toolchain for trace capture with the project's own Valgrind tool, perf for
# `damon-ts live` (its tests skip themselves without it), chromium for the
# browser tests of `damon-ts ui` (driven by puppeteer-core), and prometheus
# (server and promtool) for the exporter's tests (test/exporter).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
bash "$(dirname "$0")/install-vm-deps.sh"
apt-get install -y --no-install-recommends valgrind gcc libc6-dev linux-perf prometheus
apt-get install -y --no-install-recommends chromium
