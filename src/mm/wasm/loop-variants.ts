/**
 * The access loop's specialised copies. access-loop.wat has one loop, `loop`,
 * taking every flag and the TLB's shape as parameters; scripts/build-wasm.ts adds
 * a copy of it per variant here, with those parameters written in as constants
 * (the text substitutions below). V8 then drops the dead branches and keeps fewer
 * values live across the loop: on stairs with the default TLB, 1.20× the generic
 * loop's speed (docs/memory-model.md, "eleventh pass"). A machine whose binding
 * matches no variant (a custom TLB shape, more than one NUMA node, the truth's
 * per-sample log) runs the generic loop; wasm-loops.ts picks.
 */

export interface LoopVariant {
  /** The export's name. */
  readonly name: string;
  /** 1: the truth is kept. */
  readonly truth: 0 | 1;
  /** TLB tag pairs per set (ways rounded up to even, halved), or 0: no TLB model. */
  readonly pairs: number;
}

/** Pairs of the built-in machines' TLBs: guest 4 ways, default 12, server 16 (machine-profile.ts). */
const PAIRS = [2, 6, 8];

export const LOOP_VARIANTS: readonly LoopVariant[] = [0, ...PAIRS].flatMap((pairs) =>
  ([0, 1] as const).map((truth) => ({ name: `loop_p${pairs}_t${truth}`, truth, pairs })),
);

/** What every variant assumes beyond its own flags: no per-sample log, one NUMA node. */
export interface LoopVariantKey {
  truth: number;
  logAll: number;
  tlbOn: number;
  tagStride: number;
  lat0: number;
}

/** The variant for a binding, or null: the generic loop. */
export function loopVariantFor(k: LoopVariantKey): LoopVariant | null {
  if (k.logAll !== 0 || !(k.lat0 >= 0)) return null;
  const pairs = k.tlbOn ? k.tagStride / 2 : 0;
  return LOOP_VARIANTS.find((v) => v.truth === k.truth && v.pairs === pairs) ?? null;
}

/**
 * The text substitutions that make variant `v` of the loop's body: each pattern
 * must occur in the generic loop (the build fails otherwise, so that renaming a
 * parameter cannot silently leave a variant generic).
 */
export function loopVariantSubstitutions(v: LoopVariant): [pattern: string, constant: string][] {
  const subs: [string, string][] = [
    ["(local.get $truth)", `(i32.const ${v.truth})`],
    ["(local.get $tlbOn)", `(i32.const ${v.pairs > 0 ? 1 : 0})`],
    ["(local.get $logAll)", "(i32.const 0)"],
    ["(f64.ge (local.get $lat0) (f64.const 0))", "(i32.const 1)"],
  ];
  if (v.pairs > 0) subs.push(["(local.get $pairs)", `(i32.const ${v.pairs})`]);
  return subs;
}
