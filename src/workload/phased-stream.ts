/**
 * The access generator of one workload thread, with masim's semantics
 * (formats.md §5.2): a phase repeats weighted picks until its duration has
 * passed on the thread's CPU clock (checked after each pick, so every phase
 * gets at least one); a pick runs `accessesPerPick` accesses of one pattern;
 * sequential patterns advance `offset += stride` (wrapping to 0) and keep the
 * offset across picks and phases; random patterns draw uniform offsets.
 * Accesses are written in batches into the caller's reused typed arrays.
 */
import type { AccessStream } from "../mm/machine.js";
import { JS_BATCH_FILL, type BatchFill } from "../mm/batch-fill.js";
import type { Rng } from "../util/rng.js";
import { MASIM_ACCESSES_PER_PICK, type WorkloadSpec } from "./spec.js";
import { ZIPF_TABLE_MAX_ITEMS, ZipfRejectionSampler, zipfCdf } from "./zipf.js";

/** A phase change, as reported to `onPhase` (the truth recorder's PhaseChange has the same shape). */
export interface PhaseEvent {
  timeNs: number;
  tid: number;
  phase: number;
  name: string;
}

const KIND_SEQ = 0;
const KIND_RANDOM = 1;
const KIND_ZIPF = 2;
const LINE = 64;

/** How a stream maps and unmaps regions at phase entry (instantiate.ts provides it). */
export interface RegionLayout {
  /** Current address of each region; 0 while a region is not mapped. Shared by a workload's threads. */
  readonly bases: Float64Array;
  map(region: number): void;
  unmap(region: number): void;
}

interface CompiledPhase {
  name: string;
  durationNs: number;
  map: number[];
  unmap: number[];
  region: Int32Array;
  total: number;
  /** Cumulative weight ends, one per pattern. */
  cumEnd: Int32Array;
  kind: Int8Array;
  base: Float64Array;
  len: Float64Array;
  stride: Float64Array;
  write: Uint8Array;
  cursor: Int32Array;
  cdf: (Float64Array | null)[];
  /** Zipf without a table, for more than ZIPF_TABLE_MAX_ITEMS items. */
  sampler: (ZipfRejectionSampler | null)[];
  /** Zipf items in the range, key of rank 0, and 1 when ranks are hashed over the range. */
  items: Float64Array;
  rankOffset: Float64Array;
  scatter: Uint8Array;
  itemBytes: Float64Array;
  lines: Int32Array;
}

export class PhasedStream implements AccessStream {
  finished = false;
  resumeNs = 0;
  /** Accesses generated so far. */
  generated = 0;
  /** Picks made so far, per phase index. */
  readonly picks: number[];
  private readonly phases: CompiledPhase[];
  private readonly perPick: number;
  private readonly repeat: number;
  /** Sequential offsets, one per distinct (region, range): kept across picks and phases. */
  readonly seqOffsets: Float64Array;
  private readonly layout: RegionLayout;
  private started = false;
  private rep = 0;
  phase = -1;
  private phaseStartNs = 0;
  private remaining = 0;
  private cur = 0;
  // Zipf item being read, kept across batches.
  private itemAddr = 0;
  private itemLinesLeft = 0;
  private readonly nextU = (): number => this.rng.nextFloat();

  constructor(
    spec: WorkloadSpec,
    threadIndex: number,
    /** Region addresses (what malloc returned), or a layout that can also map/unmap regions. */
    layout: ArrayLike<number> | RegionLayout,
    private readonly rng: Rng,
    readonly tid: number,
    private readonly onPhase: ((e: PhaseEvent) => void) | null = null,
  ) {
    const th = spec.threads[threadIndex];
    this.layout = isLayout(layout)
      ? layout
      : { bases: Float64Array.from(layout), map: noLayout, unmap: noLayout };
    this.perPick = spec.accessesPerPick ?? MASIM_ACCESSES_PER_PICK;
    this.repeat = th.repeat ?? 1;
    const slots = new Map<string, number>();
    this.phases = th.phases.map((p) => {
      const n = p.patterns.length;
      const c: CompiledPhase = {
        name: p.name,
        durationNs: p.durationNs,
        map: p.map ?? [],
        unmap: p.unmap ?? [],
        region: new Int32Array(n),
        total: 0,
        cumEnd: new Int32Array(n),
        kind: new Int8Array(n),
        base: new Float64Array(n),
        len: new Float64Array(n),
        stride: new Float64Array(n),
        write: new Uint8Array(n),
        cursor: new Int32Array(n),
        cdf: [],
        sampler: [],
        items: new Float64Array(n),
        rankOffset: new Float64Array(n),
        scatter: new Uint8Array(n),
        itemBytes: new Float64Array(n),
        lines: new Int32Array(n),
      };
      p.patterns.forEach((pt, k) => {
        const r = spec.regions[pt.region];
        const off = pt.offsetBytes ?? 0;
        const len = pt.lengthBytes ?? r.sizeBytes - off;
        c.total += pt.probability;
        c.cumEnd[k] = c.total;
        c.kind[k] = pt.kind === "seq" ? KIND_SEQ : pt.kind === "random" ? KIND_RANDOM : KIND_ZIPF;
        c.region[k] = pt.region;
        c.base[k] = off; // plus the region's address at fill time (regions may be remapped)
        c.len[k] = len;
        c.stride[k] = pt.strideBytes;
        c.write[k] = pt.mode === "ro" ? 0 : 1;
        const key = `${pt.region}:${off}:${len}`;
        let slot = slots.get(key);
        if (slot === undefined) slots.set(key, (slot = slots.size));
        c.cursor[k] = slot;
        if (pt.kind === "zipf") {
          const z = pt.zipf!;
          c.itemBytes[k] = z.itemBytes;
          c.lines[k] = Math.max(1, Math.min(z.linesPerItem, Math.floor(z.itemBytes / LINE)));
          const items = Math.floor(len / z.itemBytes);
          c.items[k] = items;
          c.rankOffset[k] = z.rankOffset ?? 0;
          c.scatter[k] = z.scatter ? 1 : 0;
          const big = items > ZIPF_TABLE_MAX_ITEMS;
          c.cdf.push(big ? null : zipfCdf(items, z.skew));
          c.sampler.push(big ? new ZipfRejectionSampler(items, z.skew) : null);
        } else {
          c.cdf.push(null);
          c.sampler.push(null);
        }
      });
      return c;
    });
    this.seqOffsets = new Float64Array(slots.size);
    this.picks = th.phases.map(() => 0);
    if (this.phases.length === 0) this.finished = true;
  }

  fill(addrs: Float64Array, writes: Uint8Array, nowNs: number, batch: BatchFill = JS_BATCH_FILL): number {
    if (this.finished) return 0;
    if (this.remaining === 0) {
      if (!this.started) {
        this.started = true;
        this.enter(0, nowNs);
      } else if (nowNs - this.phaseStartNs > this.phases[this.phase].durationNs) {
        if (!this.enter(this.phase + 1, nowNs)) return 0;
      }
      // A phase whose weights sum to 0 does nothing until its time is up.
      while (this.phases[this.phase].total === 0) {
        const p = this.phases[this.phase];
        if (nowNs - this.phaseStartNs > p.durationNs) {
          if (!this.enter(this.phase + 1, nowNs)) return 0;
        } else {
          this.resumeNs = this.phaseStartNs + p.durationNs + 1;
          return 0;
        }
      }
      const p = this.phases[this.phase];
      const r = this.rng.nextU32() % p.total;
      let k = 0;
      while (r >= p.cumEnd[k]) k++;
      this.cur = k;
      this.remaining = this.perPick;
      this.picks[this.phase]++;
      this.itemLinesLeft = 0;
    }
    const n = Math.min(this.remaining, addrs.length);
    const p = this.phases[this.phase];
    const k = this.cur;
    const base = this.layout.bases[p.region[k]] + p.base[k];
    const len = p.len[k];
    const w = p.write[k];
    const kind = p.kind[k];
    if (kind === KIND_SEQ) {
      const slot = p.cursor[k];
      this.seqOffsets[slot] = fillSeq(addrs, n, base, this.seqOffsets[slot], p.stride[k], len, batch);
    } else if (kind === KIND_RANDOM) {
      const rng = this.rng;
      if (len <= 0x100000000) {
        const f = len / 0x100000000;
        for (let i = 0; i < n; i++) addrs[i] = base + Math.floor(rng.nextU32() * f);
      } else {
        for (let i = 0; i < n; i++) addrs[i] = base + Math.floor(rng.nextFloat() * len);
      }
    } else {
      const cdf = p.cdf[k];
      const sampler = p.sampler[k];
      const item = p.itemBytes[k];
      const lines = p.lines[k];
      const items = p.items[k];
      const rankOffset = p.rankOffset[k];
      const scatter = p.scatter[k] === 1;
      let addr = this.itemAddr;
      let left = this.itemLinesLeft;
      for (let i = 0; i < n; i++) {
        if (left === 0) {
          const rank = cdf !== null ? zipfRank(cdf, this.rng.nextFloat()) : sampler!.sample(this.nextU);
          addr = base + itemOfRank(rank, rankOffset, items, scatter) * item;
          left = lines;
        }
        addrs[i] = addr;
        addr += LINE;
        left--;
      }
      this.itemAddr = addr;
      this.itemLinesLeft = left;
    }
    batch.bytes(writes, w, n);
    this.remaining -= n;
    this.generated += n;
    return n;
  }

  /** Enters phase `i` (wrapping for repeats); false when the thread is finished. */
  private enter(i: number, nowNs: number): boolean {
    if (i >= this.phases.length) {
      this.rep++;
      if (this.rep >= this.repeat) {
        this.finished = true;
        return false;
      }
      i = 0;
    }
    this.phase = i;
    this.phaseStartNs = nowNs;
    const p = this.phases[i];
    for (const r of p.unmap) this.layout.unmap(r);
    for (const r of p.map) this.layout.map(r);
    this.onPhase?.({ timeNs: nowNs, tid: this.tid, phase: i, name: this.phases[i].name });
    return true;
  }
}

function isLayout(x: ArrayLike<number> | RegionLayout): x is RegionLayout {
  return (x as RegionLayout).bases instanceof Float64Array && typeof (x as RegionLayout).map === "function";
}

function noLayout(region: number): void {
  throw new RangeError(`phase maps or unmaps region ${region}, but the stream has no region layout`);
}

/**
 * A sequential walk into addrs[0..n): offsets advance by `stride` from `off`,
 * wrapping to 0 at `len`; returns the last offset. With integer operands below
 * 2^53 every sum is exact, so the k-th offset of a run without a wrap is
 * `off + k * stride`, which `batch` writes a run at a time (batch-fill.ts);
 * other operands take the running sum `off += stride` here.
 */
export function fillSeq(
  addrs: Float64Array,
  n: number,
  base: number,
  off: number,
  stride: number,
  len: number,
  batch: BatchFill = JS_BATCH_FILL,
): number {
  n = n | 0;
  base = +base;
  stride = +stride;
  len = +len;
  if (
    !(stride > 0 && off >= 0) ||
    !Number.isSafeInteger(base) ||
    !Number.isSafeInteger(off) ||
    !Number.isSafeInteger(stride) ||
    !Number.isSafeInteger(len) ||
    !Number.isSafeInteger(base + len + stride)
  ) {
    for (let i = 0; i < n; i++) {
      off += stride;
      if (off >= len) off = 0;
      addrs[i] = base + off;
    }
    return off;
  }
  let i = 0;
  while (i < n) {
    // Steps from `off` that stay below `len`: off + k * stride < len for k = 1..run.
    let run = off < len ? Math.ceil((len - off) / stride) - 1 : 0;
    if (run > n - i) run = n - i;
    batch.steps(addrs, i, run, base + off, stride);
    i += run;
    off += run * stride;
    if (i < n) {
      off = 0; // the next step reaches len: wrap
      addrs[i++] = base;
    }
  }
  return off;
}

/** Fractional part of the golden ratio: consecutive keys land far apart (a Weyl sequence). */
const PHI_FRAC = 0.6180339887498949;

/** Item of a Zipf rank: rank r is item r unless an offset or scatter moves it. */
function itemOfRank(rank: number, offset: number, items: number, scatter: boolean): number {
  if (offset === 0 && !scatter) return rank;
  let key = rank + offset;
  if (key >= items) key %= items;
  if (!scatter) return key;
  const f = key * PHI_FRAC;
  return Math.floor((f - Math.floor(f)) * items);
}

/** Smallest rank whose cumulative probability exceeds u (binary search). */
function zipfRank(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
