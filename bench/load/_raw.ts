// Simulated Majordomo clients on raw DEALER sockets: the 7/MDP client
// grammar comes from src/protocol/mdp/codec.ts; per-client state lives in typed
// arrays; timeouts are one FIFO (every attempt has the same timeout) swept by
// the caller's timer, so a client costs no timer and no promise besides its
// one pending receive.
//
// Retry policies on a silent attempt (--retry):
// - lazy: close the socket and resend on a new one at once (what the
//   zguide's Lazy Pirate client and our MajordomoClient do): a new TCP
//   connection and a new identity per timeout;
// - resend: resend on the same socket; the request's sequence number in the
//   body tells a late reply to an earlier attempt apart, so no new
//   connection is needed;
// - backoff: resend on the same socket, but only after a jittered
//   exponential delay (250 ms × 2^(attempt-1), ×0.5-1.5, at most 8 s), so a
//   broker that is slow because it is overloaded is not sent more.
import { DealerSocket, type SocketOptions } from "../../src/transport/mod.ts";
import {
  decodeClientReply,
  encodeClientRequest,
} from "../../src/protocol/mdp/codec.ts";
import { ProtocolError } from "../../src/errors.ts";
import type { Message } from "../../src/types.ts";
import type { Histogram } from "./_hist.ts";

/** Cumulative counters shared with the process's reports. */
export interface Counters {
  sent: number;
  attemptsSent: number;
  replies: number;
  timeouts: number;
  failed: number;
  stale: number;
  errors: number;
  skipped: number;
  opened: number;
  served: number;
}

/** How to build the clients. */
export interface RawOptions {
  endpoint: string;
  service: string;
  n: number;
  first: number;
  timeoutMs: number;
  attempts: number;
  retry: "lazy" | "resend" | "backoff";
  bodyBytes: number;
  socketOptions: SocketOptions;
  closedLoop: boolean;
  running(): boolean;
  hist: Histogram;
  counters: Counters;
  onError(e: unknown): void;
}

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 8000;

export class RawClients {
  readonly #o: RawOptions;
  readonly #socks: (DealerSocket | null)[];
  readonly #seq: Uint32Array;
  readonly #attempt: Uint8Array;
  readonly #busy: Uint8Array;
  readonly #served: Uint8Array;
  readonly #firstAt: Float64Array;
  readonly #body: Uint8Array[];
  // FIFO of attempt deadlines: client, seq, attempt, deadline.
  #qi = new Int32Array(1024);
  #qs = new Uint32Array(1024);
  #qa = new Uint8Array(1024);
  #qt = new Float64Array(1024);
  #qHead = 0;
  #qLen = 0;
  // Delayed resends (backoff policy): [at, client, seq].
  #delayed: [number, number, number][] = [];
  #busyCount = 0;
  #active = 0;
  #stopped = false;
  #refused = false;

  constructor(o: RawOptions) {
    this.#o = o;
    this.#socks = new Array(o.n).fill(null);
    this.#seq = new Uint32Array(o.n);
    this.#attempt = new Uint8Array(o.n);
    this.#busy = new Uint8Array(o.n);
    this.#served = new Uint8Array(o.n);
    this.#firstAt = new Float64Array(o.n);
    this.#body = new Array(o.n);
  }

  outstanding(): number {
    return this.#busyCount;
  }

  active(): number {
    return this.#active;
  }

  open(i: number): void {
    this.#open(i);
  }

  #open(i: number): boolean {
    if (this.#refused) return false;
    let s: DealerSocket;
    try {
      s = new DealerSocket(this.#o.socketOptions);
      s.connect(this.#o.endpoint);
    } catch (e) {
      // Typically the process's file-descriptor limit: stop opening.
      this.#o.counters.errors++;
      this.#o.onError(e);
      this.#refused = true;
      return false;
    }
    this.#socks[i] = s;
    this.#o.counters.opened++;
    this.#active++;
    this.#listen(i, s);
    return true;
  }

  #close(i: number): void {
    const s = this.#socks[i];
    if (s === null) return;
    this.#socks[i] = null;
    this.#active--;
    s.close();
  }

  #listen(i: number, s: DealerSocket): void {
    const loop = (m: Message): void => {
      this.#onReply(m);
      if (this.#socks[i] === s) s.receive().then(loop, ignore);
    };
    s.receive().then(loop, ignore);
  }

  fire(i: number, now: number): boolean {
    if (this.#stopped) return false;
    if (this.#busy[i]) {
      this.#o.counters.skipped++;
      return false;
    }
    if (this.#socks[i] === null && !this.#open(i)) return false;
    this.#busy[i] = 1;
    this.#busyCount++;
    this.#seq[i]++;
    this.#attempt[i] = 0;
    this.#firstAt[i] = now;
    this.#o.counters.sent++;
    this.#send(i, now);
    return true;
  }

  #send(i: number, now: number): void {
    const o = this.#o;
    let body = this.#body[i];
    if (body === undefined) {
      body = this.#body[i] = new Uint8Array(Math.max(12, o.bodyBytes));
      new DataView(body.buffer).setUint32(0, o.first + i);
    }
    const v = new DataView(body.buffer);
    v.setUint32(4, this.#seq[i]);
    v.setUint32(8, this.#attempt[i]);
    // A copy per send: a resend must not alter bytes a queued send holds.
    const frames = encodeClientRequest(o.service, [body.slice()]);
    this.#push(i, this.#seq[i], this.#attempt[i], now + o.timeoutMs);
    o.counters.attemptsSent++;
    const s = this.#socks[i]!;
    try {
      if (!s.trySend(frames)) s.send(frames).catch(ignore);
    } catch (e) {
      o.counters.errors++;
      o.onError(e);
    }
  }

  #onReply(m: Message): void {
    const o = this.#o;
    const reply = decodeClientReply(m);
    if (reply instanceof ProtocolError || reply.body[0].length < 12) {
      o.counters.errors++;
      return;
    }
    const v = new DataView(
      reply.body[0].buffer,
      reply.body[0].byteOffset,
      reply.body[0].byteLength,
    );
    const i = v.getUint32(0) - o.first;
    const seq = v.getUint32(4);
    if (
      i < 0 || i >= o.n || !this.#busy[i] || this.#seq[i] !== seq
    ) {
      o.counters.stale++;
      return;
    }
    const now = performance.now();
    o.hist.recordMs(now - this.#firstAt[i]);
    o.counters.replies++;
    this.#busy[i] = 0;
    this.#busyCount--;
    if (!this.#served[i]) {
      this.#served[i] = 1;
      o.counters.served++;
    }
    if (o.closedLoop && o.running()) this.fire(i, now);
  }

  #push(i: number, seq: number, attempt: number, deadline: number): void {
    if (this.#qLen === this.#qi.length) this.#grow();
    const k = (this.#qHead + this.#qLen) % this.#qi.length;
    this.#qi[k] = i;
    this.#qs[k] = seq;
    this.#qa[k] = attempt;
    this.#qt[k] = deadline;
    this.#qLen++;
  }

  #grow(): void {
    const cap = this.#qi.length;
    const qi = new Int32Array(cap * 2), qs = new Uint32Array(cap * 2);
    const qa = new Uint8Array(cap * 2), qt = new Float64Array(cap * 2);
    for (let j = 0; j < this.#qLen; j++) {
      const k = (this.#qHead + j) % cap;
      qi[j] = this.#qi[k];
      qs[j] = this.#qs[k];
      qa[j] = this.#qa[k];
      qt[j] = this.#qt[k];
    }
    this.#qi = qi;
    this.#qs = qs;
    this.#qa = qa;
    this.#qt = qt;
    this.#qHead = 0;
  }

  /** Expires silent attempts and runs due delayed retries. */
  tick(now: number): void {
    const cap = this.#qi.length;
    while (this.#qLen > 0 && this.#qt[this.#qHead] <= now) {
      const k = this.#qHead;
      this.#qHead = (k + 1) % cap;
      this.#qLen--;
      const i = this.#qi[k];
      if (
        this.#busy[i] && this.#seq[i] === this.#qs[k] &&
        this.#attempt[i] === this.#qa[k]
      ) this.#onTimeout(i, now);
    }
    if (this.#delayed.length > 0) {
      const due = this.#delayed.filter((d) => d[0] <= now);
      this.#delayed = this.#delayed.filter((d) => d[0] > now);
      for (const [, i, seq] of due) {
        if (!this.#busy[i] || this.#seq[i] !== seq) continue;
        if (this.#socks[i] === null && !this.#open(i)) {
          this.#giveUp(i);
          continue;
        }
        this.#send(i, now);
      }
    }
  }

  #onTimeout(i: number, now: number): void {
    const o = this.#o;
    o.counters.timeouts++;
    if (this.#attempt[i] + 1 >= o.attempts) {
      this.#giveUp(i);
      // Lazy Pirate (MajordomoClient) drops the socket of a failed request.
      if (o.retry === "lazy") this.#close(i);
      return;
    }
    this.#attempt[i]++;
    if (o.retry === "resend") return this.#send(i, now);
    if (o.retry === "lazy") {
      this.#close(i);
      if (this.#open(i)) this.#send(i, now);
      else this.#giveUp(i);
      return;
    }
    const exp = Math.min(
      BACKOFF_MAX_MS,
      BACKOFF_BASE_MS * 2 ** (this.#attempt[i] - 1),
    );
    const delay = exp * (0.5 + Math.random());
    this.#delayed.push([now + delay, i, this.#seq[i]]);
  }

  #giveUp(i: number): void {
    this.#o.counters.failed++;
    this.#busy[i] = 0;
    this.#busyCount--;
  }

  close(): Promise<void> {
    this.#stopped = true;
    for (let i = 0; i < this.#o.n; i++) this.#close(i);
    return Promise.resolve();
  }
}

function ignore(): void {}
