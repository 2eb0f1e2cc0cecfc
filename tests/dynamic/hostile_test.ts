/**
 * Hostile input to DynamicWorkerServer: 100,000 fuzzed messages on each
 * socket give a bounded number of log lines, and every bad one is counted
 * (stats and the log's own accounting); the well-formed requests among
 * them are answered. Messages over the size caps are refused and counted.
 *
 *   fuzz DEALER ──► ROUTER frontend ──► task (echo)
 *   fuzz DEALER ──► DEALER backend (junk "replies")
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  DealerSocket,
  DynamicWorkerServer,
  parseDynamicReply,
  shutdown,
} from "../../mod.ts";
import { splitEnvelope } from "../../src/protocol/ppp/codec.ts";
import { blast, randomMessage, RecordingLogger, rng } from "../pirate/_fuzz.ts";
import { LOCAL, until } from "../pirate/_helpers.ts";

const N = 100_000;

function lineBound(kinds: number, elapsedMs: number): number {
  return kinds * 6 * (1 + Math.ceil(elapsedMs / 10_000));
}

Deno.test("DynamicWorkerServer: 100,000 fuzzed messages on each socket give a bounded log, every one counted; valid requests answered", async () => {
  const log = new RecordingLogger();
  const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    worker: (req) => req,
    logger: log,
    maxQueued: N,
  });
  const front = new DealerSocket({ sendHighWaterMark: 0 });
  front.connect(server.frontendEndpoint);
  const back = new DealerSocket({ sendHighWaterMark: 0 });
  back.connect(server.backendEndpoint);
  const r = rng(11);
  const requests = Array.from({ length: N }, () => {
    const m = randomMessage(r);
    if (m[0].length === 0 && r() > 0.02) m[0] = new Uint8Array([0]);
    return m;
  });
  // (A DEALER's frames before a delimiter count as an address stack, so a
  // good quarter of these are well formed: about 26,000 jobs.)
  // Well formed: an address stack (the ROUTER adds one), a delimiter, a body.
  const address = new Uint8Array([1]);
  let valid = 0;
  for (const m of requests) if (splitEnvelope([address, ...m])) valid++;
  // Backend junk: every message is either malformed or for no job.
  const junk = Array.from({ length: N }, () => randomMessage(r));
  let invalidReplies = 0;
  for (const m of junk) if (m[0].length !== 8 || m.length < 3) invalidReplies++;
  let answered = 0;
  const draining = (async () => {
    while (answered < valid) {
      const m = await front.receive({ timeoutMs: 60_000 }).catch((e) => {
        let extra = 0;
        while (front.tryReceive() !== null) extra++;
        throw new Error(
          `tryReceive found ${extra} more; ` +
            `${answered} of ${valid} answered; ${JSON.stringify(server.stats)}`,
          { cause: e },
        );
      });
      const body = m.slice(m.findIndex((f) => f.length === 0) + 1);
      assertEquals(parseDynamicReply(body).status, "200");
      answered++;
    }
  })();
  const t0 = performance.now();
  await Promise.all([blast(front, requests), blast(back, junk)]);
  await draining;
  await until(
    () =>
      server.stats.invalid === N - valid &&
      server.stats.invalidReplies + server.stats.staleReplies === N,
    120_000,
  );
  const elapsed = performance.now() - t0;
  front.close();
  back.close();
  await server.close();
  const s = server.stats;
  assertEquals([s.requests, s.replies], [valid, valid]);
  assertEquals(s.invalid, N - valid);
  assertEquals([s.invalidReplies, s.staleReplies], [
    invalidReplies,
    N - invalidReplies,
  ]);
  assertEquals(
    log.accounted("malformed request dropped", "frontend:invalid"),
    N - valid,
  );
  assertEquals(
    log.accounted("malformed backend message dropped", "backend:invalid"),
    invalidReplies,
  );
  assert(
    log.warnings.length <= lineBound(2, elapsed),
    `${log.warnings.length} log lines in ${Math.round(elapsed)} ms`,
  );
});

Deno.test("DynamicWorkerServer refuses requests over its caps, counts them, and goes on serving", async () => {
  const log = new RecordingLogger();
  const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    worker: (req) => req,
    logger: log,
    maxFrameBytes: 64 * 1024,
    maxMessageBytes: 256 * 1024,
  });
  const c = new DealerSocket();
  c.connect(server.frontendEndpoint);
  await c.send(["", new Uint8Array(100 * 1024)]); // over the frame cap: read, refused
  await c.send(["", "after"]); // same connection, so read after it
  const m = await c.receive({ timeoutMs: 30_000 });
  assertEquals(new TextDecoder().decode(m[2]), "after");
  assertEquals(server.stats.oversize, 1);
  assertEquals(server.stats.requests, 1);
  c.close();
  await server.close();
  assertEquals(
    log.accounted("request over the size caps refused", "frontend:oversize"),
    1,
  );
});

Deno.test("teardown", async () => {
  await shutdown();
});
