/**
 * CRC-32C (Castagnoli) in plain TypeScript, slicing-by-16 (the fastest of
 * slicing-by-4/8/16 under V8 here). Private.
 *
 * @module
 */

const POLY = 0x82f63b78;

/** Sixteen 256-entry tables: `TABLES[k * 256 + x]` is byte `x` followed by `k` zero bytes. */
const TABLES: Int32Array = (() => {
  const t = new Int32Array(16 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < 16; k++) {
    for (let n = 0; n < 256; n++) {
      const p = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (p >>> 8) ^ t[p & 0xff];
    }
  }
  return t;
})();

/**
 * Advances a raw CRC-32C register (no pre/post inversion) over `b[start..end)`.
 *
 * @param crc The register.
 * @param b The bytes.
 * @param start First index.
 * @param end One past the last index.
 * @returns The new register (a signed 32-bit integer).
 */
export function crc32cUpdate(
  crc: number,
  b: Uint8Array,
  start: number,
  end: number,
): number {
  const t = TABLES;
  let c = crc | 0;
  let i = start;
  while (end - i >= 16) {
    c ^= b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
    c = t[3840 + (c & 0xff)] ^ t[3584 + ((c >>> 8) & 0xff)] ^
      t[3328 + ((c >>> 16) & 0xff)] ^ t[3072 + (c >>> 24)] ^
      t[2816 + b[i + 4]] ^ t[2560 + b[i + 5]] ^ t[2304 + b[i + 6]] ^
      t[2048 + b[i + 7]] ^ t[1792 + b[i + 8]] ^ t[1536 + b[i + 9]] ^
      t[1280 + b[i + 10]] ^ t[1024 + b[i + 11]] ^ t[768 + b[i + 12]] ^
      t[512 + b[i + 13]] ^ t[256 + b[i + 14]] ^ t[b[i + 15]];
    i += 16;
  }
  while (i < end) c = (c >>> 8) ^ t[(c ^ b[i++]) & 0xff];
  return c;
}

/**
 * CRC-32C of `b[start..end)`.
 *
 * @param b The bytes.
 * @param start First index.
 * @param end One past the last index.
 * @returns The checksum as an unsigned 32-bit integer.
 */
export function crc32c(b: Uint8Array, start = 0, end = b.length): number {
  return ~crc32cUpdate(-1, b, start, end) >>> 0;
}
