/**
 * One slot of a {@linkcode MajordomoWorker}: a plain 7/MDP worker to the
 * broker (its own DEALER, probe, READY, heartbeats, liveness, reconnect),
 * holding at most one request at a time. A worker with `concurrency: N`
 * runs N of them in one process. Private.
 *
 * @module
 */
import type { MajordomoWorkerStats } from "./worker.ts";
import { ClosedError, ProtocolError } from "../../errors.ts";
import type {
  DealerSocket,
  MonitorEvent,
  SocketMonitor,
  SocketOptions,
} from "../../transport/mod.ts";
import type { Frame } from "../../types.ts";
import type { Clock, Timer } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import type { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { EventHub } from "../_kit/events.ts";
import { backoffMs, PeerLiveness, RunningClock } from "../_kit/liveness.ts";
import {
  decodeClientReply,
  decodeWorkerInbound,
  encodeClientRequest,
  encodeReady,
  encodeWorkerReply,
  encodeWorkerSignal,
  MdpWorkerCommand,
} from "../../protocol/mdp/codec.ts";
import {
  MMI_RZ,
  parseRzInfo,
  rzProbeBody,
  workerErrorFrame,
} from "./correlation.ts";
import type { BrokerKind, MajordomoWorkerEvent } from "./client_events.ts";
import { openDealer, receiveUntil } from "./_client_common.ts";

const HEARTBEAT = encodeWorkerSignal(MdpWorkerCommand.HEARTBEAT);
const DISCONNECT = encodeWorkerSignal(MdpWorkerCommand.DISCONNECT);
const te = new TextEncoder();

/** Handles one request (see `MajordomoHandler`). */
export type SlotHandler = (
  request: Uint8Array[],
) => Frame[] | Promise<Frame[]>;

/** What every slot of one worker shares: checked options, log, events. */
export interface SlotConfig {
  readonly endpoints: readonly string[];
  readonly service: Uint8Array;
  readonly serviceText: string;
  readonly handler: SlotHandler;
  readonly hbMs: number;
  readonly liveness: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly onError?: (e: unknown, r: Uint8Array[]) => Frame[] | undefined;
  readonly lingerMs: number;
  readonly maxFrameBytes: number;
  readonly maxMessageBytes: number;
  readonly socketOptions: SocketOptions;
  readonly log: Logger;
  readonly bad: RateLimitedLog;
  readonly events: EventHub<MajordomoWorkerEvent>;
  readonly clock: Clock;
}

/** Counters of one slot: the same fields as the whole worker's. */
export type SlotStats = MajordomoWorkerStats;

interface Job {
  gen: number;
  address: Uint8Array;
  body: Uint8Array[];
}

/** One 7/MDP worker conversation loop, numbered `slot`. */
export class WorkerSlot {
  readonly slot: number;
  /** Resolves once registered (READY sent). */
  readonly ready: Promise<void>;
  readonly #c: SlotConfig;
  #at = 0;
  readonly #stop = new AbortController();
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #sock: DealerSocket | null = null;
  #monitor: SocketMonitor | null = null;
  #kind: BrokerKind = "foreign";
  #gen = 0;
  #busy = false;
  #peer: PeerLiveness | null = null;
  #restart = false;
  #connected = false;
  #wake: (() => void) | null = null;
  /** Whether the receive loop of a registered conversation runs. */
  #serving = false;
  /** Why the serving phase ended (set by whoever closed its socket). */
  #end: "silent" | "restart" | "stopped" | null = null;
  #tick: Timer | undefined;
  /** The running time the current conversation's liveness is judged on. */
  #rt = new RunningClock(1);
  /** Requests received while busy (a broker bug), run in turn. */
  readonly #queued: Job[] = [];
  #loop: Promise<void> = Promise.resolve();
  #current: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  readonly stats: SlotStats = {
    requests: 0,
    replies: 0,
    handlerErrors: 0,
    errorReplies: 0,
    oversize: 0,
    connections: 0,
    connectFailures: 0,
    invalidMessages: 0,
  };

  /**
   * Opens the first socket (so that an endpoint ZeroMQ refuses throws
   * here) and starts the conversation loop.
   */
  constructor(config: SlotConfig, slot: number) {
    this.#c = config;
    this.slot = slot;
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // a close before ready is not unhandled
    const first = this.#open();
    this.#loop = this.#run(first);
  }

  /** The broker this slot talks to now. */
  get endpoint(): string {
    return this.#c.endpoints[this.#at];
  }

  #emit(e: MajordomoWorkerEvent): void {
    const hub = this.#c.events;
    if (hub.active) hub.emit({ ...e, slot: this.slot });
  }

  #open(): DealerSocket {
    return openDealer(this.endpoint, this.#c.socketOptions, {
      // Replaced sockets go at once; close() sets lingerMs for the final
      // DISCONNECT.
      lingerMs: 0,
      maxMessageSize: this.#c.maxFrameBytes,
    }, (s) => this.#monitor = s.monitor());
  }

  async #run(first: DealerSocket): Promise<void> {
    const stop = this.#stop.signal;
    let failures = 0;
    let sock: DealerSocket | null = first;
    while (!stop.aborted) {
      sock ??= this.#open();
      const gen = ++this.#gen;
      this.#sock = sock;
      this.#restart = false;
      this.#connected = false;
      const watching = this.#watch(gen);
      const outcome = await this.#converse(sock, gen);
      this.#sock = null;
      this.#monitor?.close();
      this.#monitor = null;
      if (stop.aborted) {
        // close() sends DISCONNECT after the request in progress.
        this.#sock = sock;
        await watching;
        break;
      }
      if (outcome === "restart") this.#trySend(sock, DISCONNECT);
      // A Binary Star pair: whatever ended the conversation (silence,
      // DISCONNECT from a passive broker, a dropped connection, no answer
      // to the probe), the other broker is the one to try next.
      if (this.#c.endpoints.length > 1) this.#at = 1 - this.#at;
      // The next socket opens before the old one closes (when there is no
      // wait): the process's ZeroMQ context is never left without a socket
      // in between.
      const next = outcome === "silent" ? null : this.#open();
      sock.close();
      await watching;
      sock = next;
      if (outcome === "silent") {
        failures++;
        const delayMs = backoffMs(failures, {
          reconnectInitialMs: this.#c.reconnectInitialMs,
          reconnectMaxMs: this.#c.reconnectMaxMs,
          jitter: 0.5,
        });
        this.#c.log.warn("broker silent; reconnecting", {
          endpoint: this.endpoint,
          delayMs: Math.round(delayMs),
        });
        this.#emit({ type: "broker:silent", delayMs });
        try {
          await this.#c.clock.sleep(delayMs, stop);
        } catch {
          break; // closed
        }
      } else {
        failures = 0;
      }
    }
    if (sock !== null && sock !== this.#sock) {
      this.#monitor?.close();
      sock.close(); // opened for a next conversation that never started
    }
  }

  /** Watches the socket's connection events until it closes. */
  async #watch(gen: number): Promise<void> {
    const monitor = this.#monitor;
    if (monitor === null) return;
    for (;;) {
      let ev: MonitorEvent | null;
      try {
        ev = await monitor.next();
      } catch {
        ev = null;
      }
      if (ev === null || gen !== this.#gen) break;
      if (ev.type === "handshake-succeeded") {
        this.#connected = true;
      } else if (
        ev.type === "connect-retried" || ev.type.startsWith("handshake-failed")
      ) {
        this.stats.connectFailures++;
        const reason = ev.type === "connect-retried"
          ? "connection refused or unreachable; retrying"
          : ev.type;
        this.#c.bad.warn("connect", `cannot connect to the broker: ${reason}`, {
          endpoint: this.endpoint,
        });
        this.#emit({
          type: "connection:failed",
          endpoint: this.endpoint,
          reason,
        });
      } else if (ev.type === "disconnected") {
        this.#connected = false;
        this.#emit({ type: "connection:lost", endpoint: this.endpoint });
        this.#restart = true; // start a new conversation at once
        this.#wake?.();
      }
    }
    monitor.close();
  }

  /**
   * One conversation: probe, READY, then serve until the broker goes
   * silent, disconnects us, or the connection drops.
   */
  async #converse(
    sock: DealerSocket,
    gen: number,
  ): Promise<"silent" | "restart" | "again" | "stopped"> {
    const stop = this.#stop.signal;
    const kind = await this.#probe(sock, stop);
    if (kind === null) return stop.aborted ? "stopped" : "again";
    this.#kind = kind;
    this.#trySend(sock, encodeReady(this.#c.service));
    this.stats.connections++;
    this.#resolveReady();
    this.#emit({
      type: "worker:registered",
      service: this.#c.serviceText,
      broker: kind,
    });
    // Silence is judged on time this process ran: after a stall (a long
    // GC, a loaded machine) the timer may fire before the broker's queued
    // heartbeats are read; a gap counts as one interval at most.
    const rt = new RunningClock(this.#c.hbMs);
    this.#rt = rt;
    const peer = new PeerLiveness(
      { heartbeatIntervalMs: this.#c.hbMs, liveness: this.#c.liveness },
      rt.advance(this.#c.clock.now()),
    );
    this.#peer = peer;
    // Serving: one receive at a time with no timer or abort signal of its
    // own (the hot path); one timer per heartbeat interval sends heartbeats
    // and watches the broker's liveness. What ends the conversation (the
    // broker silent, the connection dropped, close()) closes the socket,
    // which ends the receive.
    this.#end = null;
    this.#serving = true;
    this.#wake = () => this.#endServing(gen, "restart");
    if (this.#restart) this.#endServing(gen, "restart");
    else if (stop.aborted) this.#finishIfIdle();
    this.#arm(gen, peer);
    const clock = this.#c.clock;
    try {
      for (;;) {
        // No tryReceive() first: a 7/MDP worker gets its next request only
        // after its reply, so right after a request nothing is waiting,
        // and receive() looks before it waits anyway.
        const msg = await sock.receive();
        const m = decodeWorkerInbound(msg);
        if (m instanceof ProtocolError) {
          this.#invalid(m.reason);
          continue;
        }
        peer.heard(rt.advance(clock.now()));
        if (m.type === "request") this.#take(gen, m.address, m.body);
        else if (m.type === "disconnect") {
          this.#c.log.info("broker sent DISCONNECT; re-registering");
          this.#emit({ type: "broker:disconnect" });
          return "again";
        }
      }
    } catch {
      // the socket closed: see #end
    } finally {
      this.#serving = false;
      this.#wake = null;
      clock.clearTimeout(this.#tick);
      this.#tick = undefined;
    }
    if (stop.aborted) return "stopped";
    return this.#end ?? "again";
  }

  /** Arms the heartbeat and liveness timer of conversation `gen`. */
  #arm(gen: number, peer: PeerLiveness): void {
    const clock = this.#c.clock;
    this.#tick = clock.setTimeout(
      () => this.#onTick(gen, peer),
      Math.max(0, peer.nextCheckAt() - this.#rt.advance(clock.now())),
    );
  }

  #onTick(gen: number, peer: PeerLiveness): void {
    this.#tick = undefined;
    const sock = this.#sock;
    if (
      gen !== this.#gen || this.#end !== null || this.#stop.signal.aborted ||
      sock === null || sock.closed
    ) return;
    const now = this.#rt.advance(this.#c.clock.now());
    if (peer.heartbeatDue(now)) {
      this.#trySend(sock, HEARTBEAT);
      peer.sent(now);
    }
    if (this.#busy) peer.heard(now); // the countdown pauses while busy
    else if (peer.expired(now)) {
      this.#endServing(gen, "silent");
      return;
    }
    this.#arm(gen, peer);
  }

  /**
   * Ends the serving phase of conversation `gen`: closing its socket ends
   * the receive loop (DISCONNECT first when re-registering).
   */
  #endServing(gen: number, outcome: "silent" | "restart"): void {
    if (gen !== this.#gen || this.#end !== null) return;
    this.#end = outcome;
    const sock = this.#sock;
    if (sock === null || sock.closed) return;
    if (outcome === "restart") this.#trySend(sock, DISCONNECT);
    sock.close();
  }

  /**
   * Once stopping and no request is in progress: DISCONNECT (kept up to
   * `lingerMs`) and close, which ends the serving loop.
   */
  #finishIfIdle(): void {
    if (this.#busy || !this.#serving || this.#end !== null) return;
    const sock = this.#sock;
    if (sock === null || sock.closed) return;
    this.#end = "stopped";
    try {
      sock.setOption("linger", this.#c.lingerMs);
    } catch {
      // closed meanwhile
    }
    this.#trySend(sock, DISCONNECT);
    sock.close();
  }

  /** Receives until `dueAt`; wakes early when the monitor asks for a restart. */
  #receive(
    sock: DealerSocket,
    dueAt: number,
    stop: AbortSignal,
  ): Promise<Uint8Array[] | null> {
    const ac = new AbortController();
    this.#wake = () => ac.abort();
    const signal = AbortSignal.any([stop, ac.signal]);
    return receiveUntil(sock, this.#c.clock, dueAt, signal).catch((e) => {
      if (ac.signal.aborted && !stop.aborted) return null;
      throw e;
    }).finally(() => {
      this.#wake = null;
    });
  }

  /** Asks `mmi.rz` before READY; null when stopped or restarting. */
  async #probe(
    sock: DealerSocket,
    stop: AbortSignal,
  ): Promise<BrokerKind | null> {
    this.#trySend(sock, encodeClientRequest(MMI_RZ, rzProbeBody()));
    // A broker that is connected but does not answer (not 7/MDP-conforming)
    // counts as foreign after liveness × heartbeat.
    let connectedSince = Infinity;
    // A Binary Star pair: a passive broker drops the probe, a dead one
    // never connects; either way, after liveness × heartbeat, try the
    // other broker. The probe is resent every heartbeat meanwhile (each
    // one is a client's vote for the broker that may take over).
    const pair = this.#c.endpoints.length > 1;
    const startedAt = this.#c.clock.now();
    let sentAt = startedAt;
    for (;;) {
      const now = this.#c.clock.now();
      if (this.#connected && connectedSince === Infinity) connectedSince = now;
      const giveUpAt = (pair ? startedAt : connectedSince) +
        this.#c.hbMs * this.#c.liveness;
      if (now >= giveUpAt) return pair ? null : "foreign";
      if (pair && now - sentAt >= this.#c.hbMs) {
        this.#trySend(sock, encodeClientRequest(MMI_RZ, rzProbeBody()));
        sentAt = now;
      }
      let msg: Uint8Array[] | null;
      try {
        msg = await this.#receive(
          sock,
          Math.min(giveUpAt, now + this.#c.hbMs),
          stop,
        );
      } catch {
        return null;
      }
      if (this.#restart || stop.aborted) return null;
      if (msg === null) continue;
      const reply = decodeClientReply(msg);
      if (reply instanceof ProtocolError || reply.service !== MMI_RZ) {
        this.#invalid("unexpected message before READY");
        continue;
      }
      return parseRzInfo(reply.body) ? "rz" : "foreign";
    }
  }

  #invalid(reason: string): void {
    this.stats.invalidMessages++;
    this.#c.bad.warn("invalid", "invalid message from broker dropped", {
      reason,
    });
    this.#emit({ type: "message:invalid", reason });
  }

  #take(gen: number, address: Uint8Array, body: Uint8Array[]): void {
    this.stats.requests++;
    // 7/MDP gives a worker one request at a time; a second one while busy
    // would be a broker bug: it waits its turn rather than running in
    // parallel.
    if (this.#busy) this.#queued.push({ gen, address, body });
    else this.#start(gen, address, body);
  }

  /**
   * Runs the handler on one request. A handler that returns frames is
   * answered at once (no promise); a promise is followed.
   */
  #start(gen: number, address: Uint8Array, body: Uint8Array[]): void {
    this.#busy = true;
    let size = 0;
    for (let i = 0; i < body.length; i++) size += body[i].byteLength;
    if (size > this.#c.maxMessageBytes) {
      this.stats.oversize++;
      this.#emit({ type: "request:oversize", bytes: size });
      this.#onFailure(
        gen,
        address,
        body,
        new RangeError(
          `request of ${size} bytes is over the worker's limit of ${this.#c.maxMessageBytes} bytes (maxMessageBytes)`,
        ),
      );
      return;
    }
    let r: Frame[] | Promise<Frame[]>;
    try {
      r = this.#c.handler(body);
    } catch (e) {
      this.#onFailure(gen, address, body, e);
      return;
    }
    if (
      r instanceof Promise ||
      typeof (r as { then?: unknown })?.then === "function"
    ) {
      this.#current = Promise.resolve(r).then(
        (reply) => this.#onReply(gen, address, body, reply),
        (e) => this.#onFailure(gen, address, body, e),
      );
    } else this.#onReply(gen, address, body, r);
  }

  #onReply(
    gen: number,
    address: Uint8Array,
    body: Uint8Array[],
    reply: unknown,
  ): void | Promise<void> {
    try {
      checkReply(reply);
    } catch (e) {
      return this.#onFailure(gen, address, body, e);
    }
    return this.#send(gen, address, reply);
  }

  /** A failed handler: `onError`'s reply, an error reply, or re-register. */
  #onFailure(
    gen: number,
    address: Uint8Array,
    body: Uint8Array[],
    error: unknown,
  ): void | Promise<void> {
    this.stats.handlerErrors++;
    const message = error instanceof Error ? error.message : String(error);
    if (this.#c.onError) {
      try {
        const r = this.#c.onError(error, body);
        if (r !== undefined) {
          checkReply(r);
          this.#failed(message, "on-error");
          return this.#send(gen, address, r);
        }
      } catch (e2) {
        this.#c.log.error("onError failed", { error: String(e2) });
      }
    }
    if (this.#kind === "rz") {
      this.stats.errorReplies++;
      this.#failed(message, "error-reply");
      return this.#send(gen, address, [workerErrorFrame(), te.encode(message)]);
    }
    // A foreign broker: 7/MDP has no error reply. Re-register so that the
    // broker does not keep us busy; the client retries or times out.
    this.#failed(message, "reconnect");
    if (gen === this.#gen && !this.#stop.signal.aborted) {
      this.#restart = true;
      this.#wake?.();
    }
    this.#done();
  }

  /** Sends a reply on the connection its request came on, if still there. */
  #send(
    gen: number,
    address: Uint8Array,
    reply: Frame[],
  ): void | Promise<void> {
    const sock = this.#sock;
    if (sock === null || gen !== this.#gen || sock.closed) {
      this.#c.log.warn("reply dropped: the connection it came on is gone");
      this.#done();
      return;
    }
    const frames = encodeWorkerReply(address, reply);
    try {
      if (!sock.trySend(frames)) {
        // At the high-water mark: wait for room.
        return sock.send(frames).then(
          () => {
            this.stats.replies++;
          },
          (e) => this.#c.log.warn("reply not sent", { error: String(e) }),
        ).finally(() => this.#done());
      }
      this.stats.replies++;
    } catch (e) {
      this.#c.log.warn("reply not sent", { error: String(e) });
    }
    this.#done();
  }

  /** The request in progress is finished: the next one, or the drain's end. */
  #done(): void {
    this.#busy = false;
    this.#peer?.heard(this.#rt.advance(this.#c.clock.now()));
    const next = this.#queued.shift();
    if (next !== undefined) this.#start(next.gen, next.address, next.body);
    else if (this.#stop.signal.aborted) this.#finishIfIdle();
  }

  #failed(message: string, outcome: "error-reply" | "reconnect" | "on-error") {
    this.#c.bad.warn("handler", "handler failed", {
      service: this.#c.serviceText,
      error: message,
      outcome,
    });
    this.#emit({ type: "handler:failed", error: message, outcome });
  }

  #trySend(sock: DealerSocket, frames: Uint8Array[]): void {
    try {
      sock.trySend(frames);
    } catch {
      // closed meanwhile
    }
  }

  /**
   * Stops: waits for the request in progress (its reply is sent), sends
   * DISCONNECT and closes the socket. Idempotent.
   */
  close(notReady: ClosedError): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#stop.abort(new ClosedError("MajordomoWorker closed"));
    this.#rejectReady(notReady);
    // An idle slot disconnects now; a busy one after its reply (#done).
    this.#finishIfIdle();
    this.#closing = (async () => {
      await this.#loop;
      await this.#current;
      const s = this.#sock;
      this.#sock = null;
      if (s && !s.closed) {
        try {
          s.setOption("linger", this.#c.lingerMs);
        } catch {
          // closed meanwhile
        }
        this.#trySend(s, DISCONNECT);
        s.close();
      }
    })();
    return this.#closing;
  }
}

function checkReply(reply: unknown): asserts reply is Frame[] {
  if (!Array.isArray(reply) || reply.length === 0) {
    throw new TypeError("handler must return a non-empty array of frames");
  }
  for (const f of reply) {
    if (typeof f !== "string" && !(f instanceof Uint8Array)) {
      throw new TypeError(
        "handler returned a frame that is not bytes or string",
      );
    }
  }
}
