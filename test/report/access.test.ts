import { test } from "node:test";
import assert from "node:assert/strict";
import { twoSnapshotRecord } from "../helpers/records.js";
import { ACCESS_DEFAULTS, accessReport } from "../../src/report/access.js";

const ESC = String.fromCharCode(27);
const plain = (s: string): string =>
  s
    .split(ESC)
    .map((p, i) => (i === 0 ? p : p.replace(/^\[[0-9;]*m/, "")))
    .join("");

void test("detailed report of the formats.md two-snapshot example has damo's lines", () => {
  const rec = twoSnapshotRecord();
  const lines = plain(accessReport([rec], ACCESS_DEFAULTS)).split("\n");
  assert.equal(lines[0], "snapshot time: [0 ns, 100 ms] (100 ms)");
  assert.equal(lines[2], "# min/max temperatures: 0, 10,000, column size: 51.200 KiB");
  assert.equal(lines[3], "intervals: sample 5 ms aggr 100 ms (max access hz 200)");
  assert.equal(lines[4], "0   addr 4.000 KiB    size 1024.000 KiB access 200 hz age 0 ns         ");
  assert.equal(lines[6], "memory bw estimate: 200.000 MiB per second");
  assert.equal(lines[7], "total size: 4.000 MiB");
  assert.equal(lines[8], "");
  assert.equal(lines[lines.length - 1], "record DAMON intervals: sample 5 ms, aggr 100 ms");
});
