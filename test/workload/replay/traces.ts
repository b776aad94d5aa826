/**
 * Multi-thread traces for the replay tests (thread-stream, decode-ahead): seeded,
 * with threads taking turns, a second mapping for the middle third and small chunks.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../../src/util/rng.js";
import { writeTrace, type Accesses } from "../trace/helpers.js";

const A = 0x10000000;
const B = 0x20000000;
const STACK = 0x7ff000000;

/** In `dir`: `threads` threads taking turns in runs of 1..maxRun accesses; B is mapped for the middle third. */
export function multiThreadTrace(
  dir: string,
  seed: number,
  threads: number,
  n: number,
  maxRun: number,
  chunk = 256,
): { path: string; a: Accesses } {
  const rng = new Rng(seed);
  const a: Accesses = { addr: [], size: [], isWrite: [], tid: [], clock: [] };
  let tid = 100;
  let left = 0;
  let clock = 1000;
  for (let i = 0; i < n; i++) {
    if (left-- <= 0) {
      tid = 100 + rng.randRange(0, threads);
      left = rng.randRange(1, maxRun + 1);
    }
    const inB = i >= n / 3 && i < (2 * n) / 3 && rng.randRange(0, 2) === 0;
    a.addr.push((inB ? B : A) + rng.randRange(0, 64) * 4096 + rng.randRange(0, 512) * 8);
    a.size.push(8);
    a.isWrite.push(rng.randRange(0, 2));
    a.tid.push(tid);
    clock += rng.randRange(0, 4);
    a.clock.push(clock);
  }
  const bytes = writeTrace(a, { chunkAccesses: chunk }, [
    { at: 0, ev: { type: "map", clock: 0, start: A, length: 64 * 4096, kind: "anon", prot: "rw-" } },
    { at: 0, ev: { type: "map", clock: 0, start: STACK, length: 0x2000, kind: "stack", name: "[stack]" } },
    { at: Math.ceil(n / 3), ev: { type: "map", clock: 0, start: B, length: 64 * 4096, kind: "anon" } },
    { at: Math.ceil((2 * n) / 3), ev: { type: "unmap", clock: 0, start: B, length: 64 * 4096 } },
  ]);
  const path = join(dir, `mt-${seed}-${threads}-${maxRun}-${chunk}.dtrace`);
  writeFileSync(path, bytes);
  return { path, a };
}
