/**
 * `perf script` text of the damon:damon_aggregated (and damos_before_apply)
 * tracepoints, read and written the way damo does (formats.md §2.4): a snapshot
 * closes once nr_regions lines of a target were read; only end times are carried,
 * so the first snapshot's start is inferred from the average snapshot length.
 * Probe hits travel in damon:damon_region_aggregated lines (`probe_hits=` and one
 * hex byte per probe), which the kernel emits right after each damon_aggregated
 * line; a trace of region_aggregated lines alone is read as regions too. damo
 * skips those lines, so files we write stay readable by it.
 */
import { isAscii } from "node:buffer";
import { FormatError } from "../util/errors.js";
import { pyFixed } from "./pyfmt.js";
import { emptyRecord, type DamonRecord, type Intervals, type Snapshot } from "./model.js";
import { ProbeHitsBuilder, regionProbeHits } from "./probe-hits.js";
import { AggregatedLine, LineKind, readLineBytes } from "./perf-script-bytes.js";

interface PendingSnapshot {
  startNs: number;
  endNs: number;
  /** The regions so far; the columns grow to nrRegions (a damaged nr_regions allocates nothing). */
  nr: number;
  start: Float64Array;
  end: Float64Array;
  samples: Float64Array;
  age: Float64Array;
  /** Region index to its probe hits; null while no region has any. */
  probeHits: (number[] | null)[] | null;
  rec: DamonRecord;
  nrRegions: number;
  /** file:line of the snapshot's first line */
  line: string;
}

/** A damaged line quoted in an error: at most 200 characters. */
function clip(s: string): string {
  return s.length > 200 ? s.slice(0, 200) + "..." : s;
}

/**
 * Line-by-line perf script parser; feed text (feed) or bytes (feedBytes, not both),
 * then call end(). Bytes are read without a string per line where the line is of
 * the usual form (perf-script-bytes.ts), other lines as text.
 */
export class PerfScriptParser {
  private records: DamonRecord[] = [];
  private pending = new Map<DamonRecord, PendingSnapshot[]>();
  private current: PendingSnapshot | null = null;
  private lineNo = 0;
  private rest = "";
  /** feedBytes' bytes after the last newline, a copy. */
  private restBytes: Buffer = Buffer.alloc(0);
  private readonly values = new AggregatedLine();
  /** The decimal text of the target id the byte reader saw last. */
  private tidNum = -1;
  private tidText = "";
  private nrParsed = 0;
  /**
   * The region the previous damon_aggregated line added, for its region_aggregated
   * twin: its target id's text and its range field (null: `${lastStart}-${lastEnd}:`,
   * its text when the byte reader read it).
   */
  private lastSnap: PendingSnapshot | null = null;
  private lastIdx = 0;
  private lastTid = "";
  private lastRange: string | null = null;
  private lastStart = 0;
  private lastEnd = 0;

  private readonly where = (): string => `${this.file}:${this.lineNo}`;

  constructor(
    private readonly file: string,
    private readonly intervals: Intervals | null = null,
  ) {}

  feed(text: string): void {
    const all = this.rest + text;
    const lines = all.split("\n");
    this.rest = lines.pop() ?? "";
    for (const l of lines) this.line(l);
  }

  feedBytes(chunk: Buffer): void {
    let pos = 0;
    if (this.restBytes.length > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.restBytes = Buffer.concat([this.restBytes, chunk]);
        return;
      }
      const joined = Buffer.concat([this.restBytes, chunk.subarray(0, nl)]);
      this.restBytes = Buffer.alloc(0);
      this.byteLine(joined, 0, joined.length, false);
      pos = nl + 1;
    }
    // one native check for the chunk instead of one per byte
    const ascii = isAscii(chunk);
    for (let nl = chunk.indexOf(10, pos); nl >= 0; nl = chunk.indexOf(10, pos)) {
      this.byteLine(chunk, pos, nl, ascii);
      pos = nl + 1;
    }
    if (pos < chunk.length) this.restBytes = Buffer.from(chunk.subarray(pos));
  }

  private byteLine(buf: Buffer, from: number, to: number, ascii: boolean): void {
    const v = this.values;
    const kind = readLineBytes(buf, from, to, v, ascii);
    if (kind === LineKind.Other) return this.line(buf.toString("utf8", from, to));
    this.lineNo++;
    if (kind === LineKind.Skip) return;
    if (v.tid !== this.tidNum) {
      this.tidNum = v.tid;
      this.tidText = String(v.tid);
    }
    this.addRegion(
      this.tidText,
      v.nrRegions,
      v.endNs,
      v.start,
      v.end,
      v.samples,
      v.age,
      null,
      this.tidText,
      null,
    );
  }

  private line(line: string): void {
    this.lineNo++;
    const fields = fieldsOf(line);
    if (fields.length <= 5) return;
    const ev = fields[4].slice(0, -1);
    let tsField: string, tidField: string, nrField: string, rangeField: string, accField: string;
    let ageField: string | undefined;
    // the place is made into text only for an error (and once per snapshot)
    const where = this.where;
    let probeHits: number[] | null = null;
    if (ev === "damon:damon_region_aggregated") {
      probeHits = parseProbeHitsFields(fields.slice(10), line, where);
      const last = this.lastSnap;
      this.lastSnap = null;
      // the twin of the damon_aggregated line just read: attach the hits to that region
      if (
        last &&
        fields[5] === `target_id=${this.lastTid}` &&
        fields[7] === (this.lastRange ?? `${this.lastStart}-${this.lastEnd}:`)
      ) {
        (last.probeHits ??= [])[this.lastIdx] = probeHits;
        return;
      }
      fields.length = 10;
    }
    if (ev === "damon:damon_aggregated" || ev === "damon:damon_region_aggregated") {
      // a damon line with the wrong number of fields is damage (a cut line), never skipped
      if (fields.length !== 9 && fields.length !== 10)
        throw new FormatError(`malformed ${ev} line (cut or damaged): '${clip(line.trim())}'`, where());
      tsField = fields[3];
      tidField = fields[5];
      nrField = fields[6];
      rangeField = fields[7];
      accField = fields[8];
      ageField = fields[9];
    } else if (ev === "damon:damos_before_apply") {
      if (fields.length !== 12)
        throw new FormatError(`malformed ${ev} line (cut or damaged): '${clip(line.trim())}'`, where());
      tsField = fields[3];
      tidField = fields[7];
      nrField = fields[8];
      rangeField = fields[9];
      accField = fields[10];
      ageField = fields[11];
    } else return;
    const ts = tsField.slice(0, -1);
    const endNs = /^\d+(\.\d+)?$/.test(ts) && tsField.endsWith(":") ? Math.trunc(Number(ts) * 1e9) : NaN;
    const tid = intAfterEq(tidField, where, ev === "damon:damos_before_apply" ? "target_idx" : "target_id");
    const nrRegions = Number(intAfterEq(nrField, where, "nr_regions"));
    const m = /^(\d+)-(\d+):$/.exec(rangeField);
    if (!Number.isFinite(endNs) || !m)
      throw new FormatError(`malformed ${ev} line: '${clip(line.trim())}'`, where());
    const acc = /^-?\d+$/.test(accField) ? Number(accField) : NaN;
    const age = ageField === undefined ? NaN : /^-?\d+$/.test(ageField) ? Number(ageField) : NaN;
    if (!Number.isSafeInteger(acc) || (ageField !== undefined && !Number.isSafeInteger(age)))
      throw new FormatError(`malformed nr_accesses/age in '${clip(line.trim())}'`, where());
    const rStart = Number(m[1]);
    const rEnd = Number(m[2]);
    if (!Number.isSafeInteger(rStart) || !Number.isSafeInteger(rEnd))
      throw new FormatError(
        `region ${m[1]}-${m[2]}: addresses above 2^53-1 (${Number.MAX_SAFE_INTEGER}) are not supported`,
        where(),
      );
    if (rEnd < rStart) throw new FormatError(`region end ${m[2]} is below its start ${m[1]}`, where());
    if (nrRegions < 1) throw new FormatError("nr_regions must be at least 1", where());
    const aggregated = ev === "damon:damon_aggregated";
    this.addRegion(
      tid,
      nrRegions,
      endNs,
      rStart,
      rEnd,
      acc,
      age,
      probeHits,
      aggregated ? tidField.slice(10) : null,
      rangeField,
    );
  }

  /**
   * Adds a line's region to its target's current snapshot. `tidField` is the text
   * after `target_id=` of a damon_aggregated line (null for other lines), whose
   * region_aggregated twin may follow; `rangeField` its range's text (null: the
   * numbers' own text).
   */
  private addRegion(
    tid: string,
    nrRegions: number,
    endNs: number,
    rStart: number,
    rEnd: number,
    acc: number,
    age: number,
    probeHits: number[] | null,
    tidField: string | null,
    rangeField: string | null,
  ): void {
    const where = this.where;
    let rec: DamonRecord | undefined;
    for (const r of this.records) if (r.targetId === tid) rec = rec ?? r;
    if (!rec) {
      rec = emptyRecord(tid, this.intervals);
      this.records.push(rec);
      this.pending.set(rec, []);
    }
    const snaps = this.pending.get(rec)!;
    let startNs = NaN;
    if (snaps.length > 0) {
      startNs = snaps[snaps.length - 1].endNs;
      if (startNs > endNs) throw new FormatError("trace is not time-sorted", where());
    }
    // A snapshot is the next nr_regions lines of one target, in address order (the
    // kernel writes them so). damo keeps one "current snapshot" across targets and
    // crashes or merges when that does not hold; we say where the damage is instead.
    const cur = this.current;
    if (cur !== null) {
      const have = cur.nr;
      if (cur.rec !== rec)
        throw new FormatError(
          `snapshot of target ${cur.rec.targetId} has ${have} of its ${cur.nrRegions} regions when a line of target ${tid} starts (lines lost or cut)`,
          where(),
        );
      if (nrRegions !== cur.nrRegions || rStart < cur.end[have - 1])
        throw new FormatError(
          `snapshot of target ${tid} has ${have} of its ${cur.nrRegions} regions when a new snapshot starts (lines lost or cut)`,
          where(),
        );
    } else {
      const room = Math.min(nrRegions, FIRST_ROOM);
      this.current = {
        startNs,
        endNs,
        nr: 0,
        start: new Float64Array(room),
        end: new Float64Array(room),
        samples: new Float64Array(room),
        age: new Float64Array(room),
        probeHits: null,
        rec,
        nrRegions,
        line: where(),
      };
      snaps.push(this.current);
    }
    const s = this.current!;
    if (s.nr === s.start.length) grow(s);
    const i = s.nr++;
    s.start[i] = rStart;
    s.end[i] = rEnd;
    s.samples[i] = acc;
    s.age[i] = age;
    if (probeHits !== null) (s.probeHits ??= [])[i] = probeHits;
    this.lastSnap = tidField === null ? null : s;
    if (tidField !== null) {
      this.lastIdx = i;
      this.lastTid = tidField;
      this.lastRange = rangeField;
      this.lastStart = rStart;
      this.lastEnd = rEnd;
    }
    this.nrParsed++;
    if (s.nr === nrRegions) this.current = null;
  }

  end(): DamonRecord[] {
    if (this.rest) this.line(this.rest);
    this.rest = "";
    if (this.restBytes.length > 0) this.byteLine(this.restBytes, 0, this.restBytes.length, false);
    this.restBytes = Buffer.alloc(0);
    if (this.nrParsed === 0)
      throw new FormatError("no damon:damon_aggregated tracepoint lines found; not a record file", this.file);
    const cur = this.current;
    if (cur !== null)
      throw new FormatError(
        `the text ends inside a snapshot of target ${cur.rec.targetId}: ${cur.nr} of its ${cur.nrRegions} regions (truncated)`,
        cur.line,
      );
    for (const rec of this.records) {
      rec.snapshots = this.pending.get(rec)!.map(toSnapshot);
    }
    setFirstSnapshotStart(this.records);
    return this.records;
  }
}

function intAfterEq(field: string, where: () => string, name: string): string {
  const m = /^([a-z_]+)=(\d+)$/.exec(field);
  if (!m || m[1] !== name)
    throw new FormatError(`expected ${name}=<number>, found '${clip(field)}'`, where());
  // the decimal text without leading zeros; exact as a double below 16 digits
  return m[2].length < 16 ? String(Number(m[2])) : BigInt(m[2]).toString();
}

/**
 * `line.trim().split(/\s+/)` without the regular expression for ASCII text (most
 * of a perf script's reading time went to it); other text goes the regular way.
 */
function fieldsOf(line: string): string[] {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const from = i;
    for (; i < n; i++) {
      const c = line.charCodeAt(i);
      if (c === 32 || (c >= 9 && c <= 13)) break;
      if (c >= 128) return line.trim().split(/\s+/);
    }
    if (i > from) out.push(line.slice(from, i));
    i++;
  }
  return out;
}

/** The hex bytes after `probe_hits=` (the kernel prints one `%02x` per probe, space-separated). */
function parseProbeHitsFields(rest: string[], line: string, where: () => string): number[] {
  if (rest.length === 0 || !rest[0].startsWith("probe_hits="))
    throw new FormatError(`malformed damon:damon_region_aggregated line: '${clip(line.trim())}'`, where());
  const words = [rest[0].slice("probe_hits=".length), ...rest.slice(1)].filter((w) => w !== "");
  return words.map((w) => {
    if (!/^[0-9a-fA-F]{1,2}$/.test(w)) throw new FormatError(`malformed probe hit '${clip(w)}'`, where());
    return parseInt(w, 16);
  });
}

/** Room for a snapshot's regions at first; more as they come. */
const FIRST_ROOM = 4096;

function grow(p: PendingSnapshot): void {
  const room = Math.min(p.nrRegions, 2 * p.start.length);
  for (const k of ["start", "end", "samples", "age"] as const) {
    const a = new Float64Array(room);
    a.set(p[k]);
    p[k] = a;
  }
}

/** A complete snapshot (nr === nrRegions, the columns' length) as a Snapshot. */
function toSnapshot(p: PendingSnapshot): Snapshot {
  const hits = new ProbeHitsBuilder();
  p.probeHits?.forEach((h, i) => hits.set(i, h));
  const probeHits = hits.take(p.nr);
  return {
    ...(probeHits ? { probeHits } : {}),
    startNs: p.startNs,
    endNs: p.endNs,
    nr: p.nr,
    start: p.start,
    end: p.end,
    samples: p.samples,
    age: p.age,
    szFilterPassed: new Float64Array(p.nr),
    totalBytes: null,
    damosStats: null,
    sampleIntervalUs: null,
  };
}

function isFakeSnapshot(s: Snapshot): boolean {
  return s.nr === 1 && s.start[0] === 0 && s.end[0] === 0 && s.samples[0] === -1 && s.age[0] === -1;
}

/** damo's set_first_snapshot_start_time, including its early stop. */
function setFirstSnapshotStart(records: DamonRecord[]): void {
  for (const rec of records) {
    const snaps = rec.snapshots;
    if (snaps.length < 2) {
      for (const s of snaps) if (Number.isNaN(s.startNs)) s.startNs = s.endNs;
      break;
    }
    const avg = (snaps[snaps.length - 1].endNs - snaps[0].endNs) / (snaps.length - 1);
    snaps[0].startNs = snaps[0].endNs - avg;
    if (isFakeSnapshot(snaps[snaps.length - 1])) snaps.pop();
  }
  for (const rec of records) for (const s of rec.snapshots) if (Number.isNaN(s.startNs)) s.startNs = s.endNs;
}

/** Writes records as damo's perf_script output (one line per region). */
export function* perfScriptLines(records: readonly DamonRecord[]): Generator<string> {
  for (const rec of records) {
    const snaps = [...rec.snapshots];
    if (snaps.length === 1) {
      // a fake snapshot lets readers infer the single snapshot's start time
      const s = snaps[0];
      const dur = s.endNs - s.startNs;
      snaps.push({
        startNs: s.endNs,
        endNs: s.endNs + dur,
        nr: 1,
        start: Float64Array.of(0),
        end: Float64Array.of(0),
        samples: Float64Array.of(-1),
        age: Float64Array.of(-1),
        szFilterPassed: Float64Array.of(0),
        totalBytes: null,
        damosStats: null,
        sampleIntervalUs: null,
      });
    }
    const tid = rec.targetId ?? "None";
    for (const s of snaps) {
      const head = `kdamond.x xxxx xxxx ${pyFixed(s.endNs / 1e9, 6)}: damon:damon_aggregated: target_id=${tid} nr_regions=${s.nr} `;
      let out = "";
      for (let i = 0; i < s.nr; i++) {
        // an unknown age is left out, as older kernels' lines do
        const age = Number.isNaN(s.age[i]) ? "" : ` ${s.age[i]}`;
        out += `${head}${s.start[i]}-${s.end[i]}: ${s.samples[i]}${age}\n`;
        if (s.probeHits) out += regionAggregatedLine(s, i, tid);
      }
      yield out;
    }
  }
}

/** The damon_region_aggregated twin of region i's line: same fields, then `probe_hits=` hex bytes. */
function regionAggregatedLine(s: Snapshot, i: number, tid: string): string {
  const hex = regionProbeHits(s, i)
    .map((h) => (h & 0xff).toString(16).padStart(2, "0"))
    .join(" ");
  const age = Number.isNaN(s.age[i]) ? 0 : s.age[i];
  return `kdamond.x xxxx xxxx ${pyFixed(s.endNs / 1e9, 6)}: damon:damon_region_aggregated: target_id=${tid} nr_regions=${s.nr} ${s.start[i]}-${s.end[i]}: ${s.samples[i]} ${age} probe_hits=${hex}\n`;
}
