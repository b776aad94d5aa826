/**
 * The region the general JSON reader is in: its fields as they come (in any key
 * order, in damo's lenient number forms, percent-only or usec-only values kept
 * for conversion later), checked and added to the snapshot's columns when the
 * region closes. Also the byte-level forms of the most common region values,
 * read without making a string.
 */
import { SIZE_UNIT } from "../util/units.js";
import { textToBytes, textToNr, textToNs } from "./damo-fmt.js";
import { parseProbeHitsValue } from "./probe-hits.js";
import { conv, type Fail } from "./record-fields.js";

export type Scalar = string | number | boolean | null;

/** Which object of a region a value is in. */
export const enum RegionPart {
  Region,
  NrAccesses,
  Age,
}

export class RegionFields {
  private start = NaN;
  private end = NaN;
  private samples: number | null = null;
  private percent: number | null = null;
  private age: number | null = null;
  private ageUsec: number | null = null;
  private szf = 0;
  private hasNr = false;
  private hasAge = false;
  /** The region's probe hits, null when it has none. */
  probeHits: number[] | null = null;

  constructor(private readonly fail: Fail) {}

  reset(): void {
    this.start = NaN;
    this.end = NaN;
    this.samples = null;
    this.percent = null;
    this.age = null;
    this.ageUsec = null;
    this.szf = 0;
    this.hasNr = false;
    this.hasAge = false;
    this.probeHits = null;
  }

  /** A string value read straight from its bytes (no escapes); false when the general path must read it. */
  stringFast(part: RegionPart, key: string | null, buf: Buffer, from: number, to: number): boolean {
    if (part === RegionPart.Region) {
      if (key === "start" || key === "end") {
        const v = fastGroupedInt(buf, from, to);
        if (v === undefined) return false;
        if (key === "start") this.start = v;
        else this.end = v;
        return true;
      }
      if (key === "sz_filter_passed") {
        const v = fastSize(buf, from, to);
        if (v === undefined) return false;
        this.szf = v;
        return true;
      }
      return false;
    }
    if (part === RegionPart.Age && key === "aggr_intervals") {
      const v = fastGroupedInt(buf, from, to);
      if (v === undefined) return false;
      this.age = v;
      this.hasAge = true;
      return true;
    }
    return false;
  }

  /** `start` or `end` as a string (damo's text_to_bytes forms); false for other keys. */
  addressString(key: string | null, s: string, buf: Buffer, from: number, to: number): boolean {
    if (key !== "start" && key !== "end") return false;
    const v = fastGroupedInt(buf, from, to) ?? conv(this.fail, () => textToBytes(s), `'${key}'`);
    if (key === "start") this.start = v;
    else this.end = v;
    return true;
  }

  /** A scalar value of the region (or of its nr_accesses or age object). */
  scalar(part: RegionPart, k: string | null, v: Scalar): void {
    if (part === RegionPart.Region) {
      if (k === "start" || k === "end") {
        const n = this.num(v, `'${k}'`, textToBytes);
        if (k === "start") this.start = n;
        else this.end = n;
      } else if (k === "sz_filter_passed") {
        this.szf = v === null ? NaN : this.num(v, "'sz_filter_passed'", textToBytes);
      } else if (k === "nr_accesses" || k === "age") this.fail(`region '${k}' must be an object`);
      else if (k === "probe_hits" && v !== null) this.fail(parseProbeHitsValue(v) as string);
    } else if (part === RegionPart.NrAccesses) {
      if (k === "samples") this.samples = v === null ? null : this.num(v, "'nr_accesses.samples'", textToNr);
      else if (k === "percent")
        this.percent = v === null ? null : this.num(v, "'nr_accesses.percent'", textToNr);
      this.hasNr = true;
    } else {
      if (k === "aggr_intervals")
        this.age = v === null ? null : this.num(v, "'age.aggr_intervals'", textToNr);
      else if (k === "usec") this.ageUsec = v === null ? null : this.num(v, "'age.usec'", textToNs);
      this.hasAge = true;
    }
  }

  private num(v: Scalar, what: string, parse: (x: unknown) => number): number {
    if (typeof v === "number") return v;
    if (typeof v === "string") return conv(this.fail, () => parse(v), what);
    this.fail(`${what} must be a number or a numeric string, not ${JSON.stringify(v)}`);
  }

  /**
   * Checks the region and hands over its columns (samples or age NaN when given
   * only as percent or usec) and, when so given, the values to convert later.
   */
  finish(
    push: (start: number, end: number, samples: number, age: number, szf: number) => void,
  ): { percent: number | null; usec: number | null } | null {
    if (Number.isNaN(this.start)) this.fail("region has no 'start'");
    if (Number.isNaN(this.end)) this.fail("region has no 'end'");
    if (!this.hasNr) this.fail("region has no 'nr_accesses'");
    if (!this.hasAge) this.fail("region has no 'age' (damo requires it)");
    if (this.samples === null && this.percent === null)
      this.fail("region 'nr_accesses' has neither 'samples' nor 'percent'");
    if (this.end < this.start) this.fail(`region end ${this.end} is below its start ${this.start}`);
    push(this.start, this.end, this.samples ?? NaN, this.age ?? NaN, this.szf);
    if ((this.samples === null && this.percent !== null) || (this.age === null && this.ageUsec !== null))
      return {
        percent: this.samples === null ? this.percent : null,
        usec: this.age === null ? this.ageUsec : null,
      };
    return null;
  }
}

/** Parses "94,827,419,009,024" straight from bytes; undefined if not that form. */
export function fastGroupedInt(buf: Buffer, from: number, to: number): number | undefined {
  if (from >= to) return undefined;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c >= 0x30 && c <= 0x39) v = v * 10 + (c - 0x30);
    else if (c !== 0x2c) return undefined;
  }
  return v;
}

/** "0 B", "123 B", "31.340 MiB" as damo's text_to_bytes reads them; undefined for other forms. */
export function fastSize(buf: Buffer, from: number, to: number): number | undefined {
  let i = from;
  let v = 0;
  let digits = 0;
  while (i < to && buf[i] >= 0x30 && buf[i] <= 0x39) {
    v = v * 10 + (buf[i] - 0x30);
    i++;
    digits++;
  }
  if (digits === 0) return undefined;
  if (to - i === 2 && buf[i] === 0x20 && buf[i + 1] === 0x42) return v; // " B"
  if (buf[i] !== 0x2e) return undefined;
  // decimal with a unit: fall back to the exact parser (float arithmetic as damo)
  const s = buf.toString("latin1", from, to);
  const m = /^(\d+\.\d+) ([KMGTPE])iB$/.exec(s);
  if (!m) return undefined;
  return Math.trunc(Number(m[1]) * SIZE_UNIT[m[2].charCodeAt(0)]);
}
