/**
 * What the access-path benches (bench/sim.ts, bench/tlb-floor.ts) time on one
 * batch of accesses: the simulator's path (Machine.exec), and the bare loop they
 * measure it against (page number, PTE flag test and update, frame → node latency
 * over typed arrays, with no simulator around it).
 */
import { Machine } from "../src/mm/index.js";
import { GroundTruth } from "../src/truth/index.js";
import { Rng } from "../src/util/rng.js";

/** A batch of accesses: addresses and write flags (0/1). */
export interface Batch {
  addrs: Float64Array;
  writes: Uint8Array;
}

/**
 * `n` accesses over [base, base + span): uniformly random addresses, or with
 * `sequential` a 4 KiB stride that wraps at the span's end (stairs' pattern).
 */
export function makeBatch(n: number, base: number, span: number, seed: number, sequential = false): Batch {
  const rng = new Rng(seed);
  const addrs = new Float64Array(n);
  const writes = new Uint8Array(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    if (sequential) {
      addrs[i] = base + off;
      off = (off + 4096) % span;
    } else addrs[i] = base + Math.floor(rng.nextFloat() * span);
    writes[i] = rng.nextU32() & 1;
  }
  return { addrs, writes };
}

function bareWork(
  addrs: Float64Array,
  writes: Uint8Array,
  flags: Uint8Array,
  frames: Int32Array,
  node: Uint8Array,
  lat: Float64Array,
  vs: number,
): number {
  // An untagged local, as the simulator's loops do (access-loop.ts): a tagged parameter
  // is re-checked at each use in the loop, which made this "bare" loop slower than them.
  vs = +vs;
  let t = 0;
  for (let i = 0; i < addrs.length; i++) {
    const vpn = Math.floor(addrs[i] * (1 / 4096));
    const idx = (vpn - vs) | 0;
    const f = flags[idx];
    if ((f & 9) !== 1) t += 1000;
    const pfn = frames[idx];
    flags[idx] = f | 2 | (writes[i] << 2);
    t += lat[node[pfn]];
  }
  return t;
}

let sink = 0;

/** The bare loop over `batch` (addresses in [base, base + span)); returns a run of one batch, counting its accesses. */
export function bareLoop(batch: Batch, base: number, span: number): () => number {
  const pages = Math.ceil(span / 4096) + 1;
  const flags = new Uint8Array(pages).fill(1);
  const frames = new Int32Array(pages);
  for (let i = 0; i < pages; i++) frames[i] = 256 + i;
  const node = new Uint8Array(256 + pages);
  const lat = new Float64Array([10]);
  return () => {
    sink += bareWork(batch.addrs, batch.writes, flags, frames, node, lat, base / 4096);
    return batch.addrs.length;
  };
}

/** Keeps the bare loop's result observable, so its work is not optimised away. */
export function bareSink(): number {
  return sink;
}

/** The simulator on one batch: a fresh machine, one process, the batch at its malloc'd base. */
export interface SimOnBatch {
  machine: Machine;
  /** The mapping's first address, and the process's address-space id. */
  base: number;
  asid: number;
  /** Runs the batch once; returns its accesses. */
  run: () => number;
}

/**
 * `n` accesses over a `span`-byte mapping (makeBatch's pattern) through Machine.exec,
 * with the default TLB or none, and the truth kept or not.
 */
export function simOnBatch(o: {
  n: number;
  span: number;
  tlb: boolean;
  truth: boolean;
  sequential?: boolean;
  /** Which access loop (MachineOptions.loop; default: the machine's). */
  loop?: "wasm" | "js";
}): SimOnBatch {
  const m = new Machine({ tlb: o.tlb ? undefined : false, loop: o.loop });
  if (o.truth) m.attachTruth(new GroundTruth({ sampleNs: 5e6, aggrNs: 100e6 }));
  const as = m.createProcess("bench");
  const base = as.malloc(o.span);
  const batch = makeBatch(o.n, base, o.span, 1, o.sequential);
  // In the machine's heap, as a thread's buffers are (else each call copies them there).
  const addrs = m.alloc.f64(o.n);
  addrs.set(batch.addrs);
  const writes = m.alloc.u8(o.n);
  writes.set(batch.writes);
  const th = m.spawnThread(as, 0, { fill: () => 0, finished: true, resumeNs: 0 });
  return {
    machine: m,
    base,
    asid: as.asid,
    run: () => {
      m.exec(th, addrs, writes, 0, o.n);
      return o.n;
    },
  };
}
