/**
 * The per-access path of the simulated machine: a batch of a thread's accesses run through the
 * inner loops (access-loop.ts), and the fault paths they exit to (first touch, swap-in, THP,
 * hinting faults). Typed arrays only on the path; per-batch work here, per-access work in the loops.
 */
import type { Machine } from "./machine.js";
import type { SimThread } from "./sim-cpu.js";
import { ASID_TAG_SCALE } from "./tlb.js";
import {
  EXIT_END,
  EXIT_SLOW,
  EXIT_TIME,
  EXIT_VMA,
  ST_DONE,
  ST_EXIT,
  ST_HIDDEN,
  ST_HITS,
  ST_LAST_TAG,
  ST_LIMIT,
  ST_ASID_TAG,
  ST_MISSES,
  ST_PFN,
  ST_SEEN,
  ST_SLOT,
  ST_TIME,
  ST_VPN,
  ST_WALKED,
} from "./access-loop.js";
import {
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_ARMED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_SWAPPED,
  PTE_THP_ADVISED,
  type Vma,
} from "./vma.js";
import { allocFrame } from "./reclaim.js";
import { markWalked } from "./upper-accessed.js";
import { NO_SLOT, VMA_CACHE_SLOTS } from "./vma-cache.js";
import { loopsOf } from "./cpu-loops.js";
import { hugeFault } from "./thp.js";
import { contextSwitch, growClrStamp, tlbEventsDue } from "./tlb-invalidate.js";

/**
 * Runs `addrs[i..n)` on thread `th`'s CPU until its clock reaches `limitNs`;
 * returns the index of the first access not run. The driver calls this with
 * the thread's own buffer; tests call it with hand-made sequences. `writes`
 * must hold exactly 0 or 1 per access.
 */
export function execAccesses(
  m: Machine,
  th: SimThread,
  addrs: Float64Array,
  writes: Uint8Array,
  i: number,
  n: number,
  limitNs = Infinity,
): number {
  const cpu = th.cpu;
  const as = th.as;
  const st = m.st;
  const tlb = cpu.tlb;
  if (tlb !== null && cpu.lastAsid !== as.asid) cpu.timeNs += contextSwitch(m, cpu, as.asid);
  const t0 = cpu.timeNs;
  // An event (tick, periodic flush) found due here costs the thread's time, as one
  // that comes due while its accesses run does: which of the two it is depends only
  // on where the driver ended the last call.
  if (tlb !== null && cpu.timeNs >= cpu.nextEventNs) cpu.timeNs += tlbEventsDue(m, cpu, cpu.timeNs);
  st[ST_TIME] = cpu.timeNs;
  st[ST_DONE] = 0;
  st[ST_HITS] = 0;
  st[ST_MISSES] = 0;
  st[ST_HIDDEN] = 0;
  st[ST_SEEN] = 0;
  // The loops stop at the CPU's next TLB event as at the end of its slice (no per-access test).
  let lim = Math.min(limitNs, cpu.nextEventNs);
  // No previous tag at the start of a call: the first access of each page in a call
  // takes the checked path, where the blind-spot counters look (access-loop.ts).
  if (tlb !== null) st[ST_LAST_TAG] = -1;
  // The thread's last few chunks (mini-VMAs, vma.ts), which the loops switch between themselves.
  const vc = th.vmaCache;
  vc.sync(as.layoutGen);
  let slot = vc.slot;
  const truth = m.truth;
  const truthOn = truth !== null;
  const asidTag = as.asid * ASID_TAG_SCALE;
  const asidHash = Math.imul(as.asid, 0x9e3779b1);
  let invalid = 0;
  // The WebAssembly loop reads the accesses from the heap: the driver's buffers are
  // there; a hand-made sequence is copied there first.
  let aPtr = -1;
  let wPtr = -1;
  if (m.wasm !== null) {
    const heap = m.heap!;
    // The thread's own buffers know their offsets (a WeakSet lookup per call was 1 %).
    aPtr = addrs === th.addrs ? th.addrsPtr : heap.ptr(addrs);
    wPtr = writes === th.writes ? th.writesPtr : heap.ptr(writes);
    if ((aPtr < 0 || wPtr < 0) && !heap.overflowed) [aPtr, wPtr] = heapCopy(m, addrs, writes, n);
  }
  const bPtr = vc.bounds.byteOffset;
  const pPtr = vc.ptrs.byteOffset;

  const sampler = m.sampler;
  let left = sampler !== null ? m.sampleLeft[cpu.id] : Infinity;
  while (i < n) {
    const stop = sampler !== null ? Math.min(n, i + left) : n;
    const before = i;
    // The blind-spot stamps must cover every frame before a loop reads them: a fault or
    // a hook in this call may have grown the frame table (the other per-frame arrays
    // grow with it; reading past the end was a miscount in JavaScript, and in
    // WebAssembly would read another array).
    if (tlb !== null && m.clrStamp.length < m.frames.capacity) growClrStamp(m);
    const cl = loopsOf(m, cpu);
    const loops = cl.loops;
    const curS = truthOn ? truth.curSample : 0;
    const curW = truthOn ? truth.curWin : 0;
    st[ST_LIMIT] = tlb === null ? limitNs : lim;
    st[ST_ASID_TAG] = asidTag;
    const w = cl.wasm;
    if (w !== null && aPtr >= 0 && vc.foreign === 0) {
      const b = cl.binding;
      i = w.loop(
        w.st,
        aPtr,
        wPtr,
        i,
        stop,
        bPtr,
        pPtr,
        VMA_CACHE_SLOTS,
        slot,
        curS,
        curW,
        asidHash,
        curS * 2 + 2,
        w.truth,
        w.logAll,
        w.tS,
        w.tW,
        w.tP,
        w.tC,
        w.tlbOn,
        w.tags,
        w.order,
        w.mtf,
        w.clrStamp,
        b.ways,
        b.tagStride,
        b.setMask,
        b.walkNs,
        w.frameNode,
        w.lat,
        b.latBase,
        w.lat0,
      );
    } else {
      i =
        tlb === null
          ? loops.loopNoTlb(addrs, writes, i, stop, vc, slot, curS, curW)
          : loops.loopTlb(addrs, writes, i, stop, vc, slot, curS, curW, asidHash, curS * 2 + 2);
    }
    cl.accesses += i - before;
    slot = st[ST_SLOT];
    // The PUD and PGD entries above the chunks the loop walked under were used.
    const walked = st[ST_WALKED];
    for (let w = walked; w !== 0; w &= w - 1) markWalked(vc.chunks[31 - Math.clz32(w & -w)]!);
    if (sampler !== null) {
      left -= i - before;
      if (left === 0) {
        left = sampler.period;
        // The access at i − 1 just completed inside the current slot's VMA.
        st[ST_TIME] += sampler.sample(th, vc.vmas[slot]!, addrs[i - 1], writes[i - 1] !== 0, st[ST_TIME]);
      }
    }
    const exit = st[ST_EXIT];
    if (exit === EXIT_TIME) {
      if (st[ST_TIME] >= limitNs) break;
      // A TLB event is due (tick, periodic flush): fire it and go on.
      tlb!.lastTag = st[ST_LAST_TAG];
      st[ST_TIME] += tlbEventsDue(m, cpu, st[ST_TIME]);
      st[ST_LAST_TAG] = tlb!.lastTag;
      lim = Math.min(limitNs, cpu.nextEventNs);
      continue;
    }
    if (exit === EXIT_END) {
      if (i >= n) break;
      continue;
    }
    const vpn = st[ST_VPN];
    if (exit === EXIT_VMA) {
      // In none of the cached chunks. Another chunk of the last VMA needs no layout search.
      const last = vc.vmas[slot];
      const vma = last !== null && vpn >= last.startPage && vpn < last.endPage ? last : as.findVma(vpn);
      if (vma === null) {
        slot = NO_SLOT;
        invalid++;
        i++;
      } else {
        slot = vc.insert(vma, vma.ensureChunk(vpn));
      }
    } else if (exit === EXIT_SLOW) {
      const vma = vc.vmas[slot]!;
      if (tlb !== null) tlb.lastTag = st[ST_LAST_TAG];
      st[ST_TIME] += slowPath(m, th, vma, vpn - vma.startPage, vpn, writes[i] !== 0, st[ST_TIME]);
      if (tlb !== null) st[ST_LAST_TAG] = tlb.lastTag;
      // A fault handler that changed the layout (none does today) must not leave stale slots.
      if (vc.sync(as.layoutGen)) slot = NO_SLOT;
    } else {
      truth!.touchSlow(st[ST_PFN], as.asid, vpn);
    }
  }

  if (sampler !== null) m.sampleLeft[cpu.id] = left;
  const t = st[ST_TIME];
  const misses = st[ST_MISSES];
  if (tlb !== null) {
    tlb.lastTag = st[ST_LAST_TAG];
    tlb.hits += st[ST_HITS];
    tlb.misses += misses;
    m.hiddenPageSamples += st[ST_HIDDEN];
    m.seenPageSamples += st[ST_SEEN];
  }
  vc.slot = slot;
  th.accesses += st[ST_DONE];
  th.invalidAccesses += invalid;
  th.tlbMisses += misses;
  th.runNs += t - t0;
  cpu.timeNs = t;
  return i;
}

/**
 * `addrs[0..n)` and `writes[0..n)` copied into the machine's scratch buffers in its
 * heap (grown as needed); returns their offsets, or -1s if the heap is full.
 */
function heapCopy(m: Machine, addrs: Float64Array, writes: Uint8Array, n: number): [number, number] {
  const heap = m.heap!;
  let s = m.scratch;
  if (s === null || s.addrs.length < n) {
    const cap = Math.max(n, 2 * (s?.addrs.length ?? 0), 4096);
    s = m.scratch = { addrs: heap.f64(cap), writes: heap.u8(cap) };
  }
  s.addrs.set(addrs.subarray(0, n));
  s.writes.set(writes.subarray(0, n));
  return [heap.ptr(s.addrs), heap.ptr(s.writes)];
}

/** Not present (first touch) or armed: the fault paths. Returns the cost in ns. */
export function slowPath(
  m: Machine,
  th: SimThread,
  vma: Vma,
  idx: number,
  vpn: number,
  isWrite: boolean,
  nowNs: number,
): number {
  const c = vma.ensureChunk(vpn);
  const flags = c.flags;
  const ci = vpn - c.startPage;
  let cost = 0;
  if (!(flags[ci] & PTE_PRESENT) && flags[ci] & PTE_THP_ADVISED && hugeFault(m, th, vma, vpn, nowNs)) {
    th.minorFaults++;
    cost += m.costs.hugeFaultNs;
  }
  if (!(flags[ci] & PTE_PRESENT)) {
    const node = vma.policyNode >= 0 ? vma.policyNode : th.cpu.node;
    const swapped = (flags[ci] & PTE_SWAPPED) !== 0;
    const got = allocFrame(m, node, nowNs);
    const pfn = got.pfn;
    cost += got.stallNs;
    if (pfn < 0) {
      throw new Error(
        `simulated machine out of memory (no free frame on any node, nothing reclaimable) at 0x${(vpn * PAGE_SIZE).toString(16)}`,
      );
    }
    m.frames.rmapAsid[pfn] = th.as.asid + 1;
    m.frames.rmapVpn[pfn] = vpn;
    c.frames[ci] = pfn;
    flags[ci] = (flags[ci] & ~(PTE_ACCESSED | PTE_DIRTY | PTE_SWAPPED)) | PTE_PRESENT;
    vma.residentPages++;
    m.lru.add(pfn, false);
    if (swapped) {
      // Major fault: the page comes back from the swap device (or the file).
      const ns = m.costs.majorFaultNs + m.costs.swapInNs;
      th.majorFaults++;
      m.mem.swapIns++;
      m.mem.swapUsedPages--;
      m.mem.stallNs += ns;
      cost += ns;
    } else {
      th.minorFaults++;
      cost += m.costs.minorFaultNs;
    }
  }
  if (flags[ci] & PTE_ARMED) {
    th.hintingFaults++;
    if (m.hintingHandler !== null) {
      cost += m.hintingHandler(th, vma, idx, vpn * PAGE_SIZE, isWrite, nowNs + cost);
    }
    if (flags[ci] & PTE_ARMED) {
      // No owner took it: restore silently so the page cannot stay armed forever.
      flags[ci] &= ~PTE_ARMED;
      if (c.owners !== null) c.owners[ci] = 0;
      m.silentRestores++;
    }
  }
  return cost;
}
