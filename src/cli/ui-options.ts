/**
 * The options of the UI server, shared by `damon-ts ui` and `--ui` on the commands
 * that stream a run into it: where it listens, and how long it stays up.
 */
import { isIP } from "node:net";
import type { Command } from "commander";
import { parseCount } from "../util/units.js";
import { UsageError } from "../util/errors.js";
import type { UiServer, UiServerOptions } from "../ui/server.js";

export interface UiOptionValues {
  host?: string;
  port?: string;
}

/** `--host` and `--port` (named `--ui-host`/`--ui-port` with a prefix). */
export function addUiServerOptions(cmd: Command, prefix = ""): Command {
  return cmd
    .option(
      `--${prefix}host <addr>`,
      "listen on this address instead of 127.0.0.1 (the URL then carries a random access token)",
    )
    .option(`--${prefix}port <n>`, "listen on this port (default: a free one)");
}

export function uiServerOptions(
  host: string | undefined,
  port: string | undefined,
  prefix = "",
): UiServerOptions {
  if (host !== undefined && isIP(host) === 0)
    throw new UsageError(`'${host}' is not an IP address`, `--${prefix}host`);
  let p: number | undefined;
  if (port !== undefined) {
    p = parseCount(port, `--${prefix}port`);
    if (p > 65535) throw new UsageError(`'${port}' is not a port (0..65535)`, `--${prefix}port`);
  }
  return { host, port: p };
}

/** Prints the URL as stdout's first line, then serves until SIGINT/SIGTERM. */
export async function serveUntilInterrupted(ui: UiServer, what: string): Promise<void> {
  process.stdout.write(`${ui.url}\n`);
  process.stderr.write(`damon-ts ui: serving ${what} at ${ui.url} (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await ui.close();
}
