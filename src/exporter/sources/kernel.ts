/**
 * The kdamonds damon-ts started through its kernel backend (`damon-ts kernel
 * start`), read from the DAMON sysfs tree without writing anything: intervals,
 * each scheme's stats and effective quota, and the regions of the first scheme
 * that has tried regions. The kernel refreshes those files only when asked
 * (`update_schemes_stats`, `update_schemes_tried_regions`, ... — `damon-ts kernel
 * status/record` do); the exporter shows what they hold. Kdamonds damon-ts did not
 * create (such as the machine's own DAMON) are not read at all.
 */
import { KernelBackend } from "../../kernel/backend.js";
import { defaultOwnershipFile, readKdamondStates, readOwnership } from "../../kernel/ownership.js";
import { fsSysfsIo, type SysfsIo } from "../../kernel/sysfs-io.js";
import { bandwidthBytesPerSec, idleQuantiles } from "../quantiles.js";
import type { ContextReading, Reading, ReadingSource, SchemeReading } from "../reading.js";

/** The file operations of a reader: any write is a bug and throws before touching anything. */
export function readOnlyIo(base: SysfsIo = fsSysfsIo): SysfsIo {
  return {
    read: (p) => base.read(p),
    exists: (p) => base.exists(p),
    list: (p) => base.list(p),
    write: (p) => {
      throw new Error(`the exporter never writes to the kernel (refused a write to ${p})`);
    },
  };
}

export class KernelSource implements ReadingSource {
  readonly name = "kernel";
  private readonly io: SysfsIo;
  private readonly backend: KernelBackend;
  private readonly ownershipFile: string;

  constructor(
    readonly root: string,
    opts: { io?: SysfsIo; ownershipFile?: string } = {},
  ) {
    this.io = readOnlyIo(opts.io);
    this.ownershipFile = opts.ownershipFile ?? defaultOwnershipFile(root);
    this.backend = new KernelBackend({ root, io: this.io, ownershipFile: this.ownershipFile });
    if (!this.backend.hasTree())
      throw new Error(
        `DAMON sysfs not found at ${root}: the kernel lacks CONFIG_DAMON_SYSFS, sysfs is not mounted, or --sysfs-root is wrong`,
      );
  }

  private num(rel: string): number | null {
    const f = `${this.root}/${rel}`;
    if (!this.io.exists(f)) return null;
    const v = Number(this.io.read(f));
    return Number.isFinite(v) ? v : null;
  }

  /** Indexes of the kdamonds damon-ts created (per its ownership record) that still run as it left them. */
  ours(): number[] {
    const record = readOwnership(this.ownershipFile);
    if (!record || record.root !== this.root) return [];
    const states = readKdamondStates(this.io, this.root);
    if (states.length !== record.nrKdamonds) return [];
    return states.filter((s) => s.state !== "on" || s.pid === record.pids[s.idx]).map((s) => s.idx);
  }

  read(): Reading {
    const contexts: ContextReading[] = [];
    for (const k of this.ours()) {
      const nrCtx = this.num(`kdamonds/${k}/contexts/nr_contexts`) ?? 0;
      for (let c = 0; c < nrCtx; c++) contexts.push(this.context(k, c));
    }
    return { running: null, contexts };
  }

  private context(k: number, c: number): ContextReading {
    const dir = `kdamonds/${k}/contexts/${c}`;
    const iv = `${dir}/monitoring_attrs/intervals`;
    const aggrUs = this.num(`${iv}/aggr_us`);
    const nrSchemes = this.num(`${dir}/schemes/nr_schemes`) ?? 0;
    const schemes: SchemeReading[] = [];
    let regions: ReturnType<KernelBackend["readTriedRegions"]> = [];
    for (let s = 0; s < nrSchemes; s++) {
      const st = this.backend.readSchemeStats(k, c, s);
      schemes.push({
        scheme: String(s),
        action: this.io.read(`${this.root}/${dir}/schemes/${s}/action`),
        ...st,
        effectiveQuotaBytes: this.num(`${dir}/schemes/${s}/quotas/effective_bytes`) || null,
      });
      if (regions.length === 0) regions = this.backend.readTriedRegions(k, c, s);
    }
    let wss = 0;
    for (const r of regions) if (r.nrAccesses > 0) wss += r.end - r.start;
    return {
      kdamond: String(k),
      context: String(c),
      sampleUs: this.num(`${iv}/sample_us`),
      aggrUs,
      snapshots: null,
      bandwidthBytesPerSec: aggrUs && regions.length > 0 ? bandwidthBytesPerSec(regions, aggrUs) : null,
      idleSeconds: aggrUs ? idleQuantiles(regions, aggrUs) : [],
      reportsReceived: null,
      reportRingDrops: null,
      // Tried regions do not say which target they belong to: one series for all of them.
      targets:
        regions.length > 0
          ? [{ target: "all", nrRegions: regions.length, wssBytes: wss, wssQuantiles: [] }]
          : [],
      schemes,
    };
  }
}
