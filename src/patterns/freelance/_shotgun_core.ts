/**
 * The decisions of a Freelance shotgun client (model two) without a socket:
 * numbering requests, sending one copy per connected server, taking the
 * first correctly numbered reply, counting late and duplicate ones, and
 * failing a request at its deadline. Driven by messages and the injected
 * clock (one `Deadlines` heap for every request). Private.
 *
 * Wire (DEALER view): the client sends `[""][seq][body…]` once per server;
 * a server answers `[""][seq][reply…]`.
 *
 * @module
 */
import { ClosedError, NoServerAnsweredError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock, Timer } from "../../_util/clock.ts";
import { type Deadline, Deadlines } from "../_kit/deadlines.ts";
import { encodeSeq, parseSeq } from "./_seq.ts";
import type { FreelanceRequestEvent, FreelanceRequestStats } from "./events.ts";

/** What the core needs from its shell. */
export interface ShotgunOutput {
  /**
   * Sends `frames` up to `copies` times without waiting (a DEALER spreads
   * them over its connected servers).
   * @returns How many copies went out (0: no server is connected).
   */
  send(frames: readonly Frame[], copies: number): number;
  /** A request event. */
  event?(e: FreelanceRequestEvent): void;
}

interface Req {
  readonly seq: number;
  readonly frames: Frame[];
  readonly startedAt: number;
  readonly deadlineMs: number;
  copies: number;
  due: Deadline<Req> | undefined;
  resolve(m: Message): void;
  reject(e: unknown): void;
  unlisten: (() => void) | undefined;
}

const EMPTY = new Uint8Array(0);
/** First and longest wait before sending again a request that found no server, ms. */
const RETRY_FIRST_MS = 1;
const RETRY_MAX_MS = 100;
/** How many settled requests are remembered to tell duplicates from late replies. */
const REMEMBER = 4096;

/** A shotgun client's decisions. */
export class ShotgunCore {
  readonly #clock: Clock;
  readonly #out: ShotgunOutput;
  readonly #pending = new Map<number, Req>();
  /** Requests sent to no server yet (none was connected). */
  readonly #unsent = new Set<Req>();
  /** Recently settled requests: true if answered, false if failed or abandoned. */
  readonly #settled = new Map<number, boolean>();
  readonly #timers: Deadlines<Req>;
  readonly #peers: () => readonly string[];
  #servers = 0;
  #retry: Timer | undefined;
  #retryMs = RETRY_FIRST_MS;
  #seq = 0;
  #closed = false;
  readonly #stats: FreelanceRequestStats = {
    requests: 0,
    replies: 0,
    failures: 0,
    aborted: 0,
    sent: 0,
    retries: 0,
    duplicates: 0,
    late: 0,
    malformed: 0,
  };

  /**
   * @param clock The time source.
   * @param out Where copies go.
   * @param peers The servers' endpoints, for errors.
   */
  constructor(
    clock: Clock,
    out: ShotgunOutput,
    peers: () => readonly string[],
  ) {
    this.#clock = clock;
    this.#out = out;
    this.#peers = peers;
    this.#timers = new Deadlines(clock, (r) => this.#fail(r));
  }

  /** Counters (a snapshot). */
  get stats(): FreelanceRequestStats {
    return { ...this.#stats };
  }

  /** Requests waiting for a reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * How many servers are connected: each request is sent this many times
   * (at least once). Sends the requests that found no server.
   * @param n The count.
   */
  setServers(n: number): void {
    this.#servers = n;
    if (n > 0) this.#resend();
  }

  /** Sends the requests that found no server; polls while some remain. */
  #resend(): void {
    for (const r of [...this.#unsent]) {
      this.#unsent.delete(r);
      this.#send(r);
      if (this.#unsent.has(r)) break; // still no connected server
    }
    if (this.#unsent.size === 0) {
      this.#retryMs = RETRY_FIRST_MS;
      this.#clock.clearTimeout(this.#retry);
      this.#retry = undefined;
    } else this.#armRetry();
  }

  #armRetry(): void {
    if (this.#retry === undefined && !this.#closed) {
      // A connection reported up may not be attached to the socket yet, and
      // a connection may come up unreported: look again, less and less often.
      this.#retry = this.#clock.setTimeout(() => {
        this.#retry = undefined;
        this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
        this.#resend();
      }, this.#retryMs);
    }
  }

  /**
   * Starts a request.
   * @param frames The request body.
   * @param deadlineMs Its limit from now, ms.
   * @param signal Abandons it.
   * @returns The reply (without the empty frame and the sequence number).
   */
  request(
    frames: Frame[],
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Message> {
    if (this.#closed) {
      return Promise.reject(
        new ClosedError("FreelanceShotgunClient is closed"),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.#clock.now();
    const seq = ++this.#seq;
    this.#stats.requests++;
    return new Promise<Message>((resolve, reject) => {
      const r: Req = {
        seq,
        frames: [EMPTY, encodeSeq(seq), ...frames],
        startedAt: now,
        deadlineMs,
        copies: 0,
        due: undefined,
        resolve,
        reject,
        unlisten: undefined,
      };
      if (signal) {
        const onAbort = () => {
          if (!this.#pending.has(seq)) return;
          this.#stats.aborted++;
          this.#finish(r, false);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        r.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
      this.#pending.set(seq, r);
      r.due = this.#timers.add(now + deadlineMs, r);
      this.#send(r);
      if (this.#unsent.size > 0) this.#armRetry();
    });
  }

  #send(r: Req): void {
    const n = this.#out.send(r.frames, Math.max(1, this.#servers));
    r.copies += n;
    this.#stats.sent += n;
    if (n === 0) this.#unsent.add(r);
  }

  /**
   * Handles one reply from the DEALER.
   * @param frames `[""][seq][reply…]`.
   */
  receive(frames: Uint8Array[]): void {
    if (this.#closed) return;
    if (frames.length < 3 || frames[0].length !== 0) {
      this.#stats.malformed++;
      return;
    }
    const seq = parseSeq(frames[1]);
    if (seq < 1) {
      this.#stats.malformed++;
      return;
    }
    const r = this.#pending.get(seq);
    if (r === undefined) {
      if (this.#settled.get(seq) === true) this.#stats.duplicates++;
      else this.#stats.late++;
      return;
    }
    this.#stats.replies++;
    this.#finish(r, true);
    r.resolve(frames.slice(2));
  }

  /** Rejects every request with `ClosedError`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.close();
    this.#clock.clearTimeout(this.#retry);
    const reqs = [...this.#pending.values()];
    this.#pending.clear();
    this.#unsent.clear();
    for (const r of reqs) {
      r.unlisten?.();
      this.#stats.aborted++;
      r.reject(
        new ClosedError("Request abandoned: FreelanceShotgunClient is closed"),
      );
    }
  }

  #fail(r: Req): void {
    if (!this.#pending.has(r.seq)) return;
    this.#stats.failures++;
    this.#finish(r, false);
    this.#out.event?.({ type: "request:failed", attempts: r.copies });
    r.reject(
      new NoServerAnsweredError(
        r.copies > 0 ? this.#peers() : [],
        r.copies,
        this.#clock.now() - r.startedAt,
        r.deadlineMs,
      ),
    );
  }

  #finish(r: Req, answered: boolean): void {
    this.#pending.delete(r.seq);
    this.#unsent.delete(r);
    this.#timers.remove(r.due);
    r.due = undefined;
    r.unlisten?.();
    this.#settled.set(r.seq, answered);
    if (this.#settled.size > REMEMBER) {
      this.#settled.delete(this.#settled.keys().next().value!);
    }
  }
}
