/**
 * The Paranoid Pirate worker's reconnect backoff against a silent "queue" (a
 * ROUTER that never answers). The 6/PPP codec's vectors live with the codec:
 * src/protocol/ppp/vectors.ts, checked by src/protocol/ppp/codec_test.ts and,
 * against both core envelopes, by src/protocol/conformance_test.ts.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { RouterSocket, shutdown } from "../../mod.ts";
import { ParanoidPirateWorker } from "../../src/patterns/pirate/mod.ts";

/*
 *  worker ── READY ─► ROUTER (never answers)
 *  silence for liveness × interval → wait backoff → fresh socket → READY ...
 *  waits: 100, 200, 400, 400 ms (initial 100, max 400)
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
    assert(g >= silence + backoff[i] - 20, `gap ${i} = ${g} ms`);
    assert(g <= (silence + backoff[i]) * 4 + 500, `gap ${i} = ${g} ms`);
  });
  assertEquals(worker.stats.reconnects, 4);
});

Deno.test("teardown", async () => {
  await shutdown();
});
