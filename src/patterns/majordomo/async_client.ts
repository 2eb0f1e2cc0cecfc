/**
 * The asynchronous Majordomo client (zguide `mdcliapi2`, with the
 * reconnect-and-resend the guide leaves as an exercise).
 *
 * @module
 */
import {
  ClosedError,
  ProtocolError,
  RequestTimeoutError,
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
  parseMmiStatus,
} from "../../protocol/mmi/codec.ts";
import { correlationFrame, readCorrelationId } from "./correlation.ts";
import { Deque } from "./_deque.ts";
import {
  checkEndpoint,
  checkOptions,
  checkSignal,
  loggerOption,
  numberOption,
} from "./_validate.ts";

const CLS = "MajordomoAsyncClient";

/**
 * Options of {@linkcode MajordomoAsyncClient}.
 *
 * @example
 * ```ts
 * import { MajordomoAsyncClient } from "@reliable/zmq";
 * const client = new MajordomoAsyncClient("tcp://127.0.0.1:5555", { deadlineMs: 5000, maxInFlight: 100 });
 * await client.close();
 * ```
 */
export interface MajordomoAsyncClientOptions {
  /**
   * With requests outstanding, this long without any message from the
   * broker means it may have died: the socket is replaced and every
   * request outstanding for at least this long is resent, in ms. Set it
   * above your slowest service's processing time.
   * @default 2500
   */
  timeoutMs?: number;
  /**
   * Default deadline of each request, from the call to the reply, in ms.
   * @default 10000
   */
  deadlineMs?: number;
  /**
   * Most requests in flight; further calls wait for a free slot.
   * @default 1000
   */
  maxInFlight?: number;
  /** Where diagnostics go. @default silent */
  logger?: Logger;
}

/**
 * Per-call options of {@linkcode MajordomoAsyncClient.request}.
 *
 * @example
 * ```ts
 * import type { MajordomoAsyncRequestOptions } from "@reliable/zmq";
 * const options: MajordomoAsyncRequestOptions = { deadlineMs: 1000, signal: AbortSignal.timeout(5000) };
 * ```
 */
export interface MajordomoAsyncRequestOptions {
  /** Deadline of this request, in ms from the call. */
  deadlineMs?: number;
  /** Cancels this request; it rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/**
 * Counters of a {@linkcode MajordomoAsyncClient}.
 *
 * @example
 * ```ts
 * import { MajordomoAsyncClient } from "@reliable/zmq";
 * const client = new MajordomoAsyncClient("tcp://127.0.0.1:5555");
 * console.log(client.stats.resent); // 0
 * await client.close();
 * ```
 */
export interface MajordomoAsyncClientStats {
  /** Requests sent (first sends). */
  sent: number;
  /** Requests resent after a suspected broker failure. */
  resent: number;
  /** Replies delivered. */
  replies: number;
  /** Replies dropped: duplicates, late, unknown id or malformed. */
  dropped: number;
  /** Times the socket was replaced. */
  reconnects: number;
}

interface Outstanding {
  id: number;
  service: string;
  frames: Uint8Array[];
  started: number;
  sentAt: number;
  attempts: number;
  deadlineMs: number;
  resolve(body: Uint8Array[]): void;
  reject(e: unknown): void;
  timer?: ReturnType<typeof setTimeout>;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * An asynchronous Majordomo client: many requests in flight on one DEALER
 * socket, each with its own deadline and `AbortSignal`, replies matched to
 * requests, and outstanding requests resent after the broker restarts.
 *
 * **How correlation works.** 7/MDP carries no request id, so each request
 * gets one as its first body frame (PROTOCOLS.md §7): a 12-byte frame,
 * `FF 52 5A 43` then the request number as a 64-bit big-endian integer.
 * The worker must put that frame, unchanged, first in its reply. Replies are
 * matched on it, so they may come back in any order, and a reply whose id
 * is not outstanding (a duplicate after a resend, or a late one) is
 * dropped: each call resolves exactly once.
 *
 * **What this asks of a worker.** Our `MajordomoWorker` does it for you
 * (with `correlation: "auto"`, the default, it takes the frame off before
 * your handler and puts it back on the reply). An echo worker does it by
 * nature. A worker written by someone else must echo the first request
 * frame as the first reply frame; otherwise its replies are dropped and the
 * requests time out. Services must be idempotent, since a resend can run a
 * request twice (the client still sees one reply).
 *
 * **Failover.** With requests outstanding and nothing heard from the broker
 * for `timeoutMs`, the client closes its socket, opens a new one and
 * resends every request outstanding for at least `timeoutMs`. `mmi.*`
 * requests carry no correlation frame (the broker answers them itself, in
 * order) and are not resent.
 *
 * @example
 * ```ts ignore
 * import { MajordomoAsyncClient } from "@reliable/zmq";
 * const client = new MajordomoAsyncClient("tcp://127.0.0.1:5555");
 * const replies = await Promise.all(
 *   ["a", "b", "c"].map((x) => client.request("echo", [x], { deadlineMs: 5000 })),
 * );
 * await client.close();
 * ```
 */
export class MajordomoAsyncClient implements AsyncDisposable {
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #deadlineMs: number;
  readonly #maxInFlight: number;
  readonly #log: Logger;
  readonly #out = new Map<number, Outstanding>();
  readonly #mmi = new Map<string, Deque<Outstanding>>();
  readonly #slots = new Deque<() => boolean>();
  #inFlight = 0;
  #nextId = 1;
  #sock: DealerSocket | null = null;
  #gen = 0;
  #lastHeard = 0;
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  readonly #stats: MajordomoAsyncClientStats = {
    sent: 0,
    resent: 0,
    replies: 0,
    dropped: 0,
    reconnects: 0,
  };

  /**
   * Creates a client. It connects on its first request.
   *
   * @param endpoint The broker's endpoint.
   * @param options Failover timeout, default deadline, window, logger.
   * @throws {TypeError} On a badly typed argument.
   * @throws {RangeError} On an option out of range.
   */
  constructor(endpoint: string, options?: MajordomoAsyncClientOptions) {
    this.#endpoint = checkEndpoint("MajordomoAsyncClient()", endpoint);
    const o = checkOptions(CLS, options);
    this.#timeoutMs = numberOption(CLS, "timeoutMs", o.timeoutMs, 2500, 1);
    this.#deadlineMs = numberOption(CLS, "deadlineMs", o.deadlineMs, 10000, 1);
    this.#maxInFlight = numberOption(
      CLS,
      "maxInFlight",
      o.maxInFlight,
      1000,
      1,
    );
    this.#log = loggerOption(CLS, o.logger);
    // Start from a random number so that two client instances never share
    // ids, even across a broker that mixed up identities.
    this.#nextId = Math.floor(Math.random() * 0x100000) * 0x100000000 + 1;
  }

  /** A copy of the client's counters. */
  get stats(): MajordomoAsyncClientStats {
    return { ...this.#stats };
  }

  /** Requests sent and not yet answered, failed or aborted. */
  get outstanding(): number {
    return this.#inFlight;
  }

  /**
   * Sends a request and resolves with its reply, whenever it comes.
   *
   * @param service The service name (1-255 bytes).
   * @param body The request, one or more frames.
   * @param options This request's deadline and abort signal.
   * @returns The reply body (without the correlation frame).
   * @throws {TypeError} On a badly typed argument.
   * @throws {RangeError} On an empty service name or body.
   * @throws {RequestTimeoutError} When the deadline passes first.
   * @throws {ClosedError} When the client is or gets closed.
   * @example
   * ```ts ignore
   * const ac = new AbortController();
   * const p = client.request("echo", ["x"], { signal: ac.signal, deadlineMs: 1000 });
   * ```
   */
  async request(
    service: string,
    body: readonly Frame[],
    options?: MajordomoAsyncRequestOptions,
  ): Promise<Uint8Array[]> {
    if (typeof service !== "string") {
      throw new TypeError(`${CLS}.request(): service must be a string`);
    }
    const mmi = isMmiService(service);
    // Validates service and body.
    const base = encodeClientRequest(service, body);
    const o = checkOptions(`${CLS}.request()`, options);
    const deadlineMs = numberOption(
      CLS,
      "deadlineMs",
      o.deadlineMs,
      this.#deadlineMs,
      1,
    );
    checkSignal(`${CLS}.request()`, o.signal);
    if (this.#closed) {
      throw new ClosedError(
        `Cannot send request to service "${service}": client is closed`,
      );
    }
    const started = performance.now();
    o.signal?.throwIfAborted();
    if (this.#inFlight >= this.#maxInFlight) {
      // Wait for a free slot; an abort while waiting gives the slot up.
      await new Promise<void>((resolve, reject) => {
        let done = false;
        const signal = o.signal;
        const onAbort = () => {
          if (done) return;
          done = true;
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#slots.push(() => {
          signal?.removeEventListener("abort", onAbort);
          if (done) return false; // aborted: pass the slot on
          done = true;
          resolve();
          return true;
        });
      });
      if (this.#closed) {
        throw new ClosedError(
          `Cannot send request to service "${service}": client is closed`,
        );
      }
      o.signal?.throwIfAborted();
    }
    this.#inFlight++;
    const id = mmi ? -1 : this.#nextId++;
    const frames = mmi
      ? base
      : [base[0], base[1], base[2], correlationFrame(id), ...base.slice(3)];
    return new Promise<Uint8Array[]>((resolve, reject) => {
      const entry: Outstanding = {
        id,
        service,
        frames,
        started,
        sentAt: 0,
        attempts: 0,
        deadlineMs,
        resolve,
        reject,
      };
      const left = deadlineMs - (performance.now() - started);
      entry.timer = setTimeout(() => {
        this.#finish(entry);
        reject(
          new RequestTimeoutError(
            service,
            entry.attempts,
            performance.now() - started,
            deadlineMs,
          ),
        );
      }, Math.max(0, left));
      if (o.signal) {
        const signal = o.signal;
        entry.signal = signal;
        entry.onAbort = () => {
          this.#finish(entry);
          reject(signal.reason);
        };
        signal.addEventListener("abort", entry.onAbort, { once: true });
      }
      if (mmi) {
        let q = this.#mmi.get(service);
        if (!q) this.#mmi.set(service, q = new Deque());
        q.push(entry);
      } else {
        this.#out.set(id, entry);
      }
      this.#send(entry);
    });
  }

  /**
   * Asks the broker (8/MMI) whether a service has a registered worker.
   *
   * @param service The service name.
   * @param options Deadline and abort signal.
   * @returns `true` on 200, `false` on 404.
   * @throws {RequestTimeoutError} When the broker does not answer in time.
   * @throws {ProtocolError} On any other status (e.g. 501).
   * @example
   * ```ts ignore
   * console.log(await client.serviceAvailable("echo"));
   * ```
   */
  async serviceAvailable(
    service: string,
    options?: MajordomoAsyncRequestOptions,
  ): Promise<boolean> {
    if (typeof service !== "string") {
      throw new TypeError(
        `${CLS}.serviceAvailable(): service must be a string`,
      );
    }
    validateServiceName(service);
    const status = parseMmiStatus(
      await this.request(MMI_SERVICE, [service], options),
    );
    if (status === "200") return true;
    if (status === "404") return false;
    throw new ProtocolError("MMI", 0, `unexpected status ${status ?? "?"}`);
  }

  #finish(entry: Outstanding): boolean {
    if (entry.id >= 0) {
      if (this.#out.get(entry.id) !== entry) return false;
      this.#out.delete(entry.id);
    } else {
      const q = this.#mmi.get(entry.service);
      if (!q) return false;
      const items = q.toArray();
      const i = items.indexOf(entry);
      if (i < 0) return false;
      items.splice(i, 1);
      q.clear();
      for (const x of items) q.push(x);
    }
    clearTimeout(entry.timer);
    if (entry.signal && entry.onAbort) {
      entry.signal.removeEventListener("abort", entry.onAbort);
    }
    this.#inFlight--;
    for (let w = this.#slots.shift(); w; w = this.#slots.shift()) {
      if (w()) break;
    }
    return true;
  }

  #socket(): DealerSocket {
    if (this.#sock === null) {
      const sock = new DealerSocket({
        linger: 0,
        sendHighWaterMark: 0,
        receiveHighWaterMark: 0,
      });
      sock.connect(this.#endpoint);
      this.#sock = sock;
      const gen = ++this.#gen;
      this.#lastHeard = performance.now();
      void this.#receive(sock, gen);
    }
    if (this.#watchdog === undefined) {
      this.#watchdog = setInterval(
        () => this.#check(),
        Math.max(10, this.#timeoutMs / 4),
      );
    }
    return this.#sock;
  }

  #send(entry: Outstanding): void {
    const sock = this.#socket();
    entry.attempts++;
    entry.sentAt = performance.now();
    if (entry.attempts === 1) this.#stats.sent++;
    else this.#stats.resent++;
    sock.send(entry.frames).catch(() => {
      // closed or replaced: the watchdog resends
    });
  }

  async #receive(sock: DealerSocket, gen: number): Promise<void> {
    for (;;) {
      let msg: Uint8Array[];
      try {
        msg = await sock.receive();
      } catch {
        return; // closed
      }
      if (gen !== this.#gen) return;
      this.#lastHeard = performance.now();
      const reply = decodeClientReply(msg);
      if (reply instanceof ProtocolError) {
        this.#stats.dropped++;
        continue;
      }
      let entry: Outstanding | undefined;
      let body = reply.body;
      if (isMmiService(reply.service)) {
        entry = this.#mmi.get(reply.service)?.peek();
      } else {
        const id = readCorrelationId(body[0]);
        entry = id >= 0 ? this.#out.get(id) : undefined;
        if (entry && entry.service !== reply.service) entry = undefined;
        body = body.slice(1);
      }
      if (entry === undefined || !this.#finish(entry)) {
        this.#stats.dropped++;
        continue;
      }
      this.#stats.replies++;
      entry.resolve(body);
    }
  }

  #check(): void {
    if (this.#closed) return;
    if (this.#inFlight === 0) {
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
      return;
    }
    const now = performance.now();
    if (now - this.#lastHeard < this.#timeoutMs) return;
    let stale = 0;
    for (const e of this.#out.values()) {
      if (now - e.sentAt >= this.#timeoutMs) stale++;
    }
    for (const q of this.#mmi.values()) {
      const e = q.peek();
      if (e && now - e.sentAt >= this.#timeoutMs) stale++;
    }
    if (stale === 0) return;
    this.#log.warn("broker silent; resending on a new socket", {
      requests: this.#inFlight,
    });
    this.#stats.reconnects++;
    this.#sock?.close();
    this.#sock = null;
    // The old socket is gone with whatever it held: resend everything that
    // is outstanding, in the order it was first sent (MMI requests too,
    // since the broker answers those in order).
    const all = [...this.#out.values()].sort((a, b) => a.id - b.id);
    for (const e of all) this.#send(e);
    for (const q of this.#mmi.values()) {
      for (const e of q.toArray()) this.#send(e);
    }
    this.#lastHeard = now;
  }

  /**
   * Closes the client: every outstanding request rejects with
   * `ClosedError`. Idempotent.
   *
   * @returns Resolves once closed.
   * @example
   * ```ts ignore
   * await client.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#sock?.close();
    this.#sock = null;
    const err = new ClosedError("MajordomoAsyncClient closed");
    const all = [...this.#out.values()];
    for (const q of this.#mmi.values()) all.push(...q.toArray());
    for (const e of all) {
      if (this.#finish(e)) e.reject(err);
    }
    for (let r = this.#slots.shift(); r; r = this.#slots.shift()) r();
    return Promise.resolve();
  }

  /** Same as {@linkcode MajordomoAsyncClient.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
