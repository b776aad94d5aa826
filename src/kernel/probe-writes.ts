/**
 * Sysfs writes for data-attribute probes and sample control (docs/probes.md), as
 * data for the write plan. Files the running kernel may lack carry `needs`: the
 * backend finds out by reading (does the file exist?) before writing, skips
 * default values, and refuses a non-default value naming the kernel that added
 * the file: probes before anything of them is written, weights before the
 * probe's filters (only `nr_probes`, which makes the probe directories, is written
 * by then).
 *
 * Layout (damo 3.3's writer, newest kernels): `monitoring_attrs/probes/nr_probes`,
 * `probes/<i>/filters/nr_filters`, `filters/<j>/{type,matching,allow,path,min,max}`,
 * `probes/<i>/weight` (7.3); `monitoring_attrs/sample/primitives/{page_table,
 * page_fault}` and `sample/filters/<j>/{type,matching,allow,cpumask,tid_arr}`.
 */
import type { ContextConfig } from "../config/kdamonds-types.js";
import { ConfigError } from "../util/errors.js";
import type { SysfsWrite } from "./write-plan.js";

/** Kernel features, as the refusal names them. */
export const PROBES_FEATURE = "Linux 7.2+ data-attribute probes (monitoring_attrs/probes)";
export const PROBE_WEIGHTS_FEATURE = "Linux 7.3+ probe weights (data-attributes-only monitoring)";
export const PROBE_HITS_WSUM_FEATURE = "the probe_hits_wsum DAMOS filter (newest mm tree, after Linux 7.3)";
export const SAMPLE_CONTROL_FEATURE =
  "sample primitives and sample filters (monitoring_attrs/sample; RFC v3 of December 2025, not in a released kernel)";

const bool = (b: boolean) => (b ? "Y" : "N");

/** The probe writes of one context directory (`.../contexts/<ci>`). */
export function probeWrites(dir: string, c: ContextConfig): SysfsWrite[] {
  const base = `${dir}/monitoring_attrs/probes`;
  const none = c.probes.length === 0;
  const out: SysfsWrite[] = [
    {
      path: `${base}/nr_probes`,
      value: String(c.probes.length),
      needs: PROBES_FEATURE,
      ...(none ? { ifPresent: true } : {}),
    },
  ];
  c.probes.forEach((p, i) => {
    if (p.preps.length > 0)
      throw new ConfigError(
        `probe ${i}: preps are simulator-only in damon-ts (the kernel's prep files are not confirmed; docs/probes.md); remove them to run on a kernel`,
      );
    const pd = `${base}/${i}`;
    // The weight goes first: a kernel without the file is refused before the probe's filters are written.
    out.push({
      path: `${pd}/weight`,
      value: String(p.weight),
      needs: PROBE_WEIGHTS_FEATURE,
      ...(p.weight === 0 ? { ifPresent: true } : {}),
    });
    out.push({ path: `${pd}/filters/nr_filters`, value: String(p.filters.length) });
    p.filters.forEach((f, j) => {
      const fd = `${pd}/filters/${j}`;
      out.push({ path: `${fd}/type`, value: f.type });
      out.push({ path: `${fd}/matching`, value: bool(f.matching) });
      out.push({ path: `${fd}/allow`, value: bool(f.allow) });
      if (f.type === "memcg") out.push({ path: `${fd}/path`, value: f.memcgPath ?? "/" });
      if (f.type === "hugepage_size") {
        out.push({ path: `${fd}/min`, value: String(f.minSz ?? 0) });
        out.push({ path: `${fd}/max`, value: String(f.maxSz ?? 0) });
      }
    });
  });
  return out;
}

/** The sample-control writes of one context directory: primitives, then sample filters. */
export function sampleControlWrites(dir: string, c: ContextConfig): SysfsWrite[] {
  const sc = c.sampleControl;
  const base = `${dir}/monitoring_attrs/sample`;
  const pe = sc.primitivesEnabled;
  const primitivesDefault = pe.pageTable && !pe.pageFault;
  const filtersDefault = sc.sampleFilters.length === 0;
  const need = (isDefault: boolean) => ({
    needs: SAMPLE_CONTROL_FEATURE,
    ...(isDefault ? { ifPresent: true } : {}),
  });
  const out: SysfsWrite[] = [
    { path: `${base}/primitives/page_table`, value: bool(pe.pageTable), ...need(primitivesDefault) },
    { path: `${base}/primitives/page_fault`, value: bool(pe.pageFault), ...need(primitivesDefault) },
    { path: `${base}/filters/nr_filters`, value: String(sc.sampleFilters.length), ...need(filtersDefault) },
  ];
  sc.sampleFilters.forEach((f, j) => {
    const fd = `${base}/filters/${j}`;
    out.push({ path: `${fd}/type`, value: f.type });
    out.push({ path: `${fd}/matching`, value: bool(f.matching) });
    out.push({ path: `${fd}/allow`, value: bool(f.allow) });
    if (f.type === "cpumask") out.push({ path: `${fd}/cpumask`, value: f.cpumask ?? "" });
    if (f.type === "threads") out.push({ path: `${fd}/tid_arr`, value: (f.tidArr ?? []).join(",") });
  });
  return out;
}
