/**
 * Transparent huge pages: the 2 MiB fault, MADV_HUGEPAGE / MADV_NOHUGEPAGE advice, folio size.
 */
import type { Machine } from "./machine.js";
import type { SimThread } from "./sim-cpu.js";
import { FRAME_THP } from "./frames.js";
import {
  CHUNK_PAGES,
  PAGE_SIZE,
  PTE_ACCESSED,
  PTE_DIRTY,
  PTE_PRESENT,
  PTE_SWAPPED,
  PTE_THP_ADVISED,
  THP_PAGES,
  type Vma,
} from "./vma.js";
import { allocFrame } from "./reclaim.js";

/**
 * THP fault: maps the whole 2 MiB block around `vpn` when it lies in the VMA,
 * is advised throughout and has no page present or swapped. Untouched pages of
 * the block are resident too: the memory a partly used huge page wastes.
 */
export function hugeFault(m: Machine, th: SimThread, vma: Vma, vpn: number, nowNs: number): boolean {
  const head = vpn - (vpn % THP_PAGES);
  if (head < vma.startPage || head + THP_PAGES > vma.endPage) return false;
  // A 2 MiB block inside the VMA lies in one chunk (chunks are 1 GiB-aligned).
  const c = vma.ensureChunk(head);
  const flags = c.flags;
  const frames = c.frames;
  const h = head - c.startPage;
  for (let i = h; i < h + THP_PAGES; i++) {
    if ((flags[i] & (PTE_PRESENT | PTE_SWAPPED | PTE_THP_ADVISED)) !== PTE_THP_ADVISED) return false;
  }
  let free = 0;
  for (let n = 0; n < m.nrNodes; n++) free += Math.max(0, m.frames.nodeFreeFrames[n] - m.wmarkLow[n]);
  if (free < THP_PAGES) return false; // no huge page without reclaim: fall back to 4 KiB
  const node = vma.policyNode >= 0 ? vma.policyNode : th.cpu.node;
  for (let i = h; i < h + THP_PAGES; i++) {
    const pfn = allocFrame(m, node, nowNs).pfn;
    if (pfn < 0) return i > h;
    m.frames.rmapAsid[pfn] = th.as.asid + 1;
    m.frames.rmapVpn[pfn] = c.startPage + i;
    m.frames.flags[pfn] |= FRAME_THP;
    frames[i] = pfn;
    flags[i] = (flags[i] & ~(PTE_ACCESSED | PTE_DIRTY)) | PTE_PRESENT;
    vma.residentPages++;
    m.lru.add(pfn, false);
  }
  return true;
}

/**
 * MADV_HUGEPAGE / MADV_NOHUGEPAGE on [start, end) of `pid`: sets or clears the
 * advice; later faults in fully advised 2 MiB blocks map huge pages. Existing
 * pages stay as they are (no khugepaged collapse). False when nothing is mapped there.
 */
export function madviseHugepage(m: Machine, pid: number, start: number, end: number, on: boolean): boolean {
  const as = m.byPid.get(pid);
  if (!as || m.dead.has(pid)) return false;
  let any = false;
  for (const v of as.vmas) {
    const a = Math.max(v.start, start);
    const b = Math.min(v.end, end);
    if (a >= b) continue;
    any = true;
    const pa = Math.floor(a / PAGE_SIZE);
    const pb = Math.ceil(b / PAGE_SIZE);
    // Advice is state too: it allocates the chunks it covers (clearing needs only existing ones).
    if (on) for (let p = pa; p < pb; p = (Math.floor(p / CHUNK_PAGES) + 1) * CHUNK_PAGES) v.ensureChunk(p);
    for (const c of v.chunksIn(pa, pb)) {
      const f = c.flags;
      const end = Math.min(pb, c.endPage) - c.startPage;
      for (let i = Math.max(pa, c.startPage) - c.startPage; i < end; i++) {
        f[i] = on ? f[i] | PTE_THP_ADVISED : f[i] & ~PTE_THP_ADVISED;
      }
    }
  }
  return any;
}

/** Size of the folio frame `pfn` belongs to (2 MiB for a huge page). */
export function folioBytes(m: Machine, pfn: number): number {
  return m.frames.flags[pfn] & FRAME_THP ? THP_PAGES * PAGE_SIZE : PAGE_SIZE;
}
