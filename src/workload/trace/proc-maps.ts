/**
 * Reads /proc/PID/maps and turns the differences between two reads into map events.
 * Used with the lackey fallback, which reports no memory-map changes of its own.
 */
import { readFileSync } from "node:fs";
import type { MapEvent } from "./format.js";
import { isValgrindOwnMapping } from "./raw-records.js";

export interface ProcMapping {
  start: number;
  end: number;
  prot: string;
  name: string;
}

/** Parses the text of a /proc/PID/maps file. */
export function parseProcMaps(text: string): ProcMapping[] {
  const out: ProcMapping[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) ([rwxsp-]{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), prot: m[3].slice(0, 3), name: m[4] });
  }
  return out;
}

function kindOf(name: string): MapEvent["kind"] {
  if (name === "[heap]") return "heap";
  if (name.startsWith("[stack")) return "stack";
  return name.startsWith("/") ? "file" : "anon";
}

/** Polls one process's memory map and reports what changed since the last poll. */
export class ProcMapsPoller {
  private known = new Map<string, ProcMapping>();

  constructor(private readonly pid: number) {}

  /** Returns the events since the last poll (empty when the process is gone). */
  poll(clock: number): Omit<MapEvent, "index">[] {
    let text: string;
    try {
      text = readFileSync(`/proc/${this.pid}/maps`, "utf8");
    } catch {
      return [];
    }
    const now = new Map<string, ProcMapping>();
    for (const m of parseProcMaps(text)) {
      // Valgrind's own files and the kernel's vsyscall pages are not the program's.
      if (
        isValgrindOwnMapping(m.name) ||
        m.name === "[vsyscall]" ||
        m.name === "[vvar]" ||
        m.name === "[vdso]"
      )
        continue;
      now.set(`${m.start}-${m.end}-${m.prot}-${m.name}`, m);
    }
    const events: Omit<MapEvent, "index">[] = [];
    for (const [k, m] of this.known)
      if (!now.has(k)) events.push({ type: "unmap", clock, start: m.start, length: m.end - m.start });
    const first = this.known.size === 0;
    for (const [k, m] of now)
      if (!this.known.has(k)) {
        const ev: Omit<MapEvent, "index"> = {
          type: "map",
          clock,
          start: m.start,
          length: m.end - m.start,
          prot: m.prot,
          kind: kindOf(m.name),
        };
        if (m.name) ev.name = m.name;
        if (first) ev.startup = true;
        events.push(ev);
      }
    this.known = now;
    return events;
  }
}
