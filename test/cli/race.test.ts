import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers.js";

test("race --json: generic mode delivers only to owners that armed, piggyback misroutes", () => {
  const r = cli(["race", "--seeds", "30", "--json"]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as {
    schema: string;
    modes: {
      mode: string;
      misroutedToNuma: number;
      misroutedToDamon: number;
      schedulesWithViolations: number;
      faultsDelivered: number;
    }[];
  };
  assert.equal(j.schema, "damon-ts/race/2");
  const [generic, piggyback] = j.modes;
  assert.equal(generic.mode, "generic");
  assert.deepEqual(
    [generic.misroutedToNuma, generic.misroutedToDamon, generic.schedulesWithViolations],
    [0, 0, 0],
  );
  assert.ok(generic.faultsDelivered > 0);
  assert.ok(piggyback.misroutedToDamon + piggyback.misroutedToNuma > 0);
  // No invented effect: the RFC's restore keeps write protection (schema 2 has no such field).
  assert.ok(!("lostRestorations" in piggyback));
});

test("race: bad options are usage errors", () => {
  const r = cli(["race", "--seeds", "many"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--seeds/);
});
