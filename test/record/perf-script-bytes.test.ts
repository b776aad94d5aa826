/**
 * Differential test of the byte-level perf script reader (feedBytes,
 * src/record/perf-script-bytes.ts) against the string reader it replaced (feed, as
 * read.ts called it: the file decoded as UTF-8 in chunks): on random and mutated
 * perf script texts, read in random chunk sizes, both give the same records (-0 and
 * NaN included) or the same error (message, file:line). Seeds are pinned.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { StringDecoder } from "node:string_decoder";
import { PerfScriptParser } from "../../src/record/perf-script.js";
import { Rng } from "../../src/util/rng.js";
import { AggregatedLine, LineKind, readLineBytes } from "../../src/record/perf-script-bytes.js";

const CASES = 400;

type Outcome = { records: unknown } | { error: string };

function outcome(read: (p: PerfScriptParser) => void): Outcome {
  const p = new PerfScriptParser("t.txt");
  try {
    read(p);
    const records = p.end().map((r) => ({
      ...r,
      snapshots: r.snapshots.map((s) => ({
        ...s,
        start: [...s.start],
        end: [...s.end],
        samples: [...s.samples],
        age: [...s.age],
        szFilterPassed: [...s.szFilterPassed],
        probeHits: s.probeHits ? JSON.stringify(s.probeHits) : undefined,
      })),
    }));
    return { records };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Random cut points: chunks of 1 byte to the whole text. */
function chunks(bytes: Buffer, rng: Rng): Buffer[] {
  const out: Buffer[] = [];
  const max = [1, 7, 64, bytes.length + 1][rng.randRange(0, 4)];
  for (let i = 0; i < bytes.length;) {
    const n = rng.randRange(1, max + 1);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.randRange(0, xs.length)];
}

/** Mostly the usual form, one time in `odds` a variant. */
function usually<T>(rng: Rng, usual: T, variants: readonly T[], odds = 12): T {
  return rng.randRange(0, odds) === 0 ? pick(rng, variants) : usual;
}

/** A perf script text of 1-3 targets' snapshots with the kernel's lines and their variants. */
function randomText(rng: Rng): string {
  const lines: string[] = [];
  const nrTargets = rng.randRange(1, 4);
  const nrSnaps = rng.randRange(1, 5);
  const probes = rng.randRange(0, 4) === 0;
  let t = rng.randRange(0, 3000) + rng.randRange(0, 1e6) / 1e6;
  const comm = usually(rng, "kdamond.0", ["kdämond.0", "kdamond.12"], 6);
  for (let s = 0; s < nrSnaps; s++) {
    t += rng.randRange(1, 200000) / 1e6;
    const ts = usually(rng, t.toFixed(6), [t.toFixed(9), String(Math.floor(t)), t.toFixed(3)], 4);
    for (let tg = 0; tg < nrTargets; tg++) {
      const nr = rng.randRange(1, 5);
      let addr = rng.randRange(0, 1 << 20) * 4096;
      const tid = usually(rng, String(tg), [`0${tg}`, "1234567890123456"], 30);
      for (let r = 0; r < nr; r++) {
        const a = addr;
        addr += rng.randRange(1, 100) * 4096;
        const acc = usually(rng, String(rng.randRange(0, 30)), ["-1", "-0", "007"]);
        const age = usually(rng, ` ${rng.randRange(0, 100)}`, ["", " -0", " 12345678901234567"], 20);
        const sep = usually(rng, " ", ["\t", " \u00a0"], 30);
        const ev = usually(rng, "damon:damon_aggregated:", ["damon:damos_before_apply:"], 30);
        const mid = ev.startsWith("damon:damos")
          ? `ctx_idx=0 scheme_idx=0 target_idx=${tid} nr_regions=${nr}`
          : `target_id=${tid} nr_regions=${nr}`;
        const fields = [comm, "1234", "[001]", `${ts}:`, ev, mid, `${a}-${addr}:`, `${acc}${age}`];
        lines.push(fields.join(sep) + usually(rng, "", ["\r", " "]));
        if (probes && ev === "damon:damon_aggregated:")
          lines.push(
            `${comm} 1234 [001] ${ts}: damon:damon_region_aggregated: target_id=${tid} nr_regions=${nr} ${a}-${addr}: ${acc} 3 probe_hits=0a ff 1`,
          );
        if (rng.randRange(0, 10) === 0)
          lines.push(pick(rng, ["", "# comment", "perf 1 [000] 1.0: sched:sched_switch: a b c"]));
      }
    }
  }
  return lines.join("\n") + pick(rng, ["\n", "", "\n\n"]);
}

const NOISE = ["0", "9", "-", ":", ".", " ", "\t", "\n", "x", "=", "\u00e4", "\u00a0", "1".repeat(17)];

/** The text with a few random cuts, insertions or duplicated lines, on its bytes. */
function mutate(bytes: Buffer, rng: Rng): Buffer {
  let b = bytes;
  const n = rng.randRange(1, 4);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = rng.randRange(0, b.length);
    const op = rng.randRange(0, 3);
    if (op === 0)
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + rng.randRange(1, 20)))]);
    else if (op === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from(pick(rng, NOISE)), b.subarray(at)]);
    else {
      const from = b.lastIndexOf(10, at) + 1;
      const to = b.indexOf(10, at);
      const line = b.subarray(from, to < 0 ? b.length : to + 1);
      b = Buffer.concat([b.subarray(0, from), line, line, b.subarray(from)]);
    }
  }
  return b;
}

void test("the byte reader gives the string reader's records or error, in any chunking", () => {
  let ok = 0;
  let failed = 0;
  for (let seed = 1; seed <= CASES; seed++) {
    const rng = new Rng(seed);
    const text = Buffer.from(randomText(rng));
    const bytes = seed % 3 === 0 ? mutate(text, rng) : text;
    const want = outcome((p) => {
      const dec = new StringDecoder("utf8");
      for (const c of chunks(bytes, rng)) p.feed(dec.write(c));
      p.feed(dec.end());
    });
    const got = outcome((p) => {
      for (const c of chunks(bytes, rng)) p.feedBytes(c);
    });
    assert.deepStrictEqual(got, want, `seed ${seed}: ${JSON.stringify(bytes.toString())}`);
    if ("records" in want) ok++;
    else failed++;
  }
  // both kinds of outcome were compared, not one only
  assert.ok(ok > CASES / 5 && failed > CASES / 10, `${ok} read, ${failed} failed`);
});

void test("the byte reader's numbers: timestamps, -0, no age, leading zeros, long ids", () => {
  const text = [
    "kdamond.0 1 [001] 12.000001: damon:damon_aggregated: target_id=0 nr_regions=2 4096-8192: -0 1",
    "kdamond.0 1 [001] 12.000001: damon:damon_aggregated: target_id=0 nr_regions=2 8192-16384: 7",
    "kdamond.0 1 [001] 13: damon:damon_aggregated: target_id=007 nr_regions=01 0-4096: 3 -2",
    "kdamond.0 1 [001] 14.1: damon:damon_aggregated: target_id=12345678901234567 nr_regions=1 0-4096: 3 2",
  ].join("\n");
  const recs = new PerfScriptParser("t.txt");
  recs.feedBytes(Buffer.from(text));
  const [a, b, c] = recs.end();
  assert.equal(a.targetId, "0");
  assert.equal(a.snapshots[0].endNs, 12000001000);
  assert.ok(Object.is(a.snapshots[0].samples[0], -0));
  assert.ok(Number.isNaN(a.snapshots[0].age[1]));
  assert.equal(b.targetId, "7");
  assert.equal(b.snapshots[0].endNs, 13e9);
  assert.equal(b.snapshots[0].age[0], -2);
  assert.equal(c.targetId, "12345678901234567");
  assert.equal(c.snapshots[0].endNs, 14.1e9);
});

void test("the usual lines are read from the bytes, the rest left to the string reader", () => {
  const out = new AggregatedLine();
  const kind = (line: string): LineKind => {
    const b = Buffer.from(line);
    return readLineBytes(b, 0, b.length, out, false);
  };
  const line =
    "kdamond.x xxxx xxxx 1.100000: damon:damon_aggregated: target_id=3 nr_regions=2 4096-8192: 5 7";
  assert.equal(kind(line), LineKind.Aggregated);
  assert.deepEqual(
    [out.endNs, out.tid, out.nrRegions, out.start, out.end, out.samples, out.age],
    [1.1e9, 3, 2, 4096, 8192, 5, 7],
  );
  // the next line of the snapshot shares the first seven fields
  assert.equal(kind(line.replace("4096-8192: 5 7", "8192-12288: 0")), LineKind.Aggregated);
  assert.deepEqual([out.endNs, out.tid, out.start, out.end, out.samples], [1.1e9, 3, 8192, 12288, 0]);
  assert.ok(Number.isNaN(out.age));
  assert.equal(kind("perf 1 [000] 1.0: sched:sched_switch: a b c"), LineKind.Skip);
  assert.equal(kind("short line"), LineKind.Skip);
  for (const other of [
    line.replace("kdamond.x", "kdämond.x"),
    line.replace("target_id=3", "target_id=03"),
    line.replace("4096-8192", "8192-4096"),
    line.replace("nr_regions=2", "nr_regions=0"),
    line.replace(" 5 7", " 5 7 9"),
    line.replace("1.100000", "1.1234567890123456"),
    line.replace("damon_aggregated", "damon_region_aggregated") + " probe_hits=01",
  ])
    assert.equal(kind(other), LineKind.Other, other);
});
