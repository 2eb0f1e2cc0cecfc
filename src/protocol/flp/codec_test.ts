/**
 * The 10/FLP codec against its conformance vectors, the vectors against the
 * spec data, encoders against decoders, and random input.
 */
import assert from "node:assert/strict";
import { ProtocolError } from "../../errors.ts";
import { bytes, input, isVectorError, plain } from "../_vector.ts";
import {
  decodeClientInbound,
  decodeServerInbound,
  encodePing,
  encodePong,
  encodeReply,
  encodeRequest,
  FLP_PING,
  FLP_PONG,
  FlpCommand,
  FlpMalformation,
  FlpMessage,
} from "./codec.ts";
import { FLP_VECTORS, type FlpReader } from "./vectors.ts";

const DECODE = {
  server: decodeServerInbound,
  client: decodeClientInbound,
} as const;
const te = new TextEncoder();

Deno.test("10/FLP decoders give every vector its expected result", () => {
  const seen: Record<string, number> = {};
  for (const v of FLP_VECTORS) {
    const arg = input(v) as Uint8Array[];
    const got = DECODE[v.reader](arg);
    const kind = isVectorError(v.expect) ? "invalid" : "valid";
    seen[`${v.reader} ${kind}`] = (seen[`${v.reader} ${kind}`] ?? 0) + 1;
    if (isVectorError(v.expect)) {
      assert.ok(got instanceof ProtocolError, `${v.name}: decoded`);
      assert.equal(got.code, v.expect.error, v.name);
      assert.equal(got.frame, v.expect.frame, v.name);
      assert.equal(got.protocol, "FLP", v.name);
      assert.equal(got.reason, FlpMalformation[v.expect.error], v.name);
    } else {
      assert.ok(!(got instanceof Error), `${v.name}: ${String(got)}`);
      assert.deepEqual(plain(got, ["sender"]), plain(v.expect), v.name);
      assert.equal(got.sender, arg[0], v.name);
    }
  }
  for (const r of ["server", "client"]) {
    assert.ok(seen[`${r} valid`] >= 2, `${r} valid: ${seen[`${r} valid`]}`);
    assert.ok(seen[`${r} invalid`] >= 5, `${r} bad: ${seen[`${r} invalid`]}`);
  }
});

const receiver = (from: string): FlpReader =>
  from === "client" ? "server" : "client";

Deno.test("10/FLP vectors cover every message, direction and malformation the spec data list", () => {
  for (const [name, m] of Object.entries(FlpMessage)) {
    for (const from of m.from) {
      const reader = receiver(from);
      const hits = FLP_VECTORS.filter((v) =>
        v.reader === reader && !isVectorError(v.expect) &&
        v.expect.type === name.toLowerCase()
      );
      assert.ok(hits.length > 0, `no valid vector for ${name} from ${from}`);
      for (const v of hits) {
        const wire = (v.frames ?? []).map(bytes).slice(1);
        if (m.command !== null) {
          assert.equal(wire.length, m.frames.length, v.name);
          assert.deepEqual(wire[0], te.encode(FlpCommand[m.command]), v.name);
        } else assert.ok(wire.length >= m.frames.length, v.name);
      }
    }
  }
  for (const code of Object.keys(FlpMalformation)) {
    assert.ok(
      FLP_VECTORS.some((v) =>
        isVectorError(v.expect) && v.expect.error === code
      ),
      `no vector expects ${code}`,
    );
  }
});

Deno.test("10/FLP encoders reproduce every valid vector and check their arguments", () => {
  for (const v of FLP_VECTORS) {
    if (isVectorError(v.expect) || !v.frames) continue;
    const f = v.frames.map(bytes);
    const e = v.expect;
    const out = e.type === "ping"
      ? encodePing(f[0])
      : e.type === "pong"
      ? encodePong(f[0])
      : e.type === "request"
      ? encodeRequest(f[0], f[1], f.slice(2))
      : encodeReply(f[0], f[1], f.slice(2));
    assert.deepEqual(out, f, v.name);
  }
  assert.deepEqual(FLP_PING, te.encode("PING"));
  assert.deepEqual(FLP_PONG, te.encode("PONG"));
  assert.throws(() => encodePing(""), RangeError);
  assert.throws(() => encodePing(3 as never), /encodePing\(\): identity/);
  assert.throws(() => encodeRequest("s", "1", []), RangeError);
  assert.throws(() => encodeRequest("s", "1", "x" as never), TypeError);
  assert.throws(() => encodeReply("c", "x".repeat(256), ["a"]), RangeError);
  assert.throws(() => encodeReply("c", "1", [1 as never]), TypeError);
});

Deno.test("10/FLP decoders never throw on random input and report well-formed errors", () => {
  let seed = 1010;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pieces = [
    () => new Uint8Array(0),
    () => (rnd() < 0.5 ? FLP_PING : FLP_PONG).slice(),
    () => crypto.getRandomValues(new Uint8Array((rnd() * 300) | 0)),
  ];
  let valid = 0;
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rnd() * 5);
    const f = Array.from({ length: n }, () => pieces[(rnd() * 3) | 0]());
    for (const decode of Object.values(DECODE)) {
      const r = decode(f);
      if (r instanceof ProtocolError) {
        assert.ok(r.code in FlpMalformation, r.code);
        assert.ok(r.frame >= -1 && r.frame < n, `frame ${r.frame} of ${n}`);
      } else valid++;
    }
  }
  assert.ok(valid > 100, `valid decodes: ${valid}`);
});
