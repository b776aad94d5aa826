/** `--listen HOST:PORT` for the exporter: 127.0.0.1 unless the user names another address. */
import { UsageError } from "../util/errors.js";

export const DEFAULT_LISTEN = "127.0.0.1:9464";

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `HOST:PORT`, `[v6]:PORT` or `:PORT` (127.0.0.1); port 0 picks a free one. */
export function parseListen(text: string, option = "--listen"): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(text.trim());
  if (!m) throw new UsageError(`'${text}' is not HOST:PORT (e.g. 127.0.0.1:9464)`, option);
  const port = Number(m[3]);
  if (port > 65535) throw new UsageError(`port ${port} is above 65535`, option);
  const host = m[1] ?? (m[2] === "" ? "127.0.0.1" : m[2]);
  return { host, port };
}

/** The URL of an address (IPv6 hosts in brackets). */
export function urlOf(a: ListenAddress, path = "/metrics"): string {
  return `http://${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}${path}`;
}
