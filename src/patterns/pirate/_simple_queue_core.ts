/**
 * The decisions of `SimplePirateQueue`, without sockets: READY workers in
 * LRU order in the core's `WorkerQueue`, one request per worker. Private.
 *
 * A worker's handle lives only while it is idle: the queue does not track
 * busy workers (there are no heartbeats to tell a busy worker from a dead
 * one), so it is released when the worker is taken and interned again when
 * the worker replies or says READY. A dead idle worker stays on the list
 * until a send to it fails (the shell's backend is `ROUTER_MANDATORY`).
 * Busy workers are only counted (by identity, for `stats.busyWorkers`): one
 * that dies busy stays counted until it comes back, at most `MAX_BUSY`.
 *
 * @module
 */
import type { WorkerQueue } from "../../core/mod.ts";
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

const EMPTY = new Uint8Array(0);

/** Most busy workers remembered for the count (the oldest is forgotten). */
const MAX_BUSY = 65536;

/** The Simple Pirate queue's decisions. */
export class SimpleQueueCore implements DispatchCore {
  /** Counters. */
  readonly counts: QueueCounters = newCounters();
  readonly #queue: WorkerQueue;
  readonly #ids: Interner;
  readonly #port: QueuePort;
  /** Identity bytes of each idle worker, by handle. */
  readonly #idle = new Map<number, Uint8Array>();
  /** Hex identities of workers handed a request that have not answered. */
  readonly #busy = new Set<string>();

  /**
   * @param queue The core's worker queue.
   * @param ids Interns worker identities to handles.
   * @param port The shell.
   */
  constructor(queue: WorkerQueue, ids: Interner, port: QueuePort) {
    this.#queue = queue;
    this.#ids = ids;
    this.#port = port;
  }

  /** Workers waiting for a request. */
  get idleCount(): number {
    return this.#queue.size(SERVICE);
  }

  /**
   * Workers handed a request that have not answered (or said READY)
   * since. Without heartbeats a worker that died busy stays counted.
   */
  get busyCount(): number {
    return this.#busy.size;
  }

  /**
   * A worker said READY or replied: it is idle, the most recently ready.
   * @param id Its identity.
   * @param announced Whether it said READY (reported as `worker:ready`).
   */
  ready(id: Uint8Array, announced: boolean): void {
    let h = this.#ids.findBytes(id);
    if (h < 0 || !this.#idle.has(h)) {
      if (h < 0) h = this.#ids.internBytes(id);
      this.#idle.set(h, id.slice());
      if (this.#busy.size > 0) this.#busy.delete(hex(id));
    }
    this.#queue.push(h, SERVICE, Infinity); // (again) the most recently ready
    this.#port.idle();
    if (announced) {
      this.#port.emit({
        type: "worker:ready",
        worker: hex(id),
        implicit: false,
      });
    }
  }

  /**
   * Takes the least recently used idle worker and forgets it until it
   * replies.
   * @returns The worker, or undefined when none is idle.
   */
  take(): TakenWorker | undefined {
    const h = this.#queue.pop(SERVICE);
    if (h < 0) return undefined;
    const id = this.#idle.get(h)!;
    this.#idle.delete(h);
    this.#ids.release(h);
    const w = { id, hex: hex(id) };
    if (this.#busy.size >= MAX_BUSY) {
      this.#busy.delete(this.#busy.values().next().value!);
    }
    this.#busy.add(w.hex);
    return w;
  }

  /**
   * Frames of a request for a REQ worker: `[worker id][""][client id][""][body…]`.
   * @param w The worker.
   * @param m The client's request as read.
   * @returns The frames to send on the backend.
   */
  frames(w: TakenWorker, m: Uint8Array[]): Uint8Array[] {
    return [w.id, EMPTY, ...m];
  }

  /**
   * A send to a taken worker failed: its connection is gone (already
   * forgotten; counted and reported).
   * @param w The worker.
   */
  gone(w: TakenWorker): void {
    this.#busy.delete(w.hex);
    this.counts.gone++;
    this.#port.emit({ type: "worker:gone", worker: w.hex });
  }

  /** Forgets every idle worker (on close). */
  clear(): void {
    for (const h of this.#idle.keys()) {
      this.#queue.remove(h);
      this.#ids.release(h);
    }
    this.#idle.clear();
    this.#busy.clear();
  }
}
