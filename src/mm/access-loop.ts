import type { VmaCache } from "./vma-cache.js";
import { INV_PAGE_SIZE, PTE_ACCESSED, PTE_DIRTY, PTE_FAST_MASK, PTE_PRESENT } from "./vma.js";

/**
 * The per-access inner loops, kept as plain functions over typed arrays with
 * no property access, allocation or call inside, so V8 compiles them to tight
 * machine code. They stop and return to the caller (access.ts) for anything
 * rare — an address outside the thread's cached chunks (vma-cache.ts; a cached one
 * is switched to in the loop), a page that must fault, a page's
 * first access in a truth window (or in a sampling interval, when the truth
 * logs samples) — and the caller resumes them after handling it. Everything they
 * must report goes through the `st` state array.
 *
 * The loops are bound to one CPU's arrays and settings (a LoopBinding) in a
 * closure rather than taking them as arguments, which leaves registers for the
 * per-access values; a CPU that runs long gets a compiled copy of its own
 * (compileAccessLoops, cpu-loops.ts). docs/memory-model.md, "fifth pass".
 */

/** Slots of the loop state array. */
export const ST_TIME = 0;
export const ST_DONE = 1;
export const ST_HITS = 2;
export const ST_MISSES = 3;
export const ST_LAST_TAG = 4;
/** Why the loop stopped: one of the EXIT_* codes. */
export const ST_EXIT = 5;
/** Virtual page number / frame of the access that made it stop. */
export const ST_VPN = 6;
export const ST_PFN = 7;
/**
 * TLB blind spot (docs/memory-model.md): pages whose Accessed bit had been cleared
 * and whose first access after that in a sampling interval hit a cached translation
 * (hidden), or loaded it (seen); a hidden page that is loaded later in the same
 * interval moves to seen. Distinct pages per interval, via a per-frame stamp.
 */
export const ST_HIDDEN = 8;
export const ST_SEEN = 9;
/** VMA cache slot of the chunk the loop stopped in (vma-cache.ts). */
export const ST_SLOT = 10;
/** Bit k set: a walk (TLB miss, or any access without the TLB model) under slot k's chunk. */
export const ST_WALKED = 11;
/**
 * Inputs that are not small integers: the CPU time to stop at and the address
 * space's TLB tag base (asid × ASID_TAG_SCALE). Passed here, not as arguments,
 * so the loops always read doubles: an argument that is an integer at first and
 * then not (time passes 2^31 ns) made V8 drop the loop's optimised code, and at
 * times it never optimised it again (the rest of the run at half speed).
 */
export const ST_LIMIT = 12;
export const ST_ASID_TAG = 13;
export const ST_SIZE = 14;

export const EXIT_END = 0;
export const EXIT_TIME = 1;
export const EXIT_VMA = 2;
export const EXIT_SLOW = 3;
export const EXIT_TRUTH = 4;

/** What a copy of the loops is bound to: one CPU's arrays and settings. */
export interface LoopBinding {
  /** The machine's loop state array (ST_* slots). */
  st: Float64Array;
  /** Frame → NUMA node, and the node × node latency matrix (ns). */
  frameNode: Uint8Array;
  lat: Float64Array;
  /** This CPU's row of `lat`: its node × the number of nodes. */
  latBase: number;
  /** The truth's per-frame arrays (GroundTruth), or empty ones with `truthOn` false. */
  truthOn: boolean;
  logSamples: boolean;
  tS: Int32Array;
  tW: Int32Array;
  tP: Uint16Array;
  tC: Float64Array;
  /** This CPU's TLB (Tlb fields; empty with the TLB model off). */
  tags: Float64Array;
  order: Uint8Array;
  mtf: Uint8Array;
  ways: number;
  tagStride: number;
  setMask: number;
  walkNs: number;
  /** Blind-spot stamps per frame (Machine.clrStamp). */
  clrStamp: Int32Array;
}

export interface AccessLoops {
  readonly loopNoTlb: (
    addrs: Float64Array,
    writes: Uint8Array,
    i: number,
    n: number,
    vc: VmaCache,
    slot: number,
    curS: number,
    curW: number,
  ) => number;
  readonly loopTlb: (
    addrs: Float64Array,
    writes: Uint8Array,
    i: number,
    n: number,
    vc: VmaCache,
    slot: number,
    curS: number,
    curW: number,
    asidHash: number,
    clrCur: number,
  ) => number;
}

/** The constants the loops use, handed to each copy (a copy cannot see this module). */
const LOOP_CONSTANTS = {
  INV_PAGE_SIZE,
  PTE_PRESENT,
  PTE_ACCESSED,
  DIRTY_SHIFT: 31 - Math.clz32(PTE_DIRTY),
  PTE_FAST_MASK,
  ST_TIME,
  ST_DONE,
  ST_HITS,
  ST_MISSES,
  ST_LAST_TAG,
  ST_EXIT,
  ST_VPN,
  ST_PFN,
  ST_HIDDEN,
  ST_SEEN,
  ST_SLOT,
  ST_WALKED,
  ST_LIMIT,
  ST_ASID_TAG,
  EXIT_END,
  EXIT_TIME,
  EXIT_VMA,
  EXIT_SLOW,
  EXIT_TRUTH,
};

/**
 * The loops over one binding. Self-contained (it reads nothing of this module),
 * because compileAccessLoops compiles a fresh copy of its source per CPU.
 */
export function makeAccessLoops(b: LoopBinding, k: typeof LOOP_CONSTANTS): AccessLoops {
  /** TLB model off: every access sets the Accessed bit (of the PTE and, through `pmdA`, of the PMD). */
  function loopNoTlb(
    addrs: Float64Array,
    writes: Uint8Array,
    i: number,
    n: number,
    vc: VmaCache,
    slot: number,
    curS: number,
    curW: number,
  ): number {
    // Scalars as untagged locals: TurboFan re-checks a tagged parameter (Smi tag,
    // number map) at each use inside the loop.
    i = i | 0;
    n = n | 0;
    curS = curS | 0;
    curW = curW | 0;
    // The binding and constants as locals of each call (read once per call, not at
    // each use), whether or not V8 has made them constants of the code.
    const { INV_PAGE_SIZE, PTE_PRESENT, PTE_ACCESSED, DIRTY_SHIFT, PTE_FAST_MASK } = k;
    const { ST_TIME, ST_DONE, ST_EXIT, ST_VPN, ST_PFN, ST_SLOT, ST_WALKED, ST_LIMIT } = k;
    const { EXIT_END, EXIT_TIME, EXIT_VMA, EXIT_SLOW, EXIT_TRUTH } = k;
    const { st, frameNode, lat, tS, tW, tP, tC } = b;
    // Scalars as ints and flags as 0/1, so the loops test no tags or truthiness.
    const latBase = b.latBase | 0;
    const truth = b.truthOn ? 1 : 0;
    const logAll = b.logSamples ? 1 : 0;
    // One NUMA node: every access costs the same, without two array reads per access.
    const lat0 = lat.length === 1 ? lat[0] : -1;
    const limitNs = st[ST_LIMIT];
    // The current chunk (a VMA cache slot): pages [vs, ve), switched in the loop.
    slot = slot | 0;
    let flags = vc.flags[slot];
    let frames = vc.frames[slot];
    let pmdA = vc.pt[slot];
    let vs = vc.bounds[2 * slot];
    let ve = vc.bounds[2 * slot + 1];
    // Low 32 bits of vs: (vsLow + idx) >>> 9 & 511 is the page's PMD entry in its 1 GiB block.
    let vsLow = (vs % 4294967296) | 0;
    let lastPmd = -1;
    let walked = 0;
    let t = st[ST_TIME];
    const i0 = i;
    let exit = EXIT_END;
    for (; i < n; i++) {
      if (t >= limitNs) {
        exit = EXIT_TIME;
        break;
      }
      const vpn = Math.floor(addrs[i] * INV_PAGE_SIZE);
      // Written so that a NaN address also leaves the fast path.
      if (!(vpn >= vs && vpn < ve)) {
        // Another cached chunk: switch to it here (the cache is read only here, so that
        // none of its arrays is live across the loop).
        const cB = vc.bounds;
        const nSlots = (cB.length >> 1) - 1;
        let k = 0;
        while (k < nSlots && !(vpn >= cB[2 * k] && vpn < cB[2 * k + 1])) k++;
        if (k === nSlots) {
          exit = EXIT_VMA;
          st[ST_VPN] = vpn;
          break;
        }
        slot = k;
        flags = vc.flags[k];
        frames = vc.frames[k];
        pmdA = vc.pt[k];
        vs = cB[2 * k];
        ve = cB[2 * k + 1];
        vsLow = (vs % 4294967296) | 0;
        lastPmd = -1;
      }
      const idx = (vpn - vs) | 0;
      const f = flags[idx];
      if ((f & PTE_FAST_MASK) !== PTE_PRESENT) {
        exit = EXIT_SLOW;
        st[ST_VPN] = vpn;
        break;
      }
      const pfn = frames[idx];
      if (truth !== 0 && tS[pfn] !== curS) {
        if (tW[pfn] !== curW || logAll !== 0) {
          exit = EXIT_TRUTH;
          st[ST_VPN] = vpn;
          st[ST_PFN] = pfn;
          break;
        }
        tS[pfn] = curS;
        tP[pfn]++;
      }
      // writes[] holds 0/1: the Dirty bit without a branch.
      flags[idx] = f | PTE_ACCESSED | (writes[i] << DIRTY_SHIFT);
      // Every access walks: the PMD entry's Accessed bit too (upper-accessed.ts), stored
      // once per PMD per call (nothing clears it during a call).
      const pi = ((vsLow + idx) >>> 9) & 511;
      if (pi !== lastPmd) {
        pmdA[pi] = 1;
        lastPmd = pi;
        // A walk under this chunk (lastPmd is reset at each switch): its PUD and PGD bits too.
        walked |= 1 << slot;
      }
      t += lat0 >= 0 ? lat0 : lat[latBase + frameNode[pfn]];
      if (truth !== 0) tC[pfn]++;
    }
    st[ST_TIME] = t;
    st[ST_DONE] += i - i0;
    st[ST_EXIT] = exit;
    st[ST_SLOT] = slot;
    st[ST_WALKED] = walked;
    return i;
  }

  /**
   * TLB model on: the Accessed bit is set only when a translation is loaded
   * (a miss); hits leave the PTE alone, as x86 does.
   */
  function loopTlb(
    addrs: Float64Array,
    writes: Uint8Array,
    i: number,
    n: number,
    vc: VmaCache,
    slot: number,
    curS: number,
    curW: number,
    asidHash: number,
    clrCur: number,
  ): number {
    // As in loopNoTlb: untagged scalars.
    i = i | 0;
    n = n | 0;
    curS = curS | 0;
    curW = curW | 0;
    asidHash = asidHash | 0;
    clrCur = clrCur | 0;
    // The binding and constants as locals of each call (read once per call, not at
    // each use), whether or not V8 has made them constants of the code.
    const { INV_PAGE_SIZE, PTE_PRESENT, PTE_ACCESSED, DIRTY_SHIFT, PTE_FAST_MASK } = k;
    const { ST_TIME, ST_DONE, ST_HITS, ST_MISSES, ST_LAST_TAG, ST_EXIT, ST_VPN, ST_PFN } = k;
    const { ST_HIDDEN, ST_SEEN, ST_SLOT, ST_WALKED, ST_LIMIT, ST_ASID_TAG } = k;
    const { EXIT_END, EXIT_TIME, EXIT_VMA, EXIT_SLOW, EXIT_TRUTH } = k;
    const { st, frameNode, lat, tS, tW, tP, tC, tags, order, clrStamp } = b;
    // Scalars as ints and flags as 0/1, so the loops test no tags or truthiness.
    const latBase = b.latBase | 0;
    const truth = b.truthOn ? 1 : 0;
    const logAll = b.logSamples ? 1 : 0;
    const ways = b.ways | 0;
    const tagStride = b.tagStride | 0;
    const setMask = b.setMask | 0;
    const walkNs = +b.walkNs;
    // One NUMA node: every access costs the same, without two array reads per access.
    const lat0 = lat.length === 1 ? lat[0] : -1;
    const limitNs = st[ST_LIMIT];
    const asidTag = st[ST_ASID_TAG];
    let t = st[ST_TIME];
    // The current chunk, as in loopNoTlb.
    slot = slot | 0;
    let flags = vc.flags[slot];
    let frames = vc.frames[slot];
    let pmdA = vc.pt[slot];
    let vs = vc.bounds[2 * slot];
    let ve = vc.bounds[2 * slot + 1];
    let vsLow = (vs % 4294967296) | 0;
    let lastPmd = -1;
    let walked = 0;
    let lastTag = +st[ST_LAST_TAG];
    const i0 = i;
    let hits = 0;
    let misses = 0;
    let hidden = 0;
    let seen = 0;
    // Stamps of this sampling interval: clrCur = hidden, clrCur + 1 = seen.
    const clrSeen = clrCur + 1;
    let exit = EXIT_END;
    for (; i < n; i++) {
      if (t >= limitNs) {
        exit = EXIT_TIME;
        break;
      }
      const vpn = Math.floor(addrs[i] * INV_PAGE_SIZE);
      if (!(vpn >= vs && vpn < ve)) {
        // Another cached chunk: switch to it here (the cache is read only here, so that
        // none of its arrays is live across the loop).
        const cB = vc.bounds;
        const nSlots = (cB.length >> 1) - 1;
        let k = 0;
        while (k < nSlots && !(vpn >= cB[2 * k] && vpn < cB[2 * k + 1])) k++;
        if (k === nSlots) {
          exit = EXIT_VMA;
          st[ST_VPN] = vpn;
          break;
        }
        slot = k;
        flags = vc.flags[k];
        frames = vc.frames[k];
        pmdA = vc.pt[k];
        vs = cB[2 * k];
        ve = cB[2 * k + 1];
        vsLow = (vs % 4294967296) | 0;
        lastPmd = -1;
      }
      const idx = (vpn - vs) | 0;
      let f = flags[idx];
      if ((f & PTE_FAST_MASK) !== PTE_PRESENT) {
        exit = EXIT_SLOW;
        st[ST_VPN] = vpn;
        break;
      }
      const pfn = frames[idx];
      if (truth !== 0 && tS[pfn] !== curS) {
        if (tW[pfn] !== curW || logAll !== 0) {
          exit = EXIT_TRUTH;
          st[ST_VPN] = vpn;
          st[ST_PFN] = pfn;
          break;
        }
        tS[pfn] = curS;
        tP[pfn]++;
      }
      const tag = asidTag + vpn;
      // The previous access's entry is already its set's most recent: nothing to do.
      if (tag !== lastTag) {
        // Low 32 bits of vpn in int32 arithmetic (same set as Tlb.setOf's vpn >>> 0).
        const x = ((vsLow + idx) | 0) ^ asidHash;
        const set = x & setMask;
        // tlb.ts: the set's tags from tb, its recency order (ways by position, most
        // recent first) from ob.
        const tb = set * tagStride;
        const ob = set << 4;
        let w = 0;
        while (w < ways && tags[tb + w] !== tag) w++;
        if (w < ways) {
          hits++;
          // A hit on a page whose Accessed bit was cleared: the access leaves no trace.
          if ((f & PTE_ACCESSED) === 0 && clrStamp[pfn] !== clrCur && clrStamp[pfn] !== clrSeen) {
            clrStamp[pfn] = clrCur;
            hidden++;
          }
          // Move w to the front of its set's order.
          let p = 0;
          while (order[ob + p] !== w) p++;
          for (; p > 0; p--) order[ob + p] = order[ob + p - 1];
          order[ob] = w;
        } else {
          // Miss: the least recently used way (invalid ones are last) takes the page
          // and moves to the front; the page walker sets Accessed.
          const v = order[ob + ways - 1];
          for (let p = ways - 1; p > 0; p--) order[ob + p] = order[ob + p - 1];
          order[ob] = v;
          tags[tb + v] = tag;
          misses++;
          t += walkNs;
          if ((f & PTE_ACCESSED) === 0 && clrStamp[pfn] !== clrSeen) {
            if (clrStamp[pfn] === clrCur) hidden--;
            clrStamp[pfn] = clrSeen;
            seen++;
          }
          f |= PTE_ACCESSED;
          // The walk sets the PMD entry's Accessed bit too (upper-accessed.ts); once per
          // PMD per call is enough, since nothing clears it during a call.
          const pi = ((vsLow + idx) >>> 9) & 511;
          if (pi !== lastPmd) {
            pmdA[pi] = 1;
            lastPmd = pi;
            walked |= 1 << slot;
          }
        }
        lastTag = tag;
      } else {
        // Same page as the previous access in this call (exec starts each call with no
        // previous tag), which already counted it for the blind spot.
        hits++;
      }
      flags[idx] = f | (writes[i] << DIRTY_SHIFT);
      t += lat0 >= 0 ? lat0 : lat[latBase + frameNode[pfn]];
      if (truth !== 0) tC[pfn]++;
    }
    st[ST_TIME] = t;
    st[ST_DONE] += i - i0;
    st[ST_HITS] += hits;
    st[ST_MISSES] += misses;
    st[ST_HIDDEN] += hidden;
    st[ST_SEEN] += seen;
    st[ST_LAST_TAG] = lastTag;
    st[ST_EXIT] = exit;
    st[ST_SLOT] = slot;
    st[ST_WALKED] = walked;
    return i;
  }

  return { loopNoTlb, loopTlb };
}

/**
 * The loops bound to `b`, sharing their code (and V8's type feedback) with every
 * other binding: what a CPU runs until it has run enough to repay a compiled copy.
 */
export function bindAccessLoops(b: LoopBinding): AccessLoops {
  return makeAccessLoops(b, LOOP_CONSTANTS);
}

/**
 * A copy of the loops of its own, bound to `b`. Compiling the source anew makes
 * the copy's closures the only ones of their kind, which is what lets TurboFan
 * treat the binding as constants (function context specialization).
 */
export function compileAccessLoops(b: LoopBinding): AccessLoops {
  // A distinct source per copy: V8 caches compiled sources, and a cached one would
  // hand every copy the same function (and so feedback shared by all their closures).
  copies++;
  // `__name` is what tsx's transform (esbuild keepNames) wraps inner functions in.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const outer = new Function("__name", `return ${makeAccessLoops.toString()} // copy ${copies}`) as (
    name: typeof keepName,
  ) => typeof makeAccessLoops;
  const make = outer(keepName);
  return make(b, LOOP_CONSTANTS);
}

let copies = 0;

function keepName<T>(f: T): T {
  return f;
}
