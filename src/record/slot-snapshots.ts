/**
 * Reading a record's text on two threads: the inflating worker cuts the text into
 * slots that end just before a snapshot's '{' (so the next slot starts at one), and
 * reads some slots' snapshots itself with the pattern reader (compact-snapshot.ts),
 * handing the main thread columns instead of text. The main thread's reader takes
 * those snapshots only where its own grammar state says a snapshot may start
 * (json-stream.ts `feedParsed`), and reads the rest of the slot's bytes itself, so
 * anything the pattern reader does not take (another layout, DAMOS stats, the end
 * of a record, bad data) is read, or reported, exactly as before.
 */
import { CompactReader, LAYOUTS, RegionColumns } from "./compact-snapshot.js";
import { START_TIME } from "./snapshot-fast.js";
import type { Snapshot } from "./model.js";

/** Per snapshot in ParsedSlot.meta: start, end, region count, total bytes, sample interval (NaN: null). */
const META = 5;

/** Snapshots read from the head of a slot, as columns (sent between threads without copying). */
export interface ParsedSlot {
  /** Bytes of the slot read: up to and including the last snapshot's '}'. */
  end: number;
  count: number;
  meta: Float64Array;
  start: Float64Array;
  endAddr: Float64Array;
  samples: Float64Array;
  age: Float64Array;
  szf: Float64Array;
}

/** Whether b[i] is JSON whitespace. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Where to cut b[0, len): the '{' opening the last snapshot that starts in it
 * (a '{', whitespace, then `"start_time"`), or -1 when there is none after byte 0.
 */
export function snapshotCut(b: Buffer, len: number): number {
  let key = b.lastIndexOf(START_TIME, len - START_TIME.length);
  while (key > 0) {
    let p = key - 1;
    while (p > 0 && isSpace(b[p])) p--;
    if (b[p] === 0x7b && p > 0) return p;
    key = b.lastIndexOf(START_TIME, key - 1);
  }
  return -1;
}

/** Growable columns of one slot's regions and snapshots. */
class SlotColumns {
  n = 0;
  count = 0;
  meta = new Float64Array(64 * META);
  start = new Float64Array(8192);
  endAddr = new Float64Array(8192);
  samples = new Float64Array(8192);
  age = new Float64Array(8192);
  szf = new Float64Array(8192);

  add(cols: RegionColumns, nr: number, m: readonly number[]): void {
    if ((this.count + 1) * META > this.meta.length) this.meta = grown(this.meta, 2 * this.meta.length);
    this.meta.set(m, this.count * META);
    this.count++;
    const need = this.n + nr;
    if (need > this.start.length) {
      const size = Math.max(need, 2 * this.start.length);
      this.start = grown(this.start, size);
      this.endAddr = grown(this.endAddr, size);
      this.samples = grown(this.samples, size);
      this.age = grown(this.age, size);
      this.szf = grown(this.szf, size);
    }
    this.start.set(cols.start.subarray(0, nr), this.n);
    this.endAddr.set(cols.end.subarray(0, nr), this.n);
    this.samples.set(cols.samples.subarray(0, nr), this.n);
    this.age.set(cols.age.subarray(0, nr), this.n);
    this.szf.set(cols.szf.subarray(0, nr), this.n);
    this.n = need;
  }
}

function grown(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const d = new Float64Array(size);
  d.set(a);
  return d;
}

/** Reads the snapshots at the head of slots, in whichever of the two layouts fits. */
export class SlotSnapshotReader {
  private readonly compact = new CompactReader();
  private readonly cols = new RegionColumns();
  /** The layout that last fitted (damo's indent-4 layout first). */
  private layout = 1;

  /**
   * The snapshots from b[0] on, one after another (',' and whitespace between), up
   * to the first one the pattern reader does not take; null when it takes none.
   */
  read(b: Uint8Array): ParsedSlot | null {
    const out = new SlotColumns();
    let p = 0;
    let end = 0;
    const len = b.length;
    while (p < len) {
      let r = this.compact.read(b, p, this.cols, LAYOUTS[this.layout]);
      if (typeof r !== "object" && out.count === 0) {
        const other = 1 - this.layout;
        r = this.compact.read(b, p, this.cols, LAYOUTS[other]);
        if (typeof r === "object") this.layout = other;
      }
      if (typeof r !== "object") break;
      out.add(this.cols, r.nr, [r.startNs, r.endNs, r.nr, r.totalBytes ?? NaN, r.sampleIntervalUs ?? NaN]);
      end = r.end;
      if (b[end] !== 0x2c) break;
      p = end + 1;
      while (p < len && isSpace(b[p])) p++;
    }
    this.compact.release();
    if (out.count === 0) return null;
    return {
      end,
      count: out.count,
      meta: out.meta,
      start: out.start,
      endAddr: out.endAddr,
      samples: out.samples,
      age: out.age,
      szf: out.szf,
    };
  }
}

/** The buffers to transfer (not copy) with a parsed slot. */
export function transferList(p: ParsedSlot): ArrayBuffer[] {
  return [p.meta, p.start, p.endAddr, p.samples, p.age, p.szf].map((a) => a.buffer as ArrayBuffer);
}

/** The parsed slot's snapshots, shaped as the main thread's pattern reader makes them (snapshot-fast.ts). */
export function slotSnapshots(p: ParsedSlot, into: Snapshot[]): void {
  let o = 0;
  const m = p.meta;
  for (let k = 0; k < p.count; k++) {
    const nr = m[k * META + 2];
    const total = m[k * META + 3];
    const interval = m[k * META + 4];
    into.push({
      startNs: m[k * META],
      endNs: m[k * META + 1],
      nr,
      start: p.start.subarray(o, o + nr),
      end: p.endAddr.subarray(o, o + nr),
      samples: p.samples.subarray(o, o + nr),
      age: p.age.subarray(o, o + nr),
      szFilterPassed: p.szf.subarray(o, o + nr),
      totalBytes: Number.isNaN(total) ? null : total,
      damosStats: null,
      sampleIntervalUs: Number.isNaN(interval) ? null : interval,
    });
    o += nr;
  }
}
