/**
 * The Binary Star state codec against its conformance vectors and the spec
 * data.
 */
import assert from "node:assert/strict";
import { ProtocolError } from "../../errors.ts";
import { input, isVectorError } from "../_vector.ts";
import {
  BstarMalformation,
  BstarState,
  decodeStateMessage,
  encodeStateMessage,
} from "./codec.ts";
import { BSTAR_VECTORS } from "./vectors.ts";

Deno.test("Binary Star decoder gives every vector its expected result", () => {
  let valid = 0, invalid = 0;
  for (const v of BSTAR_VECTORS) {
    const got = decodeStateMessage(input(v));
    if (isVectorError(v.expect)) {
      assert.ok(got instanceof ProtocolError, `${v.name}: decoded ${got}`);
      assert.equal(got.code, v.expect.error, v.name);
      assert.equal(got.frame, v.expect.frame, v.name);
      assert.equal(got.protocol, "BSTAR", v.name);
      assert.equal(got.reason, BstarMalformation[v.expect.error], v.name);
      invalid++;
    } else {
      assert.equal(got, v.expect.state, v.name);
      valid++;
    }
  }
  assert.equal(valid, 4);
  assert.ok(invalid >= 10, `${invalid} invalid`);
  const names = new Set(BSTAR_VECTORS.map((v) => v.name));
  assert.equal(names.size, BSTAR_VECTORS.length, "vector names are unique");
});

Deno.test("Binary Star encoder: every state round-trips, the bytes are the guide's digits", () => {
  for (const [name, n] of Object.entries(BstarState)) {
    const frames = encodeStateMessage(n);
    assert.equal(frames.length, 1, name);
    assert.deepEqual([...frames[0]], [0x30 + n], name);
    assert.equal(decodeStateMessage([frames[0].slice()]), n, name);
  }
  for (const bad of [0, 5, 1.5, NaN, -1]) {
    assert.throws(
      () => encodeStateMessage(bad as BstarState),
      RangeError,
      String(bad),
    );
  }
  // Every malformation class has a vector.
  const covered = new Set(
    BSTAR_VECTORS.flatMap((v) =>
      isVectorError(v.expect) ? [v.expect.error] : []
    ),
  );
  assert.deepEqual([...covered].sort(), Object.keys(BstarMalformation).sort());
});
