/**
 * `damon-ts --version`, `--help`, a bare `damon-ts` and a mistyped command load no
 * command module (src/cli/program.ts): help lists the commands from
 * src/cli/command-index.ts. The index must say what each command's own module says,
 * and the help text must be the one the fully loaded program prints.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Help, type Command } from "commander";
import { buildProgram, COMMANDS } from "../../src/cli/program.js";
import { COMMAND_INDEX } from "../../src/cli/command-index.js";

void test("the command index lists every command with the term and description of its module", async () => {
  const full = await buildProgram([], true);
  const help = new Help();
  const loaded = full.commands.map((c) => ({
    name: c.name(),
    term: help.subcommandTerm(c),
    description: help.subcommandDescription(c),
  }));
  assert.deepEqual(
    COMMAND_INDEX.map((c) => ({ ...c })),
    loaded,
    "src/cli/command-index.ts must match the commands' own modules (regenerate it from them)",
  );
  assert.deepEqual(
    COMMANDS.map(([n]) => n),
    COMMAND_INDEX.map((c) => c.name),
  );
});

void test("help from the index is the help of the fully loaded program", async () => {
  const full = await buildProgram([], true);
  const light = await buildProgram(["--help"]);
  assert.equal(light.helpInformation(), full.helpInformation());
  assert.ok(light.helpInformation().includes("report "), "lists the commands");
});

void test("only the command named on the command line is loaded", async () => {
  const cases: [string[], string[]][] = [
    [["--version"], []],
    [["-V"], []],
    [["--help"], []],
    [[], []],
    [["reprt"], []],
    [["help"], []],
    [["report", "wss", "-i", "x"], ["report"]],
    [["--debug", "run", "stairs"], ["run"]],
    [["help", "adjust"], ["adjust"]],
  ];
  for (const [args, want] of cases) {
    const loaded: string[] = [];
    const counting = COMMANDS.map(
      ([name, load]) =>
        [
          name,
          (a: readonly string[]) => {
            loaded.push(name);
            return load(a);
          },
        ] as const,
    );
    const program = await buildProgram(args, false, counting);
    assert.deepEqual(loaded, want, args.join(" "));
    if (want.length === 0)
      assert.equal(program.commands.length, COMMAND_INDEX.length, "every command is listed");
  }
});

/**
 * Commander gives an option a subcommand shares with its parent to the parent when it
 * follows the subcommand's arguments ('sweep merge a b -o t' left merge with no -o, and
 * merge printed to stdout). Each shared option must be taken from the parent by the
 * subcommand's action; the ones that are are listed here, so a new one fails this test.
 */
void test("no subcommand shares an option with its parent unless its action takes it from there", async () => {
  const handled = new Set(["sweep merge: -o", "sweep merge: --output", "sweep merge: --format"]);
  const shared: string[] = [];
  const walk = (c: Command, path: string[], above: Set<string>): void => {
    const here = [...path, c.name()];
    const flags = c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
    for (const f of flags) if (above.has(f)) shared.push(`${here.slice(1).join(" ")}: ${f}`);
    for (const s of c.commands) walk(s, here, new Set([...above, ...flags]));
  };
  walk(await buildProgram([], true), [], new Set());
  assert.deepEqual(
    shared.filter((s) => !handled.has(s)),
    [],
  );
  assert.deepEqual(shared.sort(), [...handled].sort(), "the handled list names only options still shared");
});
