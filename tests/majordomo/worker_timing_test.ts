// The worker's timing decisions on a FakeClock (fast tier): per slot, one
// HEARTBEAT per interval, the broker declared silent after liveness
// intervals with nothing heard (and only then), the countdown paused while
// a request runs. The "broker" is a raw ROUTER on real loopback sockets;
// only time is fake.
import {
  MajordomoWorker,
  type MajordomoWorkerEvent,
  RouterSocket,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import { td, until } from "./_helpers.ts";

const HB = 1000;
const hex = (b: Uint8Array) =>
  [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** A raw 7/MDP "broker" that records what each worker connection sent. */
class FakeBroker {
  readonly router = new RouterSocket();
  readonly endpoint: string;
  /** Messages per connection (routing id in hex), frames after the id. */
  readonly seen = new Map<string, Uint8Array[][]>();
  readonly ids = new Map<string, Uint8Array>();
  #loop: Promise<void>;
  constructor() {
    this.endpoint = this.router.bind("tcp://127.0.0.1:*");
    this.#loop = (async () => {
      for await (const [id, ...rest] of this.router) {
        const k = hex(id);
        this.ids.set(k, id);
        if (!this.seen.has(k)) this.seen.set(k, []);
        this.seen.get(k)!.push(rest);
        // Answer the mmi.rz probe as a plain 7/MDP broker would (501).
        if (td.decode(rest[1]) === "MDPC01") {
          await this.router.send([id, "", "MDPC01", "mmi.rz", "501"]);
        }
      }
    })();
  }
  /** Commands (worker message byte) a connection sent after READY. */
  commands(k: string): number[] {
    return (this.seen.get(k) ?? []).filter((m) => td.decode(m[1]) === "MDPW01")
      .map((m) => m[2][0]);
  }
  registered(): string[] {
    return [...this.seen.keys()].filter((k) => this.commands(k).includes(1));
  }
  send(k: string, frames: (string | Uint8Array)[]): Promise<void> {
    return this.router.send([this.ids.get(k)!, ...frames]);
  }
  async close() {
    this.router.close();
    await this.#loop;
  }
}

const count = (xs: number[], c: number) => xs.filter((x) => x === c).length;
const HEARTBEAT = 4;

Deno.test("worker timing (FakeClock): each slot heartbeats once per interval and declares a silent broker dead after liveness intervals, not before", async () => {
  const broker = new FakeBroker();
  const clock = new FakeClock(0);
  const events: MajordomoWorkerEvent[] = [];
  const worker = await MajordomoWorker.connect(
    broker.endpoint,
    "echo",
    (r) => r,
    {
      concurrency: 2,
      heartbeatIntervalMs: HB,
      liveness: 3,
      reconnectInitialMs: 500,
      clock,
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    },
  );
  try {
    await worker.ready;
    await until(() => broker.registered().length === 2);
    const [a, b] = broker.registered();
    // Two intervals: two heartbeats from each slot.
    clock.advance(HB);
    clock.advance(HB);
    await until(() =>
      count(broker.commands(a), HEARTBEAT) === 2 &&
      count(broker.commands(b), HEARTBEAT) === 2
    );
    // The broker talks to slot a only (a request, answered: heard); at 3
    // intervals of silence slot b gives up, slot a does not.
    await broker.send(a, [
      "",
      "MDPW01",
      new Uint8Array([2]),
      "client-1",
      "",
      "ping",
    ]);
    await until(() => worker.stats.replies === 1);
    clock.advance(HB - 1);
    assertEquals(events.filter((e) => e.type === "broker:silent"), []);
    clock.advance(1);
    await until(() => events.some((e) => e.type === "broker:silent"));
    const silent = events.filter((e) => e.type === "broker:silent");
    assertEquals(silent.length, 1);
    // The event names the slot that went silent: the one whose broker
    // connection was b.
    const slotOfB = silent[0].slot!;
    assert(slotOfB === 0 || slotOfB === 1);
    assertEquals(worker.slotStats[1 - slotOfB].connections, 1);
    // After its backoff (at most reconnectInitialMs) slot b registers again
    // on a new connection; slot a is untouched.
    clock.advance(500);
    await until(() => broker.registered().length === 3);
    assertEquals(worker.slotStats[slotOfB].connections, 2);
    assertEquals(worker.stats.connections, 3);
  } finally {
    await worker.close();
    await broker.close();
  }
});

Deno.test("worker timing (FakeClock): the silence countdown pauses while a request runs", async () => {
  const broker = new FakeBroker();
  const clock = new FakeClock(0);
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const events: MajordomoWorkerEvent[] = [];
  const worker = await MajordomoWorker.connect(
    broker.endpoint,
    "slow",
    async (r) => {
      await gate;
      return r;
    },
    {
      heartbeatIntervalMs: HB,
      liveness: 3,
      clock,
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    },
  );
  try {
    await worker.ready;
    await until(() => broker.registered().length === 1);
    const [a] = broker.registered();
    // A request: [empty, MDPW01, REQUEST, client, empty, body].
    await broker.send(a, [
      "",
      "MDPW01",
      new Uint8Array([2]),
      "client-1",
      "",
      "hello",
    ]);
    await until(() => worker.stats.requests === 1);
    // Ten silent intervals while the handler runs: no "broker silent".
    for (let i = 0; i < 10; i++) clock.advance(HB);
    assertEquals(events.filter((e) => e.type === "broker:silent"), []);
    release();
    await until(() => worker.stats.replies === 1);
    const reply = broker.seen.get(a)!.at(-1)!;
    assertEquals(reply.map((f) => td.decode(f)).slice(3), [
      "client-1",
      "",
      "hello",
    ]);
    // The countdown restarts at the reply: silent 3 intervals later.
    clock.advance(2 * HB);
    assertEquals(events.filter((e) => e.type === "broker:silent"), []);
    clock.advance(HB);
    await until(() => events.some((e) => e.type === "broker:silent"));
  } finally {
    await worker.close();
    await broker.close();
  }
});

Deno.test("worker timing: teardown", async () => {
  await shutdown();
});
