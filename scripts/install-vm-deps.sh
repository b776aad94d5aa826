#!/usr/bin/env bash
# Installs what `damon-ts vm` needs on a Debian machine: qemu (TCG is enough) and a
# static busybox for the guest's initramfs. The kernel image itself is fetched and
# cached by `damon-ts vm` on first use (apt-get download, no root needed for that).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends qemu-system-x86 busybox-static
