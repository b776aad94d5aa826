/**
 * The WebAssembly access loop (wasm/access-loop.wat) for one machine: an
 * instance over the machine's SimHeap memory, and each CPU's arrays as byte
 * offsets in it. The loop keeps the model, state and exits of the JavaScript
 * loops (access-loop.ts), which remain the reference: a machine built with
 * `loop: "js"`, or whose heap overflowed (sim-heap.ts), runs those.
 * docs/memory-model.md, "eighth pass", says why it exists and what it gained.
 */
import { ACCESS_LOOP_WASM_BASE64 } from "./wasm/access-loop-bytes.js";
import { Wasm } from "./wasm/wasm-api.js";
import type { LoopBinding } from "./access-loop.js";
import { wasmBatchFill, type BatchFill, type WasmBatchFillFns } from "./batch-fill.js";
import type { HeapArray, SimHeap } from "./sim-heap.js";
import { LOOP_VARIANTS, loopVariantFor } from "./wasm/loop-variants.js";

/** The exported loop (parameters in access-loop.wat's order). */
export type WasmLoopFn = (
  ST: number,
  A: number,
  W: number,
  i: number,
  n: number,
  BND: number,
  PTR: number,
  nSlots: number,
  slot: number,
  curS: number,
  curW: number,
  asidHash: number,
  clrCur: number,
  truth: number,
  logAll: number,
  TS: number,
  TW: number,
  TP: number,
  TC: number,
  tlbOn: number,
  TG: number,
  ORD: number,
  MTF: number,
  CS: number,
  ways: number,
  tagStride: number,
  setMask: number,
  walkNs: number,
  FN: number,
  LAT: number,
  latBase: number,
  lat0: number,
) => number;

let compiled: object | null = null;

/** The access-loop module over one machine's heap. */
export interface AccessLoopModule {
  /** The generic loop: any binding. */
  readonly loop: WasmLoopFn;
  /** The specialised copies (loop-variants.ts), by name; empty when they are not to run. */
  readonly variants: ReadonlyMap<string, WasmLoopFn>;
  /** The batch writers for the machine's access streams (batch-fill.ts). */
  readonly batchFill: BatchFill;
}

/**
 * The module instantiated over `heap`'s memory (compiled once per process).
 * `variants` false: every binding runs the generic loop (MachineOptions.wasmVariants).
 */
export function instantiateAccessLoop(heap: SimHeap, variants = true): AccessLoopModule {
  compiled ??= new Wasm.Module(Buffer.from(ACCESS_LOOP_WASM_BASE64, "base64"));
  const inst = new Wasm.Instance(compiled, { env: { mem: heap.memory } });
  const copies = new Map<string, WasmLoopFn>();
  if (variants) for (const v of LOOP_VARIANTS) copies.set(v.name, inst.exports[v.name] as WasmLoopFn);
  return {
    loop: inst.exports.loop as WasmLoopFn,
    variants: copies,
    batchFill: wasmBatchFill(heap, inst.exports as unknown as WasmBatchFillFns),
  };
}

/**
 * A CPU's loop arrays (LoopBinding's) as offsets in the heap, and its flags as
 * 0/1; the scalars (TLB geometry, walk cost, latency row) the caller reads from
 * the LoopBinding itself.
 */
export interface WasmBinding {
  st: number;
  truth: number;
  logAll: number;
  tS: number;
  tW: number;
  tP: number;
  tC: number;
  tlbOn: number;
  tags: number;
  order: number;
  mtf: number;
  clrStamp: number;
  frameNode: number;
  lat: number;
  /** lat[0] with one NUMA node (every access costs the same), else −1. */
  lat0: number;
  /** The loop this binding runs: its variant (loop-variants.ts), or the generic one. */
  loop: WasmLoopFn;
  /** Its export's name ("loop" for the generic one). */
  loopName: string;
}

/**
 * `b`'s arrays as offsets, or null when one the loop reads is not in `heap`
 * (the heap overflowed when it was made): that CPU then runs the JavaScript loops.
 */
export function wasmBindingOf(
  heap: SimHeap,
  mod: AccessLoopModule,
  b: LoopBinding,
  tlbOn: boolean,
): WasmBinding | null {
  const need: HeapArray[] = [b.st, b.frameNode, b.lat];
  if (b.truthOn) need.push(b.tS, b.tW, b.tP, b.tC);
  if (tlbOn) need.push(b.tags, b.order, b.mtf, b.clrStamp);
  if (!need.every((a) => heap.owns(a))) return null;
  const lat0 = b.lat.length === 1 ? b.lat[0] : -1;
  const v = loopVariantFor({
    truth: b.truthOn ? 1 : 0,
    logAll: b.logSamples ? 1 : 0,
    tlbOn: tlbOn ? 1 : 0,
    tagStride: b.tagStride,
    lat0,
  });
  const copy = v !== null ? mod.variants.get(v.name) : undefined;
  return {
    st: b.st.byteOffset,
    truth: b.truthOn ? 1 : 0,
    logAll: b.logSamples ? 1 : 0,
    tS: b.tS.byteOffset,
    tW: b.tW.byteOffset,
    tP: b.tP.byteOffset,
    tC: b.tC.byteOffset,
    tlbOn: tlbOn ? 1 : 0,
    tags: b.tags.byteOffset,
    order: b.order.byteOffset,
    mtf: b.mtf.byteOffset,
    clrStamp: b.clrStamp.byteOffset,
    frameNode: b.frameNode.byteOffset,
    lat: b.lat.byteOffset,
    lat0,
    loop: copy ?? mod.loop,
    loopName: copy !== undefined ? v!.name : "loop",
  };
}
