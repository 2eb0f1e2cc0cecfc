/**
 * The decisions of a Freelance client (model three, 10/FLP) without a
 * socket: which servers are alive, which server each request goes to, when
 * to ping, when a request fails over and when it fails. Driven by messages
 * and the injected clock; it sends through a one-method output, so a test
 * runs it under a `FakeClock` with a recording output. Private.
 *
 * Rules (docs/FREELANCE.md):
 * - a server is used once it has answered anything (PONG or reply), and
 *   until it has been silent for `heartbeatIntervalMs × liveness` or its
 *   connection dropped;
 * - a server is pinged one interval after it was last heard (or pinged);
 * - a request goes to one live server, preferring servers it has not tried,
 *   then the one with the fewest requests in flight, then the one used
 *   last; with no live server it waits;
 * - an attempt that gets no reply in `attemptTimeoutMs`, or whose server
 *   dies, moves to another live server (the same one if it is the only
 *   one), always within the request's deadline;
 * - the first reply carrying the request's control frame wins, from
 *   whichever server it was sent to; any later one is dropped and counted.
 *
 * Timers are tickless: one `Deadlines` heap holds each server's next check
 * and each request's next timeout, on one clock timer.
 *
 * @module
 */
import { ClosedError, NoServerAnsweredError } from "../../errors.ts";
import type { Frame, Message } from "../../types.ts";
import type { Clock } from "../../_util/clock.ts";
import { type Deadline, Deadlines } from "../_kit/deadlines.ts";
import { step } from "../_kit/fsm.ts";
import { expiryMs, type LivenessPolicy } from "../_kit/liveness.ts";
import {
  decodeClientInbound,
  encodePing,
  type FlpProtocolError,
} from "../../protocol/flp/codec.ts";
import { SERVER_MACHINE, type ServerEvent, type ServerState } from "./_fsm.ts";
import { encodeSeq, parseSeq } from "./_seq.ts";
import type { FreelanceClientEvent, FreelanceClientStats } from "./events.ts";

/** Timing of a client. */
export interface ClientPolicy extends LivenessPolicy {
  /** How long one server gets to answer before the request moves on, ms. */
  readonly attemptTimeoutMs: number;
}

/** What a send did. */
export type SendResult =
  /** Handed to the transport. */
  | "sent"
  /** No connection to that identity (not up yet, or gone). */
  | "unreachable"
  /** The connection is full (high-water mark). */
  | "busy";

/** What the core needs from its shell. */
export interface ClientOutput {
  /** Sends `[identity][frames…]` without waiting. */
  send(frames: readonly Frame[]): SendResult;
  /** A client event (the shell forwards it to listeners). */
  event?(e: FreelanceClientEvent): void;
  /** A malformed message was dropped (the shell logs, rate-limited). */
  malformed?(e: FlpProtocolError): void;
  /** A message came from an identity that is no server of ours. */
  unknownSender?(identity: Uint8Array): void;
}

/** One server as the client sees it. */
interface Server {
  readonly endpoint: string;
  readonly id: Uint8Array;
  state: ServerState;
  lastHeardAt: number;
  lastPingAt: number;
  /** Wait before the next ping while the last one found no route, ms. */
  probeMs: number;
  readonly inFlight: Set<Req>;
  due: Deadline<Server | Req> | undefined;
}

/** One request. */
interface Req {
  readonly seq: number;
  readonly frames: Frame[];
  readonly startedAt: number;
  readonly deadlineAt: number;
  readonly deadlineMs: number;
  attempts: number;
  readonly tried: string[];
  server: Server | null;
  due: Deadline<Server | Req> | undefined;
  resolve(m: Message): void;
  reject(e: unknown): void;
  unlisten: (() => void) | undefined;
}

const td = new TextDecoder();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
/** First wait before pinging again a server that had no route, ms. */
const PROBE_FIRST_MS = 1;

/** A Freelance client's decisions. */
export class ClientCore {
  readonly #clock: Clock;
  readonly #p: ClientPolicy;
  readonly #expiry: number;
  readonly #out: ClientOutput;
  readonly #servers = new Map<string, Server>();
  readonly #pending = new Map<number, Req>();
  readonly #waiting = new Set<Req>();
  readonly #timers: Deadlines<Server | Req>;
  #seq = 0;
  #last: Server | undefined;
  #closed = false;
  readonly #stats: Omit<
    FreelanceClientStats,
    "aliveServers" | "waiting" | "inFlight"
  > = {
    requests: 0,
    replies: 0,
    failures: 0,
    aborted: 0,
    failovers: 0,
    late: 0,
    malformed: 0,
    unknownSender: 0,
    pings: 0,
    pongs: 0,
  };

  /**
   * @param clock The time source.
   * @param policy Heartbeat, liveness and the attempt timeout.
   * @param out Where messages and events go.
   */
  constructor(clock: Clock, policy: ClientPolicy, out: ClientOutput) {
    this.#clock = clock;
    this.#p = policy;
    this.#expiry = expiryMs(policy);
    this.#out = out;
    this.#timers = new Deadlines(clock, (item) => {
      if ("seq" in item) this.#requestDue(item);
      else this.#serverDue(item);
    });
  }

  /** Counters, with the current gauges. */
  get stats(): FreelanceClientStats {
    let alive = 0;
    for (const s of this.#servers.values()) if (s.state === "alive") alive++;
    return {
      ...this.#stats,
      aliveServers: alive,
      waiting: this.#waiting.size,
      inFlight: this.#pending.size - this.#waiting.size,
    };
  }

  /** Every server and its state, in the order they were added. */
  get servers(): { endpoint: string; state: ServerState }[] {
    return [...this.#servers.values()].map((s) => ({
      endpoint: s.endpoint,
      state: s.state,
    }));
  }

  /**
   * Adds a server and pings it at once (a ping before the connection is up
   * is `unreachable` and costs nothing; the shell calls
   * {@linkcode ClientCore.connected} when it is up).
   * @param endpoint The endpoint, which is also the server's identity.
   * @returns False if it was already added.
   */
  addServer(endpoint: string): boolean {
    if (this.#servers.has(endpoint)) return false;
    const now = this.#clock.now();
    const s: Server = {
      endpoint,
      id: new TextEncoder().encode(endpoint),
      state: "connecting",
      lastHeardAt: -Infinity,
      lastPingAt: -Infinity,
      probeMs: 0,
      inFlight: new Set(),
      due: undefined,
    };
    this.#servers.set(endpoint, s);
    this.#ping(s, now);
    this.#schedule(s);
    return true;
  }

  /**
   * The transport reports a connection to `endpoint` is up: ping it now
   * rather than at the next interval.
   * @param endpoint The server's endpoint.
   */
  connected(endpoint: string): void {
    const s = this.#servers.get(endpoint);
    if (!s || this.#closed) return;
    s.probeMs = 0;
    this.#ping(s, this.#clock.now());
    this.#schedule(s);
  }

  /**
   * The transport reports the connection to `endpoint` dropped: stop using
   * it and move its requests elsewhere now.
   * @param endpoint The server's endpoint.
   */
  disconnected(endpoint: string): void {
    const s = this.#servers.get(endpoint);
    if (!s || this.#closed) return;
    this.#fire(s, "lost");
  }

  /**
   * Starts a request.
   * @param frames The request body.
   * @param deadlineMs Its limit from now, ms.
   * @param signal Abandons it.
   * @returns The reply.
   */
  request(
    frames: Frame[],
    deadlineMs: number,
    signal?: AbortSignal,
  ): Promise<Message> {
    if (this.#closed) {
      return Promise.reject(new ClosedError("FreelanceClient is closed"));
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.#clock.now();
    const seq = ++this.#seq;
    this.#stats.requests++;
    return new Promise<Message>((resolve, reject) => {
      const req: Req = {
        seq,
        frames: [encodeSeq(seq), ...frames],
        startedAt: now,
        deadlineAt: now + deadlineMs,
        deadlineMs,
        attempts: 0,
        tried: [],
        server: null,
        due: undefined,
        resolve,
        reject,
        unlisten: undefined,
      };
      if (signal) {
        const onAbort = () => {
          if (!this.#pending.has(seq)) return;
          this.#stats.aborted++;
          this.#finish(req);
          reject(signal.reason);
        };
        signal.addEventListener("abort", onAbort, { once: true });
        req.unlisten = () => signal.removeEventListener("abort", onAbort);
      }
      this.#pending.set(seq, req);
      this.#dispatch(req, now);
    });
  }

  /**
   * Handles one message from the client's ROUTER.
   * @param frames The frames, the server's identity first.
   */
  receive(frames: Uint8Array[]): void {
    if (this.#closed) return;
    const m = decodeClientInbound(frames);
    if (m instanceof Error) {
      this.#stats.malformed++;
      this.#out.malformed?.(m);
      this.#out.event?.({ type: "message:malformed", code: m.code });
      return;
    }
    // Most replies come from the server last sent to: compare its identity
    // bytes before decoding the sender into a string for the map.
    const last = this.#last;
    const s = last !== undefined && sameBytes(last.id, m.sender)
      ? last
      : this.#servers.get(td.decode(m.sender));
    if (!s) {
      this.#stats.unknownSender++;
      this.#out.unknownSender?.(m.sender);
      return;
    }
    const now = this.#clock.now();
    s.lastHeardAt = now;
    const wasAlive = s.state === "alive";
    s.probeMs = 0;
    if (!wasAlive) this.#fire(s, "heard");
    if (m.type === "pong") {
      this.#stats.pongs++;
    } else {
      const req = this.#pending.get(parseSeq(m.control));
      if (req === undefined || req.server === null && req.attempts === 0) {
        this.#stats.late++;
      } else {
        this.#stats.replies++;
        this.#finish(req);
        req.resolve(m.body);
      }
    }
    // Hearing from a live server only moves its next check later: its
    // entry fires early, finds nothing due and is put back (no heap work
    // per message).
    if (!wasAlive) this.#schedule(s);
  }

  /** Rejects every request with `ClosedError` and stops every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.close();
    const reqs = [...this.#pending.values()];
    this.#pending.clear();
    this.#waiting.clear();
    for (const s of this.#servers.values()) s.inFlight.clear();
    for (const r of reqs) {
      r.unlisten?.();
      this.#stats.aborted++;
      r.reject(
        new ClosedError("Request abandoned: FreelanceClient is closed"),
      );
    }
  }

  // ---- servers ---------------------------------------------------------------

  #fire(s: Server, event: ServerEvent): void {
    const t = step(SERVER_MACHINE, s.state, event);
    if (!t) return;
    const from = s.state;
    s.state = t.next;
    if (from !== t.next && this.#out.event) {
      if (t.next === "alive") {
        this.#out.event({ type: "server:alive", endpoint: s.endpoint });
      } else if (t.next === "dead") {
        this.#out.event({
          type: "server:dead",
          endpoint: s.endpoint,
          cause: event === "lost" ? "lost" : "expired",
        });
      }
    }
    for (const a of t.actions) {
      if (a === "dispatch-waiting") this.#dispatchWaiting();
      else this.#failOver(s);
    }
  }

  #ping(s: Server, now: number): void {
    s.lastPingAt = now;
    const r = this.#out.send(encodePing(s.id));
    if (r === "sent") {
      this.#stats.pings++;
      s.probeMs = 0;
    } else if (r === "unreachable") {
      // No route yet (or any more): probe again soon, then less and less
      // often, up to the interval; a connection reported up may take a
      // moment to be routable.
      s.probeMs = Math.min(
        s.probeMs > 0 ? s.probeMs * 2 : PROBE_FIRST_MS,
        this.#p.heartbeatIntervalMs,
      );
      if (s.state === "alive") this.#fire(s, "lost");
    }
  }

  /** When `s` is next pinged. */
  #pingAt(s: Server): number {
    return s.probeMs > 0
      ? s.lastPingAt + s.probeMs
      : Math.max(s.lastHeardAt, s.lastPingAt) + this.#p.heartbeatIntervalMs;
  }

  /** When `s` next needs a look: its ping, and its expiry while alive. */
  #nextCheckAt(s: Server): number {
    const ping = this.#pingAt(s);
    return s.state === "alive"
      ? Math.min(ping, s.lastHeardAt + this.#expiry)
      : ping;
  }

  #schedule(s: Server): void {
    if (this.#closed) return;
    const at = this.#nextCheckAt(s);
    if (s.due) this.#timers.move(s.due, at);
    else s.due = this.#timers.add(at, s);
  }

  #serverDue(s: Server): void {
    const now = this.#clock.now();
    if (s.state === "alive" && now - s.lastHeardAt >= this.#expiry) {
      this.#fire(s, "expired");
    }
    if (now >= this.#pingAt(s)) this.#ping(s, now);
    this.#schedule(s);
  }

  /** Moves the requests a dead server holds to other servers now. */
  #failOver(s: Server): void {
    if (s.inFlight.size === 0) return;
    const now = this.#clock.now();
    const reqs = [...s.inFlight];
    s.inFlight.clear();
    for (const r of reqs) {
      r.server = null;
      this.#stats.failovers++;
      this.#out.event?.({
        type: "request:failover",
        from: s.endpoint,
        cause: "server-dead",
      });
      if (now >= r.deadlineAt) this.#fail(r, now);
      else this.#dispatch(r, now);
    }
  }

  // ---- requests --------------------------------------------------------------

  /**
   * The live server for `r`: one it has not tried, then the fewest
   * requests in flight, then the server used last (so one client's
   * sequential requests stay on one warm server, as in the guide), then
   * the first connected.
   */
  #choose(r: Req, skip: Set<Server> | undefined): Server | undefined {
    let best: Server | undefined;
    let bestKey = Infinity;
    for (const s of this.#servers.values()) {
      if (s.state !== "alive" || skip?.has(s)) continue;
      const tried = r.attempts > 0 && r.tried.includes(s.endpoint) ? 1 : 0;
      const key = (tried * 1e7 + s.inFlight.size) * 2 +
        (s === this.#last ? 0 : 1);
      if (key < bestKey) {
        bestKey = key;
        best = s;
      }
    }
    return best;
  }

  #dispatch(r: Req, now: number): void {
    let skip: Set<Server> | undefined;
    for (;;) {
      const s = this.#choose(r, skip);
      if (s === undefined) break;
      const res = this.#out.send([s.id, ...r.frames]);
      if (res === "sent") {
        this.#last = s;
        r.attempts++;
        r.tried.push(s.endpoint);
        r.server = s;
        s.inFlight.add(r);
        if (this.#waiting.size > 0) this.#waiting.delete(r);
        this.#arm(r, Math.min(now + this.#p.attemptTimeoutMs, r.deadlineAt));
        return;
      }
      (skip ??= new Set()).add(s);
      if (res === "unreachable") this.#fire(s, "lost");
    }
    this.#waiting.add(r);
    this.#arm(r, r.deadlineAt);
  }

  #dispatchWaiting(): void {
    if (this.#waiting.size === 0) return;
    const now = this.#clock.now();
    for (const r of [...this.#waiting]) {
      if (!this.#pending.has(r.seq)) continue;
      this.#waiting.delete(r);
      this.#dispatch(r, now);
      if (this.#waiting.has(r)) break; // no live server took it
    }
  }

  #arm(r: Req, at: number): void {
    if (r.due) this.#timers.move(r.due, at);
    else r.due = this.#timers.add(at, r);
  }

  #requestDue(r: Req): void {
    if (!this.#pending.has(r.seq)) return;
    const now = this.#clock.now();
    if (now >= r.deadlineAt) return this.#fail(r, now);
    // The attempt timed out: try another server within the deadline.
    const from = r.server;
    if (from) {
      from.inFlight.delete(r);
      r.server = null;
      this.#stats.failovers++;
      this.#out.event?.({
        type: "request:failover",
        from: from.endpoint,
        cause: "timeout",
      });
    }
    this.#dispatch(r, now);
  }

  #fail(r: Req, now: number): void {
    this.#stats.failures++;
    this.#finish(r);
    this.#out.event?.({ type: "request:failed", attempts: r.attempts });
    r.reject(
      new NoServerAnsweredError(
        r.tried,
        r.attempts,
        now - r.startedAt,
        r.deadlineMs,
      ),
    );
  }

  /** Forgets a request that is settled (the caller settles it). */
  #finish(r: Req): void {
    this.#pending.delete(r.seq);
    if (this.#waiting.size > 0) this.#waiting.delete(r);
    r.server?.inFlight.delete(r);
    r.server = null;
    this.#timers.remove(r.due);
    r.due = undefined;
    r.unlisten?.();
  }
}
