/**
 * Record overview and heatmap guide (damo's record_info / `heatmap --guide`):
 * per target, the time span and the contiguous address ranges, found by
 * intersecting the gaps between regions across all snapshots (formats.md §1.3).
 */
import type { DamonRecord } from "../record/model.js";
import { formatSz, formatSzAccurate, formatTimeNs } from "../record/damo-fmt.js";
import { rjust } from "../record/pyfmt.js";

export interface GuideRange {
  start: number;
  end: number;
  /** Σ size × samples of regions touching the range; null when never accessed. */
  heats: number | null;
}

export interface Guide {
  kdamondIdx: number | null;
  contextIdx: number | null;
  schemeIdx: number | null;
  targetId: string | null;
  startNs: number;
  endNs: number;
  ranges: GuideRange[];
}

export function heatPerByte(r: GuideRange): number {
  return r.heats === null ? 0 : r.heats / (r.end - r.start);
}

function guideId(r: DamonRecord): string {
  return `${r.kdamondIdx} ${r.contextIdx} ${r.schemeIdx} ${r.targetId}`;
}

type Gap = [number, number];

/** damo's overlapping_regions, including its quirk of keeping unmatched gaps. */
function intersectGaps(a: Gap[], b: Gap[]): Gap[] {
  const out: Gap[] = [];
  for (let r1 of a) {
    for (const r2 of b)
      if (!(r1[1] < r2[0] || r2[1] < r1[0])) r1 = [Math.max(r1[0], r2[0]), Math.min(r1[1], r2[1])];
    out.push(r1);
  }
  return out;
}

export function guides(records: readonly DamonRecord[]): Guide[] {
  interface G {
    g: Guide;
    lowest: number | null;
    highest: number | null;
    gaps: Gap[];
  }
  const map = new Map<string, G>();
  for (const rec of records) {
    const id = guideId(rec);
    for (const s of rec.snapshots) {
      let st = map.get(id);
      if (!st) {
        let oldest = s.startNs;
        if (rec.intervals) {
          let longest = 0;
          for (let i = 0; i < s.nr; i++) if (longest < s.age[i]) longest = s.age[i];
          oldest = s.startNs - longest * rec.intervals.aggrUs * 1000;
        }
        st = {
          g: {
            kdamondIdx: rec.kdamondIdx,
            contextIdx: rec.contextIdx,
            schemeIdx: rec.schemeIdx,
            targetId: rec.targetId,
            startNs: oldest,
            endNs: s.endNs,
            ranges: [],
          },
          lowest: null,
          highest: null,
          gaps: [],
        };
        map.set(id, st);
      }
      st.g.endNs = s.endNs;
      let last: number | null = null;
      const gaps: Gap[] = [];
      // in locals: a property that is number or null is slow to read per region
      let lowest = st.lowest;
      let highest = st.highest;
      for (let i = 0; i < s.nr; i++) {
        const sa = s.start[i];
        const ea = s.end[i];
        if (!lowest || sa < lowest) lowest = sa;
        if (!highest || ea > highest) highest = ea;
        if (!last) {
          last = ea;
          continue;
        }
        if (last !== sa) gaps.push([last, sa]);
        last = ea;
      }
      st.lowest = lowest;
      st.highest = highest;
      st.gaps = st.gaps.length === 0 ? gaps : intersectGaps(st.gaps, gaps);
    }
  }
  const out: Guide[] = [];
  for (const [id, st] of map) {
    const ranges: GuideRange[] = [];
    let cur = st.lowest ?? 0;
    for (const [gs, ge] of st.gaps) {
      ranges.push({ start: cur, end: gs, heats: null });
      cur = ge;
    }
    ranges.push({ start: cur, end: st.highest ?? 0, heats: null });
    // summed in typed arrays, in the same order as into the ranges themselves
    const starts = Float64Array.from(ranges, (r) => r.start);
    const ends = Float64Array.from(ranges, (r) => r.end);
    const heats = new Float64Array(ranges.length);
    const touched = new Uint8Array(ranges.length);
    for (const rec of records) {
      if (guideId(rec) !== id) continue;
      for (const s of rec.snapshots)
        for (let i = 0; i < s.nr; i++) {
          const n = s.samples[i];
          if (n === 0) continue;
          const sa = s.start[i];
          const ea = s.end[i];
          for (let k = 0; k < starts.length; k++) {
            if (ea < starts[k] || ends[k] < sa) continue;
            heats[k] += (ea - sa) * n;
            touched[k] = 1;
          }
        }
    }
    ranges.forEach((r, k) => (r.heats = touched[k] ? heats[k] : null));
    st.g.ranges = ranges;
    out.push(st.g);
  }
  const space = (g: Guide): number => g.ranges.reduce((a, r) => a + (r.end - r.start), 0);
  // stable sort, largest total space first
  return out
    .map((g, i) => ({ g, i, sp: space(g) }))
    .sort((a, b) => b.sp - a.sp || a.i - b.i)
    .map((x) => x.g);
}

/** One guide as text (`--guide` uses raw numbers; record_info human ones). */
export function guideText(g: Guide, raw: boolean, relativeTime = false): string {
  const lines: string[] = [];
  if (g.kdamondIdx !== null) lines.push(`kdamond_idx: ${g.kdamondIdx}`);
  if (g.contextIdx !== null) lines.push(`context_idx: ${g.contextIdx}`);
  if (g.schemeIdx !== null) lines.push(`scheme_idx: ${g.schemeIdx}`);
  if (g.targetId !== null) lines.push(`target_id: ${g.targetId}`);
  const t0 = relativeTime ? g.startNs : 0;
  lines.push(
    `time: [${formatTimeNs(g.startNs - t0, raw)}, ${formatTimeNs(g.endNs - t0, raw)}) (${formatTimeNs(g.endNs - g.startNs, raw)})`,
  );
  g.ranges.forEach((r, idx) => {
    const addr = raw ? formatSz : formatSzAccurate;
    lines.push(
      `region\t${rjust(String(idx), 2)}: [${addr(r.start, raw)}, ${addr(r.end, raw)}) (${formatSz(r.end - r.start, raw)})`,
    );
  });
  return lines.join("\n");
}
