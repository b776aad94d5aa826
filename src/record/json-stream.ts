/**
 * Incremental reader of damo's JSON record text. Bytes are fed in chunks (from a
 * zlib inflate stream or a file) and the record structure is built as it goes:
 * region objects never become JS objects but go straight into typed-array columns,
 * so neither the whole text nor a whole object tree is ever held (the issue's
 * streaming requirement). Everything outside regions is small and built generically.
 */
import { FormatError } from "../util/errors.js";
import { RegionColumns } from "./region-columns.js";
import { ProbeHitsBuilder, parseProbeHitsValue } from "./probe-hits.js";
import { normalizeIntText, recordFromFields, snapshotFromFields, type Unset } from "./record-fields.js";
import { RegionFields, type Scalar } from "./region-fields.js";
import { FAST_LIMIT, FastSnapshots, type SnapshotSink } from "./snapshot-fast.js";
import { START_TIME } from "./compact-snapshot.js";
import { PendingChunks } from "./pending-chunks.js";
import { ReusedBytes } from "./reused-bytes.js";
import { At, type Frame, Role, knownKey, partOf, roleOf } from "./record-grammar.js";
import type { DamonRecord, Snapshot } from "./model.js";

/** Options of the reader; `fastPaths: false` (tests) reads every snapshot with the byte-level parser. */
export interface RecordJsonParserOptions {
  fastPaths?: boolean;
}

export class RecordJsonParser implements SnapshotSink {
  private stack: Frame[] = [];
  private carry: Buffer | null = null;
  private readonly carrySpace = new ReusedBytes();
  private readonly joinSpace = new ReusedBytes();
  private done = false;
  readonly records: DamonRecord[] = [];

  // current record/snapshot/region state
  snapshots: Snapshot[] = [];
  private nRegions = 0;
  readonly cols = new RegionColumns();
  readonly probeHits = new ProbeHitsBuilder();
  private readonly fast: FastSnapshots;
  private readonly failHere = (msg: string): never => this.fail(msg);
  private readonly region = new RegionFields(this.failHere);
  private targetIdText: string | null = null;
  private closingRegion = false;
  private closingSnapshot = false;
  private started = false;

  /** Regions of the current record given only as percent or usec, converted once intervals are known. */
  private unset: Unset[] = [];
  /** Chunks collected while a snapshot is incomplete. */
  private readonly pending = new PendingChunks();

  constructor(
    private readonly file: string,
    options: RecordJsonParserOptions = {},
  ) {
    this.fast = new FastSnapshots(options.fastPaths ?? true);
  }

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

  private fail(msg: string): never {
    throw new FormatError(msg, this.where());
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

  /**
   * Feeds the next bytes of the JSON text. The chunk's bytes are not referenced
   * after the call returns (what is kept is copied), so the caller may reuse it.
   */
  feed(chunk: Buffer, final = false): void {
    if (this.pending.active) {
      const joined = this.pending.add(chunk, this.carry!.length, final, FAST_LIMIT);
      if (joined === null) return;
      chunk = joined;
    }
    if (this.carry && !final && this.started) {
      // Join the carried bytes with the chunk only up to the next snapshot's '{',
      // so that the rest of the chunk is read in place instead of copied.
      const key = chunk.indexOf(START_TIME);
      const cut = key > 0 ? chunk.lastIndexOf(0x7b, key) : -1;
      if (cut > 0) {
        this.feedJoined(this.joinSpace.set(this.carry, chunk.subarray(0, cut)), false);
        this.feed(chunk.subarray(cut), false);
        return;
      }
    }
    this.feedJoined(this.carry ? this.joinSpace.set(this.carry, chunk) : chunk, final);
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
        if (
          !esc &&
          f !== undefined &&
          f.role >= Role.Region &&
          this.region.stringFast(partOf(f.role), f.key, buf, i + 1, j)
        ) {
          f.key = null; // handled from the bytes
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
          const r = this.fast.read(buf, i, final, this);
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
          if (!JSON_NUMBER.test(text))
            this.fail(`bad number '${text.length > 40 ? text.slice(0, 40) + "..." : text}' (not JSON)`);
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
    // reused buffers: nothing read is referenced after feed() returns
    this.carry = i < n ? this.carrySpace.set(buf.subarray(i)) : null;
    if (waitSnapshot && this.carry) {
      this.pending.start(this.carry);
    }
  }

  /** Ends the input; throws if the text was truncated. */
  end(): DamonRecord[] {
    this.fast.release();
    if (this.pending.active) {
      this.carry = Buffer.concat([this.carry!, ...this.pending.stop()]);
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
    if (!parent && this.done) this.fail("more than one JSON value");
    const role = roleOf(parent, isObj);
    if (typeof role === "string") this.fail(role);
    if (role === Role.Snapshot) {
      this.nRegions = 0;
      this.probeHits.take(0);
    }
    if (role === Role.Record) {
      this.snapshots = [];
      this.unset = [];
      this.targetIdText = null;
    }
    if (role === Role.Region) this.region.reset();
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
        this.snapshots.push(this.snapshotOf(f.value as Record<string, unknown>, this.nRegions));
        this.closingSnapshot = false;
        return;
      case Role.Snapshots:
        this.top()!.key = null;
        (this.top()!.value as Record<string, unknown>).snapshots = true;
        return;
      case Role.Record:
        this.records.push(
          recordFromFields(
            this.failHere,
            f.value as Record<string, unknown>,
            this.snapshots,
            this.targetIdText,
            this.unset,
          ),
        );
        this.unset = [];
        this.snapshots = [];
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
      this.region.probeHits = hits;
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

  private onString(s: string, buf: Buffer, from: number, to: number): void {
    const f = this.top();
    if (!f) this.fail("a record file must be a JSON list, not a string");
    if (f.isObj && f.key === null) {
      f.key = s;
      return;
    }
    if (f.role === Role.Region && this.region.addressString(f.key, s, buf, from, to)) {
      f.key = null;
      return;
    }
    this.onScalar(s, s);
  }

  private onScalar(v: Scalar, text: string): void {
    const f = this.top();
    if (!f) this.fail("a record file must be a JSON list");
    if (f.isObj && f.key === null) this.fail(`object key expected, found ${text}`);
    switch (f.role) {
      case Role.Region:
      case Role.RegionNr:
      case Role.RegionAge:
        this.region.scalar(partOf(f.role), f.key, v);
        f.key = null;
        return;
      case Role.Record:
        if (f.key === "target_id" && typeof v === "number") this.targetIdText = normalizeIntText(text);
        this.assign(v);
        return;
      default:
        this.assign(v);
    }
  }

  private finishRegion(): void {
    this.closingRegion = true;
    const i = this.nRegions;
    // percent-only or usec-only values are converted once intervals are known
    const later = this.region.finish((start, end, samples, age, szf) =>
      this.cols.push(i, start, end, samples, age, szf),
    );
    this.nRegions++;
    if (later) this.unset.push({ snapshot: this.snapshots.length, region: i, ...later });
    this.probeHits.set(i, this.region.probeHits);
    this.closingRegion = false;
    this.top()!.key = null;
  }

  /** SnapshotSink: the snapshot from its key-values and the first nr rows of the columns. */
  snapshotOf(kv: Record<string, unknown>, nr: number): Snapshot {
    return snapshotFromFields(this.failHere, kv, nr, this.cols.take(nr), this.probeHits.take(nr));
  }
}

/** RFC 8259's number grammar. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
