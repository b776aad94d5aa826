/** Shared helpers for the trace tests: synthetic access streams and collecting readers. */
import { Rng } from "../../../src/util/rng.js";
import type { MapEvent } from "../../../src/workload/trace/format.js";
import type { TraceReader } from "../../../src/workload/trace/reader.js";
import { TraceWriter, type TraceWriterOptions } from "../../../src/workload/trace/writer.js";

export interface Accesses {
  addr: number[];
  size: number[];
  isWrite: number[];
  tid: number[];
  clock: number[];
}

/**
 * A stream with the features the coder must survive: interleaved stack/heap/far
 * regions, odd sizes (escapes), big and backward clock steps, thread switches.
 */
export function syntheticAccesses(seed: number, n: number): Accesses {
  const rng = new Rng(seed);
  const out: Accesses = { addr: [], size: [], isWrite: [], tid: [], clock: [] };
  const regions = [0x1ffefff000, 0x4a8a000, 0x108000, 2 ** 47 - 2 ** 20, 0x7f0000000000, 0];
  const sizes = [1, 2, 4, 8, 16, 32, 64, 0, 3, 10, 512, 65535];
  let clock = rng.randRange(0, 2 ** 40);
  let tid = 1000;
  for (let i = 0; i < n; i++) {
    const r = rng.randRange(0, 100);
    if (r < 2) tid = 1000 + rng.randRange(0, 4);
    const region = regions[rng.randRange(0, regions.length)];
    const addr = region + (rng.randRange(0, 100) < 80 ? rng.randRange(0, 4096) : rng.randRange(0, 2 ** 30));
    const size =
      rng.randRange(0, 100) < 90 ? sizes[rng.randRange(0, 7)] : sizes[rng.randRange(0, sizes.length)];
    const step = rng.randRange(0, 100);
    if (step < 80) clock += rng.randRange(0, 4);
    else if (step < 95) clock += rng.randRange(0, 300);
    else if (step < 98) clock += rng.randRange(0, 2 ** 36);
    else clock = Math.max(0, clock - rng.randRange(0, 1000)); // imported CSVs need not be monotonic
    out.addr.push(addr);
    out.size.push(size);
    out.isWrite.push(rng.randRange(0, 2));
    out.tid.push(tid);
    out.clock.push(clock);
  }
  return out;
}

export function writeTrace(
  a: Accesses,
  opts: TraceWriterOptions = {},
  events: { at: number; ev: Omit<MapEvent, "index"> }[] = [],
  partial = false,
): Uint8Array {
  const parts: Uint8Array[] = [];
  const w = new TraceWriter(
    (b) => parts.push(Uint8Array.from(b)),
    { tool: "synthetic", clockUnit: "instructions", pageSize: 4096 },
    opts,
  );
  let e = 0;
  for (let i = 0; i < a.addr.length; i++) {
    while (e < events.length && events[e].at === i) w.event(events[e++].ev);
    w.access(a.addr[i], a.size[i], a.isWrite[i], a.tid[i], a.clock[i]);
  }
  while (e < events.length) w.event(events[e++].ev);
  w.finish({ partial, endReason: "test" });
  return Buffer.concat(parts);
}

export interface Collected extends Accesses {
  events: MapEvent[];
  chunks: number;
  /** Global index of the first access of each chunk, in order. */
  firstIndexes: number[];
}

/** Copies everything a reader yields (the reader reuses its arrays between chunks). */
export function collect(r: TraceReader): Collected {
  const out: Collected = {
    addr: [],
    size: [],
    isWrite: [],
    tid: [],
    clock: [],
    events: [],
    chunks: 0,
    firstIndexes: [],
  };
  for (const item of r) {
    if (item.kind === "events") out.events.push(...item.events);
    else if (item.kind === "accesses") {
      out.chunks++;
      out.firstIndexes.push(item.firstIndex);
      for (let i = 0; i < item.count; i++) {
        out.addr.push(item.addr[i]);
        out.size.push(item.size[i]);
        out.isWrite.push(item.isWrite[i]);
        out.tid.push(item.tid[i]);
        out.clock.push(item.clock[i]);
      }
    }
  }
  return out;
}

/** A trace writer into memory; `bytes()` returns what it wrote. */
export function memWriter(): { w: TraceWriter; bytes: () => Uint8Array } {
  const parts: Uint8Array[] = [];
  const w = new TraceWriter((b) => parts.push(Uint8Array.from(b)), {
    tool: "synthetic",
    clockUnit: "instructions",
    pageSize: 4096,
  });
  return { w, bytes: () => Buffer.concat(parts) };
}
