/**
 * The exporter's HTTP server: GET /metrics reads the source and renders the
 * registry; anything else gets a 4xx with a one-line reason, never a crash. Scrapes
 * are serialised and concurrent ones coalesced (the registry is refilled per
 * render), each render timed into damon_exporter_scrape_duration_seconds.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { ExporterMetrics } from "./metrics.js";
import type { ReadingSource } from "./reading.js";
import type { ListenAddress } from "./listen.js";

/** Query parameters /metrics understands (none change the output today; others are refused). */
const KNOWN_PARAMS = new Set<string>();

export interface ExporterServer {
  readonly address: ListenAddress;
  readonly metrics: ExporterMetrics;
  close(): Promise<void>;
}

/** Why a request is refused, or null when /metrics may be served. */
export function refusal(req: IncomingMessage): { status: number; text: string; allow?: string } | null {
  const method = req.method ?? "";
  const raw = req.url ?? "";
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  if (path !== "/metrics" && path !== "/")
    return { status: 404, text: `no such page ${path.slice(0, 80)} (try /metrics)` };
  if (method !== "GET" && method !== "HEAD")
    return {
      status: 405,
      text: `method ${method.slice(0, 20)} not allowed (GET or HEAD)`,
      allow: "GET, HEAD",
    };
  if (q >= 0) {
    for (const part of raw.slice(q + 1).split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      let key: string;
      try {
        key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, " "));
        if (eq >= 0) decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
      } catch {
        return { status: 400, text: "malformed query string (bad percent-encoding)" };
      }
      if (!KNOWN_PARAMS.has(key))
        return { status: 400, text: `unknown query parameter '${key.slice(0, 40)}'` };
    }
  }
  return null;
}

function reply(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
  res.end(`${text}\n`);
}

/** Starts serving `source` on `listen`; resolves once the socket listens. */
export async function startExporterServer(
  source: ReadingSource,
  listen: ListenAddress,
  opts: { metrics?: ExporterMetrics; onError?: (message: string) => void } = {},
): Promise<ExporterServer> {
  const metrics = opts.metrics ?? new ExporterMetrics();
  let lastError = "";
  // Timed from reading the source to the rendered text, so a scrape's own cost
  // shows in the next scrape.
  const scrape = async (): Promise<string> => {
    const stop = metrics.scrapeDuration.startTimer();
    try {
      try {
        metrics.update(await source.read());
        metrics.sourceUp.set({ source: source.name }, 1);
        lastError = "";
      } catch (e) {
        metrics.update({ running: null, contexts: [] });
        metrics.sourceUp.set({ source: source.name }, 0);
        const msg = e instanceof Error ? e.message : String(e);
        if (msg !== lastError) opts.onError?.(`exporter: reading ${source.name} failed: ${msg}`);
        lastError = msg;
      }
      return await metrics.registry.metrics();
    } finally {
      stop();
    }
  };
  // One render at a time (the registry is refilled per render), started on the next
  // turn of the event loop: every request that arrived before it starts shares it. A
  // render begins after each of its requests arrived, so every answer is fresh, and
  // 100 concurrent scrapers cost a few renders per loop turn, not 100.
  let pending: Promise<string> | null = null;
  let inFlight: Promise<unknown> = Promise.resolve();
  const render = (): Promise<string> => {
    if (pending) return pending;
    const p = inFlight
      .then(() => nextTurn())
      .then(() => {
        pending = null;
        return scrape();
      });
    pending = p;
    inFlight = p.catch(() => undefined);
    return p;
  };
  const server: Server = createServer((req, res) => {
    const no = refusal(req);
    if (no) return reply(res, no.status, no.text, no.allow ? { allow: no.allow } : {});
    if ((req.url ?? "/").startsWith("/metrics") === false)
      return reply(res, 200, "damon-ts exporter: metrics at /metrics");
    render().then(
      (body) => {
        res.writeHead(200, { "content-type": metrics.registry.contentType });
        res.end(req.method === "HEAD" ? undefined : body);
      },
      (e: unknown) => reply(res, 500, `scrape failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  });
  // A client that misbehaves at the HTTP level gets a 400 from node; it never takes the server down.
  server.on("clientError", (_e, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: listen.host, port: bound.port },
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        source.close?.();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
