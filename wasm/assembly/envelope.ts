// The envelope: one ROUTER message resident in linear memory (bytes back to
// back, one u32 length per frame), classified as 7/MDP or 6/PPP in one call,
// plus a byte-keyed intern table. Mirrors src/core/_ts_envelope.ts and
// src/core/_ts_intern.ts.

import { alloc, realloc } from "./alloc";
// Kinds, error codes, header and command bytes, frame positions and limits,
// generated from the spec data (src/protocol/*/spec.ts) by build:wasm.
import {
  KIND_INVALID, KIND_MDP_CLIENT, KIND_MDP_WORKER, KIND_PPP_READY,
  KIND_PPP_HEARTBEAT, KIND_PPP_REPLY,
  ERR_TOO_FEW_FRAMES, ERR_DELIMITER_NOT_EMPTY, ERR_UNKNOWN_HEADER,
  ERR_EMPTY_SERVICE, ERR_NO_BODY, ERR_BAD_COMMAND, ERR_WRONG_FRAME_COUNT,
  ERR_BAD_ADDRESS, ERR_MISSING_DELIMITER,
  MDP_HEADER_BYTES, MDP_HEADER_LOW24, MDP_HEADER_HIGH16, MDP_CLIENT_TAG,
  MDP_WORKER_TAG, MDP_READY, MDP_REQUEST, MDP_REPLY, MDP_HEARTBEAT,
  MDP_DISCONNECT, MDP_COMMAND_BYTES, MDP_ADDRESS_MIN, MDP_ADDRESS_MAX,
  MDP_AT_HEADER, MDP_AT_COMMAND, MDP_AT_CLIENT_SERVICE, MDP_AT_CLIENT_BODY,
  MDP_AT_READY_SERVICE, MDP_AT_ADDRESS, MDP_AT_ADDRESS_END, MDP_AT_WORKER_BODY,
  MDP_READY_FRAMES, MDP_SIGNAL_FRAMES,
  PPP_READY, PPP_HEARTBEAT, PPP_COMMAND_BYTES, PPP_ADDRESS_MIN,
  PPP_ADDRESS_MAX, PPP_COMMAND_FRAMES, PPP_AT_ADDRESS, PPP_AT_DELIMITER,
  PPP_AT_BODY,
} from "./_spec.generated";

// Message arena.
let bytesA: usize = 0;
let bytesCap: usize = 0;
let lensA: usize = 0;
let offsA: usize = 0;
let framesCap: usize = 0;
// Results of the last classification, read by TypeScript as i32[16]:
// 0 kind, 1 command, 2 service, 3 address, 4 body, 5 error, 6 error frame,
// 8 length of the key returned by envKey, 9 sender handle, 10 service handle.
const RES: usize = memory.data(64, 16);

/** Makes room for a message of `total` bytes in `count` frames; 0, or -1 out of memory. */
export function envReserve(total: u32, count: u32): i32 {
  if (<usize>total > bytesCap) {
    let cap = bytesCap < 4096 ? <usize>4096 : bytesCap;
    while (cap < <usize>total) cap <<= 1;
    const p = realloc(bytesA, bytesCap, cap, 0);
    if (p == 0) return -1;
    bytesA = p;
    bytesCap = cap;
  }
  if (<usize>count > framesCap) {
    let cap = framesCap < 64 ? <usize>64 : framesCap;
    while (cap < <usize>count) cap <<= 1;
    const p = alloc(cap * 8);
    if (p == 0) return -1;
    lensA = p;
    offsA = p + cap * 4;
    framesCap = cap;
  }
  return 0;
}

/** Address of the byte arena. */
export function envBytes(): usize {
  return bytesA;
}
/** Address of the frame lengths. */
export function envLengths(): usize {
  return lensA;
}
/** Address of the frame offsets. */
export function envOffsets(): usize {
  return offsA;
}
/** Address of the result slots. */
export function envResult(): usize {
  return RES;
}
/** Byte capacity of the arena. */
export function envBytesCap(): usize {
  return bytesCap;
}
/** Frame capacity of the arena. */
export function envFramesCap(): usize {
  return framesCap;
}

@inline function len(i: i32): u32 {
  return load<u32>(lensA + (<usize>i << 2));
}
@inline function off(i: i32): usize {
  return <usize>load<u32>(offsA + (<usize>i << 2));
}

/** Computes the offset of every frame of an `n`-frame message. */
export function envIndex(n: i32): void {
  let p: u32 = 0;
  for (let i = 0; i < n; i++) {
    store<u32>(offsA + (<usize>i << 2), p);
    p += len(i);
  }
}

@inline function fail(code: i32, frame: i32): i32 {
  store<i32>(RES, KIND_INVALID);
  store<i32>(RES, code, 20);
  store<i32>(RES, frame, 24);
  return KIND_INVALID;
}

@inline function ok(kind: i32, command: i32, service: i32, address: i32, body: i32): i32 {
  store<i32>(RES, kind);
  store<i32>(RES, command, 4);
  store<i32>(RES, service, 8);
  store<i32>(RES, address, 12);
  store<i32>(RES, body, 16);
  return kind;
}

@inline function reset(): void {
  // kind, command = 0; service, address, body = -1; error 0; error frame -1.
  v128.store(RES, i32x4(0, 0, -1, -1));
  v128.store(RES, i32x4(-1, 0, -1, 0), 16);
}

/** Looks up the sender (frame 0) and the service frame, if any, in the intern table. */
function lookups(n: i32): void {
  let sender = -1, service = -1;
  if (table != 0) {
    if (n > 0) sender = envFind(0);
    const s = load<i32>(RES, 8);
    if (s >= 0) service = envFind(s);
  }
  store<i32>(RES, sender, 36);
  store<i32>(RES, service, 40);
}

/** Indexes and classifies an `n`-frame message as 7/MDP, then looks up its sender and service; returns the kind. */
export function envMdp(n: i32): i32 {
  const kind = mdp(n);
  lookups(n);
  return kind;
}

/** Same as envMdp for 6/PPP. */
export function envPpp(n: i32): i32 {
  const kind = ppp(n);
  lookups(n);
  return kind;
}

function mdp(n: i32): i32 {
  envIndex(n);
  reset();
  if (n < MDP_AT_HEADER + 1) return fail(ERR_TOO_FEW_FRAMES, -1);
  if (len(MDP_AT_HEADER - 1) != 0) return fail(ERR_DELIMITER_NOT_EMPTY, MDP_AT_HEADER - 1);
  const h = bytesA + off(MDP_AT_HEADER);
  // "MDPC01" / "MDPW01": shared bytes 0-2 and 4-5, tag byte 3.
  if (len(MDP_AT_HEADER) != MDP_HEADER_BYTES || (load<u32>(h) & 0x00ffffff) != MDP_HEADER_LOW24 ||
      load<u16>(h, 4) != MDP_HEADER_HIGH16) {
    return fail(ERR_UNKNOWN_HEADER, MDP_AT_HEADER);
  }
  const which = load<u8>(h, 3);
  if (which == MDP_CLIENT_TAG) {
    if (n < MDP_AT_CLIENT_BODY + 1) return fail(ERR_TOO_FEW_FRAMES, -1);
    if (len(MDP_AT_CLIENT_SERVICE) == 0) return fail(ERR_EMPTY_SERVICE, MDP_AT_CLIENT_SERVICE);
    return ok(KIND_MDP_CLIENT, 0, MDP_AT_CLIENT_SERVICE, -1, MDP_AT_CLIENT_BODY);
  }
  if (which != MDP_WORKER_TAG) return fail(ERR_UNKNOWN_HEADER, MDP_AT_HEADER);
  if (n < MDP_AT_COMMAND + 1) return fail(ERR_TOO_FEW_FRAMES, -1);
  if (len(MDP_AT_COMMAND) != MDP_COMMAND_BYTES) return fail(ERR_BAD_COMMAND, MDP_AT_COMMAND);
  const cmd = <i32>load<u8>(bytesA + off(MDP_AT_COMMAND));
  if (cmd == MDP_READY) {
    if (n != MDP_READY_FRAMES) return fail(ERR_WRONG_FRAME_COUNT, -1);
    if (len(MDP_AT_READY_SERVICE) == 0) return fail(ERR_EMPTY_SERVICE, MDP_AT_READY_SERVICE);
    return ok(KIND_MDP_WORKER, cmd, MDP_AT_READY_SERVICE, -1, -1);
  }
  if (cmd == MDP_REQUEST || cmd == MDP_REPLY) {
    if (n < MDP_AT_WORKER_BODY + 1) return fail(ERR_WRONG_FRAME_COUNT, -1);
    const a = len(MDP_AT_ADDRESS);
    if (a < MDP_ADDRESS_MIN || a > MDP_ADDRESS_MAX) return fail(ERR_BAD_ADDRESS, MDP_AT_ADDRESS);
    if (len(MDP_AT_ADDRESS_END) != 0) return fail(ERR_MISSING_DELIMITER, MDP_AT_ADDRESS_END);
    return ok(KIND_MDP_WORKER, cmd, -1, MDP_AT_ADDRESS, MDP_AT_WORKER_BODY);
  }
  if (cmd == MDP_HEARTBEAT || cmd == MDP_DISCONNECT) {
    if (n != MDP_SIGNAL_FRAMES) return fail(ERR_WRONG_FRAME_COUNT, -1);
    return ok(KIND_MDP_WORKER, cmd, -1, -1, -1);
  }
  return fail(ERR_BAD_COMMAND, MDP_AT_COMMAND);
}

function ppp(n: i32): i32 {
  envIndex(n);
  reset();
  if (n < PPP_COMMAND_FRAMES) return fail(ERR_TOO_FEW_FRAMES, -1);
  if (n == PPP_COMMAND_FRAMES) {
    if (len(1) == PPP_COMMAND_BYTES) {
      const c = <i32>load<u8>(bytesA + off(1));
      if (c == PPP_READY) return ok(KIND_PPP_READY, PPP_READY, -1, -1, -1);
      if (c == PPP_HEARTBEAT) return ok(KIND_PPP_HEARTBEAT, PPP_HEARTBEAT, -1, -1, -1);
    }
    return fail(ERR_BAD_COMMAND, 1);
  }
  const a = len(PPP_AT_ADDRESS);
  if (a < PPP_ADDRESS_MIN || a > PPP_ADDRESS_MAX) return fail(ERR_BAD_ADDRESS, PPP_AT_ADDRESS);
  if (len(PPP_AT_DELIMITER) != 0) return fail(ERR_MISSING_DELIMITER, PPP_AT_DELIMITER);
  if (n < PPP_AT_BODY + 1) return fail(ERR_NO_BODY, -1);
  return ok(KIND_PPP_REPLY, 0, -1, PPP_AT_ADDRESS, PPP_AT_BODY);
}

// ---- Intern table --------------------------------------------------------
// Open addressing, linear probing, backward-shift deletion. Slots hold
// handle + 1 (0 = empty). Keys live in an arena of records
// [i32 handle or -1][i32 length][bytes padded to 4], compacted in place.

let seed: u32 = 0;
let table: usize = 0;
let tableSize: i32 = 0;
let mask: i32 = 0;
// Per handle: offset, length, hash (i32) and live (i32), in one block.
let kOffA: usize = 0;
let kLenA: usize = 0;
let kHashA: usize = 0;
let kLiveA: usize = 0;
let kCap: i32 = 0;
let freeA: usize = 0;
let freeCap: i32 = 0;
let freeTop: i32 = 0;
let nextHandle: i32 = 0;
let liveCount: i32 = 0;
let arena: usize = 0;
let arenaCap: usize = 0;
let arenaTop: usize = 0;
let garbage: usize = 0;
let scratch: usize = 0;
let scratchCap: usize = 0;

// Keyed hash, four bytes per step (the same function as the TypeScript
// twin's hashBytes, so both tables probe alike).
@inline function hash(p: usize, n: usize): u32 {
  let h: u32 = seed ^ 0x811c9dc5 ^ <u32>n;
  const end4 = p + (n & ~(<usize>3)), end = p + n;
  while (p < end4) {
    h = (h ^ load<u32>(p)) * 0x01000193;
    h ^= h >>> 15;
    p += 4;
  }
  while (p < end) {
    h = (h ^ <u32>load<u8>(p)) * 0x01000193;
    p++;
  }
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  return h;
}

@inline function equal(a: usize, b: usize, n: usize): bool {
  let i: usize = 0;
  for (; i + 4 <= n; i += 4) if (load<u32>(a + i) != load<u32>(b + i)) return false;
  for (; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

function internInit(): bool {
  if (table != 0) return true;
  tableSize = 64;
  mask = 63;
  table = alloc(64 * 4);
  if (table == 0) return false;
  memory.fill(table, 0, 64 * 4);
  return growKeys() && growArena(0);
}

function growKeys(): bool {
  const cap = kCap == 0 ? 64 : kCap << 1;
  const c = <usize>cap, o = <usize>kCap;
  const block = alloc(c * 16);
  if (block == 0) return false;
  memory.fill(block, 0, c * 16);
  if (o > 0) {
    memory.copy(block, kOffA, o * 4);
    memory.copy(block + c * 4, kLenA, o * 4);
    memory.copy(block + c * 8, kHashA, o * 4);
    memory.copy(block + c * 12, kLiveA, o * 4);
  }
  kOffA = block;
  kLenA = block + c * 4;
  kHashA = block + c * 8;
  kLiveA = block + c * 12;
  kCap = cap;
  return true;
}

function growArena(need: usize): bool {
  let cap = arenaCap == 0 ? <usize>4096 : arenaCap << 1;
  while (cap < arenaTop + need) cap <<= 1;
  const p = realloc(arena, arenaCap, cap, arenaTop);
  if (p == 0) return false;
  if (p != arena) {
    // Keys moved with the arena: rebase the offsets.
    const delta = p - arena;
    for (let k = 0; k < nextHandle; k++) {
      if (geti(kLiveA, k) != 0) seti(kOffA, k, geti(kOffA, k) + <i32>delta);
    }
  }
  arena = p;
  arenaCap = cap;
  return true;
}

@inline function geti(a: usize, i: i32): i32 {
  return load<i32>(a + (<usize>i << 2));
}
@inline function seti(a: usize, i: i32, v: i32): void {
  store<i32>(a + (<usize>i << 2), v);
}

function findAt(p: usize, n: u32, h: u32): i32 {
  let slot = <i32>h & mask;
  for (;;) {
    const e = geti(table, slot);
    if (e == 0) return -1;
    const k = e - 1;
    if (<u32>geti(kHashA, k) == h && <u32>geti(kLenA, k) == n &&
        equal(<usize>geti(kOffA, k), p, <usize>n)) return k;
    slot = (slot + 1) & mask;
  }
  return -1;
}

function growTable(): bool {
  const size = tableSize << 1;
  const t = alloc(<usize>size * 4);
  if (t == 0) return false;
  memory.fill(t, 0, <usize>size * 4);
  const m = size - 1;
  for (let k = 0; k < nextHandle; k++) {
    if (geti(kLiveA, k) == 0) continue;
    let slot = geti(kHashA, k) & m;
    while (geti(t, slot) != 0) slot = (slot + 1) & m;
    seti(t, slot, k + 1);
  }
  table = t;
  tableSize = size;
  mask = m;
  return true;
}

function makeRoom(need: usize): bool {
  if (garbage > 0) {
    let src: usize = 0, dst: usize = 0;
    while (src < arenaTop) {
      const k = load<i32>(arena + src);
      const size: usize = <usize>8 + ((<usize>load<u32>(arena + src, 4) + 3) & ~(<usize>3));
      if (k >= 0) {
        if (src != dst) memory.copy(arena + dst, arena + src, size);
        seti(kOffA, k, <i32>(arena + dst + 8));
        dst += size;
      }
      src += size;
    }
    arenaTop = dst;
    garbage = 0;
  }
  if (arenaTop + need > arenaCap) return growArena(need);
  return true;
}

function internAt(p: usize, n: u32): i32 {
  if (!internInit()) return -2;
  const h = hash(p, n);
  const found = findAt(p, n, h);
  if (found >= 0) return found;
  if ((liveCount + 1) * 2 > tableSize && !growTable()) return -2;
  let k: i32;
  if (freeTop > 0) k = geti(freeA, --freeTop);
  else {
    if (nextHandle >= kCap && !growKeys()) return -2;
    k = nextHandle++;
  }
  const need: usize = <usize>8 + ((<usize>n + 3) & ~(<usize>3));
  if (arenaTop + need > arenaCap) {
    // The key may be a key of this arena (bytesOf): park it in scratch first.
    if (p >= arena && p < arena + arenaCap) {
      const s = reserveScratch(n);
      if (s == 0) return -2;
      memory.copy(s, p, n);
      p = s;
    }
    if (!makeRoom(need)) return -2;
  }
  const r = arena + arenaTop;
  store<i32>(r, k);
  store<u32>(r, n, 4);
  memory.copy(r + 8, p, n);
  arenaTop += need;
  seti(kOffA, k, <i32>(r + 8));
  seti(kLenA, k, <i32>n);
  seti(kHashA, k, <i32>h);
  seti(kLiveA, k, 1);
  liveCount++;
  let slot = <i32>h & mask;
  while (geti(table, slot) != 0) slot = (slot + 1) & mask;
  seti(table, slot, k + 1);
  return k;
}

function reserveScratch(n: u32): usize {
  if (<usize>n > scratchCap || scratch == 0) {
    let cap = scratchCap < 256 ? <usize>256 : scratchCap;
    while (cap < <usize>n) cap <<= 1;
    const s = realloc(scratch, scratchCap, cap, 0);
    if (s == 0) return 0;
    scratch = s;
    scratchCap = cap;
  }
  return scratch;
}

/** Sets the hash seed (before the first intern). */
export function envSeed(s: u32): void {
  seed = s;
}

/** Interns frame `i`; returns its handle (-2 out of memory). */
export function envIntern(i: i32): i32 {
  return internAt(bytesA + off(i), len(i));
}

/** Looks frame `i` up; returns its handle or -1. */
export function envFind(i: i32): i32 {
  if (table == 0) return -1;
  const p = bytesA + off(i), n = len(i);
  return findAt(p, n, hash(p, n));
}

/** Scratch area of at least `n` bytes for keys given by TypeScript (0 out of memory). */
export function envScratch(n: u32): usize {
  return reserveScratch(n);
}

/** Interns the first `n` scratch bytes. */
export function envInternScratch(n: u32): i32 {
  return internAt(scratch, n);
}

/** Looks the first `n` scratch bytes up. */
export function envFindScratch(n: u32): i32 {
  if (table == 0) return -1;
  return findAt(scratch, n, hash(scratch, n));
}

/** Frees handle `k`; 1 if it was live. */
export function envRelease(k: i32): i32 {
  if (!(k >= 0 && k < nextHandle && geti(kLiveA, k) != 0)) return 0;
  let i = geti(kHashA, k) & mask;
  while (geti(table, i) != k + 1) i = (i + 1) & mask;
  let j = i;
  for (;;) {
    j = (j + 1) & mask;
    const e = geti(table, j);
    if (e == 0) break;
    const ideal = geti(kHashA, e - 1) & mask;
    const stays = i <= j ? i < ideal && ideal <= j : i < ideal || ideal <= j;
    if (stays) continue;
    seti(table, i, e);
    i = j;
  }
  seti(table, i, 0);
  seti(kLiveA, k, 0);
  store<i32>(<usize>geti(kOffA, k) - 8, -1);
  garbage += <usize>8 + ((<usize>geti(kLenA, k) + 3) & ~(<usize>3));
  if (freeTop >= freeCap) {
    const cap = freeCap == 0 ? 64 : freeCap << 1;
    const f = realloc(freeA, <usize>freeCap * 4, <usize>cap * 4, <usize>freeCap * 4);
    if (f == 0) return -2;
    freeA = f;
    freeCap = cap;
  }
  seti(freeA, freeTop++, k);
  liveCount--;
  return 1;
}

/** Address of live handle `k`'s bytes (length in result slot 8), or 0. */
export function envKey(k: i32): usize {
  if (!(k >= 0 && k < nextHandle && geti(kLiveA, k) != 0)) return 0;
  store<i32>(RES, geti(kLenA, k), 32);
  return <usize>geti(kOffA, k);
}

/** Live handles. */
export function envInterned(): i32 {
  return liveCount;
}
