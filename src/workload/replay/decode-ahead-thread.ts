/**
 * The worker thread of decode-ahead.ts: reads, inflates and decodes a replay's
 * access chunks in trace order, loop after loop, into the job's free slots, ahead
 * of the main thread. Jobs come as messages, one at a time; within a job the
 * worker blocks on the shared control block (never on messages), so it keeps
 * working while the main thread runs the simulation without yielding.
 *
 * A chunk the main thread already has (obtained[k]) is skipped. A chunk that does
 * not read or decode here is published with STATUS 1: the main thread decodes it
 * itself and reports the error as it always has. The job ends when every chunk of
 * every loop is published, when the main thread sets STOP, or when the main thread
 * asked for nothing while the worker waited IDLE_MS for a slot (a run cut short
 * that never said so).
 */
import { parentPort } from "node:worker_threads";
import { AccessChunkFile } from "../trace/chunk-file.js";
import { replayDecoder } from "./chunk-cache.js";
import {
  CTL,
  META,
  META_FIELDS,
  SLOT_FILLED,
  SLOT_FREE,
  slotViews,
  type DecodeAheadJob,
  type SlotViews,
} from "./decode-ahead-slots.js";

/** How long a worker waits for a slot while its main thread asks for no chunk, before leaving the job. */
const IDLE_MS = 10_000;

/** The same decoder a replay uses on its main thread. */
const decoder = replayDecoder();

/** A free slot, or −1 when the job is to end (STOP, or the main thread went quiet). */
function freeSlot(ctl: Int32Array, state: Int32Array): number {
  for (;;) {
    if (Atomics.load(ctl, CTL.STOP) !== 0) return -1;
    const returned = Atomics.load(ctl, CTL.RETURNED);
    const beat = Atomics.load(ctl, CTL.BEAT);
    for (let i = 0; i < state.length; i++) if (Atomics.load(state, i) === SLOT_FREE) return i;
    const r = Atomics.wait(ctl, CTL.RETURNED, returned, IDLE_MS);
    if (r === "timed-out" && Atomics.load(ctl, CTL.BEAT) === beat) return -1;
  }
}

/** Decodes chunk `offset` into the slot; false if it cannot (the main thread then decodes it). */
function decodeInto(
  file: AccessChunkFile,
  offset: number,
  v: SlotViews,
  meta: Float64Array,
  at: number,
): boolean {
  let c;
  try {
    c = file.read(offset, decoder);
  } catch {
    return false;
  }
  const n = c.count;
  if (n > v.addr.length || c.runs > v.runTid.length) return false;
  v.addr.set(c.addr.subarray(0, n));
  v.clock.set(c.clock.subarray(0, n));
  v.isWrite.set(c.isWrite.subarray(0, n));
  v.runStart.set(c.runStart.subarray(0, c.runs + 1));
  v.runTid.set(c.runTid.subarray(0, c.runs));
  meta[at + META.COUNT] = n;
  meta[at + META.RUNS] = c.runs;
  meta[at + META.ASCEND] = c.clocksAscend ? 1 : 0;
  meta[at + META.FIRST_INDEX] = c.firstIndex;
  meta[at + META.OFFSET] = offset;
  return true;
}

function runJob(job: DecodeAheadJob): void {
  const ctl = new Int32Array(job.ctl);
  const state = new Int32Array(job.state);
  const meta = new Float64Array(job.meta);
  const obtained = new Int32Array(job.obtained);
  const views = job.slots.map((s) => slotViews(s, job.cap));
  const file = new AccessChunkFile(job.path);
  const k0 = job.offsets.length;
  const total = k0 * job.loops;
  try {
    for (let seq = 0; seq < total; seq++) {
      const k = seq % k0;
      const loop = Math.floor(seq / k0);
      Atomics.store(ctl, CTL.NEXT, seq);
      if (Atomics.load(obtained, k) > loop) continue;
      const slot = freeSlot(ctl, state);
      if (slot < 0) break;
      if (Atomics.load(obtained, k) > loop) continue;
      Atomics.store(ctl, CTL.BUSY, seq);
      const at = slot * META_FIELDS;
      meta[at + META.SEQ] = seq;
      meta[at + META.STATUS] = decodeInto(file, job.offsets[k], views[slot], meta, at) ? 0 : 1;
      // Published in this order: the main thread that saw BUSY === seq and no slot
      // waits on PRODUCED, read before BUSY.
      Atomics.store(state, slot, SLOT_FILLED);
      Atomics.store(ctl, CTL.BUSY, -1);
      Atomics.add(ctl, CTL.PRODUCED, 1);
      Atomics.notify(ctl, CTL.PRODUCED);
    }
  } finally {
    file.close();
    Atomics.store(ctl, CTL.BUSY, -1);
    Atomics.store(ctl, CTL.NEXT, total);
    Atomics.store(ctl, CTL.DONE, 1);
    Atomics.add(ctl, CTL.PRODUCED, 1);
    Atomics.notify(ctl, CTL.PRODUCED);
  }
}

parentPort?.on("message", (job: DecodeAheadJob) => {
  try {
    runJob(job);
  } catch {
    // The main thread decodes whatever this job did not publish.
  }
});
parentPort?.postMessage("ready");
