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
import { CompactReader, LAYOUTS, START_TIME } from "./compact-snapshot.js";
import { RegionColumns } from "./region-columns.js";
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

/** A slot's snapshot metadata (META numbers each), grown as needed. */
class SlotMeta {
  count = 0;
  meta = new Float64Array(64 * META);

  add(startNs: number, endNs: number, nr: number, total: number, interval: number): void {
    if ((this.count + 1) * META > this.meta.length) {
      const d = new Float64Array(2 * this.meta.length);
      d.set(this.meta);
      this.meta = d;
    }
    const o = this.count * META;
    this.meta[o] = startNs;
    this.meta[o + 1] = endNs;
    this.meta[o + 2] = nr;
    this.meta[o + 3] = total;
    this.meta[o + 4] = interval;
    this.count++;
  }
}

/** Reads the snapshots at the head of slots, in whichever of the two layouts fits. */
export class SlotSnapshotReader {
  private readonly compact = new CompactReader();
  /** A slot's regions are read straight into these columns and sent on (a slot holds about 7,500 of damo's). */
  private readonly cols = new RegionColumns(8192);
  /** The layout that last fitted (damo's indent-4 layout first). */
  private layout = 1;

  /**
   * The snapshots from b[0] on, one after another (',' and whitespace between), up
   * to the first one the pattern reader does not take; null when it takes none.
   */
  read(b: Uint8Array): ParsedSlot | null {
    const out = new SlotMeta();
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
      this.cols.keep(r.nr);
      out.add(r.startNs, r.endNs, r.nr, r.totalBytes ?? NaN, r.sampleIntervalUs ?? NaN);
      end = r.end;
      if (b[end] !== 0x2c) break;
      p = end + 1;
      while (p < len && isSpace(b[p])) p++;
    }
    this.compact.release();
    if (out.count === 0) return null;
    // fresh blocks for the next slot: these ones are transferred to the main thread
    const c = this.cols.detach(true);
    return {
      end,
      count: out.count,
      meta: out.meta,
      start: c.start,
      endAddr: c.end,
      samples: c.samples,
      age: c.age,
      szf: c.szFilterPassed,
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
