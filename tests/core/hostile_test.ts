/**
 * Hostile and extreme inputs: every implementation must answer with a typed
 * error (never a trap, never a wrong message) or handle the extreme size.
 */
import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import {
  CorruptRecordError,
  EnvelopeError,
  type FrameCodec,
  MessageKind,
  RecordLimits,
} from "../../src/core/mod.ts";
import { cores, EMPTY, te } from "./_impls.ts";

/** A record built by hand, with a correct header CRC. */
function craft(
  codec: FrameCodec,
  n: number,
  body: number,
  lengths: number[],
  tail: number,
): Uint8Array {
  const b = new Uint8Array(16 + 4 * lengths.length + tail);
  const dv = new DataView(b.buffer);
  b.set([0x52, 0x5a, 0x4d, 1]);
  dv.setUint32(4, n >>> 0, true);
  dv.setUint32(8, body >>> 0, true);
  dv.setUint32(12, codec.crc32c(b.subarray(0, 12)), true);
  lengths.forEach((l, i) => dv.setUint32(16 + 4 * i, l >>> 0, true));
  return b;
}

function rejects(codec: FrameCodec, rec: Uint8Array, reason: RegExp): void {
  assertThrows(
    () => codec.decode(rec),
    (e: unknown) =>
      e instanceof CorruptRecordError && e.protocol === "record" &&
      reason.test(e.reason),
  );
}

for (const c of cores()) {
  const codec = c.createFrameCodec();
  const sample = codec.encode([
    te("client"),
    EMPTY,
    te("MDPC01"),
    te("echo"),
    te("body"),
  ]);

  Deno.test(`[${c.impl}] FrameCodec rejects every truncation`, () => {
    for (let n = 0; n < sample.length; n++) {
      rejects(codec, sample.subarray(0, n), /truncated/);
    }
  });

  Deno.test(`[${c.impl}] FrameCodec rejects every single flipped bit`, () => {
    for (let bit = 0; bit < sample.length * 8; bit++) {
      const b = sample.slice();
      b[bit >> 3] ^= 1 << (bit & 7);
      assertThrows(() => codec.decode(b), CorruptRecordError);
    }
  });

  Deno.test(`[${c.impl}] FrameCodec rejects lengths near 2^32`, () => {
    // Frame count near 2^32.
    rejects(codec, craft(codec, 0xffffffff, 0, [], 4), /more than \d+ frames/);
    // Body size near 2^32.
    rejects(codec, craft(codec, 1, 0xfffffff0, [0], 4), /more than \d+ bytes/);
    // Two lengths that wrap to the declared body size modulo 2^32.
    rejects(codec, craft(codec, 2, 0, [0xffffffff, 1], 4), /do not add up/);
    rejects(
      codec,
      craft(codec, 2, 0xfffffffe, [0xffffffff, 0xffffffff], 4),
      /more than/,
    );
    // recordLength trusts nothing either.
    assertThrows(
      () => codec.recordLength(craft(codec, 0xffffffff, 5, [], 0)),
      CorruptRecordError,
    );
    // A declared length over the limit is refused before anything is copied.
    assertEquals(RecordLimits.MAX_RECORD_BYTES, 268_435_456);
  });

  Deno.test(`[${c.impl}] FrameCodec: zero frames, 10,000 frames`, () => {
    const zero = codec.encode([]);
    assertEquals(zero.length, RecordLimits.MIN_RECORD_BYTES);
    assertEquals(codec.decode(zero), []);
    const many = Array.from(
      { length: 10_000 },
      (_, i) => new Uint8Array(i % 7).fill(i & 255),
    );
    const rec = codec.encode(many);
    assertEquals(codec.recordLength(rec), rec.length);
    const back = codec.decode(rec);
    assertEquals(back.length, 10_000);
    for (let i = 0; i < many.length; i++) assertEquals(back[i], many[i]);
    const bad = rec.slice();
    bad[rec.length - 100] ^= 0x80;
    rejects(codec, bad, /CRC-32C mismatch/);
  });

  Deno.test(`[${c.impl}] FrameCodec: a 16 MiB frame`, () => {
    const big = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4093) big[i] = i & 255;
    const rec = codec.encode([te("id"), big]);
    const back = codec.decode(rec);
    assertEquals(back[1].length, big.length);
    assert(back[1].every((v, i) => v === big[i]));
    const bad = rec.slice();
    bad[8 * 1024 * 1024] ^= 4;
    rejects(codec, bad, /CRC-32C mismatch/);
    rejects(codec, rec.subarray(0, rec.length - 1), /truncated/);
  });

  Deno.test(`[${c.impl}] FrameCodec.crc32c of 40 MiB (fed in chunks)`, () => {
    const big = new Uint8Array(40 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 997) big[i] = i & 255;
    assertEquals(codec.crc32c(big), cores()[0].createFrameCodec().crc32c(big));
  });

  Deno.test(`[${c.impl}] FrameCodec rejects non-bytes with TypeError`, () => {
    assertThrows(() => codec.decode("x" as unknown as Uint8Array), TypeError);
    assertThrows(() => codec.encode([1] as unknown as Uint8Array[]), TypeError);
    assertThrows(
      () => codec.encode("ab" as unknown as Uint8Array[]),
      TypeError,
    );
  });

  Deno.test(`[${c.impl}] Envelope: zero frames, 10,000 frames, a 16 MiB frame`, () => {
    const env = c.createEnvelope();
    env.load([]);
    assertEquals(env.classifyMdp(), MessageKind.INVALID);
    assertEquals(env.errorCode, EnvelopeError.TOO_FEW_FRAMES);
    assertEquals(env.classifyPpp(), MessageKind.INVALID);
    const many = Array.from({ length: 10_000 }, () => te("f"));
    many[1] = EMPTY;
    many[2] = te("MDPC01");
    env.load(many);
    assertEquals(env.classifyMdp(), MessageKind.MDP_CLIENT);
    assertEquals(env.frameCount, 10_000);
    assertEquals(env.frame(9_999), te("f"));
    const big = new Uint8Array(16 * 1024 * 1024).fill(3);
    env.load([
      te("W"),
      EMPTY,
      te("MDPW01"),
      new Uint8Array([3]),
      te("C"),
      EMPTY,
      big,
    ]);
    assertEquals(env.classifyMdp(), MessageKind.MDP_WORKER);
    assertEquals(env.frameLength(6), big.length);
    assertEquals(env.frame(6)[123456], 3);
    // Views were taken again after the memory grew.
    assertEquals(env.frame(4), te("C"));
    const h = env.intern(4);
    assertEquals(env.bytesOf(h), te("C"));
  });

  Deno.test(`[${c.impl}] Envelope.load() of its own views survives growth`, () => {
    const env = c.createEnvelope();
    env.load([
      te("W1"),
      EMPTY,
      te("MDPW01"),
      new Uint8Array([3]),
      te("C1"),
      EMPTY,
      te("ok"),
    ]);
    const h = env.intern(0);
    const big = new Uint8Array(1 << 20).fill(9);
    // The identity is a view of the envelope; the message needs more memory.
    env.load(
      env.build(
        h,
        [EMPTY, te("MDPW01"), new Uint8Array([3]), te("C1"), EMPTY],
        6,
      ).concat([big]),
    );
    assertEquals(env.frame(0), te("W1"));
    assertEquals(env.frame(6), te("ok"));
    assertEquals(env.frameLength(7), big.length);
    assertEquals(env.classifyMdp(), MessageKind.MDP_WORKER);
    // A long key interned from the envelope's own view (the scratch grows).
    env.load([new Uint8Array(5000).fill(1)]);
    const k = env.intern(0);
    const again = env.internBytes(env.frame(0));
    assertEquals(again, k);
    assertEquals(env.findBytes(env.bytesOf(k)), k);
  });

  Deno.test(`[${c.impl}] Envelope rejects bad arguments`, () => {
    const env = c.createEnvelope();
    env.load([te("a")]);
    assertThrows(() => env.frame(1), RangeError);
    assertThrows(() => env.frame(-1), RangeError);
    assertThrows(() => env.intern(0.5), RangeError);
    assertThrows(() => env.prepare(-1, 1), RangeError);
    assertThrows(() => env.prepare(2 ** 31, 1), RangeError);
    assertThrows(() => env.bytesOf(12345), RangeError);
    assertThrows(() => env.build(te("x"), [], 2), RangeError);
    assertEquals(env.release(99), false);
    const h = env.intern(0);
    assertEquals(env.release(h + 0.5), false);
    assertEquals(env.release(String(h) as unknown as number), false);
    assertEquals(env.release(h), true);
  });
}
