/**
 * The synchronous Majordomo client (7/MDP client side, zguide `mdcliapi`).
 *
 * @module
 */
import {
  ClosedError,
  ProtocolError,
  RequestTimeoutError,
  ServiceUnavailableError,
  TimeoutError,
} from "../../errors.ts";
import { DealerSocket } from "../../transport/socket.ts";
import type { Frame } from "../../types.ts";
import type { Logger } from "../../_util/logger.ts";
import {
  decodeClientReply,
  encodeClientRequest,
  validateServiceName,
} from "../../protocol/mdp/codec.ts";
import {
  isMmiService,
  MMI_SERVICE,
  MMI_STATS,
  parseMmiStatus,
} from "../../protocol/mmi/codec.ts";
import type { MajordomoBrokerStats } from "./broker.ts";
import {
  checkEndpoint,
  checkOptions,
  checkSignal,
  loggerOption,
  numberOption,
} from "./_validate.ts";

const CLS = "MajordomoClient";
const td = new TextDecoder();

/**
 * Options of {@linkcode MajordomoClient}.
 *
 * @example
 * ```ts
 * import { MajordomoClient } from "@reliable/zmq";
 * const client = new MajordomoClient("tcp://127.0.0.1:5555", { timeoutMs: 1000, attempts: 5 });
 * client.close();
 * ```
 */
export interface MajordomoClientOptions {
  /**
   * How long to wait for each attempt's reply, in ms (zguide `mdcliapi`).
   * @default 2500
   */
  timeoutMs?: number;
  /**
   * Attempts in total (the first send plus resends) before giving up.
   * @default 3
   */
  attempts?: number;
  /**
   * After the last attempt, ask the broker's `mmi.service` whether the
   * service has workers, to fail with `ServiceUnavailableError` (404)
   * rather than `RequestTimeoutError`.
   * @default true
   */
  checkServiceOnTimeout?: boolean;
  /** Where diagnostics go. @default silent */
  logger?: Logger;
}

/**
 * Per-call options of {@linkcode MajordomoClient.request}.
 *
 * @example
 * ```ts
 * import type { MajordomoRequestOptions } from "@reliable/zmq";
 * const options: MajordomoRequestOptions = { timeoutMs: 500, attempts: 1, signal: AbortSignal.timeout(2000) };
 * ```
 */
export interface MajordomoRequestOptions {
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Overrides the client's `attempts` for this call. */
  attempts?: number;
  /** Cancels the call; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * A synchronous Majordomo client: one request at a time, with the Lazy
 * Pirate reliability of the zguide's `mdcliapi` built in. Each attempt
 * waits `timeoutMs`; on silence the socket is closed and a new one (a new
 * identity, so a late reply to the abandoned attempt can never arrive)
 * resends the same request, up to `attempts` times. Replies that are
 * malformed or name another service are dropped and waiting goes on.
 *
 * It uses a DEALER socket and writes the empty delimiter itself, so the
 * broker sees exactly what a REQ client would send. Calls made while one is
 * in progress wait their turn.
 *
 * Errors: `RequestTimeoutError` (no reply after every attempt),
 * `ServiceUnavailableError` (no reply, and the broker's MMI says no worker
 * is registered for the service), `ClosedError` (the client was closed),
 * or `signal.reason` when aborted.
 *
 * @example
 * ```ts ignore
 * import { MajordomoClient } from "@reliable/zmq";
 * const client = new MajordomoClient("tcp://127.0.0.1:5555", { timeoutMs: 1000 });
 * const [reply] = await client.request("echo", ["hello"]);
 * client.close();
 * ```
 */
export class MajordomoClient implements Disposable {
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #checkService: boolean;
  readonly #log: Logger;
  #sock: DealerSocket | null = null;
  #turn: Promise<unknown> = Promise.resolve();
  #closed = false;

  /**
   * Creates a client. It connects on its first request.
   *
   * @param endpoint The broker's endpoint, e.g. `"tcp://127.0.0.1:5555"`.
   * @param options Timeout, attempts, logger.
   * @throws {TypeError} On a badly typed argument.
   * @throws {RangeError} On an option out of range.
   */
  constructor(endpoint: string, options?: MajordomoClientOptions) {
    this.#endpoint = checkEndpoint("MajordomoClient()", endpoint);
    const o = checkOptions(CLS, options);
    this.#timeoutMs = numberOption(CLS, "timeoutMs", o.timeoutMs, 2500, 1);
    this.#attempts = numberOption(CLS, "attempts", o.attempts, 3, 1);
    if (
      o.checkServiceOnTimeout !== undefined &&
      typeof o.checkServiceOnTimeout !== "boolean"
    ) {
      throw new TypeError(`${CLS}: checkServiceOnTimeout must be a boolean`);
    }
    this.#checkService = o.checkServiceOnTimeout ?? true;
    this.#log = loggerOption(CLS, o.logger);
  }

  /**
   * Sends a request to a service and waits for its reply.
   *
   * @param service The service name (1-255 bytes).
   * @param body The request, one or more frames.
   * @param options Per-call timeout, attempts and abort signal.
   * @returns The reply body.
   * @throws {TypeError} On a badly typed argument.
   * @throws {RangeError} On an empty service name or body.
   * @throws {RequestTimeoutError} When no attempt got a reply.
   * @throws {ServiceUnavailableError} When no attempt got a reply and MMI
   * reports no worker for the service.
   * @throws {ClosedError} When the client is or gets closed.
   * @example
   * ```ts ignore
   * const [reply] = await client.request("echo", ["hello"], { timeoutMs: 500 });
   * ```
   */
  request(
    service: string,
    body: readonly Frame[],
    options?: MajordomoRequestOptions,
  ): Promise<Uint8Array[]> {
    let frames: Uint8Array[];
    let timeoutMs: number, attempts: number;
    try {
      if (typeof service !== "string") {
        throw new TypeError(`${CLS}.request(): service must be a string`);
      }
      frames = encodeClientRequest(service, body);
      const o = checkOptions(`${CLS}.request()`, options);
      timeoutMs = numberOption(
        CLS,
        "timeoutMs",
        o.timeoutMs,
        this.#timeoutMs,
        1,
      );
      attempts = numberOption(CLS, "attempts", o.attempts, this.#attempts, 1);
      checkSignal(`${CLS}.request()`, o.signal);
      if (this.#closed) {
        throw new ClosedError(
          `Cannot send request to service "${service}": client is closed`,
        );
      }
    } catch (e) {
      return Promise.reject(e);
    }
    const run = () =>
      this.#request(
        service,
        frames,
        timeoutMs,
        attempts,
        options?.signal,
        true,
      );
    const result = this.#turn.then(run, run);
    this.#turn = result.catch(() => {});
    return result;
  }

  async #request(
    service: string,
    frames: Uint8Array[],
    timeoutMs: number,
    attempts: number,
    signal: AbortSignal | undefined,
    checkMmi: boolean,
  ): Promise<Uint8Array[]> {
    const started = performance.now();
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.#closed) {
        throw new ClosedError(
          `Cannot send request to service "${service}": client is closed`,
        );
      }
      signal?.throwIfAborted();
      if (this.#sock === null) {
        this.#sock = new DealerSocket({ linger: 0 });
        this.#sock.connect(this.#endpoint);
      }
      const sock = this.#sock;
      await sock.send(frames);
      const deadline = performance.now() + timeoutMs;
      try {
        for (;;) {
          const left = deadline - performance.now();
          if (left <= 0) throw new TimeoutError("attempt timed out", timeoutMs);
          const msg = await sock.receive({ timeoutMs: left, signal });
          const reply = decodeClientReply(msg);
          if (reply instanceof ProtocolError) {
            this.#log.warn("malformed reply dropped", {
              reason: reply.message,
            });
            continue;
          }
          if (reply.service !== service) {
            this.#log.warn("reply from another service dropped", {
              expected: service,
              got: reply.service,
            });
            continue;
          }
          return reply.body;
        }
      } catch (e) {
        // Any failure: this socket's state is unknown; start afresh.
        sock.close();
        if (this.#sock === sock) this.#sock = null;
        if (e instanceof ClosedError && this.#closed) {
          throw new ClosedError(
            `Request to service "${service}" abandoned: client is closed`,
          );
        }
        if (!(e instanceof TimeoutError)) throw e;
        this.#log.warn("no reply; retrying on a new socket", {
          service,
          attempt,
          attempts,
        });
      }
    }
    const timeout = new RequestTimeoutError(
      service,
      attempts,
      performance.now() - started,
      timeoutMs,
    );
    if (checkMmi && this.#checkService && !isMmiService(service)) {
      let status: string | null = null;
      try {
        const r = await this.#request(
          MMI_SERVICE,
          encodeClientRequest(MMI_SERVICE, [service]),
          timeoutMs,
          1,
          signal,
          false,
        );
        status = parseMmiStatus(r);
      } catch {
        // broker unreachable: report the timeout
      }
      if (status === "404") {
        throw new ServiceUnavailableError(
          service,
          `Service "${service}" is not available: no reply after ${attempts} attempt(s) and the broker reports no worker (MMI 404)`,
          { cause: timeout },
        );
      }
    }
    throw timeout;
  }

  /**
   * Asks the broker (8/MMI `mmi.service`) whether a service has at least
   * one registered worker.
   *
   * @param service The service name.
   * @param options Per-call timeout, attempts and abort signal.
   * @returns `true` on 200, `false` on 404.
   * @throws {RequestTimeoutError} When the broker does not answer.
   * @throws {ProtocolError} When the broker answers something else (e.g.
   * 501: it has no MMI).
   * @example
   * ```ts ignore
   * if (!(await client.serviceAvailable("echo"))) console.log("no echo worker");
   * ```
   */
  async serviceAvailable(
    service: string,
    options?: MajordomoRequestOptions,
  ): Promise<boolean> {
    if (typeof service !== "string") {
      throw new TypeError(
        `${CLS}.serviceAvailable(): service must be a string`,
      );
    }
    validateServiceName(service);
    const reply = await this.request(MMI_SERVICE, [service], options);
    const status = parseMmiStatus(reply);
    if (status === "200") return true;
    if (status === "404") return false;
    throw new ProtocolError("MMI", 0, `unexpected status ${status ?? "?"}`);
  }

  /**
   * Fetches the broker's statistics from `mmi.stats`, a service our
   * `MajordomoBroker` adds beyond 8/MMI (other brokers answer 501).
   *
   * @param options Per-call timeout, attempts and abort signal.
   * @returns The statistics.
   * @throws {RequestTimeoutError} When the broker does not answer.
   * @throws {ProtocolError} When the broker does not implement `mmi.stats`.
   * @example
   * ```ts ignore
   * const stats = await client.brokerStats();
   * console.log(stats.workers, stats.queued);
   * ```
   */
  async brokerStats(
    options?: MajordomoRequestOptions,
  ): Promise<MajordomoBrokerStats> {
    const reply = await this.request(MMI_STATS, ["stats"], options);
    const status = parseMmiStatus(reply);
    if (status !== "200" || reply.length < 2) {
      throw new ProtocolError(
        "MMI",
        0,
        `mmi.stats not available (status ${status ?? "?"})`,
      );
    }
    return JSON.parse(td.decode(reply[1]));
  }

  /** Closes the client; a request in progress rejects with `ClosedError`. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#sock?.close();
    this.#sock = null;
  }

  /** Same as {@linkcode MajordomoClient.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
