/**
 * The dispatcher: hands stored requests to their services as a Majordomo
 * client and stores the replies (9/TSP "Request Execution"; zguide
 * `titanic.c`'s main loop, without its rescans and its unbounded retries).
 *
 * - One FIFO per target service, served round-robin, at most
 *   `concurrency` requests in flight in all (one client each).
 * - Before sending to a service whose state is unknown it asks the broker's
 *   `mmi.service`; a service without workers is asked again every
 *   `serviceCheckMs` and its requests wait, uncounted. A broker without MMI
 *   (answers 501) is dispatched to directly.
 * - Each attempt is counted durably in the store before it is sent. A
 *   failed attempt is retried after a backoff (`retryInitialMs` doubling to
 *   `retryMaxMs`); after `maxAttempts` the request is parked with the
 *   reason, which `titanic.reply` reports as 500. Counting survives
 *   restarts, so a request that crashes its worker, the broker or Titanic
 *   itself is tried a bounded number of times in all.
 * - Per service, the number in flight grows by one on each reply and
 *   halves on each failure (so a slow service is not flooded with requests
 *   that would time out queued in the broker).
 *
 * Time comes from the injected clock and the broker from a `ClientPort`,
 * so tests drive every decision with a fake clock and a fake broker. Private.
 *
 * @module
 */
import type { Clock, Timer } from "../../_util/clock.ts";
import type { Logger } from "../../_util/logger.ts";
import { RateLimitedLog } from "../../_util/rate_limit.ts";
import { Deadlines } from "../_kit/deadlines.ts";
import { backoffMs } from "../_kit/liveness.ts";
import type { EventHub } from "../_kit/events.ts";
import type { TitanicStore } from "./store/types.ts";
import type { ClientPort } from "./_mdp.ts";
import type { TitanicEvent } from "./events.ts";

/** Dispatcher settings (validated by the service). */
export interface DispatchSettings {
  concurrency: number;
  attemptTimeoutMs: number;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  serviceCheckMs: number;
}

/** Dispatcher counters. */
export interface DispatchStats {
  /** Requests waiting for their turn (services with workers or unknown). */
  readonly queued: number;
  /** Requests waiting for a retry after a failed attempt. */
  readonly retrying: number;
  /** Requests sent and not answered yet. */
  readonly inFlight: number;
  /** Services the broker reports without workers. */
  readonly absentServices: number;
  /** Attempts sent. */
  readonly sent: number;
  /** Replies stored. */
  readonly replied: number;
  /** Attempts that failed. */
  readonly failed: number;
  /** Requests parked after their last attempt. */
  readonly parked: number;
  /** `mmi.service` probes. */
  readonly probes: number;
  /** Store errors while dispatching (retried later). */
  readonly storeErrors: number;
}

class Fifo {
  #items: string[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(v: string): void {
    this.#items.push(v);
  }
  shift(): string | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const v = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }
}

type Status = "unknown" | "checking" | "present" | "absent" | "no-mmi";

interface Svc {
  readonly name: string;
  readonly queue: Fifo;
  status: Status;
  inFlight: number;
  window: number;
  timer: Timer | undefined;
  /** What the last event said. */
  reported: "absent" | "present" | undefined;
}

/** The dispatcher. */
export class Dispatcher {
  readonly #store: TitanicStore;
  readonly #clients: ClientPort[];
  readonly #free: ClientPort[];
  readonly #probe: ClientPort;
  readonly #s: DispatchSettings;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #limited: RateLimitedLog;
  readonly #events: EventHub<TitanicEvent>;
  readonly #services = new Map<string, Svc>();
  readonly #retries: Deadlines<{ uuid: string; service: string }>;
  #rr = 0;
  #inFlight = 0;
  #probing: Promise<void> = Promise.resolve();
  #closed = false;
  #idle: (() => void)[] = [];
  readonly #c = {
    sent: 0,
    replied: 0,
    failed: 0,
    parked: 0,
    probes: 0,
    storeErrors: 0,
  };

  /**
   * @param store The store.
   * @param clients One client per concurrent dispatch.
   * @param probe The client for MMI probes.
   * @param settings Limits and times.
   * @param clock Time.
   * @param log Diagnostics.
   * @param events The service's event hub.
   */
  constructor(
    store: TitanicStore,
    clients: ClientPort[],
    probe: ClientPort,
    settings: DispatchSettings,
    clock: Clock,
    log: Logger,
    events: EventHub<TitanicEvent>,
  ) {
    this.#store = store;
    this.#clients = clients;
    this.#free = [...clients];
    this.#probe = probe;
    this.#s = settings;
    this.#clock = clock;
    this.#log = log;
    this.#limited = new RateLimitedLog(log, clock);
    this.#events = events;
    this.#retries = new Deadlines(clock, ({ uuid, service }) => {
      this.#svc(service).queue.push(uuid);
      this.#pump();
    });
  }

  /** A snapshot of the counters. */
  get stats(): DispatchStats {
    let queued = 0, absent = 0;
    for (const s of this.#services.values()) {
      queued += s.queue.length;
      if (s.status === "absent") absent++;
    }
    return {
      queued,
      retrying: this.#retries.size,
      inFlight: this.#inFlight,
      absentServices: absent,
      ...this.#c,
    };
  }

  #svc(name: string): Svc {
    let s = this.#services.get(name);
    if (!s) {
      s = {
        name,
        queue: new Fifo(),
        status: "unknown",
        inFlight: 0,
        window: 2,
        timer: undefined,
        reported: undefined,
      };
      this.#services.set(name, s);
    }
    return s;
  }

  /**
   * Queues a stored request.
   * @param uuid Its UUID.
   * @param service Its target service.
   */
  add(uuid: string, service: string): void {
    if (this.#closed) return;
    this.#svc(service).queue.push(uuid);
    this.#pump();
  }

  /** Sends what can be sent now. */
  #pump(): void {
    if (this.#closed) return;
    const names = [...this.#services.keys()];
    let idleRounds = 0;
    while (
      this.#free.length > 0 && names.length > 0 && idleRounds < names.length
    ) {
      const svc = this.#services.get(names[this.#rr++ % names.length]);
      if (!svc || svc.queue.length === 0) {
        idleRounds++;
        if (
          svc && this.#services.size > 256 && svc.inFlight === 0 &&
          svc.timer === undefined
        ) this.#services.delete(svc.name); // bound the map; status is re-asked
        continue;
      }
      if (svc.status === "unknown") {
        this.#check(svc);
        idleRounds++;
        continue;
      }
      if (
        (svc.status !== "present" && svc.status !== "no-mmi") ||
        svc.inFlight >= svc.window
      ) {
        idleRounds++;
        continue;
      }
      idleRounds = 0;
      const uuid = svc.queue.shift()!;
      void this.#dispatch(svc, uuid, this.#free.pop()!);
    }
    this.#wake();
  }

  #wake(): void {
    if (this.#inFlight === 0 && this.#idle.length) {
      for (const f of this.#idle.splice(0)) f();
    }
  }

  /** Asks MMI whether a service has workers (one probe at a time). */
  #check(svc: Svc): void {
    svc.status = "checking";
    this.#probing = this.#probing.then(async () => {
      if (this.#closed) return;
      this.#c.probes++;
      let result: Status;
      try {
        result = await this.#probe.probe(svc.name, this.#s.attemptTimeoutMs);
      } catch (e) {
        if (this.#closed) return;
        this.#limited.warn(
          "probe",
          "the broker did not answer mmi.service; will ask again",
          { service: svc.name, error: String(e) },
        );
        result = "unknown";
      }
      if (this.#closed) return;
      if (result === "absent" || result === "unknown") {
        svc.status = "absent";
        if (svc.reported !== "absent" && result === "absent") {
          svc.reported = "absent";
          this.#emit({ type: "service:absent", service: svc.name });
        }
        this.#clock.clearTimeout(svc.timer);
        svc.timer = this.#clock.setTimeout(() => {
          svc.timer = undefined;
          if (svc.status === "absent") svc.status = "unknown";
          this.#pump();
        }, this.#s.serviceCheckMs);
      } else {
        if (result === "no-mmi") {
          this.#limited.warn(
            "no-mmi",
            "the broker does not answer mmi.service (no 8/MMI): dispatching without asking",
            { service: svc.name },
          );
        }
        svc.status = result;
        if (svc.reported !== "present") {
          svc.reported = "present";
          this.#emit({ type: "service:present", service: svc.name });
        }
      }
      this.#pump();
    });
  }

  #emit(e: TitanicEvent): void {
    if (this.#events.active) this.#events.emit(e);
  }

  #retry(svc: Svc, uuid: string, delay: number): void {
    this.#retries.add(this.#clock.now() + delay, { uuid, service: svc.name });
  }

  async #dispatch(svc: Svc, uuid: string, client: ClientPort): Promise<void> {
    this.#inFlight++;
    svc.inFlight++;
    const s = this.#s;
    try {
      const req = await this.#store.readRequest(uuid);
      if (!req || this.#closed) return; // closed, answered, or parked
      if (req.attempts >= s.maxAttempts) {
        await this.#park(
          svc,
          uuid,
          req.attempts,
          "no reply (attempts used up before a restart)",
        );
        return;
      }
      const n = await this.#store.recordAttempt(uuid);
      if (n < 0 || this.#closed) return;
      this.#c.sent++;
      this.#emit({
        type: "dispatch:sent",
        uuid,
        service: svc.name,
        attempt: n,
      });
      let reply: Uint8Array[];
      try {
        reply = await client.request(svc.name, req.body, s.attemptTimeoutMs);
      } catch (e) {
        if (this.#closed) return;
        this.#c.failed++;
        svc.window = Math.max(1, svc.window >> 1);
        if (svc.status === "present") svc.status = "unknown";
        const error = e instanceof Error
          ? `${e.name}: ${e.message}`
          : String(e);
        if (n >= s.maxAttempts) {
          await this.#park(
            svc,
            uuid,
            n,
            `no reply after ${n} attempt(s); last: ${error}`,
          );
          return;
        }
        const retryInMs = backoffMs(n, {
          reconnectInitialMs: s.retryInitialMs,
          reconnectMaxMs: s.retryMaxMs,
          jitter: 0.2,
        });
        this.#emit({
          type: "dispatch:failed",
          uuid,
          service: svc.name,
          attempt: n,
          retryInMs,
          error,
        });
        this.#retry(svc, uuid, retryInMs);
        return;
      }
      if (this.#closed) return;
      svc.window = Math.min(s.concurrency, svc.window + 1);
      if (svc.status !== "no-mmi") svc.status = "present";
      if (await this.#store.putReply(uuid, reply)) {
        this.#c.replied++;
        this.#emit({
          type: "dispatch:replied",
          uuid,
          service: svc.name,
          attempts: n,
        });
      }
    } catch (e) {
      if (this.#closed) return;
      // A store failure (disk full, I/O error): try again later, uncounted.
      this.#c.storeErrors++;
      this.#limited.warn("store", "store error while dispatching; will retry", {
        uuid,
        error: String(e),
      });
      this.#retry(svc, uuid, s.retryInitialMs);
    } finally {
      this.#inFlight--;
      svc.inFlight--;
      this.#free.push(client);
      this.#wake();
      this.#pump();
    }
  }

  async #park(svc: Svc, uuid: string, attempts: number, reason: string) {
    if (await this.#store.park(uuid, reason)) {
      this.#c.parked++;
      this.#log.warn(
        "request parked after its last attempt (poison message?)",
        {
          uuid,
          service: svc.name,
          attempts,
          reason,
        },
      );
      this.#emit({
        type: "dispatch:parked",
        uuid,
        service: svc.name,
        attempts,
        reason,
      });
    }
  }

  /** Resolves once nothing is in flight (tests). */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /**
   * Stops dispatching: timers go, clients close (an attempt in flight is
   * abandoned; it stays counted and is retried after a restart).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#retries.close();
    for (const s of this.#services.values()) this.#clock.clearTimeout(s.timer);
    await Promise.all([...this.#clients, this.#probe].map((c) => c.close()));
    await this.#probing;
    while (this.#inFlight > 0) {
      await new Promise<void>((r) => this.#idle.push(r));
    }
  }
}
