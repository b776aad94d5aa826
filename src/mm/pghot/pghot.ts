/**
 * pghot-style hot-page tracking and promotion (AMD's RFC v6, March 2026;
 * docs/interference.md): hint faults from NUMA balancing's tiering scan are
 * recorded per frame instead of promoting in the fault path — an access count
 * (saturating at 3, the RFC's two bits) within a time window (the RFC's ~4 s
 * time bucket) — and a frame reaching the hotness threshold is marked ready;
 * a `kmigrated` thread per slow node wakes periodically and promotes the ready
 * frames in batches, within the promotion rate limit the RFC moves out of NUMA
 * balancing. Promotion targets node 0 (the RFC's default mode) or, in precision
 * mode, the node that accessed the frame last.
 */
import { CostAccount } from "../cost-model.js";
import type { Agent } from "../driver.js";
import type { HintFault } from "../hinting/index.js";
import type { Machine } from "../machine.js";
import { PAGE_SIZE } from "../vma.js";

const MS = 1_000_000;
const MiB = 2 ** 20;
const MAX_FREQ = 3;

/** Where NUMA balancing's tiering hint faults go when a hotness tracker decides promotions. */
export interface HotnessSink {
  /** Records one access; returns its cost in the fault path (ns). */
  recordAccess(f: HintFault): number;
}

export interface PghotOptions {
  /** Accesses within the window that make a frame hot (default 2). */
  hotThreshold?: number;
  /** The frequency window (ms, default 4000: the RFC's default-mode time range). */
  windowMs?: number;
  /** kmigrated wake-up interval (ms, default 100). */
  kmigratedIntervalMs?: number;
  /** Frames promoted per kmigrated batch at most (default 512). */
  batchPages?: number;
  /** Promotions per target node per second, MiB/s (default 65536, NUMA balancing's). */
  promoteRateLimitMBps?: number;
  /** Precision mode: promote to the last accessing node, not node 0 (default false). */
  precision?: boolean;
  /** Recording one access in the fault path (ns, default 50). */
  recordNs?: number;
}

export interface PghotStats {
  recorded: number;
  /** Frames marked ready (hot). */
  markedReady: number;
  promotions: number;
  /** Ready frames that kmigrated found unmapped, already fast, or could not move (target full). */
  skipped: number;
  /** Ready frames left for a later wake because the second's budget was spent. */
  rateLimited: number;
  kmigratedNs: number;
}

export class Pghot implements Agent, HotnessSink {
  readonly stats: PghotStats = {
    recorded: 0,
    markedReady: 0,
    promotions: 0,
    skipped: 0,
    rateLimited: 0,
    kmigratedNs: 0,
  };
  /** kmigrated's account: a kernel thread of its own (no application CPU stolen). */
  readonly acct = new CostAccount("kmigrated");
  private freq = new Uint8Array(0);
  private lastNs = new Float64Array(0);
  private lastNid = new Int8Array(0);
  private ready = new Uint8Array(0);
  /** Ready frames per slow node, in the order they became hot. */
  private readonly queue: number[][];
  private readonly windowNs: number;
  private readonly intervalNs: number;
  private readonly hotThreshold: number;
  private readonly batch: number;
  private readonly limitPages: number;
  private readonly precision: boolean;
  private readonly recordNs: number;
  private nextWakeAt = 0;
  private budgetStart = -Infinity;
  private readonly budgetUsed: number[];

  constructor(
    readonly machine: Machine,
    opts: PghotOptions = {},
  ) {
    const num = (v: number | undefined, d: number, what: string, min = 0): number => {
      const x = v ?? d;
      if (!(Number.isFinite(x) && x >= min))
        throw new RangeError(`pghot: ${what} must be ≥ ${min}, got ${x}`);
      return x;
    };
    this.hotThreshold = Math.min(MAX_FREQ, num(opts.hotThreshold, 2, "hotThreshold", 1));
    this.windowNs = num(opts.windowMs, 4000, "windowMs", 1) * MS;
    this.intervalNs = num(opts.kmigratedIntervalMs, 100, "kmigratedIntervalMs", 1) * MS;
    this.batch = Math.floor(num(opts.batchPages, 512, "batchPages", 1));
    this.limitPages = Math.floor(
      (num(opts.promoteRateLimitMBps, 65536, "promoteRateLimitMBps") * MiB) / PAGE_SIZE,
    );
    this.precision = opts.precision ?? false;
    this.recordNs = num(opts.recordNs, 50, "recordNs");
    this.queue = Array.from({ length: machine.nrNodes }, () => []);
    this.budgetUsed = new Array<number>(machine.nrNodes).fill(0);
  }

  /** pghot_record_access from a hint fault: count it in the window; mark the frame ready at the threshold. */
  recordAccess(f: HintFault): number {
    const pfn = f.paddr / PAGE_SIZE;
    this.ensure(pfn);
    this.stats.recorded++;
    const fresh = f.timeNs - this.lastNs[pfn] > this.windowNs;
    this.freq[pfn] = fresh ? 1 : Math.min(MAX_FREQ, this.freq[pfn] + 1);
    this.lastNs[pfn] = f.timeNs;
    this.lastNid[pfn] = f.cpuNode;
    if (this.freq[pfn] >= this.hotThreshold && !this.ready[pfn]) {
      this.ready[pfn] = 1;
      this.queue[f.pageNode].push(pfn);
      this.stats.markedReady++;
    }
    return this.recordNs;
  }

  nextWakeNs(): number {
    return this.nextWakeAt;
  }

  /** kmigrated: per slow node, promote ready frames in one batch within the second's budget. */
  wake(nowNs: number): void {
    const m = this.machine;
    const before = this.acct.ns;
    if (nowNs - this.budgetStart >= 1e9) {
      this.budgetStart = nowNs;
      this.budgetUsed.fill(0);
    }
    for (let node = 0; node < this.queue.length; node++) {
      const q = this.queue[node];
      let done = 0;
      while (q.length > 0 && done < this.batch) {
        const pfn = q[0];
        const target = this.precision ? Math.max(0, this.lastNid[pfn]) : 0;
        if (this.budgetUsed[target] >= this.limitPages) {
          this.stats.rateLimited += q.length;
          break;
        }
        q.shift();
        this.ready[pfn] = 0;
        this.freq[pfn] = 0;
        done++;
        const map = m.frames.node[pfn] === node ? m.rmapOf(pfn, this.acct) : null;
        if (map === null || target === node || !m.migratePage(map.pid, map.vaddr, target, this.acct)) {
          this.stats.skipped++;
          continue;
        }
        this.budgetUsed[target]++;
        this.stats.promotions++;
      }
    }
    this.stats.kmigratedNs += this.acct.ns - before;
    this.nextWakeAt = nowNs + this.intervalNs;
  }

  private ensure(pfn: number): void {
    if (pfn < this.freq.length) return;
    const n = Math.max(pfn + 1, this.freq.length * 2, 1024);
    const grow = <T extends Uint8Array | Float64Array | Int8Array>(
      a: T,
      make: (n: number) => T,
      fill: number,
    ): T => {
      const b = make(n);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.freq = grow(this.freq, (k) => new Uint8Array(k), 0);
    this.ready = grow(this.ready, (k) => new Uint8Array(k), 0);
    this.lastNs = grow(this.lastNs, (k) => new Float64Array(k), -Infinity);
    this.lastNid = grow(this.lastNid, (k) => new Int8Array(k), -1);
  }
}
