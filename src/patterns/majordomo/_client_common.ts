/**
 * Pieces the Majordomo clients and worker share: opening their DEALER with
 * the user's socket options, waiting for a message on the injected clock,
 * the ZMTP heartbeat settings behind `failoverMs`, size checks against the
 * broker's advertised frame limit. Private.
 *
 * @module
 */
import type { Clock } from "../../_util/clock.ts";
import { checkEndpoint, checkEndpoints } from "../../_util/endpoint.ts";
import { DealerSocket, type SocketOptions } from "../../transport/mod.ts";
import type { Message } from "../../types.ts";
import {
  readClientSecurity,
  refuseSecurityOverrides,
} from "../../security/settings.ts";
import {
  HandlerFailedError,
  ProtocolError,
  RequestExpiredError,
  RequestRejectedError,
  WorkerLostError,
} from "../../errors.ts";

/**
 * Checks the `socketOptions` option, and the `security` option whose socket
 * options it adds (the user's may then not set them).
 * @param owner Class name, for messages.
 * @param value The value given.
 * @param security The `security` option given.
 * @returns The options (a copy), or `{}`.
 */
export function socketOptionsOf(
  owner: string,
  value: unknown,
  security?: unknown,
): SocketOptions {
  const sec = readClientSecurity(`${owner}: security`, security);
  if (sec) {
    refuseSecurityOverrides(owner, value);
    return { ...socketOptionsOf(owner, value), ...sec };
  }
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `${owner}: socketOptions must be an object of socket options, got ${
        value === null ? "null" : typeof value
      }`,
    );
  }
  return { ...(value as SocketOptions) };
}

/**
 * The ZMTP heartbeat settings that make libzmq drop a connection whose
 * peer has been silent for about `failoverMs` (a frozen or vanished
 * broker), so that the socket reconnects and the monitor reports it. The
 * broker's libzmq answers the PINGs by itself, so a busy broker or a slow
 * service never looks dead. `Infinity` turns them off.
 * @param failoverMs How long the peer may be silent.
 * @returns Socket options.
 */
export function failoverSocketOptions(failoverMs: number): SocketOptions {
  if (failoverMs === Infinity) return {};
  const interval = Math.max(1, Math.ceil(failoverMs / 2));
  return {
    zmtpHeartbeatIntervalMs: interval,
    zmtpHeartbeatTimeoutMs: Math.max(1, failoverMs - interval),
  };
}

/**
 * Opens a DEALER with the user's options under the pattern's fixed ones,
 * and connects it. Closes it again when connect fails.
 * @param endpoint Where to connect.
 * @param user The user's `socketOptions`.
 * @param fixed What the pattern needs (wins over `user`).
 * @param beforeConnect Called with the socket before it connects.
 * @returns The connected socket.
 */
export function openDealer(
  endpoint: string,
  user: SocketOptions,
  fixed: SocketOptions,
  beforeConnect?: (sock: DealerSocket) => void,
): DealerSocket {
  const sock = new DealerSocket({ lingerMs: 0, ...user, ...fixed });
  try {
    beforeConnect?.(sock); // e.g. a monitor, so that no event is missed
    sock.connect(endpoint);
  } catch (e) {
    sock.close();
    throw e;
  }
  return sock;
}

const TIMED_OUT = Symbol("timed out");

/**
 * Waits for the next message until `dueAt` on `clock`.
 * @param sock The socket.
 * @param clock The clock the deadline is on.
 * @param dueAt When to stop waiting.
 * @param signal Cancels the wait (rejects with its reason).
 * @returns The message, or `null` when `dueAt` came first.
 */
export async function receiveUntil(
  sock: DealerSocket,
  clock: Clock,
  dueAt: number,
  signal?: AbortSignal,
): Promise<Message | null> {
  signal?.throwIfAborted();
  const ready = sock.tryReceive();
  if (ready !== null) return ready;
  const left = dueAt - clock.now();
  if (left <= 0) return null;
  const ac = new AbortController();
  const timer = clock.setTimeout(() => ac.abort(TIMED_OUT), left);
  const onAbort = () => ac.abort(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await sock.receive({ signal: ac.signal });
  } catch (e) {
    if (e === TIMED_OUT) return null;
    throw e;
  } finally {
    clock.clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Refuses a body with a frame over the broker's advertised limit, before
 * anything is sent.
 * @param method The method, for the message.
 * @param body The body frames.
 * @param maxFrameBytes The broker's limit.
 */
export function checkFrameLimit(
  method: string,
  body: readonly Uint8Array[],
  maxFrameBytes: number,
): void {
  if (maxFrameBytes === Infinity) return;
  for (let i = 0; i < body.length; i++) {
    if (body[i].byteLength > maxFrameBytes) {
      throw new RangeError(
        `${method}: body[${i}] is ${
          body[i].byteLength
        } bytes, over the broker's limit of ${maxFrameBytes} bytes (its maxFrameBytes); it would be refused`,
      );
    }
  }
}

/**
 * A random starting request number, so that two client instances (or one
 * restarted) never share correlation ids.
 * @returns A safe integer with room for 2^32 requests.
 */
export function randomFirstId(): number {
  const r = crypto.getRandomValues(new Uint32Array(1))[0] & 0xfffff;
  return r * 0x100000000 + 1;
}

/**
 * The typed error for an RZ error reply.
 * @param service The request's service.
 * @param code The code frame.
 * @param text The text frame.
 * @param attempts Attempts made (for 502).
 * @returns The error to reject the request with.
 */
export function errorReply(
  service: string,
  code: string,
  text: string,
  attempts = 1,
): Error {
  switch (code) {
    case "500":
      return new HandlerFailedError(service, text || "handler failed");
    case "503":
      return new RequestRejectedError(service, text || "broker at a bound");
    case "504":
      return new RequestExpiredError(service, text || "expired in the queue");
    case "502":
      return new WorkerLostError(service, text || "worker lost", attempts);
    default:
      return new ProtocolError(
        "RZ",
        1,
        `unknown error code ${JSON.stringify(code)}: ${text}`,
      );
  }
}

/**
 * Reads the endpoint argument of a Majordomo client or worker: one broker
 * (a string), or the two brokers of a Binary Star pair (`[primary,
 * backup]`), which the caller follows by moving to the other one whenever
 * its broker goes silent, disconnects or refuses it.
 * @param owner The method, for messages.
 * @param value The argument given.
 * @returns One or two endpoints.
 * @throws {TypeError} On a malformed endpoint, or an array that does not
 * hold exactly two.
 */
export function brokerEndpoints(owner: string, value: unknown): string[] {
  if (!Array.isArray(value)) return [checkEndpoint(owner, value, "connect")];
  if (value.length !== 2) {
    throw new TypeError(
      `${owner}: endpoint must be a string, or an array of the two endpoints of a Binary Star pair, got an array of ${value.length}`,
    );
  }
  return checkEndpoints(owner, value, "connect");
}
