/**
 * Memory cgroups: ids by path, a process's cgroup, and the cgroup of a frame.
 */
import type { Machine } from "./machine.js";
import { FRAME_LRU } from "./frames.js";

/** Memory cgroup id of `path` ("/" = 1), creating it when `create`; -1 when it does not exist. */
export function memcgId(m: Machine, path: string, create = false): number {
  const norm =
    "/" +
    path
      .split("/")
      .filter((x) => x !== "")
      .join("/");
  let id = m.memcgs.get(norm);
  if (id === undefined) {
    if (!create) return -1;
    id = m.memcgs.size + 1;
    m.memcgs.set(norm, id);
  }
  return id;
}

/** Charges process `pid` to the memory cgroup at `path` (created if needed); returns its id. */
export function setMemcg(m: Machine, pid: number, path: string): number {
  const id = memcgId(m, path, true);
  m.process(pid).memcgId = id;
  return id;
}

/** Memory cgroup of the process mapping frame `pfn` (0 when unmapped). */
export function memcgOfFrame(m: Machine, pfn: number): number {
  const a = m.frames.rmapAsid[pfn];
  return a === 0 ? 0 : m.spaces[a - 1].memcgId;
}

/** LRU pages of memcg `id` on `node` (a scan over the frame table: for goal metrics, not hot paths). */
export function memcgNodePages(m: Machine, id: number, node: number): number {
  const ft = m.frames;
  let n = 0;
  for (let pfn = 0; pfn < ft.capacity; pfn++) {
    if (ft.flags[pfn] & FRAME_LRU && ft.node[pfn] === node && memcgOfFrame(m, pfn) === id) n++;
  }
  return n;
}
