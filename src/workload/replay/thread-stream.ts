/**
 * The access stream of one traced thread. A thread reads only the chunks that hold
 * its accesses (the scan lists them), through the replay's shared chunk cache (each
 * chunk decoded once for all threads), skips other threads' runs whole, and copies
 * its accesses into the machine's reused batch arrays in stretches: no allocation
 * per access, memory bounded by the cache whatever the trace's length.
 *
 * Timing: access i of a loop is due at loopStart + (clock_i − firstClock) ×
 * nsPerInstruction. A thread never runs ahead of its trace time (it sleeps
 * until its next access is due) but may fall behind it when the simulated
 * memory system is slower (faults, TLB misses). A batch ends at the next map
 * event (the layout must change between two accesses, not under a batch in
 * flight) and at accesses due more than BATCH_AHEAD_NS after now.
 *
 * Loops: a thread that reaches the end of the trace waits until every thread
 * has; the last one resets the layout and all start the next loop together.
 */
import type { AccessStream } from "../../mm/machine.js";
import type { AccessChunk } from "../trace/access-decode.js";
import type { ChunkCache } from "./chunk-cache.js";
import type { ReplayLayout } from "./replay-layout.js";

/** How far ahead of its CPU's clock a batch may reach. */
const BATCH_AHEAD_NS = 2_000;
/** Shortest stretch copied with TypedArray.set (two subarray views each); shorter ones element by element. */
const SET_MIN = 32;
/** How often a thread waiting for the others at a loop boundary looks again. */
const BARRIER_POLL_NS = 1_000;

/** State the threads of one replay share: the layout, the loop barrier, the clock origin. */
export class ReplayShared {
  /** Current loop (0-based). */
  loop = 0;
  /** Simulated time at which the current loop's first clock is due. */
  loopStartNs = 0;
  /** Threads done with the current loop. */
  private arrived = 0;
  /** Loop-start times, one per loop begun (for phase marks and tests). */
  readonly loopStarts: number[] = [0];

  constructor(
    readonly path: string,
    readonly layout: ReplayLayout,
    /** The decoded chunks, shared by the threads. */
    readonly chunks: ChunkCache,
    readonly nrThreads: number,
    readonly loops: number,
    readonly firstClock: number,
    readonly nsPerInstruction: number,
    readonly onLoop: ((loop: number, nowNs: number) => void) | null,
  ) {}

  /** Thread arrives at the end of loop `loop`; the last one starts the next loop. */
  arrive(nowNs: number): void {
    this.arrived++;
    if (this.arrived < this.nrThreads) return;
    this.arrived = 0;
    if (this.loop + 1 >= this.loops) {
      this.chunks.finish();
      this.loop++;
      return;
    }
    this.chunks.nextLoop();
    this.loop++;
    this.loopStartNs = nowNs;
    this.loopStarts.push(nowNs);
    this.layout.reset();
    this.onLoop?.(this.loop, nowNs);
  }
}

export class TraceThreadStream implements AccessStream {
  finished = false;
  resumeNs = 0;
  /** Accesses handed to the machine, over all loops. */
  emitted = 0;
  /** Next entry of `chunks` to read. */
  private p = 0;
  private chunk: AccessChunk | null = null;
  /** Run of `chunk` being replayed, and the next access to look at. */
  private run = 0;
  private ci = 0;
  /** Loop this thread is running (behind `shared.loop` while it waits at the barrier). */
  private loop = 0;
  private waiting = false;

  constructor(
    private readonly shared: ReplayShared,
    /** Index of this thread in the replay (its slot in the layout's positions). */
    readonly index: number,
    /** Traced thread id whose accesses this stream replays. */
    readonly tid: number,
    /** The chunks holding its accesses, ascending (TraceThreadInfo.chunks). */
    private readonly chunks: readonly number[],
  ) {}

  fill(addrs: Float64Array, writes: Uint8Array, nowNs: number): number {
    const sh = this.shared;
    const layout = sh.layout;
    if (this.finished) return 0;
    if (this.waiting) {
      if (sh.loop === this.loop) {
        this.resumeNs = nowNs + BARRIER_POLL_NS;
        return 0;
      }
      this.waiting = false;
      this.loop = sh.loop;
      if (this.loop >= sh.loops) return this.finish();
    }
    const rate = sh.nsPerInstruction;
    const c0 = sh.firstClock;
    const base = sh.loopStartNs;
    const limit = nowNs + BATCH_AHEAD_NS;
    const dueMax = lastDueClock(base, c0, rate, limit);
    const cap = addrs.length;
    const me = this.tid;
    const ti = this.index;
    // Only this call's reach() moves the layout's next event while it runs.
    let nextIdx = layout.nextIndex;
    let n = 0;
    for (;;) {
      let ch = this.chunk;
      if (ch === null) {
        if (this.p >= this.chunks.length) {
          if (n > 0) break;
          // End of the trace for this thread: wait for the others, then loop or finish.
          this.p = 0;
          layout.setPosition(ti, Infinity);
          this.waiting = true;
          sh.arrive(nowNs);
          return this.fill(addrs, writes, nowNs);
        }
        ch = sh.chunks.get(this.chunks[this.p]);
        this.chunk = ch;
        this.run = 0;
        this.ci = 0;
      }
      const runs = ch.runs;
      const runStart = ch.runStart;
      const runTid = ch.runTid;
      const addr = ch.addr;
      const wr = ch.isWrite;
      const clock = ch.clock;
      const first = ch.firstIndex;
      const ascend = ch.clocksAscend;
      let r = this.run;
      let i = this.ci;
      let stop = false;
      for (; r < runs; r++) {
        if (runTid[r] !== me) continue;
        const e = runStart[r + 1];
        if (i < runStart[r]) i = runStart[r];
        while (i < e) {
          const index = first + i;
          if (index >= nextIdx) {
            if (n > 0) {
              stop = true;
              break;
            }
            layout.setPosition(ti, index);
            layout.reach(index);
            nextIdx = layout.nextIndex;
          }
          const due = base + (clock[i] - c0) * rate;
          if (due > limit) {
            stop = true;
            if (n === 0) {
              layout.setPosition(ti, index);
              this.run = r;
              this.ci = i;
              this.resumeNs = due;
              return 0;
            }
            break;
          }
          if (n === 0) layout.setPosition(ti, index);
          // Then a stretch with no layout event, up to the run's end and the batch's
          // capacity, while the accesses are due by the limit: one test per access.
          let s = Math.min(e, i + cap - n);
          if (nextIdx - first < s) s = nextIdx - first;
          addrs[n] = addr[i];
          writes[n] = wr[i];
          n++;
          i++;
          // Accesses with a clock up to dueMax are due: found with one compare each (a
          // binary search when the chunk's clocks ascend) and copied whole. The loop
          // checks any after them (a later clock) exactly.
          let j = i;
          if (ascend) {
            let hi = s;
            while (j < hi) {
              const mid = (j + hi) >>> 1;
              if (clock[mid] <= dueMax) j = mid + 1;
              else hi = mid;
            }
          } else while (j < s && clock[j] <= dueMax) j++;
          if (j - i >= SET_MIN) {
            addrs.set(addr.subarray(i, j), n);
            writes.set(wr.subarray(i, j), n);
            n += j - i;
            i = j;
          } else {
            for (; i < j; i++, n++) {
              addrs[n] = addr[i];
              writes[n] = wr[i];
            }
          }
          if (n === cap) {
            stop = true;
            break;
          }
        }
        if (stop) break;
      }
      this.run = r;
      this.ci = i;
      if (r >= runs) {
        sh.chunks.release(this.chunks[this.p++]);
        this.chunk = null;
      }
      if (stop) break;
    }
    this.emitted += n;
    return n;
  }

  private finish(): number {
    this.finished = true;
    return 0;
  }
}

/**
 * A clock c with base + (c − c0) × rate ≤ limit (trace clocks are integers: the
 * largest such one, found next to the real quotient), or −Infinity if rounding
 * leaves none nearby. Every operation in that sum is monotone, so any clock up to
 * it is due by `limit`.
 */
export function lastDueClock(base: number, c0: number, rate: number, limit: number): number {
  let c = Math.floor(c0 + (limit - base) / rate);
  for (let k = 0; k < 4 && !isDue(c, base, c0, rate, limit); k++) c--;
  for (let k = 0; k < 4 && isDue(c + 1, base, c0, rate, limit); k++) c++;
  return isDue(c, base, c0, rate, limit) ? c : -Infinity;
}

/**
 * Whether clock c is due by `limit`. A module function, not a closure made in
 * lastDueClock: that runs once per batch, and a transpiler that keeps function
 * names (tsx) wraps every closure it makes in a call.
 */
function isDue(c: number, base: number, c0: number, rate: number, limit: number): boolean {
  return base + (c - c0) * rate <= limit;
}
