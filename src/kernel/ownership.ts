/**
 * Which kdamonds this tool created. Writing `nr_kdamonds` removes and recreates every
 * kdamond directory, so the backend must never write it while kdamonds exist that
 * someone else set up (on a development machine the machine's own DAMON instance).
 * The check reads only: `nr_kdamonds`, each kdamond's `state` and `pid`, compared
 * with a record this tool writes next to nothing else (a small JSON file per sysfs
 * root) when it creates kdamonds.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { ForeignKdamondsError } from "./errors.js";
import type { SysfsIo } from "./sysfs-io.js";

export interface OwnershipRecord {
  schema: "damon-ts/kernel-ownership/1";
  root: string;
  nrKdamonds: number;
  /** kdamond thread pid when we turned it on, -1 when we left it off. */
  pids: number[];
}

/** Where the record of a sysfs root lives: /run/damon-ts when writable (root), else the temp dir. */
export function defaultOwnershipFile(root: string): string {
  const name = `${root.replace(/[^A-Za-z0-9]+/g, "_")}.json`;
  const dir = existsSync("/run") && process.getuid?.() === 0 ? "/run/damon-ts" : join(tmpdir(), "damon-ts");
  return join(dir, name);
}

export function readOwnership(file: string): OwnershipRecord | null {
  if (!existsSync(file)) return null;
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as OwnershipRecord;
    // the name before docs/json-output.md's damon-ts/<kind>/<version> rule is read too
    const legacy = (r.schema as string) === "damon-ts-kernel-ownership/1";
    return r.schema === "damon-ts/kernel-ownership/1" || legacy
      ? { ...r, schema: "damon-ts/kernel-ownership/1" }
      : null;
  } catch {
    return null;
  }
}

export function writeOwnership(file: string, record: OwnershipRecord): void {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
}

export function clearOwnership(file: string): void {
  rmSync(file, { force: true });
}

export interface KdamondState {
  idx: number;
  state: string;
  pid: number;
}

/** Reads nr_kdamonds and each kdamond's state and pid (reads only). */
export function readKdamondStates(io: SysfsIo, root: string): KdamondState[] {
  const nrFile = `${root}/kdamonds/nr_kdamonds`;
  if (!io.exists(nrFile)) return [];
  const n = Number(io.read(nrFile));
  const out: KdamondState[] = [];
  for (let i = 0; i < n; i++) {
    const dir = `${root}/kdamonds/${i}`;
    const state = io.exists(`${dir}/state`) ? io.read(`${dir}/state`) : "?";
    const pid = io.exists(`${dir}/pid`) ? Number(io.read(`${dir}/pid`)) : -1;
    out.push({ idx: i, state, pid });
  }
  return out;
}

/**
 * Throws ForeignKdamondsError unless every existing kdamond is one this tool created
 * (per the record) and still in the state it left it. `takeOver` skips the check.
 */
export function assertOwned(
  io: SysfsIo,
  root: string,
  record: OwnershipRecord | null,
  takeOver: boolean,
): KdamondState[] {
  const states = readKdamondStates(io, root);
  if (states.length === 0 || takeOver) return states;
  const describe = states
    .map((s) => `kdamond ${s.idx}: ${s.state}${s.pid > 0 ? `, pid ${s.pid}` : ""}`)
    .join("; ");
  const refuse = (why: string) =>
    new ForeignKdamondsError(
      `${states.length} kdamond(s) exist under ${root} that damon-ts did not create (${why}: ${describe}). ` +
        "Writing nr_kdamonds would destroy them. Stop them with the tool that started them (e.g. `damo stop`), " +
        "or, if you are sure nothing needs them, pass --take-over.",
    );
  if (!record || record.root !== root) throw refuse("no record of creating them");
  if (record.nrKdamonds !== states.length) throw refuse(`we created ${record.nrKdamonds}`);
  for (const s of states) {
    const ours = record.pids[s.idx] ?? -1;
    if (s.state === "on" && s.pid !== ours)
      throw refuse(`kdamond ${s.idx} runs as pid ${s.pid}, not ours (${ours})`);
  }
  return states;
}
