/**
 * 6/PPP codec vectors, and the worker's reconnect backoff against a silent
 * "queue" (a ROUTER that never answers).
 */
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { RouterSocket, shutdown, silentLogger } from "../../mod.ts";
import {
  decodeQueueMessage,
  decodeWorkerMessage,
  encodeRequest,
  ParanoidPirateWorker,
  PPP_HEARTBEAT,
  PPP_READY,
  splitEnvelope,
} from "../../src/patterns/pirate/mod.ts";

const te = new TextEncoder();
const b = (...xs: (string | number[])[]) =>
  xs.map((x) => typeof x === "string" ? te.encode(x) : new Uint8Array(x));
const E: number[] = [];

Deno.test("decodeWorkerMessage() classifies the 6/PPP worker-side vectors", () => {
  const cases: [Uint8Array[], string][] = [
    [b([2]), "heartbeat"],
    [b([1]), "invalid"], // READY never goes queue -> worker
    [b([2, 2]), "invalid"],
    [b("HEARTBEAT"), "invalid"], // non-byte ports (e.g. Tcl) are not supported
    [[], "invalid"],
    [b("C1", E, "17"), "request"],
    [b("P", "C1", E, "a", "b"), "request"], // multi-hop address stack
    [b(E, "17"), "invalid"], // no address
    [b("C1", E), "invalid"], // no body
    [b("C1", "17"), "invalid"], // no delimiter
  ];
  for (const [frames, kind] of cases) {
    assertEquals(
      decodeWorkerMessage(frames).kind,
      kind,
      JSON.stringify(frames.map((f) => [...f])),
    );
  }
  const r = decodeWorkerMessage(b("P", "C1", E, "a", "b"));
  assert(r.kind === "request");
  assertEquals(r.envelope.length, 3);
  assertEquals(r.body.length, 2);
  assertThrows(() => decodeWorkerMessage("x" as never), TypeError);
  assertThrows(() => decodeWorkerMessage(["x"] as never), TypeError);
});

Deno.test("decodeQueueMessage() classifies the 6/PPP queue-side vectors", () => {
  const cases: [Uint8Array[], string][] = [
    [b("W", [1]), "ready"],
    [b("W", [2]), "heartbeat"],
    [b("W", [3]), "invalid"],
    [b("W", [1, 0]), "invalid"],
    [b("W"), "invalid"],
    [b("W", "C1", E, "x"), "reply"],
    [b("W", E, E, "x"), "invalid"], // empty client address
    [b("W", "C1", "x", "y"), "invalid"], // missing delimiter
    [b("W", "C1", E), "invalid"], // no body
  ];
  for (const [frames, kind] of cases) {
    assertEquals(decodeQueueMessage(frames).kind, kind);
  }
  assertEquals([...PPP_READY], [1]);
  assertEquals([...PPP_HEARTBEAT], [2]);
  assertEquals(encodeRequest(te.encode("W"), b("C", E, "x")).length, 4);
  assertThrows(() => encodeRequest("W" as never, []), TypeError);
  assertEquals(splitEnvelope(b("x")), null);
});

/*
 *  worker ── READY ─► ROUTER (never answers)
 *  silence for liveness × interval → wait backoff → fresh socket → READY ...
 *  waits: 100, 200, 400, 400 ms (initial 100, max 400), each less up to a
 *  half at random (the exact schedule is tested under the fake clock in
 *  worker_core_test.ts)
 */
Deno.test("ParanoidPirateWorker reconnects with exponential backoff and a fresh READY each time", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const HB = 50, LIVENESS = 2;
  const worker = await ParanoidPirateWorker.connect(endpoint, (r) => r, {
    heartbeatIntervalMs: HB,
    liveness: LIVENESS,
    reconnectInitialMs: 100,
    reconnectMaxMs: 400,
    logger: silentLogger,
  });
  const readyAt: number[] = [];
  while (readyAt.length < 5) {
    const m = await router.receive({ timeoutMs: 30000 });
    if (m.length === 2 && m[1].length === 1 && m[1][0] === 1) {
      readyAt.push(performance.now());
    }
  }
  await worker.close();
  router.close();
  const gaps = readyAt.slice(1).map((t, i) => t - readyAt[i]);
  // Each gap = silence (liveness × interval, plus up to one tick) + backoff.
  const silence = HB * LIVENESS;
  const backoff = [100, 200, 400, 400];
  gaps.forEach((g, i) => {
    assert(g >= silence + backoff[i] / 2 - 20, `gap ${i} = ${g} ms`);
    assert(g <= (silence + backoff[i]) * 4 + 500, `gap ${i} = ${g} ms`);
  });
  assertEquals(worker.stats.reconnects, 4);
});

Deno.test("teardown", async () => {
  await shutdown();
});
