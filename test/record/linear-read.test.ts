/**
 * Reading damo-written records is linear (issue 19): the bytes carried over from one
 * chunk to the next are not joined again with every chunk. Measured without timing,
 * by counting the bytes Buffer.concat copies while a record in damo 3.3's exact layout
 * (damo-layout.ts) is fed in small chunks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { RecordJsonParser } from "../../src/record/json-stream.js";
import { damoJsonChunks } from "../../src/record/damo-layout.js";
import { makeSnapshot, type RegionInput } from "../../src/record/model.js";
import { recordOf } from "../helpers/records.js";

function damoText(nrSnapshots: number, nrRegions: number): Buffer {
  const snaps = [];
  for (let s = 0; s < nrSnapshots; s++) {
    const regions: RegionInput[] = [];
    for (let i = 0; i < nrRegions; i++)
      regions.push({
        start: 0x7f00_0000_0000 + i * 8192,
        end: 0x7f00_0000_0000 + i * 8192 + 4096,
        nrAccesses: i % 20,
        age: s,
      });
    snaps.push(makeSnapshot(1e9 + s * 100e6, 1e9 + (s + 1) * 100e6, regions));
  }
  return Buffer.from([...damoJsonChunks([recordOf(snaps)])].join(""));
}

void test("a damo-layout record fed in 64 KiB chunks is joined at most a few times over, and read right", () => {
  const text = damoText(3, 20_000); // ~11 MB per snapshot: each spans ~170 chunks
  let copied = 0;
  const concat = Buffer.concat.bind(Buffer);
  Buffer.concat = (list: readonly Uint8Array[], len?: number): Buffer<ArrayBuffer> => {
    const b = concat(list, len);
    copied += b.length;
    return b;
  };
  let recs;
  try {
    const p = new RecordJsonParser("mem");
    for (let i = 0; i < text.length; i += 65536) p.feed(text.subarray(i, i + 65536));
    recs = p.end();
  } finally {
    Buffer.concat = concat;
  }
  // fails before the fix: the carried snapshot was joined with every chunk (2.85 GB copied here for 33 MB of text)
  assert.ok(copied < 3 * text.length, `copied ${copied} bytes for ${text.length} bytes of text`);
  assert.equal(recs[0].snapshots.length, 3);
  assert.equal(recs[0].snapshots[2].nr, 20_000);
  assert.equal(recs[0].snapshots[2].age[5], 2);
  assert.equal(recs[0].snapshots[1].samples[19_999], 19_999 % 20);
});
