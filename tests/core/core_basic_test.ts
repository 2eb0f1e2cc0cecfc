import {
  deepStrictEqual as assertEquals,
  throws as assertThrows,
} from "node:assert/strict";
import assert from "node:assert/strict";
import {
  CorruptRecordError,
  EnvelopeError,
  MessageKind,
} from "../../src/core/mod.ts";
import { cores, EMPTY, te } from "./_impls.ts";

for (const c of cores()) {
  Deno.test(`[${c.impl}] FrameCodec CRC-32C check value`, () => {
    const codec = c.createFrameCodec();
    assertEquals(codec.crc32c(te("123456789")), 0xe3069283);
    assertEquals(codec.crc32c(EMPTY), 0);
  });

  Deno.test(`[${c.impl}] FrameCodec round trip and recordLength`, () => {
    const codec = c.createFrameCodec();
    const frames = [
      te("id"),
      EMPTY,
      te("MDPC01"),
      new Uint8Array(5000).fill(7),
    ];
    const rec = codec.encode(frames);
    assertEquals(rec.length, 20 + 16 + 2 + 6 + 5000);
    assertEquals(codec.recordLength(rec.subarray(0, 16)), rec.length);
    assertEquals(codec.recordLength(rec.subarray(0, 15)), -1);
    const back = codec.decode(rec);
    assertEquals(
      back.map((f) => Array.from(f)),
      frames.map((f) => Array.from(f)),
    );
    const bad = rec.slice();
    bad[40] ^= 1;
    assertThrows(() => codec.decode(bad), CorruptRecordError);
    assertThrows(
      () => codec.decode(rec.subarray(0, rec.length - 1)),
      CorruptRecordError,
    );
  });

  Deno.test(`[${c.impl}] WorkerQueue LRU and expiry`, () => {
    const q = c.createWorkerQueue();
    q.push(1, 0, 100);
    q.push(2, 0, 200);
    q.push(3, 1, 150);
    assertEquals(q.size(), 3);
    assertEquals(q.size(0), 2);
    q.push(1, 0, 300); // move to the back
    assertEquals(q.pop(0), 2);
    assertEquals(q.touch(3, 50), true);
    assertEquals(q.expire(10).length, 0);
    assertEquals(q.expire(1000), [3, 1]);
    assertEquals(q.pop(0), -1);
    assertEquals(q.size(), 0);
    assertThrows(() => q.push(-1, 0, 0), RangeError);
    assertThrows(() => q.push(1, 0, NaN), RangeError);
  });

  Deno.test(`[${c.impl}] Envelope classifies MDP and PPP`, () => {
    const env = c.createEnvelope();
    env.load([te("C1"), EMPTY, te("MDPC01"), te("echo"), te("hi")]);
    assertEquals(env.classifyMdp(), MessageKind.MDP_CLIENT);
    assertEquals([env.serviceFrame, env.bodyFrame], [3, 4]);
    const s = env.intern(3);
    const id = env.intern(0);
    assert.notEqual(s, id);
    assertEquals(new TextDecoder().decode(env.bytesOf(s)), "echo");
    assertEquals(env.find(3), s);
    env.load([
      te("W1"),
      EMPTY,
      te("MDPW01"),
      new Uint8Array([3]),
      te("C1"),
      EMPTY,
      te("ok"),
    ]);
    assertEquals(env.classifyMdp(), MessageKind.MDP_WORKER);
    assertEquals([env.command, env.addressFrame, env.bodyFrame], [3, 4, 6]);
    const out = env.build(env.find(4), [EMPTY, te("MDPC01"), te("echo")], 6);
    assertEquals(out.length, 5);
    assertEquals(new TextDecoder().decode(out[4]), "ok");
    env.load([te("W1"), EMPTY, te("MDPW01"), new Uint8Array([9])]);
    assertEquals(env.classifyMdp(), MessageKind.INVALID);
    assertEquals(env.errorCode, EnvelopeError.BAD_COMMAND);
    assertEquals(env.toError().protocol, "MDPW01");
    env.load([te("W1"), new Uint8Array([2])]);
    assertEquals(env.classifyPpp(), MessageKind.PPP_HEARTBEAT);
    assertEquals(env.release(s), true);
    assertEquals(env.release(s), false);
    assertEquals(env.internBytes(te("other")), s);
  });
}
