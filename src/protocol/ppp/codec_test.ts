/**
 * The 6/PPP codec against its conformance vectors, the vectors against the
 * spec data, and hostile input.
 */
import assert from "node:assert/strict";
import { ProtocolError } from "../../errors.ts";
import { bytes, input, isVectorError, plain } from "../_vector.ts";
import {
  decodeQueueMessage,
  decodeWorkerMessage,
  encodeRequest,
  PPP_HEARTBEAT,
  PPP_READY,
  PppCommand,
  PppMalformation,
  PppMessage,
  splitEnvelope,
} from "./codec.ts";
import { PPP_VECTORS, type PppReader } from "./vectors.ts";

const DECODE = {
  queue: decodeQueueMessage,
  worker: decodeWorkerMessage,
} as const;

Deno.test("6/PPP decoders give every vector its expected result", () => {
  const seen: Record<string, number> = {};
  for (const v of PPP_VECTORS) {
    const arg = input(v) as Uint8Array[];
    const got = DECODE[v.reader](arg);
    const kind = isVectorError(v.expect) ? "invalid" : "valid";
    seen[`${v.reader} ${kind}`] = (seen[`${v.reader} ${kind}`] ?? 0) + 1;
    if (isVectorError(v.expect)) {
      assert.ok(got instanceof ProtocolError, `${v.name}: decoded`);
      assert.equal(got.code, v.expect.error, v.name);
      assert.equal(got.frame, v.expect.frame, v.name);
      assert.equal(got.protocol, "PPP", v.name);
      assert.equal(got.reason, PppMalformation[v.expect.error], v.name);
    } else {
      assert.ok(!(got instanceof Error), `${v.name}: ${String(got)}`);
      assert.deepEqual(
        plain(got, ["worker", "reply"]),
        plain(v.expect),
        v.name,
      );
      if ("worker" in got) assert.equal(got.worker, arg[0], v.name);
      if (got.type === "reply") {
        // What the frontend forwards: the address, "" and the body.
        assert.deepEqual(got.reply, arg.slice(1), v.name);
      }
    }
  }
  for (const r of ["queue", "worker"]) {
    assert.ok(seen[`${r} valid`] >= 3, `${r} valid: ${seen[`${r} valid`]}`);
    assert.ok(seen[`${r} invalid`] >= 8, `${r} bad: ${seen[`${r} invalid`]}`);
  }
});

/** Who receives a message from this sender. */
const receiver = (from: string): PppReader =>
  from === "worker" ? "queue" : "worker";

Deno.test("6/PPP vectors cover every message, direction and malformation the spec data list", () => {
  for (const [name, m] of Object.entries(PppMessage)) {
    for (const from of m.from) {
      const reader = receiver(from);
      const type = name.toLowerCase() === "request" && reader === "queue"
        ? "reply"
        : name.toLowerCase();
      const hits = PPP_VECTORS.filter((v) =>
        v.reader === reader && !isVectorError(v.expect) &&
        v.expect.type === type
      );
      assert.ok(hits.length > 0, `no valid vector for ${name} from ${from}`);
      for (const v of hits) {
        const wire = (v.frames ?? []).map(bytes).slice(
          reader === "queue" ? 1 : 0,
        );
        if (m.command !== null) {
          // A command: one frame holding the spec's octet.
          assert.equal(wire.length, m.frames.length, v.name);
          assert.deepEqual([...wire[0]], [PppCommand[m.command]], v.name);
        } else {
          assert.ok(wire.length >= m.frames.length, v.name);
        }
      }
    }
  }
  for (const code of Object.keys(PppMalformation)) {
    assert.ok(
      PPP_VECTORS.some((v) =>
        isVectorError(v.expect) && v.expect.error === code
      ),
      `no vector expects ${code}`,
    );
  }
});

Deno.test("6/PPP frames, encodeRequest() and splitEnvelope()", () => {
  assert.deepEqual([...PPP_READY], [PppCommand.READY]);
  assert.deepEqual([...PPP_HEARTBEAT], [PppCommand.HEARTBEAT]);
  const te = new TextEncoder();
  const req = [te.encode("C"), new Uint8Array(0), te.encode("x")];
  const out = encodeRequest(te.encode("W"), req);
  assert.equal(out.length, 4);
  const back = decodeQueueMessage(out);
  assert.ok(!(back instanceof Error) && back.type === "reply");
  assert.throws(() => encodeRequest("W" as never, []), TypeError);
  assert.throws(() => encodeRequest(te.encode("W"), ["x"] as never), TypeError);
  assert.equal(splitEnvelope([te.encode("x")]), null);
  assert.deepEqual(splitEnvelope(req), {
    envelope: req.slice(0, 2),
    body: req.slice(2),
  });
  assert.throws(
    () => splitEnvelope("x" as never),
    /splitEnvelope\(\): frames must be an array of Uint8Array/,
  );
});

Deno.test("6/PPP decoders never throw on random input and report well-formed errors", () => {
  let seed = 777;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const pieces = [
    () => new Uint8Array(0),
    () => new Uint8Array([1 + ((rnd() * 3) | 0)]),
    () => crypto.getRandomValues(new Uint8Array((rnd() * 300) | 0)),
  ];
  let valid = 0;
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rnd() * 6);
    const f = Array.from({ length: n }, () => pieces[(rnd() * 3) | 0]());
    for (const decode of Object.values(DECODE)) {
      const r = decode(f);
      if (r instanceof ProtocolError) {
        assert.ok(r.code in PppMalformation, r.code);
        assert.ok(r.frame >= -1 && r.frame < n, `frame ${r.frame} of ${n}`);
      } else valid++;
    }
  }
  assert.ok(valid > 100, `valid decodes: ${valid}`);
});
