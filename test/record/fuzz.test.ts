/**
 * Property-based fuzzing of the record readers (issue 20): mutations of valid records
 * in all three formats (json_compressed, json, perf script) must give either records
 * that every report can use, or one FormatError naming the file; never an internal
 * error (TypeError, RangeError, ...), and within a time and memory bound. Seeds are
 * pinned; 1,000 cases per reader. Set FUZZ_RUNS to run a longer campaign.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { deflateSync } from "node:zlib";
import fc from "fast-check";
import { readRecords } from "../../src/record/read.js";
import { writeRecords, recordsJsonChunks } from "../../src/record/write.js";
import { damoJsonChunks } from "../../src/record/damo-layout.js";
import { perfScriptLines } from "../../src/record/perf-script.js";
import { adjustRecords } from "../../src/record/adjust.js";
import { makeSnapshot, type DamonRecord } from "../../src/record/model.js";
import { rawFormChunks } from "../../src/report/raw-form.js";
import { WSS_DEFAULTS, wssReport } from "../../src/report/wss.js";
import { guides, guideText } from "../../src/report/guide.js";
import { ACCESS_DEFAULTS, accessReport } from "../../src/report/access.js";
import { nrRegionsReport } from "../../src/report/nr-regions.js";
import { InputError } from "../../src/util/errors.js";
import { recordOf, twoSnapshotRecord } from "../helpers/records.js";
import { synthSnapshots } from "./helpers.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
/** Per case: a mutated record is at most a few KB; anything slower than this is a hang. */
const CASE_MS = 2000;
const RSS_LIMIT = 1.5 * 2 ** 30;

const dir = mkdtempSync(join(tmpdir(), "damon-ts-fuzz-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function seeds(): DamonRecord[][] {
  const small = synthSnapshots(5, 4, 5).map((s) => makeSnapshot(s.startNs, s.endNs, s.regions));
  const two = recordOf(synthSnapshots(6, 3, 3).map((s) => makeSnapshot(s.startNs, s.endNs, s.regions)));
  two.targetId = "1";
  return [[twoSnapshotRecord()], [recordOf(small)], [recordOf(small), two]];
}

/** Valid texts of each format to mutate. */
function texts(format: "json" | "perf"): string[] {
  const out: string[] = [];
  for (const recs of seeds()) {
    if (format === "perf") out.push([...perfScriptLines(recs)].join(""));
    else {
      out.push([...damoJsonChunks(recs)].join(""));
      const f = join(dir, "seed.json");
      writeRecords(f, recs, "json");
      out.push(readFileSync(f, "utf8"));
      out.push([...recordsJsonChunks(recs, true)].join(""));
    }
  }
  return out;
}

const TOKENS = [
  "1e999",
  "-1e999",
  "NaN",
  "-1",
  "null",
  "true",
  "{}",
  "[]",
  '"x"',
  ",",
  ":",
  "}",
  "]",
  "{",
  "[",
  '"',
  "\\",
  "9007199254740993",
  "18446744073709551615",
  "0.5",
  "01",
  "\n",
  " ",
  "target_id=2",
  "nr_regions=0",
  "nr_regions=3",
  "damon:damon_aggregated:",
  "4096-0:",
];

const NUMBERS = [
  "1e999",
  "-1",
  "NaN",
  "0",
  "9007199254740993",
  "18446744073709551615",
  "2.5",
  "1e3",
  "-0",
  "4294967296",
];

type Mutation = { kind: number; at: number; len: number; token: number; byte: number };
const mutation = fc.record({
  kind: fc.integer({ min: 0, max: 7 }),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 40 }),
  token: fc.nat({ max: TOKENS.length - 1 }),
  byte: fc.integer({ min: 0, max: 255 }),
});

function mutate(input: Buffer, ms: Mutation[]): Buffer {
  let b = input;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    const tok = Buffer.from(TOKENS[m.token], "utf8");
    switch (m.kind) {
      case 0: // delete a range
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
        break;
      case 1: // insert a token
        b = Buffer.concat([b.subarray(0, at), tok, b.subarray(at)]);
        break;
      case 2: // replace a range with a token
        b = Buffer.concat([b.subarray(0, at), tok, b.subarray(at + m.len)]);
        break;
      case 3: // set one byte
        b = Buffer.from(b);
        if (b.length) b[at] = m.byte;
        break;
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      case 5: // duplicate a range
        b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
        break;
      default: {
        // replace the next number with a token (keeps the grammar more often: reaches the field checks)
        let i = at;
        while (i < b.length && !(b[i] >= 0x30 && b[i] <= 0x39)) i++;
        let j = i;
        while (j < b.length && ((b[j] >= 0x30 && b[j] <= 0x39) || b[j] === 0x2c)) j++;
        const value = Buffer.from(NUMBERS[m.token % NUMBERS.length], "utf8");
        b = Buffer.concat([b.subarray(0, i), value, b.subarray(j)]);
      }
    }
  }
  return b;
}

interface Tally {
  cases: number;
  accepted: number;
  formatErrors: number;
}

/** Reads a file and uses the records as every report would; fails on anything but InputErrors. */
async function check(path: string, t: Tally): Promise<void> {
  const t0 = performance.now();
  let recs: DamonRecord[];
  try {
    recs = await readRecords(path);
  } catch (e) {
    if (!(e instanceof InputError)) throw new Error(`internal error reading ${path}: ${(e as Error).stack}`);
    assert.ok(e.message.includes(path), `error does not name the file: ${e.message}`);
    t.formatErrors++;
    return;
  } finally {
    t.cases++;
  }
  t.accepted++;
  const use = (fn: () => unknown): void => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof InputError))
        throw new Error(`internal error in a report on ${path}: ${(e as Error).stack}`);
    }
  };
  use(() => [...rawFormChunks(recs, false)].join(""));
  use(() => guides(recs).map((g) => guideText(g, false)));
  use(() => nrRegionsReport(recs, [0, 50, 100], undefined));
  use(() => wssReport(recs, { ...WSS_DEFAULTS, excludeSamples: 0 }));
  if (recs.every((r) => r.intervals !== null))
    use(() => accessReport(recs, { ...ACCESS_DEFAULTS, style: "recency-percentiles" }));
  use(() => adjustRecords(structuredClone(recs), 300_000, 0));
  const ms = performance.now() - t0;
  assert.ok(ms < CASE_MS, `${path} took ${ms.toFixed(0)} ms`);
  assert.ok(process.memoryUsage().rss < RSS_LIMIT, "memory bound exceeded");
}

for (const [reader, seed] of [
  ["json_compressed", 20201],
  ["json", 20202],
  ["perf script", 20203],
] as const) {
  void test(`fuzz: ${RUNS} mutated ${reader} records give records or one FormatError (seed ${seed})`, async () => {
    const base = texts(reader === "perf script" ? "perf" : "json");
    const tally: Tally = { cases: 0, accepted: 0, formatErrors: 0 };
    const file = join(dir, `case.${reader.replace(" ", "_")}`);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: base.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (which, ms, rawBytes) => {
          let bytes = mutate(Buffer.from(base[which]), ms);
          if (reader === "json_compressed")
            // mostly mutate the text and compress it; sometimes damage the compressed bytes
            bytes = rawBytes
              ? mutate(deflateSync(Buffer.from(base[which])), ms.slice(0, 1))
              : deflateSync(bytes);
          writeFileSync(file, bytes);
          await check(file, tally);
        },
      ),
      { seed, numRuns: RUNS },
    );
    process.stderr.write(
      `fuzz ${reader}: ${tally.cases} cases, ${tally.accepted} accepted, ${tally.formatErrors} FormatErrors, 0 internal errors\n`,
    );
    assert.equal(tally.cases, RUNS);
  });
}
