/**
 * The 9/TSP codec against its conformance vectors and the spec data.
 */
import assert from "node:assert/strict";
import { ProtocolError } from "../../errors.ts";
import { input, isVectorError, plain } from "../_vector.ts";
import {
  decodeCloseResult,
  decodeReplyResult,
  decodeStoreRequest,
  decodeStoreResult,
  decodeUuidRequest,
  encodeStoreRequest,
  encodeTspReply,
  encodeUuidRequest,
  newUuid,
  normalizeUuid,
  TSP_STATUS_FRAME,
  TspMalformation,
  TspMessage,
  tspMessageOf,
  TspStatus,
  uuidFromBytes,
  uuidToBytes,
} from "./codec.ts";
import { TSP_VECTORS, type TspVector } from "./vectors.ts";

const td = new TextDecoder();

function decode(v: TspVector, arg = input(v) as Uint8Array[]) {
  switch (v.reader) {
    case "titanic-store":
      return decodeStoreRequest(arg);
    case "titanic-uuid":
      return decodeUuidRequest(arg);
    case "client-store":
      return decodeStoreResult(arg);
    case "client-reply":
      return decodeReplyResult(arg);
    case "client-close":
      return decodeCloseResult(arg);
  }
}

Deno.test("9/TSP decoders give every vector its expected result", () => {
  let valid = 0, invalid = 0;
  for (const v of TSP_VECTORS) {
    const got = decode(v);
    if (isVectorError(v.expect)) {
      assert.ok(got instanceof ProtocolError, `${v.name}: decoded`);
      assert.equal(got.code, v.expect.error, v.name);
      assert.equal(got.frame, v.expect.frame, v.name);
      assert.equal(got.protocol, "TSP", v.name);
      assert.equal(got.reason, TspMalformation[v.expect.error], v.name);
      invalid++;
    } else {
      assert.ok(!(got instanceof Error), `${v.name}: ${String(got)}`);
      assert.deepEqual(plain(got), plain(v.expect), v.name);
      valid++;
    }
  }
  assert.ok(valid >= 15 && invalid >= 20, `${valid} valid, ${invalid} invalid`);
});

Deno.test("9/TSP vectors cover every message, status and malformation the spec data list", () => {
  const readerOf: Record<string, TspVector["reader"][]> = {
    STORE_REQUEST: ["titanic-store"],
    STORE_REPLY: ["client-store"],
    REPLY_REQUEST: ["titanic-uuid"],
    REPLY_REPLY: ["client-reply"],
    CLOSE_REQUEST: ["titanic-uuid"],
    CLOSE_REPLY: ["client-close"],
  };
  for (const name of Object.keys(TspMessage)) {
    assert.ok(
      TSP_VECTORS.some((v) =>
        readerOf[name].includes(v.reader) && !isVectorError(v.expect)
      ),
      `no valid vector for ${name}`,
    );
  }
  for (const status of Object.values(TspStatus)) {
    assert.ok(
      TSP_VECTORS.some((v) =>
        !isVectorError(v.expect) && v.expect.status === status
      ),
      `no vector for status ${status}`,
    );
    assert.equal(td.decode(TSP_STATUS_FRAME[status]), status);
  }
  for (const code of Object.keys(TspMalformation)) {
    assert.ok(
      TSP_VECTORS.some((v) =>
        isVectorError(v.expect) && v.expect.error === code
      ),
      `no vector expects ${code}`,
    );
  }
  assert.equal(tspMessageOf("titanic.request", true), "STORE_REQUEST");
  assert.equal(tspMessageOf("titanic.reply", false), "REPLY_REPLY");
  assert.equal(tspMessageOf("echo", true), undefined);
});

Deno.test("9/TSP encoders reproduce the valid request vectors", () => {
  for (const v of TSP_VECTORS) {
    if (isVectorError(v.expect) || v.frames === undefined) continue;
    const frames = input(v) as Uint8Array[];
    if (v.reader === "titanic-store") {
      assert.deepEqual(
        encodeStoreRequest(frames[0], frames.slice(1)),
        frames,
        v.name,
      );
    } else if (v.reader === "titanic-uuid") {
      const uuid = td.decode(frames[0]);
      assert.deepEqual(encodeUuidRequest(uuid), frames, v.name);
    } else if (v.reader === "client-reply" && v.expect.status === "200") {
      assert.deepEqual(encodeTspReply("200", frames.slice(1)), frames, v.name);
    }
  }
});

Deno.test("9/TSP decoders never throw on hostile input and report well-formed errors", () => {
  const hostile: unknown[] = [
    undefined,
    null,
    "x",
    7,
    [undefined],
    [null, null],
    [{}],
    [new Uint8Array(1 << 16)],
  ];
  const decoders = [
    decodeStoreRequest,
    decodeUuidRequest,
    decodeStoreResult,
    decodeReplyResult,
    decodeCloseResult,
  ];
  for (const h of hostile) {
    for (const d of decoders) {
      const r = d(h as Uint8Array[]);
      if (r instanceof ProtocolError) assert.ok(r.code in TspMalformation);
    }
  }
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(Math.random() * 4);
    const frames = Array.from({ length: n }, () => {
      const len = Math.random() < 0.5 ? 32 : Math.floor(Math.random() * 40);
      const f = new Uint8Array(len);
      for (let j = 0; j < len; j++) f[j] = Math.floor(Math.random() * 256);
      return f;
    });
    for (const d of decoders) {
      const r = d(frames);
      if (r instanceof ProtocolError) {
        assert.ok(r.code in TspMalformation);
        assert.ok(r.frame >= -1 && r.frame < Math.max(1, n + 1));
      }
    }
    const u = decodeUuidRequest(frames);
    if (!(u instanceof ProtocolError)) {
      assert.ok(/^[0-9A-F]{32}$/.test(u.uuid));
      assert.equal(u.uuid, td.decode(frames[0]).toUpperCase());
    }
  }
});

Deno.test("9/TSP UUIDs: new ones are 32 upper-case hex, unique, and round-trip bytes", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newUuid();
    assert.ok(/^[0-9A-F]{32}$/.test(id));
    assert.equal(normalizeUuid(id), id);
    assert.equal(uuidFromBytes(uuidToBytes(id)), id);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
  assert.throws(() => uuidToBytes("../x"), RangeError);
  assert.equal(normalizeUuid("0".repeat(31) + "/"), null);
});

Deno.test("9/TSP encoders check their arguments", () => {
  assert.equal(
    encodeStoreRequest("echo", ["a", new Uint8Array([1])]).length,
    3,
  );
  assert.throws(() => encodeStoreRequest("", ["a"]), RangeError);
  assert.throws(() => encodeStoreRequest("echo", []), RangeError);
  assert.throws(() => encodeStoreRequest("x".repeat(256), ["a"]), RangeError);
  assert.throws(
    () => encodeStoreRequest(1 as unknown as string, ["a"]),
    TypeError,
  );
  assert.throws(
    () => encodeStoreRequest("echo", [2 as unknown as string]),
    TypeError,
  );
  assert.throws(() => encodeUuidRequest("../etc"), RangeError);
  assert.throws(
    () => encodeTspReply("200", [3 as unknown as string]),
    TypeError,
  );
  assert.equal(td.decode(encodeTspReply("300")[0]), "300");
});
