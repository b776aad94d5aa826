/**
 * TLB invalidation on the simulated CPUs: the events due on a CPU (timer ticks, periodic
 * flushes), context switches, idle wake-ups, shootdown IPIs, and page / whole-TLB flushes.
 */
import type { Machine } from "./machine.js";
import type { SimCpu } from "./sim-cpu.js";
import { CostAccount } from "./cost-model.js";
import { PAGE_SIZE } from "./vma.js";

/**
 * Fires the TLB events due on `cpu` at time `t` (periodic flush, timer tick) and
 * schedules the next ones; returns their cost in ns. A tick is a kernel entry: under
 * PTI without PCID it drops every user translation of the CPU. Ticks missed while
 * the CPU was idle (NO_HZ) count once.
 */
export function tlbEventsDue(m: Machine, cpu: SimCpu, t: number): number {
  const tlb = cpu.tlb!;
  let cost = 0;
  if (t >= cpu.nextTlbFlushNs) {
    // Periodic flush (MachineOptions.tlbFlushEveryNs).
    tlb.flushAll();
    cpu.tlbFlushes++;
    const every = m.tlbFlushEveryNs;
    cpu.nextTlbFlushNs += Math.max(1, Math.floor((t - cpu.nextTlbFlushNs) / every) + 1) * every;
  }
  if (t >= cpu.nextTickNs) {
    const p = m.tickPeriodNs;
    cpu.ticks++;
    cost += m.tlbEvents.tickNs;
    if (m.entryFlushes) {
      tlb.flushAll();
      cpu.entryFlushes++;
    }
    cpu.nextTickNs += (Math.floor((t - cpu.nextTickNs) / p) + 1) * p;
  }
  cpu.nextEventNs = Math.min(cpu.nextTlbFlushNs, cpu.nextTickNs);
  cpu.eventNs += cost;
  return cost;
}

/** `cpu` starts running address space `asid`: a CR3 switch, which flushes without PCID. Returns the cost. */
export function contextSwitch(m: Machine, cpu: SimCpu, asid: number): number {
  const first = cpu.lastAsid < 0;
  cpu.lastAsid = asid;
  if (first) return 0;
  cpu.switches++;
  if (!m.tlbEvents.pcid) {
    cpu.tlb!.flushAll();
    cpu.switchFlushes++;
  }
  const cost = m.tlbEvents.kernelEntryNs;
  cpu.eventNs += cost;
  return cost;
}

/**
 * The driver found every thread of `cpu` asleep and moved its clock on: the CPU
 * idled. Idle is lazy (no CR3 switch), but the wake-up is a kernel entry, so under
 * PTI without PCID the user translations are gone when a thread runs again.
 */
export function cpuIdled(m: Machine, cpu: SimCpu): void {
  if (cpu.tlb === null || !m.entryFlushes) return;
  cpu.tlb.flushAll();
  cpu.entryFlushes++;
}

/**
 * A shootdown IPI reached `cpu` (another CPU changed a mapping it had cached). The
 * handler is a kernel entry: under PTI without PCID it also drops every other user
 * translation of the CPU. Its cost goes to that CPU's clock.
 */
export function shootdownReceived(m: Machine, cpu: SimCpu): void {
  if (cpu.tlb === null) return;
  if (m.entryFlushes) {
    cpu.tlb.flushAll();
    cpu.entryFlushes++;
  }
  const cost = m.tlbEvents.kernelEntryNs;
  cpu.timeNs += cost;
  cpu.eventNs += cost;
}

export function growClrStamp(m: Machine): void {
  const a = m.alloc.i32(m.frames.capacity);
  a.set(m.clrStamp);
  m.clrStamp = a;
}

/**
 * Drops the translation of `addr` in `pid` from every CPU's TLB (what
 * flush_tlb_page does). Charges a local flush plus one shootdown per other CPU
 * that had it cached. Returns the number of CPUs that had it.
 */
export function flushTlbPage(
  m: Machine,
  pid: number,
  addr: number,
  acct: CostAccount = m.kdamondCost,
): number {
  const as = m.process(pid);
  const vpn = Math.floor(addr / PAGE_SIZE);
  let had = 0;
  for (const c of m.cpus) {
    if (c.tlb === null || !c.tlb.flushPage(as.asid, vpn)) continue;
    had++;
    // The IPI's handler runs on every other CPU that had the entry.
    if (c.id !== acct.cpu) {
      m.shootdowns++;
      shootdownReceived(m, c);
    }
  }
  acct.tlbFlushes++;
  m.charge(acct, m.costs.tlbFlushLocalNs + Math.max(0, had - 1) * m.costs.tlbShootdownPerCpuNs);
  return had;
}

/** Flushes the whole TLB of one CPU, or of every CPU when `cpu` is omitted. No cost charged. */
export function flushTlbAll(m: Machine, cpu?: number): void {
  for (const c of m.cpus) if (c.tlb !== null && (cpu === undefined || c.id === cpu)) c.tlb.flushAll();
}
