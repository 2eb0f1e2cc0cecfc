/**
 * The Titanic client (9/TSP client side, zguide `ticlient`).
 *
 * @module
 */
import { ClosedError, ProtocolError, TitanicError } from "../../errors.ts";
import type { Logger } from "../../_util/logger.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Frame } from "../../types.ts";
import type { SocketOptions } from "../../transport/mod.ts";
import type { ClientSecurity } from "../../security/settings.ts";
import { checkSocketOptions } from "../_kit/checks.ts";
import {
  clock as clockOption,
  count,
  durationMs,
  logger as loggerOption,
  readOptions,
  signal as signalOption,
} from "../../_util/options.ts";
import {
  decodeCloseResult,
  decodeReplyResult,
  decodeStoreResult,
  encodeStoreRequest,
  encodeUuidRequest,
  normalizeUuid,
  TspService,
} from "../../protocol/tsp/codec.ts";
import { type ClientPort, openClient } from "./_mdp.ts";
import { pollForReply } from "./_wait.ts";

const CLS = "TitanicClient";

/**
 * What `titanic.reply` said about a request.
 *
 * @example
 * ```ts
 * import type { TitanicReply } from "./client.ts";
 * const show = (r: TitanicReply) => r.status === "ready" ? `${r.reply.length} frames` : r.status;
 * ```
 */
export type TitanicReply =
  /** 200: the service answered; here is its reply. */
  | { readonly status: "ready"; readonly reply: Uint8Array[] }
  /** 300: stored, not answered yet. */
  | { readonly status: "pending" }
  /** 400: no such request (never stored, or closed). */
  | { readonly status: "unknown" }
  /** 500: Titanic gave the request up (`text` says why) or failed to read it. */
  | { readonly status: "error"; readonly text: string };

/**
 * Options of {@linkcode TitanicClient.connect}.
 *
 * @example
 * ```ts
 * import type { TitanicClientOptions } from "./client.ts";
 * const options: TitanicClientOptions = { attemptTimeoutMs: 1000, pollMaxMs: 2000 };
 * ```
 */
export interface TitanicClientOptions {
  /** How long each call to a TSP service waits for its answer, in ms. @default 2500 */
  attemptTimeoutMs?: number;
  /**
   * Sends per TSP call before giving up. `titanic.reply` and
   * `titanic.close` are idempotent; a resent `titanic.request` whose first
   * answer was lost stores a second copy (TSP has no request key).
   * @default 3
   */
  maxAttempts?: number;
  /** First pause between polls of {@linkcode TitanicClient.waitForReply}, in ms (the zguide's: 100). @default 100 */
  pollInitialMs?: number;
  /** Longest pause between polls, in ms. @default 5000 */
  pollMaxMs?: number;
  /** Where diagnostics go. @default warnings and errors to stderr */
  logger?: Logger;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
  /** ZeroMQ options for the client's sockets. @default none */
  socketOptions?: SocketOptions;
  /** How to prove who this is to a secure broker (docs/SECURITY.md). @default none */
  security?: ClientSecurity;
}

/**
 * Options of the wait in {@linkcode TitanicClient.waitForReply} and
 * {@linkcode TitanicClient.call}.
 *
 * @example
 * ```ts
 * import type { TitanicWaitOptions } from "./client.ts";
 * const options: TitanicWaitOptions = { deadlineMs: 60000, signal: AbortSignal.timeout(120000) };
 * ```
 */
export interface TitanicWaitOptions {
  /** Give up this long after the call, in ms; `Infinity`: never. @default Infinity */
  deadlineMs?: number;
  /** Cancels the call; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Counters of a {@linkcode TitanicClient}.
 *
 * @example
 * ```ts
 * import type { TitanicClientStats } from "./client.ts";
 * const s: Partial<TitanicClientStats> = { stored: 0 };
 * ```
 */
export interface TitanicClientStats {
  /** Requests Titanic acknowledged (200 + UUID). */
  readonly stored: number;
  /** `titanic.reply` calls. */
  readonly polls: number;
  /** Replies received (200). */
  readonly replies: number;
  /** `titanic.close` calls answered. */
  readonly closed: number;
}

/**
 * A Titanic client: hands requests to Titanic (`request`, which returns the
 * request's UUID once it is stored on disk), asks for the reply later
 * (`reply`, `waitForReply`), and lets Titanic forget it (`closeRequest`).
 * `call` does all three.
 *
 * The UUID is the only way back to a reply: a client that must survive its
 * own restart should store its UUIDs durably (a local file or database)
 * before acting on them, as 9/TSP advises.
 *
 * One call at a time goes out per client (calls made meanwhile wait their
 * turn); open several clients to have more in flight.
 *
 * @example
 * ```ts
 * import { MajordomoBroker, MajordomoWorker } from "@reliable/zmq";
 * import { TitanicClient, TitanicService } from "@reliable/zmq/titanic";
 * const dir = await Deno.makeTempDir();
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * const titanic = await TitanicService.connect(endpoint, { dir });
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (r) => r);
 * const client = await TitanicClient.connect(endpoint);
 * const uuid = await client.request("echo", ["hello"]);
 * // ... store uuid durably, come back later ...
 * const reply = await client.waitForReply(uuid, { deadlineMs: 60000 });
 * await client.closeRequest(uuid);
 * console.log(new TextDecoder().decode(reply[0])); // "hello"
 * await client.close();
 * await worker.close();
 * await titanic.close();
 * await broker.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class TitanicClient implements AsyncDisposable {
  readonly #port: ClientPort;
  readonly #attemptMs: number;
  readonly #attempts: number;
  readonly #poll: { pollInitialMs: number; pollMaxMs: number };
  readonly #clock: Clock;
  readonly #log: Logger;
  #closed = false;
  readonly #stats = { stored: 0, polls: 0, replies: 0, closed: 0 };

  private constructor(
    port: ClientPort,
    attemptMs: number,
    attempts: number,
    poll: { pollInitialMs: number; pollMaxMs: number },
    clock: Clock,
    log: Logger,
  ) {
    this.#port = port;
    this.#attemptMs = attemptMs;
    this.#attempts = attempts;
    this.#poll = poll;
    this.#clock = clock;
    this.#log = log;
  }

  /**
   * Creates a client of the Majordomo broker Titanic is registered with.
   * ZeroMQ connects in the background: this does not wait for the broker.
   *
   * @param endpoint The broker, e.g. `"tcp://127.0.0.1:5555"`.
   * @param options Timeouts, attempts, polling, logger.
   * @returns The client.
   * @throws {TypeError} On a badly typed or unknown option.
   * @throws {RangeError} On an option out of range.
   */
  static connect(
    endpoint: string,
    options?: TitanicClientOptions,
  ): Promise<TitanicClient> {
    try {
      if (typeof endpoint !== "string" || endpoint === "") {
        throw new TypeError(
          `${CLS}.connect(): endpoint must be a non-empty string, got ${typeof endpoint}`,
        );
      }
      const o = readOptions(`${CLS}.connect()`, options, [
        "attemptTimeoutMs",
        "maxAttempts",
        "pollInitialMs",
        "pollMaxMs",
        "logger",
        "clock",
        "socketOptions",
        "security",
      ]);
      const attemptMs = durationMs(
        CLS,
        "attemptTimeoutMs",
        o.attemptTimeoutMs,
        2500,
        { min: 1 },
      );
      const attempts = count(CLS, "maxAttempts", o.maxAttempts, 3, 1, 1000);
      const pollInitialMs = durationMs(
        CLS,
        "pollInitialMs",
        o.pollInitialMs,
        100,
        {
          min: 1,
        },
      );
      const pollMaxMs = durationMs(CLS, "pollMaxMs", o.pollMaxMs, 5000, {
        min: pollInitialMs,
      });
      const log = loggerOption(CLS, o.logger, "titanic-client");
      const clock = clockOption(CLS, o.clock);
      const socketOptions = checkSocketOptions(CLS, o.socketOptions ?? {});
      return openClient(
        endpoint,
        log,
        socketOptions,
        o.security as ClientSecurity | undefined,
      ).then((port) =>
        new TitanicClient(
          port,
          attemptMs,
          attempts,
          { pollInitialMs, pollMaxMs },
          clock,
          log,
        )
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** A snapshot of the counters. */
  get stats(): TitanicClientStats {
    return { ...this.#stats };
  }

  #check(method: string): void {
    if (this.#closed) {
      throw new ClosedError(`Cannot call ${CLS}.${method}(): client is closed`);
    }
  }

  #call(
    service: string,
    body: Uint8Array[],
    signal?: AbortSignal,
  ): Promise<Uint8Array[]> {
    return this.#port.request(service, body, this.#attemptMs, {
      maxAttempts: this.#attempts,
      signal,
    });
  }

  /**
   * Stores a request with Titanic (`titanic.request`).
   *
   * @param service The target service (1-255 bytes of printable UTF-8, not `titanic.*`).
   * @param body The request for it, one or more frames.
   * @param options `signal` cancels the call.
   * @returns The request's UUID (32 upper-case hex characters), given once
   * the request is on disk.
   * @throws {TypeError} On a badly typed argument.
   * @throws {RangeError} On an unacceptable service name or an empty body.
   * @throws {TitanicError} When Titanic refuses (400) or cannot store it (500).
   * @throws {RequestTimeoutError} When no answer came after every attempt.
   * @throws {ClosedError} When the client is closed.
   */
  async request(
    service: string,
    body: readonly Frame[],
    options?: { signal?: AbortSignal },
  ): Promise<string> {
    this.#check("request");
    const frames = encodeStoreRequest(service, body);
    const signal = signalOption(`${CLS}.request()`, options?.signal);
    const r = decodeStoreResult(
      await this.#call(TspService.REQUEST, frames, signal),
    );
    if (r instanceof ProtocolError) throw r;
    if (r.status !== "200") {
      throw new TitanicError(TspService.REQUEST, r.status, r.text);
    }
    this.#stats.stored++;
    return r.uuid;
  }

  /**
   * Asks Titanic for a request's reply (`titanic.reply`). Idempotent: the
   * reply stays until {@linkcode TitanicClient.closeRequest}.
   *
   * @param uuid The UUID from {@linkcode TitanicClient.request}.
   * @param options `signal` cancels the call.
   * @returns `ready` with the reply, `pending`, `unknown`, or `error`.
   * @throws {RangeError} When `uuid` is not 32 hexadecimal characters.
   * @throws {ProtocolError} When the answer is not TSP.
   * @throws {RequestTimeoutError} When no answer came after every attempt.
   * @throws {ClosedError} When the client is closed.
   */
  async reply(
    uuid: string,
    options?: { signal?: AbortSignal },
  ): Promise<TitanicReply> {
    this.#check("reply");
    const frames = encodeUuidRequest(uuid);
    const signal = signalOption(`${CLS}.reply()`, options?.signal);
    this.#stats.polls++;
    const r = decodeReplyResult(
      await this.#call(TspService.REPLY, frames, signal),
    );
    if (r instanceof ProtocolError) throw r;
    switch (r.status) {
      case "200":
        this.#stats.replies++;
        return { status: "ready", reply: r.body };
      case "300":
        return { status: "pending" };
      case "400":
        return { status: "unknown" };
      default:
        return { status: "error", text: r.text };
    }
  }

  /**
   * Tells Titanic to forget a request and its reply (`titanic.close`).
   * Idempotent: closing an unknown UUID succeeds.
   *
   * @param uuid The UUID.
   * @param options `signal` cancels the call.
   * @throws {RangeError} When `uuid` is not 32 hexadecimal characters.
   * @throws {TitanicError} When Titanic could not delete it (500).
   * @throws {RequestTimeoutError} When no answer came after every attempt.
   * @throws {ClosedError} When the client is closed.
   */
  async closeRequest(
    uuid: string,
    options?: { signal?: AbortSignal },
  ): Promise<void> {
    this.#check("closeRequest");
    const frames = encodeUuidRequest(uuid);
    const signal = signalOption(`${CLS}.closeRequest()`, options?.signal);
    const r = decodeCloseResult(
      await this.#call(TspService.CLOSE, frames, signal),
    );
    if (r instanceof ProtocolError) throw r;
    if (r.status !== "200") {
      throw new TitanicError(TspService.CLOSE, r.status, r.text);
    }
    this.#stats.closed++;
  }

  /**
   * Polls `titanic.reply` until the reply is there: every `pollInitialMs`
   * at first, twice as long after each pending answer, up to `pollMaxMs`.
   *
   * @param uuid The UUID.
   * @param options Deadline and signal.
   * @returns The reply body.
   * @throws {TitanicError} On 400 (unknown UUID) or 500 (Titanic gave the
   * request up after its last attempt; `text` says why).
   * @throws {TimeoutError} When the deadline passes with the request still pending.
   * @throws {ClosedError} When the client is closed.
   */
  waitForReply(
    uuid: string,
    options?: TitanicWaitOptions,
  ): Promise<Uint8Array[]> {
    try {
      this.#check("waitForReply");
      if (normalizeUuid(uuid) === null) {
        throw new RangeError(
          `${CLS}.waitForReply(): uuid must be 32 hexadecimal characters, got ${
            JSON.stringify(uuid)
          }`,
        );
      }
      const o = readOptions(`${CLS}.waitForReply()`, options, [
        "deadlineMs",
        "signal",
      ]);
      const deadline = durationMs(CLS, "deadlineMs", o.deadlineMs, Infinity, {
        infinity: true,
      });
      const signal = signalOption(`${CLS}.waitForReply()`, o.signal);
      return pollForReply(
        () => this.reply(uuid, { signal }),
        this.#clock,
        this.#poll,
        deadline,
        uuid,
        signal,
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Stores a request, waits for its reply, then closes it: the whole
   * Titanic round in one call (the zguide's `ticlient`).
   *
   * @param service The target service.
   * @param body The request.
   * @param options Deadline (for the wait) and signal.
   * @returns The reply body.
   * @throws {TitanicError} On a 400 or 500 from Titanic.
   * @throws {TimeoutError} When the deadline passes first.
   * @throws {RequestTimeoutError} When Titanic does not answer.
   */
  async call(
    service: string,
    body: readonly Frame[],
    options?: TitanicWaitOptions,
  ): Promise<Uint8Array[]> {
    const uuid = await this.request(service, body, { signal: options?.signal });
    const reply = await this.waitForReply(uuid, options);
    try {
      await this.closeRequest(uuid, { signal: options?.signal });
    } catch (e) {
      this.#log.warn("titanic.close failed; the reply stays stored", {
        uuid,
        error: String(e),
      });
    }
    return reply;
  }

  /** Closes the client; calls in progress reject with `ClosedError`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#port.close();
  }

  /** Same as {@linkcode TitanicClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
