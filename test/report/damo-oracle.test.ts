/**
 * The real damo (the peer folder's damo-readonly, damo 3.3; test/helpers/peer.ts) as the oracle: records of
 * random shapes (seeds pinned) are written in damo's own layout (damo-layout.ts, the
 * bytes damo writes) and in ours (RecordWriter's compact json_compressed), and every
 * report kind and style the peer data covers must print exactly what damo prints for
 * the same file (issue 19): access --raw_form, the five access styles, wss (with and
 * without --work_time), nr_regions, heatmap --guide, heatmap --output raw (damo's
 * 500 x 500 default off the terminal), record_info, and adjust followed by reports.
 * damo runs as `nobody`, so inputs are made world-readable and the folder writable.
 * damo is slow: the records are small and the damo runs go three at a time.
 * Failed before the fixes of issue 19: raw heatmaps were 40 x 80 (damo: 500 x 500),
 * record_info printed relative times, multi-snapshot `detailed` lacked "heatmap: ".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { readRecords } from "../../src/record/read.js";
import { writeRecords } from "../../src/record/write.js";
import { damoJsonChunks } from "../../src/record/damo-layout.js";
import { makeSnapshot, type DamonRecord, type RegionInput } from "../../src/record/model.js";
import { rawFormChunks } from "../../src/report/raw-form.js";
import { WSS_DEFAULTS, wssReport } from "../../src/report/wss.js";
import { nrRegionsReport } from "../../src/report/nr-regions.js";
import { guides, guideText } from "../../src/report/guide.js";
import { percentileRange } from "../../src/report/dist.js";
import { ACCESS_DEFAULTS, accessReport, type AccessStyle } from "../../src/report/access.js";
import { damoPagerText } from "../../src/report/pager.js";
import { heatmapGrid, planHeatmap, rawHeatmapLines, selectRecords } from "../../src/report/heatmap.js";
import { Rng } from "../../src/util/rng.js";
import { peerPath, peerSkip, sameText } from "../helpers/peer.js";
import { recordOf } from "../helpers/records.js";

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = resolve(here, "../../src/cli/main.ts");
const TSX = import.meta.resolve("tsx");

/** A record of a random shape: 2-3 far-apart ranges, regions that split, merge and move. */
function randomRecord(seed: number): DamonRecord {
  const rng = new Rng(seed);
  const bases = [0x55d0_0000_0000, 0x7f30_0000_0000, 0x7ffd_0000_0000].slice(0, 2 + rng.randRange(0, 2));
  const nrSnapshots = 28 + rng.randRange(0, 8);
  const snaps = [];
  for (let s = 0; s < nrSnapshots; s++) {
    const regions: RegionInput[] = [];
    for (const base of bases) {
      let addr = base + 4096 * rng.randRange(0, 4);
      const n = 1 + rng.randRange(0, 5);
      for (let i = 0; i < n; i++) {
        const size = 4096 * (1 + rng.randRange(0, 600));
        regions.push({
          start: addr,
          end: addr + size,
          nrAccesses: rng.randRange(0, 3) === 0 ? 0 : rng.randRange(0, 21),
          age: rng.randRange(0, 40),
        });
        addr += size + (rng.randRange(0, 4) === 0 ? 4096 * rng.randRange(1, 64) : 0);
      }
    }
    snaps.push(makeSnapshot(1e9 + s * 100e6, 1e9 + (s + 1) * 100e6, regions));
  }
  return recordOf(snaps);
}

/** Runs commands with at most `limit` at a time; resolves to their stdout (rejects on failure). */
function pool(cmds: string[][], limit: number): Promise<string[]> {
  const out: string[] = new Array<string>(cmds.length);
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < cmds.length) {
      const k = next++;
      out[k] = await new Promise<string>((res, rej) => {
        const [cmd, ...args] = cmds[k];
        const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
        let o = "";
        let e = "";
        p.stdout.setEncoding("utf8").on("data", (d: string) => (o += d));
        p.stderr.setEncoding("utf8").on("data", (d: string) => (e += d));
        p.on("error", rej);
        p.on("close", (code) =>
          code === 0 ? res(o) : rej(new Error(`${cmds[k].join(" ")}: exit ${code}: ${e}`)),
        );
      });
    }
  };
  return Promise.all(Array.from({ length: limit }, one)).then(() => out);
}

const joined = (chunks: Iterable<string>): string => [...chunks].join("");
const pct = percentileRange(1, 101, 1);
const STYLES: AccessStyle[] = [
  "recency-percentiles",
  "temperature-percentiles",
  "recency-sz-hist",
  "temperature-sz-hist",
  "detailed",
];

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 27,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

void test(
  "damo 3.3 prints what damon-ts prints, on random records in damo's layout and ours (seeds 11, 12)",
  { skip: peerSkip(".", "damo-readonly") },
  async () => {
    const damo = peerPath("damo-readonly");
    const dir = mkdtempSync(join(tmpdir(), "damon-ts-oracle-"));
    try {
      chmodSync(dir, 0o777);
      const damoFile = join(dir, "damo-layout.data");
      const oursFile = join(dir, "ours.data");
      const rec11 = randomRecord(11);
      writeFileSync(damoFile, deflateSync(Buffer.from(joined(damoJsonChunks([rec11])))));
      writeRecords(oursFile, [randomRecord(12)], "json_compressed");
      const damoAdj = join(dir, "damo.adjusted.data");
      const oursAdj = join(dir, "ours.adjusted.data");
      for (const f of [damoFile, oursFile]) chmodSync(f, 0o644);

      // damo's outputs, three runs at a time
      const cases: { name: string; file: string; args: string[]; ours: (recs: DamonRecord[]) => string }[] =
        [];
      for (const file of [damoFile, oursFile]) {
        cases.push({
          name: "access --raw_form",
          file,
          args: ["access", "--raw_form"],
          ours: (r) => joined(rawFormChunks(r, false)),
        });
        cases.push({
          name: "wss -r 1 101 1 --raw_number",
          file,
          args: ["wss", "-r", "1", "101", "1", "--raw_number"],
          ours: (r) => wssReport(r, { ...WSS_DEFAULTS, percentiles: pct, rawNumber: true }),
        });
        cases.push({
          name: "record_info",
          file,
          args: ["record_info"],
          ours: (r) =>
            guides(r)
              .map((g) => guideText(g, false) + "\n")
              .join(""),
        });
      }
      cases.push({
        name: "wss --work_time 1000000",
        file: damoFile,
        args: ["wss", "-r", "1", "101", "1", "--work_time", "1000000", "--raw_number"],
        ours: (r) =>
          wssReport(r, { ...WSS_DEFAULTS, percentiles: pct, rawNumber: true, workTimeUs: 1000000 }),
      });
      cases.push({
        name: "nr_regions -r 1 101 1",
        file: damoFile,
        args: ["nr_regions", "-r", "1", "101", "1"],
        ours: (r) => nrRegionsReport(r, pct, undefined),
      });
      cases.push({
        name: "heatmap --guide",
        file: damoFile,
        args: ["heatmap", "--guide"],
        ours: (r) =>
          guides(r)
            .map((g) => guideText(g, true) + "\n")
            .join(""),
      });
      for (const style of STYLES)
        cases.push({
          name: `access --style ${style}`,
          file: damoFile,
          args: ["access", "--style", style],
          ours: (r) => damoPagerText(accessReport(r, { ...ACCESS_DEFAULTS, style })),
        });
      // the raw heatmap of our layout, drawn in-process at damo's default resolution for raw output
      cases.push({
        name: "heatmap --output raw",
        file: oursFile,
        args: ["heatmap", "--output", "raw"],
        ours: (r) => {
          const plan = planHeatmap(r, {}, null, null, "hottest");
          return joined(
            rawHeatmapLines(
              heatmapGrid(selectRecords(r, plan.selection), plan.timeRange, plan.addrRanges[0], [500, 500]),
              false,
              false,
            ),
          );
        },
      });
      const cmds = cases.map((c) => [damo, "report", ...c.args, "-i", c.file]);
      // and the CLI's own default resolution for raw heatmaps (fails before: 40 x 80)
      cmds.push([damo, "report", "heatmap", "--output", "raw", "-i", damoFile]);
      cmds.push([
        damo,
        "adjust",
        "--aggregate_interval",
        "1000000",
        "--skip",
        "5",
        "-i",
        damoFile,
        "-o",
        damoAdj,
        "--output_permission",
        "644",
      ]);
      const outs = await pool(cmds, 3);
      const damoHeatRaw = outs[cases.length];

      const recs = new Map<string, DamonRecord[]>([
        [damoFile, await readRecords(damoFile)],
        [oursFile, await readRecords(oursFile)],
      ]);
      cases.forEach((c, k) =>
        sameText(
          c.ours(recs.get(c.file)!),
          outs[k],
          `${c.name} (${c.file === damoFile ? "damo layout" : "our layout"})`,
        ),
      );
      sameText(
        cli(["report", "heatmap", "--output", "raw", "-i", damoFile]),
        damoHeatRaw,
        "CLI heatmap --output raw",
      );

      // adjust (issue 19): damo's adjusted record and ours report the same, raw form and
      // record_info (time span and ages as damo leaves them)
      cli([
        "adjust",
        "--aggregate_interval",
        "1000000",
        "--skip",
        "5",
        "-i",
        damoFile,
        "-o",
        oursAdj,
        "--output_permission",
        "644",
      ]);
      const [dRaw, dInfo, dOursInfo] = await pool(
        [
          [damo, "report", "access", "--raw_form", "-i", damoAdj],
          [damo, "report", "record_info", "-i", damoAdj],
          [damo, "report", "record_info", "-i", oursAdj],
        ],
        3,
      );
      sameText(dInfo, dOursInfo, "damo's record_info of damo's and our adjusted record");
      sameText(
        joined(rawFormChunks(await readRecords(oursAdj), false)),
        dRaw,
        "adjust then access --raw_form",
      );
      sameText(cli(["report", "record_info", "-i", oursAdj]), dInfo, "adjust then record_info");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
