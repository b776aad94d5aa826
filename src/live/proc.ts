/**
 * What /proc says about a live process, read-only: whether it is alive, its
 * memory map (the layout DAMON's three regions come from), its threads, and
 * per-VMA Referenced bytes from smaps. The one write, `clearRefs`, is used only
 * when the user asks for it (`damon-ts live --clear-refs`).
 */
import { accessSync, constants, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { parseProcMaps, type ProcMapping } from "../workload/trace/proc-maps.js";

export type { ProcMapping };

/** Alive = /proc/PID exists and the process is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The state letter of /proc/PID/stat (R, S, T, Z, ...), or null when gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return null;
  }
}

export function processComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/**
 * The process's mappings, sorted, without [vsyscall] (a fixed kernel page far
 * above user space, not a VMA of the process's mm); empty when it is gone.
 */
export function readMaps(pid: number): ProcMapping[] {
  try {
    return parseProcMaps(readFileSync(`/proc/${pid}/maps`, "utf8")).filter((m) => m.name !== "[vsyscall]");
  } catch {
    return [];
  }
}

/** Thread ids and names of the process. */
export function readThreads(pid: number): { tid: number; comm: string }[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map((t) => ({ tid: Number(t), comm: processComm(Number(t)) }));
  } catch {
    return [];
  }
}

export interface VmaReferenced {
  start: number;
  end: number;
  name: string;
  rssBytes: number;
  referencedBytes: number;
}

/** Per-VMA Rss and Referenced from /proc/PID/smaps (null when unreadable). */
export function readSmapsReferenced(pid: number): VmaReferenced[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return null;
  }
  const out: VmaReferenced[] = [];
  let cur: VmaReferenced | null = null;
  for (const line of text.split("\n")) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = {
        start: parseInt(head[1], 16),
        end: parseInt(head[2], 16),
        name: head[3],
        rssBytes: 0,
        referencedBytes: 0,
      };
      if (cur.name !== "[vsyscall]") out.push(cur);
      continue;
    }
    const kv = /^(Rss|Referenced):\s+(\d+) kB/.exec(line);
    if (kv && cur) {
      if (kv[1] === "Rss") cur.rssBytes = Number(kv[2]) * 1024;
      else cur.referencedBytes = Number(kv[2]) * 1024;
    }
  }
  return out;
}

/**
 * Clears the Referenced bits of every page of the process (writes "1" to
 * /proc/PID/clear_refs). Only on the user's explicit request.
 */
export function clearRefs(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, "1");
}

/**
 * Where `command` would be executed from (as the shell finds it: a path when it has
 * a slash, else the first executable file of that name on PATH), or null.
 */
export function findExecutable(command: string, path = process.env.PATH ?? ""): string | null {
  const ok = (f: string): boolean => {
    try {
      accessSync(f, constants.X_OK);
      return statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes("/")) return ok(command) ? command : null;
  for (const dir of path.split(delimiter)) {
    const f = join(dir === "" ? "." : dir, command);
    if (ok(f)) return f;
  }
  return null;
}
