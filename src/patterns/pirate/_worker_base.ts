/**
 * The shell both Pirate workers share: it owns the socket (a DEALER for
 * the Paranoid worker, a REQ for the Simple one), its connection monitor,
 * the one timer and the running handler, feeds messages, connection
 * events and time to the worker's core, and runs the actions the core
 * returns. Private.
 *
 * @module
 */
import { ClosedError } from "../../errors.ts";
import type { Timer } from "../../_util/clock.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { Frame, Message } from "../../types.ts";
import type { DealerSocket, ReqSocket } from "../../transport/mod.ts";
import { PPP_HEARTBEAT, PPP_READY } from "../../protocol/ppp/codec.ts";
import { EventHub } from "../_kit/events.ts";
import { capSocketOptions, messageBytes, overLimits } from "../_kit/limits.ts";
import type { WorkerEvent, WorkerState } from "./_fsm.ts";
import { type Step, WorkerCore, type WorkerPolicy } from "./_worker_core.ts";
import type { PirateWorkerEvent, PirateWorkerStats } from "./events.ts";
import type { WorkerKind, WorkerSetup } from "./_worker_setup.ts";

export {
  type PirateHandler,
  WORKER_KEYS,
  type WorkerKind,
  workerSetup,
} from "./_worker_setup.ts";

/** A worker's socket, monitor, timer, handler and counters. */
export class WorkerShell {
  readonly endpoint: string;
  readonly identity: string;
  readonly ready: Promise<void>;
  readonly events: EventHub<PirateWorkerEvent>;
  readonly #kind: WorkerKind;
  readonly #s: WorkerSetup;
  readonly #core: WorkerCore;
  readonly #bad: RateLimitedLog;
  /** The slot number events carry (a worker with several slots). */
  readonly #slot: number | undefined;
  readonly #stop = new AbortController();
  readonly #stats: PirateWorkerStats = {
    requests: 0,
    failures: 0,
    invalid: 0,
    oversize: 0,
    reconnects: 0,
    connectFailures: 0,
  };
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #sock: DealerSocket | ReqSocket | null = null;
  #gen = 0;
  #connections = 0;
  #timer: Timer | undefined;
  #timerAt = Infinity;
  /** The request being handled, and its reply once computed. */
  #job: { envelope: Uint8Array[]; body: Uint8Array[] } | null = null;
  #reply: readonly Frame[] | null = null;
  /** Details of the message the next `invalid` or `oversize` event is about. */
  #invalidReason = "";
  #refused = { bytes: 0, reason: "" };
  #handling: Promise<void> = Promise.resolve();
  #sending: Promise<void> = Promise.resolve();
  readonly #loops = new Set<Promise<void>>();
  #closing: Promise<void> | undefined;

  /**
   * Opens the first socket (so that an endpoint ZeroMQ refuses fails
   * `connect()`), sends READY and starts serving.
   */
  constructor(
    kind: WorkerKind,
    s: WorkerSetup,
    policy: WorkerPolicy,
    shared?: { events: EventHub<PirateWorkerEvent>; slot: number },
  ) {
    this.#kind = kind;
    this.#s = s;
    this.endpoint = s.endpoint;
    this.identity = s.identity;
    this.events = shared?.events ?? new EventHub(s.log, s.onEvent);
    this.#slot = shared?.slot;
    this.#bad = new RateLimitedLog(s.log, s.clock);
    this.ready = new Promise<void>((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    this.ready.catch(() => {}); // a close before ready is not unhandled
    this.#core = new WorkerCore(kind.machine, policy, s.clock.now());
    this.#open();
    this.#arm();
  }

  /** Counters (a snapshot). */
  get stats(): PirateWorkerStats {
    return { ...this.#stats };
  }

  /** The worker's state. */
  get state(): WorkerState {
    return this.#core.state;
  }

  #emit(e: PirateWorkerEvent): void {
    if (!this.events.active) return;
    this.events.emit(this.#slot === undefined ? e : { ...e, slot: this.#slot });
  }

  /** Opens a socket, connects it, queues READY and starts its loops. */
  #open(): void {
    const sock = this.#kind.open({
      lingerMs: 0,
      ...this.#s.socketOptions,
      ...capSocketOptions(this.#s.limits),
      routingId: this.identity,
    });
    const gen = ++this.#gen;
    // The monitor first: events before it is attached are not reported.
    this.#track(this.#watch(sock, gen));
    try {
      sock.connect(this.endpoint);
    } catch (e) {
      sock.close();
      throw e;
    }
    this.#sock = sock;
    this.#send(sock, [PPP_READY]);
    this.#track(this.#receiveLoop(sock, gen));
  }

  #track(p: Promise<void>): void {
    const q = p.catch((e) =>
      this.#s.log.error("worker loop failed", { error: String(e) })
    ).finally(() => this.#loops.delete(q));
    this.#loops.add(q);
  }

  #send(sock: DealerSocket | ReqSocket, frames: readonly Frame[]): void {
    try {
      if (sock.trySend(frames)) return;
      // At the high-water mark: wait (a REQ is read again only after it).
      this.#sending = sock.send(frames).catch(() => {}); // closed: nothing to do
    } catch {
      // closed meanwhile
    }
  }

  async #receiveLoop(sock: DealerSocket | ReqSocket, gen: number) {
    for (;;) {
      let m: Message;
      try {
        m = await sock.receive();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      if (gen !== this.#gen) return;
      this.#onMessage(m);
      if (this.#kind.alternates) {
        // A REQ must send before it may receive: the reply (or READY).
        await this.#handling;
        await this.#sending;
        if (gen !== this.#gen) return;
      }
    }
  }

  /** Connection events of one socket, until it closes. */
  async #watch(sock: DealerSocket | ReqSocket, gen: number): Promise<void> {
    let monitor;
    try {
      monitor = sock.monitor();
    } catch {
      return; // closed already
    }
    try {
      for (;;) {
        const ev = await monitor.next().catch(() => null);
        if (ev === null || gen !== this.#gen) return;
        if (ev.type === "handshake-succeeded") this.#event("connected");
        else if (
          ev.type === "connect-retried" ||
          ev.type.startsWith("handshake-failed")
        ) {
          this.#stats.connectFailures++;
          const reason = ev.type === "connect-retried"
            ? "connection refused or unreachable; libzmq retries"
            : ev.type;
          this.#bad.warn("connect", `cannot connect to the queue: ${reason}`, {
            endpoint: this.endpoint,
          });
          this.#emit({
            type: "connection:failed",
            endpoint: this.endpoint,
            reason,
          });
        } else if (ev.type === "disconnected") {
          this.#s.log.info("connection to the queue lost", {
            endpoint: this.endpoint,
          });
          this.#emit({ type: "connection:lost", endpoint: this.endpoint });
        }
      }
    } finally {
      monitor.close();
    }
  }

  #onMessage(m: Message): void {
    const over = overLimits(m, this.#s.limits);
    if (over !== undefined) {
      this.#refused = { bytes: messageBytes(m), reason: over };
      this.#event("oversize");
      return;
    }
    const d = this.#kind.decode(m);
    if (d.kind === "invalid") {
      this.#invalidReason = d.reason;
      this.#event("invalid");
    } else if (d.kind === "heartbeat") this.#event("heartbeat");
    else {
      if (this.#core.state === "busy") {
        this.#invalidReason = "a request while another is in progress";
      } else this.#job = { envelope: d.envelope, body: d.body };
      this.#event("request");
    }
  }

  /** Applies an event to the core and runs its actions. */
  #event(e: WorkerEvent): void {
    this.#run(this.#core.on(e, this.#s.clock.now()));
    this.#arm();
  }

  #run(t: Step): void {
    for (const a of t.actions) {
      switch (a) {
        case "announce":
          this.#connections++;
          this.#resolveReady();
          this.#s.log.info("worker ready", { identity: this.identity });
          this.#emit({ type: "worker:ready", connection: this.#connections });
          break;
        case "send-heartbeat":
          if (this.#sock) this.#send(this.#sock, [PPP_HEARTBEAT]);
          break;
        case "send-ready":
          if (this.#sock) this.#send(this.#sock, [PPP_READY]);
          break;
        case "run-handler":
          this.#handling = this.#handle(this.#job!);
          break;
        case "send-reply":
          if (this.#sock && this.#job && this.#reply) {
            this.#send(this.#sock, [...this.#job.envelope, ...this.#reply]);
            this.#stats.requests++;
          }
          this.#job = null;
          this.#reply = null;
          break;
        case "count-invalid":
          this.#stats.invalid++;
          this.#bad.warn("invalid", "invalid message from the queue dropped", {
            reason: this.#invalidReason,
          });
          this.#emit({ type: "message:invalid", reason: this.#invalidReason });
          break;
        case "refuse-request": {
          const { bytes, reason } = this.#refused;
          this.#stats.oversize++;
          this.#bad.warn("oversize", "request over the size caps refused", {
            bytes,
            reason,
          });
          this.#emit({ type: "message:oversize", bytes, reason });
          break;
        }
        case "close-socket":
          this.#gen++;
          this.#sock?.close();
          this.#sock = null;
          break;
        case "wait-backoff":
          this.#bad.warn("silent", "queue silent; reconnecting", {
            endpoint: this.endpoint,
            inMs: Math.round(t.delayMs!),
          });
          this.#emit({ type: "queue:silent", delayMs: t.delayMs! });
          break;
        case "open-socket":
          this.#stats.reconnects++;
          try {
            this.#open();
          } catch (e) {
            this.#s.log.error("cannot open a socket", { error: String(e) });
          }
          this.#emit({ type: "worker:reconnected", cause: "silent" });
          break;
        case "abort-handler":
          this.#stop.abort(new ClosedError(`${this.#kind.name} closed`));
          break;
        case "stop":
          this.#s.clock.clearTimeout(this.#timer);
          this.#timer = undefined;
          this.#timerAt = Infinity;
          break;
        case "heard":
        case "reset-backoff":
          break; // kept by the core
      }
    }
  }

  /** Runs the handler, then reports `replied` or `failed`. */
  async #handle(job: { body: Uint8Array[] }): Promise<void> {
    const signal = this.#stop.signal;
    let reply: readonly Frame[] | undefined;
    let error: unknown;
    try {
      reply = opt.frames(
        "PirateHandler",
        "its result",
        await this.#s.handler(job.body, { signal }),
      );
    } catch (e) {
      error = e;
    }
    if (this.#core.state !== "busy") return; // closed meanwhile
    if (reply !== undefined) {
      this.#reply = reply;
      this.#event("replied");
      return;
    }
    this.#stats.failures++;
    const message = error instanceof Error ? error.message : String(error);
    this.#bad.warn("handler", "handler failed; request dropped", {
      error: message,
    });
    this.#emit({ type: "handler:failed", error: message });
    this.#job = null;
    this.#event("failed");
  }

  /** Arms the one timer for the core's next due time. */
  #arm(): void {
    const at = this.#core.nextDueAt();
    if (at >= this.#timerAt || at === Infinity) return;
    const clock = this.#s.clock;
    clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = clock.setTimeout(() => this.#fire(), at - clock.now());
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#s.clock.now();
    for (
      let e = this.#core.due(now);
      e !== undefined;
      e = this.#core.due(now)
    ) {
      this.#run(this.#core.on(e, now));
      if (e === "beat-due" || e === "backoff-done") break;
    }
    this.#arm();
  }

  /** Stops serving, aborts the handler's signal, closes the socket. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#rejectReady(
      new ClosedError(`${this.#kind.name} closed before it was ready`),
    );
    this.#event("close");
    this.#stop.abort(new ClosedError(`${this.#kind.name} closed`));
    this.#closing = (async () => {
      await this.#handling;
      await Promise.all([...this.#loops]);
      this.#bad.flush();
    })();
    return this.#closing;
  }
}
