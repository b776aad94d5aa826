/**
 * The fault-based operation sets' arming discipline (damon-spec.md §5.5.3): in
 * generic mode one armed page per region at a time (the previous sample's pages
 * are withdrawn), in piggyback mode the RFC's behaviour — pages stay armed until
 * they fault, whatever `keepArmed` says, since the RFC had no owner to withdraw.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext } from "../../src/core/context.js";
import { Target, setRegions } from "../../src/core/region.js";
import { Machine, type AccessStream } from "../../src/mm/machine.js";
import { PAGE_SIZE, PTE_ARMED } from "../../src/mm/vma.js";
import { VaddrFaultOps } from "../../src/ops/fault.js";
import type { HintingMode } from "../../src/mm/hinting/index.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const PAGES = 256;

/** Armed pages after `samples` prepares with no access in between. */
function armedAfter(mode: HintingMode, samples: number, keepArmed = false): number {
  const m = new Machine({ cpus: 1, tlb: false, nodes: [{ sizeBytes: 2 ** 26 }] });
  const as = m.createProcess("t");
  const th = m.spawnThread(as, 0, idle);
  const base = as.mmap(PAGES * PAGE_SIZE);
  m.runAccesses(
    th,
    Array.from({ length: PAGES }, (_, i) => base + i * PAGE_SIZE),
  );
  const ops = new VaddrFaultOps(m, { mode, keepArmed });
  const ctx = createContext({ ops, seed: 7, minRegionSz: PAGE_SIZE });
  const t = new Target(as.pid);
  setRegions(t, [{ start: base, end: base + PAGES * PAGE_SIZE }], PAGE_SIZE);
  ctx.targets.push(t);
  ops.init(ctx);
  for (let i = 0; i < samples; i++) ops.prepareAccessChecks(ctx);
  let armed = 0;
  for (let i = 0; i < PAGES; i++) if (m.pteFlags(as.pid, base + i * PAGE_SIZE) & PTE_ARMED) armed++;
  return armed;
}

test("generic mode withdraws the previous sample's page: one armed page per region", () => {
  assert.equal(armedAfter("generic", 20), 1);
  assert.ok(armedAfter("generic", 20, true) > 10, "keepArmed: the RFC's pile-up");
});

test("piggyback mode keeps pages armed until they fault, as the RFC (fails before: it withdrew them)", () => {
  assert.ok(armedAfter("piggyback", 20) > 10);
  assert.equal(armedAfter("piggyback", 20), armedAfter("piggyback", 20, true));
});
