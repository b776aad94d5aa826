/**
 * The worker thread of read-worker.ts. It reads the record file (inflating it on
 * Node's zlib thread when compressed) into a few SharedArrayBuffer slots in turn,
 * cuts each full slot just before the last snapshot that starts in it (the rest
 * moves to the next slot, which then starts at a snapshot, so the main thread's
 * parser carries nothing between slots). A shared flag per slot says when the main
 * thread is done with it and it may be refilled.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { createGunzip, createInflate } from "node:zlib";
import { snapshotCut } from "./slot-snapshots.js";

/** How the file's bytes are stored. */
export type Codec = "zlib" | "gzip" | "none";

export interface ReadWorkerData {
  path: string;
  codec: Codec;
  slots: SharedArrayBuffer[];
  /** Per slot: 1 while it holds bytes the main thread has not finished with, else 0. */
  full: SharedArrayBuffer;
}

export type FromWorker = { slot: number; start: number; end: number } | { done: true } | { error: string };

// Atomics.waitAsync is in Node 20 but typed only from lib ES2024 (this project: ES2023)
const atomics = Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
};

async function run(data: ReadWorkerData, post: (m: FromWorker) => void): Promise<void> {
  const views = data.slots.map((s) => new Uint8Array(s));
  const full = new Int32Array(data.full);
  const size = views[0].length;

  /** Waits (without blocking the inflater) until the main thread is done with the slot. */
  const acquire = async (slot: number): Promise<void> => {
    while (Atomics.load(full, slot) !== 0) {
      const w = atomics.waitAsync(full, slot, 1);
      if (w.async) await w.value;
    }
  };

  let slot = 0;
  /** Where the slot's bytes start: the rest of the slot before, kept at its offset mod 8 (below). */
  let start = 0;
  let fill = 0;
  const publish = async (final: boolean): Promise<void> => {
    const view = views[slot];
    const at = final ? -1 : snapshotCut(Buffer.from(data.slots[slot], start, fill - start), fill - start);
    const cut = at > 0 && start + at >= 8 ? start + at : -1;
    const end = cut > 0 ? cut : fill;
    const next = (slot + 1) % views.length;
    // the rest goes to the next slot at the same offset mod 8, so that this copy and
    // the later ones from zlib's chunks stay 8-byte aligned on both sides: V8 copies
    // into shared memory a byte at a time otherwise (most of the worker's time)
    const nextStart = cut > 0 ? cut % 8 : 0;
    if (!final) {
      await acquire(next);
      if (cut > 0) views[next].set(view.subarray(cut, fill), nextStart);
    }
    Atomics.store(full, slot, 1);
    post({ slot, start, end });
    fill = cut > 0 ? nextStart + fill - cut : 0;
    start = nextStart;
    slot = next;
  };

  if (data.codec === "none") {
    // plain text: read straight into the slots, no copy
    const file = await open(data.path, "r");
    try {
      for (;;) {
        const { bytesRead } = await file.read(views[slot], fill, size - fill, null);
        if (bytesRead === 0) break;
        fill += bytesRead;
        if (fill === size) await publish(false);
      }
    } finally {
      await file.close();
    }
  } else {
    const src = createReadStream(data.path, { highWaterMark: size });
    const inflate =
      data.codec === "gzip" ? createGunzip({ chunkSize: size }) : createInflate({ chunkSize: size });
    src.on("error", (e) => inflate.destroy(e));
    src.pipe(inflate);
    for await (const chunk of inflate) {
      const c = chunk as Buffer;
      let off = 0;
      while (off < c.length) {
        const n = Math.min(c.length - off, size - fill);
        views[slot].set(c.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === size) await publish(false);
      }
    }
  }
  if (fill > 0) await publish(true);
  post({ done: true });
}

const port = parentPort!;
// a pending Atomics.waitAsync does not keep a thread alive; a listening port does
port.on("message", () => undefined);
run(workerData as ReadWorkerData, (m) => port.postMessage(m)).catch((e: unknown) =>
  port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies FromWorker),
);
