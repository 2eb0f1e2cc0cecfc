import {
  assert,
  assertEquals,
  assertThrows,
} from "../../../tests/helpers/assert.ts";
import { ProtocolError } from "../../errors.ts";
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
  tspErrorCode,
  uuidFromBytes,
  uuidToBytes,
} from "./codec.ts";
import { TSP_VECTORS, type TspVector, vectorFrames } from "./vectors.ts";

const td = new TextDecoder();

function decode(v: TspVector) {
  const frames = vectorFrames(v.frames);
  switch (v.decoder) {
    case "storeRequest":
      return decodeStoreRequest(frames);
    case "uuidRequest":
      return decodeUuidRequest(frames);
    case "storeResult":
      return decodeStoreResult(frames);
    case "replyResult":
      return decodeReplyResult(frames);
    case "closeResult":
      return decodeCloseResult(frames);
  }
}

for (const v of TSP_VECTORS) {
  Deno.test(`TSP vector: ${v.name}`, () => {
    const r = decode(v);
    if (!v.expect.ok) {
      assert(
        r instanceof ProtocolError,
        `expected an error, got ${JSON.stringify(r)}`,
      );
      assertEquals(r.protocol, "TSP");
      assertEquals(tspErrorCode(r), v.expect.code);
      assertEquals(r.frame, v.expect.frame);
      return;
    }
    assert(!(r instanceof ProtocolError), `unexpected error ${String(r)}`);
    const e = v.expect;
    const got = r as Record<string, unknown>;
    if (e.status !== undefined) assertEquals(got.status, e.status);
    if (e.service !== undefined) assertEquals(got.service, e.service);
    if (e.uuid !== undefined) assertEquals(got.uuid, e.uuid);
    if (e.text !== undefined) assertEquals(got.text, e.text);
    if (e.bodyFrames !== undefined) {
      assertEquals((got.body as Uint8Array[]).length, e.bodyFrames);
    }
  });
}

Deno.test("TSP decoders never throw on hostile input", () => {
  const hostile: unknown[] = [
    undefined,
    null,
    "x",
    [undefined],
    [null, null],
    [new Uint8Array(0)],
    [{}],
    [new Uint8Array(1 << 16)],
  ];
  for (const h of hostile) {
    for (
      const d of [
        decodeStoreRequest,
        decodeUuidRequest,
        decodeStoreResult,
        decodeReplyResult,
        decodeCloseResult,
      ]
    ) {
      const r = d(h as Uint8Array[]);
      assert(r instanceof ProtocolError || typeof r === "object");
    }
  }
  // Random frames: never a throw, and a UUID only when it is 32 hex chars.
  for (let i = 0; i < 2000; i++) {
    const n = Math.floor(Math.random() * 4);
    const frames = Array.from({ length: n }, () => {
      const len = Math.random() < 0.5 ? 32 : Math.floor(Math.random() * 40);
      return crypto.getRandomValues(new Uint8Array(len));
    });
    const r = decodeUuidRequest(frames);
    if (!(r instanceof ProtocolError)) {
      assert(/^[0-9A-F]{32}$/.test(r.uuid));
      assertEquals(r.uuid, td.decode(frames[0]).toUpperCase());
    }
    decodeStoreRequest(frames);
    decodeReplyResult(frames);
  }
});

Deno.test("UUIDs: new ones are 32 upper-case hex, unique, and round-trip bytes", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newUuid();
    assert(/^[0-9A-F]{32}$/.test(id));
    assertEquals(normalizeUuid(id), id);
    assertEquals(uuidFromBytes(uuidToBytes(id)), id);
    seen.add(id);
  }
  assertEquals(seen.size, 1000);
  assertThrows(() => uuidToBytes("../x"), RangeError);
  assertEquals(normalizeUuid("0".repeat(31) + "/"), null);
});

Deno.test("TSP encoders check their arguments", () => {
  assertEquals(
    encodeStoreRequest("echo", ["a", new Uint8Array([1])]).length,
    3,
  );
  assertThrows(() => encodeStoreRequest("", ["a"]), RangeError);
  assertThrows(() => encodeStoreRequest("echo", []), RangeError);
  assertThrows(() => encodeStoreRequest("x".repeat(256), ["a"]), RangeError);
  assertThrows(
    () => encodeStoreRequest(1 as unknown as string, ["a"]),
    TypeError,
  );
  assertThrows(
    () => encodeStoreRequest("echo", [2 as unknown as string]),
    TypeError,
  );
  assertThrows(() => encodeUuidRequest("../etc"), RangeError);
  assertEquals(td.decode(encodeTspReply("300")[0]), "300");
  const r = encodeTspReply("200", ["a", "b"]);
  assertEquals(r.map((f) => td.decode(f)), ["200", "a", "b"]);
});
