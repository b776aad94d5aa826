/**
 * Where a JSON value sits in a record's text, for the byte-level reader: the roles
 * of the containers (root list, record, snapshots, regions and their parts), the
 * grammar state inside one, which container may hold what (with damo's message
 * when it may not), and the keys the reader meets most, matched without making
 * strings.
 */
import { RegionPart } from "./region-fields.js";

export const enum Role {
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
export const enum At {
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

export interface Frame {
  role: Role;
  isObj: boolean;
  at: At;
  key: string | null;
  /** Generic container being built (object or array); unused for region frames. */
  value: Record<string, unknown> | unknown[] | null;
}

/**
 * The role of a container opened (an object when isObj) inside `parent` (none: the
 * top level), or what is wrong with it there.
 */
export function roleOf(parent: Frame | undefined, isObj: boolean): Role | string {
  if (!parent) return isObj ? "expected a list of records ('['), found an object" : Role.Root;
  const key = parent.key;
  const p = parent.role;
  if (p === Role.Root && isObj) return Role.Record;
  if (p === Role.Record && key === "snapshots" && !isObj) return Role.Snapshots;
  if (p === Role.Snapshots && isObj) return Role.Snapshot;
  if (p === Role.Snapshot && key === "regions" && !isObj) return Role.Regions;
  if (p === Role.Regions && isObj) return Role.Region;
  if (p === Role.Region && key === "nr_accesses" && isObj) return Role.RegionNr;
  if (p === Role.Region && key === "age" && isObj) return Role.RegionAge;
  if (p === Role.Root) return "each record must be an object";
  if (p === Role.Snapshots) return "each snapshot must be an object";
  if (p === Role.Regions) return "each region must be an object";
  if (p === Role.Region && (key === "nr_accesses" || key === "age"))
    return `region '${key}' must be an object`;
  if (p === Role.Region && (key === "start" || key === "end" || key === "sz_filter_passed"))
    return `region '${key}' must be a number or a numeric string`;
  if (p === Role.RegionNr && (key === "samples" || key === "percent"))
    return `region 'nr_accesses.${key}' must be a number or null`;
  if (p === Role.RegionAge && (key === "usec" || key === "aggr_intervals"))
    return `region 'age.${key}' must be a number or null`;
  if (p === Role.Record && key === "snapshots") return "'snapshots' must be a list";
  if (p === Role.Snapshot && key === "regions") return "'regions' must be a list";
  return Role.Generic;
}

/** Which part of a region a frame of one of the region roles is. */
export function partOf(role: Role): RegionPart {
  return role === Role.Region
    ? RegionPart.Region
    : role === Role.RegionNr
      ? RegionPart.NrAccesses
      : RegionPart.Age;
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
export function knownKey(buf: Buffer, from: number, to: number): string | undefined {
  const len = to - from;
  outer: for (const { k, bytes } of KNOWN_KEYS) {
    if (bytes.length !== len || bytes[0] !== buf[from]) continue;
    for (let i = 1; i < len; i++) if (bytes[i] !== buf[from + i]) continue outer;
    return k;
  }
  return undefined;
}
