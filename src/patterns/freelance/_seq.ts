/**
 * Sequence numbers as control frames: decimal ASCII, from 1, as the guide's
 * clients write them (a C server echoes them unchanged). Private.
 *
 * @module
 */

/**
 * The control frame of sequence number `n`.
 * @param n A positive safe integer.
 * @returns Its decimal ASCII bytes.
 */
export function encodeSeq(n: number): Uint8Array {
  const s = String(n);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The sequence number a control frame holds.
 * @param f The frame.
 * @returns The number, or -1 when the frame is not 1 to 15 decimal digits
 * without a leading zero (so `"PONG"`, `""` and `"007"` are not numbers).
 */
export function parseSeq(f: Uint8Array | undefined): number {
  if (f === undefined) return -1;
  const n = f.length;
  if (n === 0 || n > 15 || (f[0] === 0x30 && n > 1)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = f[i] - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
