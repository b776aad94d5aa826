/**
 * The access loops (access-loop.ts) each CPU runs, bound to the arrays it runs
 * over. A CPU starts on the shared loops, whose code every machine in the process
 * shares (warm at once, but slower once machines with other arrays have run it).
 * Once it has run Machine.loopCopyAfter accesses (default LOOP_COPY_AFTER) it
 * gets a compiled copy of its own, whose code no other CPU's feedback reaches.
 * An array that is replaced (frames, the truth's per-frame arrays and the
 * blind-spot stamps grow with the frame count) or a truth attached or detached
 * rebinds them: a few reference compares per call find out.
 */
import { bindAccessLoops, compileAccessLoops, type AccessLoops, type LoopBinding } from "./access-loop.js";
import type { Machine } from "./machine.js";
import type { SimCpu } from "./sim-cpu.js";
import { wasmBindingOf, type WasmBinding } from "./wasm-loops.js";

const EMPTY_U8 = new Uint8Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_U16 = new Uint16Array(0);
const EMPTY_F64 = new Float64Array(0);

/**
 * Accesses a CPU runs on the shared loops before it gets its own copy. A copy
 * starts cold (interpreted, then recompiled after each deopt); on runs of 29 M
 * accesses that cost was within the noise, but the many short machines of tests
 * and trace replays gain nothing from a copy, so they keep the shared code.
 */
export const LOOP_COPY_AFTER = 16_000_000;

export class CpuLoops {
  /** Accesses run on these loops (execAccesses adds to it). */
  accesses = 0;
  constructor(
    readonly binding: LoopBinding,
    readonly loops: AccessLoops,
    readonly compiled: boolean,
    /** The same arrays as heap offsets for the WebAssembly loop; null: the JavaScript loops run. */
    readonly wasm: WasmBinding | null,
  ) {}
}

/** The loops for `cpu`'s next call, rebound when an array changed. */
export function loopsOf(m: Machine, cpu: SimCpu): CpuLoops {
  const c = cpu.loops;
  if (c !== null && boundToCurrent(m, c.binding)) {
    if (c.wasm !== null || c.compiled || c.accesses < m.loopCopyAfter) return c;
    return (cpu.loops = new CpuLoops(c.binding, compileAccessLoops(c.binding), true, null));
  }
  const b = bindingOf(m, cpu);
  const wasm = m.heap !== null && m.wasm !== null ? wasmBindingOf(m.heap, m.wasm, b, cpu.tlb !== null) : null;
  // A rebinding keeps a compiled copy's CPU on compiled copies: it has shown it runs long.
  const compiled = wasm === null && ((c !== null && c.compiled) || m.loopCopyAfter <= 0);
  return (cpu.loops = new CpuLoops(b, compiled ? compileAccessLoops(b) : bindAccessLoops(b), compiled, wasm));
}

function boundToCurrent(m: Machine, b: LoopBinding): boolean {
  const truth = m.truth;
  return (
    b.frameNode === m.frames.node &&
    b.clrStamp === m.clrStamp &&
    b.walkNs === m.costs.tlbMissWalkNs &&
    (truth === null
      ? !b.truthOn
      : b.tS === truth.sampleStamp &&
        b.tW === truth.winStamp &&
        b.tP === truth.positive &&
        b.tC === truth.count &&
        b.logSamples === truth.logSamples)
  );
}

function bindingOf(m: Machine, cpu: SimCpu): LoopBinding {
  const truth = m.truth;
  const tlb = cpu.tlb;
  return {
    st: m.st,
    frameNode: m.frames.node,
    lat: m.latency,
    latBase: cpu.node * m.frames.nrNodes,
    truthOn: truth !== null,
    logSamples: truth !== null && truth.logSamples,
    tS: truth?.sampleStamp ?? EMPTY_I32,
    tW: truth?.winStamp ?? EMPTY_I32,
    tP: truth?.positive ?? EMPTY_U16,
    tC: truth?.count ?? EMPTY_F64,
    tags: tlb?.tags ?? EMPTY_F64,
    order: tlb?.order ?? EMPTY_U8,
    mtf: tlb?.mtf ?? EMPTY_U8,
    ways: tlb?.ways ?? 0,
    tagStride: tlb?.tagStride ?? 0,
    setMask: tlb?.setMask ?? 0,
    walkNs: m.costs.tlbMissWalkNs,
    clrStamp: m.clrStamp,
  };
}
