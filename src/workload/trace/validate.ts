/**
 * Field checks for the JSON parts of a trace (header, map events, footer). The
 * reader runs them on everything it returns, and the importers on every event
 * they write, so a consumer never meets a field of the wrong type or an
 * impossible value: a bad field is a FormatError naming where it is.
 */
import { FormatError } from "../../util/errors.js";
import { MAX_EXACT, type MapEvent, type TraceFooter, type TraceHeader } from "./format.js";

/** Smallest and largest page size a header may give (a power of two in between). */
export const MIN_PAGE_SIZE = 2 ** 9;
export const MAX_PAGE_SIZE = 2 ** 30;

const EVENT_TYPES = new Set(["map", "unmap", "protect", "remap"]);
const EVENT_KINDS = new Set(["file", "anon", "heap", "stack"]);
/** "rwx" letters or "-" in that order, optionally followed by "p" or "s" as in /proc/PID/maps. */
const PROT_RE = /^[r-][w-][x-][ps]?$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === "string");

/** An exact non-negative integer an address or a count can be (below 2^52, as the coder requires). */
export const isTraceInteger = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v < MAX_EXACT;

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  const s = JSON.stringify(v);
  return s === undefined ? typeof v : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** Checks a parsed header; returns it typed, or throws naming the field. */
export function validateTraceHeader(h: unknown, where: string): TraceHeader {
  if (!isObject(h)) throw new FormatError(`trace header is not a JSON object (${describe(h)})`, where);
  const bad = (field: string, want: string): never => {
    throw new FormatError(`header field ${field} is ${describe(h[field])}, expected ${want}`, where);
  };
  if (h.format !== "damon-ts-trace") bad("format", '"damon-ts-trace"');
  if (typeof h.version !== "string") bad("version", "a string");
  if (typeof h.tool !== "string") bad("tool", "a string");
  if (typeof h.clockUnit !== "string") bad("clockUnit", "a string");
  const ps = h.pageSize;
  if (
    typeof ps !== "number" ||
    !Number.isInteger(ps) ||
    ps < MIN_PAGE_SIZE ||
    ps > MAX_PAGE_SIZE ||
    (ps & (ps - 1)) !== 0
  )
    bad("pageSize", `a power of two from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}`);
  if (h.command !== undefined && !isStringArray(h.command)) bad("command", "an array of strings");
  if (h.notes !== undefined && !isStringArray(h.notes)) bad("notes", "an array of strings");
  if (h.startedAt !== undefined && typeof h.startedAt !== "string") bad("startedAt", "a string");
  return h as TraceHeader;
}

/** Checks one map event (as read, with its index); throws naming the event and field. */
export function validateMapEvent(ev: unknown, where: string, needIndex = true): MapEvent {
  if (!isObject(ev)) throw new FormatError(`map event is not a JSON object (${describe(ev)})`, where);
  const bad = (field: string, want: string): never => {
    throw new FormatError(`map event field ${field} is ${describe(ev[field])}, expected ${want}`, where);
  };
  if (typeof ev.type !== "string" || !EVENT_TYPES.has(ev.type)) bad("type", "map, unmap, protect or remap");
  if ((needIndex || ev.index !== undefined) && !isTraceInteger(ev.index))
    bad("index", "an integer in [0, 2^52)");
  if (typeof ev.clock !== "number" || !Number.isFinite(ev.clock)) bad("clock", "a finite number");
  if (!isTraceInteger(ev.start)) bad("start", "an integer in [0, 2^52)");
  if (!isTraceInteger(ev.length)) bad("length", "an integer in [0, 2^52)");
  if ((ev.start as number) + (ev.length as number) > MAX_EXACT) bad("length", "an end below 2^52");
  if (ev.type === "remap" || ev.to !== undefined) {
    if (!isTraceInteger(ev.to)) bad("to", "an integer in [0, 2^52) (the new start of a remap)");
    if ((ev.to as number) + (ev.length as number) > MAX_EXACT) bad("to", "an end below 2^52");
  }
  if (ev.prot !== undefined && (typeof ev.prot !== "string" || !PROT_RE.test(ev.prot)))
    bad("prot", 'protection letters like "rw-"');
  if (ev.kind !== undefined && (typeof ev.kind !== "string" || !EVENT_KINDS.has(ev.kind)))
    bad("kind", "file, anon, heap or stack");
  if (ev.name !== undefined && typeof ev.name !== "string") bad("name", "a string");
  if (ev.startup !== undefined && typeof ev.startup !== "boolean") bad("startup", "true or false");
  return ev as unknown as MapEvent;
}

/** Checks a parsed footer; returns it typed, or throws naming the field. */
export function validateTraceFooter(f: unknown, where: string): TraceFooter {
  if (!isObject(f)) throw new FormatError(`trace footer is not a JSON object (${describe(f)})`, where);
  const bad = (field: string, want: string): never => {
    throw new FormatError(`footer field ${field} is ${describe(f[field])}, expected ${want}`, where);
  };
  if (!isTraceInteger(f.accesses)) bad("accesses", "a non-negative integer");
  if (!isTraceInteger(f.events)) bad("events", "a non-negative integer");
  if (!Array.isArray(f.threads) || !f.threads.every((t) => Number.isInteger(t) && (t | 0) === t))
    bad("threads", "an array of 32-bit thread ids");
  if (typeof f.firstClock !== "number" || !Number.isFinite(f.firstClock))
    bad("firstClock", "a finite number");
  if (typeof f.lastClock !== "number" || !Number.isFinite(f.lastClock)) bad("lastClock", "a finite number");
  if (typeof f.partial !== "boolean") bad("partial", "true or false");
  if (f.endReason !== undefined && typeof f.endReason !== "string") bad("endReason", "a string");
  if (
    f.wallSeconds !== undefined &&
    (typeof f.wallSeconds !== "number" || !Number.isFinite(f.wallSeconds) || f.wallSeconds < 0)
  )
    bad("wallSeconds", "a non-negative number");
  if (f.notes !== undefined && !isStringArray(f.notes)) bad("notes", "an array of strings");
  return f as TraceFooter;
}
