/**
 * `damon-ts report <kind>` loads only that kind's module (src/cli/commands/report.ts);
 * help, a mistyped kind and a bare `report` load every kind, so their help and
 * did-you-mean are those of the fully loaded command, and a kind's own help is the
 * same either way.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import { REPORT_KINDS, reportRegister } from "../../src/cli/commands/report.js";

/** The `report` command as registered for `args`, and the kinds whose modules were loaded. */
async function reportFor(args: string[]): Promise<{ report: Command; loaded: string[] }> {
  const loaded: string[] = [];
  const counting = REPORT_KINDS.map(
    ([name, load]) =>
      [
        name,
        () => {
          loaded.push(name);
          return load();
        },
      ] as const,
  );
  const program = new Command("damon-ts");
  (await reportRegister(args, counting))(program);
  return { report: program.commands.find((c) => c.name() === "report")!, loaded };
}

const ALL = REPORT_KINDS.map(([n]) => n);

void test("only the report kind named on the command line is loaded", async () => {
  const cases: [string[], string[]][] = [
    [["report", "wss", "-i", "x"], ["wss"]],
    [["--debug", "report", "heatmap", "--output", "raw"], ["heatmap"]],
    [["report", "access", "--raw_form"], ["access"]],
    [["report", "record_info"], ["record_info"]],
    [["report"], ALL],
    [["report", "--help"], ALL],
    [["report", "wsss"], ALL],
    [["report", "help", "wss"], ALL],
    [["help", "report"], ALL],
    [[], ALL],
  ];
  for (const [args, want] of cases) {
    const { report, loaded } = await reportFor(args);
    assert.deepEqual(loaded, want, args.join(" "));
    assert.deepEqual(
      report.commands.map((c) => c.name()),
      want,
      `${args.join(" ")}: the kinds registered`,
    );
  }
});

void test("every kind's help is the same loaded alone as with all the others", async () => {
  const { report: full } = await reportFor([]);
  assert.deepEqual(
    full.commands.map((c) => c.name()),
    ALL,
  );
  for (const kind of ALL) {
    const { report } = await reportFor(["report", kind]);
    const alone = report.commands.find((c) => c.name() === kind)!;
    const within = full.commands.find((c) => c.name() === kind)!;
    assert.equal(alone.helpInformation(), within.helpInformation(), kind);
  }
});
