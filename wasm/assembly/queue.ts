// The worker queue: per-service LRU lists and one list ordered by deadline,
// both intrusive and doubly linked, over arrays indexed by handle. Mirrors
// src/core/_ts_queue.ts operation for operation.

import { alloc } from "./alloc";

// Per handle, in one block of hCap entries each: svc, sPrev, sNext, dPrev,
// dNext (i32) then dl (f64).
let hBlock: usize = 0;
let hCap: i32 = 0;
let svcA: usize = 0;
let sPrevA: usize = 0;
let sNextA: usize = 0;
let dPrevA: usize = 0;
let dNextA: usize = 0;
let dlA: usize = 0;
// Per service: head, tail, count (i32).
let sCap: i32 = 0;
let headA: usize = 0;
let tailA: usize = 0;
let countA: usize = 0;
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
// [i32 address of the per-handle service array][i32 handle capacity].
const STATE: usize = memory.data(16, 16);

@inline function geti(a: usize, i: i32): i32 {
  return load<i32>(a + (<usize>i << 2));
}
@inline function seti(a: usize, i: i32, v: i32): void {
  store<i32>(a + (<usize>i << 2), v);
}
@inline function getd(i: i32): f64 {
  return load<f64>(dlA + (<usize>i << 3));
}
@inline function setd(i: i32, v: f64): void {
  store<f64>(dlA + (<usize>i << 3), v);
}

function growHandles(h: i32): bool {
  let cap = hCap < 64 ? 64 : hCap;
  while (cap <= h) cap <<= 1;
  if (cap > 16777216) cap = 16777216;
  const c = <usize>cap, o = <usize>hCap;
  const block = alloc(c * 28);
  if (block == 0) return false;
  // Fill the new i32 arrays with -1, then copy the old entries.
  memory.fill(block, 0xff, c * 20);
  if (o > 0) {
    memory.copy(block, svcA, o * 4);
    memory.copy(block + c * 4, sPrevA, o * 4);
    memory.copy(block + c * 8, sNextA, o * 4);
    memory.copy(block + c * 12, dPrevA, o * 4);
    memory.copy(block + c * 16, dNextA, o * 4);
    memory.copy(block + c * 20, dlA, o * 8);
  }
  svcA = block;
  sPrevA = block + c * 4;
  sNextA = block + c * 8;
  dPrevA = block + c * 12;
  dNextA = block + c * 16;
  dlA = block + c * 20;
  hBlock = block;
  hCap = cap;
  return true;
}

function growServices(s: i32): bool {
  let cap = sCap < 16 ? 16 : sCap;
  while (cap <= s) cap <<= 1;
  if (cap > 16777216) cap = 16777216;
  const c = <usize>cap, o = <usize>sCap;
  const block = alloc(c * 12);
  if (block == 0) return false;
  memory.fill(block, 0xff, c * 8);
  memory.fill(block + c * 8, 0, c * 4);
  if (o > 0) {
    memory.copy(block, headA, o * 4);
    memory.copy(block + c * 4, tailA, o * 4);
    memory.copy(block + c * 8, countA, o * 4);
  }
  headA = block;
  tailA = block + c * 4;
  countA = block + c * 8;
  sCap = cap;
  return true;
}

function unlinkDeadline(h: i32): void {
  const dp = geti(dPrevA, h), dn = geti(dNextA, h);
  if (dp >= 0) seti(dNextA, dp, dn);
  else dHead = dn;
  if (dn >= 0) seti(dPrevA, dn, dp);
  else dTail = dp;
}

function unlink(h: i32): void {
  const s = geti(svcA, h);
  const sp = geti(sPrevA, h), sn = geti(sNextA, h);
  if (sp >= 0) seti(sNextA, sp, sn);
  else seti(headA, s, sn);
  if (sn >= 0) seti(sPrevA, sn, sp);
  else seti(tailA, s, sp);
  seti(countA, s, geti(countA, s) - 1);
  unlinkDeadline(h);
  seti(svcA, h, -1);
  total--;
}

function linkDeadline(h: i32, d: f64, from: i32): void {
  let p = from;
  while (p >= 0 && getd(p) > d) p = geti(dPrevA, p);
  const n = p >= 0 ? geti(dNextA, p) : dHead;
  seti(dPrevA, h, p);
  seti(dNextA, h, n);
  if (p >= 0) seti(dNextA, p, h);
  else dHead = h;
  if (n >= 0) seti(dPrevA, n, h);
  else dTail = h;
  setd(h, d);
}

function sync(): void {
  store<f64>(STATE, dHead >= 0 ? getd(dHead) : Infinity);
  store<i32>(STATE, <i32>svcA, 8);
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
  if (geti(svcA, h) >= 0) unlink(h);
  const t = geti(tailA, s);
  seti(sPrevA, h, t);
  seti(sNextA, h, -1);
  if (t >= 0) seti(sNextA, t, h);
  else seti(headA, s, h);
  seti(tailA, s, h);
  seti(countA, s, geti(countA, s) + 1);
  seti(svcA, h, s);
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
    h = geti(headA, s);
    if (h >= 0) unlink(h);
  }
  sync();
  return h;
}

/** Applies `n` commands, then removes `h`: 1 if it was queued, 0 if not, -2 out of memory. */
export function qRemove(n: i32, h: i32): i32 {
  let r = apply(n);
  if (r == 0 && h < hCap && geti(svcA, h) >= 0) {
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
  if (h >= hCap || geti(svcA, h) < 0) return 0;
  const old = getd(h);
  const before = geti(dPrevA, h);
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
    const next = geti(dNextA, h);
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
  return h < hCap && geti(svcA, h) >= 0 ? 1 : 0;
}

/** Waiting workers of `s`, or of all services when `s` < 0. */
export function qSize(s: i32): i32 {
  if (s < 0) return total;
  return s < sCap ? geti(countA, s) : 0;
}

/** Service of `h`, or -1. */
export function qServiceOf(h: i32): i32 {
  return h < hCap ? geti(svcA, h) : -1;
}

/** Deadline of `h`, or NaN. */
export function qDeadlineOf(h: i32): f64 {
  return h < hCap && geti(svcA, h) >= 0 ? getd(h) : NaN;
}
