/** A snapshot's regions with the values `report access` derives from them (rate, hz, age, temperature). */
import type { DamonRecord, Snapshot } from "../record/model.js";
import { regionProbeHits } from "../record/probe-hits.js";
import type { AccessOptions } from "./access-options.js";

/** A region with the derived values reports use. */
export interface Region {
  start: number;
  end: number;
  samples: number;
  aggrIntervals: number;
  percent: number;
  hz: number;
  ageUs: number;
  szFilterPassed: number | null;
  /** Hits of each probe (damo 3.3's `probe_hits`); empty without probes. */
  probeHits: number[];
}

export function regionSize(r: Region): number {
  return r.end - r.start;
}

export function regionsOf(s: Snapshot, rec: DamonRecord): Region[] {
  const iv = rec.intervals!;
  const maxSamples = iv.aggrUs / iv.sampleUs;
  const out: Region[] = [];
  for (let i = 0; i < s.nr; i++) {
    const samples = s.samples[i];
    const age = Number.isNaN(s.age[i]) ? 0 : s.age[i];
    const szf = s.szFilterPassed[i];
    out.push({
      start: s.start[i],
      end: s.end[i],
      samples,
      aggrIntervals: age,
      percent: (samples * 100) / maxSamples,
      hz: samples / (iv.aggrUs / 1e6),
      ageUs: age * iv.aggrUs,
      szFilterPassed: Number.isNaN(szf) ? null : szf,
      probeHits: regionProbeHits(s, i),
    });
  }
  return out;
}

export function temperatureOf(r: Region, w: readonly number[]): number {
  const score = regionSize(r) * w[0] + r.percent * w[1] + r.ageUs * w[2];
  return r.percent > 0 ? score : -score;
}

/** The snapshot's aggregation interval: the record's unless the snapshot's own length differs by 10 % or more. */
export function inferAggrUs(s: Snapshot, rec: DamonRecord): number {
  const snapAggr = (s.endNs - s.startNs) / 1000;
  const recAggr = rec.intervals!.aggrUs;
  if (Math.abs(snapAggr - recAggr) / recAggr < 0.1) return recAggr;
  return snapAggr;
}

/** How long the region has been idle (0 when accessed in this snapshot): damo's recency. */
export function idleTime(r: Region, aggrUs: number): number {
  return r.percent > 0 ? 0 : r.ageUs + aggrUs;
}

/** Temperature without its size weight: what the temperature histograms and percentiles sort by. */
export function tempNoSize(r: Region, o: AccessOptions): number {
  return temperatureOf(r, [0, o.temperatureWeights[1], o.temperatureWeights[2]]);
}
