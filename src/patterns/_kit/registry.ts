/**
 * The worker registry shared by the Majordomo broker and the Paranoid
 * Pirate queue: registered workers by handle, the idle ones in the core's
 * LRU/expiry {@linkcode WorkerQueue} (WebAssembly by default), the busy
 * ones with their liveness, and expiry reported as calls, never acted on
 * here. The shells own sockets and decide what expiry means for a request.
 *
 * Rules (one place for both brokers):
 * - an idle worker expires once silent for `heartbeatIntervalMs × liveness`;
 * - a busy worker expires the same way when `expireBusy` is set (7/MDP: both
 *   sides heartbeat while busy), and in any case once busy for `maxBusyMs`;
 * - taking a worker first expires the idle ones that are due, so a dead
 *   worker is never handed a request because the sweep had not run yet.
 *
 * @module
 */
import type { WorkerQueue } from "../../core/types.ts";
import { expiryMs, type LivenessPolicy } from "./liveness.ts";

/** Expiry rules of a {@linkcode WorkerRegistry}. */
export interface RegistryPolicy extends LivenessPolicy {
  /** Whether a busy worker silent for the expiry window is expired. */
  readonly expireBusy: boolean;
  /** Longest a worker may stay busy, heartbeats or not (`Infinity`: no limit). */
  readonly maxBusyMs: number;
}

/** What the registry needs of a worker record. */
export interface RegisteredWorker {
  /** Interned identity, an integer in [0, 2^24). */
  readonly handle: number;
  /** Service id, an integer in [0, 2^24). */
  readonly service: number;
  /** Set by the registry. */
  busy: boolean;
  /** When it was last heard (set by the registry). */
  lastHeardAt: number;
  /** When it last took a request (set by the registry). */
  busySince: number;
}

/** Why a worker left the registry through expiry. */
export type ExpiryCause = "silent" | "busy-too-long";

/**
 * Registered workers, idle in LRU order per service, busy with liveness.
 *
 * @example
 * ```ts
 * import { WorkerRegistry } from "./registry.ts";
 * import { createCore } from "../../core/mod.ts";
 * const reg = new WorkerRegistry(createCore({ impl: "ts" }).createWorkerQueue(), {
 *   heartbeatIntervalMs: 1000, liveness: 3, expireBusy: true, maxBusyMs: Infinity,
 * });
 * const w = { handle: 1, service: 7, busy: false, lastHeardAt: 0, busySince: 0 };
 * reg.add(w, 0);
 * console.log(reg.take(7, 100, () => {})?.handle, w.busy); // 1 true
 * const expired: number[] = [];
 * reg.sweep(3100, (x) => expired.push(x.handle));
 * console.log(expired, reg.size); // [ 1 ] 0
 * ```
 */
export class WorkerRegistry<W extends RegisteredWorker> {
  readonly #queue: WorkerQueue;
  readonly #policy: RegistryPolicy;
  readonly #expiryMs: number;
  readonly #all = new Map<number, W>();
  readonly #busy = new Set<W>();

  /**
   * @param queue The core's worker queue (this registry becomes its only user).
   * @param policy Heartbeat, liveness and busy rules.
   */
  constructor(queue: WorkerQueue, policy: RegistryPolicy) {
    this.#queue = queue;
    this.#policy = policy;
    this.#expiryMs = expiryMs(policy);
  }

  /** Registered workers. */
  get size(): number {
    return this.#all.size;
  }

  /** Workers busy with a request. */
  get busyCount(): number {
    return this.#busy.size;
  }

  /**
   * Idle workers, of one service or of all.
   * @param service A service id, or omitted for all.
   * @returns How many wait for a request.
   */
  idleCount(service?: number): number {
    return this.#queue.size(service);
  }

  /** @param handle A worker handle. @returns Its record, if registered. */
  get(handle: number): W | undefined {
    return this.#all.get(handle);
  }

  /** Every registered worker. */
  values(): IterableIterator<W> {
    return this.#all.values();
  }

  /**
   * Registers a worker as idle (the most recently ready of its service).
   * @param w The record.
   * @param now The current time.
   */
  add(w: W, now: number): void {
    this.#all.set(w.handle, w);
    this.idle(w, now);
  }

  /**
   * Puts a registered worker back in its service's idle queue (it replied,
   * or said READY again).
   * @param w The record.
   * @param now The current time (it counts as heard).
   */
  idle(w: W, now: number): void {
    w.busy = false;
    w.lastHeardAt = now;
    this.#busy.delete(w);
    this.#queue.push(w.handle, w.service, now + this.#expiryMs);
  }

  /**
   * Marks a worker busy (it was handed a request by other means than
   * {@linkcode WorkerRegistry.take}).
   * @param w The record.
   * @param now The current time.
   */
  busy(w: W, now: number): void {
    this.#queue.remove(w.handle);
    w.busy = true;
    w.busySince = now;
    this.#busy.add(w);
  }

  /**
   * Takes the longest-idle live worker of a service and marks it busy.
   * Idle workers already due are expired first and reported.
   *
   * @param service The service id.
   * @param now The current time.
   * @param onExpired Told of each worker expired on the way.
   * @returns The worker, or undefined when none is idle.
   */
  take(
    service: number,
    now: number,
    onExpired: (w: W, cause: ExpiryCause) => void,
  ): W | undefined {
    if (this.#queue.size(service) === 0) return undefined;
    this.#expireIdle(now, onExpired);
    for (;;) {
      const h = this.#queue.pop(service);
      if (h < 0) return undefined;
      const w = this.#all.get(h);
      if (w === undefined) continue;
      w.busy = true;
      w.busySince = now;
      this.#busy.add(w);
      return w;
    }
  }

  /**
   * Records that a worker was heard (any message).
   * @param w The record.
   * @param now The current time.
   */
  heard(w: W, now: number): void {
    w.lastHeardAt = now;
    if (!w.busy) this.#queue.touch(w.handle, now + this.#expiryMs);
  }

  /**
   * Forgets a worker.
   * @param w The record.
   * @returns Whether it was registered.
   */
  remove(w: W): boolean {
    if (this.#all.get(w.handle) !== w) return false;
    this.#all.delete(w.handle);
    this.#busy.delete(w);
    this.#queue.remove(w.handle);
    return true;
  }

  /**
   * Expires every worker that is due at `now`, idle or busy, removing each
   * before reporting it.
   * @param now The current time.
   * @param onExpired Told of each expired worker and why.
   */
  sweep(now: number, onExpired: (w: W, cause: ExpiryCause) => void): void {
    this.#expireIdle(now, onExpired);
    const p = this.#policy;
    if (!p.expireBusy && p.maxBusyMs === Infinity) return;
    for (const w of [...this.#busy]) {
      const silent = p.expireBusy && now - w.lastHeardAt >= this.#expiryMs;
      const tooLong = now - w.busySince >= p.maxBusyMs;
      if (silent || tooLong) {
        this.remove(w);
        onExpired(w, silent ? "silent" : "busy-too-long");
      }
    }
  }

  #expireIdle(
    now: number,
    onExpired: (w: W, cause: ExpiryCause) => void,
  ): void {
    const expired = this.#queue.expire(now);
    for (let i = 0; i < expired.length; i++) {
      const w = this.#all.get(expired[i]);
      if (w === undefined) continue;
      this.#all.delete(w.handle);
      onExpired(w, "silent");
    }
  }
}
