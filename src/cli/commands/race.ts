/**
 * `damon-ts race`: the toggling race that got page-fault sampling's first design
 * rejected, measured: the same seeded schedules run against the generic
 * fault-then-restore framework and against the piggyback design.
 */
import type { Command } from "commander";
import { runRace } from "../../eval/race.js";
import type { RaceTotals } from "../../eval/race.js";
import { parseCount, parseSeed } from "../../util/units.js";
import { MAX_SEED } from "../../util/rng.js";
import { UsageError } from "../../util/errors.js";
import { positiveNumberOption } from "../options.js";
import { formatTable } from "../table.js";
import { JobFailed } from "../run-cli.js";

export const RACE_JSON_SCHEMA = "damon-ts/race/2";

interface RaceOptionValues {
  seeds: string;
  firstSeed: string;
  steps: string;
  pages: string;
  cpus: string;
  writeProtected: string;
  json?: boolean;
}

export function registerRace(program: Command): void {
  program
    .command("race")
    .description(
      "run seeded interleavings of CPUs faulting, NUMA balancing and DAMON arming pages and switching on/off,\n" +
        "in the generic fault-then-restore framework and in the rejected piggyback design; count misrouted faults",
    )
    .option("--seeds <n>", "number of schedules (one per seed)", "200")
    .option("--first-seed <n>", "seed of the first schedule", "1")
    .option("--steps <n>", "events per schedule", "600")
    .option("--pages <n>", "pages of the shared buffer", "64")
    .option("--cpus <n>", "CPUs accessing it", "3")
    .option("--write-protected <f>", "share of pages write-protected (COW / uffd-wp), 0..1", "0.25")
    .option("--json", "print the results as JSON")
    .addHelpText(
      "after",
      "\nThe generic mode must deliver every fault only to owners that armed the page and restore every page\n" +
        "exactly (exit 1 otherwise); the piggyback mode shows the misrouting the review of the RFC described.\n",
    )
    .action((o: RaceOptionValues) => {
      const seeds = parseCount(o.seeds, "--seeds");
      const first = parseSeed(o.firstSeed, "--first-seed");
      // The schedules run seeds first .. first + seeds − 1: all must be 32-bit seeds.
      if (seeds > 0 && first + seeds - 1 > MAX_SEED)
        throw new UsageError(
          `${seeds} seeds from ${first} go past ${MAX_SEED}, the largest seed (32 bits)`,
          "--first-seed",
        );
      const opts = {
        steps: parseCount(o.steps, "--steps"),
        pages: Math.max(16, parseCount(o.pages, "--pages")),
        cpus: Math.max(1, parseCount(o.cpus, "--cpus")),
        writeProtected:
          o.writeProtected === "0" ? 0 : positiveNumberOption(o.writeProtected, "--write-protected", 1),
      };
      const results: RaceTotals[] = [
        runRace("generic", seeds, first, opts),
        runRace("piggyback", seeds, first, opts),
      ];
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify({ schema: RACE_JSON_SCHEMA, options: { seeds, firstSeed: first, ...opts }, modes: results }, null, 2)}\n`,
        );
      } else {
        const row = (name: string, f: (t: RaceTotals) => number | string): string[] => [
          name,
          ...results.map((t) => String(f(t))),
        ];
        console.log(`${seeds} schedules of ${opts.steps} events, ${opts.pages} pages, ${opts.cpus} CPUs\n`);
        console.log(
          formatTable(
            ["", "generic", "piggyback"],
            [
              row("faults delivered", (t) => t.faultsDelivered),
              row("  to NUMA balancing", (t) => t.deliveredToNuma),
              row("  to DAMON", (t) => t.deliveredToDamon),
              row("misrouted to NUMA balancing", (t) => t.misroutedToNuma),
              row("misrouted to DAMON", (t) => t.misroutedToDamon),
              row("stale restores", (t) => t.staleRestores),
              row("schedules violating an invariant", (t) => t.schedulesWithViolations),
            ],
          ),
        );
        for (const t of results) for (const v of t.exampleViolations) console.log(`  ${t.mode}: ${v}`);
      }
      const g = results[0];
      if (g.schedulesWithViolations > 0 || g.misroutedToDamon + g.misroutedToNuma > 0)
        throw new JobFailed("the generic framework violated an invariant (see above)");
    });
}
