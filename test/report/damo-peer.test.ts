/**
 * Every case of the damo peer data's damo-report/README.md (test/helpers/peer.ts): damon-ts must print exactly
 * what damo printed, byte for byte. The data is read in place, never copied.
 */
import { test } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { inflateSync } from "node:zlib";
import { readRecords } from "../../src/record/read.js";
import { adjustRecords } from "../../src/record/adjust.js";
import { writeRecords } from "../../src/record/write.js";
import { rawFormChunks } from "../../src/report/raw-form.js";
import { WSS_DEFAULTS, wssReport } from "../../src/report/wss.js";
import { nrRegionsReport } from "../../src/report/nr-regions.js";
import { guides, guideText } from "../../src/report/guide.js";
import { percentileRange } from "../../src/report/dist.js";
import { ACCESS_DEFAULTS, accessReport, type AccessStyle } from "../../src/report/access.js";
import { damoPagerText } from "../../src/report/pager.js";
import { peerPath, peerSkip, sameText } from "../helpers/peer.js";

const PEER = peerPath("damo-report");
const skip = peerSkip("damo-report");
const expected = (name: string): string => readFileSync(join(PEER, "expects", name), "utf8");
const input = (name: string): string => join(PEER, name);

function joined(chunks: Iterable<string>): string {
  let s = "";
  for (const c of chunks) s += c;
  return s;
}

/** Compares and, on failure, names the first differing line instead of dumping megabytes. */

const pct1to100 = percentileRange(1, 101, 1);

void test("report access --raw_form (json_compressed, both copies)", { skip }, async () => {
  for (const f of ["damon.data", "damon.data.json_compressed"])
    sameText(joined(rawFormChunks(await readRecords(input(f)), false)), expected("report-raw"), f);
});

void test("report access --raw_form (perf script)", { skip }, async () => {
  sameText(
    joined(rawFormChunks(await readRecords(input("perf.data.script")), false)),
    expected("report-raw_perf_script"),
    "perf",
  );
});

void test("report wss -r 1 101 1 --raw_number", { skip }, async () => {
  const out = wssReport(await readRecords(input("damon.data")), {
    ...WSS_DEFAULTS,
    percentiles: pct1to100,
    rawNumber: true,
  });
  sameText(out, expected("report-wss"), "wss");
});

void test("report wss --work_time 1000000", { skip }, async () => {
  const out = wssReport(await readRecords(input("damon.data")), {
    ...WSS_DEFAULTS,
    percentiles: pct1to100,
    rawNumber: true,
    workTimeUs: 1000000,
  });
  sameText(out, expected("report-wss_worktime_1s"), "wss work_time");
});

void test("report nr_regions -r 1 101 1", { skip }, async () => {
  sameText(
    nrRegionsReport(await readRecords(input("damon.data")), pct1to100, undefined),
    expected("report-nr_regions"),
    "nr_regions",
  );
});

void test("report heatmap --guide", { skip }, async () => {
  const out = guides(await readRecords(input("damon.data")))
    .map((g) => guideText(g, true) + "\n")
    .join("");
  sameText(out, expected("report-heats_guide"), "guide");
});

for (const [name, skipN] of [
  ["report-aggr_1s_raw", 20],
  ["report-aggr_1s_raw_skip_30", 30],
] as const) {
  void test(
    `adjust --aggregate_interval 1000000 --skip ${skipN}, then raw form of what we wrote`,
    { skip },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "damon-ts-adjust-"));
      try {
        const recs = await readRecords(input("damon.data"));
        adjustRecords(recs, 1000000, skipN);
        const out = join(dir, "damon.adjusted.data");
        writeRecords(out, recs, "json_compressed");
        sameText(joined(rawFormChunks(await readRecords(out), false)), expected(name), name);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

const STYLES: AccessStyle[] = [
  "recency-percentiles",
  "temperature-percentiles",
  "recency-sz-hist",
  "temperature-sz-hist",
  "detailed",
];
const FILTERS = ["nofilter", "active", "inactive", "anon", "file", "unmapped", "hugepage"];
for (const style of STYLES) {
  void test(`report access --style ${style} on the 7 filtered snapshots`, { skip }, async () => {
    for (const f of FILTERS) {
      const recs = await readRecords(input(`damon.data.snapshot.${f}`));
      const out = damoPagerText(accessReport(recs, { ...ACCESS_DEFAULTS, style }));
      sameText(out, expected(`report-${style}-${f}`), `${style} ${f}`);
    }
  });
}

void test(
  "peer records written back by damon-ts (all formats) give the same raw form",
  { skip },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "damon-ts-peer-rt-"));
    try {
      for (const [src, want] of [
        ["damon.data", "report-raw"],
        ["perf.data.script", "report-raw_perf_script"],
      ] as const) {
        const recs = await readRecords(input(src));
        // perf script keeps µs end times only, so only perf-born records survive it exactly
        const formats =
          src === "perf.data.script"
            ? (["json_compressed", "json", "perf_script"] as const)
            : (["json_compressed", "json"] as const);
        for (const format of formats) {
          const out = join(dir, `${src}.${format}`);
          writeRecords(out, recs, format);
          sameText(
            joined(rawFormChunks(await readRecords(out), false)),
            expected(want),
            `${src} as ${format}`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test("our indent=4 writer reproduces damo's own record files byte for byte", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-peer-w-"));
  try {
    for (const f of FILTERS) {
      const src = input(`damon.data.snapshot.${f}`);
      const out = join(dir, `${f}.json`);
      writeRecords(out, await readRecords(src), "json", 4);
      sameText(readFileSync(out, "utf8"), inflateSync(readFileSync(src)).toString("utf8"), f);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
