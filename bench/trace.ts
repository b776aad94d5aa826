/**
 * Trace write and read throughput on the fixture traces (real programs), against
 * reading the same accesses as raw 16-byte records (what our Valgrind tool emits)
 * from a file in the same run.
 *
 *   npx tsx bench/trace.ts [--runs N]
 *
 * Goals (issue 7): reading at >= 100 M accesses/s, <= 2 bytes per access.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TraceReader } from "../src/workload/trace/reader.js";
import { projectRoot } from "../src/workload/trace/valgrind-tool.js";
import { createTraceFile } from "../src/workload/trace/writer.js";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const fixtures = join(projectRoot(), "test", "fixtures", "traces");
const tmp = mkdtempSync(join(tmpdir(), "bench-trace-"));

interface Loaded {
  name: string;
  n: number;
  addr: Float64Array;
  size: Uint16Array;
  isWrite: Uint8Array;
  tid: Int32Array;
  clock: Float64Array;
}

function load(path: string): Loaded {
  const r = TraceReader.open(path);
  const n = countAccesses(path);
  const out: Loaded = {
    name: path.split("/").pop() ?? path,
    n,
    addr: new Float64Array(n),
    size: new Uint16Array(n),
    isWrite: new Uint8Array(n),
    tid: new Int32Array(n),
    clock: new Float64Array(n),
  };
  for (const it of r) {
    if (it.kind !== "accesses") continue;
    const f = it.firstIndex;
    out.addr.set(it.addr.subarray(0, it.count), f);
    out.size.set(it.size.subarray(0, it.count), f);
    out.isWrite.set(it.isWrite.subarray(0, it.count), f);
    out.tid.set(it.tid.subarray(0, it.count), f);
    out.clock.set(it.clock.subarray(0, it.count), f);
  }
  r.close();
  return out;
}

function countAccesses(path: string): number {
  const r = TraceReader.open(path);
  let n = 0;
  for (const it of r) if (it.kind === "accesses") n += it.count;
  r.close();
  return n;
}

/** Decode only: the reader materialises every column; the consumer looks at one value per chunk. */
function readDecodeOnly(path: string): number {
  const r = TraceReader.open(path);
  let n = 0;
  let sink = 0;
  for (const it of r)
    if (it.kind === "accesses") {
      n += it.count;
      sink += it.addr[it.count - 1] + it.clock[it.count - 1] + it.size[0] + it.tid[0] + it.isWrite[0];
    }
  r.close();
  if (Number.isNaN(sink)) throw new Error("unreachable");
  return n;
}

/** Decode plus a consumer pass touching every access's address, size and write flag. */
function readAndConsume(path: string): number {
  const r = TraceReader.open(path);
  let n = 0;
  let s = 0;
  for (const it of r)
    if (it.kind === "accesses") {
      const { addr, size, isWrite, count } = it;
      for (let i = 0; i < count; i++) s += addr[i] + size[i] + isWrite[i];
      n += count;
    }
  r.close();
  if (Number.isNaN(s)) throw new Error("unreachable");
  return n;
}

const RAW = 16;
function writeRaw(l: Loaded, path: string): void {
  const fd = openSync(path, "w");
  const buf = Buffer.alloc(RAW * 65536);
  for (let i0 = 0; i0 < l.n; i0 += 65536) {
    const m = Math.min(65536, l.n - i0);
    for (let k = 0; k < m; k++) {
      const i = i0 + k;
      const o = k * RAW;
      buf.writeUInt32LE(l.addr[i] % 4294967296, o);
      buf.writeUInt32LE(Math.floor(l.addr[i] / 4294967296), o + 4);
      buf.writeUInt32LE(l.clock[i] % 4294967296, o + 8);
      buf.writeUInt16LE(l.size[i], o + 12);
      buf[o + 14] = l.isWrite[i];
      buf[o + 15] = 0;
    }
    writeSync(fd, buf, 0, m * RAW);
  }
  closeSync(fd);
}

/** Baseline: read the raw records with 4 MiB readSync calls and scan every record. */
function readRaw(path: string): number {
  const fd = openSync(path, "r");
  const buf = new Uint8Array(4 << 20);
  const u32 = new Uint32Array(buf.buffer);
  let n = 0;
  let s = 0;
  for (;;) {
    const got = readSync(fd, buf, 0, buf.length, null);
    if (got === 0) break;
    const recs = got / RAW;
    for (let i = 0; i < recs; i++) s += u32[4 * i] + u32[4 * i + 3];
    n += recs;
  }
  closeSync(fd);
  if (Number.isNaN(s)) throw new Error("unreachable");
  return n;
}

/** Reads a file's bytes with 4 MiB readSync calls; returns the byte count. */
function readBytes(path: string): number {
  const fd = openSync(path, "r");
  const buf = new Uint8Array(4 << 20);
  let n = 0;
  for (;;) {
    const got = readSync(fd, buf, 0, buf.length, null);
    if (got === 0) break;
    n += got;
  }
  closeSync(fd);
  return n;
}

function best(f: () => number): { n: number; s: number } {
  let bestS = Infinity;
  let n = 0;
  for (let k = 0; k < RUNS; k++) {
    const t = performance.now();
    n = f();
    bestS = Math.min(bestS, (performance.now() - t) / 1000);
  }
  return { n, s: bestS };
}

const M = (x: number): string => `${(x / 1e6).toFixed(1)} M`;

try {
  const files = readdirSync(fixtures)
    .filter((f) => f.endsWith(".dtrace"))
    .sort();
  const loaded = files.map((f) => load(join(fixtures, f)));
  const total = loaded.reduce((s, l) => s + l.n, 0);
  console.log(`trace bench: ${files.length} fixture traces, ${total} accesses, best of ${RUNS} runs\n`);

  // Write: encode + compress + checksum + file write, from in-memory arrays.
  const traces: string[] = [];
  const raws: string[] = [];
  let writeS = 0;
  let traceBytes = 0;
  for (const l of loaded) {
    const out = join(tmp, `${l.name}`);
    const { s } = best(() => {
      const f = createTraceFile(out, { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 });
      const w = f.writer;
      for (let i = 0; i < l.n; i++) w.access(l.addr[i], l.size[i], l.isWrite[i], l.tid[i], l.clock[i]);
      f.commit({ partial: false });
      return l.n;
    });
    writeS += s;
    const bytes = statSync(out).size;
    traceBytes += bytes;
    traces.push(out);
    const raw = join(tmp, `${l.name}.raw`);
    writeRaw(l, raw);
    raws.push(raw);
    console.log(
      `  ${l.name.padEnd(20)} ${String(l.n).padStart(9)} accesses  ${(bytes / l.n).toFixed(3)} bytes/access  write ${M(l.n / s)} accesses/s`,
    );
  }
  const bpa = traceBytes / total;

  // The optional brotli codec: smaller, slower to read.
  const brotliTraces: string[] = [];
  let brotliBytes = 0;
  let brotliWriteS = 0;
  for (const l of loaded) {
    const out = join(tmp, `${l.name}.br`);
    const t = performance.now();
    const f = createTraceFile(
      out,
      { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 },
      { codec: "brotli" },
    );
    for (let i = 0; i < l.n; i++) f.writer.access(l.addr[i], l.size[i], l.isWrite[i], l.tid[i], l.clock[i]);
    f.commit({ partial: false });
    brotliWriteS += (performance.now() - t) / 1000;
    brotliBytes += statSync(out).size;
    brotliTraces.push(out);
  }
  const decBr = best(() => brotliTraces.reduce((n, p) => n + readDecodeOnly(p), 0));

  const dec = best(() => traces.reduce((n, p) => n + readDecodeOnly(p), 0));
  const con = best(() => traces.reduce((n, p) => n + readAndConsume(p), 0));
  const raw = best(() => raws.reduce((n, p) => n + readRaw(p), 0));
  // The other baseline: the trace files' own bytes read raw (I/O only, no decoding).
  const same = best(() => traces.reduce((n, p) => n + readBytes(p), 0));
  const rawBytes = total * RAW;

  console.log("");
  console.log(
    `write:  ${M(total / writeS)} accesses/s (encode + deflate + checksum + file), ${bpa.toFixed(3)} bytes/access`,
  );
  console.log(`read:   ${M(dec.n / dec.s)} accesses/s decode into typed arrays (all five columns)`);
  console.log(`read:   ${M(con.n / con.s)} accesses/s decode + a pass over every access`);
  console.log(
    `raw:    ${M(raw.n / raw.s)} accesses/s reading the same accesses as ${RAW}-byte records (${(rawBytes / 1e6).toFixed(0)} MB, ${(rawBytes / raw.s / 2 ** 30).toFixed(1)} GiB/s) + a pass`,
  );
  console.log(
    `bytes:  the trace files' ${(traceBytes / 1e6).toFixed(1)} MB read raw (no decoding) in ${(same.s * 1000).toFixed(1)} ms; decoding them takes ${(dec.s * 1000).toFixed(0)} ms`,
  );
  console.log(
    `brotli: ${(brotliBytes / total).toFixed(3)} bytes/access, write ${M(total / brotliWriteS)} accesses/s, read (decode) ${M(decBr.n / decBr.s)} accesses/s`,
  );
  console.log(
    `ratio:  trace read (with pass) / raw read = ${(raw.s / con.s).toFixed(2)}x the speed; file ${(RAW / bpa).toFixed(0)}x smaller`,
  );
  console.log("");
  console.log(`goal read >= 100 M accesses/s (decode): ${dec.n / dec.s >= 100e6 ? "met" : "NOT met"}`);
  console.log(`goal <= 2 bytes/access on the fixtures: ${bpa <= 2 ? "met" : "NOT met"}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
