// The frame codec's record format (see src/core/types.ts, FrameCodec):
//   0  "RZM" 0x01 | 4 n | 8 body | 12 crc32c(0..11) | 16 n x u32 lengths
//   | frames | u32 crc32c of everything before it. Little-endian.
// The TypeScript side writes lengths and frames into the arena, WASM writes
// the header and checksums, or checks a record copied into the arena.

import { realloc } from "./alloc";
import { crc32c, crcUpdate } from "./crc";

const MAX_FRAMES: u32 = 1048576;
const MAX_RECORD: u64 = 268435456;

// Error codes, negated on return (same numbering as src/core/_record.ts).
const E_BAD_MAGIC = 2;
const E_BAD_VERSION = 3;
const E_HEADER_CRC = 4;
const E_TOO_MANY_FRAMES = 5;
const E_TOO_LARGE = 6;
const E_TRUNCATED = 7;
const E_TRAILING = 8;
const E_LENGTHS = 9;
const E_CRC = 10;

let arena: usize = 0;
let arenaCap: usize = 0;

/** Makes the arena at least `size` bytes; returns its address or 0. */
export function codecReserve(size: u32): usize {
  if (<usize>size > arenaCap) {
    let cap = arenaCap < 4096 ? <usize>4096 : arenaCap;
    while (cap < <usize>size) cap <<= 1;
    const p = realloc(arena, arenaCap, cap, 0);
    if (p == 0) return 0;
    arena = p;
    arenaCap = cap;
  }
  return arena;
}

/** Writes the header and trailing CRC of a record of `n` frames, `body` bytes; returns its length. */
export function codecSeal(n: u32, body: u32): u32 {
  const p = arena;
  store<u32>(p, 0x014d5a52);
  store<u32>(p, n, 4);
  store<u32>(p, body, 8);
  store<u32>(p, crc32c(p, 12), 12);
  const end = 16 + (n << 2) + body;
  store<u32>(p + end, crc32c(p, end));
  return end + 4;
}

/** Checks the header at the arena; returns the record length or a negated error. */
export function codecHeader(): i32 {
  const p = arena;
  if ((load<u32>(p) & 0xffffff) != 0x4d5a52) return -E_BAD_MAGIC;
  if (load<u8>(p, 3) != 1) return -E_BAD_VERSION;
  if (load<u32>(p, 12) != crc32c(p, 12)) return -E_HEADER_CRC;
  const n = load<u32>(p, 4);
  if (n > MAX_FRAMES) return -E_TOO_MANY_FRAMES;
  const total = <u64>20 + (<u64>n << 2) + <u64>load<u32>(p, 8);
  if (total > MAX_RECORD) return -E_TOO_LARGE;
  return <i32>total;
}

/** Checks a whole record of `len` bytes (>= 16) at the arena; returns its frame count or a negated error. */
export function codecCheck(len: u32): i32 {
  const total = codecHeader();
  if (total < 0) return total;
  if (len < <u32>total) return -E_TRUNCATED;
  if (len > <u32>total) return -E_TRAILING;
  const p = arena;
  const n = load<u32>(p, 4);
  let sum: u64 = 0;
  const lp = p + 16;
  for (let i: usize = 0; i < <usize>n; i++) sum += <u64>load<u32>(lp + (i << 2));
  if (sum != <u64>load<u32>(p, 8)) return -E_LENGTHS;
  const end = <usize>total - 4;
  if (load<u32>(p + end) != crc32c(p, end)) return -E_CRC;
  return <i32>n;
}

/** CRC-32C of the first `len` bytes of the arena. */
export function codecCrc(len: u32): u32 {
  return crc32c(arena, len);
}

/** Advances a raw CRC-32C register over the first `len` bytes of the arena (for inputs fed in chunks). */
export function codecCrcUpdate(crc: u32, len: u32): u32 {
  return crcUpdate(crc, arena, len);
}
