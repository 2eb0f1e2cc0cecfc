// Unit tests of the 7/MDP and 8/MMI codecs against the spec's frame tables
// (PROTOCOLS.md §5.2, §5.3, §6) and hostile input.
import {
  correlationFrame,
  decodeBrokerInbound,
  decodeClientReply,
  decodeWorkerInbound,
  encodeBrokerReply,
  encodeBrokerRequest,
  encodeClientRequest,
  encodeReady,
  encodeWorkerReply,
  encodeWorkerSignal,
  isMmiService,
  MdpWorkerCommand,
  parseMmiStatus,
  ProtocolError,
  readCorrelationId,
} from "../../mod.ts";
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { b, show, te } from "./_helpers.ts";

Deno.test("7/MDP encoders produce the spec's frames", () => {
  assertEquals(show(encodeClientRequest("echo", ["a", "b"])), [
    "",
    "MDPC01",
    "echo",
    "a",
    "b",
  ]);
  assertEquals(show(encodeReady("echo")), ["", "MDPW01", "0x01", "echo"]);
  assertEquals(show(encodeWorkerReply(te.encode("C1"), ["r"])), [
    "",
    "MDPW01",
    "0x03",
    "C1",
    "",
    "r",
  ]);
  assertEquals(show(encodeWorkerSignal(MdpWorkerCommand.HEARTBEAT)), [
    "",
    "MDPW01",
    "0x04",
  ]);
  assertEquals(show(encodeWorkerSignal(MdpWorkerCommand.DISCONNECT)), [
    "",
    "MDPW01",
    "0x05",
  ]);
  assertEquals(
    show(encodeBrokerRequest(te.encode("W"), te.encode("C"), ["x"])),
    ["W", "", "MDPW01", "0x02", "C", "", "x"],
  );
  assertEquals(show(encodeBrokerReply(te.encode("C"), "echo", ["x"])), [
    "C",
    "",
    "MDPC01",
    "echo",
    "x",
  ]);
  // PROTOCOLS.md §5.3 hex: READY for echo is 01 00 | 01 06 4D 44 50 57 30 31 | 01 01 01 | 00 04 65 63 68 6F
  const ready = encodeReady("echo");
  assertEquals([...ready[1]], [0x4d, 0x44, 0x50, 0x57, 0x30, 0x31]);
  assertEquals([...ready[2]], [0x01]);
  assertEquals([...ready[3]], [0x65, 0x63, 0x68, 0x6f]);
});

Deno.test("7/MDP encoders validate their arguments", () => {
  assertThrows(() => encodeClientRequest("", ["x"]), RangeError);
  assertThrows(() => encodeClientRequest("echo", []), RangeError);
  assertThrows(() => encodeClientRequest("x".repeat(256), ["x"]), RangeError);
  // deno-lint-ignore no-explicit-any
  assertThrows(() => encodeClientRequest(1 as any, ["x"]), TypeError);
  // deno-lint-ignore no-explicit-any
  assertThrows(() => encodeClientRequest("echo", [1 as any]), TypeError);
  // deno-lint-ignore no-explicit-any
  assertThrows(() => encodeClientRequest("echo", "x" as any), TypeError);
  assertThrows(() => encodeWorkerReply(new Uint8Array(0), ["x"]), RangeError);
  // deno-lint-ignore no-explicit-any
  assertThrows(() => encodeWorkerSignal(2 as any), RangeError);
});

Deno.test("7/MDP decoders accept valid messages and type every error", () => {
  const r = decodeClientReply([
    b(),
    te.encode("MDPC01"),
    te.encode("echo"),
    te.encode("a"),
    te.encode("b"),
  ]);
  assert(!(r instanceof Error));
  assertEquals(r.service, "echo");
  assertEquals(r.body.length, 2);
  for (
    const bad of [
      [],
      [b(), te.encode("MDPC01"), te.encode("echo")],
      [b(1), te.encode("MDPC01"), te.encode("echo"), b()],
      [b(), te.encode("MDPW01"), te.encode("echo"), b()],
      [b(), te.encode("MDPC01"), b(), b()],
    ]
  ) assert(decodeClientReply(bad) instanceof ProtocolError);
  // deno-lint-ignore no-explicit-any
  assert(decodeClientReply("junk" as any) instanceof ProtocolError);

  assertEquals(decodeWorkerInbound(encodeWorkerSignal(4)), {
    type: "heartbeat",
  });
  assertEquals(decodeWorkerInbound(encodeWorkerSignal(5)), {
    type: "disconnect",
  });
  const req = decodeWorkerInbound([
    b(),
    te.encode("MDPW01"),
    b(2),
    te.encode("C"),
    b(),
    te.encode("x"),
  ]);
  assert(!(req instanceof Error) && req.type === "request");
  for (
    const bad of [
      [b(), te.encode("MDPW01"), b(2), te.encode("C"), b()], // no body
      [b(), te.encode("MDPW01"), b(2), te.encode("C"), b(1), te.encode("x")], // no delimiter
      [b(), te.encode("MDPW01"), b(2), b(), b(), te.encode("x")], // empty address
      [b(), te.encode("MDPW01"), b(4), b()], // heartbeat + extra
      [b(), te.encode("MDPW01"), b(1), te.encode("echo")], // READY from broker
      [b(), te.encode("MDPW01"), b(3), te.encode("C"), b(), te.encode("x")], // REPLY from broker
      [b(), te.encode("MDPW01"), b(9)],
      [b(), te.encode("MDPW01"), b(4, 4)],
      [b(), te.encode("MDPW02"), b(4)],
      [b(0), te.encode("MDPW01"), b(4)],
    ]
  ) {
    assert(
      decodeWorkerInbound(bad) instanceof ProtocolError,
      show(bad).join("|"),
    );
  }

  const id = te.encode("W");
  assertEquals(
    decodeBrokerInbound([id, ...encodeReady("echo")]).constructor,
    Object,
  );
  for (
    const [frames, type] of [
      [[id, ...encodeClientRequest("echo", ["x"])], "client-request"],
      [[id, ...encodeReady("echo")], "ready"],
      [[id, ...encodeWorkerReply(te.encode("C"), ["x"])], "reply"],
      [[id, ...encodeWorkerSignal(4)], "heartbeat"],
      [[id, ...encodeWorkerSignal(5)], "disconnect"],
    ] as const
  ) {
    const m = decodeBrokerInbound(frames as readonly Uint8Array[]);
    assert(!(m instanceof Error));
    assertEquals(m.type, type);
  }
  for (
    const bad of [
      [id],
      [id, b(1), te.encode("MDPC01"), te.encode("s"), b()],
      [id, b(), te.encode("MDPC01"), te.encode("s")],
      [id, b(), te.encode("MDPW01"), b(1), te.encode("s"), b()],
      [id, b(), te.encode("MDPW01"), b(1), b()],
      [id, b(), te.encode("MDPW01"), b(6)],
      [id, b(), te.encode("XXXX01"), b(4)],
    ]
  ) assert(decodeBrokerInbound(bad) instanceof ProtocolError);
});

Deno.test("decoders never throw on random input", () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 20000; i++) {
    const n = Math.floor(rnd() * 9);
    const frames = Array.from({ length: n }, () => {
      const pick = rnd();
      if (pick < 0.2) return b();
      if (pick < 0.4) return te.encode(rnd() < 0.5 ? "MDPC01" : "MDPW01");
      if (pick < 0.6) return b(Math.floor(rnd() * 8));
      return crypto.getRandomValues(new Uint8Array(Math.floor(rnd() * 20)));
    });
    decodeClientReply(frames);
    decodeWorkerInbound(frames);
    decodeBrokerInbound(frames);
    parseMmiStatus(frames);
  }
});

Deno.test("8/MMI helpers and the correlation frame", () => {
  assert(isMmiService("mmi.service"));
  assert(isMmiService(te.encode("mmi.x")));
  assert(!isMmiService("mmi"));
  assert(!isMmiService("echo"));
  assertEquals(parseMmiStatus([te.encode("200")]), "200");
  assertEquals(parseMmiStatus([te.encode("404 not found")]), "404");
  assertEquals(parseMmiStatus([te.encode("20")]), null);
  assertEquals(parseMmiStatus([]), null);
  for (const id of [0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
    assertEquals(readCorrelationId(correlationFrame(id)), id);
  }
  assertEquals(correlationFrame(1).length, 12);
  assertEquals(readCorrelationId(te.encode("hello world!")), -1);
  assertThrows(() => correlationFrame(-1), RangeError);
  assertThrows(() => correlationFrame(1.5), RangeError);
});
