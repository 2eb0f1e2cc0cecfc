/**
 * Idempotent services (zguide "Idempotent Services"): a worker-side cache
 * of recent replies by request key, so that a retried request is answered
 * from the cache instead of running twice.
 *
 * @module
 */
import type { Clock } from "../../_util/clock.ts";
import type { Frame } from "../../types.ts";
import {
  clock as clockOption,
  count,
  durationMs,
  fn,
  readOptions,
} from "../../_util/options.ts";

const CLS = "IdempotentCache";
const te = new TextEncoder();
const latin = new TextDecoder("latin1");

/**
 * Options of {@linkcode IdempotentCache}.
 *
 * @example
 * ```ts
 * import type { IdempotentOptions } from "./idempotent.ts";
 * const options: IdempotentOptions = { windowMs: 600000, maxEntries: 50000 };
 * ```
 */
export interface IdempotentOptions {
  /**
   * Reads a request's key: a value unique per logical request and the
   * same on every retry of it (e.g. client id + sequence number, see
   * {@linkcode requestKey}, or a key the client chooses). `null` or
   * `undefined`: the request is not cached (it runs every time).
   * @default the first frame of the request
   */
  key?: (request: Uint8Array[]) => string | Uint8Array | null | undefined;
  /**
   * How long a reply is remembered, in ms. Make it longer than the
   * longest time a client (or Titanic) may keep retrying: a retry after
   * the window runs again.
   * @default 300000 (5 minutes)
   */
  windowMs?: number;
  /** Most replies remembered; the oldest go first. @default 10000 */
  maxEntries?: number;
  /** Most bytes of replies remembered; the oldest go first. @default 67108864 (64 MiB) */
  maxBytes?: number;
  /** The time source (tests pass a `FakeClock`). @default the real clock */
  clock?: Clock;
}

/**
 * Counters of an {@linkcode IdempotentCache}.
 *
 * @example
 * ```ts
 * import type { IdempotentStats } from "./idempotent.ts";
 * const s: Partial<IdempotentStats> = { hits: 0 };
 * ```
 */
export interface IdempotentStats {
  /** Replies remembered now. */
  readonly entries: number;
  /** Their bytes. */
  readonly bytes: number;
  /** Requests answered from the cache (the handler did not run). */
  readonly hits: number;
  /** Requests that arrived while the same key was running and shared its reply. */
  readonly joined: number;
  /** Requests that ran the handler. */
  readonly runs: number;
  /** Replies dropped to stay within `maxEntries`/`maxBytes`. */
  readonly evicted: number;
  /** Replies dropped at the end of the window. */
  readonly expired: number;
}

interface Slot {
  reply: Uint8Array[];
  bytes: number;
  expiresAt: number;
}

/**
 * Builds a request key from a client identity and a sequence number (the
 * zguide's scheme): the client stamps every request with it, the same on
 * every retry. The identity must survive reconnects: never the socket's
 * routing id.
 *
 * @param clientId A stable identity of the client (e.g. a UUID it keeps).
 * @param sequence The request's number, increasing per client.
 * @returns The key, as a frame to put first in the request.
 * @throws {TypeError} When `clientId` is not a non-empty string or
 * `sequence` not a non-negative integer.
 * @example
 * ```ts
 * import { requestKey } from "./idempotent.ts";
 * console.log(requestKey("client-7", 42)); // "client-7:42"
 * ```
 */
export function requestKey(clientId: string, sequence: number): string {
  if (typeof clientId !== "string" || clientId === "") {
    throw new TypeError("requestKey(): clientId must be a non-empty string");
  }
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new TypeError(
      `requestKey(): sequence must be a non-negative integer, got ${sequence}`,
    );
  }
  return `${clientId}:${sequence}`;
}

/**
 * A bounded cache of recent replies by request key, for services that must
 * not run a request twice. Every retrying path is at-least-once: the
 * Majordomo clients resend after a timeout, Titanic re-dispatches after a
 * lost reply or a crash. When a retry reaches the worker after the first
 * run finished, `wrap`ped handlers answer it from the cache; when it comes
 * while the first is still running (two workers in one process sharing
 * the cache), it waits for and shares that run's reply. A run that throws
 * is not remembered, so its retry runs again.
 *
 * Needed when the service has side effects that must happen once (a
 * debit, a log entry, a message passed on); not needed for lookups and
 * pure computations. The cache lives in memory: it protects against
 * retries, not against the worker's own crash between its side effect and
 * its reply. Where that matters, record the key in the same transaction as
 * the side effect.
 *
 * @example A handler that runs once per key
 * ```ts
 * import { IdempotentCache } from "./idempotent.ts";
 * let runs = 0;
 * const cache = new IdempotentCache({ windowMs: 60000 });
 * const debit = cache.wrap((req) => {
 *   runs++;
 *   return ["done", req[1]];
 * });
 * const te = new TextEncoder();
 * const req = [te.encode("client-1:1"), te.encode("10 EUR")];
 * await debit(req);
 * await debit(req); // a retry: answered from the cache
 * console.log(runs, cache.stats.hits); // 1 1
 * ```
 */
export class IdempotentCache {
  readonly #key: (r: Uint8Array[]) => string | Uint8Array | null | undefined;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #clock: Clock;
  readonly #slots = new Map<string, Slot>();
  readonly #running = new Map<string, Promise<Uint8Array[]>>();
  #bytes = 0;
  #c = { hits: 0, joined: 0, runs: 0, evicted: 0, expired: 0 };

  /**
   * Creates an empty cache.
   *
   * @param options Key, window, bounds, clock.
   * @throws {TypeError} On a badly typed or unknown option.
   * @throws {RangeError} On an option out of range.
   */
  constructor(options?: IdempotentOptions) {
    const o = readOptions(CLS, options, [
      "key",
      "windowMs",
      "maxEntries",
      "maxBytes",
      "clock",
    ]);
    this.#key = fn<(r: Uint8Array[]) => string | Uint8Array | null>(
      CLS,
      "key",
      o.key,
    ) ?? ((r) => r[0]);
    this.#windowMs = durationMs(CLS, "windowMs", o.windowMs, 300000, {
      min: 1,
    });
    this.#maxEntries = count(CLS, "maxEntries", o.maxEntries, 10000, 1);
    this.#maxBytes = count(CLS, "maxBytes", o.maxBytes, 64 << 20, 1);
    this.#clock = clockOption(CLS, o.clock);
  }

  /** A snapshot of the counters. */
  get stats(): IdempotentStats {
    this.#expire();
    return { entries: this.#slots.size, bytes: this.#bytes, ...this.#c };
  }

  #expire(): void {
    const now = this.#clock.now();
    for (const [k, s] of this.#slots) {
      if (s.expiresAt > now) break; // insertion order is expiry order
      this.#drop(k, s);
      this.#c.expired++;
    }
  }

  #drop(k: string, s: Slot): void {
    this.#slots.delete(k);
    this.#bytes -= s.bytes;
  }

  #remember(k: string, reply: Uint8Array[]): void {
    let bytes = 64 + k.length;
    for (const f of reply) bytes += f.length + 16;
    if (bytes > this.#maxBytes) return;
    const old = this.#slots.get(k);
    if (old) this.#drop(k, old);
    this.#slots.set(k, {
      reply,
      bytes,
      expiresAt: this.#clock.now() + this.#windowMs,
    });
    this.#bytes += bytes;
    for (const [ok, s] of this.#slots) {
      if (
        this.#slots.size <= this.#maxEntries && this.#bytes <= this.#maxBytes
      ) break;
      this.#drop(ok, s);
      this.#c.evicted++;
    }
  }

  /**
   * Wraps a handler so that each key runs at most once per window.
   *
   * @param handler The service's handler (as for `MajordomoWorker`).
   * @returns A handler to register instead.
   * @throws {TypeError} When `handler` is not a function.
   */
  wrap(
    handler: (request: Uint8Array[]) => Frame[] | Promise<Frame[]>,
  ): (request: Uint8Array[]) => Promise<Uint8Array[]> {
    if (typeof handler !== "function") {
      throw new TypeError(`${CLS}.wrap(): handler must be a function`);
    }
    return async (request) => {
      const raw = this.#key(request);
      if (raw === null || raw === undefined) {
        this.#c.runs++;
        return toBytes(await handler(request));
      }
      const k = typeof raw === "string" ? "s" + raw : "b" + latin.decode(raw);
      this.#expire();
      const hit = this.#slots.get(k);
      if (hit) {
        this.#c.hits++;
        return hit.reply.map((f) => f.slice());
      }
      const running = this.#running.get(k);
      if (running) {
        this.#c.joined++;
        return (await running).map((f) => f.slice());
      }
      this.#c.runs++;
      const run = (async () => toBytes(await handler(request)))();
      this.#running.set(k, run);
      try {
        const reply = await run;
        this.#remember(k, reply);
        return reply.map((f) => f.slice());
      } finally {
        this.#running.delete(k);
      }
    };
  }

  /** Forgets every remembered reply. */
  clear(): void {
    this.#slots.clear();
    this.#bytes = 0;
  }
}

function toBytes(frames: Frame[]): Uint8Array[] {
  if (!Array.isArray(frames)) {
    throw new TypeError(`${CLS}: the handler must return an array of frames`);
  }
  return frames.map((f) => typeof f === "string" ? te.encode(f) : f);
}
