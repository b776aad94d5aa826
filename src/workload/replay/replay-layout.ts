/**
 * The replayed process's memory map, rebuilt from the trace's map events at
 * the access index where they happened. One layout is shared by the replay's
 * threads, which reach an index at slightly different simulated times, so:
 * maps (and the new range of a remap) apply as soon as any thread reaches
 * their index (no thread may touch memory that is not yet mapped), while
 * unmaps wait until every thread has passed it (no thread may lose memory it
 * still uses) — unless a later map needs the range first. With one thread
 * both are exact. `protect` only updates the VMA's protection bits (the
 * simulated access path does not check them).
 */
import type { AddressSpace } from "../../mm/address-space.js";
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, type VmaKind } from "../../mm/vma.js";
import type { MapEvent } from "../trace/format.js";

interface PendingUnmap {
  start: number;
  end: number;
  index: number;
}

export interface ReplayLayoutOptions {
  /** Bytes to extend the first stack mapping downwards (TraceScan.stackGrowthBytes). */
  stackGrowthBytes?: number;
  /** Base name of the traced program (its file mappings are shown as "text"). */
  program?: string;
}

export class ReplayLayout {
  /** Events sorted by index (stable: same-index events keep their order). */
  readonly events: MapEvent[];
  /** Per replay thread: the lowest access index it may still run in this loop (Infinity: done with the loop). */
  readonly positions: Float64Array;
  /** Events applied, over all loops. */
  applied = 0;
  private next = 0;
  private readonly deferred: PendingUnmap[] = [];
  private stackDone = false;

  constructor(
    readonly as: AddressSpace,
    events: readonly MapEvent[],
    nrThreads: number,
    private readonly opts: ReplayLayoutOptions = {},
  ) {
    this.events = [...events].sort((a, b) => a.index - b.index);
    this.positions = new Float64Array(nrThreads);
  }

  /** Index of the next event to apply in this loop (Infinity when none is left). */
  get nextIndex(): number {
    return this.next < this.events.length ? this.events[this.next].index : Infinity;
  }

  /** Applies every event with index <= `index` (a thread is about to run that access). */
  reach(index: number): void {
    while (this.next < this.events.length && this.events[this.next].index <= index) {
      this.apply(this.events[this.next++]);
      this.applied++;
    }
    this.settle();
  }

  /** Records where thread `t` is, and applies the unmaps every thread has now passed. */
  setPosition(t: number, index: number): void {
    this.positions[t] = index;
    if (this.deferred.length > 0) this.settle();
  }

  /** Loop boundary (every thread finished the trace): drop the whole map and start over. */
  reset(): void {
    this.deferred.length = 0;
    for (const v of [...this.as.vmas]) this.as.munmap(v.start, v.end - v.start);
    this.next = 0;
    this.stackDone = false;
    this.positions.fill(0);
  }

  private minPosition(): number {
    let m = Infinity;
    for (const p of this.positions) if (p < m) m = p;
    return m;
  }

  private settle(): void {
    if (this.deferred.length === 0) return;
    const min = this.minPosition();
    for (let i = 0; i < this.deferred.length;) {
      const d = this.deferred[i];
      if (d.index <= min) {
        this.as.munmap(d.start, d.end - d.start);
        this.deferred.splice(i, 1);
      } else i++;
    }
  }

  /** Applies now the pending unmaps overlapping [start, end) (a map needs the range). */
  private forceOverlapping(start: number, end: number): void {
    for (let i = 0; i < this.deferred.length;) {
      const d = this.deferred[i];
      if (d.start < end && d.end > start) {
        this.as.munmap(d.start, d.end - d.start);
        this.deferred.splice(i, 1);
      } else i++;
    }
  }

  private unmap(start: number, end: number, index: number): void {
    if (end <= start) return;
    if (index <= this.minPosition()) this.as.munmap(start, end - start);
    else this.deferred.push({ start, end, index });
  }

  private map(start: number, end: number, kind: VmaKind, prot: number, name: string): void {
    this.forceOverlapping(start, end);
    this.as.mmapFixed(start, end - start, { kind, prot, name });
  }

  private apply(ev: MapEvent): void {
    const start = Math.floor(ev.start / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((ev.start + ev.length) / PAGE_SIZE) * PAGE_SIZE;
    if (ev.type === "map") {
      if (end <= start) return;
      let s = start;
      if (ev.kind === "stack" && !this.stackDone) {
        // The capture sees the initial stack mapping, not its later growth: extend it
        // downwards as far as the trace used, but never over another mapping.
        this.stackDone = true;
        let floor = 0;
        for (const v of this.as.vmas) if (v.end <= start && v.end > floor) floor = v.end;
        s = Math.max(floor, start - (this.opts.stackGrowthBytes ?? 0));
      }
      this.map(s, end, this.kindOf(ev), protBits(ev.prot), ev.name ?? "[anon]");
    } else if (ev.type === "unmap") {
      this.unmap(start, end, ev.index);
    } else if (ev.type === "remap" && ev.to !== undefined) {
      const old = this.as.vmaAt(ev.start);
      const to = Math.floor(ev.to / PAGE_SIZE) * PAGE_SIZE;
      const toEnd = Math.ceil((ev.to + ev.length) / PAGE_SIZE) * PAGE_SIZE;
      if (toEnd > to && !this.covered(to, toEnd)) {
        this.map(to, toEnd, old?.kind ?? "mmap", old?.prot ?? PROT_READ | PROT_WRITE, old?.name ?? "[anon]");
      }
      // The old range goes, except where it overlaps the new one.
      if (to >= end || toEnd <= start) this.unmap(start, end, ev.index);
      else {
        this.unmap(start, Math.min(end, to), ev.index);
        this.unmap(Math.max(start, toEnd), end, ev.index);
      }
    } else if (ev.type === "protect") {
      for (const v of this.as.vmas) if (v.start < end && v.end > start) v.prot = protBits(ev.prot);
    }
  }

  /** Whether every page of [start, end) is mapped. */
  private covered(start: number, end: number): boolean {
    for (let a = start; a < end;) {
      const v = this.as.vmaAt(a);
      if (v === null) return false;
      a = v.end;
    }
    return true;
  }

  private kindOf(ev: MapEvent): VmaKind {
    switch (ev.kind) {
      case "heap":
        return "heap";
      case "stack":
        return "stack";
      case "file": {
        const base = (ev.name ?? "").split("/").pop();
        return this.opts.program !== undefined && base === this.opts.program ? "text" : "lib";
      }
      default:
        return "mmap";
    }
  }
}

/** "rw-" → PROT_READ | PROT_WRITE. */
export function protBits(prot: string | undefined): number {
  if (prot === undefined) return PROT_READ | PROT_WRITE;
  return (
    (prot.includes("r") ? PROT_READ : 0) |
    (prot.includes("w") ? PROT_WRITE : 0) |
    (prot.includes("x") ? PROT_EXEC : 0)
  );
}
