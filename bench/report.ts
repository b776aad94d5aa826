/**
 * Benchmark of record reports on the case of issue 19: a seeded 1,000-snapshot x
 * 1,000-region json_compressed record over three far-apart ranges, written exactly
 * as damo 3.3 writes one (json.dumps(indent=4) text with damo's percent, usec,
 * probe_hits, sample_interval_us and data_source fields, one zlib stream at the
 * default level 6: src/record/damo-layout.ts, checked byte for byte against damo's
 * own output). `--compact` writes RecordWriter's compact layout instead; `--input
 * FILE` times an existing record. Times `report heatmap --output raw`, `report wss`
 * and `report access --raw_form` (each in a fresh process, output to /dev/null) and
 * prints seconds and peak RSS, with the ratio to a baseline measured in the same
 * run: just inflating the file, and the CPU seconds used (steadier than wall time on
 * a shared machine), and the CLI's own start-up (`report --help`). `--vs REF` also builds git REF's CLI and runs it interleaved
 * with this one (`--rounds N` each, medians), for before/after figures under the
 * same load. Goal: each < 1 s and < 500 MB (damo: ~60 s, 2.6 GB).
 *
 *   npx tsx bench/report.ts [--snapshots N] [--regions N] [--seed N] [--compact] [--keep]
 *                           [--input FILE] [--vs REF] [--rounds N]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  copyFileSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  closeSync,
  writeFileSync,
} from "node:fs";
import { finished } from "node:stream/promises";
import { createDeflate } from "node:zlib";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { RecordWriter, JsonLayout } from "../src/record/write.js";
import { damoSnapshotText } from "../src/record/damo-layout.js";
import { emptyRecord, makeSnapshot, type RegionInput } from "../src/record/model.js";
import { Rng } from "../src/util/rng.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
function strArg(name: string): string | null {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? null) : null;
}
const nrSnapshots = arg("--snapshots", 1000);
const nrRegions = arg("--regions", 1000);
const seed = arg("--seed", 1);
const compact = process.argv.includes("--compact");
const input = strArg("--input");
const vsRef = strArg("--vs");
const rounds = arg("--rounds", vsRef ? 3 : 1);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

const dir = mkdtempSync(join(tmpdir(), "damon-ts-bench-"));
const file = input ?? join(dir, "damon.data");
// Builds go to .tmp/ (git-ignored) so that node_modules resolves; removed at the end.
const builds = join(root, ".tmp/bench-report");

/** Compiles the CLI in `srcRoot` (this checkout or an extracted git ref) to `out`; returns the child script. */
function buildCli(srcRoot: string, out: string): string {
  const tsc = spawnSync(
    process.execPath,
    [
      join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      join(srcRoot, "tsconfig.build.json"),
      "--outDir",
      join(out, "dist"),
    ],
    { encoding: "utf8" },
  );
  if (tsc.status !== 0) throw new Error(`build failed: ${tsc.stdout}${tsc.stderr}`);
  // the CLI reads its version from ../../package.json relative to dist/cli/main.js
  copyFileSync(join(srcRoot, "package.json"), join(out, "package.json"));
  const child = join(out, "child.mjs");
  writeFileSync(
    child,
    [
      'import { resourceUsage } from "node:process";',
      "const t0 = performance.now();",
      "const args = process.argv.slice(2);",
      'process.on("exit", () => process.stderr.write(`\\nBENCH ${JSON.stringify({ seconds: (performance.now() - t0) / 1000, maxRssMb: resourceUsage().maxRSS / 1024, cpu: (resourceUsage().userCPUTime + resourceUsage().systemCPUTime) / 1e6 })}\\n`));',
      'if (args[0] === "--inflate-only") {',
      '  const { createReadStream } = await import("node:fs");',
      '  const { createInflate } = await import("node:zlib");',
      "  let n = 0;",
      "  for await (const c of createReadStream(args[1], { highWaterMark: 1 << 22 }).pipe(createInflate({ chunkSize: 1 << 22 }))) n += c.length;",
      "} else {",
      '  process.argv = [process.argv[0], "damon-ts", ...args];',
      '  await import("./dist/cli/main.js");',
      "}",
      "",
    ].join("\n"),
  );
  return child;
}

interface Stats {
  seconds: number;
  wall: number;
  maxRssMb: number;
  cpu: number;
}

function run(child: string, label: string, args: string[]): Stats {
  const devnull = openSync("/dev/null", "w");
  const start = performance.now();
  const r = spawnSync(process.execPath, [child, ...args], {
    stdio: ["ignore", devnull, "pipe"],
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - start) / 1000;
  closeSync(devnull);
  const m = /BENCH (\{.*\})/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${label} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const stats = JSON.parse(m[1]) as Omit<Stats, "wall">;
  return { ...stats, wall };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Per-field medians over rounds. */
function med(runs: Stats[]): Stats {
  return {
    seconds: median(runs.map((r) => r.seconds)),
    wall: median(runs.map((r) => r.wall)),
    maxRssMb: median(runs.map((r) => r.maxRssMb)),
    cpu: median(runs.map((r) => r.cpu)),
  };
}

async function generate(): Promise<void> {
  // A workload-like record: three far-apart ranges (heap, mmap, stack), regions
  // that split and merge a little each aggregation, a hot band that moves.
  const t0 = performance.now();
  const rng = new Rng(seed);
  const meta = {
    kdamondIdx: 0,
    contextIdx: 0,
    targetId: 0,
    intervals: { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000 },
  };
  // damo's writer: one zlib stream (zlib.compress, level 6) of the json.dumps(indent=4) text
  const rec = { ...emptyRecord("0", { ...meta.intervals, goal: null }), kdamondIdx: 0, contextIdx: 0 };
  const deflate = compact ? null : createDeflate({ level: 6 });
  const out = deflate ? createWriteStream(file) : null;
  if (deflate && out) {
    deflate.pipe(out);
    deflate.write("[" + new JsonLayout(4).recordHead(rec, true, true));
  }
  const w = compact ? new RecordWriter(file, { ...meta, indent: 0 }) : null;
  const add = async (
    startNs: number,
    endNs: number,
    regions: RegionInput[],
    first: boolean,
  ): Promise<void> => {
    if (w) w.addSnapshot({ startNs, endNs, regions });
    else if (!deflate!.write(damoSnapshotText(rec, makeSnapshot(startNs, endNs, regions), first)))
      await once(deflate!, "drain");
  };
  const bases = [0x55d0_0000_0000, 0x7f30_0000_0000, 0x7ffd_0000_0000];
  const shares = [0.6, 0.38, 0.02];
  const regionBytes = 1 << 20;
  const ages = new Float64Array(nrRegions);
  for (let s = 0; s < nrSnapshots; s++) {
    const regions = [];
    const hot = Math.floor((s / nrSnapshots) * nrRegions * 0.6);
    let idx = 0;
    for (let b = 0; b < bases.length; b++) {
      const n = b === bases.length - 1 ? nrRegions - idx : Math.floor(nrRegions * shares[b]);
      let addr = bases[b];
      for (let i = 0; i < n; i++, idx++) {
        const size = regionBytes + 4096 * (rng.randRange(0, 64) - 32);
        const isHot = Math.abs(idx - hot) < 40;
        const acc = isHot ? 10 + rng.randRange(0, 11) : rng.randRange(0, 100) < 5 ? rng.randRange(1, 4) : 0;
        ages[idx] = acc === 0 ? ages[idx] + 1 : 0;
        regions.push({ start: addr, end: addr + size, nrAccesses: acc, age: ages[idx] });
        addr += size;
      }
    }
    await add(1e9 + s * 100e6, 1e9 + (s + 1) * 100e6, regions, s === 0);
  }
  if (w) w.close();
  if (deflate && out) {
    deflate.end(
      new JsonLayout(4).recordTail({ ...rec, dataSource: "unknown" }, nrSnapshots === 0, true) + "\n]",
    );
    await finished(out);
  }
  const genS = (performance.now() - t0) / 1000;
  console.log(
    `record: ${nrSnapshots} snapshots x ${nrRegions} regions, ${compact ? "compact (RecordWriter)" : "as damo 3.3 writes it"} json_compressed, ` +
      `${(statSync(file).size / 2 ** 20).toFixed(1)} MiB, written in ${genS.toFixed(2)} s (seed ${seed})`,
  );
}

try {
  const tb = performance.now();
  // Time the CLI as it is installed: compiled JavaScript, not tsx's on-the-fly compile.
  const clis: { name: string; child: string }[] = [
    { name: "this tree", child: buildCli(root, join(builds, "this")) },
  ];
  if (vsRef) {
    const src = join(builds, "ref-src");
    mkdirSync(src, { recursive: true });
    const tar = join(builds, "ref.tar");
    execFileSync("git", [
      "-C",
      root,
      "archive",
      "-o",
      tar,
      vsRef,
      "src",
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
    ]);
    execFileSync("tar", ["-x", "-C", src, "-f", tar]);
    clis.unshift({ name: vsRef, child: buildCli(src, join(builds, "ref")) });
  }
  console.log(
    `built ${clis.length === 1 ? "the CLI" : "both CLIs"} in ${((performance.now() - tb) / 1000).toFixed(1)} s`,
  );
  if (input) console.log(`record: ${input}, ${(statSync(input).size / 2 ** 20).toFixed(1)} MiB`);
  else await generate();

  const base = med(
    Array.from({ length: rounds }, () => run(clis[0].child, "inflate only", ["--inflate-only", file])),
  );
  console.log(
    `baseline (inflate the file, nothing else): ${base.seconds.toFixed(2)} s (cpu ${base.cpu.toFixed(2)} s), peak RSS ${base.maxRssMb.toFixed(0)} MB` +
      (rounds > 1 ? ` (medians of ${rounds} rounds, CLIs interleaved)` : ""),
  );
  const startup = clis.map((c) =>
    med(Array.from({ length: rounds }, () => run(c.child, "start-up", ["report", "--help"]))),
  );
  clis.forEach((c, j) =>
    console.log(
      `CLI start-up (report --help)${clis.length > 1 ? ` ${c.name}` : ""}: ${startup[j].seconds.toFixed(2)} s (cpu ${startup[j].cpu.toFixed(2)} s)`,
    ),
  );
  console.log(
    `${"command".padEnd(36)} ${clis.length > 1 ? "CLI".padEnd(12) : ""}seconds  (x baseline)  cpu s   wall incl. startup  peak RSS   goal`,
  );
  for (const [label, args] of [
    ["report heatmap --output raw", ["report", "heatmap", "--output", "raw", "--input", file]],
    ["report wss", ["report", "wss", "--input", file]],
    ["report access --raw_form", ["report", "access", "--raw_form", "--input", file]],
  ] as const) {
    const runs = clis.map((): Stats[] => []);
    for (let k = 0; k < rounds; k++) clis.forEach((c, j) => runs[j].push(run(c.child, label, [...args])));
    clis.forEach((c, j) => {
      const r = med(runs[j]);
      const ok = r.seconds < 1 && r.maxRssMb < 500;
      console.log(
        `${label.padEnd(36)} ${clis.length > 1 ? c.name.slice(0, 11).padEnd(12) : ""}${r.seconds.toFixed(2).padStart(7)}  (${(r.seconds / base.seconds).toFixed(2).padStart(5)}x)  ${r.cpu.toFixed(2).padStart(5)}   ${r.wall.toFixed(2).padStart(6)} s          ${r.maxRssMb.toFixed(0).padStart(5)} MB   ${ok ? "met" : "MISSED"} (<1 s, <500 MB)`,
      );
    });
  }
} finally {
  rmSync(builds, { recursive: true, force: true });
  if (!process.argv.includes("--keep") || input) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${file}`);
}
