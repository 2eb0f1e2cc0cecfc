/**
 * The Majordomo broker's decisions, without a socket or a timer: it is
 * driven by the message held in the core's `Envelope` (`onMessage`) and by
 * time (`tick`), both given `now` by the shell, and it says what to send
 * through a synchronous {@linkcode BrokerOutput} whose answer (sent, peer's
 * queue full, peer gone) feeds the next decision. The shell
 * (`broker.ts`) owns the ROUTER, the timer and the loop; tests drive this
 * core under a `FakeClock` with a recording output.
 *
 * Liveness is measured on the broker's own running time: any gap between
 * two calls longer than one heartbeat interval counts as one interval, so a
 * paused broker never charges workers for silence it did not witness.
 *
 * @module
 */
import type { Envelope, WorkerQueue } from "../../core/mod.ts";
import { MessageKind } from "../../core/mod.ts";
import {
  COMMAND_FRAME,
  EMPTY,
  MDPC01,
  MDPW01,
  MdpWorkerCommand,
} from "../../protocol/mdp.ts";
import { isMmiService } from "../../protocol/mmi.ts";
import type { Logger } from "../../_util/logger.ts";
import type { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { EventHub } from "../_kit/events.ts";
import {
  type ExpiryCause,
  type RegisteredWorker,
  WorkerRegistry,
} from "../_kit/registry.ts";
import {
  CORRELATION_FRAME_BYTES,
  isWorkerErrorFrame,
  readCorrelationId,
  RzErrorCode,
} from "./correlation.ts";
import type { BrokerPolicy } from "./_broker_policy.ts";
import {
  FRAME_OVERHEAD_BYTES,
  hex,
  idKey,
  type Pending,
  REQUEST_OVERHEAD_BYTES,
  type Service,
  ServiceTable,
} from "./_broker_services.ts";
import { answerMmi, type MmiContext } from "./_broker_mmi.ts";
import {
  errorReply,
  newCounters,
  type SendResult,
  Sent,
  snapshot,
} from "./_broker_out.ts";
import type {
  MajordomoBrokerCounters,
  MajordomoBrokerEvent,
  MajordomoBrokerStats,
  MajordomoCoreImpl,
  MajordomoDropReason,
  MajordomoWorkerLeaveReason,
} from "./broker_types.ts";

export { Sent } from "./_broker_out.ts";
export type { SendResult } from "./_broker_out.ts";

/** Where the core's messages go: the shell's ROUTER, or a test's recorder. */
export interface BrokerOutput {
  /**
   * Sends one message, frame 0 being the destination identity, without
   * waiting.
   * @param frames The frames (views valid only during the call).
   * @returns Whether it was sent, refused (the peer's queue is full) or
   * unroutable (the peer is gone).
   */
  send(frames: Uint8Array[]): SendResult;
}

/** What the core is built from. */
export interface BrokerCoreDeps {
  readonly env: Envelope;
  readonly queue: WorkerQueue;
  readonly policy: BrokerPolicy;
  readonly out: BrokerOutput;
  readonly log: Logger;
  readonly bad: RateLimitedLog;
  readonly events: EventHub<MajordomoBrokerEvent>;
  readonly impl: MajordomoCoreImpl;
  readonly instance: string;
  readonly memory: () => MajordomoBrokerStats["memory"];
}

interface Job {
  readonly client: Uint8Array;
  readonly corr: Uint8Array;
  readonly id: number;
  readonly key: string;
}

interface Worker extends RegisteredWorker {
  readonly identity: Uint8Array;
  readonly svc: Service;
  lastSentAt: number;
  /** The RZ request it holds (null: idle, or a plain 7/MDP request). */
  job: Job | null;
}

const REQUEST = COMMAND_FRAME[MdpWorkerCommand.REQUEST];
const HEARTBEAT = COMMAND_FRAME[MdpWorkerCommand.HEARTBEAT];
const DISCONNECT = COMMAND_FRAME[MdpWorkerCommand.DISCONNECT];
const td = new TextDecoder();

/** The broker's state and decisions. */
export class BrokerCore implements MmiContext {
  readonly #env: Envelope;
  readonly #out: BrokerOutput;
  readonly #p: BrokerPolicy;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #ev: EventHub<MajordomoBrokerEvent>;
  readonly #reg: WorkerRegistry<Worker>;
  readonly #svc: ServiceTable;
  readonly #hb: number;
  readonly #expiry: number;
  readonly #deps: BrokerCoreDeps;
  readonly #onExpired = (w: Worker, cause: ExpiryCause) =>
    this.#expired(w, cause);
  /** The counters (live object; `stats` copies it). */
  readonly counters: MajordomoBrokerCounters = newCounters();
  #lastReal = NaN;
  #live = 0;
  #now = 0;
  /** When `tick` should run next (real time). */
  nextTickAt = -Infinity;

  /** @param deps Envelope, worker queue, policy, output, logs, events. */
  constructor(deps: BrokerCoreDeps) {
    this.#deps = deps;
    this.#env = deps.env;
    this.#out = deps.out;
    this.#p = deps.policy;
    this.#log = deps.log;
    this.#bad = deps.bad;
    this.#ev = deps.events;
    this.#hb = deps.policy.heartbeatIntervalMs;
    this.#expiry = this.#hb * deps.policy.liveness;
    this.#reg = new WorkerRegistry<Worker>(deps.queue, {
      heartbeatIntervalMs: this.#hb,
      liveness: deps.policy.liveness,
      expireBusy: deps.policy.expireBusyWorkers,
      maxBusyMs: Infinity,
    });
    this.#svc = new ServiceTable(deps.env, deps.policy);
  }

  // ---- MmiContext ----------------------------------------------------------

  /** The broker's random id for this start. */
  get instance(): string {
    return this.#deps.instance;
  }

  /** The frame limit advertised in `mmi.rz`. */
  get maxFrameBytes(): number {
    return this.#p.maxFrameBytes;
  }

  /**
   * @param handle An interned service name, or -1.
   * @returns Whether a worker is registered for it.
   */
  hasWorkers(handle: number): boolean {
    const s = this.#svc.get(handle);
    return s !== undefined && s.workers > 0;
  }

  /** @returns A snapshot of the state (see {@linkcode MajordomoBrokerStats}). */
  stats(): MajordomoBrokerStats {
    return snapshot(this.#deps, this.#reg, this.#svc, this.counters);
  }

  // ---- time ----------------------------------------------------------------

  /** Advances the liveness clock: gaps count one heartbeat interval at most. */
  #advance(now: number): number {
    this.#now = now;
    if (this.#lastReal !== this.#lastReal) {
      this.#lastReal = now;
      this.#live = now;
      return now;
    }
    const gap = now - this.#lastReal;
    if (gap <= 0) return this.#live;
    this.#lastReal = now;
    if (gap <= this.#hb) return this.#live += gap;
    if (gap >= this.#expiry && this.#reg.size > 0) {
      this.counters.pauses++;
      this.#log.warn(
        "the broker did not run for longer than the worker expiry window; the pause is not counted against its workers",
        { pausedMs: Math.round(gap), expiryMs: this.#expiry },
      );
      if (this.#ev.active) {
        this.#ev.emit({ type: "broker:paused", ms: Math.round(gap) });
      }
    }
    return this.#live += this.#hb;
  }

  // ---- messages --------------------------------------------------------------

  /**
   * Handles the message held in the envelope.
   * @param now The current time (ms).
   * @param totalBytes The message's size (frame sizes summed); messages
   * larger than `maxFrameBytes` get their frames checked against it.
   */
  onMessage(now: number, totalBytes: number): void {
    const live = this.#advance(now);
    const env = this.#env;
    const kind = env.classifyMdp();
    const over = totalBytes > this.#p.maxFrameBytes && this.#oversize();
    if (kind === MessageKind.MDP_CLIENT) return this.#onClient(now, live, over);
    if (kind === MessageKind.MDP_WORKER && !over) {
      return this.#onWorker(now, live);
    }
    if (
      kind === MessageKind.MDP_WORKER && env.command === MdpWorkerCommand.REPLY
    ) {
      return this.#onWorker(now, live, true);
    }
    if (over) return;
    this.counters.invalidMessages++;
    const w = this.#reg.get(env.frameCount > 0 ? env.find(0) : -1);
    this.#bad.warn("invalid", "invalid message dropped", {
      reason: env.errorReason,
      frame: env.errorFrame,
      fromWorker: w !== undefined,
    });
    if (this.#ev.active) {
      this.#ev.emit({
        type: "message:invalid",
        reason: env.errorReason,
        frame: env.errorFrame,
      });
    }
    if (w) this.#leave(w, "protocol", true);
  }

  /** Counts and logs a message with a frame over the limit. */
  #oversize(): boolean {
    const env = this.#env;
    let largest = 0;
    for (let i = 0; i < env.frameCount; i++) {
      largest = Math.max(largest, env.frameLength(i));
    }
    if (largest <= this.#p.maxFrameBytes) return false;
    this.counters.oversizeMessages++;
    this.#bad.warn(
      "oversize",
      "message with a frame over maxFrameBytes dropped",
      {
        frameBytes: largest,
        maxFrameBytes: this.#p.maxFrameBytes,
      },
    );
    if (this.#ev.active) {
      this.#ev.emit({
        type: "message:oversize",
        frameBytes: largest,
        limit: this.#p.maxFrameBytes,
      });
    }
    return true;
  }

  #onClient(now: number, live: number, over: boolean): void {
    const env = this.#env;
    const c = this.counters;
    c.requests++;
    const sf = env.serviceFrame;
    if (isMmiService(env.frame(sf))) {
      c.mmi++;
      return answerMmi(this, env, this.#out, this.#ev);
    }
    const bf = env.bodyFrame;
    const n = env.frameCount;
    let id = -1;
    let key: string | null = null;
    if (env.frameLength(bf) === CORRELATION_FRAME_BYTES) {
      id = readCorrelationId(env.frame(bf));
      if (id >= 0) {
        key = idKey(env.frame(0)) + ":" + id;
        if (this.#svc.held.has(key)) {
          c.duplicatesSuppressed++;
          if (this.#ev.active) {
            this.#ev.emit({
              type: "request:duplicate",
              service: td.decode(env.frame(sf)),
              client: hex(env.frame(0)),
              id,
            });
          }
          return;
        }
      }
    }
    this.#svc.heardFrom(env.frame(0));
    if (over) return this.#dropCurrent(id, "frame-too-large");
    const from = id >= 0 ? bf + 1 : bf;
    if (from >= n) return this.#dropCurrent(id, "empty-body");
    let svc = this.#svc.get(env.serviceHandle);
    if (svc !== undefined && svc.requests.length === 0) {
      // Fast path: a waiting worker takes the request straight from the
      // envelope, without copying it.
      for (;;) {
        const w = this.#reg.take(svc.handle, live, this.#onExpired);
        if (w === undefined) break;
        const r = this.#out.send(env.build(w.identity, [
          EMPTY,
          MDPW01,
          REQUEST,
          env.frame(0),
          EMPTY,
        ], from));
        if (r !== Sent.OK) {
          this.#leave(w, "unreachable", false);
          continue;
        }
        w.lastSentAt = now;
        c.dispatched++;
        if (key !== null) {
          w.job = {
            client: env.frame(0).slice(),
            corr: env.frame(bf).slice(),
            id,
            key,
          };
          this.#svc.held.add(key);
        }
        if (this.#ev.active) {
          this.#ev.emit({
            type: "request:dispatched",
            service: svc.nameText,
            client: hex(env.frame(0)),
            id,
            worker: hex(w.identity),
          });
        }
        return;
      }
      // An expiry on the way may have made the service forgettable.
      if (!this.#svc.isLive(svc)) svc = undefined;
    }
    if (svc === undefined) {
      if (this.#svc.size >= this.#p.maxServices) {
        return this.#dropCurrent(id, "max-services");
      }
      svc = this.#svc.add(sf);
    }
    let bytes = REQUEST_OVERHEAD_BYTES + env.frameLength(0);
    for (let i = from; i < n; i++) {
      bytes += env.frameLength(i) + FRAME_OVERHEAD_BYTES;
    }
    const refused = this.#svc.refusal(svc, bytes);
    if (refused !== null) {
      this.#dropCurrent(id, refused);
      this.#svc.maybeForget(svc);
      return;
    }
    const body: Uint8Array[] = new Array(n - from);
    for (let i = from; i < n; i++) body[i - from] = env.frame(i).slice();
    const p: Pending = {
      client: env.frame(0).slice(),
      corr: id >= 0 ? env.frame(bf).slice() : null,
      id,
      key,
      body,
      bytes,
      expiresAt: now + this.#p.requestTtlMs,
    };
    this.#svc.push(svc, p);
    if (this.#ev.active) {
      this.#ev.emit({
        type: "request:queued",
        service: svc.nameText,
        client: hex(p.client),
        id,
        queued: svc.requests.length,
      });
    }
    this.#dispatch(svc, now, live);
  }

  /** Drops the client request in the envelope: 503 to an RZ client. */
  #dropCurrent(id: number, reason: MajordomoDropReason): void {
    const env = this.#env;
    this.counters.droppedRequests++;
    const service = env.frame(env.serviceFrame);
    const text = dropText(reason, this.#p);
    this.#bad.warn(`drop:${reason}`, "request dropped", {
      service: td.decode(service),
      reason,
      rz: id >= 0,
    });
    if (this.#ev.active) {
      this.#ev.emit({
        type: "request:dropped",
        service: td.decode(service),
        client: hex(env.frame(0)),
        id,
        reason,
      });
    }
    if (id >= 0) {
      this.#error(env.frame(0), service, id, RzErrorCode.REJECTED, text);
    }
  }

  /** Sends an RZ error reply; false when it could not be delivered. */
  #error(
    client: Uint8Array,
    service: Uint8Array,
    id: number,
    code: string,
    text: string,
  ): void {
    const r = this.#out.send(errorReply(client, service, id, code, text));
    if (r === Sent.OK) this.counters.errorReplies++;
    else this.#unroutable(client, service, id, r);
  }

  #unroutable(
    client: Uint8Array,
    service: Uint8Array | string,
    id: number,
    r: SendResult,
  ): void {
    this.counters.unroutableReplies++;
    if (r === Sent.GONE) this.#svc.markGone(client);
    const name = typeof service === "string" ? service : td.decode(service);
    this.#bad.warn(
      "unroutable",
      "reply dropped: the client is gone or not reading",
      {
        service: name,
        reason: r === Sent.GONE ? "gone" : "full",
      },
    );
    if (this.#ev.active) {
      this.#ev.emit({
        type: "reply:unroutable",
        service: name,
        client: hex(client),
        id,
        reason: r === Sent.GONE ? "gone" : "full",
      });
    }
  }

  // ---- the queue ---------------------------------------------------------------

  /** Hands waiting requests of `svc` to its waiting workers. */
  #dispatch(svc: Service, now: number, live: number): void {
    if (this.#reg.idleCount(svc.handle) === 0) return;
    const reqs = svc.requests;
    while (reqs.length > 0) {
      const r = reqs.peek()!;
      if (r.expiresAt <= now) {
        this.#expire(svc, this.#svc.shift(svc));
        continue;
      }
      if (this.#svc.isGone(r.client)) {
        this.#abandon(svc, this.#svc.shift(svc));
        continue;
      }
      const w = this.#reg.take(svc.handle, live, this.#onExpired);
      if (w === undefined) break;
      const sent = this.#out.send([
        w.identity,
        EMPTY,
        MDPW01,
        REQUEST,
        r.client,
        EMPTY,
        ...r.body,
      ]);
      if (sent !== Sent.OK) {
        this.#leave(w, "unreachable", false);
        continue;
      }
      this.#svc.shift(svc);
      w.lastSentAt = now;
      w.job = r.corr === null
        ? null
        : { client: r.client, corr: r.corr, id: r.id, key: r.key! };
      this.counters.dispatched++;
      if (this.#ev.active) {
        this.#ev.emit({
          type: "request:dispatched",
          service: svc.nameText,
          client: hex(r.client),
          id: r.id,
          worker: hex(w.identity),
        });
      }
    }
  }

  #expire(svc: Service, r: Pending): void {
    this.counters.expiredRequests++;
    if (r.key !== null) this.#svc.held.delete(r.key);
    this.#bad.warn("expired", "request expired waiting for a worker", {
      service: svc.nameText,
      requestTtlMs: this.#p.requestTtlMs,
    });
    if (this.#ev.active) {
      this.#ev.emit({
        type: "request:expired",
        service: svc.nameText,
        client: hex(r.client),
        id: r.id,
      });
    }
    if (r.id >= 0) {
      this.#error(
        r.client,
        svc.name,
        r.id,
        RzErrorCode.EXPIRED,
        `no worker for "${svc.nameText}" within ${this.#p.requestTtlMs} ms`,
      );
    }
  }

  #abandon(svc: Service, r: Pending): void {
    this.counters.abandonedRequests++;
    if (r.key !== null) this.#svc.held.delete(r.key);
    if (this.#ev.active) {
      this.#ev.emit({
        type: "request:dropped",
        service: svc.nameText,
        client: hex(r.client),
        id: r.id,
        reason: "client-gone",
      });
    }
  }

  // ---- workers -----------------------------------------------------------------

  #onWorker(now: number, live: number, over = false): void {
    const env = this.#env;
    const w = this.#reg.get(env.senderHandle);
    switch (env.command) {
      case MdpWorkerCommand.READY:
        if (w !== undefined) return this.#leave(w, "protocol", true);
        return this.#ready(now, live);
      case MdpWorkerCommand.REPLY:
        if (w === undefined || !w.busy) {
          if (w !== undefined) return this.#leave(w, "protocol", true);
          return this.#disconnectSender();
        }
        return this.#reply(w, now, live, over);
      case MdpWorkerCommand.HEARTBEAT:
        if (w === undefined) return this.#disconnectSender();
        this.#reg.heard(w, live);
        return;
      case MdpWorkerCommand.DISCONNECT:
        if (w !== undefined) this.#leave(w, "disconnect", false);
        return;
      default: // REQUEST from a worker: valid but unexpected
        if (w !== undefined) return this.#leave(w, "protocol", true);
        return this.#disconnectSender();
    }
  }

  #ready(now: number, live: number): void {
    const env = this.#env;
    const sf = env.serviceFrame;
    const refuse = (reason: "max-workers" | "max-services" | "mmi-service") => {
      this.counters.refusedWorkers++;
      this.#bad.warn(`refused:${reason}`, "READY refused", { reason });
      if (this.#ev.active) {
        this.#ev.emit({
          type: "worker:refused",
          service: td.decode(env.frame(sf)),
          worker: hex(env.frame(0)),
          reason,
        });
      }
      this.#disconnectSender();
    };
    if (isMmiService(env.frame(sf))) return refuse("mmi-service");
    if (this.#reg.size >= this.#p.maxWorkers) return refuse("max-workers");
    let svc = this.#svc.get(env.serviceHandle);
    if (svc === undefined) {
      if (this.#svc.size >= this.#p.maxServices) return refuse("max-services");
      svc = this.#svc.add(sf);
    }
    const w: Worker = {
      handle: this.#svc.acquire(env.intern(0)),
      service: svc.handle,
      svc,
      identity: env.frame(0).slice(),
      busy: false,
      lastHeardAt: live,
      busySince: 0,
      lastSentAt: now,
      job: null,
    };
    this.#reg.add(w, live);
    svc.workers++;
    if (this.#ev.active) {
      this.#ev.emit({
        type: "worker:ready",
        service: svc.nameText,
        worker: hex(w.identity),
      });
    }
    this.#dispatch(svc, now, live);
  }

  #reply(w: Worker, now: number, live: number, over: boolean): void {
    const env = this.#env;
    const c = this.counters;
    const job = w.job;
    w.job = null;
    const bf = env.bodyFrame;
    const failed = over ||
      (env.frameLength(bf) === 4 && isWorkerErrorFrame(env.frame(bf)));
    if (job !== null && !env.frameEquals(env.addressFrame, job.client)) {
      // It answered another request than the one it holds: not 7/MDP.
      w.job = job;
      return this.#leave(w, "protocol", true);
    }
    if (failed) c.handlerErrors++;
    if (job !== null) {
      this.#svc.held.delete(job.key);
      if (failed) {
        const text = over
          ? `the reply has a frame over ${this.#p.maxFrameBytes} bytes`
          : bf + 1 < env.frameCount
          ? td.decode(env.frame(bf + 1))
          : "the handler failed";
        this.#error(
          job.client,
          w.svc.name,
          job.id,
          RzErrorCode.HANDLER_FAILED,
          text,
        );
      } else {
        const r = this.#out.send(env.build(job.client, [
          EMPTY,
          MDPC01,
          w.svc.name,
          job.corr,
        ], bf));
        if (r === Sent.OK) c.replies++;
        else this.#unroutable(job.client, w.svc.nameText, job.id, r);
      }
    } else if (failed) {
      this.#bad.warn(
        "handler-failed",
        "a handler failed; a plain 7/MDP client gets no reply",
        {
          service: w.svc.nameText,
        },
      );
    } else {
      const r = this.#out.send(env.build(env.frame(env.addressFrame), [
        EMPTY,
        MDPC01,
        w.svc.name,
      ], bf));
      if (r === Sent.OK) c.replies++;
      else this.#unroutable(env.frame(env.addressFrame), w.svc.nameText, -1, r);
    }
    if (this.#ev.active) {
      this.#ev.emit({
        type: "request:answered",
        service: w.svc.nameText,
        client: hex(job ? job.client : env.frame(env.addressFrame)),
        id: job ? job.id : -1,
        worker: hex(w.identity),
        failed,
      });
    }
    this.#reg.idle(w, live);
    this.#dispatch(w.svc, now, live);
  }

  /** A worker expired (already out of the registry). */
  #expired(w: Worker, cause: ExpiryCause): void {
    this.counters.expiredWorkers++;
    this.#log.info("worker expired", { service: w.svc.nameText, cause });
    if (this.#ev.active) {
      this.#ev.emit({
        type: "worker:expired",
        service: w.svc.nameText,
        worker: hex(w.identity),
        busy: w.busy,
      });
    }
    this.#forget(w);
  }

  /** A worker leaves: optionally told so with DISCONNECT. */
  #leave(w: Worker, reason: MajordomoWorkerLeaveReason, tell: boolean): void {
    if (!this.#reg.remove(w)) return;
    if (tell) {
      this.counters.disconnectsSent++;
      this.#out.send([w.identity, EMPTY, MDPW01, DISCONNECT]);
    }
    if (reason === "protocol") {
      this.#bad.warn("worker-protocol", "worker broke 7/MDP; disconnected", {
        service: w.svc.nameText,
      });
    } else {
      this.#log.info("worker left", { service: w.svc.nameText, reason });
    }
    if (this.#ev.active) {
      this.#ev.emit({
        type: "worker:disconnected",
        service: w.svc.nameText,
        worker: hex(w.identity),
        reason,
      });
    }
    this.#forget(w);
  }

  /** Frees what a removed worker held; its request is lost (502 to RZ). */
  #forget(w: Worker): void {
    const job = w.job;
    w.job = null;
    if (w.busy) {
      this.counters.lostRequests++;
      if (this.#ev.active) {
        this.#ev.emit({
          type: "request:lost",
          service: w.svc.nameText,
          client: job ? hex(job.client) : "",
          id: job ? job.id : -1,
          worker: hex(w.identity),
        });
      }
    }
    if (job !== null) {
      this.#svc.held.delete(job.key);
      this.#error(
        job.client,
        w.svc.name,
        job.id,
        RzErrorCode.WORKER_LOST,
        `the worker of "${w.svc.nameText}" holding the request is gone; retry`,
      );
    }
    this.#svc.unref(w.handle);
    w.svc.workers--;
    this.#svc.maybeForget(w.svc);
  }

  /** DISCONNECT to the sender of the current message (not registered). */
  #disconnectSender(): void {
    this.counters.disconnectsSent++;
    this.#out.send([this.#env.frame(0), EMPTY, MDPW01, DISCONNECT]);
  }

  // ---- time ------------------------------------------------------------------

  /**
   * Expires silent workers, heartbeats the workers that are due and drops
   * requests past their TTL. The shell calls it every heartbeat interval,
   * after handling the messages already waiting.
   * @param now The current time (ms).
   */
  tick(now: number): void {
    this.nextTickAt = now + this.#hb;
    const live = this.#advance(now);
    this.#reg.sweep(live, this.#onExpired);
    const due = now - this.#hb / 2;
    for (const w of this.#reg.values()) {
      if (w.lastSentAt > due) continue;
      const r = this.#out.send([w.identity, EMPTY, MDPW01, HEARTBEAT]);
      if (r === Sent.OK) w.lastSentAt = now;
      else if (r === Sent.GONE) this.#leave(w, "unreachable", false);
    }
    for (const svc of [...this.#svc.queued]) {
      const reqs = svc.requests;
      while (reqs.length > 0 && reqs.peek()!.expiresAt <= now) {
        this.#expire(svc, this.#svc.shift(svc));
      }
      this.#svc.maybeForget(svc);
    }
  }

  /** Sends DISCONNECT to every worker and forgets them (broker closing). */
  disconnectAll(): void {
    for (const w of [...this.#reg.values()]) this.#leave(w, "closing", true);
  }

  /** The last `now` seen. */
  get now(): number {
    return this.#now;
  }
}

function dropText(reason: MajordomoDropReason, p: BrokerPolicy): string {
  switch (reason) {
    case "max-queue":
      return `the service's queue is full (maxQueue ${p.maxQueue})`;
    case "max-pending-requests":
      return `the broker holds its most waiting requests (maxPendingRequests ${p.maxPendingRequests})`;
    case "max-pending-bytes":
      return `the broker holds its most bytes of waiting requests (maxPendingBytes ${p.maxPendingBytes})`;
    case "max-services":
      return `the broker knows its most services (maxServices ${p.maxServices})`;
    case "frame-too-large":
      return `a frame is over the broker's limit (maxFrameBytes ${p.maxFrameBytes})`;
    case "empty-body":
      return "the request has no body after its correlation frame";
    default:
      return reason;
  }
}
