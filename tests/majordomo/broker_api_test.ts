// MajordomoBroker's public shape, in process: bind() and its option checks,
// the stats getter, events (onEvent and on()), an injected clock driving
// the sweeps, close() idempotent.
import { FakeClock } from "../../src/_util/clock.ts";
import {
  MajordomoBroker,
  type MajordomoBrokerEvent,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import { correlationFrame } from "../../src/patterns/majordomo/correlation.ts";
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import { Peer, show, until } from "./_helpers.ts";

const L = "tcp://127.0.0.1:*";
// deno-lint-ignore no-explicit-any
const any = (x: unknown) => x as any;

Deno.test("MajordomoBroker.bind() checks its arguments and options", async () => {
  await assertRejects(
    () => MajordomoBroker.bind(L, any({ timeout: 5 })),
    TypeError,
    "known options",
  );
  await assertRejects(() => MajordomoBroker.bind(any(5)), TypeError);
  await assertRejects(() => MajordomoBroker.bind([]), TypeError);
  await assertRejects(() => MajordomoBroker.bind("nonsense"), TypeError);
  await assertRejects(
    () => MajordomoBroker.bind(L, { heartbeatIntervalMs: 2 ** 31 }),
    RangeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { heartbeatIntervalMs: Infinity }),
    RangeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { maxFrameBytes: 0 }),
    RangeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { maxQueue: 1.5 }),
    RangeError,
  );
  await assertRejects(
    () =>
      MajordomoBroker.bind(L, {
        socketOptions: any({ routerMandatory: false }),
      }),
    TypeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { onEvent: any("x") }),
    TypeError,
  );
  await assertRejects(
    () => MajordomoBroker.bind(L, { clock: any({}) }),
    TypeError,
  );
  // Infinity is "never" where documented.
  const b = await MajordomoBroker.bind([L, L], {
    requestTtlMs: Infinity,
    logger: silentLogger,
  });
  assertEquals(b.endpoints.length, 2);
  assert(/^[0-9a-f]{16}$/.test(b.instance));
  const closing = b.close();
  assert(b.close() === closing, "close() is idempotent");
  await closing;
});

Deno.test("MajordomoBroker: stats getter and events in order", async () => {
  const seen: MajordomoBrokerEvent[] = [];
  await using broker = await MajordomoBroker.bind(L, {
    heartbeatIntervalMs: 10_000,
    onEvent: (e) => seen.push(e),
  });
  const types: string[] = [];
  const off = broker.on((e) => types.push(e.type));
  const [ep] = broker.endpoints;
  const w = new Peer(ep, "W1");
  await w.send(["", "MDPW01", "\x01", "echo"]);
  assertEquals(await w.mmi("echo"), "200");
  const c = new Peer(ep, "C1");
  await c.send(["", "MDPC01", "echo", correlationFrame(3), "hi"]);
  const req = await w.recvNonHeartbeat();
  assertEquals(show(req), ["", "MDPW01", "0x02", "C1", "", "hi"]);
  await w.send(["", "MDPW01", "\x03", "C1", "", "ho"]);
  assertEquals(show(await c.recv()).slice(3), [
    "0xff525a430000000000000003",
    "ho",
  ]);
  off();
  assertEquals(types, [
    "worker:ready",
    "mmi:answered",
    "request:dispatched",
    "request:answered",
  ]);
  assertEquals(seen.map((e) => e.type), types);
  const d = seen[2] as Extract<
    MajordomoBrokerEvent,
    { type: "request:dispatched" }
  >;
  assertEquals([d.service, d.id, d.worker], ["echo", 3, "5731"]);
  const s = broker.stats;
  assertEquals([s.workers, s.counters.replies, s.held], [1, 1, 0]);
  assertEquals(s.services, [{
    name: "echo",
    workers: 1,
    waiting: 1,
    queued: 0,
  }]);
  w.close();
  c.close();
});

Deno.test("MajordomoBroker: an injected clock drives heartbeats and expiry", async () => {
  const clock = new FakeClock(0);
  await using broker = await MajordomoBroker.bind(L, {
    heartbeatIntervalMs: 1000,
    liveness: 3,
    clock,
  });
  const [ep] = broker.endpoints;
  const w = new Peer(ep);
  await w.send(["", "MDPW01", "\x01", "echo"]);
  assertEquals(await w.mmi("echo"), "200");
  await clock.tick(1000);
  // A heartbeat arrives once fake time passes an interval.
  assertEquals(show(await w.recv()), ["", "MDPW01", "0x04"]);
  assertEquals(broker.stats.workers, 1);
  for (let i = 0; i < 3; i++) await clock.tick(1000);
  await until(() => broker.stats.workers === 0, 10000, "expiry");
  assertEquals(broker.stats.counters.expiredWorkers, 1);
  w.close();
  await shutdown();
});
