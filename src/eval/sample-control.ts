/**
 * A kdamonds context's sample control (damo 3.3's `sample_control`) for simulated
 * runs: the enabled primitive picks the access check — page_table: the
 * Accessed-bit sets (vaddr, paddr), page_fault: the fault-based ones
 * (vaddr-fault, paddr-fault) — and the sample filters (CPU mask, thread ids,
 * write) become the core's sample filters, which act on fault reports.
 */
import type { SampleControlConfig } from "../config/kdamonds-types.js";
import type { SampleFilter } from "../core/sample-filter.js";
import { ConfigError } from "../util/errors.js";

/** A kernel cpulist ("0-3,5") as CPU numbers; throws ConfigError naming `where`. */
export function parseCpuList(text: string, where: string): number[] {
  const cpus: number[] = [];
  for (const part of text.split(",").map((s) => s.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ConfigError(`'${text}' is not a CPU list (like 0-3,5)`, where);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new ConfigError(`CPU range '${part}' runs backwards`, where);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/** The core sample filters of a sample control (first match decides, as the kernel's). */
export function sampleFiltersOf(sc: SampleControlConfig, where: string): SampleFilter[] {
  return sc.sampleFilters.map((f, i) => {
    const w = `${where}.sample_filters[${i}]`;
    const base = { matching: f.matching, allow: f.allow };
    if (f.type === "cpumask")
      return { type: "cpumask", cpus: parseCpuList(f.cpumask ?? "", `${w}.cpumask`), ...base };
    if (f.type === "threads") return { type: "threads", tids: f.tidArr ?? [], ...base };
    return { type: "write", ...base };
  });
}

/** The operation set the enabled primitive selects for an address space ("vaddr" or "paddr"). */
export function opsForPrimitives(space: "vaddr" | "paddr", sc: SampleControlConfig, where: string): string {
  const { pageTable, pageFault } = sc.primitivesEnabled;
  if (pageTable && pageFault)
    throw new ConfigError(
      "page_table and page_fault are both enabled: a simulated context runs one access check; enable one",
      `${where}.primitives_enabled`,
    );
  if (!pageTable && !pageFault)
    throw new ConfigError("no sampling primitive is enabled", `${where}.primitives_enabled`);
  return pageFault ? `${space}-fault` : space;
}
