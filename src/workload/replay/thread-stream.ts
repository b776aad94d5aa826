/**
 * The access stream of one traced thread. Each replay thread streams the trace
 * file with its own reader (so memory stays bounded by one chunk per thread,
 * whatever the trace's length) and copies its own accesses into the machine's
 * reused batch arrays: no allocation per access.
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
import type { AccessChunk, TraceItem } from "../trace/reader.js";
import { TraceReader } from "../trace/reader.js";
import type { ReplayLayout } from "./replay-layout.js";

/** How far ahead of its CPU's clock a batch may reach. */
const BATCH_AHEAD_NS = 2_000;
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
      this.loop++;
      return;
    }
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
  private reader: TraceReader | null = null;
  private iter: Iterator<TraceItem> | null = null;
  private chunk: AccessChunk | null = null;
  /** Next entry of `chunk` to look at. */
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
    const cap = addrs.length;
    const me = this.tid;
    let n = 0;
    for (;;) {
      const ch = this.chunk ?? this.nextChunk();
      if (ch === null) {
        if (n > 0) break;
        // End of the trace for this thread: wait for the others, then loop or finish.
        this.closeReader();
        layout.setPosition(this.index, Infinity);
        this.waiting = true;
        sh.arrive(nowNs);
        return this.fill(addrs, writes, nowNs);
      }
      const count = ch.count;
      const tids = ch.tid;
      const addr = ch.addr;
      const wr = ch.isWrite;
      const clock = ch.clock;
      const first = ch.firstIndex;
      let i = this.ci;
      let stop = false;
      while (i < count) {
        if (tids[i] !== me) {
          i++;
          continue;
        }
        const index = first + i;
        if (index >= layout.nextIndex) {
          if (n > 0) {
            stop = true;
            break;
          }
          layout.setPosition(this.index, index);
          layout.reach(index);
        }
        const due = base + (clock[i] - c0) * rate;
        if (due > limit) {
          stop = true;
          if (n === 0) {
            layout.setPosition(this.index, index);
            this.ci = i;
            this.resumeNs = due;
            return 0;
          }
          break;
        }
        if (n === 0) layout.setPosition(this.index, index);
        addrs[n] = addr[i];
        writes[n] = wr[i];
        n++;
        i++;
        if (n === cap) {
          stop = true;
          break;
        }
      }
      this.ci = i;
      if (i >= count) this.chunk = null;
      if (stop) break;
    }
    this.emitted += n;
    return n;
  }

  private finish(): number {
    this.finished = true;
    this.closeReader();
    return 0;
  }

  /** The next access chunk (damage and event items are skipped: the scan has the events). */
  private nextChunk(): AccessChunk | null {
    if (this.iter === null) {
      this.reader = TraceReader.open(this.shared.path);
      this.iter = this.reader[Symbol.iterator]();
    }
    for (;;) {
      const r = this.iter.next();
      if (r.done === true) return null;
      const item = r.value;
      if (item.kind === "accesses" && item.count > 0) {
        this.chunk = item;
        this.ci = 0;
        return item;
      }
    }
  }

  private closeReader(): void {
    this.reader?.close();
    this.reader = null;
    this.iter = null;
    this.chunk = null;
  }
}
