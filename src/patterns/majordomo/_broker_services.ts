/**
 * The broker's request side, socket-free: services (interned names with
 * reference counts), their queues of waiting requests with the memory
 * bounds, the RZ duplicate filter and the bounded set of client identities
 * known to be gone. Private to the broker's core.
 *
 * @module
 */
import type { Envelope } from "../../core/mod.ts";
import { Deque } from "./_deque.ts";
import type { BrokerPolicy } from "./_broker_policy.ts";
import type { MajordomoDropReason } from "./broker_types.ts";

/** Bookkeeping bytes counted per waiting request (objects around it). */
export const REQUEST_OVERHEAD_BYTES = 256;
/** Bookkeeping bytes counted per frame of a waiting request. */
export const FRAME_OVERHEAD_BYTES = 96;
/** Most identities remembered as gone. */
export const MAX_GONE = 16_384;

const td = new TextDecoder();

/** A request waiting for a worker. */
export interface Pending {
  /** The client's routing identity (a copy). */
  readonly client: Uint8Array;
  /** The RZ correlation frame (a copy), or null for a plain 7/MDP client. */
  readonly corr: Uint8Array | null;
  /** The RZ correlation id, or -1. */
  readonly id: number;
  /** The duplicate filter's key, or null. */
  readonly key: string | null;
  /** The body to dispatch (copies; the CORR frame is not part of it). */
  readonly body: Uint8Array[];
  /** What it counts against `maxPendingBytes`. */
  readonly bytes: number;
  /** When it expires (real time). */
  readonly expiresAt: number;
}

/** A known service. */
export interface Service {
  /** Its interned name. */
  readonly handle: number;
  /** Its name (a copy). */
  readonly name: Uint8Array;
  /** Its name as text, for logs and stats. */
  readonly nameText: string;
  /** Requests waiting for a worker, oldest first. */
  readonly requests: Deque<Pending>;
  /** Registered workers. */
  workers: number;
}

/**
 * A routing identity as a string key (one char per byte).
 * @param id The identity.
 * @returns The key.
 */
export function idKey(id: Uint8Array): string {
  // ROUTER-generated identities are 5 bytes: one call, no intermediate
  // strings.
  if (id.length === 5) {
    return String.fromCharCode(id[0], id[1], id[2], id[3], id[4]);
  }
  return String.fromCharCode.apply(null, id as unknown as number[]);
}

/**
 * A routing identity as hex, for events and logs.
 * @param id The identity.
 * @returns Lowercase hex.
 */
export function hex(id: Uint8Array): string {
  // ROUTER-generated identities are 5 bytes: one expression (events build
  // two of these per request when someone listens).
  if (id.length === 5) {
    return HEX[id[0]] + HEX[id[1]] + HEX[id[2]] + HEX[id[3]] + HEX[id[4]];
  }
  let s = "";
  for (let i = 0; i < id.length; i++) s += HEX[id[i]];
  return s;
}

const HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/** Services, their queues, the bounds, the duplicate filter, gone clients. */
export class ServiceTable {
  readonly #env: Envelope;
  readonly #p: BrokerPolicy;
  readonly #services = new Map<number, Service>();
  readonly #refs = new Map<number, number>();
  /** Services with at least one waiting request (swept for TTL). */
  readonly queued = new Set<Service>();
  /** Keys of the RZ requests held (waiting or at a worker). */
  readonly held = new Set<string>();
  readonly #gone = new Set<string>();
  /** The last client identity copied (see `client()`). */
  #lastClient = new Uint8Array(0);
  /** Requests waiting, all services. */
  pending = 0;
  /** Bytes counted for them. */
  pendingBytes = 0;

  /**
   * @param env The envelope whose intern table holds the handles.
   * @param policy The bounds.
   */
  constructor(env: Envelope, policy: BrokerPolicy) {
    this.#env = env;
    this.#p = policy;
  }

  /** Known services. */
  get size(): number {
    return this.#services.size;
  }

  /** @returns Every known service. */
  values(): IterableIterator<Service> {
    return this.#services.values();
  }

  /**
   * @param handle An interned name.
   * @returns The service, if known.
   */
  get(handle: number): Service | undefined {
    return handle < 0 ? undefined : this.#services.get(handle);
  }

  /**
   * Takes a reference on a handle (services and workers share the table).
   * @param handle The handle.
   * @returns The handle.
   */
  acquire(handle: number): number {
    this.#refs.set(handle, (this.#refs.get(handle) ?? 0) + 1);
    return handle;
  }

  /**
   * Drops a reference; the last one releases the handle.
   * @param handle The handle.
   */
  unref(handle: number): void {
    const n = (this.#refs.get(handle) ?? 1) - 1;
    if (n > 0) this.#refs.set(handle, n);
    else {
      this.#refs.delete(handle);
      this.#env.release(handle);
    }
  }

  /**
   * A copy of the current message's frame 0 (a client's identity), to keep:
   * the previous copy when it is the same client again (copies are never
   * written to), so a client sending many requests costs one copy.
   * @returns The identity.
   */
  client(): Uint8Array {
    const last = this.#lastClient;
    if (last.length > 0 && this.#env.frameEquals(0, last)) return last;
    return this.#lastClient = this.#env.frame(0).slice();
  }

  /**
   * Registers the service named by a frame of the current message.
   * @param frame The frame index.
   * @returns The new service.
   */
  add(frame: number): Service {
    const handle = this.acquire(this.#env.intern(frame));
    const name = this.#env.frame(frame).slice();
    const svc: Service = {
      handle,
      name,
      nameText: td.decode(name),
      requests: new Deque(),
      workers: 0,
    };
    this.#services.set(handle, svc);
    return svc;
  }

  /**
   * Forgets a service with no worker and no waiting request.
   * @param svc The service.
   */
  maybeForget(svc: Service): void {
    if (svc.workers !== 0 || svc.requests.length !== 0) return;
    if (this.#services.get(svc.handle) !== svc) return;
    this.#services.delete(svc.handle);
    this.queued.delete(svc);
    this.unref(svc.handle);
  }

  /**
   * Whether a service is still the one registered under its handle.
   * @param svc The service.
   * @returns Whether it is known.
   */
  isLive(svc: Service): boolean {
    return this.#services.get(svc.handle) === svc;
  }

  /**
   * Which bound a new request of `bytes` for `svc` would break.
   * @param svc The service.
   * @param bytes Its counted bytes.
   * @returns The bound, or null when it fits.
   */
  refusal(svc: Service, bytes: number): MajordomoDropReason | null {
    if (svc.requests.length >= this.#p.maxQueue) return "max-queue";
    if (this.pending >= this.#p.maxPendingRequests) {
      return "max-pending-requests";
    }
    if (this.pendingBytes + bytes > this.#p.maxPendingBytes) {
      return "max-pending-bytes";
    }
    return null;
  }

  /**
   * Queues a request.
   * @param svc The service.
   * @param r The request.
   */
  push(svc: Service, r: Pending): void {
    svc.requests.push(r);
    this.pending++;
    this.pendingBytes += r.bytes;
    this.queued.add(svc);
    if (r.key !== null) this.held.add(r.key);
  }

  /**
   * Takes the oldest request of a service off its queue (it stays held).
   * @param svc The service.
   * @returns The request.
   */
  shift(svc: Service): Pending {
    const r = svc.requests.shift()!;
    this.pending--;
    this.pendingBytes -= r.bytes;
    if (svc.requests.length === 0) this.queued.delete(svc);
    return r;
  }

  /**
   * Marks a client identity as gone (a reply to it was unroutable), so its
   * waiting requests are dropped instead of run. Bounded: the oldest entry
   * goes first.
   * @param client The identity.
   */
  markGone(client: Uint8Array): void {
    const k = idKey(client);
    this.#gone.delete(k);
    this.#gone.add(k);
    if (this.#gone.size > MAX_GONE) {
      this.#gone.delete(this.#gone.values().next().value!);
    }
  }

  /**
   * Whether a client is known to be gone.
   * @param client The identity.
   * @returns Whether it is.
   */
  isGone(client: Uint8Array): boolean {
    return this.#gone.size > 0 && this.#gone.has(idKey(client));
  }

  /**
   * A client was heard from: it is not gone (a routing id taken over).
   * @param client The identity.
   */
  heardFrom(client: Uint8Array): void {
    if (this.#gone.size > 0) this.#gone.delete(idKey(client));
  }

  /** Identities remembered as gone. */
  get goneCount(): number {
    return this.#gone.size;
  }
}
