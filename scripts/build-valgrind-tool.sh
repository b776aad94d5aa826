#!/usr/bin/env bash
# Builds damon-ts's Valgrind tool (native/damontrace.c) with Debian's valgrind kit
# (headers in /usr/include/valgrind, static libraries in /usr/lib/<triplet>/valgrind)
# and lays out a Valgrind library folder that uses it:
#   OUT_DIR/lib/damontrace-amd64-linux   the tool
#   OUT_DIR/lib/*                        symlinks to everything in /usr/libexec/valgrind
# Run it as: VALGRIND_LIB=OUT_DIR/lib valgrind --tool=damontrace --out-fd=3 CMD 3>records
# Usage: scripts/build-valgrind-tool.sh OUT_DIR
# Exit 0 on success; otherwise the last line of stderr says why (damon-ts then falls
# back to lackey and prints that reason).
set -euo pipefail
out="${1:?usage: build-valgrind-tool.sh OUT_DIR}"
here="$(cd "$(dirname "$0")/.." && pwd)"
src="$here/native/damontrace.c"
arch="$(uname -m)"
if [ "$arch" != "x86_64" ]; then echo "the tool is only built for x86-64 (this machine is $arch)" >&2; exit 1; fi
inc=/usr/include/valgrind
libs=""
for d in /usr/lib/x86_64-linux-gnu/valgrind /usr/lib/valgrind /usr/libexec/valgrind; do
  if [ -f "$d/libcoregrind-amd64-linux.a" ]; then libs="$d"; break; fi
done
libexec=""
for d in /usr/libexec/valgrind /usr/lib/valgrind /usr/lib/x86_64-linux-gnu/valgrind; do
  if [ -f "$d/vgpreload_core-amd64-linux.so" ]; then libexec="$d"; break; fi
done
command -v gcc >/dev/null || { echo "gcc is not installed (apt-get install gcc)" >&2; exit 1; }
[ -f "$inc/pub_tool_basics.h" ] || { echo "valgrind tool headers missing ($inc/pub_tool_basics.h)" >&2; exit 1; }
[ -n "$libs" ] || { echo "valgrind static libraries (libcoregrind-amd64-linux.a) not found" >&2; exit 1; }
[ -n "$libexec" ] || { echo "valgrind's libexec folder (vgpreload_core-amd64-linux.so) not found" >&2; exit 1; }
mkdir -p "$out/lib"
gcc -c -O2 -g -m64 -std=gnu99 -fno-strict-aliasing -fno-builtin -fno-stack-protector -fno-pie \
  -Wall -Wno-unused-parameter \
  -DVGA_amd64=1 -DVGO_linux=1 -DVGP_amd64_linux=1 -DVGPV_amd64_linux_vanilla=1 \
  -I"$inc" -o "$out/damontrace.o" "$src"
# Linked like Valgrind's own tools: static, no libc, loaded at Valgrind's tool address.
gcc -m64 -o "$out/lib/damontrace-amd64-linux" "$out/damontrace.o" \
  -static -nodefaultlibs -nostartfiles -u _start -no-pie \
  -Wl,--build-id=none -Wl,-Ttext-segment=0x58000000 \
  "$libs/libcoregrind-amd64-linux.a" "$libs/libvex-amd64-linux.a" "$libs/libgcc-sup-amd64-linux.a" -lgcc
for f in "$libexec"/*; do
  name="$(basename "$f")"
  [ -e "$out/lib/$name" ] || ln -s "$f" "$out/lib/$name"
done
echo "built $out/lib/damontrace-amd64-linux"
