// The dispatcher's decisions under a fake clock, with a fake broker and the
// log store in memory: no sockets, no sleeping. Bounded attempts and
// parking, the retry schedule, services without workers, brokers without
// MMI, attempt counts that survive a restart, the per-service window.
import { assert, assertEquals } from "../helpers/assert.ts";
import { setImmediate } from "node:timers";
import { FakeClock } from "../../src/_util/clock.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { EventHub } from "../../src/patterns/_kit/events.ts";
import { newUuid } from "../../src/protocol/tsp/codec.ts";
import { LogStore } from "../../src/patterns/titanic/store/log_store.ts";
import {
  Dispatcher,
  type DispatchSettings,
} from "../../src/patterns/titanic/_dispatcher.ts";
import type {
  ClientPort,
  ServiceProbe,
} from "../../src/patterns/titanic/_mdp.ts";
import type { TitanicEvent } from "../../src/patterns/titanic/events.ts";
import { FaultyFs } from "./_faulty_fs.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** Lets promise callbacks and store writes run (event-loop turns, not time). */
async function settle(turns = 30) {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** A broker and its workers, as the dispatcher sees them. */
class FakeBroker {
  sends: { at: number; service: string; body: string }[] = [];
  probes: { at: number; service: string }[] = [];
  /** What mmi.service says per service (default present). */
  probe: Record<string, ServiceProbe> = {};
  /** How a service answers: "ok", "fail" (times out) or a delay in ms. */
  behaviour: Record<string, "ok" | "fail" | number> = {};
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly clock: FakeClock) {}
  port(): ClientPort {
    return {
      request: (service, body, timeoutMs) => {
        this.sends.push({
          at: this.clock.now(),
          service,
          body: td.decode(body[0]),
        });
        const b = this.behaviour[service] ?? "ok";
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        return new Promise((resolve, reject) => {
          const end = (fn: () => void) => () => {
            this.inFlight--;
            fn();
          };
          if (b === "ok") end(() => resolve([te.encode("re"), ...body]))();
          else if (b === "fail") {
            this.clock.setTimeout(
              end(() => reject(new Error("no reply"))),
              timeoutMs,
            );
          } else {this.clock.setTimeout(
              end(() => resolve([te.encode("re"), ...body])),
              b,
            );}
        });
      },
      probe: (service) => {
        this.probes.push({ at: this.clock.now(), service });
        return Promise.resolve(this.probe[service] ?? "present");
      },
      close: () => Promise.resolve(),
    };
  }
}

const SETTINGS: DispatchSettings = {
  concurrency: 8,
  attemptTimeoutMs: 1000,
  maxAttempts: 4,
  retryInitialMs: 100,
  retryMaxMs: 400,
  serviceCheckMs: 1000,
};

async function setup(
  fs = new FaultyFs(),
  settings: Partial<DispatchSettings> = {},
) {
  const clock = new FakeClock();
  const broker = new FakeBroker(clock);
  const store = await LogStore.open("/d", {
    fileLayer: fs.process(),
    sync: false,
    logger: silentLogger,
  });
  const events: TitanicEvent[] = [];
  const s = { ...SETTINGS, ...settings };
  const d = new Dispatcher(
    store,
    Array.from({ length: s.concurrency }, () => broker.port()),
    broker.port(),
    s,
    clock,
    silentLogger,
    new EventHub<TitanicEvent>(silentLogger, (e) => events.push(e)),
  );
  const put = async (service: string, body: string) => {
    const u = newUuid();
    await store.putRequest(u, service, [te.encode(body)]);
    d.add(u, service);
    return u;
  };
  return { clock, broker, store, d, events, put, fs };
}

Deno.test("dispatcher: a failing request is sent exactly maxAttempts times on the backoff schedule, then parked", async () => {
  const t = await setup();
  t.broker.behaviour.svc = "fail";
  const u = await t.put("svc", "poison");
  await settle();
  for (let i = 0; i < 20; i++) {
    await t.clock.tick(250);
    await settle();
  }
  const sends = t.broker.sends.map((s) => s.at);
  assertEquals(sends.length, 4);
  // After a failure (1000 ms after the send) the next send waits the
  // backoff (100, 200, 400 ms, less up to 20% jitter) plus a probe.
  const backoff = [100, 200, 400];
  for (let i = 1; i < sends.length; i++) {
    const gap = sends[i] - (sends[i - 1] + 1000);
    assert(
      gap >= backoff[i - 1] * 0.8 - 1 && gap <= backoff[i - 1] + 250,
      `gap ${i}: ${gap}`,
    );
  }
  const st = await t.store.lookup(u);
  assertEquals(st?.state, "parked");
  assertEquals(st?.attempts, 4);
  assert(st?.state === "parked" && st.reason.includes("4 attempt"));
  assertEquals(t.events.filter((e) => e.type === "dispatch:failed").length, 3);
  assertEquals(t.events.filter((e) => e.type === "dispatch:parked").length, 1);
  await t.clock.tick(60_000);
  await settle();
  assertEquals(t.broker.sends.length, 4, "never sent again");
  await t.d.close();
  await t.store.close();
});

Deno.test("dispatcher: a service without workers is asked every serviceCheckMs and nothing is counted", async () => {
  const t = await setup();
  t.broker.probe.late = "absent";
  const u = await t.put("late", "hello");
  await settle();
  for (let i = 0; i < 50; i++) {
    await t.clock.tick(100);
    await settle(5);
  }
  assertEquals(t.broker.sends.length, 0);
  const probes = t.broker.probes.filter((p) => p.service === "late").map((p) =>
    p.at
  );
  assert(probes.length >= 5 && probes.length <= 6, `probes at ${probes}`);
  for (let i = 1; i < probes.length; i++) {
    assertEquals(probes[i] - probes[i - 1], 1000);
  }
  assertEquals((await t.store.lookup(u))?.attempts, 0);
  assertEquals(t.d.stats.absentServices, 1);
  t.broker.probe.late = "present";
  await t.clock.tick(1000);
  await settle();
  assertEquals(t.broker.sends.length, 1);
  assertEquals((await t.store.lookup(u))?.state, "replied");
  assertEquals(td.decode((await t.store.readReply(u))![1]), "hello");
  assertEquals(
    t.events.filter((e) => e.type.startsWith("service:")).map((e) => e.type),
    ["service:absent", "service:present"],
  );
  await t.d.close();
  await t.store.close();
});

Deno.test("dispatcher: a broker without MMI (501) is dispatched to directly", async () => {
  const t = await setup();
  t.broker.probe.svc = "no-mmi";
  const u = await t.put("svc", "x");
  await settle();
  assertEquals(t.broker.sends.length, 1);
  assertEquals((await t.store.lookup(u))?.state, "replied");
  await t.d.close();
  await t.store.close();
});

Deno.test("dispatcher: attempts are counted durably, so a restart does not reset the bound", async () => {
  const fs = new FaultyFs();
  let t = await setup(fs);
  t.broker.behaviour.svc = "fail";
  const u = await t.put("svc", "poison");
  await settle();
  await t.clock.tick(1000); // first attempt fails
  await settle();
  await t.clock.tick(1200); // second attempt sent and failed
  await settle();
  assertEquals(t.broker.sends.length, 2);
  await t.d.close();
  fs.crash(); // Titanic killed
  t = await setup(fs);
  t.broker.behaviour.svc = "fail";
  for (const p of await t.store.pending()) t.d.add(p.uuid, p.service);
  await settle();
  for (let i = 0; i < 20; i++) {
    await t.clock.tick(500);
    await settle();
  }
  assertEquals(t.broker.sends.length, 2, "only the two attempts left");
  assertEquals((await t.store.lookup(u))?.state, "parked");
  assertEquals((await t.store.lookup(u))?.attempts, 4);
  await t.d.close();
  await t.store.close();
});

Deno.test("dispatcher: a request closed while queued is not sent; in flight grows per service with replies", async () => {
  const t = await setup(new FaultyFs(), { concurrency: 8 });
  t.broker.behaviour.slow = 100;
  const closed = await t.put("slow", "gone");
  await t.store.remove(closed);
  const ids = [];
  for (let i = 0; i < 30; i++) ids.push(await t.put("slow", `m${i}`));
  await settle();
  assertEquals(t.broker.inFlight, 2, "a new service starts with two in flight");
  for (let i = 0; i < 40; i++) {
    await t.clock.tick(100);
    await settle(10);
  }
  assertEquals(t.broker.sends.length, 30);
  assert(!t.broker.sends.some((s) => s.body === "gone"));
  assert(
    t.broker.maxInFlight > 2 && t.broker.maxInFlight <= 8,
    `max ${t.broker.maxInFlight}`,
  );
  for (const u of ids) {
    assertEquals((await t.store.lookup(u))?.state, "replied");
  }
  await t.d.close();
  await t.store.close();
});
