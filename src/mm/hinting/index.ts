/** The generic fault-then-restore framework, one per machine. */
import type { Machine } from "../machine.js";
import { HintingFramework } from "./framework.js";
import type { HintingOptions } from "./framework.js";

export * from "./framework.js";

const frameworks = new WeakMap<Machine, HintingFramework>();

/** The machine's hinting framework, created with `opts` on first use. */
export function hintingOf(m: Machine, opts: HintingOptions = {}): HintingFramework {
  let fw = frameworks.get(m);
  if (!fw) {
    fw = new HintingFramework(m, opts);
    frameworks.set(m, fw);
  } else if (opts.mode !== undefined && opts.mode !== fw.mode) {
    throw new Error(`the machine's hinting framework runs in ${fw.mode} mode, not ${opts.mode}`);
  }
  return fw;
}
