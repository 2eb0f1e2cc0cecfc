/**
 * Name resolution ahead of a connect. libzmq resolves a `tcp://` host name
 * in the background on every (re)connect and, when it does not resolve,
 * retries forever without a word; {@linkcode resolveEndpoint} asks the
 * system resolver once (`getaddrinfo`, on Deno's blocking pool, so the event
 * loop never waits and no `--allow-net` is needed) so that a caller can
 * fail fast with an error that names the host.
 *
 * @module
 */
import { EndpointError } from "../errors.ts";
import { parseEndpoint } from "../_util/endpoint.ts";
import { cstr, lib, usize } from "./libzmq.ts";

const AF_INET = 2;
const SOCK_STREAM = 1;
/** `struct addrinfo` is 48 bytes on 64-bit Linux and macOS. */
const HINTS_SIZE = 48;

const EAI_NAMES: Record<number, string> = Deno.build.os === "darwin"
  ? { 2: "EAI_AGAIN", 4: "EAI_FAIL", 8: "EAI_NONAME" }
  : {
    [-3]: "EAI_AGAIN",
    [-4]: "EAI_FAIL",
    [-2]: "EAI_NONAME",
    [-5]: "EAI_NODATA",
  };

function gaiText(code: number): string {
  const { libc } = lib();
  const ptr = libc.gai_strerror(code);
  if (ptr === null) return `error ${code}`;
  const n = Number(libc.strnlen(ptr, usize(255)));
  const bytes = new Uint8Array(n);
  if (n > 0) libc.memcpy(bytes, ptr, usize(n));
  return new TextDecoder().decode(bytes);
}

/**
 * Checks an endpoint for `connect` and, for a `tcp://` host name, that the
 * system resolver knows it (IPv4, or IPv6 with `ipv6`). Addresses, `ipc://`
 * and `inproc://` endpoints need no resolution and resolve at once.
 *
 * @param owner The class or method, for messages.
 * @param endpoint The endpoint.
 * @param options `ipv6`: accept a name that has only IPv6 addresses (for a
 *   socket with the `ipv6` option); `signal`: stop waiting.
 * @returns Resolves when the endpoint can be connected to.
 * @throws {TypeError} When the endpoint is malformed.
 * @throws {RangeError} When its port is out of range.
 * @throws {EndpointError} When the host does not resolve; `code` is the
 *   resolver's (`"EAI_NONAME"`, or `"EAI_AGAIN"` for a temporary failure).
 * @example
 * ```ts
 * import { EndpointError, resolveEndpoint } from "@reliable/zmq";
 * await resolveEndpoint("example", "tcp://localhost:5555");
 * try {
 *   await resolveEndpoint("example", "tcp://no-such-host.invalid:5555");
 * } catch (e) {
 *   console.log(e instanceof EndpointError); // true
 * }
 * ```
 */
export async function resolveEndpoint(
  owner: string,
  endpoint: string,
  options: { ipv6?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const ep = parseEndpoint(owner, endpoint, "connect");
  options.signal?.throwIfAborted();
  if (ep.transport !== "tcp" || ep.ipv6) return;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ep.address)) return;
  const { libc } = lib();
  const hints = new Uint8Array(HINTS_SIZE);
  const view = new DataView(hints.buffer);
  view.setInt32(4, options.ipv6 ? 0 : AF_INET, true); // ai_family
  view.setInt32(8, SOCK_STREAM, true); // ai_socktype
  const out = new BigUint64Array(1);
  const outBytes = new Uint8Array(out.buffer);
  const call = libc.getaddrinfo(cstr(ep.address), null, hints, outBytes);
  let rc: number;
  if (options.signal) {
    const signal = options.signal;
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      rc = await Promise.race([call, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
      // An abandoned lookup still completes; free what it returns.
      void call.then(() => {
        if (out[0] !== 0n) libc.freeaddrinfo(out[0]);
      });
    }
  } else {
    rc = await call;
    if (out[0] !== 0n) libc.freeaddrinfo(out[0]);
  }
  if (rc === 0) return;
  const family = options.ipv6 ? "" : " to an IPv4 address";
  throw new EndpointError(
    "resolve",
    0,
    EAI_NAMES[rc] ?? `EAI_${rc}`,
    endpoint,
    `host ${JSON.stringify(ep.address)} does not resolve${family} (${
      gaiText(rc)
    })`,
  );
}
