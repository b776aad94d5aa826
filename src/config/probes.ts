/**
 * Data-attribute probes in configurations (docs/probes.md): the kdamonds file's
 * `probes` list as damo 3.3 writes it, and the compact command-line form of
 * `damon-ts run --probe`.
 *
 * Compact form: comma-separated items. A filter item is
 * `[allow |reject ][!]TYPE[=ARG]` (allow by default; `!` = the page does not have
 * the property); TYPE is anon, active, young, unmapped, memcg=PATH or
 * hugepage_size=MIN-MAX. `weight=N` weights the probe (any weight makes the
 * context data-attributes only); `prep=mkold` adds a prep. Examples: `anon`,
 * `memcg=/a`, `!anon,weight=1`, `reject !anon,memcg=/a` (anon pages of /a).
 */
import { DAMON_MAX_PROBES, PREP_ACTIONS, PROBE_FILTER_TYPES } from "../core/probe.js";
import type { PrepAction, Probe, ProbeFilter, ProbeFilterType } from "../core/probe.js";
import { formatSize, readSize } from "./human-format.js";
import type { RawProbe } from "./kdamonds-schema.js";
import { UsageError } from "../util/errors.js";

/** Typed probes of a parsed kdamonds context. */
export function probesFromRaw(raw: readonly RawProbe[]): Probe[] {
  return raw.map((p) => ({
    filters: p.filters.map((f) => {
      const out: ProbeFilter = { type: f.filter_type, matching: f.matching ?? true, allow: f.allow ?? true };
      if (f.filter_type === "memcg") out.memcgPath = f.path ?? "/";
      if (f.filter_type === "hugepage_size") {
        out.minSz = f.min ?? 0;
        out.maxSz = f.max ?? 0;
      }
      return out;
    }),
    weight: p.weight ?? 0,
    preps: p.preps ?? [],
  }));
}

/**
 * damo 3.3's key order (`filters`: filter_type, matching, allow, path); `min`/`max`
 * only for hugepage_size, `weight`/`preps` only when set, so damo-made files
 * round-trip unchanged.
 */
export function probesOut(probes: readonly Probe[]): Record<string, unknown>[] {
  return probes.map((p) => {
    const o: Record<string, unknown> = {
      filters: p.filters.map((f) => {
        const fo: Record<string, unknown> = {
          filter_type: f.type,
          matching: f.matching,
          allow: f.allow,
          path: f.type === "memcg" ? (f.memcgPath ?? "/") : null,
        };
        if (f.type === "hugepage_size") {
          fo.min = formatSize(f.minSz ?? 0);
          fo.max = formatSize(f.maxSz ?? 0);
        }
        return fo;
      }),
    };
    if (p.weight !== 0) o.weight = p.weight;
    if (p.preps.length > 0) o.preps = [...p.preps];
    return o;
  });
}

function isFilterType(t: string): t is ProbeFilterType {
  return (PROBE_FILTER_TYPES as readonly string[]).includes(t);
}

/** One compact-form probe (see the module comment); throws UsageError naming `where`. */
export function parseProbeSpec(text: string, where = "--probe"): Probe {
  const probe: Probe = { filters: [], preps: [], weight: 0 };
  const items = text.split(",").map((s) => s.trim());
  if (items.every((s) => s === "")) throw new UsageError("empty probe: give a filter such as 'anon'", where);
  for (const item of items) {
    if (item === "") throw new UsageError(`empty item in '${text}'`, where);
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    const arg = eq < 0 ? null : item.slice(eq + 1);
    if (key === "weight") {
      if (arg === null || !/^\d+$/.test(arg))
        throw new UsageError(`weight must be an integer, got '${item}'`, where);
      probe.weight = Number(arg);
      continue;
    }
    if (key === "prep") {
      if (!(PREP_ACTIONS as readonly string[]).includes(arg ?? ""))
        throw new UsageError(`unknown prep '${arg ?? ""}' (known: ${PREP_ACTIONS.join(", ")})`, where);
      probe.preps.push(arg as PrepAction);
      continue;
    }
    probe.filters.push(parseFilterItem(key, arg, item, where));
  }
  return probe;
}

function parseFilterItem(key: string, arg: string | null, item: string, where: string): ProbeFilter {
  let k = key;
  let allow = true;
  const word = /^(allow|reject)\s+/.exec(k);
  if (word) {
    allow = word[1] === "allow";
    k = k.slice(word[0].length);
  }
  const matching = !k.startsWith("!");
  if (!matching) k = k.slice(1);
  if (!isFilterType(k))
    throw new UsageError(
      `unknown probe filter '${k}' in '${item}' (known: ${PROBE_FILTER_TYPES.join(", ")})`,
      where,
    );
  const f: ProbeFilter = { type: k, matching, allow };
  if (k === "memcg") {
    if (!arg || !arg.startsWith("/"))
      throw new UsageError(`memcg needs a cgroup path: 'memcg=/a', got '${item}'`, where);
    f.memcgPath = arg;
  } else if (k === "hugepage_size") {
    const m = arg === null ? null : /^([^-]+)-([^-]+)$/.exec(arg);
    if (!m)
      throw new UsageError(
        `hugepage_size needs MIN-MAX, e.g. 'hugepage_size=2MiB-2MiB', got '${item}'`,
        where,
      );
    try {
      f.minSz = readSize(m[1]);
      f.maxSz = readSize(m[2]);
    } catch (e) {
      throw new UsageError(`${(e as Error).message} in '${item}'`, where);
    }
    if (f.maxSz < f.minSz) throw new UsageError(`hugepage_size max is below min in '${item}'`, where);
  } else if (arg !== null) throw new UsageError(`'${k}' takes no argument, got '${item}'`, where);
  return f;
}

/** Compact-form probes from repeated options; at most DAMON_MAX_PROBES. */
export function parseProbeSpecs(texts: readonly string[], where = "--probe"): Probe[] {
  if (texts.length > DAMON_MAX_PROBES)
    throw new UsageError(`${texts.length} probes given; DAMON takes at most ${DAMON_MAX_PROBES}`, where);
  return texts.map((t) => parseProbeSpec(t, where));
}

/** The compact form of a probe (what `parseProbeSpec` reads back). */
export function probeSpecText(p: Probe): string {
  const items = p.filters.map((f) => {
    let s = (f.allow ? "" : "reject ") + (f.matching ? "" : "!") + f.type;
    if (f.type === "memcg") s += `=${f.memcgPath ?? "/"}`;
    if (f.type === "hugepage_size") s += `=${f.minSz ?? 0}-${f.maxSz ?? 0}`;
    return s;
  });
  if (p.weight !== 0) items.push(`weight=${p.weight}`);
  for (const a of p.preps) items.push(`prep=${a}`);
  return items.join(",");
}
