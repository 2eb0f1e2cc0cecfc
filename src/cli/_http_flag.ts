/**
 * The `--http HOST:PORT` flag of the CLIs: where the observability
 * endpoint (`/healthz`, `/stats`, `/metrics`, the live page) listens.
 *
 * @module
 */
import { UsageError } from "../_util/args.ts";

/** Where `--http` says to listen. */
export interface HttpAddress {
  /** The host (loopback when the flag names only a port). */
  hostname: string;
  /** The port (0: any free port). */
  port: number;
}

/** The flag's help line. */
export const HTTP_FLAG_HELP =
  "serve /healthz, /stats, /metrics and the live page on HOST:PORT (a bare PORT binds 127.0.0.1; off by default)";

/**
 * Reads `--http`: `PORT`, `:PORT` (both on 127.0.0.1), `HOST:PORT` or
 * `[IPv6]:PORT`.
 * @param value The flag's value.
 * @returns The address, or undefined when the flag is absent.
 * @throws {UsageError} On a malformed value.
 */
export function readHttpFlag(value: unknown): HttpAddress | undefined {
  if (value === undefined) return undefined;
  const v = String(value);
  let host = "127.0.0.1";
  let port = v;
  const m6 = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(v);
  if (m6) {
    host = m6[1];
    port = m6[2];
  } else if (v.includes(":")) {
    const at = v.lastIndexOf(":");
    if (at > 0) host = v.slice(0, at);
    port = v.slice(at + 1);
  }
  if (
    !/^\d{1,5}$/.test(port) || Number(port) > 65535 ||
    !/^[A-Za-z0-9.:-]+$/.test(host) || (!m6 && host.includes(":"))
  ) {
    throw new UsageError(
      `--http must be HOST:PORT, :PORT or PORT (e.g. 127.0.0.1:8222), got ${
        JSON.stringify(v)
      }`,
    );
  }
  return { hostname: host, port: Number(port) };
}
