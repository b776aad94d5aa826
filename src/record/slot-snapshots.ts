/**
 * Where the reading worker (read-worker-thread.ts) cuts the record's text into
 * slots: just before a snapshot's '{', so that every slot but the first starts at
 * one and the main thread's parser carries nothing from one slot to the next.
 */
import { START_TIME } from "./compact-snapshot.js";

/** Whether b[i] is JSON whitespace. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Where to cut b[0, len): the '{' opening the last snapshot that starts in it
 * (a '{', whitespace, then `"start_time"`), or -1 when there is none after byte 0.
 */
export function snapshotCut(b: Buffer, len: number): number {
  let key = b.lastIndexOf(START_TIME, len - START_TIME.length);
  while (key > 0) {
    let p = key - 1;
    while (p > 0 && isSpace(b[p])) p--;
    if (b[p] === 0x7b && p > 0) return p;
    key = b.lastIndexOf(START_TIME, key - 1);
  }
  return -1;
}
