/**
 * The 7/MDP codec against its conformance vectors, the vectors against the
 * spec data, encoders against decoders, and hostile input.
 */
import assert from "node:assert/strict";
import { ProtocolError } from "../../errors.ts";
import { bytes, input, isVectorError, plain } from "../_vector.ts";
import {
  decodeBrokerInbound,
  decodeClientReply,
  decodeWorkerInbound,
  encodeBrokerReply,
  encodeBrokerRequest,
  encodeClientRequest,
  encodeReady,
  encodeWorkerReply,
  encodeWorkerSignal,
  MdpHeader,
  MdpLimits,
  MdpMalformation,
  MdpMessage,
  type MdpMessageName,
  MdpWorkerCommand,
} from "./codec.ts";
import { MDP_VECTORS, type MdpReader, type MdpVector } from "./vectors.ts";

const DECODE = {
  broker: decodeBrokerInbound,
  worker: decodeWorkerInbound,
  client: decodeClientReply,
} as const;

const frames = (v: MdpVector) => (v.frames ?? []).map(bytes);

Deno.test("7/MDP decoders give every vector its expected result", () => {
  const seen: Record<string, number> = {};
  for (const v of MDP_VECTORS) {
    const arg = input(v) as Uint8Array[];
    const got = DECODE[v.reader](arg);
    const kind = isVectorError(v.expect) ? "invalid" : "valid";
    seen[`${v.reader} ${kind}`] = (seen[`${v.reader} ${kind}`] ?? 0) + 1;
    if (isVectorError(v.expect)) {
      assert.ok(got instanceof ProtocolError, `${v.name}: decoded`);
      assert.equal(got.code, v.expect.error, v.name);
      assert.equal(got.frame, v.expect.frame, v.name);
      assert.equal(got.reason, MdpMalformation[v.expect.error], v.name);
    } else {
      assert.ok(!(got instanceof Error), `${v.name}: ${String(got)}`);
      assert.deepEqual(plain(got, ["sender"]), plain(v.expect), v.name);
      if ("sender" in got) assert.equal(got.sender, arg[0]);
    }
  }
  // Every reader has valid and malformed vectors.
  for (const r of ["broker", "worker", "client"]) {
    assert.ok(seen[`${r} valid`] >= 3, `${r} valid: ${seen[`${r} valid`]}`);
    assert.ok(seen[`${r} invalid`] >= 8, `${r} bad: ${seen[`${r} invalid`]}`);
  }
  assert.equal(
    Object.values(seen).reduce((a, b) => a + b),
    MDP_VECTORS.length,
  );
});

/** Who receives a message with this header from this sender. */
function receiver(header: "CLIENT" | "WORKER", from: string): MdpReader {
  if (from !== "broker") return "broker";
  return header === "CLIENT" ? "client" : "worker";
}

const TYPE: Record<MdpMessageName, string> = {
  CLIENT_REQUEST: "client-request",
  CLIENT_REPLY: "reply",
  READY: "ready",
  REQUEST: "request",
  REPLY: "reply",
  HEARTBEAT: "heartbeat",
  DISCONNECT: "disconnect",
};

Deno.test("7/MDP vectors cover every message, direction and malformation the spec data list", () => {
  const te = new TextEncoder();
  for (const [name, m] of Object.entries(MdpMessage)) {
    for (const from of m.from) {
      const reader = receiver(m.header, from);
      const hits = MDP_VECTORS.filter((v) =>
        v.reader === reader && !isVectorError(v.expect) &&
        v.expect.type === TYPE[name as MdpMessageName]
      );
      assert.ok(hits.length > 0, `no valid vector for ${name} from ${from}`);
      for (const v of hits) {
        // The vector's wire frames fit the layout, byte for byte where the
        // layout fixes them: this ties the spec's constants to the vectors'
        // independently written bytes.
        const wire = reader === "broker" ? frames(v).slice(1) : frames(v);
        const layout = m.frames as readonly string[];
        const open = layout.at(-1) === "body+";
        assert.ok(
          open ? wire.length >= layout.length : wire.length === layout.length,
          `${v.name}: ${wire.length} frames for ${layout.join(" ")}`,
        );
        layout.forEach((f, i) => {
          if (f === "empty") assert.equal(wire[i].length, 0, v.name);
          if (f === "header") {
            assert.deepEqual(wire[i], te.encode(MdpHeader[m.header]), v.name);
          }
          if (f === "command" && m.command !== null) {
            assert.deepEqual(
              [...wire[i]],
              [MdpWorkerCommand[m.command]],
              v.name,
            );
          }
        });
      }
    }
  }
  for (const code of Object.keys(MdpMalformation)) {
    assert.ok(
      MDP_VECTORS.some((v) =>
        isVectorError(v.expect) && v.expect.error === code
      ),
      `no vector expects ${code}`,
    );
  }
});

/** Re-encodes a decoded valid vector with the encoders. */
function encode(v: MdpVector): Uint8Array[] {
  const f = frames(v);
  const m = DECODE[v.reader](f);
  assert.ok(!(m instanceof Error));
  const id = f[0];
  switch (m.type) {
    case "client-request":
      return [id, ...encodeClientRequest(m.service, m.body)];
    case "ready":
      return [id, ...encodeReady(m.service)];
    case "request":
      return v.reader === "broker"
        ? encodeBrokerRequest(id, m.address, m.body)
        : encodeBrokerRequest(new Uint8Array(1), m.address, m.body).slice(1);
    case "reply":
      return "address" in m
        ? [id, ...encodeWorkerReply(m.address, m.body)]
        : encodeBrokerReply(new Uint8Array(1), m.service, m.body).slice(1);
    case "heartbeat":
    case "disconnect": {
      const c = m.type === "heartbeat"
        ? MdpWorkerCommand.HEARTBEAT
        : MdpWorkerCommand.DISCONNECT;
      const w = encodeWorkerSignal(c);
      return v.reader === "broker" ? [id, ...w] : w;
    }
  }
}

Deno.test("7/MDP encoders reproduce every valid vector's frames", () => {
  let n = 0;
  for (const v of MDP_VECTORS) {
    if (isVectorError(v.expect)) continue;
    const service = v.expect.service;
    if (service !== undefined) {
      if (bytes(service).length > MdpLimits.SERVICE_MAX_BYTES) {
        // Decoders accept any length; encoders write at most 255 bytes.
        assert.throws(() => encode(v), RangeError, v.name);
        continue;
      }
    }
    assert.deepEqual(
      encode(v).map((f) => [...f]),
      frames(v).map((f) => [...f]),
    );
    n++;
  }
  assert.ok(n >= 15, `round trips: ${n}`);
});

Deno.test("7/MDP encoders check their arguments with typed errors", () => {
  assert.throws(() => encodeClientRequest("", ["x"]), RangeError);
  assert.throws(() => encodeClientRequest("echo", []), RangeError);
  assert.throws(() => encodeClientRequest("x".repeat(256), ["x"]), RangeError);
  assert.throws(() => encodeClientRequest(1 as never, ["x"]), TypeError);
  assert.throws(() => encodeClientRequest("echo", [1 as never]), TypeError);
  assert.throws(() => encodeClientRequest("echo", "x" as never), TypeError);
  assert.throws(() => encodeWorkerReply(new Uint8Array(0), ["x"]), RangeError);
  assert.throws(() => encodeWorkerReply("C" as never, ["x"]), TypeError);
  assert.throws(() => encodeWorkerSignal(2 as never), RangeError);
  assert.throws(
    () => encodeReady(7 as never),
    /encodeReady\(\): service must be a string or Uint8Array, got number 7/,
  );
});

Deno.test("7/MDP decoders never throw on random input and report well-formed errors", () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const te = new TextEncoder();
  const pieces = [
    () => new Uint8Array(0),
    () => te.encode(rnd() < 0.5 ? "MDPC01" : "MDPW01"),
    () => new Uint8Array([Math.floor(rnd() * 8)]),
    () => crypto.getRandomValues(new Uint8Array(Math.floor(rnd() * 20))),
  ];
  let valid = 0;
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rnd() * 9);
    const f = Array.from({ length: n }, () => pieces[(rnd() * 4) | 0]());
    for (const decode of Object.values(DECODE)) {
      const r = decode(f);
      if (r instanceof ProtocolError) {
        assert.ok(r.code in MdpMalformation, r.code);
        assert.ok(r.frame >= -1 && r.frame < n, `frame ${r.frame} of ${n}`);
      } else valid++;
    }
  }
  assert.ok(valid > 100, `valid decodes: ${valid}`);
});
