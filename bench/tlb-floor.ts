/**
 * What the exact TLB model costs, apart from what JavaScript adds to it.
 *
 * The same access loop as the simulator's JavaScript loops (src/mm/access-loop.ts)
 * written in WebAssembly (bench/tlb-floor.wat, assembled here with wabt), run beside
 * the simulator's path on those loops (Machine.exec with MachineOptions.loop "js",
 * truth on) and the bare loop of bench/sim on
 * the same accesses, in the same run: a 4 KiB stride over 10 MiB (stairs' pattern:
 * with the default 1536 × 12 TLB every access misses), random over 64 MiB (mostly
 * misses) and random over 4 MiB (all hits once warm). With the TLB model off as
 * well. WebAssembly has no per-access type, map or length checks, so its rate with
 * the TLB on is about the best any loop on this Node can do for this model, and the
 * difference between its TLB-on and TLB-off rates is what the model itself costs
 * per access. Before timing, each stream is run through the simulator and the
 * WebAssembly loop alike and their TLB hits and misses compared ("same model").
 * This measurement is what led to the simulator's own WebAssembly loop (its
 * default since docs/memory-model.md's "eighth pass"; src/mm/wasm/access-loop.wat,
 * which adds the chunk switch, the exits and the truth switch to this one): the
 * "simulator (wasm)" rows run it, the "simulator (JS)" rows the JavaScript loops,
 * and all three must count the same TLB hits and misses.
 *
 *   npx tsx bench/tlb-floor.ts [seconds-per-round]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ASID_TAG_SCALE, DEFAULT_TLB, Tlb } from "../src/mm/tlb.js";
import { Wasm, type WasmMemory } from "../src/mm/wasm/wasm-api.js";
import { projectRoot } from "../src/workload/trace/valgrind-tool.js";
import { bareLoop, bareSink, makeBatch, simOnBatch, type Batch } from "./batch-paths.js";
import { bestOf } from "./cpu-rate.js";

const SECONDS = Number(process.argv[2] ?? 0.3);
const ROUNDS = 5;
const N = 1 << 16;
const MiB = 2 ** 20;
/** Calls each path runs before the hit and miss counts are compared, and then compared over. */
const WARM_CALLS = 5;
const CHECK_CALLS = 3;

/** A path over one batch: `run` does one call, `counts` reads its TLB hits and misses so far. */
interface Path {
  run: () => number;
  counts: () => { hits: number; misses: number };
}

/** The simulator on one of its loops: a fresh default machine with truth, one process, the batch at its malloc'd base. */
function simPath(
  stream: Stream,
  tlb: boolean,
  loop: "js" | "wasm",
): { path: Path; base: number; asid: number; walkNs: number; lat0: number } {
  const sim = simOnBatch({
    n: N,
    span: stream.span,
    tlb,
    truth: true,
    sequential: stream.sequential,
    loop,
  });
  const m = sim.machine;
  const cpu = m.cpus[0];
  return {
    path: { run: sim.run, counts: () => ({ hits: cpu.tlb?.hits ?? 0, misses: cpu.tlb?.misses ?? 0 }) },
    base: sim.base,
    asid: sim.asid,
    walkNs: m.costs.tlbMissWalkNs,
    lat0: m.latency[0],
  };
}

type WasmLoop = (...args: number[]) => number;

async function wasmModule(): Promise<object> {
  const wabt = await (await import("wabt")).default();
  const file = join(projectRoot(), "bench", "tlb-floor.wat");
  const parsed = wabt.parseWat(file, readFileSync(file, "utf8"), { simd: true });
  parsed.validate();
  return new Wasm.Module(parsed.toBinary({}).buffer);
}

/** The WebAssembly loop over the simulator's addresses (same base and address space), its state laid out like the simulator's. */
function wasmPath(
  mod: object,
  stream: Stream,
  sim: { base: number; asid: number; walkNs: number; lat0: number },
  tlb: boolean,
): Path {
  const inst = new Wasm.Instance(mod, {});
  const mem = inst.exports.mem as WasmMemory;
  const loop = inst.exports.loopTlb as WasmLoop;
  const vs = Math.floor(sim.base / 4096);
  const pages = Math.ceil((sim.base + stream.span) / 4096) - vs + 1;
  // The simulator's own TLB layout (src/mm/tlb.ts), copied into this module's memory.
  const tlbModel = new Tlb(DEFAULT_TLB);
  const entries = tlbModel.tags.length;
  let off = 128; // the 16 ST slots
  const at = (bytes: number): number => {
    const o = off;
    off += (bytes + 15) & ~15;
    return o;
  };
  const frames = pages + 256;
  const A = at(N * 8);
  const W = at(N);
  const F = at(pages);
  const FR = at(pages * 4);
  const TS = at(frames * 4);
  const TW = at(frames * 4);
  const TP = at(frames * 2);
  const TC = at(frames * 8);
  const TG = at(entries * 8);
  const ORD = at(tlbModel.order.length);
  const MTF = at(tlbModel.mtf.length);
  const CS = at(frames * 4);
  const PM = at(512);
  mem.grow(Math.ceil(off / 65536));
  const buf = mem.buffer;
  const b: Batch = makeBatch(N, sim.base, stream.span, 1, stream.sequential);
  new Float64Array(buf, A, N).set(b.addrs);
  new Uint8Array(buf, W, N).set(b.writes);
  new Uint8Array(buf, F, pages).fill(1); // present, as after the simulator's first touches
  const fr = new Int32Array(buf, FR, pages);
  for (let i = 0; i < pages; i++) fr[i] = 256 + i;
  new Float64Array(buf, TG, entries).set(tlbModel.tags);
  new Uint8Array(buf, ORD, tlbModel.order.length).set(tlbModel.order);
  new Uint8Array(buf, MTF, tlbModel.mtf.length).set(tlbModel.mtf);
  const curS = 1;
  const curW = 1;
  new Int32Array(buf, TW, frames).fill(curW); // every frame already seen in this truth window
  const st = new Float64Array(buf, 0, 16);
  const asidTag = sim.asid * ASID_TAG_SCALE;
  const asidHash = Math.imul(sim.asid, 0x9e3779b1);
  const clrCur = curS * 2 + 2;
  return {
    run: () => {
      // As Machine.exec: each call starts with no previous tag.
      st[4] = -1;
      const i = loop(
        0, N, A, W, F, FR, TS, TW, TP, TC, TG, ORD, MTF, CS, PM,
        vs, vs + pages, (vs % 4294967296) | 0,
        curS, curW, asidHash, clrCur,
        tlbModel.ways, tlbModel.tagStride, tlbModel.setMask,
        sim.walkNs, sim.lat0, Infinity, asidTag, tlb ? 1 : 0,
      ); // prettier-ignore
      if (i !== N) throw new Error(`bench/tlb-floor: the WebAssembly loop stopped at ${i} (exit ${st[5]})`);
      return N;
    },
    counts: () => ({ hits: st[2], misses: st[3] }),
  };
}

interface Stream {
  name: string;
  span: number;
  sequential: boolean;
}

const STREAMS: Stream[] = [
  { name: "4 KiB stride over 10 MiB", span: 10 * MiB, sequential: true },
  { name: "random over 64 MiB", span: 64 * MiB, sequential: false },
  { name: "random over 4 MiB", span: 4 * MiB, sequential: false },
];

/** Hit and miss counts of `p` over CHECK_CALLS calls after WARM_CALLS. */
function checkCounts(p: Path): { hits: number; misses: number } {
  for (let c = 0; c < WARM_CALLS; c++) p.run();
  const a = p.counts();
  for (let c = 0; c < CHECK_CALLS; c++) p.run();
  const b = p.counts();
  return { hits: b.hits - a.hits, misses: b.misses - a.misses };
}

const mod = await wasmModule();
const M = (x: number): string => `${(x / 1e6).toFixed(1)} M/s`;
const ns = (x: number): string => `${(1e9 / x).toFixed(1)} ns`;
console.log(
  `bench/tlb-floor: best of ${ROUNDS} interleaved rounds of ${SECONDS}s per case; batches of ${N} accesses; default TLB (1536 × 12), truth on`,
);
let mismatch = false;
for (const s of STREAMS) {
  const simOn = simPath(s, true, "js");
  const simOff = simPath(s, false, "js");
  const simWOn = simPath(s, true, "wasm");
  const simWOff = simPath(s, false, "wasm");
  const wOn = wasmPath(mod, s, simOn, true);
  const wOff = wasmPath(mod, s, simOn, false);
  const cSim = checkCounts(simOn.path);
  const cW = checkCounts(wOn);
  const same = cSim.hits === cW.hits && cSim.misses === cW.misses;
  if (!same) mismatch = true;
  const cSimW = checkCounts(simWOn.path);
  if (cSimW.hits !== cSim.hits || cSimW.misses !== cSim.misses) mismatch = true;
  checkCounts(simOff.path);
  checkCounts(wOff);
  checkCounts(simWOff.path);
  const cases: Record<string, () => number> = {
    bare: bareLoop(makeBatch(N, 0x7ffff0000000, s.span, 1, s.sequential), 0x7ffff0000000, s.span),
    simOn: simOn.path.run,
    wasmOn: wOn.run,
    simOff: simOff.path.run,
    wasmOff: wOff.run,
    simWOn: simWOn.path.run,
    simWOff: simWOff.path.run,
  };
  const best = bestOf(cases, ROUNDS, SECONDS);
  const missRatio = cW.misses / (cW.hits + cW.misses);
  console.log(
    `${s.name} (TLB miss ratio ${missRatio.toFixed(3)}; same model: ${same ? "yes" : `NO: simulator ${cSim.hits} hits ${cSim.misses} misses, WebAssembly ${cW.hits} / ${cW.misses}`}):`,
  );
  const row = (label: string, r: number): void =>
    console.log(
      `  ${label.padEnd(28)} ${M(r).padStart(11)}  ${ns(r).padStart(8)}/access  bare/x ${(best.bare / r).toFixed(2)}x`,
    );
  row("bare loop", best.bare);
  row("simulator (JS), TLB on", best.simOn);
  row("simulator (wasm), TLB on", best.simWOn);
  row("WebAssembly, TLB on", best.wasmOn);
  row("simulator (JS), TLB off", best.simOff);
  row("simulator (wasm), TLB off", best.simWOff);
  row("WebAssembly, TLB off", best.wasmOff);
  console.log(
    `  the TLB model's own cost (WebAssembly on − off): ${(1e9 / best.wasmOn - 1e9 / best.wasmOff).toFixed(1)} ns/access; JS simulator / WebAssembly with the TLB: ${(best.wasmOn / best.simOn).toFixed(2)}x slower`,
  );
}
if (bareSink() === -1) console.log("");
if (mismatch) {
  console.error(
    "bench/tlb-floor: TLB counts differ between the simulator's two loops or this bench's (see above)",
  );
  process.exitCode = 1;
}
