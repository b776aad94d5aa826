/**
 * Incremental reader of damo's JSON record text. Bytes are fed in chunks (from a
 * zlib inflate stream or a file) and the record structure is built as it goes:
 * region objects never become JS objects but go straight into typed-array columns,
 * so neither the whole text nor a whole object tree is ever held (the issue's
 * streaming requirement). Everything outside regions is small and built generically.
 */
import { FormatError } from "../util/errors.js";
import { textToBytes, textToNr, textToNs } from "./damo-fmt.js";
import { CompactReader, LAYOUTS, MISMATCH, NEED_MORE, RegionColumns } from "./compact-snapshot.js";
import { ProbeHitsBuilder, parseProbeHitsValue } from "./probe-hits.js";
import type { DamonRecord, DamosStats, Intervals, IntervalsGoal, SchemeFilter, Snapshot } from "./model.js";

const enum Role {
  Generic,
  Root,
  Record,
  Snapshots,
  Snapshot,
  Regions,
  Region,
  RegionNr,
  RegionAge,
}

/** Where the JSON grammar is inside a container (strict RFC 8259, nothing skipped). */
const enum At {
  /** after '{' or '[': a key (object) or value (array), or the close */
  Start,
  /** after ',' in an object: a key */
  Key,
  /** after a key: ':' */
  Colon,
  /** after ':' or after ',' in an array: a value */
  Value,
  /** after a value: ',' or the close */
  After,
}

interface Frame {
  role: Role;
  isObj: boolean;
  at: At;
  key: string | null;
  /** Generic container being built (object or array); unused for region frames. */
  value: Record<string, unknown> | unknown[] | null;
}

type Scalar = string | number | boolean | null;

export class RecordJsonParser {
  private stack: Frame[] = [];
  private carry: Buffer | null = null;
  private done = false;
  readonly records: DamonRecord[] = [];

  // current record/snapshot/region state
  private snapshots: Snapshot[] = [];
  private nRegions = 0;
  private readonly cols = new RegionColumns();
  private readonly compact = new CompactReader();
  private probeHits = new ProbeHitsBuilder();
  private rProbeHits: number[] | null = null;
  // scratch for the region being read
  private rStart = NaN;
  private rEnd = NaN;
  private rSamples: number | null = null;
  private rPercent: number | null = null;
  private rAge: number | null = null;
  private rAgeUsec: number | null = null;
  private rSzf = 0;
  private rHasNr = false;
  private rHasAge = false;
  private targetIdText: string | null = null;
  private closingRegion = false;
  private closingSnapshot = false;
  private started = false;
  /** Index in LAYOUTS of the pattern reader to try, -1 for none. */
  private layout = 0;
  private layoutFixed = false;
  private layoutMisses = 0;

  /** Regions of the current record given only as percent or usec, converted once intervals are known. */
  private unset: Unset[] = [];
  /** Waiting for the rest of a snapshot: chunks are kept in `pending`, unjoined. */
  private waiting = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The last bytes before the newest pending chunk, to find a key cut between chunks. */
  private tail: Buffer = Buffer.alloc(0);

  /** Whether `"start_time"` appears in the chunk or across its boundary with the data before it. */
  private sawStartTime(chunk: Buffer): boolean {
    const k = START_TIME.length - 1;
    const seam = Buffer.concat([this.tail, chunk.subarray(0, k)]);
    const seen = seam.includes(START_TIME) || chunk.includes(START_TIME);
    // a copy: the chunk's buffer may be reused once feed() returns
    this.tail = Buffer.from(
      chunk.length >= k ? chunk.subarray(chunk.length - k) : seam.subarray(Math.max(0, seam.length - k)),
    );
    return seen;
  }

  /** Bytes after a pending snapshot's start already searched for the next one. */
  private searchedTo = 0;

  constructor(private readonly file: string) {}

  /**
   * Hands over the complete snapshots of the record being read and forgets them, so
   * a streaming consumer (export parquet) never holds a whole record. Held back while
   * regions of the record wait for its intervals (percent-only nr_accesses).
   */
  takeSnapshots(): Snapshot[] {
    if (this.unset.length > 0 || this.snapshots.length === 0) return [];
    const done = this.snapshots;
    this.snapshots = [];
    return done;
  }

  private where(): string {
    const rec = this.records.length;
    const snap = this.snapshots.length;
    const inRegion = this.closingRegion || this.stack.some((f) => f.role === Role.Region);
    const inSnap = this.closingSnapshot || this.stack.some((f) => f.role === Role.Snapshot);
    let w = `${this.file}: record ${rec}`;
    if (inSnap) w += `, snapshot ${snap}`;
    if (inRegion) w += `, region ${this.nRegions}`;
    return w;
  }

  private fail(msg: string): never {
    throw new FormatError(msg, this.where());
  }

  /**
   * Feeds the next bytes of the JSON text. The chunk's bytes are not referenced
   * after the call returns (what is kept is copied), so the caller may reuse it.
   */
  feed(chunk: Buffer, final = false): void {
    if (this.waiting) {
      // A snapshot is incomplete: collect chunks without concatenating them (which
      // would copy the carried bytes again with every chunk, quadratic in the
      // snapshot's size) until the next snapshot's start shows it is complete.
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const seen = this.sawStartTime(chunk);
      if (!seen && !final && this.carry!.length + this.pendingBytes < FAST_LIMIT) {
        this.pending[this.pending.length - 1] = Buffer.from(chunk); // kept past this call: copy
        return;
      }
      chunk = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.waiting = false;
    }
    if (this.carry && !final && this.started) {
      // Join the carried bytes with the chunk only up to the next snapshot's '{',
      // so that the rest of the chunk is read in place instead of copied.
      const key = chunk.indexOf(START_TIME);
      const cut = key > 0 ? chunk.lastIndexOf(0x7b, key) : -1;
      if (cut > 0) {
        this.feedJoined(Buffer.concat([this.carry, chunk.subarray(0, cut)]), false);
        this.feed(chunk.subarray(cut), false);
        return;
      }
    }
    this.feedJoined(this.carry ? Buffer.concat([this.carry, chunk]) : chunk, final);
  }

  private feedJoined(joined: Buffer, final: boolean): void {
    this.carry = null;
    let buf = joined;
    if (!this.started) {
      if (buf.length < 3 && !final) {
        this.carry = Buffer.from(buf);
        return;
      }
      this.started = true;
      // a UTF-8 byte order mark is not JSON; skip it
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const n = buf.length;
    let waitSnapshot = false;
    // index a plain Uint8Array: faster than Buffer element access in hot loops
    const b = new Uint8Array(buf.buffer, buf.byteOffset, n);
    let i = 0;
    while (i < n) {
      let c = b[i];
      // indentation makes most bytes whitespace; skip runs in a tight loop
      while (c === 32 || c === 10 || c === 13 || c === 9) {
        if (++i >= n) break;
        c = b[i];
      }
      if (i >= n) break;
      if (this.done) this.fail(`unexpected data after the end of the JSON text at byte ${i}`);
      if (c === 0x22) {
        let j = i + 1;
        let esc = false;
        while (j < n) {
          const d = b[j];
          if (d === 0x22) break;
          if (d === 0x5c) {
            esc = true;
            j += 2;
            continue;
          }
          if (d < 0x20) this.fail("control character inside a string (not JSON)");
          j++;
        }
        if (j >= n) break;
        const f = this.stack[this.stack.length - 1];
        if (f !== undefined && f.isObj && (f.at === At.Start || f.at === At.Key)) {
          // keys: reuse constant strings for the hot region keys (no allocation)
          f.key = esc
            ? this.unescape(buf, i, j)
            : (knownKey(buf, i + 1, j) ?? buf.toString("utf8", i + 1, j));
          f.at = At.Colon;
          i = j + 1;
          continue;
        }
        this.valueHere();
        if (!esc && f !== undefined && f.role >= Role.Region && this.regionStringFast(f, buf, i + 1, j)) {
          // handled from the bytes
        } else {
          const str = esc ? this.unescape(buf, i, j) : buf.toString("utf8", i + 1, j);
          this.onString(str, buf, i + 1, j);
        }
        i = j + 1;
        continue;
      }
      if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
        if (
          c === 0x7b &&
          this.stack.length > 0 &&
          this.stack[this.stack.length - 1].role === Role.Snapshots
        ) {
          this.expectValue();
          const r = this.fastSnapshot(buf, i, final);
          if (r === -1) {
            waitSnapshot = true;
            break; // wait for more data
          }
          if (r > 0) {
            this.stack[this.stack.length - 1].at = At.After;
            i = r;
            continue;
          }
        }
        this.valueHere();
        this.open(c === 0x7b);
        i++;
        continue;
      }
      if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.close(c === 0x7d);
        i++;
        continue;
      }
      if (c === 0x3a /* : */) {
        const f = this.stack[this.stack.length - 1];
        if (f === undefined || f.at !== At.Colon) this.fail("unexpected ':' (not JSON)");
        f.at = At.Value;
        i++;
        continue;
      }
      if (c === 0x2c /* , */) {
        const f = this.stack[this.stack.length - 1];
        if (f === undefined || f.at !== At.After) this.fail("unexpected ',' (not JSON)");
        f.at = f.isObj ? At.Key : At.Value;
        i++;
        continue;
      }
      if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        let j = i + 1;
        let plain = c !== 0x2d;
        let v = c - 0x30;
        while (j < n) {
          const d = b[j];
          if (d >= 0x30 && d <= 0x39) {
            v = v * 10 + (d - 0x30);
            j++;
          } else if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) {
            plain = false;
            j++;
          } else break;
        }
        if (j >= n) break;
        this.valueHere();
        const f = this.stack[this.stack.length - 1];
        if (
          plain &&
          v <= Number.MAX_SAFE_INTEGER &&
          (c !== 0x30 || j === i + 1) &&
          f !== undefined &&
          f.role >= Role.Region
        ) {
          this.onScalar(v, "");
        } else {
          const text = buf.toString("latin1", i, j);
          if (!JSON_NUMBER.test(text)) this.fail(`bad number '${clipText(text)}' (not JSON)`);
          this.onScalar(Number(text), text);
        }
        i = j;
        continue;
      }
      if (c === 0x74 || c === 0x66 || c === 0x6e) {
        const lit = c === 0x66 ? 5 : 4;
        if (i + lit > n) break;
        this.valueHere();
        if (c === 0x6e && buf[i + 1] === 0x75 && buf[i + 2] === 0x6c && buf[i + 3] === 0x6c)
          this.onScalar(null, "null");
        else if (c === 0x74 && buf[i + 1] === 0x72 && buf[i + 2] === 0x75 && buf[i + 3] === 0x65)
          this.onScalar(true, "true");
        else if (c === 0x66 && buf.toString("latin1", i, i + 5) === "false") this.onScalar(false, "false");
        else this.fail(`unexpected '${buf.toString("latin1", i, i + lit)}'`);
        i += lit;
        continue;
      }
      this.fail(`unexpected character '${String.fromCharCode(c)}' in JSON`);
    }
    this.carry = i < n ? Buffer.from(buf.subarray(i)) : null;
    if (waitSnapshot && this.carry) {
      this.waiting = true;
      this.tail = Buffer.from(this.carry.subarray(Math.max(0, this.carry.length - START_TIME.length + 1)));
    }
  }

  /** Ends the input; throws if the text was truncated. */
  end(): DamonRecord[] {
    this.compact.release();
    if (this.waiting) {
      this.carry = Buffer.concat([this.carry!, ...this.pending]);
      this.pending = [];
      this.waiting = false;
    }
    if (this.carry) {
      // a number at the very end of the text has no terminator
      const rest = this.carry;
      this.carry = null;
      this.feed(Buffer.concat([rest, Buffer.from(" ")]), true);
      if (this.carry) this.fail("truncated JSON text (unterminated string)");
    }
    if (this.stack.length > 0 || !this.done) this.fail("truncated JSON text (unexpected end of data)");
    return this.records;
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Fails unless the grammar allows a value here. */
  private expectValue(): void {
    const f = this.top();
    if (f === undefined) {
      if (this.done) this.fail("unexpected data after the end of the JSON text");
      return;
    }
    if (f.isObj ? f.at !== At.Value : f.at !== At.Start && f.at !== At.Value)
      this.fail(
        f.isObj && f.at === At.Colon
          ? "expected ':' after a key (not JSON)"
          : f.isObj && (f.at === At.Start || f.at === At.Key)
            ? "expected a key string (not JSON)"
            : "expected ',' between values (not JSON)",
      );
  }

  /** A value starts here: check the grammar and mark the container as having it. */
  private valueHere(): void {
    this.expectValue();
    const f = this.top();
    if (f !== undefined) f.at = At.After;
  }

  private unescape(buf: Buffer, from: number, to: number): string {
    try {
      return JSON.parse(buf.toString("utf8", from, to + 1)) as string;
    } catch {
      this.fail("bad escape in a string");
    }
  }

  private open(isObj: boolean): void {
    const parent = this.top();
    let role = Role.Generic;
    if (!parent) {
      if (this.done) this.fail("more than one JSON value");
      if (!isObj) role = Role.Root;
      else this.fail("expected a list of records ('['), found an object");
    } else {
      const key = parent.key;
      if (parent.role === Role.Root && isObj) role = Role.Record;
      else if (parent.role === Role.Record && key === "snapshots" && !isObj) role = Role.Snapshots;
      else if (parent.role === Role.Snapshots && isObj) role = Role.Snapshot;
      else if (parent.role === Role.Snapshot && key === "regions" && !isObj) role = Role.Regions;
      else if (parent.role === Role.Regions && isObj) role = Role.Region;
      else if (parent.role === Role.Region && key === "nr_accesses" && isObj) role = Role.RegionNr;
      else if (parent.role === Role.Region && key === "age" && isObj) role = Role.RegionAge;
      else if (parent.role === Role.Root) this.fail("each record must be an object");
      else if (parent.role === Role.Snapshots) this.fail("each snapshot must be an object");
      else if (parent.role === Role.Regions) this.fail("each region must be an object");
      else if (parent.role === Role.Region && (key === "nr_accesses" || key === "age"))
        this.fail(`region '${key}' must be an object`);
      else if (
        parent.role === Role.Region &&
        (key === "start" || key === "end" || key === "sz_filter_passed")
      )
        this.fail(`region '${key}' must be a number or a numeric string`);
      else if (parent.role === Role.RegionNr && (key === "samples" || key === "percent"))
        this.fail(`region 'nr_accesses.${key}' must be a number or null`);
      else if (parent.role === Role.RegionAge && (key === "usec" || key === "aggr_intervals"))
        this.fail(`region 'age.${key}' must be a number or null`);
      else if (parent.role === Role.Record && key === "snapshots") this.fail("'snapshots' must be a list");
      else if (parent.role === Role.Snapshot && key === "regions") this.fail("'regions' must be a list");
    }
    if (role === Role.Snapshot) {
      this.nRegions = 0;
      this.probeHits.take(0);
    }
    if (role === Role.Record) {
      this.snapshots = [];
      this.unset = [];
      this.targetIdText = null;
    }
    if (role === Role.Region) {
      this.rStart = NaN;
      this.rEnd = NaN;
      this.rSamples = null;
      this.rPercent = null;
      this.rAge = null;
      this.rAgeUsec = null;
      this.rSzf = 0;
      this.rHasNr = false;
      this.rHasAge = false;
      this.rProbeHits = null;
    }
    const value =
      role === Role.Region || role === Role.RegionNr || role === Role.RegionAge || role === Role.Regions
        ? null
        : isObj
          ? {}
          : [];
    this.stack.push({ role, isObj, at: At.Start, key: null, value });
  }

  private close(isObj: boolean): void {
    const f = this.stack.pop();
    if (!f) this.fail(`unexpected '${isObj ? "}" : "]"}'`);
    if (f.isObj !== isObj) this.fail(`mismatched '${isObj ? "}" : "]"}'`);
    if (f.at !== At.Start && f.at !== At.After)
      this.fail(
        f.isObj && (f.at === At.Colon || f.at === At.Value)
          ? `key '${f.key}' has no value`
          : `'${isObj ? "}" : "]"}' after ',' (not JSON)`,
      );
    switch (f.role) {
      case Role.Region:
        this.finishRegion();
        return;
      case Role.RegionNr:
      case Role.RegionAge:
        this.top()!.key = null;
        return;
      case Role.Regions:
        this.top()!.key = null;
        (this.top()!.value as Record<string, unknown>).regions = true;
        return;
      case Role.Snapshot:
        this.closingSnapshot = true;
        this.snapshots.push(this.finishSnapshot(f.value as Record<string, unknown>));
        this.closingSnapshot = false;
        return;
      case Role.Snapshots:
        this.top()!.key = null;
        (this.top()!.value as Record<string, unknown>).snapshots = true;
        return;
      case Role.Record:
        this.records.push(this.finishRecord(f.value as Record<string, unknown>));
        return;
      case Role.Root:
        this.done = true;
        return;
      default:
        this.assign(f.value);
    }
  }

  private assign(v: unknown): void {
    const p = this.top();
    if (!p) {
      this.done = true;
      return;
    }
    if (p.role === Role.Region && p.key === "probe_hits") {
      const hits = parseProbeHitsValue(v);
      if (typeof hits === "string") this.fail(hits);
      this.rProbeHits = hits;
    }
    if (p.role === Role.Region || p.role === Role.RegionNr || p.role === Role.RegionAge) {
      p.key = null; // other region fields are not kept
      return;
    }
    if (p.role === Role.Regions) this.fail("each region must be an object");
    if (p.role === Role.Snapshots) this.fail("each snapshot must be an object");
    if (p.role === Role.Root) this.fail("each record must be an object");
    if (p.isObj) {
      if (p.key === null) this.fail("object key expected");
      (p.value as Record<string, unknown>)[p.key] = v;
      p.key = null;
    } else if (p.value) (p.value as unknown[]).push(v);
    else this.fail("unexpected value");
  }

  /**
   * Fast path for one snapshot object starting at buf[i]: its text runs to the
   * last '}' before the next snapshot's "start_time" key; the native JSON.parse
   * then validates that it is exactly one object, and the regions go to columns.
   * Returns the index after the object, 0 to use the byte-level parser for this
   * snapshot, or -1 to wait for more data.
   */
  private fastSnapshot(buf: Buffer, i: number, final: boolean): number {
    if (this.layout >= 0) {
      const r = this.compact.read(
        new Uint8Array(buf.buffer, buf.byteOffset, buf.length),
        i,
        this.cols,
        LAYOUTS[this.layout],
      );
      if (typeof r === "object") {
        this.snapshots.push({
          startNs: r.startNs,
          endNs: r.endNs,
          nr: r.nr,
          ...this.cols.take(r.nr),
          totalBytes: r.totalBytes,
          damosStats: null,
          sampleIntervalUs: r.sampleIntervalUs,
        });
        this.layoutFixed = true;
        return r.end;
      }
      if (r === NEED_MORE && !final && buf.length - i < FAST_LIMIT) return -1;
      // the first snapshot of a file picks the layout; if none fits, stop trying
      if (r === MISMATCH && this.snapshots.length === 0 && !this.layoutFixed) {
        this.layout = this.layout + 1 < LAYOUTS.length ? this.layout + 1 : -1;
        if (this.layout >= 0) return this.fastSnapshot(buf, i, final);
      }
      if (r === MISMATCH) this.layoutMisses++;
      if (this.layoutMisses > 8 && this.layoutMisses > this.snapshots.length) this.layout = -1;
    }
    const own = buf.indexOf(START_TIME, i + 1);
    // after waiting for data, resume the search where the last one stopped
    const from = Math.max(own + START_TIME.length, i + this.searchedTo);
    const next = own < 0 ? -1 : buf.indexOf(START_TIME, from);
    if (next < 0) {
      if (!final && buf.length - i < FAST_LIMIT) {
        this.searchedTo = Math.max(0, buf.length - i - START_TIME.length);
        return -1;
      }
      this.searchedTo = 0;
      return 0;
    }
    this.searchedTo = 0;
    const end = buf.lastIndexOf(0x7d, next);
    if (end <= i) return 0;
    let obj: unknown;
    try {
      obj = JSON.parse(buf.toString("utf8", i, end + 1));
    } catch {
      return 0;
    }
    const snap = this.snapshotFromObject(obj);
    if (!snap) return 0;
    this.snapshots.push(snap);
    return end + 1;
  }

  /** Converts a parsed snapshot; null when anything is unusual (the slow path then reports it). */
  private snapshotFromObject(o: unknown): Snapshot | null {
    if (typeof o !== "object" || o === null) return null;
    const kv = o as Record<string, unknown>;
    const regions = kv.regions;
    if (!Array.isArray(regions) || !("start_time" in kv) || !("end_time" in kv)) return null;
    const n = regions.length;
    this.nRegions = 0;
    for (let k = 0; k < n; k++) {
      const r = regions[k] as Record<string, unknown> | null;
      if (typeof r !== "object" || r === null) return null;
      const st = intOf(r.start);
      const en = intOf(r.end);
      const nr = r.nr_accesses as Record<string, unknown> | undefined;
      const age = r.age as Record<string, unknown> | undefined;
      if (st === undefined || en === undefined || en < st || typeof nr !== "object" || nr === null)
        return null;
      if (typeof age !== "object" || age === null || !("usec" in age) || !("aggr_intervals" in age))
        return null;
      const samples = nr.samples;
      if (typeof samples !== "number") return null;
      let a = NaN;
      if (age.aggr_intervals !== null) {
        const v = intOf(age.aggr_intervals);
        if (v === undefined) return null;
        a = v;
      } else if (age.usec !== null) return null;
      let szf = 0;
      if (r.sz_filter_passed !== undefined) {
        if (typeof r.sz_filter_passed === "number") szf = r.sz_filter_passed;
        else if (typeof r.sz_filter_passed === "string") {
          const b = Buffer.from(r.sz_filter_passed, "latin1");
          const v = fastSize(b, 0, b.length);
          if (v === undefined) return null;
          szf = v;
        } else return null;
      }
      if (r.probe_hits !== undefined) {
        const hits = parseProbeHitsValue(r.probe_hits);
        if (typeof hits === "string") return null;
        this.probeHits.set(k, hits);
      }
      this.cols.push(k, st, en, samples, a, szf);
    }
    this.nRegions = n;
    kv.regions = true;
    try {
      return this.finishSnapshot(kv);
    } catch {
      return null; // the byte-level parser reads it again and says exactly where
    }
  }

  /** Region string values parsed straight from bytes; false when the slow path is needed. */
  private regionStringFast(f: Frame, buf: Buffer, from: number, to: number): boolean {
    if (f.role === Role.Region) {
      if (f.key === "start" || f.key === "end") {
        const v = fastGroupedInt(buf, from, to);
        if (v === undefined) return false;
        if (f.key === "start") this.rStart = v;
        else this.rEnd = v;
        f.key = null;
        return true;
      }
      if (f.key === "sz_filter_passed") {
        const v = fastSize(buf, from, to);
        if (v === undefined) return false;
        this.rSzf = v;
        f.key = null;
        return true;
      }
      return false;
    }
    if (f.role === Role.RegionAge && f.key === "aggr_intervals") {
      const v = fastGroupedInt(buf, from, to);
      if (v === undefined) return false;
      this.rAge = v;
      this.rHasAge = true;
      f.key = null;
      return true;
    }
    return false;
  }

  private onString(s: string, buf: Buffer, from: number, to: number): void {
    const f = this.top();
    if (!f) this.fail("a record file must be a JSON list, not a string");
    if (f.isObj && f.key === null) {
      f.key = s;
      return;
    }
    if (f.role === Role.Region && (f.key === "start" || f.key === "end")) {
      const v = fastGroupedInt(buf, from, to) ?? this.conv(() => textToBytes(s), `'${f.key}'`);
      if (f.key === "start") this.rStart = v;
      else this.rEnd = v;
      f.key = null;
      return;
    }
    this.onScalar(s, s);
  }

  private conv(fn: () => number, what: string): number {
    try {
      return fn();
    } catch (e) {
      this.fail(`${what}: ${(e as Error).message}`);
    }
  }

  private onScalar(v: Scalar, text: string): void {
    const f = this.top();
    if (!f) this.fail("a record file must be a JSON list");
    if (f.isObj && f.key === null) this.fail(`object key expected, found ${text}`);
    switch (f.role) {
      case Role.Region: {
        const k = f.key;
        if (k === "start" || k === "end") {
          const n = this.num(v, `'${k}'`, textToBytes);
          if (k === "start") this.rStart = n;
          else this.rEnd = n;
        } else if (k === "sz_filter_passed") {
          this.rSzf = v === null ? NaN : this.num(v, "'sz_filter_passed'", textToBytes);
        } else if (k === "nr_accesses" || k === "age") this.fail(`region '${k}' must be an object`);
        else if (k === "probe_hits" && v !== null) this.fail(parseProbeHitsValue(v) as string);
        f.key = null;
        return;
      }
      case Role.RegionNr: {
        if (f.key === "samples")
          this.rSamples = v === null ? null : this.num(v, "'nr_accesses.samples'", textToNr);
        else if (f.key === "percent")
          this.rPercent = v === null ? null : this.num(v, "'nr_accesses.percent'", textToNr);
        this.rHasNr = true;
        f.key = null;
        return;
      }
      case Role.RegionAge: {
        if (f.key === "aggr_intervals")
          this.rAge = v === null ? null : this.num(v, "'age.aggr_intervals'", textToNr);
        else if (f.key === "usec") this.rAgeUsec = v === null ? null : this.num(v, "'age.usec'", textToNs);
        this.rHasAge = true;
        f.key = null;
        return;
      }
      case Role.Record:
        if (f.key === "target_id" && typeof v === "number") this.targetIdText = normalizeIntText(text);
        this.assign(v);
        return;
      default:
        this.assign(v);
    }
  }

  private num(v: Scalar, what: string, parse: (x: unknown) => number): number {
    if (typeof v === "number") return v;
    if (typeof v === "string") return this.conv(() => parse(v), what);
    this.fail(`${what} must be a number or a numeric string, not ${JSON.stringify(v)}`);
  }

  private finishRegion(): void {
    this.closingRegion = true;
    if (Number.isNaN(this.rStart)) this.fail("region has no 'start'");
    if (Number.isNaN(this.rEnd)) this.fail("region has no 'end'");
    if (!this.rHasNr) this.fail("region has no 'nr_accesses'");
    if (!this.rHasAge) this.fail("region has no 'age' (damo requires it)");
    if (this.rSamples === null && this.rPercent === null)
      this.fail("region 'nr_accesses' has neither 'samples' nor 'percent'");
    if (this.rEnd < this.rStart) this.fail(`region end ${this.rEnd} is below its start ${this.rStart}`);
    const i = this.nRegions++;
    // percent-only or usec-only values are converted once intervals are known
    this.cols.push(i, this.rStart, this.rEnd, this.rSamples ?? NaN, this.rAge ?? NaN, this.rSzf);
    if ((this.rSamples === null && this.rPercent !== null) || (this.rAge === null && this.rAgeUsec !== null))
      this.unset.push({
        snapshot: this.snapshots.length,
        region: i,
        percent: this.rSamples === null ? this.rPercent : null,
        usec: this.rAge === null ? this.rAgeUsec : null,
      });
    this.probeHits.set(i, this.rProbeHits);
    this.closingRegion = false;
    this.top()!.key = null;
  }

  private finishSnapshot(kv: Record<string, unknown>): Snapshot {
    if (!("start_time" in kv)) this.fail("snapshot has no 'start_time'");
    if (!("end_time" in kv)) this.fail("snapshot has no 'end_time'");
    if (!("regions" in kv)) this.fail("snapshot has no 'regions'");
    if (kv.regions !== true) this.fail("'regions' must be a list");
    const n = this.nRegions;
    const stats = kv.damos_stats;
    const probeHits = this.probeHits.take(n);
    return {
      ...(probeHits ? { probeHits } : {}),
      startNs: this.conv(() => textToNs(kv.start_time), "'start_time'"),
      endNs: this.conv(() => textToNs(kv.end_time), "'end_time'"),
      nr: n,
      ...this.cols.take(n),
      totalBytes:
        kv.total_bytes === undefined || kv.total_bytes === null
          ? null
          : this.conv(() => textToBytes(kv.total_bytes), "'total_bytes'"),
      damosStats:
        stats && typeof stats === "object" ? this.damosStats(stats as Record<string, unknown>) : null,
      sampleIntervalUs:
        kv.sample_interval_us === undefined || kv.sample_interval_us === null
          ? null
          : this.conv(() => textToNr(kv.sample_interval_us), "'sample_interval_us'"),
    };
  }

  private damosStats(kv: Record<string, unknown>): DamosStats {
    const g = (k: string, f: (x: unknown) => number): number =>
      kv[k] === undefined || kv[k] === null ? 0 : this.conv(() => f(kv[k]), `'damos_stats.${k}'`);
    const s: DamosStats = {
      nrTried: g("nr_tried", textToNr),
      szTried: g("sz_tried", textToBytes),
      nrApplied: g("nr_applied", textToNr),
      szApplied: g("sz_applied", textToBytes),
      szOpsFilterPassed: g("sz_ops_filter_passed", textToBytes),
      qtExceeds: g("qt_exceeds", textToNr),
    };
    if (kv.nr_snapshots !== undefined) s.nrSnapshots = g("nr_snapshots", textToNr);
    if (kv.max_nr_snapshots !== undefined) s.maxNrSnapshots = g("max_nr_snapshots", textToNr);
    return s;
  }

  private finishRecord(kv: Record<string, unknown>): DamonRecord {
    if (!("target_id" in kv)) this.fail("record has no 'target_id' (damo requires it)");
    if (!("snapshots" in kv)) this.fail("record has no 'snapshots'");
    if (kv.snapshots !== true) this.fail("'snapshots' must be a list");
    const intervals = kv.intervals ? this.intervals(kv.intervals) : null;
    const tid = kv.target_id;
    let targetId: string | null = null;
    if (typeof tid === "number") targetId = this.targetIdText ?? String(tid);
    else if (typeof tid === "string") targetId = tid;
    else if (tid !== null) this.fail("'target_id' must be a number or null");
    const optInt = (k: string): number | null => {
      const v = kv[k];
      if (v === undefined || v === null) return null;
      if (typeof v === "number") return v;
      return this.conv(() => textToNr(v), `'${k}'`);
    };
    const filters = Array.isArray(kv.scheme_filters) ? kv.scheme_filters.map((x) => this.filter(x)) : [];
    const rec: DamonRecord = {
      kdamondIdx: optInt("kdamond_idx"),
      contextIdx: optInt("context_idx"),
      intervals,
      schemeIdx: optInt("scheme_idx"),
      targetId,
      schemeFilters: filters,
      snapshots: this.snapshots,
      dataSource: typeof kv.data_source === "string" ? kv.data_source : null,
    };
    resolveUnsetUnits(rec, this.unset);
    this.unset = [];
    this.snapshots = [];
    return rec;
  }

  private intervals(v: unknown): Intervals {
    if (typeof v !== "object" || v === null) this.fail("'intervals' must be an object or null");
    const kv = v as Record<string, unknown>;
    const us = (k: string): number => {
      if (kv[k] === undefined) this.fail(`'intervals' has no '${k}'`);
      return this.conv(() => textToUsLenient(kv[k]), `'intervals.${k}'`);
    };
    let goal: IntervalsGoal | null = null;
    const g = kv.intervals_goal as Record<string, unknown> | undefined | null;
    if (g && typeof g === "object") {
      goal = {
        accessBp: this.conv(() => textToNr(g.access_bp ?? 0), "'intervals_goal.access_bp'"),
        aggrs: this.conv(() => textToNr(g.aggrs ?? 0), "'intervals_goal.aggrs'"),
        minSampleUs: this.conv(() => textToUsLenient(g.min_sample_us ?? 0), "'intervals_goal.min_sample_us'"),
        maxSampleUs: this.conv(() => textToUsLenient(g.max_sample_us ?? 0), "'intervals_goal.max_sample_us'"),
      };
    }
    const sampleUs = us("sample_us");
    const aggrUs = us("aggr_us");
    if (!(sampleUs > 0) || !(aggrUs > 0)) this.fail("'intervals' sample_us and aggr_us must be positive");
    return { sampleUs, aggrUs, updateUs: us("ops_update_us"), goal };
  }

  private filter(v: unknown): SchemeFilter {
    if (typeof v !== "object" || v === null) this.fail("each scheme filter must be an object");
    const kv = v as Record<string, unknown>;
    if (typeof kv.filter_type !== "string") this.fail("scheme filter has no 'filter_type'");
    const allow = kv.allow ?? (kv.filter_pass !== undefined ? kv.filter_pass : false);
    const ar = kv.address_range as Record<string, unknown> | null | undefined;
    const hp = kv.hugepage_size as unknown[] | null | undefined;
    return {
      filterType: kv.filter_type,
      matching: kv.matching === true,
      allow: allow === true,
      memcgPath: typeof kv.memcg_path === "string" ? kv.memcg_path : null,
      addressRange:
        ar && typeof ar === "object"
          ? {
              start: this.conv(() => textToBytes(ar.start), "'address_range'"),
              end: this.conv(() => textToBytes(ar.end), "'address_range'"),
            }
          : null,
      damonTargetIdx:
        kv.damon_target_idx === undefined || kv.damon_target_idx === null
          ? null
          : this.conv(() => textToNr(kv.damon_target_idx), "'damon_target_idx'"),
      hugepageSize:
        Array.isArray(hp) && hp.length === 2
          ? [
              this.conv(() => textToBytes(hp[0]), "'hugepage_size'"),
              this.conv(() => textToBytes(hp[1]), "'hugepage_size'"),
            ]
          : null,
    };
  }
}

/** damo's text_to_us: numbers are µs, strings with units are converted. */
function textToUsLenient(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const t = v.replace(/,/g, "").trim();
    if (/^[+-]?\d+(\.\d*)?$/.test(t)) return Number(t);
    return textToNs(v) / 1000;
  }
  throw new Error(`not a time: ${JSON.stringify(v)}`);
}

interface Unset {
  snapshot: number;
  region: number;
  percent: number | null;
  usec: number | null;
}

/**
 * Converts percent-only nr_accesses and usec-only ages once intervals are known, as
 * damo's add_unset_unit: samples = int(percent * (aggr / sample) / 100), age =
 * int(usec / aggr). (They were once carried as -1e300 - value, which lost the value.)
 */
function resolveUnsetUnits(rec: DamonRecord, unset: readonly Unset[]): void {
  const iv = rec.intervals;
  for (const u of unset) {
    const s = rec.snapshots[u.snapshot];
    if (u.percent !== null)
      s.samples[u.region] = iv ? Math.trunc((u.percent * (iv.aggrUs / iv.sampleUs)) / 100) : 0;
    if (u.usec !== null) s.age[u.region] = iv ? Math.trunc(u.usec / iv.aggrUs) : NaN;
  }
}

/** Parses "94,827,419,009,024" straight from bytes; undefined if not that form. */
function fastGroupedInt(buf: Buffer, from: number, to: number): number | undefined {
  if (from >= to) return undefined;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c >= 0x30 && c <= 0x39) v = v * 10 + (c - 0x30);
    else if (c !== 0x2c) return undefined;
  }
  return v;
}

function normalizeIntText(text: string): string {
  if (/^-?\d+$/.test(text)) return BigInt(text).toString();
  return String(Number(text));
}

const START_TIME = Buffer.from('"start_time"', "latin1");
/** RFC 8259's number grammar. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

function clipText(s: string): string {
  return s.length > 40 ? s.slice(0, 40) + "..." : s;
}
/** Snapshots bigger than this are read by the byte-level parser instead of waiting for more data. */
const FAST_LIMIT = 32 << 20;

/** "94,827,419,009,024" or 94827419009024; undefined for other forms. */
function intOf(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v !== "string" || v.length === 0) return undefined;
  let x = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) x = x * 10 + (c - 0x30);
    else if (c !== 0x2c) return undefined;
  }
  return x;
}

const KNOWN_KEYS = [
  "start",
  "end",
  "nr_accesses",
  "age",
  "sz_filter_passed",
  "samples",
  "percent",
  "usec",
  "aggr_intervals",
  "probe_hits",
].map((k) => ({ k, bytes: Buffer.from(k, "latin1") }));

/** The constant string for a frequent key, without allocating; undefined otherwise. */
function knownKey(buf: Buffer, from: number, to: number): string | undefined {
  const len = to - from;
  outer: for (const { k, bytes } of KNOWN_KEYS) {
    if (bytes.length !== len || bytes[0] !== buf[from]) continue;
    for (let i = 1; i < len; i++) if (bytes[i] !== buf[from + i]) continue outer;
    return k;
  }
  return undefined;
}

const SIZE_UNIT: Record<number, number> = {
  0x4b: 2 ** 10,
  0x4d: 2 ** 20,
  0x47: 2 ** 30,
  0x54: 2 ** 40,
  0x50: 2 ** 50,
  0x45: 2 ** 60,
};

/** "0 B", "123 B", "31.340 MiB" as damo's text_to_bytes reads them; undefined for other forms. */
function fastSize(buf: Buffer, from: number, to: number): number | undefined {
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
