/**
 * The options of the UI server, shared by `damon-ts ui` and `--ui` on the commands
 * that stream a run into it: where it listens, and how long it stays up.
 */
import { isIP } from "node:net";
import type { Command } from "commander";
import { parseCount } from "../util/units.js";
import { UsageError } from "../util/errors.js";
import type { UiServer, UiServerOptions } from "../ui/server.js";
import { UiSession, type UiRunFeed } from "../ui/attach.js";
import type { UiSchemeStats } from "../ui/store.js";
import type { Attrs } from "../core/attrs.js";
import { schemeOutcome } from "../schemes/stats.js";
import type { Scheme } from "../schemes/types.js";
import { untilInterrupted } from "../util/worker-thread.js";

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
  await untilInterrupted();
  await ui.close();
}

export interface UiAttachValues {
  ui?: boolean;
  uiHost?: string;
  uiPort?: string;
}

/**
 * `--ui` (with `--ui-host`, `--ui-port`) on a command that produces runs: the UI
 * starts before the command's action and is served after it until Ctrl-C. Its URL
 * is printed when the first run starts (or the action ends), not before: an action
 * that refuses its options prints the error alone, not a URL that serves nothing.
 */
export function addUiOption(cmd: Command): Command {
  cmd.option("--ui", "show the run in the web UI while it happens (URL on stdout's first line; docs/ui.md)");
  cmd.hook("preAction", async (_cmd, action) => {
    await startUiIfAsked(action.opts<UiAttachValues>(), false);
  });
  cmd.hook("postAction", async () => {
    announceUi();
    await session?.serveUntilInterrupted();
  });
  return addUiServerOptions(cmd, "ui-");
}

/** The session of this command, when it was given --ui (one command per process). */
let session: UiSession | null = null;
/** Whether the session's URL has been printed. */
let announced = false;

/** Prints the session's URL as stdout's first line, once. */
function announceUi(): void {
  if (session === null || announced) return;
  announced = true;
  process.stdout.write(`${session.url}\n`);
}

/** Starts the UI when the options ask for it; prints its URL now unless `announce` is false (then the first run does). */
export async function startUiIfAsked(o: UiAttachValues, announce = true): Promise<UiSession | null> {
  if (!o.ui) {
    if (o.uiHost !== undefined || o.uiPort !== undefined)
      throw new UsageError(
        "--ui-host and --ui-port need --ui",
        o.uiHost !== undefined ? "--ui-host" : "--ui-port",
      );
    return null;
  }
  session = await UiSession.start(uiServerOptions(o.uiHost, o.uiPort, "ui-"));
  announced = false;
  if (announce) announceUi();
  return session;
}

/** A feed for one run into the UI, or null without --ui. */
export function uiRunFeed(
  name: string,
  source: string,
  space: string | null,
  attrs: Pick<Attrs, "sampleUs" | "aggrUs">,
  schemes?: () => readonly Scheme[],
): UiRunFeed | null {
  const damos = schemes
    ? (): UiSchemeStats[] => schemes().map((s, i) => ({ ...schemeOutcome(s), name: `#${i} ${s.action}` }))
    : null;
  announceUi();
  return (
    session?.run(
      { name, source, live: true, space, sampleUs: attrs.sampleUs, aggrUs: attrs.aggrUs },
      damos,
    ) ?? null
  );
}
