/** Helpers shared by the `report` subcommands: option parsing, record loading, paged output. */
import { readRecords } from "../../../record/read.js";
import type { DamonRecord } from "../../../record/model.js";
import { textToBytes, textToNr, textToNs, textToPercent, textToUs } from "../../../record/damo-fmt.js";
import type { RecordFilter } from "../../../record/filter.js";
import { InputError, UsageError } from "../../../util/errors.js";
import { requireInputFile } from "../../files.js";

/** Writes text pieces to stdout honouring back-pressure; a closed pipe just ends output. */
export async function writeOut(chunks: Iterable<string | Uint8Array>): Promise<void> {
  let closed = false;
  const onErr = (e: NodeJS.ErrnoException): void => {
    if (e.code === "EPIPE") closed = true;
  };
  process.stdout.on("error", onErr);
  let buf = "";
  for (const c of chunks) {
    if (closed) break;
    let ok: boolean;
    if (typeof c === "string") {
      buf += c;
      if (buf.length < 1 << 16) continue;
      ok = process.stdout.write(buf);
      buf = "";
    } else {
      // pieces of bytes are large already: written as they are, after any text before them
      if (buf) process.stdout.write(buf);
      buf = "";
      ok = process.stdout.write(c);
    }
    if (!ok)
      await new Promise<void>((res) => {
        // a reader that went away (`| head`) ends the wait as well as a drain
        const done = (): void => {
          process.stdout.off("drain", done);
          process.stdout.off("error", done);
          process.stdout.off("close", done);
          res();
        };
        process.stdout.once("drain", done);
        process.stdout.once("error", done);
        process.stdout.once("close", done);
      });
  }
  if (buf && !closed) process.stdout.write(buf);
}

export function ints(values: string[] | undefined, n: number | null, name: string): number[] | undefined {
  if (values === undefined) return undefined;
  if (n !== null && values.length !== n)
    throw new UsageError(`${name} takes ${n} numbers, got ${values.length}`);
  return values.map((v) => {
    if (!/^-?\d+$/.test(v.trim())) throw new UsageError(`'${v}' is not an integer`, name);
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new UsageError(`'${v}' is too large (at most 2^53-1)`, name);
    return n;
  });
}

export function intOpt(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  return ints([v], 1, name)![0];
}

export async function loadRecords(path: string): Promise<DamonRecord[]> {
  requireInputFile(path, "record file");
  return readRecords(path);
}

export function requireIntervals(records: DamonRecord[]): void {
  if (records.some((r) => r.intervals === null))
    throw new InputError("some records lack the intervals information; use --raw_form for such records");
}

/** Accumulates a repeatable multi-value option into one flat list. */
export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

export function pairs(
  values: unknown,
  name: string,
  parse: (s: string) => number,
): [number, number][] | undefined {
  if (values === undefined) return undefined;
  const v = values as string[];
  if (v.length % 2 !== 0) throw new UsageError("takes <min> <max> pairs", name);
  const out: [number, number][] = [];
  for (let i = 0; i < v.length; i += 2) {
    let a: number, b: number;
    try {
      a = parse(v[i]);
      b = parse(v[i + 1]);
    } catch (e) {
      throw new UsageError((e as Error).message, name);
    }
    if (a > b) throw new UsageError(`min ${v[i]} is above max ${v[i + 1]}`, name);
    out.push([a, b]);
  }
  return out;
}

export function one(
  values: unknown,
  name: string,
  parse: (s: string) => number,
): [number, number] | undefined {
  const p = pairs(values, name, parse);
  if (p && p.length !== 1) throw new UsageError("takes one <min> <max> pair", name);
  return p?.[0];
}

const secondsOrTime = (s: string): number => (/^\s*[0-9.]+\s*$/.test(s) ? Number(s) * 1e6 : textToUs(s));

export function accessFilter(o: Record<string, unknown>): RecordFilter {
  return {
    szRegion: one(o.sz_region, "--sz_region", (s) => textToBytes(s)),
    accessRate: one(o.access_rate, "--access_rate", (s) => textToPercent(s)),
    ageUs: one(o.age, "--age", secondsOrTime),
    addressRanges: pairs(o.address, "--address", (s) => textToBytes(s)),
    snapshotSz: pairs(o.sz_snapshot, "--sz_snapshot", (s) => textToBytes(s)),
    snapshotTime: pairs(o.snapshot_time, "--snapshot_time", (s) => textToNs(s)),
    snapshotIdx: pairs(o.snapshot_idx, "--snapshot_idx", (s) => textToNr(s)),
  };
}
