/**
 * The UI's HTTP server: one page (a prebuilt bundle, docs/ui.md), the run list as
 * JSON, snapshots in the compact wire form, and a server-sent event stream of
 * changes. Binds 127.0.0.1 unless told otherwise; on any other address every
 * request must carry a random access token. Anything else is a 404.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import type { UiStore } from "./store.js";

export const LOOPBACK = "127.0.0.1";

/** Where `npm run build` puts the page bundle (the same from src/ui and dist/ui). */
export const PAGE_DIR = fileURLToPath(new URL("../../dist/ui-page/", import.meta.url));

export interface UiServerOptions {
  host?: string;
  port?: number;
  /** Page title (the command that serves it). */
  title?: string;
}

export interface UiServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const PAGE_FILES: Record<string, string> = {
  "/app.js": "text/javascript; charset=utf-8",
  "/app.css": "text/css; charset=utf-8",
};

function pageHtml(title: string): string {
  const esc = title.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><link rel="stylesheet" href="app.css"></head>
<body><div id="app"></div><script type="module" src="app.js"></script></body></html>
`;
}

/** Reads the page bundle once; a missing bundle is a clear error, not a blank page. */
function loadPage(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(PAGE_FILES)) {
    const p = PAGE_DIR + name.slice(1);
    if (!existsSync(p)) throw new Error(`the UI page is not built (${p} is missing); run \`npm run build\``);
    files.set(name, readFileSync(p));
  }
  return files;
}

export async function startUiServer(store: UiStore, o: UiServerOptions = {}): Promise<UiServer> {
  const host = o.host ?? LOOPBACK;
  const token = host === LOOPBACK ? null : randomBytes(16).toString("hex");
  const files = loadPage();
  const html = Buffer.from(pageHtml(o.title ?? "damon-ts ui"));
  const streams = new Set<ServerResponse>();
  const unsubscribe = store.subscribe((e) => {
    const text = `event: ${e.type}\ndata: ${JSON.stringify(e.type === "run" ? e.meta : e)}\n\n`;
    for (const s of streams) s.write(text);
  });

  let hosts: string[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://x");
    if (token !== null && url.searchParams.get("token") !== token) return send(res, 403, "forbidden\n");
    // on loopback without a token, a page of another site reaching us through DNS rebinding
    // names its own host: only our own names are served
    if (token === null && !hosts.includes(req.headers.host ?? "")) return send(res, 403, "forbidden\n");
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 404, "not found\n");
    const path = url.pathname;
    if (path === "/") return send(res, 200, html, "text/html; charset=utf-8");
    if (path in PAGE_FILES) return send(res, 200, files.get(path)!, PAGE_FILES[path]);
    if (path === "/api/runs")
      return send(res, 200, JSON.stringify({ runs: store.metas() }), "application/json");
    const m = /^\/api\/runs\/(\d+)\/snapshots$/.exec(path);
    if (m) {
      const buf = store.chunk(Number(m[1]), Number(url.searchParams.get("from") ?? 0) || 0);
      if (buf) return send(res, 200, Buffer.from(buf), "application/octet-stream");
    }
    if (path === "/api/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      });
      res.write(": events\n\n");
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    send(res, 404, "not found\n");
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // encode finished records now, not when the first page asks (it cuts the page's wait)
  setImmediate(() => store.prepare());
  hosts = [`${host}:${port}`, `localhost:${port}`];
  const shown = host.includes(":") ? `[${host}]` : host;
  const url = `http://${shown}:${port}/${token ? `?token=${token}` : ""}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = "text/plain"): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}
