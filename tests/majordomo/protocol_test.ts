// The correlation frame of the asynchronous Majordomo client. The 7/MDP and
// 8/MMI codecs' tests and vectors live with the codecs: src/protocol/mdp/
// and src/protocol/mmi/ (vectors.ts, codec_test.ts), and
// src/protocol/conformance_test.ts holds both core envelopes to the same
// vectors.
import {
  correlationFrame,
  readCorrelationId,
} from "../../src/patterns/majordomo/mod.ts";
import { assertEquals, assertThrows } from "../helpers/assert.ts";
import { te } from "./_helpers.ts";

Deno.test("correlationFrame() and readCorrelationId() round-trip every id", () => {
  for (const id of [0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
    assertEquals(readCorrelationId(correlationFrame(id)), id);
  }
  assertEquals(correlationFrame(1).length, 12);
  assertEquals(readCorrelationId(te.encode("hello world!")), -1);
  assertThrows(() => correlationFrame(-1), RangeError);
  assertThrows(() => correlationFrame(1.5), RangeError);
});
