/**
 * A fake DAMON sysfs tree in a temporary directory, for the backend's unit tests:
 * writing `nr_X` recreates numbered child directories with default files, `state`
 * commands turn kdamonds on/off and fill stats/tried regions, and invalid writes fail
 * with the errno the kernel would return. It behaves like the kernel only for the
 * operations the backend uses; it is not a DAMON.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { SysfsIo } from "../../src/kernel/sysfs-io.js";
import { DAMOS_ACTIONS, QUOTA_GOAL_METRICS } from "../../src/schemes/types.js";
import { tempDir } from "../helpers/temp.js";

/** 6.12 (the guest), 7.2 (probes, no probe weights), newest (weights, the probe_hits_wsum DAMOS filter, and the sample-control RFC). */
export type FakeKernel = "6.12" | "7.2" | "newest";

function errno(code: string, path: string): Error {
  const e = new Error(`${code}: ${path}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

type Tree = { [name: string]: string | Tree };

export class FakeSysfs implements SysfsIo {
  readonly root: string;
  /** Every write the backend made, in order (relative path = value). */
  readonly log: string[] = [];
  private readonly newest: boolean;
  private readonly kernel: FakeKernel;
  constructor(kernel: FakeKernel = "newest", base?: string) {
    const top = base ?? tempDir("fake-damon-sysfs-");
    this.root = join(top, "admin");
    this.kernel = kernel;
    this.newest = kernel !== "6.12";
    this.make(this.root, { kdamonds: { nr_kdamonds: "0" } });
  }
  private make(dir: string, tree: Tree): void {
    mkdirSync(dir, { recursive: true });
    for (const [name, v] of Object.entries(tree)) {
      if (typeof v === "string") writeFileSync(join(dir, name), `${v}\n`);
      else this.make(join(dir, name), v);
    }
  }
  private child(kind: string, dir = ""): Tree {
    const nw = this.newest;
    const latest = this.kernel === "newest";
    const opt = (t: Tree): Tree => (nw ? t : {});
    switch (kind) {
      case "kdamonds":
        return { state: "off", pid: "-1", ...opt({ refresh_ms: "0" }), contexts: { nr_contexts: "0" } };
      case "contexts":
        return {
          avail_operations: "vaddr\nfvaddr\npaddr",
          operations: "vaddr",
          ...opt({ addr_unit: "1", pause: "N" }),
          monitoring_attrs: {
            intervals: {
              sample_us: "5000",
              aggr_us: "100000",
              update_us: "60000000",
              ...opt({
                intervals_goal: { access_bp: "0", aggrs: "0", min_sample_us: "0", max_sample_us: "0" },
              }),
            },
            nr_regions: { min: "10", max: "1000" },
            ...opt({ probes: { nr_probes: "0" } }),
            ...(latest
              ? { sample: { primitives: { page_table: "Y", page_fault: "N" }, filters: { nr_filters: "0" } } }
              : {}),
          },
          targets: { nr_targets: "0" },
          schemes: { nr_schemes: "0" },
        };
      case "targets":
        return { pid_target: "0", ...opt({ obsolete_target: "N" }), regions: { nr_regions: "0" } };
      case "regions":
        return { start: "0", end: "0" };
      case "schemes":
        return {
          action: "stat",
          target_nid: "-1",
          apply_interval_us: "0",
          access_pattern: {
            sz: { min: "0", max: "0" },
            nr_accesses: { min: "0", max: "0" },
            age: { min: "0", max: "0" },
          },
          quotas: {
            ms: "0",
            bytes: "0",
            reset_interval_ms: "0",
            effective_bytes: "0",
            ...opt({ goal_tuner: "consist", fail_charge_num: "0", fail_charge_denom: "0" }),
            weights: { sz_permil: "0", nr_accesses_permil: "0", age_permil: "0" },
            goals: { nr_goals: "0" },
          },
          watermarks: { metric: "none", interval_us: "0", high: "0", mid: "0", low: "0" },
          filters: { nr_filters: "0" },
          ...opt({ dests: { nr_dests: "0" } }),
          stats: {
            nr_tried: "0",
            sz_tried: "0",
            nr_applied: "0",
            sz_applied: "0",
            sz_ops_filter_passed: "0",
            qt_exceeds: "0",
          },
          tried_regions: { total_bytes: "0" },
        };
      case "goals":
        return {
          target_metric: "user_input",
          target_value: "0",
          current_value: "0",
          ...opt({ nid: "0", path: "" }),
        };
      case "probes":
        return { ...(latest ? { weight: "0" } : {}), filters: { nr_filters: "0" } };
      case "filters":
        if (dir.includes("/monitoring_attrs/probes/"))
          return { type: "anon", matching: "N", allow: "N", path: "", min: "0", max: "0" };
        if (dir.includes("/monitoring_attrs/sample/"))
          return { type: "cpumask", matching: "N", allow: "N", cpumask: "", tid_arr: "" };
        return {
          type: "anon",
          matching: "N",
          ...opt({ allow: "N" }),
          memcg_path: "",
          addr_start: "0",
          addr_end: "0",
          damon_target_idx: "0",
          min: "0",
          max: "0",
        };
      case "dests":
        return { id: "0", weight: "0" };
      default:
        throw new Error(`fake sysfs: no child kind ${kind}`);
    }
  }
  // ---- SysfsIo
  read(path: string): string {
    this.guard(path);
    return readFileSync(path, "utf8").replace(/\n$/, "");
  }
  exists(path: string): boolean {
    this.guard(path);
    return existsSync(path);
  }
  list(path: string): string[] {
    this.guard(path);
    return existsSync(path) ? readdirSync(path) : [];
  }
  write(path: string, value: string): void {
    this.guard(path);
    if (!existsSync(path)) throw errno("ENOENT", path);
    this.log.push(`${path.slice(this.root.length + 1)}=${value}`);
    const name = basename(path);
    const dir = dirname(path);
    if (name === "state") return this.state(dir, value);
    if (
      ["pid", "avail_operations", "effective_bytes", "total_bytes"].includes(name) ||
      dir.endsWith("/stats")
    )
      throw errno("EACCES", path);
    if (
      [
        "nr_kdamonds",
        "nr_contexts",
        "nr_targets",
        "nr_regions",
        "nr_schemes",
        "nr_goals",
        "nr_filters",
        "nr_dests",
        "nr_probes",
      ].includes(name)
    ) {
      if (!/^[0-9]+$/.test(value)) throw errno("EINVAL", path);
      if (name === "nr_kdamonds" && this.kdamondDirs().some((d) => this.get(d, "state") === "on"))
        throw errno("EBUSY", path);
      if (name === "nr_contexts" && Number(value) > 1) throw errno("EINVAL", path);
      for (const e of readdirSync(dir)) if (/^[0-9]+$/.test(e)) rmSync(join(dir, e), { recursive: true });
      for (let i = 0; i < Number(value); i++) this.make(join(dir, String(i)), this.child(basename(dir), dir));
    } else this.checkValue(path, name, value);
    writeFileSync(path, `${value}\n`);
  }
  private guard(path: string): void {
    // The fake must never be pointed at a real sysfs.
    if (!path.startsWith(this.root) || path.startsWith("/sys"))
      throw new Error(`fake sysfs: ${path} is outside ${this.root}`);
  }
  private checkValue(path: string, name: string, value: string): void {
    const keyword: Record<string, string[]> = {
      operations: ["vaddr", "fvaddr", "paddr"],
      action: [...DAMOS_ACTIONS],
      target_metric: [...QUOTA_GOAL_METRICS],
      goal_tuner: ["consist", "temporal"],
      type: [
        "anon",
        "active",
        "memcg",
        "young",
        "hugepage_size",
        "unmapped",
        "addr",
        "target",
        "cpumask",
        "threads",
        "write",
        // the DAMOS core filter of the newest mm tree; older kernels reject the keyword
        ...(this.kernel === "newest" ? ["probe_hits_wsum"] : []),
      ],
    };
    if (name === "metric") keyword.metric = ["none", "free_mem_rate"];
    if (keyword[name]) {
      if (!keyword[name].includes(value)) throw errno("EINVAL", path);
      return;
    }
    if (["matching", "allow", "pause", "obsolete_target", "page_table", "page_fault"].includes(name)) {
      if (!/^(Y|N|1|0|y|n|on|off)$/.test(value)) throw errno("EINVAL", path);
      return;
    }
    if (name === "memcg_path" || name === "path" || name === "cpumask") return;
    if (name === "tid_arr") {
      if (!/^[0-9]+(,[0-9]+)*$/.test(value)) throw errno("EINVAL", path);
      return;
    }
    if (!/^-?[0-9]+$/.test(value)) throw errno("EINVAL", path);
    if (!value.startsWith("-") && BigInt(value) > 18446744073709551615n) throw errno("EINVAL", path);
  }
  private get(dir: string, rel: string): string {
    return readFileSync(join(dir, rel), "utf8").replace(/\n$/, "");
  }
  private num(dir: string, rel: string): number {
    return Number(this.get(dir, rel));
  }
  private set(dir: string, rel: string, v: string | number): void {
    writeFileSync(join(dir, rel), `${v}\n`);
  }
  private numbered(dir: string): string[] {
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((e) => /^[0-9]+$/.test(e))
          .sort((a, b) => Number(a) - Number(b))
          .map((e) => join(dir, e))
      : [];
  }
  private kdamondDirs(): string[] {
    return this.numbered(join(this.root, "kdamonds"));
  }
  private validate(kd: string): boolean {
    for (const c of this.numbered(join(kd, "contexts"))) {
      const iv = join(c, "monitoring_attrs/intervals");
      if (this.num(iv, "sample_us") > this.num(iv, "aggr_us")) return false;
      const nr = join(c, "monitoring_attrs/nr_regions");
      if (this.num(nr, "min") < 3 || this.num(nr, "min") > this.num(nr, "max")) return false;
      for (const s of this.numbered(join(c, "schemes")))
        for (const g of this.numbered(join(s, "quotas/goals")))
          if (this.get(g, "target_value") === "0") return false;
    }
    return true;
  }
  private state(kd: string, cmd: string): void {
    const on = this.get(kd, "state") === "on";
    const path = join(kd, "state");
    switch (cmd) {
      case "on":
        if (on) throw errno("EBUSY", path);
        if (!this.validate(kd)) throw errno("EINVAL", path);
        this.set(kd, "state", "on");
        this.set(kd, "pid", 4000 + Number(basename(kd)));
        return;
      case "off":
        if (!on) throw errno("EINVAL", path);
        this.set(kd, "state", "off");
        this.set(kd, "pid", -1);
        return;
      case "commit":
      case "commit_schemes_quota_goals":
        if (!on) throw errno("EINVAL", path);
        if (!this.validate(kd)) throw errno("EINVAL", path);
        return;
      case "update_schemes_stats":
      case "update_schemes_tried_regions":
      case "update_schemes_tried_bytes":
      case "clear_schemes_tried_regions":
      case "update_schemes_effective_quotas":
      case "update_tuned_intervals":
        if (!on) throw errno("EINVAL", path);
        this.fill(kd, cmd);
        return;
      default:
        throw errno("EINVAL", path);
    }
  }
  /** The regions this fake "monitors": each target's regions split in two, with made-up but fixed counts. */
  private regions(ctx: string): { start: number; end: number; nrAccesses: number; age: number }[] {
    const out: { start: number; end: number; nrAccesses: number; age: number }[] = [];
    for (const t of this.numbered(join(ctx, "targets"))) {
      let rs = this.numbered(join(t, "regions")).map((r) => [this.num(r, "start"), this.num(r, "end")]);
      if (rs.length === 0) rs = [[0x10000, 0x10000 + 64 * 4096]];
      for (const [s, e] of rs) {
        const mid = s + Math.floor((e - s) / 2 / 4096) * 4096;
        out.push({ start: s, end: mid, nrAccesses: out.length * 5, age: out.length });
        out.push({ start: mid, end: e, nrAccesses: out.length * 5, age: out.length });
      }
    }
    return out;
  }
  /** Tried regions of a context with probes carry `probes/<k>/hits` (made-up counts: region·3 + probe). */
  private probeHitsTree(ctx: string, region: number): Tree {
    const pdir = join(ctx, "monitoring_attrs/probes");
    if (!existsSync(join(pdir, "nr_probes"))) return {};
    const n = this.num(pdir, "nr_probes");
    if (n === 0) return {};
    const probes: Tree = {};
    for (let k = 0; k < n; k++) probes[String(k)] = { hits: String(region * 3 + k) };
    return { probes };
  }
  private fill(kd: string, cmd: string): void {
    for (const c of this.numbered(join(kd, "contexts"))) {
      const regions = this.regions(c);
      for (const s of this.numbered(join(c, "schemes"))) {
        const ap = join(s, "access_pattern");
        const inRange = (v: number, dir: string) =>
          v >= this.num(ap, `${dir}/min`) && v <= this.num(ap, `${dir}/max`);
        const matched = regions.filter(
          (r) =>
            inRange(r.end - r.start, "sz") && inRange(r.nrAccesses, "nr_accesses") && inRange(r.age, "age"),
        );
        const tried = join(s, "tried_regions");
        if (cmd === "update_schemes_stats") {
          const st = join(s, "stats");
          this.set(st, "nr_tried", this.num(st, "nr_tried") + matched.length);
          this.set(
            st,
            "sz_tried",
            this.num(st, "sz_tried") + matched.reduce((a, r) => a + r.end - r.start, 0),
          );
        } else if (cmd === "update_schemes_tried_regions" || cmd === "clear_schemes_tried_regions") {
          for (const d of this.numbered(tried)) rmSync(d, { recursive: true });
          if (cmd === "update_schemes_tried_regions")
            matched.forEach((r, i) =>
              this.make(join(tried, String(i)), {
                start: String(r.start),
                end: String(r.end),
                nr_accesses: String(r.nrAccesses),
                age: String(r.age),
                sz_filter_passed: "0",
                ...this.probeHitsTree(c, i),
              }),
            );
          this.set(
            tried,
            "total_bytes",
            cmd === "update_schemes_tried_regions" ? matched.reduce((a, r) => a + r.end - r.start, 0) : 0,
          );
        } else if (cmd === "update_schemes_effective_quotas") {
          this.set(join(s, "quotas"), "effective_bytes", this.get(join(s, "quotas"), "bytes"));
        }
      }
    }
  }
}
