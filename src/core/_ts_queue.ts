/**
 * The plain-TypeScript worker queue: intrusive doubly linked lists over
 * typed arrays, one LRU list per service and one list ordered by deadline.
 * Private: reach it through `reference.ts` or the factories in `mod.ts`.
 *
 * @module
 */

import type { CoreImpl, WorkerQueue } from "./types.ts";
import { checkId, checkTime, ID_LIMIT } from "./_check.ts";
import { NONE_EXPIRED } from "./_queue_common.ts";

/** {@linkcode WorkerQueue} in plain TypeScript. */
export class TsWorkerQueue implements WorkerQueue {
  /** Always `"ts"`. */
  readonly impl: CoreImpl = "ts";
  // Per handle: service (-1 = not queued), deadline, LRU links, deadline links.
  #svc = new Int32Array(0);
  #dl = new Float64Array(0);
  #sPrev = new Int32Array(0);
  #sNext = new Int32Array(0);
  #dPrev = new Int32Array(0);
  #dNext = new Int32Array(0);
  // Per service: LRU head, tail, count.
  #head = new Int32Array(0);
  #tail = new Int32Array(0);
  #count = new Int32Array(0);
  #dHead = -1;
  #dTail = -1;
  #total = 0;

  #growHandles(h: number): void {
    let cap = Math.max(64, this.#svc.length);
    while (cap <= h) cap *= 2;
    cap = Math.min(cap, ID_LIMIT);
    const grow = <T extends Int32Array | Float64Array>(a: T, fill: number) => {
      const b = new (a.constructor as { new (n: number): T })(cap);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.#svc = grow(this.#svc, -1);
    this.#dl = grow(this.#dl, 0);
    this.#sPrev = grow(this.#sPrev, -1);
    this.#sNext = grow(this.#sNext, -1);
    this.#dPrev = grow(this.#dPrev, -1);
    this.#dNext = grow(this.#dNext, -1);
  }

  #growServices(s: number): void {
    let cap = Math.max(16, this.#head.length);
    while (cap <= s) cap *= 2;
    cap = Math.min(cap, ID_LIMIT);
    const head = new Int32Array(cap).fill(-1);
    head.set(this.#head);
    const tail = new Int32Array(cap).fill(-1);
    tail.set(this.#tail);
    const count = new Int32Array(cap);
    count.set(this.#count);
    this.#head = head;
    this.#tail = tail;
    this.#count = count;
  }

  #unlink(h: number): void {
    const s = this.#svc[h];
    const sp = this.#sPrev[h], sn = this.#sNext[h];
    if (sp >= 0) this.#sNext[sp] = sn;
    else this.#head[s] = sn;
    if (sn >= 0) this.#sPrev[sn] = sp;
    else this.#tail[s] = sp;
    this.#count[s]--;
    this.#unlinkDeadline(h);
    this.#svc[h] = -1;
    this.#total--;
  }

  #unlinkDeadline(h: number): void {
    const dp = this.#dPrev[h], dn = this.#dNext[h];
    if (dp >= 0) this.#dNext[dp] = dn;
    else this.#dHead = dn;
    if (dn >= 0) this.#dPrev[dn] = dp;
    else this.#dTail = dp;
  }

  /** Links `h` into the deadline list after every entry with deadline <= d. */
  #linkDeadline(h: number, d: number, from: number): void {
    const dl = this.#dl;
    let p = from;
    while (p >= 0 && dl[p] > d) p = this.#dPrev[p];
    const n = p >= 0 ? this.#dNext[p] : this.#dHead;
    this.#dPrev[h] = p;
    this.#dNext[h] = n;
    if (p >= 0) this.#dNext[p] = h;
    else this.#dHead = h;
    if (n >= 0) this.#dPrev[n] = h;
    else this.#dTail = h;
    dl[h] = d;
  }

  /** {@inheritDoc WorkerQueue.push} */
  push(handle: number, service: number, deadline: number): void {
    checkId(handle, "handle");
    checkId(service, "service");
    checkTime(deadline, "deadline");
    if (handle >= this.#svc.length) this.#growHandles(handle);
    if (service >= this.#head.length) this.#growServices(service);
    if (this.#svc[handle] >= 0) this.#unlink(handle);
    const t = this.#tail[service];
    this.#sPrev[handle] = t;
    this.#sNext[handle] = -1;
    if (t >= 0) this.#sNext[t] = handle;
    else this.#head[service] = handle;
    this.#tail[service] = handle;
    this.#count[service]++;
    this.#svc[handle] = service;
    this.#total++;
    this.#linkDeadline(handle, deadline, this.#dTail);
  }

  /** {@inheritDoc WorkerQueue.pop} */
  pop(service: number): number {
    checkId(service, "service");
    if (service >= this.#head.length) return -1;
    const h = this.#head[service];
    if (h >= 0) this.#unlink(h);
    return h;
  }

  /** {@inheritDoc WorkerQueue.remove} */
  remove(handle: number): boolean {
    checkId(handle, "handle");
    if (handle >= this.#svc.length || this.#svc[handle] < 0) return false;
    this.#unlink(handle);
    return true;
  }

  /** {@inheritDoc WorkerQueue.touch} */
  touch(handle: number, deadline: number): boolean {
    checkId(handle, "handle");
    checkTime(deadline, "deadline");
    if (handle >= this.#svc.length || this.#svc[handle] < 0) return false;
    const old = this.#dl[handle];
    const before = this.#dPrev[handle];
    this.#unlinkDeadline(handle);
    this.#linkDeadline(
      handle,
      deadline,
      deadline >= old ? this.#dTail : before,
    );
    return true;
  }

  /** {@inheritDoc WorkerQueue.expire} */
  expire(now: number): number[] {
    checkTime(now, "now");
    let h = this.#dHead;
    if (h < 0 || this.#dl[h] > now) return NONE_EXPIRED;
    const out: number[] = [];
    while (h >= 0 && this.#dl[h] <= now) {
      const next = this.#dNext[h];
      this.#unlink(h);
      out.push(h);
      h = next;
    }
    return out;
  }

  /** {@inheritDoc WorkerQueue.has} */
  has(handle: number): boolean {
    checkId(handle, "handle");
    return handle < this.#svc.length && this.#svc[handle] >= 0;
  }

  /** {@inheritDoc WorkerQueue.size} */
  size(service?: number): number {
    if (service === undefined) return this.#total;
    checkId(service, "service");
    return service < this.#count.length ? this.#count[service] : 0;
  }

  /** {@inheritDoc WorkerQueue.serviceOf} */
  serviceOf(handle: number): number {
    checkId(handle, "handle");
    return handle < this.#svc.length ? this.#svc[handle] : -1;
  }

  /** {@inheritDoc WorkerQueue.deadlineOf} */
  deadlineOf(handle: number): number {
    checkId(handle, "handle");
    return handle < this.#svc.length && this.#svc[handle] >= 0
      ? this.#dl[handle]
      : NaN;
  }
}
