#!/usr/bin/env bash
# Remakes test/fixtures/probes/: a damon-ts record with probe hits, and what damo
# 3.3 (the read-only peer, ../shared/peer/damo-readonly or $DAMON_TS_PEER) prints
# for it with `report access` (default layout, and --raw_number). test/report/
# probe-hits.test.ts checks that damon-ts prints exactly the same.
#
#   bash scripts/make-probe-fixture.sh
# The record is json_compressed, damo's default: damo tells plain JSON apart with
# `file -b`, whose newer versions say "JSON text data", which damo 3.3 misses.
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${DAMON_TS_PEER:-../shared/peer}
out=test/fixtures/probes
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod a+rwx "$tmp"   # damo runs as nobody
node --import tsx src/cli/main.ts run stairs --scale 64 --duration 600ms --seed 3 --ops vaddr \
  --probe anon --probe '!anon' --probe 'reject !anon,memcg=/' \
  --record "$tmp/damon.data" --no-baseline --no-heatmap >/dev/null
chmod a+r "$tmp/damon.data"
mkdir -p "$out"
cp "$tmp/damon.data" "$out/damon.data"
"$peer/damo-readonly" report access -i "$tmp/damon.data" >"$out/damo-report-access.txt"
"$peer/damo-readonly" report access -i "$tmp/damon.data" --raw_number >"$out/damo-report-access-raw.txt"
echo "wrote $out (damon.data, damo-report-access.txt, damo-report-access-raw.txt)" >&2
