/**
 * Benchmark of record reports on the case of issue 19: seeded 1,000-snapshot x
 * 1,000-region records over three far-apart ranges, written exactly as damo 3.3
 * writes them (json.dumps(indent=4) text with damo's percent, usec, probe_hits,
 * sample_interval_us and data_source fields: src/record/damo-layout.ts, checked byte
 * for byte against damo's own output; json_compressed is one zlib stream at the
 * default level 6). Shapes (`--shape NAME[,NAME]`, default all but compact):
 * `zlib` (json_compressed, damo's default), `json` (plain json, 555 MB), `targets`
 * (three targets sharing the 1,000 regions), `wide` (regions of GiBs over 120 TiB:
 * longer numbers), `perf` (perf_script text, as `damo record --output_type
 * perf_script` writes it), `compact` (RecordWriter's compact layout). `--input FILE` times
 * an existing record. Times `report heatmap --output raw`, `report wss` and `report
 * access --raw_form` (each in a fresh process, output to /dev/null) and prints
 * seconds, CPU seconds (process total, worker threads included: steadier than wall
 * time on a shared machine), wall time including Node's start, and peak RSS, with
 * the ratio to a baseline measured in the same run (just reading and inflating the
 * file) and the CLI's own start-up (`report --help`). `--vs REF` also builds git
 * REF's CLI and runs it interleaved with this one (`--rounds N` each, medians), for
 * before/after figures under the same load. Goal: each < 1 s wall with Node's start
 * and < 500 MB (damo: ~60 s, 2.6 GB).
 *
 *   npx tsx bench/report.ts [--shape zlib,json,targets,wide,perf,compact] [--snapshots N]
 *                           [--regions N] [--seed N] [--keep] [--input FILE]
 *                           [--vs REF] [--rounds N]
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
import { RecordWriter, writeRecords } from "../src/record/write.js";
import { damoJsonChunks } from "../src/record/damo-layout.js";
import { emptyRecord, makeSnapshot, type DamonRecord, type RegionInput } from "../src/record/model.js";
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
const keep = process.argv.includes("--keep");
const input = strArg("--input");
const vsRef = strArg("--vs");
const rounds = arg("--rounds", vsRef ? 3 : 1);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

const dir = mkdtempSync(join(tmpdir(), "damon-ts-bench-"));
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
      'if (args[0] === "--read-only") {',
      '  const { createReadStream, openSync, readSync } = await import("node:fs");',
      '  const { createInflate } = await import("node:zlib");',
      "  const head = Buffer.alloc(1);",
      '  readSync(openSync(args[1], "r"), head, 0, 1, 0);',
      "  const src = createReadStream(args[1], { highWaterMark: 1 << 22 });",
      "  let n = 0;",
      "  for await (const c of head[0] === 0x78 ? src.pipe(createInflate({ chunkSize: 1 << 22 })) : src) n += c.length;",
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

/** The record shapes timed (damo 3.3's writer for all but `compact`). */
const SHAPES = ["zlib", "json", "targets", "wide", "perf", "compact"] as const;
type Shape = (typeof SHAPES)[number];
const SHAPE_TEXT: Record<Shape, string> = {
  zlib: "1 target, as damo 3.3 writes it, json_compressed",
  json: "1 target, as damo 3.3 writes it, json",
  targets: "3 targets (333-334 regions each), as damo 3.3 writes it, json_compressed",
  wide: "1 target over 120 TiB (regions of GiBs), as damo 3.3 writes it, json_compressed",
  perf: "1 target, perf_script text (damo --output_type perf_script)",
  compact: "1 target, RecordWriter's compact layout, json_compressed",
};

/**
 * A workload-like record: far-apart ranges (heap, mmap, stack), regions that split
 * and merge a little each aggregation, a hot band that moves. `targets` records share
 * the regions of each snapshot; `wide` regions are GiBs over the 47-bit user space.
 */
function makeRecords(shape: Shape): DamonRecord[] {
  const rng = new Rng(seed);
  const intervals = { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000, goal: null };
  const nrTargets = shape === "targets" ? 3 : 1;
  const recs = Array.from({ length: nrTargets }, (_, t) => ({
    ...emptyRecord(String(t), intervals),
    kdamondIdx: 0,
    contextIdx: 0,
  }));
  const wide = shape === "wide";
  const bases = wide
    ? [0x1000_0000_0000, 0x5000_0000_0000, 0x7000_0000_0000]
    : [0x55d0_0000_0000, 0x7f30_0000_0000, 0x7ffd_0000_0000];
  const shares = [0.6, 0.38, 0.02];
  const regionBytes = wide ? 40 * 2 ** 30 : 1 << 20;
  const ages = new Float64Array(nrRegions);
  for (let s = 0; s < nrSnapshots; s++) {
    const regions: RegionInput[] = [];
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
    const per = Math.ceil(nrRegions / nrTargets);
    recs.forEach((rec, t) =>
      rec.snapshots.push(
        makeSnapshot(1e9 + s * 100e6, 1e9 + (s + 1) * 100e6, regions.slice(t * per, (t + 1) * per)),
      ),
    );
  }
  return recs;
}

function parseShapes(text: string | null): Shape[] {
  if (text === null) return SHAPES.filter((x) => x !== "compact");
  return text.split(",").map((x) => {
    if (!(SHAPES as readonly string[]).includes(x)) {
      console.error(`--shape: unknown shape '${x}' (one of ${SHAPES.join(", ")})`);
      process.exit(2);
    }
    return x as Shape;
  });
}
const shapes = parseShapes(strArg("--shape"));

/** Writes the shape's record to `path` as damo's writer (or RecordWriter for `compact`) would. */
async function generate(shape: Shape, path: string): Promise<void> {
  const t0 = performance.now();
  const recs = makeRecords(shape);
  if (shape === "perf") {
    writeRecords(path, recs, "perf_script");
  } else if (shape === "compact") {
    const [rec] = recs;
    const w = new RecordWriter(path, {
      kdamondIdx: 0,
      contextIdx: 0,
      targetId: 0,
      intervals: rec.intervals!,
      indent: 0,
    });
    for (const s of rec.snapshots) w.addSnapshot(s);
    w.close();
  } else {
    // damo's writer: json.dumps(indent=4) text; for json_compressed one zlib stream
    // (zlib.compress, level 6)
    const out = createWriteStream(path);
    const sink = shape === "json" ? out : createDeflate({ level: 6 });
    if (sink !== out) sink.pipe(out);
    for (const chunk of damoJsonChunks(recs)) if (!sink.write(chunk)) await once(sink, "drain");
    sink.end();
    await finished(out);
  }
  console.log(
    `record "${shape}": ${nrSnapshots} snapshots x ${nrRegions} regions, ${SHAPE_TEXT[shape]}, ` +
      `${(statSync(path).size / 2 ** 20).toFixed(1)} MiB, written in ${((performance.now() - t0) / 1000).toFixed(2)} s (seed ${seed})`,
  );
}

/** Times the three reports on `file` with each CLI, after the read-only baseline. */
function timeReports(file: string): void {
  const base = med(
    Array.from({ length: rounds }, () => run(clis[0].child, "read only", ["--read-only", file])),
  );
  console.log(
    `baseline (read and inflate the file, nothing else): ${base.seconds.toFixed(2)} s (cpu ${base.cpu.toFixed(2)} s), peak RSS ${base.maxRssMb.toFixed(0)} MB` +
      (rounds > 1 ? ` (medians of ${rounds} rounds, CLIs interleaved)` : ""),
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
      const ok = r.wall < 1 && r.maxRssMb < 500;
      console.log(
        `${label.padEnd(36)} ${clis.length > 1 ? c.name.slice(0, 11).padEnd(12) : ""}${r.seconds.toFixed(2).padStart(7)}  (${(r.seconds / base.seconds).toFixed(2).padStart(5)}x)  ${r.cpu.toFixed(2).padStart(5)}   ${r.wall.toFixed(2).padStart(6)} s          ${r.maxRssMb.toFixed(0).padStart(5)} MB   ${ok ? "met" : "MISSED"} (<1 s wall, <500 MB)`,
      );
    });
  }
}

const clis: { name: string; child: string }[] = [];
try {
  const tb = performance.now();
  // Time the CLI as it is installed: compiled JavaScript, not tsx's on-the-fly compile.
  clis.push({ name: "this tree", child: buildCli(root, join(builds, "this")) });
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
  const startup = clis.map((c) =>
    med(Array.from({ length: rounds }, () => run(c.child, "start-up", ["report", "--help"]))),
  );
  clis.forEach((c, j) =>
    console.log(
      `CLI start-up (report --help)${clis.length > 1 ? ` ${c.name}` : ""}: ${startup[j].seconds.toFixed(2)} s (cpu ${startup[j].cpu.toFixed(2)} s)`,
    ),
  );
  for (const shape of input ? [null] : shapes) {
    const file = input ?? join(dir, `damon.data.${shape}`);
    if (shape) await generate(shape, file);
    timeReports(file);
    if (shape && !keep) rmSync(file, { force: true });
    else if (shape) console.log(`kept ${file}`);
  }
} finally {
  rmSync(builds, { recursive: true, force: true });
  if (!keep || input) rmSync(dir, { recursive: true, force: true });
}
