/**
 * The shell both Pirate queues share: options, the ROUTER pair, events,
 * rate-limited logging, size caps, the frontend loop (a client is read only
 * while a worker is idle, then dispatched through the queue's core), reply
 * forwarding and closing. Each queue adds its backend loop (their wire
 * formats differ) and hands its decisions to its core. Private.
 *
 * @module
 */
import { ClosedError, HostUnreachableError } from "../../errors.ts";
import type { Clock } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import * as opt from "../../_util/options.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { Message } from "../../types.ts";
import { RouterSocket, type SocketOptions } from "../../transport/mod.ts";
import { createCore, type Envelope, type WorkerQueue } from "../../core/mod.ts";
import { EventHub } from "../_kit/events.ts";
import { checkEndpoint, checkSocketOptions } from "../_kit/checks.ts";
import {
  admittedIdentities,
  listChange,
  openServerSecurity,
  readServerSecurity,
  refuseSecurityOverrides,
  rereadPolicy,
  type SecurityReload,
  type SecurityStats,
  type ServerSecurity,
  type ServerSecurityHandle,
  type ServerSecurityPlan,
} from "../../security/settings.ts";
import {
  capSocketOptions,
  messageBytes,
  overLimits,
  readLimits,
  releaseMessage,
  type SizeLimits,
} from "../_kit/limits.ts";
import type { PirateQueueEvent, PirateQueueStats } from "./events.ts";
import {
  type DispatchCore,
  hex,
  type QueueCounters,
  type QueuePort,
  type TakenWorker,
} from "./_queue_core.ts";

/** Option keys every queue takes. */
export const QUEUE_KEYS = [
  "core",
  "maxFrameBytes",
  "maxMessageBytes",
  "socketOptions",
  "security",
  "workerSecurity",
  "logger",
  "onEvent",
  "clock",
] as const;

/** The options every queue takes (see the queues' option docs). */
export interface QueueCommonOptions {
  core?: "auto" | "wasm" | "ts";
  maxFrameBytes?: number;
  maxMessageBytes?: number;
  socketOptions?: SocketOptions;
  security?: ServerSecurity;
  workerSecurity?: ServerSecurity;
  logger?: Logger;
  onEvent?: (event: PirateQueueEvent) => void;
  clock?: Clock;
}

/** Checked common options. */
export interface QueueSetup {
  readonly fe: string;
  readonly be: string;
  readonly core: "auto" | "wasm" | "ts";
  readonly limits: SizeLimits;
  readonly socketOptions: SocketOptions;
  readonly security?: ServerSecurityPlan;
  readonly workerSecurity?: ServerSecurityPlan;
  readonly log: Logger;
  readonly onEvent?: (event: PirateQueueEvent) => void;
  readonly clock: Clock;
}

/**
 * Checks the endpoints and the common options (unknown keys refused).
 * @param owner `"X.bind()"`, for messages.
 * @param name The logger's prefix.
 * @param frontend The frontend endpoint.
 * @param backend The backend endpoint.
 * @param o The options as given.
 * @returns The checked setup.
 */
export function queueSetup(
  owner: string,
  name: string,
  frontend: unknown,
  backend: unknown,
  o: QueueCommonOptions,
): QueueSetup {
  const fe = checkEndpoint(owner, "frontend", frontend, "bind");
  const be = checkEndpoint(owner, "backend", backend, "bind");
  const security = readServerSecurity(`${owner} security`, o.security);
  const workerSecurity = o.workerSecurity === undefined
    ? (security && readServerSecurity(`${owner} security`, o.security))
    : readServerSecurity(`${owner} workerSecurity`, o.workerSecurity);
  if (security || workerSecurity) {
    refuseSecurityOverrides(owner, o.socketOptions);
  }
  return {
    security,
    workerSecurity,
    fe,
    be,
    core: opt.oneOf(owner, "core", o.core, ["auto", "wasm", "ts"], "auto"),
    limits: readLimits(owner, o),
    socketOptions: checkSocketOptions(owner, o.socketOptions),
    log: opt.logger(owner, o.logger, name),
    onEvent: opt.fn(owner, "onEvent", o.onEvent),
    clock: opt.clock(owner, o.clock),
  };
}

/** Wakes every waiter on `notify()`. */
class Signal {
  #waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((r) => this.#waiters.push(r));
  }
  notify(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const r of w) r();
  }
}

/** Awaits a receive; `null` once the socket is closed. */
export async function received<T>(
  receive: () => Promise<T>,
): Promise<T | null> {
  try {
    return await receive();
  } catch (e) {
    if (e instanceof ClosedError) return null;
    throw e;
  }
}

/** Whether a ROUTER-view message is `[id][""][body…]`. */
export function isClientRequest(m: Message): boolean {
  return m.length >= 3 && m[0].length > 0 && m[1].length === 0;
}

/**
 * The sockets, events, logging and loops of one queue. Counters live in
 * the core (`counts`) so that each is updated before the event that
 * reports it.
 */
export class QueueShell implements QueuePort {
  readonly frontend: RouterSocket;
  readonly backend: RouterSocket;
  readonly frontendEndpoint: string;
  readonly backendEndpoint: string;
  readonly coreImpl: "wasm" | "ts";
  readonly env: Envelope;
  readonly queue: WorkerQueue;
  readonly limits: SizeLimits;
  readonly log: Logger;
  readonly bad: RateLimitedLog;
  readonly events: EventHub<PirateQueueEvent>;
  readonly clock: Clock;
  /** Set by the queue once its core exists. */
  counts!: QueueCounters;
  readonly #idle = new Signal();
  closed = false;
  /** Requests held until a worker is idle (0 or 1). */
  #held = 0;
  #loops: Promise<unknown> = Promise.resolve();

  /** Creates and binds both sockets; closes them if a bind fails. */
  constructor(s: QueueSetup) {
    this.limits = s.limits;
    this.log = s.log;
    this.clock = s.clock;
    this.bad = new RateLimitedLog(s.log, s.clock);
    this.events = new EventHub(s.log, s.onEvent);
    const cap = capSocketOptions(s.limits);
    const feSec = s.security
      ? openServerSecurity(s.security, s.log, s.clock)
      : undefined;
    const beSec = s.workerSecurity
      ? openServerSecurity(s.workerSecurity, s.log, s.clock)
      : undefined;
    this.#security = [feSec, beSec];
    try {
      this.frontend = new RouterSocket({
        ...s.socketOptions,
        ...cap,
        ...feSec?.options,
        routerMandatory: true,
      });
    } catch (e) {
      this.#releaseSecurity();
      throw e;
    }
    try {
      // Handover: a worker that reconnects with its old identity takes it over.
      this.backend = new RouterSocket({
        ...s.socketOptions,
        ...cap,
        ...beSec?.options,
        routerMandatory: true,
        routerHandover: true,
      });
    } catch (e) {
      this.frontend.close();
      this.#releaseSecurity();
      throw e;
    }
    try {
      this.frontendEndpoint = this.frontend.bind(s.fe);
      this.backendEndpoint = this.backend.bind(s.be);
    } catch (e) {
      this.frontend.close();
      this.backend.close();
      this.#releaseSecurity();
      throw e;
    }
    const core = createCore({ impl: s.core });
    this.coreImpl = core.impl;
    this.env = core.createEnvelope();
    this.queue = core.createWorkerQueue();
  }

  readonly #security: (ServerSecurityHandle | undefined)[];

  #releaseSecurity(): void {
    for (const s of this.#security) s?.registration.release();
  }

  /** The frontend's and backend's security (undefined where none). */
  securityStats(): {
    frontend?: SecurityStats;
    backend?: SecurityStats;
  } {
    const [fe, be] = this.#security;
    return { frontend: fe?.stats(), backend: be?.stats() };
  }

  /**
   * Reads the frontend's and the backend's allow-lists again and puts
   * them in force, both or neither (see `MajordomoBroker.reloadSecurity`).
   * @param owner For messages.
   * @returns What changed, or why nothing did.
   */
  reloadSecurity(owner: string): SecurityReload {
    const [fe, be] = this.#security;
    if (fe === undefined && be === undefined) {
      throw new TypeError(`${owner}: the queue was bound without security`);
    }
    const before = [fe, be].map((h) => h && admittedIdentities(h.plan.policy));
    let fresh: (ReturnType<typeof rereadPolicy> | undefined)[];
    try {
      fresh = [fe, be].map((h) => h && rereadPolicy(h.plan));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      this.log.error("security reload failed: keeping the lists in force", {
        error,
      });
      return {
        ok: false,
        error,
        clients: listChange(before[0], before[0]),
        ...(be ? { workers: listChange(before[1], before[1]) } : {}),
      };
    }
    fe?.update(fresh[0]!);
    be?.update(fresh[1]!);
    const r: SecurityReload = {
      ok: true,
      clients: listChange(before[0], fresh[0] && admittedIdentities(fresh[0])),
      ...(be
        ? { workers: listChange(before[1], admittedIdentities(fresh[1]!)) }
        : {}),
    };
    this.log.info("security reloaded", {
      clientsAdded: r.clients.added,
      clientsRemoved: r.clients.removed,
      clients: r.clients.admitted,
      ...(r.workers
        ? {
          workersAdded: r.workers.added,
          workersRemoved: r.workers.removed,
          workers: r.workers.admitted,
        }
        : {}),
    });
    return r;
  }

  /** Counters and worker counts (a snapshot). */
  stats(idleWorkers: number, busyWorkers: number): PirateQueueStats {
    return { ...this.counts, idleWorkers, busyWorkers, queued: this.#held };
  }

  /** {@inheritDoc QueuePort.emit} */
  emit(e: PirateQueueEvent): void {
    if (this.events.active) this.events.emit(e);
  }

  /** {@inheritDoc QueuePort.idle} */
  idle(): void {
    this.#idle.notify();
  }

  /** {@inheritDoc QueuePort.control} */
  control(id: Uint8Array, frames: Uint8Array[]): "sent" | "blocked" | "gone" {
    try {
      return this.backend.trySend(frames) ? "sent" : "blocked";
    } catch (e) {
      if (e instanceof HostUnreachableError) return "gone";
      if (!(e instanceof ClosedError)) {
        this.bad.warn("control", "send to a worker failed", {
          worker: hex(id),
          error: String(e),
        });
      }
      return "blocked";
    }
  }

  /** Counts, logs (rate-limited) and reports a dropped malformed message. */
  invalid(socket: "frontend" | "backend", reason: string): void {
    if (socket === "frontend") this.counts.invalidFrontend++;
    else this.counts.invalidBackend++;
    this.bad.warn(`${socket}:invalid`, "invalid message dropped", {
      socket,
      reason,
    });
    this.emit({ type: "message:invalid", socket, reason });
  }

  /**
   * Refuses a message over the size caps: counts, logs (rate-limited),
   * reports, and releases its memory.
   * @returns Whether it was refused.
   */
  refuseOversize(socket: "frontend" | "backend", m: Message): boolean {
    const reason = overLimits(m, this.limits);
    if (reason === undefined) return false;
    const bytes = messageBytes(m);
    releaseMessage(m);
    this.counts.oversize++;
    this.bad.warn(`${socket}:oversize`, "message over the size caps refused", {
      socket,
      bytes,
      reason,
    });
    this.emit({ type: "message:oversize", socket, bytes, reason });
    return true;
  }

  /**
   * Sends a reply to its client, then releases the message it came in.
   * @param out The reply frames (`[client id][""][body…]`).
   * @param m The backend message they are views of.
   * @returns Whether the frontend is closed.
   */
  async forward(out: Message, m: Message): Promise<boolean> {
    try {
      if (!this.frontend.trySend(out)) await this.frontend.send(out);
      this.counts.replies++;
    } catch (e) {
      if (e instanceof ClosedError) return true;
      if (!(e instanceof HostUnreachableError)) throw e;
      this.counts.droppedReplies++;
      this.emit({ type: "reply:dropped", reason: "client gone" });
    }
    releaseMessage(m);
    return false;
  }

  /**
   * Reads clients only while a worker is idle; sends each valid request to
   * the worker the core picks, skipping workers whose connection is gone.
   * @param core The queue's core.
   */
  async frontendLoop(core: DispatchCore): Promise<void> {
    while (!this.closed) {
      if (core.idleCount === 0) {
        await this.#idle.wait();
        continue;
      }
      const m = await received(() => this.frontend.receive());
      if (m === null) return;
      if (!isClientRequest(m)) {
        this.invalid("frontend", 'expected [client id][""][body…]');
        continue;
      }
      if (this.refuseOversize("frontend", m)) continue;
      if (!(await this.#dispatch(core, m))) return;
      releaseMessage(m);
    }
  }

  /** Sends one request to a worker; false once the queue is closed. */
  async #dispatch(core: DispatchCore, m: Message): Promise<boolean> {
    for (;;) {
      let w: TakenWorker | undefined;
      while ((w = core.take(this.clock.now())) === undefined) {
        this.#held = 1;
        await this.#idle.wait(); // none idle any more; hold the request
        this.#held = 0;
        if (this.closed) return false;
      }
      const out = core.frames(w, m);
      try {
        if (!this.backend.trySend(out)) await this.backend.send(out);
        this.counts.requests++;
        return true;
      } catch (e) {
        if (e instanceof ClosedError) return false;
        if (!(e instanceof HostUnreachableError)) throw e;
        core.gone(w);
      }
    }
  }

  /**
   * Runs the queue's loops; one that fails (a bug, never bad input) is
   * logged, and the others go on.
   */
  run(...loops: Promise<void>[]): void {
    this.#loops = Promise.all(loops.map((p) =>
      p.catch((e) => {
        if (!this.closed) {
          this.log.error("queue loop failed", { error: String(e) });
        }
      })
    ));
  }

  /** Stops the loops (after `stop`, once) and closes both sockets. Idempotent. */
  async close(stop?: () => void): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      stop?.();
      this.frontend.close();
      this.backend.close();
      this.#releaseSecurity();
      this.#idle.notify();
      this.bad.flush();
    }
    await this.#loops;
  }
}
