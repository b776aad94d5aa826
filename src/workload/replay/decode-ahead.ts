/**
 * Decoding a replay's access chunks ahead, on a worker thread (decode-ahead-thread.ts).
 * Reading, inflating and decoding a chunk is 30–40 % of a replay's CPU; the worker
 * does it while the main thread simulates the chunk before, so on a machine with a
 * core to spare a replay finishes sooner (the CPU spent is about the same).
 *
 * The worker only ever helps: whenever it has not got the chunk the main thread
 * wants, and is not decoding it at that moment, the main thread decodes the chunk
 * itself as before (and marks it obtained, so the worker skips it). The chunks are
 * the same bytes either way, so a replay runs the same with or without the worker,
 * started or not, early or late. Errors too: a chunk the worker cannot decode is
 * decoded again by the main thread, which reports it as it always has.
 *
 * Workers are started on first use and kept for the next replays of the process
 * (at most MAX_WORKERS; a replay that finds them all busy decodes on its own); they
 * do not keep the process alive.
 */
import { isMainThread, type Worker } from "node:worker_threads";
import { moduleBeside, startModuleWorker } from "../../util/worker-thread.js";
import type { AccessChunk } from "../trace/access-decode.js";
import { usableCpus } from "../../util/usable-cpus.js";
import {
  CTL,
  CTL_FIELDS,
  DECODE_AHEAD_SLOTS,
  META,
  META_FIELDS,
  SLOT_ACCESSES,
  SLOT_FILLED,
  SLOT_FREE,
  slotBytes,
  slotChunk,
  slotViews,
  type DecodeAheadJob,
} from "./decode-ahead-slots.js";

/** Worker threads a process keeps for decoding ahead. */
const MAX_WORKERS = 2;
/** Longest the main thread waits for a chunk the worker is decoding before decoding it itself. */
const WAIT_LIMIT_MS = 5_000;

interface PoolWorker {
  worker: Worker;
  /** Resolves once the worker listens for jobs (or has died). */
  ready: Promise<void>;
  /** The control block of its current (last) job, or null. */
  job: Int32Array | null;
  dead: boolean;
}

const pool: PoolWorker[] = [];

/**
 * Slot buffers of finished replays, for the next ones: a fresh buffer's pages fault
 * in as the worker first writes them (10–18 ms per slot on a VM: 5 ns per access of
 * a fixture replay). Each is reused only once its old job has ended (`ctl` DONE),
 * so no worker still writes into it.
 */
const spareSlots: { slots: SharedArrayBuffer[]; ctl: Int32Array }[] = [];

/** The slot buffers for a new job: a finished replay's, or new ones. */
function slotBuffers(): SharedArrayBuffer[] {
  const i = spareSlots.findIndex((s) => Atomics.load(s.ctl, CTL.DONE) === 1);
  if (i >= 0) return spareSlots.splice(i, 1)[0].slots;
  return Array.from({ length: DECODE_AHEAD_SLOTS }, () => new SharedArrayBuffer(slotBytes(SLOT_ACCESSES)));
}

/**
 * Whether decoding ahead pays here: another core to run on (the affinity mask and
 * the cgroup quota allow two), and not already on a worker thread (a sweep's or a
 * study's: those run one per core already).
 */
export function decodeAheadUseful(): boolean {
  return isMainThread && usableCpus() > 1;
}

/** An idle worker of the pool, or a new one (null when all are busy or none starts). */
function idleWorker(): PoolWorker | null {
  for (const p of pool) if (!p.dead && (p.job === null || Atomics.load(p.job, CTL.DONE) === 1)) return p;
  return spawnWorker();
}

/** A new worker for the pool, or null when the pool is full or none starts. */
function spawnWorker(): PoolWorker | null {
  if (liveWorkers() >= MAX_WORKERS) return null;
  let worker: Worker;
  try {
    worker = startModuleWorker(moduleBeside(import.meta.url, "decode-ahead-thread"));
  } catch {
    return null;
  }
  let onReady = (): void => {};
  const p: PoolWorker = { worker, ready: new Promise((r) => (onReady = r)), job: null, dead: false };
  // A worker that fails to start or dies leaves its jobs undone: the main thread decodes them.
  const dead = (): void => {
    p.dead = true;
    onReady();
  };
  worker.on("error", dead);
  worker.on("exit", dead);
  // Kept referenced until it listens, so that warmDecodeAhead's wait keeps the
  // process alive; from then on it never does.
  worker.once("message", () => {
    worker.unref();
    onReady();
  });
  pool.push(p);
  return p;
}

/**
 * Starts the pool's workers ahead of the replays and resolves once they listen for
 * jobs (a worker's start-up is 50 ms to a few hundred under tsx: the first chunks of
 * a replay that comes sooner are decoded on the main thread). Tests and benches.
 */
export async function warmDecodeAhead(): Promise<number> {
  while (liveWorkers() < MAX_WORKERS && spawnWorker() !== null);
  await Promise.all(pool.map((p) => p.ready));
  return liveWorkers();
}

function liveWorkers(): number {
  return pool.filter((p) => !p.dead).length;
}

/** Worker threads started for decoding ahead, and how many are alive (tests). */
export function decodeAheadWorkers(): { started: number; alive: number } {
  return { started: pool.length, alive: liveWorkers() };
}

/** A slot the main thread took: its chunk, valid until freed. */
export interface TakenChunk {
  chunk: AccessChunk;
  slot: number;
}

/** One replay's side of the shared slots. */
export class DecodeAhead {
  /** Chunks the worker had ready when the main thread asked (tests, bench). */
  hits = 0;
  private readonly ctl: Int32Array;
  private readonly state: Int32Array;
  private readonly meta: Float64Array;
  private readonly obtained: Int32Array;
  private readonly chunks: AccessChunk[];
  /** Slots the main thread holds (taken and not freed). */
  private readonly taken: boolean[];
  private stopped = false;

  /**
   * Starts decoding ahead for a replay, or null when no worker is free or a chunk is
   * larger than a slot. `patient`
   * (tests): wait for every chunk the worker has yet to reach while it has a free
   * slot, instead of only for the one it is decoding, so the worker's path runs
   * whatever the host's timing.
   */
  static start(
    path: string,
    offsets: readonly number[],
    largestChunk: number,
    loops: number,
    patient = false,
  ): DecodeAhead | null {
    // Chunks larger than the default (traces written with a larger chunkAccesses, up
    // to 4 Mi) would need slots of up to 100 MB each: those replays decode alone.
    if (largestChunk > SLOT_ACCESSES) return null;
    const w = idleWorker();
    if (w === null) return null;
    const job: DecodeAheadJob = {
      path,
      offsets: [...offsets],
      loops,
      cap: SLOT_ACCESSES,
      ctl: new SharedArrayBuffer(4 * CTL_FIELDS),
      state: new SharedArrayBuffer(4 * DECODE_AHEAD_SLOTS),
      meta: new SharedArrayBuffer(8 * META_FIELDS * DECODE_AHEAD_SLOTS),
      slots: slotBuffers(),
      obtained: new SharedArrayBuffer(4 * offsets.length),
    };
    const ahead = new DecodeAhead(job, patient);
    // NEXT and BUSY say "nothing yet" until the worker takes the job.
    Atomics.store(ahead.ctl, CTL.NEXT, -1);
    Atomics.store(ahead.ctl, CTL.BUSY, -1);
    try {
      w.worker.postMessage(job);
    } catch {
      return null;
    }
    w.job = ahead.ctl;
    return ahead;
  }

  private constructor(
    private readonly job: DecodeAheadJob,
    private readonly patient: boolean,
  ) {
    this.ctl = new Int32Array(job.ctl);
    this.state = new Int32Array(job.state);
    this.meta = new Float64Array(job.meta);
    this.obtained = new Int32Array(job.obtained);
    this.chunks = job.slots.map((s) => slotChunk(slotViews(s, job.cap)));
    this.taken = job.slots.map(() => false);
  }

  /**
   * Chunk `k` of loop `loop` from the worker, or null: then the caller decodes it
   * (and says so with obtained()). Waits only while the worker is decoding that very
   * chunk.
   */
  take(k: number, loop: number): TakenChunk | null {
    if (this.stopped) return null;
    const ctl = this.ctl;
    Atomics.add(ctl, CTL.BEAT, 1);
    const seq = loop * this.job.offsets.length + k;
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (;;) {
      const produced = Atomics.load(ctl, CTL.PRODUCED);
      const busy = Atomics.load(ctl, CTL.BUSY);
      const slot = this.readySlot(seq);
      if (slot >= 0) {
        const at = slot * META_FIELDS;
        if (this.meta[at + META.STATUS] !== 0) {
          this.free(slot);
          return null;
        }
        this.taken[slot] = true;
        Atomics.store(this.obtained, k, loop + 1);
        this.hits++;
        return { chunk: this.describe(slot), slot };
      }
      const coming =
        busy === seq ||
        (this.patient &&
          Atomics.load(ctl, CTL.NEXT) <= seq &&
          Atomics.load(ctl, CTL.DONE) === 0 &&
          this.state.some((x) => x === SLOT_FREE));
      if (!coming || Date.now() > deadline) return null;
      Atomics.wait(ctl, CTL.PRODUCED, produced, 50);
    }
  }

  /** The caller decoded chunk `k` of loop `loop` itself: the worker need not. */
  obtainedHere(k: number, loop: number): void {
    if (!this.stopped) Atomics.store(this.obtained, k, loop + 1);
  }

  /** Hands a taken slot back to the worker. */
  free(slot: number): void {
    this.taken[slot] = false;
    Atomics.store(this.state, slot, SLOT_FREE);
    Atomics.add(this.ctl, CTL.RETURNED, 1);
    Atomics.notify(this.ctl, CTL.RETURNED);
  }

  /**
   * The replay is over and holds no chunk: the worker leaves the job (and is free for
   * the next replay), and the slots go to the next replay once it has.
   */
  finish(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.ctl, CTL.STOP, 1);
    Atomics.add(this.ctl, CTL.RETURNED, 1);
    Atomics.notify(this.ctl, CTL.RETURNED);
    if (spareSlots.length < MAX_WORKERS) spareSlots.push({ slots: this.job.slots, ctl: this.ctl });
  }

  /**
   * The filled slot holding sequence number `seq`, or −1. Filled slots nobody will
   * take (chunks the main thread has had since) are handed back on the way.
   */
  private readySlot(seq: number): number {
    const k0 = this.job.offsets.length;
    let found = -1;
    for (let i = 0; i < this.state.length; i++) {
      if (this.taken[i] || Atomics.load(this.state, i) !== SLOT_FILLED) continue;
      const s = this.meta[i * META_FIELDS + META.SEQ];
      if (s === seq) found = i;
      else if (this.obtained[s % k0] > Math.floor(s / k0)) this.free(i);
    }
    return found;
  }

  private describe(slot: number): AccessChunk {
    const at = slot * META_FIELDS;
    const m = this.meta;
    const c = this.chunks[slot];
    c.count = m[at + META.COUNT];
    c.runs = m[at + META.RUNS];
    c.clocksAscend = m[at + META.ASCEND] === 1;
    c.firstIndex = m[at + META.FIRST_INDEX];
    c.offset = m[at + META.OFFSET];
    return c;
  }
}
