import { test } from "node:test";
import assert from "node:assert/strict";
import { SameFolioCache } from "../../src/ops/same-folio.js";

test("same-folio cache answers only inside the last checked folio (§5.2)", () => {
  const c = new SameFolioCache();
  assert.equal(c.lookup(0x1000), null);
  c.store(0x1234, 4096, true);
  assert.equal(c.lookup(0x1fff), true);
  assert.equal(c.lookup(0x2000), null);
  c.store(0x200000, 2 << 20, false); // a 2 MiB folio
  assert.equal(c.lookup(0x3fffff), false);
  assert.equal(c.lookup(0x400000), null);
  c.reset();
  assert.equal(c.lookup(0x200000), null);
});
