/**
 * The decisions of `ParanoidPirateQueue`, without sockets or timers: which
 * worker gets the next request, who is heartbeated, who expired, driven by
 * decoded 6/PPP messages and `now` from the injected clock. The shell
 * (paranoid_pirate_queue.ts) owns the sockets and the one timer, and feeds
 * this core. Private.
 *
 * Rules (6/PPP, zguide `ppqueue`):
 * - READY registers a worker as idle (a fresh conversation: a request it
 *   held is lost, the client retries); so does any message from a worker
 *   the queue does not know (`implicit`, e.g. after a queue restart).
 * - Idle workers are heartbeated every interval and expire after `liveness`
 *   silent intervals (the kit's `WorkerRegistry`).
 * - A busy worker sends no heartbeats: it never expires for silence, only
 *   past `maxBusyMs`. Its HEARTBEAT counts as liveness, never as "ready".
 *   Once busy for a whole expiry window it is heartbeated too, so a worker
 *   whose connection is gone (it died mid-request) is found (`worker:gone`)
 *   rather than kept forever.
 * - A reply makes its worker idle again; a reply from a worker that was not
 *   busy is dropped and counted.
 *
 * @module
 */
import type { WorkerQueue } from "../../core/mod.ts";
import { PPP_HEARTBEAT } from "../../protocol/ppp/codec.ts";
import { expiryMs } from "../_kit/liveness.ts";
import {
  type ExpiryCause,
  type RegisteredWorker,
  WorkerRegistry,
} from "../_kit/registry.ts";
import {
  type DispatchCore,
  hex,
  type Interner,
  newCounters,
  type QueueCounters,
  type QueuePort,
  SERVICE,
  type TakenWorker,
} from "./_queue_core.ts";

/** Timing of a Paranoid Pirate queue. */
export interface ParanoidQueuePolicy {
  /** Heartbeat interval, ms. */
  readonly heartbeatIntervalMs: number;
  /** Silent intervals before an idle worker expires. */
  readonly liveness: number;
  /** Longest a worker may stay busy, ms (`Infinity`: no limit). */
  readonly maxBusyMs: number;
}

interface PWorker extends RegisteredWorker, TakenWorker {
  readonly id: Uint8Array;
  readonly hex: string;
}

/** The Paranoid Pirate queue's decisions. */
export class ParanoidQueueCore implements DispatchCore {
  /** Counters (the shell adds its own: replies, invalid frontend, ...). */
  readonly counts: QueueCounters = newCounters();
  readonly #p: ParanoidQueuePolicy;
  readonly #reg: WorkerRegistry<PWorker>;
  readonly #ids: Interner;
  readonly #port: QueuePort;
  readonly #expiryMs: number;
  #nextBeatAt: number;

  /**
   * @param policy Heartbeat, liveness and busy limit.
   * @param queue The core's worker queue (the registry becomes its user).
   * @param ids Interns worker identities to handles.
   * @param port The shell.
   * @param now The current time.
   */
  constructor(
    policy: ParanoidQueuePolicy,
    queue: WorkerQueue,
    ids: Interner,
    port: QueuePort,
    now: number,
  ) {
    this.#p = policy;
    this.#reg = new WorkerRegistry(queue, {
      heartbeatIntervalMs: policy.heartbeatIntervalMs,
      liveness: policy.liveness,
      expireBusy: false,
      maxBusyMs: policy.maxBusyMs,
    });
    this.#ids = ids;
    this.#port = port;
    this.#expiryMs = expiryMs(policy);
    this.#nextBeatAt = now + policy.heartbeatIntervalMs;
  }

  /** Workers waiting for a request. */
  get idleCount(): number {
    return this.#reg.idleCount(SERVICE);
  }

  /** Workers processing a request. */
  get busyCount(): number {
    return this.#reg.busyCount;
  }

  /** When {@linkcode ParanoidQueueCore.tick} is next due. */
  get nextTickAt(): number {
    return this.#nextBeatAt;
  }

  #find(id: Uint8Array): PWorker | undefined {
    const h = this.#ids.findBytes(id);
    return h < 0 ? undefined : this.#reg.get(h);
  }

  /** Registers a worker the queue did not know, idle. */
  #register(id: Uint8Array, now: number, implicit: boolean): PWorker {
    const w: PWorker = {
      handle: this.#ids.internBytes(id),
      service: SERVICE,
      busy: false,
      lastHeardAt: now,
      busySince: 0,
      id: id.slice(),
      hex: hex(id),
    };
    this.#reg.add(w, now);
    this.#port.idle();
    this.#port.emit({ type: "worker:ready", worker: w.hex, implicit });
    return w;
  }

  /**
   * READY from a worker: idle, the most recently ready.
   * @param id The worker's identity.
   * @param now The current time.
   */
  ready(id: Uint8Array, now: number): void {
    const w = this.#find(id);
    if (w === undefined) {
      this.#register(id, now, false);
      return;
    }
    // A fresh conversation of a known worker: whatever it held is lost.
    this.#reg.idle(w, now);
    this.#port.idle();
    this.#port.emit({ type: "worker:ready", worker: w.hex, implicit: false });
  }

  /**
   * HEARTBEAT from a worker: liveness only (registers an unknown worker).
   * @param id The worker's identity.
   * @param now The current time.
   */
  heartbeat(id: Uint8Array, now: number): void {
    const w = this.#find(id);
    if (w === undefined) this.#register(id, now, true);
    else this.#reg.heard(w, now);
  }

  /**
   * A reply from a worker: it is idle again.
   * @param id The worker's identity.
   * @param now The current time.
   * @returns Whether to forward the reply (false: no request was
   * outstanding at that worker; counted and reported as dropped).
   */
  reply(id: Uint8Array, now: number): boolean {
    let w = this.#find(id);
    const outstanding = w !== undefined && w.busy;
    if (!outstanding) {
      this.counts.droppedReplies++;
      this.#port.emit({
        type: "reply:dropped",
        reason: "no outstanding request",
      });
    }
    if (w === undefined) w = this.#register(id, now, true);
    else {
      this.#reg.idle(w, now);
      this.#port.idle();
    }
    return outstanding;
  }

  /**
   * A message from a worker was refused for its size. A busy worker sends
   * nothing but heartbeats and its reply, so its request is over (the
   * reply is lost; the client retries): it is idle again.
   * @param id The worker's identity.
   * @param now The current time.
   */
  discard(id: Uint8Array, now: number): void {
    const w = this.#find(id);
    if (w === undefined || !w.busy) return;
    this.#reg.idle(w, now);
    this.#port.idle();
  }

  /**
   * Takes the least recently used idle worker for a client request and
   * marks it busy (idle workers already expired are dropped first).
   * @param now The current time.
   * @returns The worker, or undefined when none is idle.
   */
  take(now: number): TakenWorker | undefined {
    return this.#reg.take(SERVICE, now, (x, c) => this.#expired(x, c));
  }

  /**
   * Frames of a request for a worker: `[worker id][client envelope][body…]`.
   * @param w The worker.
   * @param m The client's request as read (`[client id][""][body…]`).
   * @returns The frames to send on the backend.
   */
  frames(w: TakenWorker, m: Uint8Array[]): Uint8Array[] {
    return [w.id, ...m];
  }

  /**
   * A send to a worker failed because its connection is gone: forget it.
   * @param w The worker.
   */
  gone(w: TakenWorker): void {
    const x = w as PWorker;
    if (!this.#reg.remove(x)) return;
    this.#ids.release(x.handle);
    this.counts.gone++;
    this.#port.emit({ type: "worker:gone", worker: x.hex });
  }

  #expired(w: PWorker, _cause: ExpiryCause): void {
    this.#ids.release(w.handle);
    this.counts.expired++;
    this.#port.emit({
      type: "worker:expired",
      worker: w.hex,
      busy: w.busy,
    });
  }

  /**
   * Expires workers that are due and heartbeats idle workers (and workers
   * busy for a whole expiry window). Runs every heartbeat interval.
   * @param now The current time.
   */
  tick(now: number): void {
    this.#reg.sweep(now, (w, c) => this.#expired(w, c));
    if (now < this.#nextBeatAt) return;
    // The next beat one interval on, without bursts after a stall.
    this.#nextBeatAt = Math.max(
      this.#nextBeatAt + this.#p.heartbeatIntervalMs,
      now,
    );
    const lost: PWorker[] = [];
    for (const w of this.#reg.values()) {
      if (w.busy && now - w.busySince < this.#expiryMs) continue;
      if (this.#port.control(w.id, [w.id, PPP_HEARTBEAT]) === "gone") {
        lost.push(w);
      }
    }
    for (const w of lost) {
      this.#reg.remove(w);
      this.#ids.release(w.handle);
      this.counts.gone++;
      this.#port.emit({ type: "worker:gone", worker: w.hex });
    }
  }

  /** Forgets every worker (on close). */
  clear(): void {
    for (const w of [...this.#reg.values()]) {
      this.#reg.remove(w);
      this.#ids.release(w.handle);
    }
  }
}
