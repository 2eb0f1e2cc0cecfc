/**
 * How the broker's core tells what happened: counters, rate-limited log
 * lines, events, and the RZ error replies. Every drop goes through here, so
 * that each is counted, logged (at most a few lines per interval per kind)
 * and, for a reliable-zmq client, answered. Private.
 *
 * @module
 */
import type { Logger } from "../../_util/logger.ts";
import type { RateLimitedLog } from "../../_util/rate_limit.ts";
import type { EventHub } from "../_kit/events.ts";
import type { ExpiryCause } from "../_kit/registry.ts";
import { RzErrorCode } from "./correlation.ts";
import type { BrokerPolicy } from "./_broker_policy.ts";
import {
  errorReply,
  newCounters,
  type SendResult,
  Sent,
} from "./_broker_out.ts";
import { hex, type Pending, type Service } from "./_broker_services.ts";
import type {
  MajordomoBrokerCounters,
  MajordomoBrokerEvent,
  MajordomoDropReason,
  MajordomoWorkerLeaveReason,
} from "./broker_types.ts";

const td = new TextDecoder();

/** A worker as the report sees it. */
export interface ReportedWorker {
  readonly identity: Uint8Array;
  readonly svc: Service;
  readonly busy: boolean;
}

/** Counters, logs, events and error replies of one broker. */
export class BrokerReport {
  /** The counters (live; `stats` copies them). */
  readonly counters: MajordomoBrokerCounters = newCounters();
  /** Events (check `events.active` before building one on a hot path). */
  readonly events: EventHub<MajordomoBrokerEvent>;
  readonly #send: (frames: Uint8Array[]) => SendResult;
  readonly #log: Logger;
  readonly #bad: RateLimitedLog;
  readonly #p: BrokerPolicy;
  readonly #onGone: (client: Uint8Array) => void;

  /**
   * @param send The broker's output.
   * @param log Its logger (info lines).
   * @param bad The rate-limited warnings.
   * @param events The event hub.
   * @param policy The bounds (quoted in messages).
   * @param onGone Told of a client found unroutable.
   */
  constructor(
    send: (frames: Uint8Array[]) => SendResult,
    log: Logger,
    bad: RateLimitedLog,
    events: EventHub<MajordomoBrokerEvent>,
    policy: BrokerPolicy,
    onGone: (client: Uint8Array) => void,
  ) {
    this.#send = send;
    this.#log = log;
    this.#bad = bad;
    this.events = events;
    this.#p = policy;
    this.#onGone = onGone;
  }

  /** Sends an RZ error reply `[ERR id][code][text]`. */
  error(
    client: Uint8Array,
    service: Uint8Array,
    id: number,
    code: string,
    text: string,
  ): void {
    const r = this.#send(errorReply(client, service, id, code, text));
    if (r === Sent.OK) this.counters.errorReplies++;
    else this.unroutable(client, td.decode(service), id, r);
  }

  /** A reply (or error reply) could not be delivered. */
  unroutable(
    client: Uint8Array,
    service: string,
    id: number,
    r: SendResult,
  ): void {
    this.counters.unroutableReplies++;
    const reason = r === Sent.GONE ? "gone" : "full";
    if (r === Sent.GONE) this.#onGone(client);
    this.#bad.warn(
      "unroutable",
      "reply dropped: the client is gone or not reading",
      {
        service,
        reason,
      },
    );
    if (this.events.active) {
      this.events.emit({
        type: "reply:unroutable",
        service,
        client: hex(client),
        id,
        reason,
      });
    }
  }

  /** A client request was refused at a bound or as malformed: 503 to RZ. */
  dropped(
    client: Uint8Array,
    service: Uint8Array,
    id: number,
    reason: MajordomoDropReason,
  ): void {
    this.counters.droppedRequests++;
    const name = td.decode(service);
    this.#bad.warn(`drop:${reason}`, "request dropped", {
      service: name,
      reason,
      rz: id >= 0,
    });
    if (this.events.active) {
      this.events.emit({
        type: "request:dropped",
        service: name,
        client: hex(client),
        id,
        reason,
      });
    }
    if (id >= 0) {
      this.error(client, service, id, RzErrorCode.REJECTED, this.#why(reason));
    }
  }

  /** A waiting request passed its TTL: 504 to RZ. */
  expired(svc: Service, r: Pending): void {
    this.counters.expiredRequests++;
    this.#bad.warn("expired", "request expired waiting for a worker", {
      service: svc.nameText,
      requestTtlMs: this.#p.requestTtlMs,
    });
    if (this.events.active) {
      this.events.emit({
        type: "request:expired",
        service: svc.nameText,
        client: hex(r.client),
        id: r.id,
      });
    }
    if (r.id >= 0) {
      this.error(
        r.client,
        svc.name,
        r.id,
        RzErrorCode.EXPIRED,
        `no worker for "${svc.nameText}" within ${this.#p.requestTtlMs} ms`,
      );
    }
  }

  /** A waiting request whose client is gone was dropped instead of run. */
  abandoned(svc: Service, r: Pending): void {
    this.counters.abandonedRequests++;
    if (this.events.active) {
      this.events.emit({
        type: "request:dropped",
        service: svc.nameText,
        client: hex(r.client),
        id: r.id,
        reason: "client-gone",
      });
    }
  }

  /** An RZ resend of a held request was dropped. */
  duplicate(service: Uint8Array, client: Uint8Array, id: number): void {
    this.counters.duplicatesSuppressed++;
    if (this.events.active) {
      this.events.emit({
        type: "request:duplicate",
        service: td.decode(service),
        client: hex(client),
        id,
      });
    }
  }

  /** A handler failed for a plain 7/MDP client, which gets no reply. */
  unanswered(service: string): void {
    this.#bad.warn(
      "handler-failed",
      "a handler failed; a plain 7/MDP client gets no reply",
      { service },
    );
  }

  /** A message with a frame over `maxFrameBytes`. */
  oversize(frameBytes: number): void {
    this.counters.oversizeMessages++;
    const limit = this.#p.maxFrameBytes;
    this.#bad.warn(
      "oversize",
      "message with a frame over maxFrameBytes dropped",
      {
        frameBytes,
        maxFrameBytes: limit,
      },
    );
    if (this.events.active) {
      this.events.emit({ type: "message:oversize", frameBytes, limit });
    }
  }

  /** A message that broke 7/MDP. */
  invalid(reason: string, frame: number, fromWorker: boolean): void {
    this.counters.invalidMessages++;
    this.#bad.warn("invalid", "invalid message dropped", {
      reason,
      frame,
      fromWorker,
    });
    if (this.events.active) {
      this.events.emit({ type: "message:invalid", reason, frame });
    }
  }

  /** The broker did not run for `ms` (longer than the expiry window). */
  paused(ms: number, expiryMs: number): void {
    this.counters.pauses++;
    this.#log.warn(
      "the broker did not run for longer than the worker expiry window; the pause is not counted against its workers",
      { pausedMs: Math.round(ms), expiryMs },
    );
    if (this.events.active) {
      this.events.emit({ type: "broker:paused", ms: Math.round(ms) });
    }
  }

  /** A READY was refused. */
  refused(
    service: Uint8Array,
    worker: Uint8Array,
    reason: "max-workers" | "max-services" | "mmi-service" | "not-authorized",
  ): void {
    this.counters.refusedWorkers++;
    this.#bad.warn(`refused:${reason}`, "READY refused", { reason });
    if (this.events.active) {
      this.events.emit({
        type: "worker:refused",
        service: td.decode(service),
        worker: hex(worker),
        reason,
      });
    }
  }

  /** A worker expired. */
  workerExpired(w: ReportedWorker, cause: ExpiryCause): void {
    this.counters.expiredWorkers++;
    this.#log.info("worker expired", { service: w.svc.nameText, cause });
    if (this.events.active) {
      this.events.emit({
        type: "worker:expired",
        service: w.svc.nameText,
        worker: hex(w.identity),
        busy: w.busy,
      });
    }
  }

  /** A worker left (or was sent away). */
  workerLeft(w: ReportedWorker, reason: MajordomoWorkerLeaveReason): void {
    if (reason === "protocol") {
      this.#bad.warn("worker-protocol", "worker broke 7/MDP; disconnected", {
        service: w.svc.nameText,
      });
    } else {
      this.#log.info("worker left", { service: w.svc.nameText, reason });
    }
    if (this.events.active) {
      this.events.emit({
        type: "worker:disconnected",
        service: w.svc.nameText,
        worker: hex(w.identity),
        reason,
      });
    }
  }

  /** The request a leaving worker held is lost (502 to RZ, by the caller). */
  lost(w: ReportedWorker, client: Uint8Array | null, id: number): void {
    this.counters.lostRequests++;
    if (this.events.active) {
      this.events.emit({
        type: "request:lost",
        service: w.svc.nameText,
        client: client ? hex(client) : "",
        id,
        worker: hex(w.identity),
      });
    }
  }

  #why(reason: MajordomoDropReason): string {
    const p = this.#p;
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
}
