/**
 * The access loops (access-loop.ts) each CPU runs, bound to the arrays it runs
 * over. An array that is replaced (the frame table, the truth's per-frame arrays
 * and the blind-spot stamps grow with the frame count) or a truth attached or
 * detached rebinds them: a few reference compares per call find out.
 */
import { bindAccessLoops, type AccessLoops, type LoopBinding } from "./access-loop.js";
import type { Machine } from "./machine.js";
import type { SimCpu } from "./sim-cpu.js";

const EMPTY_I32 = new Int32Array(0);
const EMPTY_U16 = new Uint16Array(0);
const EMPTY_F64 = new Float64Array(0);

export interface CpuLoops {
  readonly binding: LoopBinding;
  readonly loops: AccessLoops;
}

/** `cpu`'s loops for its next call, bound anew when an array they use changed. */
export function loopsOf(m: Machine, cpu: SimCpu): AccessLoops {
  const c = cpu.loops;
  if (c !== null && boundToCurrent(m, c.binding)) return c.loops;
  const binding = bindingOf(m, cpu);
  cpu.loops = { binding, loops: bindAccessLoops(binding) };
  return cpu.loops.loops;
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
    tl: tlb?.state ?? EMPTY_I32,
    headOff: tlb?.headOff ?? 0,
    ways: tlb?.ways ?? 0,
    setMask: tlb?.setMask ?? 0,
    hintOff: tlb?.hintOff ?? 0,
    hintMask: tlb?.hintMask ?? 0,
    walkNs: m.costs.tlbMissWalkNs,
    clrStamp: m.clrStamp,
  };
}
