/**
 * The Lazy Pirate shell shared by the clients that talk over REQ sockets
 * (`LazyPirateClient`, `BinaryStarClient`, `FreelanceRetryClient`): one
 * timed exchange (send, then receive until the attempt's due time), a REQ
 * socket that is thrown away after any attempt that did not end with a reply
 * (a REQ socket mid-request cannot be reused, and a late reply must never be
 * taken for a later request), and the queue that runs one client's requests
 * one at a time.
 *
 * The retry decisions themselves are the kit's `runWithRetries`; these are
 * only the socket moves around it.
 *
 * @module
 */
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";

/** What an exchange needs of a socket. */
export interface ExchangeSocket {
  /** Sends one message. */
  send(
    frames: readonly Frame[],
    options: { signal: AbortSignal },
  ): Promise<void>;
  /** Receives one message. */
  receive(options: { signal: AbortSignal }): Promise<Message>;
  /** Closes the socket. */
  close(): void;
}

const TIMED_OUT = Symbol("attempt timed out");

/**
 * One attempt: sends `frames` and waits for one reply until `dueAt` (clock
 * time).
 *
 * @param sock The socket (REQ, or a DEALER used the same way).
 * @param frames The request.
 * @param dueAt When the attempt times out, in clock time.
 * @param clock The time source.
 * @param signals Signals that cancel the attempt (the client's close, the
 * caller's abort); `undefined` entries are skipped.
 * @returns The reply, or `null` when none came in time.
 * @throws The reason of whichever signal aborted, or the socket's error.
 * @example
 * ```ts
 * import { exchange } from "./req_line.ts";
 * import { FakeClock } from "../../_util/clock.ts";
 * const echo = {
 *   last: [] as readonly (string | Uint8Array)[],
 *   send(f: readonly (string | Uint8Array)[]) { this.last = f; return Promise.resolve(); },
 *   receive() { return Promise.resolve(this.last.map((x) => new TextEncoder().encode(String(x)))); },
 *   close() {},
 * };
 * const reply = await exchange(echo, ["hi"], 1000, new FakeClock(), []);
 * console.log(reply?.length); // 1
 * ```
 */
export async function exchange(
  sock: ExchangeSocket,
  frames: readonly Frame[],
  dueAt: number,
  clock: Clock,
  signals: readonly (AbortSignal | undefined)[],
): Promise<Message | null> {
  const ac = new AbortController();
  const timer = clock.setTimeout(
    () => ac.abort(TIMED_OUT),
    Math.max(0, dueAt - clock.now()),
  );
  const list = [ac.signal];
  for (const s of signals) if (s) list.push(s);
  const all = AbortSignal.any(list);
  try {
    await sock.send(frames, { signal: all });
    return await sock.receive({ signal: all });
  } catch (e) {
    if (e === TIMED_OUT) return null;
    throw e;
  } finally {
    clock.clearTimeout(timer);
  }
}

/**
 * A client's one REQ socket, opened on demand to the endpoint asked for and
 * dropped after any attempt that did not end with a reply.
 *
 * @example
 * ```ts
 * import { ReqLine } from "./req_line.ts";
 * import { FakeClock } from "../../_util/clock.ts";
 * let opened = 0;
 * const line = new ReqLine((_endpoint) => {
 *   opened++;
 *   let last: readonly (string | Uint8Array)[] = [];
 *   return {
 *     send(f) { last = f; return Promise.resolve(); },
 *     receive() { return Promise.resolve(last.map((x) => new TextEncoder().encode(String(x)))); },
 *     close() {},
 *   };
 * }, new FakeClock());
 * await line.attempt("tcp://a:1", ["one"], 1000, []);
 * await line.attempt("tcp://a:1", ["two"], 1000, []);
 * console.log(opened); // 1
 * ```
 */
export class ReqLine {
  readonly #open: (endpoint: string) => ExchangeSocket;
  readonly #clock: Clock;
  #socket: ExchangeSocket | null = null;
  #endpoint = "";

  /**
   * @param open Creates a socket connected to an endpoint (throws on a bad
   * endpoint, having closed what it opened).
   * @param clock The time source of the attempts.
   */
  constructor(open: (endpoint: string) => ExchangeSocket, clock: Clock) {
    this.#open = open;
    this.#clock = clock;
  }

  /**
   * The socket for `endpoint`, opened now when there is none (or it is
   * connected elsewhere).
   *
   * @param endpoint Where to connect.
   * @returns The socket.
   */
  socket(endpoint: string): ExchangeSocket {
    if (this.#socket && this.#endpoint === endpoint) return this.#socket;
    this.drop();
    this.#socket = this.#open(endpoint);
    this.#endpoint = endpoint;
    return this.#socket;
  }

  /** Closes the socket; the next attempt opens a fresh one. */
  drop(): void {
    this.#socket?.close();
    this.#socket = null;
  }

  /**
   * One attempt on the socket for `endpoint` ({@linkcode exchange}). A timed
   * out attempt keeps the socket (the caller drops it when it retries); any
   * other end but a reply drops it, since the REQ socket is mid-request.
   *
   * @param endpoint Where to send.
   * @param frames The request.
   * @param dueAt When the attempt times out, in clock time.
   * @param signals Signals that cancel the attempt.
   * @returns The reply, or `null` on timeout.
   * @throws The abort reason or the socket's error.
   */
  async attempt(
    endpoint: string,
    frames: readonly Frame[],
    dueAt: number,
    signals: readonly (AbortSignal | undefined)[],
  ): Promise<Message | null> {
    const sock = this.socket(endpoint);
    try {
      return await exchange(sock, frames, dueAt, this.#clock, signals);
    } catch (e) {
      this.drop();
      throw e;
    }
  }
}

/**
 * Runs one client's requests one at a time, in call order; a request that
 * fails does not stop the next.
 *
 * @example
 * ```ts
 * import { Serial } from "./req_line.ts";
 * const q = new Serial();
 * const order: number[] = [];
 * await Promise.all([1, 2, 3].map((n) => q.run(async () => { order.push(n); })));
 * console.log(order); // [ 1, 2, 3 ]
 * ```
 */
export class Serial {
  #chain: Promise<unknown> = Promise.resolve();

  /**
   * Runs `task` after every task queued before it has settled.
   *
   * @param task The work.
   * @returns What the task returns.
   */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#chain.then(task, task);
    this.#chain = result.catch(() => {});
    return result;
  }

  /** @returns Resolves once every task queued so far has settled. */
  idle(): Promise<unknown> {
    return this.#chain;
  }
}
