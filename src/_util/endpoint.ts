/**
 * The one endpoint validator of the library. The transport's `bind` and
 * `connect` and every pattern's constructor check endpoints here, so that a
 * mistake is refused at once, in the same words everywhere, instead of
 * binding a wrapped port, retrying forever or failing later with an errno.
 *
 * Accepted (what libzmq accepts, minus what the library does not support):
 *
 * | Transport | Form | Notes |
 * | --- | --- | --- |
 * | `tcp` | `tcp://host:port` | host: an IPv4 address, a host or interface name, an IPv6 address in brackets (`[::1]`), or `*` (bind only); port: 1-65535, or `*`/`0` (bind only: a port the system picks) |
 * | `ipc` | `ipc://path` | a file path (at most 107 bytes on Linux), `@name` (abstract), or `*` (bind only) |
 * | `inproc` | `inproc://name` | any non-empty name (same process) |
 *
 * Syntax errors are `TypeError`s, values out of range (a port, a path's
 * length) are `RangeError`s; both name the owner (class or method), the
 * argument and what was received. Whether a host resolves is decided when
 * the endpoint is used (the transport names the host in its error).
 *
 * @module
 */

/** The transports the library supports. */
export type EndpointTransport = "tcp" | "ipc" | "inproc";

/** An endpoint taken apart. */
export interface ParsedEndpoint {
  /** The transport. */
  transport: EndpointTransport;
  /** tcp: the host without brackets (`*`, an address or a name); ipc: the path; inproc: the name. */
  address: string;
  /** tcp: the port, or `"*"` for one the system picks (bind only). */
  port?: number | "*";
  /** tcp: whether the host is an IPv6 address (it was given in brackets). */
  ipv6: boolean;
  /** The endpoint to hand to libzmq (`tcp://h:0` becomes `tcp://h:*`). */
  endpoint: string;
}

const SUPPORTED = "tcp://, ipc:// or inproc://";
const EXAMPLE = 'e.g. "tcp://127.0.0.1:5555", "tcp://*:*" or "inproc://name"';
const UNSUPPORTED = new Set([
  "ws",
  "wss",
  "udp",
  "pgm",
  "epgm",
  "tipc",
  "vmci",
  "norm",
]);
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6 = /^[0-9A-Fa-f:.]+(%[\w.-]+)?$/;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
/** Longest `sun_path` on Linux, without the terminating NUL. */
const IPC_PATH_MAX = 107;

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/**
 * Checks an endpoint and takes it apart.
 *
 * @param owner The class or method, for messages (`"RouterSocket.bind()"`).
 * @param value The endpoint given.
 * @param use `"bind"` (allows `*` hosts and ports) or `"connect"`.
 * @returns The endpoint, parsed, with the form to hand to libzmq.
 * @throws {TypeError} If it is not a string, names an unsupported
 *   transport, or is malformed (the message says what is expected).
 * @throws {RangeError} If the port is outside 1-65535, or an ipc path is
 *   too long.
 *
 * @example
 * ```ts
 * import { parseEndpoint } from "./endpoint.ts";
 * console.log(parseEndpoint("bind()", "tcp://[::1]:0", "bind").endpoint); // "tcp://[::1]:*"
 * ```
 */
export function parseEndpoint(
  owner: string,
  value: unknown,
  use: "bind" | "connect",
): ParsedEndpoint {
  if (typeof value !== "string") {
    throw new TypeError(
      `${owner}: endpoint must be a string (${EXAMPLE}), got ${show(value)}`,
    );
  }
  const bad = (why: string): TypeError =>
    new TypeError(`${owner}: ${JSON.stringify(value)} ${why}`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(value);
  if (!m) throw bad(`is not a ZeroMQ endpoint (expected ${EXAMPLE})`);
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (/\s/.test(value)) throw bad("contains white space");
  switch (scheme) {
    case "inproc":
      if (rest === "") throw bad("needs a name after inproc://");
      return {
        transport: "inproc",
        address: rest,
        ipv6: false,
        endpoint: value,
      };
    case "ipc":
      if (rest === "") throw bad("needs a path after ipc://");
      if (rest === "*" && use === "connect") {
        throw bad("uses * (a path the system picks), which only bind accepts");
      }
      if (new TextEncoder().encode(rest).length > IPC_PATH_MAX) {
        throw new RangeError(
          `${owner}: the ipc path of ${
            JSON.stringify(value)
          } is longer than ${IPC_PATH_MAX} bytes`,
        );
      }
      return { transport: "ipc", address: rest, ipv6: false, endpoint: value };
    case "tcp":
      return parseTcp(owner, value, rest, use, bad);
    default:
      throw bad(
        UNSUPPORTED.has(scheme)
          ? `uses the ${scheme}:// transport, which this library does not support (use ${SUPPORTED})`
          : `has an unknown transport "${scheme}://" (use ${SUPPORTED})`,
      );
  }
}

function parseTcp(
  owner: string,
  value: string,
  rest: string,
  use: "bind" | "connect",
  bad: (why: string) => TypeError,
): ParsedEndpoint {
  if (rest.includes(";")) {
    throw bad(
      "names a source address (a;b), which this library does not support",
    );
  }
  let host: string;
  let portText: string;
  let ipv6 = false;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0 || rest[close + 1] !== ":") {
      throw bad("must be tcp://[ipv6-address]:port");
    }
    host = rest.slice(1, close);
    portText = rest.slice(close + 2);
    if (!IPV6.test(host) || !host.includes(":")) {
      throw bad(
        `has ${JSON.stringify(host)} in brackets, which is not an IPv6 address`,
      );
    }
    ipv6 = true;
  } else {
    const colon = rest.lastIndexOf(":");
    if (colon < 0) throw bad("needs a port: tcp://host:port");
    host = rest.slice(0, colon);
    portText = rest.slice(colon + 1);
    if (host.includes(":")) {
      throw bad(
        `has an IPv6 address without brackets; write tcp://[${host}]:${portText}`,
      );
    }
    if (host === "") throw bad("needs a host: tcp://host:port");
    if (host === "*") {
      if (use === "connect") {
        throw bad(
          "uses * as host, which only bind accepts; connect needs an address or a host name",
        );
      }
    } else if (IPV4.test(host)) {
      const parts = IPV4.exec(host)!.slice(1).map(Number);
      if (parts.some((p) => p > 255)) {
        throw bad(`has ${JSON.stringify(host)}, which is not an IPv4 address`);
      }
    } else if (
      host.length > 253 || !host.split(".").every((l) => LABEL.test(l))
    ) {
      throw bad(
        `has ${
          JSON.stringify(host)
        }, which is not a host name, an IPv4 address or [IPv6]`,
      );
    }
  }
  let port: number | "*";
  if (portText === "*" || portText === "0") {
    if (use === "connect") {
      throw bad(
        `uses port ${portText}, which only bind accepts; connect needs the port (1-65535)`,
      );
    }
    port = "*";
  } else if (/^\d+$/.test(portText)) {
    port = Number(portText);
    if (port < 1 || port > 65535) {
      throw new RangeError(
        `${owner}: the port of ${
          JSON.stringify(value)
        } must be between 1 and 65535${
          use === "bind" ? " (or * for one the system picks)" : ""
        }, got ${portText}`,
      );
    }
  } else {
    throw bad(
      `has port ${JSON.stringify(portText)}; a port is a number 1-65535${
        use === "bind" ? " or *" : ""
      }`,
    );
  }
  const h = ipv6 ? `[${host}]` : host;
  return {
    transport: "tcp",
    address: host,
    port,
    ipv6,
    endpoint: `tcp://${h}:${port === "*" ? "*" : port}`,
  };
}

/**
 * Checks an endpoint (see {@linkcode parseEndpoint}) and returns it as given.
 * Patterns call this at construction for every endpoint they will bind or
 * connect.
 *
 * @param owner The class or method, for messages.
 * @param value The endpoint given.
 * @param use `"bind"` or `"connect"`.
 * @returns The endpoint.
 * @throws {TypeError} If it is malformed or names an unsupported transport.
 * @throws {RangeError} If its port or ipc path is out of range.
 *
 * @example
 * ```ts
 * import { checkEndpoint } from "./endpoint.ts";
 * try {
 *   checkEndpoint("MajordomoClient.connect()", "tcp://127.0.0.1:99999", "connect");
 * } catch (e) {
 *   console.log((e as Error).name); // "RangeError"
 * }
 * ```
 */
export function checkEndpoint(
  owner: string,
  value: unknown,
  use: "bind" | "connect",
): string {
  parseEndpoint(owner, value, use);
  return value as string;
}

/**
 * Checks a list of endpoints (multi-server clients, brokers bound to several
 * endpoints): a non-empty array, each checked by {@linkcode checkEndpoint}.
 *
 * @param owner The class or method, for messages.
 * @param value The endpoints given.
 * @param use `"bind"` or `"connect"`.
 * @returns The endpoints.
 * @throws {TypeError} If it is not a non-empty array of valid endpoints.
 * @throws {RangeError} If a port or ipc path is out of range.
 *
 * @example
 * ```ts
 * import { checkEndpoints } from "./endpoint.ts";
 * console.log(checkEndpoints("f()", ["tcp://a:1", "tcp://b:2"], "connect").length); // 2
 * ```
 */
export function checkEndpoints(
  owner: string,
  value: unknown,
  use: "bind" | "connect",
): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(
      `${owner}: endpoints must be a non-empty array of strings, got ${
        show(value)
      }`,
    );
  }
  return value.map((v, i) => checkEndpoint(`${owner} (endpoint ${i})`, v, use));
}
