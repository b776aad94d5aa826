/**
 * `report access` on a record with probe hits prints exactly what damo 3.3 prints
 * (its probe-hits region layout). The record and damo's outputs are fixtures made
 * by scripts/make-probe-fixture.sh (a damon-ts run with three --probe options, then
 * the read-only damo 3.3 peer); the check needs no damo at test time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readRecords } from "../../src/record/read.js";
import { regionProbeHits } from "../../src/record/probe-hits.js";
import { ACCESS_DEFAULTS, accessReport } from "../../src/report/access.js";
import { damoPagerText } from "../../src/report/pager.js";
import { sameText } from "../helpers/peer.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "../fixtures/probes");

test("report access on a record with probe hits equals damo 3.3's output (default and --raw_number)", async () => {
  const recs = await readRecords(join(FIX, "damon.data"));
  assert.ok(
    recs[0].snapshots.every((s) => s.probeHits?.length === 3),
    "three probes recorded",
  );
  assert.ok(
    recs[0].snapshots.some((s) => regionProbeHits(s, 9).some((h) => h > 0)),
    "some hits",
  );
  sameText(
    damoPagerText(accessReport(recs, ACCESS_DEFAULTS)),
    readFileSync(join(FIX, "damo-report-access.txt"), "utf8"),
    "default",
  );
  sameText(
    damoPagerText(accessReport(recs, { ...ACCESS_DEFAULTS, rawNumber: true })),
    readFileSync(join(FIX, "damo-report-access-raw.txt"), "utf8"),
    "--raw_number",
  );
});
