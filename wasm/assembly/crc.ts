// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
//
// Buffers of 1 KiB and more run through a 16-lane SIMD kernel: a superblock
// (4 KiB, or 1 KiB for shorter buffers) is cut into 16 equal chunks and lane
// i runs the byte-at-a-time CRC over chunk i. The 16 lane registers are held
// as four vectors, one per register byte. The byte table is linear, so
// T[x] = TL[x & 15] ^ TH[x >> 4], and each 16-entry lookup is one swizzle.
// Rows of the chunks are transposed 16x16 so each vector feeds one byte to
// every lane. At the end of a superblock the lane registers are folded with
// tables that advance a register over one chunk of zero bytes. Anything
// shorter than a superblock runs the scalar slicing-by-8 loop.

const POLY: u32 = 0x82f63b78;

// 8 x 256 u32: slicing-by-8 tables, T[k][x] = byte x then k zero bytes.
const TAB: usize = memory.data(8 * 256 * 4, 64);
// 4 x 256 u32 each: advance a register over 64 / 256 zero bytes.
const SHIFT64: usize = memory.data(4 * 256 * 4, 64);
const SHIFT256: usize = memory.data(4 * 256 * 4, 64);
// 8 vectors: byte plane b of TL (4) then of TH (4).
const NIB: usize = memory.data(8 * 16, 16);
// Lane registers spilled at the end of a superblock.
const LANES: usize = memory.data(64, 16);
// Images of the 32 register bits, scratch for initShift.
const BASIS: usize = memory.data(32 * 4, 16);

@inline function tab(k: u32, x: u32): u32 {
  return load<u32>(TAB + (((k << 8) + x) << 2));
}

function advance(r: u32, zeros: i32): u32 {
  for (let i = 0; i < zeros; i++) r = (r >>> 8) ^ tab(0, r & 0xff);
  return r;
}

function initShift(dst: usize, zeros: i32): void {
  // shift() is linear: build each table entry from the images of its bits.
  const basis = BASIS;
  for (let bit = 0; bit < 32; bit++) store<u32>(basis + (<usize>bit << 2), advance(<u32>1 << bit, zeros));
  for (let k = 0; k < 4; k++) {
    for (let x = 0; x < 256; x++) {
      let v: u32 = 0;
      for (let b = 0; b < 8; b++) {
        if ((x >> b) & 1) v ^= load<u32>(basis + (<usize>(k * 8 + b) << 2));
      }
      store<u32>(dst + (<usize>(k * 256 + x) << 2), v);
    }
  }
}

function initTables(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TAB + (n << 2), c);
  }
  for (let k: u32 = 1; k < 8; k++) {
    for (let n: u32 = 0; n < 256; n++) {
      const p = tab(k - 1, n);
      store<u32>(TAB + (((k << 8) + n) << 2), (p >>> 8) ^ tab(0, p & 0xff));
    }
  }
  for (let b = 0; b < 4; b++) {
    for (let i: u32 = 0; i < 16; i++) {
      store<u8>(NIB + <usize>(b * 16) + i, <u8>(tab(0, i) >>> (<u32>b * 8)));
      store<u8>(NIB + <usize>(64 + b * 16) + i, <u8>(tab(0, i << 4) >>> (<u32>b * 8)));
    }
  }
  initShift(SHIFT64, 64);
  initShift(SHIFT256, 256);
}
initTables();

@inline function swz(t: v128, i: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i8x16.relaxed_swizzle(t, i);
  return i8x16.swizzle(t, i);
}

@inline function shiftBy(s: usize, r: u32): u32 {
  return load<u32>(s + ((r & 0xff) << 2)) ^
    load<u32>(s + 1024 + (((r >>> 8) & 0xff) << 2)) ^
    load<u32>(s + 2048 + (((r >>> 16) & 0xff) << 2)) ^
    load<u32>(s + 3072 + ((r >>> 24) << 2));
}

/** One superblock of 16 chunks of C bytes (C = 64 or 256). */
function superblock(crc: u32, p: usize, C: usize, shift: usize): u32 {
  const m4 = i8x16.splat(0x0f);
  const tl0 = v128.load(NIB), tl1 = v128.load(NIB, 16), tl2 = v128.load(NIB, 32), tl3 = v128.load(NIB, 48);
  const th0 = v128.load(NIB, 64), th1 = v128.load(NIB, 80), th2 = v128.load(NIB, 96), th3 = v128.load(NIB, 112);
  let c0 = i8x16.replace_lane(i8x16.splat(0), 0, <i8>crc);
  let c1 = i8x16.replace_lane(i8x16.splat(0), 0, <i8>(crc >>> 8));
  let c2 = i8x16.replace_lane(i8x16.splat(0), 0, <i8>(crc >>> 16));
  let c3 = i8x16.replace_lane(i8x16.splat(0), 0, <i8>(crc >>> 24));
  let w: v128, x: v128, lo: v128, hi: v128, t0: v128, t1: v128, t2: v128;
  for (let j: usize = 0; j < C; j += 16) {
    const r0 = v128.load(p + 0 * C + j);
    const r1 = v128.load(p + 1 * C + j);
    const r2 = v128.load(p + 2 * C + j);
    const r3 = v128.load(p + 3 * C + j);
    const r4 = v128.load(p + 4 * C + j);
    const r5 = v128.load(p + 5 * C + j);
    const r6 = v128.load(p + 6 * C + j);
    const r7 = v128.load(p + 7 * C + j);
    const r8 = v128.load(p + 8 * C + j);
    const r9 = v128.load(p + 9 * C + j);
    const r10 = v128.load(p + 10 * C + j);
    const r11 = v128.load(p + 11 * C + j);
    const r12 = v128.load(p + 12 * C + j);
    const r13 = v128.load(p + 13 * C + j);
    const r14 = v128.load(p + 14 * C + j);
    const r15 = v128.load(p + 15 * C + j);
    const x0_0 = i8x16.shuffle(r0, r1, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_0 = i8x16.shuffle(r0, r1, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const x0_1 = i8x16.shuffle(r2, r3, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_1 = i8x16.shuffle(r2, r3, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const x0_2 = i8x16.shuffle(r4, r5, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_2 = i8x16.shuffle(r4, r5, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const x0_3 = i8x16.shuffle(r6, r7, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_3 = i8x16.shuffle(r6, r7, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const x0_4 = i8x16.shuffle(r8, r9, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_4 = i8x16.shuffle(r8, r9, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const x0_5 = i8x16.shuffle(r10, r11, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_5 = i8x16.shuffle(r10, r11, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const x0_6 = i8x16.shuffle(r12, r13, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_6 = i8x16.shuffle(r12, r13, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const x0_7 = i8x16.shuffle(r14, r15, 0,16,1,17,2,18,3,19,4,20,5,21,6,22,7,23);
    const x1_7 = i8x16.shuffle(r14, r15, 8,24,9,25,10,26,11,27,12,28,13,29,14,30,15,31);
    const y00_0 = i8x16.shuffle(x0_0, x0_1, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y00_1 = i8x16.shuffle(x0_2, x0_3, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y00_2 = i8x16.shuffle(x0_4, x0_5, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y00_3 = i8x16.shuffle(x0_6, x0_7, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y01_0 = i8x16.shuffle(x0_0, x0_1, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const y01_1 = i8x16.shuffle(x0_2, x0_3, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const y01_2 = i8x16.shuffle(x0_4, x0_5, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const y01_3 = i8x16.shuffle(x0_6, x0_7, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const y10_0 = i8x16.shuffle(x1_0, x1_1, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y10_1 = i8x16.shuffle(x1_2, x1_3, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y10_2 = i8x16.shuffle(x1_4, x1_5, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y10_3 = i8x16.shuffle(x1_6, x1_7, 0,1,16,17,2,3,18,19,4,5,20,21,6,7,22,23);
    const y11_0 = i8x16.shuffle(x1_0, x1_1, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const y11_1 = i8x16.shuffle(x1_2, x1_3, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const y11_2 = i8x16.shuffle(x1_4, x1_5, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const y11_3 = i8x16.shuffle(x1_6, x1_7, 8,9,24,25,10,11,26,27,12,13,28,29,14,15,30,31);
    const z000_0 = i8x16.shuffle(y00_0, y00_1, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z000_1 = i8x16.shuffle(y00_2, y00_3, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z001_0 = i8x16.shuffle(y00_0, y00_1, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    const z001_1 = i8x16.shuffle(y00_2, y00_3, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    const z010_0 = i8x16.shuffle(y01_0, y01_1, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z010_1 = i8x16.shuffle(y01_2, y01_3, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z011_0 = i8x16.shuffle(y01_0, y01_1, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    const z011_1 = i8x16.shuffle(y01_2, y01_3, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    const z100_0 = i8x16.shuffle(y10_0, y10_1, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z100_1 = i8x16.shuffle(y10_2, y10_3, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z101_0 = i8x16.shuffle(y10_0, y10_1, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    const z101_1 = i8x16.shuffle(y10_2, y10_3, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    const z110_0 = i8x16.shuffle(y11_0, y11_1, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z110_1 = i8x16.shuffle(y11_2, y11_3, 0,1,2,3,16,17,18,19,4,5,6,7,20,21,22,23);
    const z111_0 = i8x16.shuffle(y11_0, y11_1, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    const z111_1 = i8x16.shuffle(y11_2, y11_3, 8,9,10,11,24,25,26,27,12,13,14,15,28,29,30,31);
    w = i8x16.shuffle(z000_0, z000_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z000_0, z000_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z001_0, z001_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z001_0, z001_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z010_0, z010_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z010_0, z010_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z011_0, z011_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z011_0, z011_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z100_0, z100_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z100_0, z100_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z101_0, z101_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z101_0, z101_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z110_0, z110_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z110_0, z110_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z111_0, z111_1, 0,1,2,3,4,5,6,7,16,17,18,19,20,21,22,23);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
    w = i8x16.shuffle(z111_0, z111_1, 8,9,10,11,12,13,14,15,24,25,26,27,28,29,30,31);
    x = v128.xor(c0, w); lo = v128.and(x, m4); hi = i8x16.shr_u(x, 4);
    t0 = v128.xor(c1, v128.xor(swz(tl0, lo), swz(th0, hi)));
    t1 = v128.xor(c2, v128.xor(swz(tl1, lo), swz(th1, hi)));
    t2 = v128.xor(c3, v128.xor(swz(tl2, lo), swz(th2, hi)));
    c3 = v128.xor(swz(tl3, lo), swz(th3, hi));
    c0 = t0; c1 = t1; c2 = t2;
  }
  v128.store(LANES, c0);
  v128.store(LANES, c1, 16);
  v128.store(LANES, c2, 32);
  v128.store(LANES, c3, 48);
  let r: u32 = 0;
  for (let i: usize = 0; i < 16; i++) {
    const lane = <u32>load<u8>(LANES + i) | (<u32>load<u8>(LANES + 16 + i) << 8) |
      (<u32>load<u8>(LANES + 32 + i) << 16) | (<u32>load<u8>(LANES + 48 + i) << 24);
    r = i == 0 ? lane : shiftBy(shift, r) ^ lane;
  }
  return r;
}

/** Scalar slicing-by-8 over [p, p+len). */
function scalar(crc: u32, p: usize, len: usize): u32 {
  let c = crc;
  while (len >= 8) {
    const a = load<u32>(p) ^ c;
    const b = load<u32>(p, 4);
    c = tab(7, a & 0xff) ^ tab(6, (a >>> 8) & 0xff) ^ tab(5, (a >>> 16) & 0xff) ^ tab(4, a >>> 24) ^
      tab(3, b & 0xff) ^ tab(2, (b >>> 8) & 0xff) ^ tab(1, (b >>> 16) & 0xff) ^ tab(0, b >>> 24);
    p += 8;
    len -= 8;
  }
  while (len > 0) {
    c = (c >>> 8) ^ tab(0, (c ^ load<u8>(p)) & 0xff);
    p++;
    len--;
  }
  return c;
}

/** Advances a raw register (no inversions) over [p, p+len). */
export function crcUpdate(crc: u32, p: usize, len: usize): u32 {
  while (len >= 4096) {
    crc = superblock(crc, p, 256, SHIFT256);
    p += 4096;
    len -= 4096;
  }
  while (len >= 1024) {
    crc = superblock(crc, p, 64, SHIFT64);
    p += 1024;
    len -= 1024;
  }
  return scalar(crc, p, len);
}

/** CRC-32C of [p, p+len). */
export function crc32c(p: usize, len: usize): u32 {
  return ~crcUpdate(0xffffffff, p, len);
}

/** CRC-32C with the scalar loop only (for tests). */
export function crc32cScalar(p: usize, len: usize): u32 {
  return ~scalar(0xffffffff, p, len);
}
