/**
 * A plain-data snapshot of the machine's counters (for --json output and reports).
 */
import type { Machine } from "./machine.js";
import { CostAccount } from "./cost-model.js";
import { PAGE_SIZE } from "./vma.js";

/** A plain-data snapshot of the counters (for --json output and reports). */
export function stats(m: Machine): MachineStats {
  const acct = (a: CostAccount) => ({
    name: a.name,
    ns: a.ns,
    checks: a.checks,
    mkolds: a.mkolds,
    rmapWalks: a.rmapWalks,
    tlbFlushes: a.tlbFlushes,
    cpu: a.cpu,
  });
  const accesses = m.totalAccesses();
  const appTimeNs = m.appTimeNs();
  return {
    cpus: m.cpus.map((c) => ({
      id: c.id,
      node: c.node,
      timeNs: c.timeNs,
      stolenNs: c.stolenNs,
      idleNs: c.idleNs,
      tlbHits: c.tlb?.hits ?? 0,
      tlbMisses: c.tlb?.misses ?? 0,
    })),
    threads: m.threads.map((t) => ({
      tid: t.tid,
      pid: t.as.pid,
      name: t.name,
      cpu: t.cpu.id,
      accesses: t.accesses,
      runNs: t.runNs,
      minorFaults: t.minorFaults,
      majorFaults: t.majorFaults,
      hintingFaults: t.hintingFaults,
      tlbMisses: t.tlbMisses,
      invalidAccesses: t.invalidAccesses,
    })),
    accesses,
    appTimeNs,
    nsPerAccess: accesses > 0 ? appTimeNs / accesses : 0,
    residentBytes: m.frames.allocatedFrames * PAGE_SIZE,
    silentRestores: m.silentRestores,
    kdamond: acct(m.kdamondCost),
    memory: {
      ...m.mem,
      activePages: m.lru.total(true),
      inactivePages: m.lru.total(false),
      nodeFreeBytes: m.frames.nodeFreeFrames.map((f) => f * PAGE_SIZE),
      kswapdNs: m.kswapdCost.ns,
    },
  };
}

/** What Machine.stats() returns. */
export interface MachineStats {
  cpus: {
    id: number;
    node: number;
    timeNs: number;
    stolenNs: number;
    idleNs: number;
    tlbHits: number;
    tlbMisses: number;
  }[];
  threads: {
    tid: number;
    pid: number;
    name: string;
    cpu: number;
    accesses: number;
    runNs: number;
    minorFaults: number;
    majorFaults: number;
    hintingFaults: number;
    tlbMisses: number;
    invalidAccesses: number;
  }[];
  /** Application accesses completed. Phases are timed, so monitoring overhead shows as fewer accesses. */
  accesses: number;
  /** Sum over threads of the time spent running accesses. */
  appTimeNs: number;
  nsPerAccess: number;
  residentBytes: number;
  silentRestores: number;
  memory: {
    swapOuts: number;
    swapIns: number;
    swapUsedPages: number;
    kswapdReclaimed: number;
    directReclaimed: number;
    pageoutReclaimed: number;
    scanned: number;
    kswapdRuns: number;
    directReclaims: number;
    stallNs: number;
    activePages: number;
    inactivePages: number;
    nodeFreeBytes: number[];
    kswapdNs: number;
  };
  kdamond: {
    name: string;
    ns: number;
    checks: number;
    mkolds: number;
    rmapWalks: number;
    tlbFlushes: number;
    cpu: number;
  };
}
