// The worker queue: per-service LRU lists and one list ordered by deadline,
// both intrusive and doubly linked. Mirrors src/core/_ts_queue.ts operation
// for operation. Each handle is one 32-byte node, so an operation touches
// one cache line per worker:
//   0 service (-1 = not queued) | 4 LRU prev | 8 LRU next | 12 deadline prev
//   | 16 deadline next | 24 deadline (f64)
// Each service is 16 bytes: 0 LRU head | 4 LRU tail | 8 count.

import { alloc } from "./alloc";

let nodes: usize = 0;
let hCap: i32 = 0;
let svcs: usize = 0;
let sCap: i32 = 0;
let dHead: i32 = -1;
let dTail: i32 = -1;
let total: i32 = 0;
// Expiry output: up to OUT_CAP handles per call.
const OUT_CAP: i32 = 1024;
const OUT: usize = memory.data(OUT_CAP * 4, 16);
// Command buffer: TypeScript appends pushes and touches here ([i32 handle]
// [i32 service, -1 for a touch][f64 deadline]) and the next call applies
// them first, so a push or touch costs no boundary crossing of its own.
const OPS_CAP: i32 = 256;
const OPS: usize = memory.data(OPS_CAP * 16, 16);
// State TypeScript reads without a call: [f64 earliest deadline or +inf]
// [i32 address of the nodes][i32 handle capacity].
const STATE: usize = memory.data(16, 16);

@inline function node(h: i32): usize {
  return nodes + (<usize>h << 5);
}
@inline function svc(s: i32): usize {
  return svcs + (<usize>s << 4);
}
@inline function svcOf(h: i32): i32 {
  return load<i32>(node(h));
}
@inline function getd(h: i32): f64 {
  return load<f64>(node(h), 24);
}

function growHandles(h: i32): bool {
  let cap = hCap < 64 ? 64 : hCap;
  while (cap <= h) cap <<= 1;
  if (cap > 16777216) cap = 16777216;
  const block = alloc(<usize>cap << 5);
  if (block == 0) return false;
  const old = <usize>hCap << 5;
  if (old > 0) memory.copy(block, nodes, old);
  // New nodes: not queued, unlinked.
  memory.fill(block + old, 0xff, (<usize>cap << 5) - old);
  nodes = block;
  hCap = cap;
  return true;
}

function growServices(s: i32): bool {
  let cap = sCap < 16 ? 16 : sCap;
  while (cap <= s) cap <<= 1;
  if (cap > 16777216) cap = 16777216;
  const block = alloc(<usize>cap << 4);
  if (block == 0) return false;
  const old = <usize>sCap << 4;
  if (old > 0) memory.copy(block, svcs, old);
  for (let i = sCap; i < cap; i++) {
    const p = block + (<usize>i << 4);
    store<i32>(p, -1);
    store<i32>(p, -1, 4);
    store<i32>(p, 0, 8);
  }
  svcs = block;
  sCap = cap;
  return true;
}

function unlinkDeadline(h: i32): void {
  const n = node(h);
  const dp = load<i32>(n, 12), dn = load<i32>(n, 16);
  if (dp >= 0) store<i32>(node(dp), dn, 16);
  else dHead = dn;
  if (dn >= 0) store<i32>(node(dn), dp, 12);
  else dTail = dp;
}

function unlink(h: i32): void {
  const n = node(h);
  const sv = svc(load<i32>(n));
  const sp = load<i32>(n, 4), sn = load<i32>(n, 8);
  if (sp >= 0) store<i32>(node(sp), sn, 8);
  else store<i32>(sv, sn);
  if (sn >= 0) store<i32>(node(sn), sp, 4);
  else store<i32>(sv, sp, 4);
  store<i32>(sv, load<i32>(sv, 8) - 1, 8);
  unlinkDeadline(h);
  store<i32>(n, -1);
  total--;
}

function linkDeadline(h: i32, d: f64, from: i32): void {
  let p = from;
  while (p >= 0 && getd(p) > d) p = load<i32>(node(p), 12);
  const nx = p >= 0 ? load<i32>(node(p), 16) : dHead;
  const n = node(h);
  store<i32>(n, p, 12);
  store<i32>(n, nx, 16);
  store<f64>(n, d, 24);
  if (p >= 0) store<i32>(node(p), h, 16);
  else dHead = h;
  if (nx >= 0) store<i32>(node(nx), h, 12);
  else dTail = h;
}

function sync(): void {
  store<f64>(STATE, dHead >= 0 ? getd(dHead) : Infinity);
  store<i32>(STATE, <i32>nodes, 8);
  store<i32>(STATE, hCap, 12);
}

/** Applies the first `n` buffered commands; 0, or -2 out of memory. */
function apply(n: i32): i32 {
  for (let i = 0; i < n; i++) {
    const p = OPS + (<usize>i << 4);
    const h = load<i32>(p), s = load<i32>(p, 4), d = load<f64>(p, 8);
    if (s >= 0) {
      if (push(h, s, d) < 0) return -2;
    } else touch(h, d);
  }
  return 0;
}

/** Applies `n` buffered commands; 0, or -2 out of memory. */
export function qApply(n: i32): i32 {
  const r = apply(n);
  sync();
  return r;
}

/** Address of the command buffer. */
export function qOps(): usize {
  return OPS;
}

/** Address of the state TypeScript reads. */
export function qState(): usize {
  sync();
  return STATE;
}

function push(h: i32, s: i32, d: f64): i32 {
  if (h >= hCap && !growHandles(h)) return -1;
  if (s >= sCap && !growServices(s)) return -1;
  if (svcOf(h) >= 0) unlink(h);
  const sv = svc(s), n = node(h);
  const t = load<i32>(sv, 4);
  store<i32>(n, t, 4);
  store<i32>(n, -1, 8);
  if (t >= 0) store<i32>(node(t), h, 8);
  else store<i32>(sv, h);
  store<i32>(sv, h, 4);
  store<i32>(sv, load<i32>(sv, 8) + 1, 8);
  store<i32>(n, s);
  total++;
  linkDeadline(h, d, dTail);
  return 0;
}

/** Applies `n` commands, then queues `h` for `s` with deadline `d`; 0, or -2 out of memory. */
export function qPush(n: i32, h: i32, s: i32, d: f64): i32 {
  let r = apply(n);
  if (r == 0) r = push(h, s, d) < 0 ? -2 : 0;
  sync();
  return r;
}

/** Applies `n` commands, then dequeues the longest-waiting worker of `s`: its handle, -1 if none, -2 out of memory. */
export function qPop(n: i32, s: i32): i32 {
  if (apply(n) < 0) {
    sync();
    return -2;
  }
  let h = -1;
  if (s < sCap) {
    h = load<i32>(svc(s));
    if (h >= 0) unlink(h);
  }
  sync();
  return h;
}

/** Applies `n` commands, then removes `h`: 1 if it was queued, 0 if not, -2 out of memory. */
export function qRemove(n: i32, h: i32): i32 {
  let r = apply(n);
  if (r == 0 && h < hCap && svcOf(h) >= 0) {
    unlink(h);
    r = 1;
  }
  sync();
  return r;
}

/** Applies `n` commands, then gives `h` a new deadline: 1 if it was queued, 0 if not, -2 out of memory. */
export function qTouch(n: i32, h: i32, d: f64): i32 {
  let r = apply(n);
  if (r == 0) r = touch(h, d);
  sync();
  return r;
}

function touch(h: i32, d: f64): i32 {
  if (h >= hCap || svcOf(h) < 0) return 0;
  const old = getd(h);
  const before = load<i32>(node(h), 12);
  unlinkDeadline(h);
  linkDeadline(h, d, d >= old ? dTail : before);
  return 1;
}

/**
 * Applies `n` commands, then removes up to OUT_CAP workers with deadline <= now
 * into the output area; returns how many, or -2 out of memory.
 */
export function qExpire(n0: i32, now: f64): i32 {
  if (apply(n0) < 0) {
    sync();
    return -2;
  }
  let h = dHead;
  let n = 0;
  while (h >= 0 && n < OUT_CAP && getd(h) <= now) {
    const next = load<i32>(node(h), 16);
    unlink(h);
    store<i32>(OUT + (<usize>n << 2), h);
    n++;
    h = next;
  }
  sync();
  return n;
}

/** Address of the expiry output area. */
export function qOut(): usize {
  return OUT;
}

/** 1 if `h` is queued. */
export function qHas(h: i32): i32 {
  return h < hCap && svcOf(h) >= 0 ? 1 : 0;
}

/** Waiting workers of `s`, or of all services when `s` < 0. */
export function qSize(s: i32): i32 {
  if (s < 0) return total;
  return s < sCap ? load<i32>(svc(s), 8) : 0;
}

/** Service of `h`, or -1. */
export function qServiceOf(h: i32): i32 {
  return h < hCap ? svcOf(h) : -1;
}

/** Deadline of `h`, or NaN. */
export function qDeadlineOf(h: i32): f64 {
  return h < hCap && svcOf(h) >= 0 ? getd(h) : NaN;
}
