/**
 * The decisions of `MajordomoAsyncClient`, without sockets: which requests
 * to send, resend, fail or resolve, driven by messages, connection events
 * and time from the injected clock. The shell (async_client.ts) owns the
 * sockets and feeds this core; the core talks back through
 * {@linkcode AsyncPort}. Private.
 *
 * Per request: one entry in one {@linkcode Deadlines} heap (no timer or
 * promise of its own), due at its attempt's timeout or its deadline,
 * whichever is first; its request frames are built once (the correlation
 * frame included) and reused by every resend; a reply is matched on its
 * bytes (correlation id, service bytes) without decoding it first.
 *
 * @module
 */
import {
  BrokerUnreachableError,
  ClosedError,
  RequestTimeoutError,
  ServiceUnavailableError,
  WorkerLostError,
} from "../../errors.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import type { RateLimitedLog } from "../../_util/rate_limit.ts";
import { type Deadline, Deadlines } from "../_kit/deadlines.ts";
import { Deque } from "./_deque.ts";
import type { EventHub } from "../_kit/events.ts";
import {
  afterFailure,
  attemptTimeoutAt,
  type FailureCause,
} from "../_kit/retry.ts";
import {
  bytesEqual,
  decodeClientReply,
  EMPTY,
  MDPC01,
} from "../../protocol/mdp/codec.ts";
import {
  isMmiService,
  MMI_SERVICE,
  parseMmiStatus,
} from "../../protocol/mmi/codec.ts";
import { ProtocolError } from "../../errors.ts";
import {
  classifyRzReply,
  correlationFrame,
  MMI_RZ,
  parseRzInfo,
  readCorrelationId,
  rzProbeBody,
} from "./correlation.ts";
import type { BrokerKind, MajordomoAsyncClientEvent } from "./client_events.ts";
import { checkFrameLimit, errorReply } from "./_client_common.ts";

const te = new TextEncoder();
const MMI_RZ_BYTES = te.encode(MMI_RZ);
const MMI_SERVICE_BYTES = te.encode(MMI_SERVICE);
/** Unanswered probes on a live connection before the broker counts as foreign. */
export const PROBES_BEFORE_FOREIGN = 3;

/** What the core asks of its shell. */
export interface AsyncPort {
  /** Sends on the main DEALER (RZ requests, MMI, probes). */
  sendMain(frames: Uint8Array[]): void;
  /**
   * Closes the main DEALER and opens a new one (a new connection, a new
   * identity); messages of the old one are never delivered afterwards.
   */
  replaceMain(other?: boolean): void;
  /** Foreign mode: opens a DEALER of its own for one request; returns its id. */
  openSlot(): number;
  /** Sends on a slot's DEALER. */
  sendSlot(slot: number, frames: Uint8Array[]): void;
  /** Closes a slot's DEALER (a late reply on it can then never arrive). */
  closeSlot(slot: number): void;
  /**
   * Called once when a user request settles, just before its promise is
   * resolved or rejected (the shell frees its window place there).
   */
  settled?(r: Req): void;
}

/** The client-wide limits. */
export interface AsyncPolicy {
  /** Default deadline of a request, ms. */
  readonly deadlineMs: number;
  /** One attempt's wait, ms. */
  readonly attemptTimeoutMs: number;
  /** Sends per request in all. */
  readonly maxAttempts: number;
  /** Foreign mode: requests in flight at once (one DEALER each). */
  readonly fallbackConcurrency: number;
  /** First backoff delay after repeated fast failures, ms. */
  readonly retryInitialMs?: number;
  /**
   * The broker is a Binary Star pair: on silence (a probe or an attempt
   * unanswered) or a dropped connection, move to the other broker.
   */
  readonly pair?: boolean;
}

/** Counters of the async client (see `MajordomoAsyncClientStats`). */
export interface AsyncCounters {
  sent: number;
  resent: number;
  resentTimeout: number;
  resentLost: number;
  resentReconnect: number;
  replies: number;
  errorReplies: number;
  duplicates: number;
  failed: number;
  reconnects: number;
  invalid: number;
}

type State = "held" | "sent" | "backoff" | "slot-wait" | "done";

/** One request. @internal */
export class Req {
  attempts = 0;
  fast = 0;
  timeouts = 0;
  state: State = "held";
  /** Main-socket generation it was last sent on. */
  gen = 0;
  slot = -1;
  dueAt = Infinity;
  entry: Deadline<Req | "probe"> | undefined;
  lastLost = "";
  /** Why the next send is a resend. */
  why: "timeout" | "lost" | "reconnect" | undefined;
  /** In the slot-wait queue (foreign mode); see `#nextWaiting`. */
  queued = false;
  /** The RZ request frames, built on the first send on the main DEALER. */
  frames: Uint8Array[] | undefined;
  /** The shell's abort listener, if the call passed a signal. */
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  readonly mmi: boolean;
  readonly deadlineAt: number;
  constructor(
    readonly id: number,
    readonly service: string,
    readonly serviceBytes: Uint8Array,
    readonly body: Uint8Array[],
    readonly startedAt: number,
    readonly deadlineMs: number,
    readonly resolve: (body: Uint8Array[]) => void,
    readonly reject: (e: unknown) => void,
    readonly internal = false,
  ) {
    this.mmi = isMmiService(service);
    this.deadlineAt = startedAt + deadlineMs;
  }
}

/** A mutable {@linkcode RetryPolicy} filled per request (no object per send). */
interface ScratchPolicy {
  maxAttempts: number;
  attemptTimeoutMs: number;
  deadlineMs: number;
  retryInitialMs: number | undefined;
}

interface Slot {
  id: number;
  req: Req | null;
}

/**
 * The async client's brain.
 *
 * @example
 * ```ts ignore
 * // ignore: private; tests/majordomo/async_core_test.ts drives it under a FakeClock
 * ```
 */
export class AsyncClientCore {
  readonly #clock: Clock;
  readonly #port: AsyncPort;
  readonly #p: AsyncPolicy;
  readonly #events: EventHub<MajordomoAsyncClientEvent>;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #endpoint: string;
  readonly #timers: Deadlines<Req | "probe">;
  readonly #reqs = new Map<number, Req>();
  readonly #mmi = new Map<string, Req[]>();
  readonly #held = new Set<Req>();
  /** Foreign mode: requests waiting for a slot, FIFO; stale entries skipped. */
  readonly #slotWait = new Deque<Req>();
  readonly #policy: ScratchPolicy;
  readonly #slots = new Map<number, Slot>();
  readonly #idleSlots: Slot[] = [];
  readonly #checking = new Set<string>();
  #mode: BrokerKind | null = null;
  #gen = 1;
  #connected = false;
  #probeMisses = 0;
  #probesOut = 0;
  #probeEntry: Deadline<Req | "probe"> | undefined;
  #instance: string | undefined;
  #maxFrameBytes = Infinity;
  #heardAt = -Infinity;
  #closed = false;
  /** Requests not yet settled (user requests only). */
  outstanding = 0;
  readonly counters: AsyncCounters = {
    sent: 0,
    resent: 0,
    resentTimeout: 0,
    resentLost: 0,
    resentReconnect: 0,
    replies: 0,
    errorReplies: 0,
    duplicates: 0,
    failed: 0,
    reconnects: 0,
    invalid: 0,
  };

  constructor(
    clock: Clock,
    port: AsyncPort,
    policy: AsyncPolicy,
    events: EventHub<MajordomoAsyncClientEvent>,
    log: Logger,
    bad: RateLimitedLog,
    endpoint: string,
  ) {
    this.#clock = clock;
    this.#port = port;
    this.#p = policy;
    this.#events = events;
    this.#log = log;
    this.#bad = bad;
    this.#endpoint = endpoint;
    this.#policy = {
      maxAttempts: policy.maxAttempts,
      attemptTimeoutMs: policy.attemptTimeoutMs,
      deadlineMs: policy.deadlineMs,
      retryInitialMs: policy.retryInitialMs,
    };
    this.#timers = new Deadlines(clock, (item) => this.#due(item));
  }

  /** What the broker is on the current connection (null: not known yet). */
  get mode(): BrokerKind | null {
    return this.#mode;
  }

  /** The broker's advertised frame limit (Infinity when unknown). */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /** Slots (foreign-mode DEALERs) open now. */
  get slotsOpen(): number {
    return this.#slots.size;
  }

  /** Starts: probes the first connection. */
  start(): void {
    this.#probe();
  }

  // ---- requests ------------------------------------------------------------

  /**
   * Takes a new request.
   * @returns The request, for {@linkcode AsyncClientCore.abort}.
   */
  submit(
    id: number,
    service: string,
    serviceBytes: Uint8Array,
    body: Uint8Array[],
    deadlineMs: number,
    resolve: (body: Uint8Array[]) => void,
    reject: (e: unknown) => void,
    internal = false,
  ): Req {
    const r = new Req(
      id,
      service,
      serviceBytes,
      body,
      this.#clock.now(),
      deadlineMs,
      resolve,
      reject,
      internal,
    );
    if (!internal) this.outstanding++;
    if (r.mmi) {
      let q = this.#mmi.get(service);
      if (!q) this.#mmi.set(service, q = []);
      q.push(r);
    } else {
      this.#reqs.set(id, r);
    }
    // Every path of #dispatch arms the request's one heap entry.
    this.#dispatch(r);
    return r;
  }

  /** Settles a request with `reason` (abort); false when already settled. */
  abort(r: Req, reason: unknown): boolean {
    if (r.state === "done") return false;
    this.#fail(r, reason);
    return true;
  }

  /** Sends a request in whatever way the connection allows now. */
  #dispatch(r: Req): void {
    if (r.mmi) {
      // MMI does not depend on the mode: send it now (queued until connected).
      this.#sendMain(r);
      return;
    }
    if (this.#mode === "rz") this.#sendMain(r);
    else if (this.#mode === "foreign") this.#toSlots(r);
    else {
      r.state = "held";
      this.#held.add(r);
      this.#arm(r, Infinity);
    }
  }

  #countSend(r: Req, reason?: "timeout" | "lost" | "reconnect"): void {
    r.attempts++;
    if (r.internal) return;
    if (r.attempts === 1) {
      this.counters.sent++;
      return;
    }
    this.counters.resent++;
    const why = reason ?? "timeout";
    if (why === "timeout") this.counters.resentTimeout++;
    else if (why === "lost") this.counters.resentLost++;
    else this.counters.resentReconnect++;
    if (this.#events.active) {
      this.#events.emit({
        type: "request:resent",
        service: r.service,
        attempt: r.attempts,
        reason: why,
      });
    }
  }

  #sendMain(r: Req): void {
    if (!r.mmi) {
      try {
        checkFrameLimit(
          "MajordomoAsyncClient.request()",
          r.body,
          this.#maxFrameBytes,
        );
      } catch (e) {
        this.#fail(r, e);
        return;
      }
    }
    this.#countSend(r, r.why);
    r.why = undefined;
    r.state = "sent";
    r.gen = this.#gen;
    // Built once, reused by resends (the frames are never written to).
    const frames = r.frames ??= requestFrames(r);
    // MMI requests are matched in order and never resent on one
    // connection (a resend would make two answers): deadline only.
    this.#arm(
      r,
      r.mmi
        ? Infinity
        : attemptTimeoutAt(this.#policyOf(r), r.startedAt, this.#clock.now()),
    );
    this.#port.sendMain(frames);
  }

  #policyOf(r: Req): ScratchPolicy {
    this.#policy.deadlineMs = r.deadlineMs;
    return this.#policy;
  }

  /** Arms the request's one heap entry: its attempt due time or its deadline. */
  #arm(r: Req, dueAt: number): void {
    r.dueAt = dueAt;
    const at = Math.min(dueAt, r.deadlineAt);
    if (r.entry) this.#timers.move(r.entry, at);
    else r.entry = this.#timers.add(at, r);
  }

  // ---- foreign mode: one DEALER per request in flight ---------------------

  #toSlots(r: Req): void {
    r.state = "slot-wait";
    // A request still queued from an earlier wait keeps its place.
    if (!r.queued) {
      r.queued = true;
      this.#slotWait.push(r);
    }
    this.#arm(r, Infinity);
    this.#pumpSlots();
  }

  /** The first request really waiting for a slot (stale entries dropped). */
  #nextWaiting(): Req | undefined {
    for (;;) {
      const r = this.#slotWait.peek();
      if (r === undefined || r.state === "slot-wait") return r;
      this.#slotWait.shift();
      r.queued = false;
    }
  }

  /** Empties the slot-wait queue; returns the requests really waiting. */
  #takeWaiting(): Req[] {
    const out: Req[] = [];
    for (let r = this.#slotWait.shift(); r; r = this.#slotWait.shift()) {
      r.queued = false;
      if (r.state === "slot-wait") out.push(r);
    }
    return out;
  }

  #pumpSlots(): void {
    while (this.#mode === "foreign" && this.#nextWaiting() !== undefined) {
      let slot = this.#idleSlots.pop();
      if (!slot) {
        if (this.#slots.size >= this.#p.fallbackConcurrency) return;
        const id = this.#port.openSlot();
        slot = { id, req: null };
        this.#slots.set(id, slot);
      }
      const r: Req = this.#slotWait.shift()!;
      r.queued = false;
      slot.req = r;
      r.slot = slot.id;
      this.#countSend(r, r.why);
      r.why = undefined;
      r.state = "sent";
      this.#arm(
        r,
        attemptTimeoutAt(this.#policyOf(r), r.startedAt, this.#clock.now()),
      );
      this.#port.sendSlot(slot.id, [EMPTY, MDPC01, r.serviceBytes, ...r.body]);
    }
  }

  /** Frees a request's slot; `close`: its socket too (Lazy Pirate rule). */
  #releaseSlot(r: Req, close: boolean): void {
    if (r.slot < 0) return;
    const slot = this.#slots.get(r.slot);
    r.slot = -1;
    if (!slot) return;
    slot.req = null;
    if (close || this.#mode !== "foreign" || this.#closed) {
      this.#slots.delete(slot.id);
      this.#port.closeSlot(slot.id);
    } else {
      this.#idleSlots.push(slot);
    }
  }

  /** A message on a slot's DEALER. */
  onSlotMessage(slotId: number, msg: Uint8Array[]): void {
    const slot = this.#slots.get(slotId);
    if (!slot || this.#closed) return;
    this.#heardAt = this.#clock.now();
    const r = slot.req;
    // The common case, matched on bytes: a well-formed 7/MDP reply for the
    // service of the slot's request (else the general path decides).
    if (
      r !== null && msg.length >= 4 && msg[0].length === 0 &&
      bytesEqual(msg[1], MDPC01) && bytesEqual(msg[2], r.serviceBytes)
    ) {
      this.#resolve(r, msg.slice(3));
      return;
    }
    const reply = decodeClientReply(msg);
    if (reply instanceof ProtocolError) {
      this.#invalid(reply.reason);
      return;
    }
    if (r === null || reply.service !== r.service) {
      this.#invalid("reply on a slot with no request for its service");
      return;
    }
    this.#resolve(r, reply.body);
  }

  // ---- main socket ----------------------------------------------------------

  /** A message on the main DEALER. */
  onMainMessage(msg: Uint8Array[]): void {
    if (this.#closed) return;
    this.#heardAt = this.#clock.now();
    // The common case, matched on bytes: a well-formed 7/MDP reply whose
    // first body frame is the CORR frame of a request outstanding on the
    // main DEALER, for that request's service. Anything else takes the
    // general path below, which decides exactly as before.
    if (
      msg.length >= 4 && msg[0].length === 0 && bytesEqual(msg[1], MDPC01)
    ) {
      const id = readCorrelationId(msg[3]);
      if (id >= 0) {
        const r = this.#reqs.get(id);
        if (
          r !== undefined && r.slot < 0 && bytesEqual(msg[2], r.serviceBytes)
        ) {
          this.#resolve(r, msg.slice(4));
          return;
        }
      }
    }
    const reply = decodeClientReply(msg);
    if (reply instanceof ProtocolError) {
      this.#invalid(reply.reason);
      return;
    }
    if (isMmiService(reply.service)) {
      if (reply.service === MMI_RZ) {
        this.#onProbeReply(reply.body);
        return;
      }
      const q = this.#mmi.get(reply.service);
      const r = q?.shift();
      if (q && q.length === 0) this.#mmi.delete(reply.service);
      if (!r) {
        this.#invalid(`unexpected ${reply.service} reply`);
        return;
      }
      this.#resolve(r, reply.body);
      return;
    }
    const rz = classifyRzReply(reply.body);
    if (rz.kind === "plain") {
      this.#invalid("reply without a correlation frame");
      return;
    }
    const r = this.#reqs.get(rz.id);
    if (r === undefined || r.service !== reply.service || r.slot >= 0) {
      this.counters.duplicates++;
      if (this.#events.active) {
        this.#events.emit({ type: "reply:duplicate", service: reply.service });
      }
      return;
    }
    if (rz.kind === "reply") {
      this.#resolve(r, rz.body);
      return;
    }
    this.counters.errorReplies++;
    if (rz.code === "502") {
      r.fast++;
      r.lastLost = rz.text;
      this.#retry(r, "lost");
      return;
    }
    this.#fail(r, errorReply(r.service, rz.code, rz.text));
  }

  #invalid(reason: string): void {
    this.counters.invalid++;
    this.#bad.warn("invalid", "invalid message from the broker dropped", {
      reason,
    });
    if (this.#events.active) {
      this.#events.emit({ type: "message:invalid", reason });
    }
  }

  /** The main DEALER completed a connection (ZMTP handshake). */
  onConnected(): void {
    this.#connected = true;
    // A probe queued earlier may have gone to a connection that died
    // before it was answered: ask again on every new connection.
    if (this.#mode === null) this.#probe();
  }

  /**
   * The main DEALER's connection dropped: replace the socket, and resend
   * exactly the requests that were sent on it, once the new one is probed.
   */
  onDisconnected(other: boolean = this.#p.pair === true): void {
    if (this.#closed) return;
    const lost: Req[] = [];
    for (const r of this.#reqs.values()) {
      if (r.state === "sent" && r.slot < 0) lost.push(r);
    }
    const mmi: Req[] = [];
    for (const q of this.#mmi.values()) {
      for (const r of q) if (r.state !== "done") mmi.push(r);
    }
    this.#mmi.clear();
    this.counters.reconnects++;
    this.#gen++;
    this.#connected = false;
    this.#mode = null;
    this.#probesOut = 0;
    this.#probeMisses = 0;
    this.#port.replaceMain(other);
    this.#log.warn(
      other
        ? "broker silent or gone; moving to the other broker of the pair"
        : "connection to the broker lost; resending on a new one",
      {
        endpoint: this.#endpoint,
        outstanding: lost.length,
      },
    );
    if (this.#events.active) {
      this.#events.emit({ type: "connection:lost", outstanding: lost.length });
    }
    for (const r of lost) {
      if (r.attempts >= this.#p.maxAttempts) {
        // Every send it was allowed is spent (it may have run each time).
        this.#fail(r, this.#timeoutError(r, "attempts"));
        continue;
      }
      r.why = "reconnect";
      r.state = "held";
      this.#held.add(r);
      this.#arm(r, Infinity);
    }
    this.#probe();
    // MMI requests do not wait for the probe (they are plain 7/MDP).
    for (const r of mmi) {
      this.#mmiQueue(r);
      this.#sendMain(r);
    }
  }

  #mmiQueue(r: Req): void {
    let q = this.#mmi.get(r.service);
    if (!q) this.#mmi.set(r.service, q = []);
    q.push(r);
  }

  #probe(): void {
    this.#probesOut++;
    this.#port.sendMain([EMPTY, MDPC01, MMI_RZ_BYTES, ...rzProbeBody()]);
    const at = this.#clock.now() + this.#p.attemptTimeoutMs;
    if (this.#probeEntry) this.#timers.move(this.#probeEntry, at);
    else this.#probeEntry = this.#timers.add(at, "probe");
  }

  #onProbeReply(body: Uint8Array[]): void {
    if (this.#probesOut > 0) this.#probesOut--;
    if (this.#mode !== null) return; // a second answer on this connection
    const info = parseRzInfo(body);
    this.#setMode(info ? "rz" : "foreign", info?.instance, info?.maxFrameBytes);
  }

  #setMode(
    mode: BrokerKind,
    instance?: string,
    maxFrameBytes = Infinity,
  ): void {
    this.#mode = mode;
    this.#probeMisses = 0;
    if (this.#probeEntry) {
      this.#timers.remove(this.#probeEntry);
      this.#probeEntry = undefined;
    }
    const restarted = mode === "rz" && this.#instance !== undefined &&
      instance !== this.#instance;
    if (instance !== undefined) this.#instance = instance;
    this.#maxFrameBytes = maxFrameBytes;
    if (this.#events.active) {
      this.#events.emit({
        type: "broker:detected",
        kind: mode,
        instance,
        restarted,
      });
    }
    const held = [...this.#held];
    this.#held.clear();
    if (mode === "rz") {
      const waiting = this.#takeWaiting();
      for (const r of [...held, ...waiting]) this.#sendMain(r);
      for (const s of this.#idleSlots.splice(0)) {
        this.#slots.delete(s.id);
        this.#port.closeSlot(s.id);
      }
    } else {
      for (const r of held) this.#toSlots(r);
    }
  }

  // ---- time -----------------------------------------------------------------

  #due(item: Req | "probe"): void {
    if (item === "probe") {
      this.#probeEntry = undefined;
      if (this.#mode !== null || this.#closed) return;
      if (this.#p.pair) {
        // A pair: a passive broker drops the probe, a dead one never
        // connects: try the other one.
        this.onDisconnected(true);
        return;
      }
      if (!this.#connected) {
        // Not connected: ask again (one probe per attempt timeout at most
        // waits in the socket), without counting a miss.
        this.#probe();
        return;
      }
      if (++this.#probeMisses >= PROBES_BEFORE_FOREIGN) {
        this.#log.warn(
          "the broker answers no mmi.rz; using plain 7/MDP (one connection per request in flight)",
          { endpoint: this.#endpoint },
        );
        this.#setMode("foreign");
        return;
      }
      this.#probe();
      return;
    }
    const r = item;
    r.entry = undefined;
    if (r.state === "done") return;
    const now = this.#clock.now();
    if (now >= r.deadlineAt) {
      this.#fail(r, this.#timeoutError(r, "deadline"));
      return;
    }
    if (r.state === "backoff") {
      this.#dispatch(r);
      return;
    }
    if (r.state !== "sent" || now < r.dueAt) {
      this.#arm(r, r.dueAt);
      return;
    }
    // The attempt timed out.
    r.timeouts++;
    const onSlot = r.slot >= 0;
    if (this.#p.pair && !onSlot) {
      // A pair: the broker went silent (dead, or passive now); every
      // request sent on this connection is resent to the other one.
      this.onDisconnected(true);
      return;
    }
    if (onSlot) this.#releaseSlot(r, true);
    if (r.timeouts === 1 && !r.internal) this.#checkService(r.service);
    this.#retry(r, "timeout", onSlot);
  }

  #retry(r: Req, cause: FailureCause, onSlot = false): void {
    const now = this.#clock.now();
    const d = afterFailure(
      this.#policyOf(r),
      r.attempts,
      cause,
      r.startedAt,
      now,
      r.fast,
    );
    if (
      d.action === "give-up" && d.reason === "attempts" &&
      cause === "timeout" && !onSlot
    ) {
      // An RZ broker still holds it (a resend of a request it holds is
      // dropped there) and tells us when it fails: no more sends, but the
      // answer may still come until the deadline.
      this.#arm(r, Infinity);
      return;
    }
    if (d.action === "give-up") {
      this.#fail(
        r,
        cause === "lost"
          ? new WorkerLostError(
            r.service,
            r.lastLost || "worker lost",
            r.attempts,
          )
          : this.#timeoutError(r, d.reason),
      );
      return;
    }
    r.why = cause;
    if (d.delayMs > 0) {
      r.state = "backoff";
      this.#arm(r, now + d.delayMs);
      return;
    }
    this.#dispatch(r);
  }

  #timeoutError(r: Req, limit: "attempts" | "deadline"): Error {
    const elapsed = this.#clock.now() - r.startedAt;
    if (this.#heardAt < r.startedAt && !this.#connected) {
      return new BrokerUnreachableError(
        this.#endpoint,
        r.service,
        r.attempts,
        elapsed,
      );
    }
    return limit === "deadline"
      ? new RequestTimeoutError(r.service, r.attempts, elapsed, r.deadlineMs, {
        limit: "deadline",
      })
      : new RequestTimeoutError(
        r.service,
        r.attempts,
        elapsed,
        this.#p.attemptTimeoutMs,
      );
  }

  /** After a request's first timeout: does its service exist at all? */
  #checkService(service: string): void {
    if (this.#checking.has(service)) return;
    this.#checking.add(service);
    const done = () => this.#checking.delete(service);
    this.submit(
      -1,
      MMI_SERVICE,
      MMI_SERVICE_BYTES,
      [te.encode(service)],
      this.#p.attemptTimeoutMs,
      (body) => {
        done();
        if (parseMmiStatus(body) !== "404") return;
        const err = new ServiceUnavailableError(
          service,
          `Service "${service}" is not available: no reply to the first attempt and the broker reports no worker (MMI 404)`,
        );
        for (const r of [...this.#reqs.values()]) {
          if (r.service === service && r.timeouts > 0) this.#fail(r, err);
        }
      },
      done,
      true,
    );
  }

  // ---- settling -------------------------------------------------------------

  #settle(r: Req): void {
    r.state = "done";
    if (r.entry) {
      this.#timers.remove(r.entry);
      r.entry = undefined;
    }
    this.#held.delete(r);
    // A slot-wait queue entry, if any, is dropped lazily (state "done").
    if (r.mmi) {
      const q = this.#mmi.get(r.service);
      const i = q ? q.indexOf(r) : -1;
      // An MMI request that is still queued keeps its place (its answer
      // will come); only its promise is settled now.
      if (i >= 0 && q) q[i] = this.#placeholder(r);
    } else {
      this.#reqs.delete(r.id);
    }
    if (!r.internal) this.outstanding--;
  }

  /** Stands in for a settled MMI request whose answer is still to come. */
  #placeholder(r: Req): Req {
    const p = new Req(
      -1,
      r.service,
      r.serviceBytes,
      r.body,
      r.startedAt,
      r.deadlineMs,
      () => {},
      () => {},
      true,
    );
    p.state = "done";
    return p;
  }

  #resolve(r: Req, body: Uint8Array[]): void {
    if (r.state === "done") {
      if (!r.internal) this.counters.duplicates++;
      return;
    }
    this.#releaseSlot(r, false);
    this.#settle(r);
    if (!r.internal) {
      this.counters.replies++;
      this.#port.settled?.(r);
    }
    r.resolve(body);
    this.#pumpSlots();
  }

  #fail(r: Req, e: unknown): void {
    if (r.state === "done") return;
    this.#releaseSlot(r, true);
    this.#settle(r);
    if (!r.internal) {
      if (!(e instanceof ClosedError)) this.counters.failed++;
      this.#port.settled?.(r);
    }
    r.reject(e);
    this.#pumpSlots();
  }

  /** Fails everything with `err` and stops. */
  close(err: ClosedError): void {
    if (this.#closed) return;
    this.#closed = true;
    const all: Req[] = [...this.#reqs.values()];
    for (const q of this.#mmi.values()) all.push(...q);
    for (const r of all) this.#fail(r, err);
    for (const s of this.#slots.values()) this.#port.closeSlot(s.id);
    this.#slots.clear();
    this.#idleSlots.length = 0;
    this.#takeWaiting();
    this.#timers.close();
  }
}

/** A request's frames on the main DEALER (RZ requests carry a CORR frame). */
function requestFrames(r: Req): Uint8Array[] {
  const body = r.body;
  const head = r.mmi ? 3 : 4;
  const frames = new Array<Uint8Array>(head + body.length);
  frames[0] = EMPTY;
  frames[1] = MDPC01;
  frames[2] = r.serviceBytes;
  if (!r.mmi) frames[3] = correlationFrame(r.id);
  for (let i = 0; i < body.length; i++) frames[head + i] = body[i];
  return frames;
}
