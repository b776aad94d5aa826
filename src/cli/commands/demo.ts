import type { Command } from "commander";

/** `damon-ts demo`: placeholder until the core lands. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("a short run of DAMON's core over a synthetic address space")
    .action(() => {
      console.log("damon-ts demo");
    });
}
