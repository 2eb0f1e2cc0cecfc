// Acknowledged means durable: a workload of concurrent stores, replies and
// closes on the log store over the fault-injecting file layer, a power cut
// at a random operation (unsynced bytes lost, or a random prefix of them
// kept: a torn write), then a restart. Every acknowledged write must be
// there and every acknowledged close must stay closed. The same test run
// against two deliberately broken variants (syncing off; a sync that
// acknowledges before the data is durable) must find losses.
import { assert, assertEquals } from "../helpers/assert.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { newUuid } from "../../src/protocol/tsp/codec.ts";
import { LogStore } from "../../src/patterns/titanic/store/log_store.ts";
import { FaultyFs, seeded } from "./_faulty_fs.ts";

const te = new TextEncoder();
const td = new TextDecoder();

type Variant = "correct" | "sync off" | "ack before sync";

interface Outcome {
  acked: number;
  lost: number;
  resurrected: number;
  failed: number;
  tailCut: number;
}

async function trial(
  seed: number,
  variant: Variant,
  torn: boolean,
): Promise<Outcome> {
  const rand = seeded(seed);
  const fs = new FaultyFs();
  fs.random = rand;
  fs.tornWrites = torn;
  fs.earlyAck = variant === "ack before sync";
  const options = {
    fileLayer: fs.process(),
    sync: variant !== "sync off",
    logger: silentLogger,
    maxSegmentBytes: 8192,
  };
  const store = await LogStore.open("/titanic", options);
  // Acknowledged facts.
  const requests = new Map<string, string>();
  const replies = new Map<string, string>();
  const closed = new Set<string>();
  let failed = 0;
  fs.cutAfterOps = 30 + Math.floor(rand() * 400);
  const client = async (c: number) => {
    for (let i = 0;; i++) {
      const u = newUuid();
      const body = `c${c}-${i}-${u}`;
      try {
        await store.putRequest(u, "echo", [te.encode(body)]);
        requests.set(u, body);
        const r = rand();
        if (r < 0.5) {
          if (await store.putReply(u, [te.encode(`re:${body}`)])) {
            replies.set(u, `re:${body}`);
          }
          if (rand() < 0.5) {
            await store.remove(u);
            closed.add(u);
          }
        } else if (r < 0.6) {
          await store.recordAttempt(u);
        }
      } catch {
        failed++;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
  assert(fs.cuts === 1, "the power cut happened");
  const again = await LogStore.open("/titanic", {
    ...options,
    fileLayer: fs.process(),
  });
  let lost = 0, resurrected = 0;
  try {
    for (const [u, body] of requests) {
      const state = await again.lookup(u);
      if (closed.has(u)) {
        if (state !== undefined) resurrected++;
        continue;
      }
      if (state === undefined) {
        lost++;
        continue;
      }
      if (replies.has(u)) {
        const r = await again.readReply(u);
        if (r === undefined || td.decode(r[0]) !== replies.get(u)) lost++;
      } else if (state.state === "pending") {
        const r = await again.readRequest(u);
        if (r === undefined || td.decode(r.body[0]) !== body) lost++;
      }
    }
    return {
      acked: requests.size + replies.size + closed.size,
      lost,
      resurrected,
      failed,
      tailCut: again.stats.tailBytesCut,
    };
  } finally {
    await again.close();
  }
}

async function campaign(variant: Variant, seeds: number) {
  const total = {
    acked: 0,
    lost: 0,
    resurrected: 0,
    failed: 0,
    tailCut: 0,
    trials: 0,
  };
  for (let seed = 1; seed <= seeds; seed++) {
    for (const torn of [false, true]) {
      const o = await trial(seed * 7919 + (torn ? 1 : 0), variant, torn);
      total.trials++;
      total.acked += o.acked;
      total.lost += o.lost;
      total.resurrected += o.resurrected;
      total.failed += o.failed;
      if (o.tailCut > 0) total.tailCut++;
    }
  }
  return total;
}

Deno.test("power cut: every acknowledged write survives (log store, 60 random cuts)", async () => {
  const t = await campaign("correct", 30);
  console.log(`correct: ${JSON.stringify(t)}`);
  assert(
    t.acked > 1000,
    `enough acknowledged writes to mean something: ${t.acked}`,
  );
  assertEquals(t.failed, 16 * t.trials, "every client saw the cut");
  assert(t.tailCut > 0, "some trials cut a torn tail");
  assertEquals(t.lost, 0);
  assertEquals(t.resurrected, 0);
});

Deno.test("power cut: a store that acknowledges with syncing off loses acknowledged writes", async () => {
  const t = await campaign("sync off", 10);
  console.log(`sync off: ${JSON.stringify(t)}`);
  assert(t.acked > 100);
  assert(t.lost > 0, "the broken variant must fail the test");
});

Deno.test("power cut: a store that acknowledges before its sync completes loses acknowledged writes", async () => {
  const t = await campaign("ack before sync", 10);
  console.log(`ack before sync: ${JSON.stringify(t)}`);
  assert(t.acked > 100);
  assert(t.lost + t.resurrected > 0, "the broken variant must fail the test");
});
