import { test } from "node:test";
import assert from "node:assert/strict";
import { sampleFiltersFrom } from "../../src/cli/sample-filters.js";
import { SampleFilterSet } from "../../src/core/sample-filter.js";
import { UsageError } from "../../src/util/errors.js";

test("--filter conditions all hold: CPU 1's writes only", () => {
  const f = new SampleFilterSet(sampleFiltersFrom(["cpu=1", "write"]));
  assert.equal(f.allows(1, 7, true), true);
  assert.equal(f.allows(1, 7, false), false);
  assert.equal(f.allows(0, 7, true), false);
});

test("--filter with negation, thread lists and reads", () => {
  const f = new SampleFilterSet(sampleFiltersFrom(["!cpu=0", "tid=5,6", "read"]));
  assert.equal(f.allows(1, 5, false), true);
  assert.equal(f.allows(1, 6, false), true);
  assert.equal(f.allows(1, 7, false), false);
  assert.equal(f.allows(0, 5, false), false);
  assert.equal(f.allows(1, 5, true), false);
  const one = new SampleFilterSet(sampleFiltersFrom(["tid=3"]));
  assert.equal(one.allows(0, 3, true), true);
  assert.equal(one.allows(0, 4, true), false);
  assert.throws(() => sampleFiltersFrom(["cpu="]), UsageError);
  assert.throws(() => sampleFiltersFrom(["size=4"]), /not a filter/);
});
