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
/**
 * How many settled requests are remembered to tell duplicates from late
 * replies, and the size of the ring of pending requests (a power of two).
 */
const REMEMBER = 4096;
const MASK = REMEMBER - 1;
/** States in the ring of settled requests. */
const ANSWERED = 1, FAILED = 2;

/** A shotgun client's decisions. */
export class ShotgunCore {
  readonly #clock: Clock;
  readonly #out: ShotgunOutput;
  /**
   * Pending requests by `seq & MASK`: numbers grow by one, so a slot is
   * free again long before it is needed (no map work per request). A
   * request whose slot is still held by one 4096 older goes to `#overflow`.
   */
  readonly #ring: (Req | undefined)[] = new Array(REMEMBER).fill(undefined);
  readonly #overflow = new Map<number, Req>();
  #pendingCount = 0;
  /** Requests sent to no server yet (none was connected). */
  readonly #unsent = new Set<Req>();
  /** The last `REMEMBER` settled requests: their numbers and states. */
  readonly #settledSeq = new Float64Array(REMEMBER);
  readonly #settledState = new Uint8Array(REMEMBER);
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
    // Lazy: one request at a time arms no timer per request.
    this.#timers = new Deadlines(clock, (r) => this.#fail(r), { lazy: true });
  }

  /** Counters (a snapshot). */
  get stats(): FreelanceRequestStats {
    return { ...this.#stats };
  }

  /** Requests waiting for a reply. */
  get pending(): number {
    return this.#pendingCount;
  }

  #get(seq: number): Req | undefined {
    const r = this.#ring[seq & MASK];
    return r !== undefined && r.seq === seq ? r : this.#overflow.get(seq);
  }

  #put(r: Req): void {
    const i = r.seq & MASK;
    if (this.#ring[i] === undefined) this.#ring[i] = r;
    else this.#overflow.set(r.seq, r);
    this.#pendingCount++;
  }

  #take(r: Req): boolean {
    const i = r.seq & MASK;
    if (this.#ring[i] === r) this.#ring[i] = undefined;
    else if (!this.#overflow.delete(r.seq)) return false;
    this.#pendingCount--;
    return true;
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
          if (this.#get(seq) !== r) return;
          this.#stats.aborted++;
          this.#finish(r, false);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        r.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
      this.#put(r);
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
    const r = this.#get(seq);
    if (r === undefined) {
      // Dropped without decoding more than the number (the common case with
      // several servers: every reply but the first).
      const i = seq & MASK;
      if (
        this.#settledSeq[i] === seq && this.#settledState[i] === ANSWERED
      ) this.#stats.duplicates++;
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
    const reqs = [...this.#overflow.values()];
    for (let i = 0; i < REMEMBER; i++) {
      const r = this.#ring[i];
      if (r !== undefined) reqs.push(r);
      this.#ring[i] = undefined;
    }
    reqs.sort((a, b) => a.seq - b.seq);
    this.#overflow.clear();
    this.#pendingCount = 0;
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
    if (this.#get(r.seq) !== r) return;
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
    this.#take(r);
    if (this.#unsent.size > 0) this.#unsent.delete(r);
    this.#timers.remove(r.due);
    r.due = undefined;
    r.unlisten?.();
    const i = r.seq & MASK;
    this.#settledSeq[i] = r.seq;
    this.#settledState[i] = answered ? ANSWERED : FAILED;
  }
}
