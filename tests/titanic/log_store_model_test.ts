// Model-based test of the log store: random concurrent operations (store,
// attempt, reply, park, close, compaction), with tiny segments so that
// rolls and compactions happen all the time, and a restart (clean, or a
// process kill) every few batches. After each batch every request's state
// and bytes must equal a plain in-memory model.
import { assertEquals } from "../helpers/assert.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { newUuid } from "../../src/protocol/tsp/codec.ts";
import { LogStore } from "../../src/patterns/titanic/store/log_store.ts";
import { FaultyFs, seeded } from "./_faulty_fs.ts";

const te = new TextEncoder();
const td = new TextDecoder();

interface Model {
  body: string;
  reply?: string;
  attempts: number;
  parked?: string;
}

Deno.test("log store model: random operations, compactions and restarts match a map", async () => {
  let ops = 0, compactions = 0, restarts = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const rand = seeded(seed);
    const fs = new FaultyFs();
    const options = () => ({
      logger: silentLogger,
      maxSegmentBytes: 4096,
      compactRatio: 0.3 + rand() * 0.6,
      fileLayer: fs.process(),
    });
    let store = await LogStore.open("/m", options());
    const model = new Map<string, Model>();
    const closed = new Set<string>();
    const pick = () => {
      const keys = [...model.keys()];
      return keys[Math.floor(rand() * keys.length)];
    };
    for (let batch = 0; batch < 40; batch++) {
      const work: Promise<unknown>[] = [];
      const touched = new Set<string>();
      for (let i = 0; i < 12; i++) {
        ops++;
        const r = rand();
        if (r < 0.35 || model.size === 0) {
          const u = newUuid();
          const body = `b${seed}-${batch}-${i}-` +
            "x".repeat(Math.floor(rand() * 300));
          touched.add(u);
          model.set(u, { body, attempts: 0 });
          work.push(store.putRequest(u, `svc${i % 3}`, [te.encode(body)]));
          continue;
        }
        const u = pick();
        if (touched.has(u)) continue; // one operation per request per batch
        touched.add(u);
        const m = model.get(u)!;
        const live = m.reply === undefined && m.parked === undefined;
        if (r < 0.55) {
          const reply = `r-${u}-${rand()}`;
          if (live) m.reply = reply;
          work.push(
            store.putReply(u, [te.encode(reply)]).then((ok) =>
              assertEquals(ok, live)
            ),
          );
        } else if (r < 0.7) {
          if (live) m.attempts++;
          const want = live ? m.attempts : -1;
          work.push(store.recordAttempt(u).then((n) => assertEquals(n, want)));
        } else if (r < 0.75) {
          if (live) m.parked = `poison ${u}`;
          work.push(
            store.park(u, `poison ${u}`).then((ok) => assertEquals(ok, live)),
          );
        } else {
          model.delete(u);
          closed.add(u);
          work.push(store.remove(u));
        }
      }
      if (rand() < 0.3) {
        compactions++;
        work.push(store.compact());
      }
      await Promise.all(work);
      if (rand() < 0.15) {
        restarts++;
        if (rand() < 0.5) await store.close();
        else fs.crash();
        store = await LogStore.open("/m", options());
      }
      // Compare everything.
      let pending = 0, replied = 0, parked = 0;
      for (const [u, m] of model) {
        const st = await store.lookup(u);
        if (m.reply !== undefined) {
          replied++;
          assertEquals(st?.state, "replied", `seed ${seed} batch ${batch}`);
          assertEquals(td.decode((await store.readReply(u))![0]), m.reply);
        } else if (m.parked !== undefined) {
          parked++;
          assertEquals(st, {
            state: "parked",
            service: st!.service,
            attempts: m.attempts,
            reason: m.parked,
          });
        } else {
          pending++;
          const req = await store.readRequest(u);
          assertEquals(td.decode(req!.body[0]), m.body);
          assertEquals(req!.attempts, m.attempts);
        }
      }
      for (const u of closed) assertEquals(await store.lookup(u), undefined);
      assertEquals(
        [store.stats.pending, store.stats.replied, store.stats.parked],
        [pending, replied, parked],
        `seed ${seed} batch ${batch}`,
      );
      assertEquals(
        (await store.pending()).map((p) => p.uuid).sort(),
        [...model].filter(([, m]) =>
          m.reply === undefined && m.parked === undefined
        )
          .map(([u]) => u).sort(),
      );
    }
    await store.close();
  }
  console.log(
    `${ops} operations, ${compactions} explicit compactions, ${restarts} restarts`,
  );
});
