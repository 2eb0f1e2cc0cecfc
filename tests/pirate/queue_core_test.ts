/**
 * Fast tier: the Pirate queues' decisions without sockets, on a fake clock
 * (both cores' WorkerQueue: WebAssembly and TypeScript): idle expiry,
 * heartbeats each interval, busy workers never expired for silence but
 * heartbeated once busy a whole window (so a dead one is found), maxBusyMs,
 * implicit registration, replies without a request, LRU order.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import { createCore } from "../../src/core/mod.ts";
import { ParanoidQueueCore } from "../../src/patterns/pirate/_paranoid_queue_core.ts";
import { SimpleQueueCore } from "../../src/patterns/pirate/_simple_queue_core.ts";
import type { QueuePort } from "../../src/patterns/pirate/_queue_core.ts";
import type { PirateQueueEvent } from "../../src/patterns/pirate/events.ts";

const te = new TextEncoder();
const id = (s: string) => te.encode(s);
const hexOf = (s: string) =>
  [...te.encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("");

class Port implements QueuePort {
  events: PirateQueueEvent[] = [];
  beats: string[] = [];
  gone = new Set<string>();
  idles = 0;
  control(worker: Uint8Array): "sent" | "blocked" | "gone" {
    const w = new TextDecoder().decode(worker);
    if (this.gone.has(w)) return "gone";
    this.beats.push(w);
    return "sent";
  }
  emit(e: PirateQueueEvent): void {
    this.events.push(e);
  }
  idle(): void {
    this.idles++;
  }
  count(type: PirateQueueEvent["type"]): number {
    return this.events.filter((e) => e.type === type).length;
  }
}

const POLICY = { heartbeatIntervalMs: 1000, liveness: 3, maxBusyMs: Infinity };

function setup(impl: "wasm" | "ts", policy = POLICY) {
  const clock = new FakeClock();
  const c = createCore({ impl });
  const port = new Port();
  const core = new ParanoidQueueCore(
    policy,
    c.createWorkerQueue(),
    c.createEnvelope(),
    port,
    clock.now(),
  );
  // The shell's one timer: tick at nextTickAt, re-armed after each tick.
  const arm = () =>
    clock.setTimeout(() => {
      core.tick(clock.now());
      arm();
    }, core.nextTickAt - clock.now());
  arm();
  return { clock, core, port };
}

for (const impl of ["wasm", "ts"] as const) {
  Deno.test(`ParanoidQueueCore (${impl}): idle workers are heartbeated every interval and expire after liveness × interval of silence`, () => {
    const { clock, core, port } = setup(impl);
    core.ready(id("A"), clock.now());
    core.ready(id("B"), clock.now());
    assertEquals(core.idleCount, 2);
    clock.advance(1000);
    assertEquals(port.beats, ["A", "B"]);
    clock.advance(1000);
    core.heartbeat(id("B"), clock.now()); // B alive at 2000
    clock.advance(999); // 2999: A silent for 2999 ms
    assertEquals(core.idleCount, 2);
    clock.advance(1); // 3000: A expires at the tick
    assertEquals(core.idleCount, 1);
    assertEquals(port.count("worker:expired"), 1);
    assertEquals(port.events.at(-1), {
      type: "worker:expired",
      worker: hexOf("A"),
      busy: false,
    });
    assertEquals(core.counts.expired, 1);
    clock.advance(2000); // B heard at 2000: expires at 5000
    assertEquals(core.idleCount, 0);
    assertEquals(core.counts.expired, 2);
    // Ticks: 1000 A B, 2000 A B, 3000 (A expired first) B, 4000 B, 5000 none.
    assertEquals(port.beats, ["A", "B", "A", "B", "B", "B"]);
  });

  Deno.test(`ParanoidQueueCore (${impl}): a busy worker is never expired for silence, is heartbeated once busy a whole window, and is found gone`, () => {
    const { clock, core, port } = setup(impl);
    core.ready(id("W"), clock.now());
    const w = core.take(clock.now())!;
    assertEquals(new TextDecoder().decode(w.id), "W");
    assertEquals([core.idleCount, core.busyCount], [0, 1]);
    clock.advance(2999);
    assertEquals(port.beats, []); // busy less than a window: left alone
    clock.advance(1); // busy 3000 ms: heartbeated from now on
    assertEquals(port.beats, ["W"]);
    clock.advance(60_000);
    assertEquals(core.busyCount, 1); // 63 s of silence: still busy, not expired
    assertEquals(port.count("worker:expired"), 0);
    // Its heartbeat while busy is liveness only, never "ready".
    core.heartbeat(id("W"), clock.now());
    assertEquals([core.idleCount, core.busyCount], [0, 1]);
    // Its connection dies: the next heartbeat send fails, and it is forgotten.
    port.gone.add("W");
    clock.advance(1000);
    assertEquals([core.idleCount, core.busyCount], [0, 0]);
    assertEquals(core.counts.gone, 1);
    assertEquals(port.count("worker:gone"), 1);
  });

  Deno.test(`ParanoidQueueCore (${impl}): maxBusyMs forgets a worker busy too long, at the first tick after it`, () => {
    const { clock, core, port } = setup(impl, { ...POLICY, maxBusyMs: 2500 });
    core.ready(id("W"), clock.now());
    core.take(clock.now());
    clock.advance(2000);
    assertEquals(core.busyCount, 1);
    clock.advance(1000); // tick at 3000 ≥ 2500
    assertEquals(core.busyCount, 0);
    assertEquals(port.events.at(-1), {
      type: "worker:expired",
      worker: hexOf("W"),
      busy: true,
    });
  });

  Deno.test(`ParanoidQueueCore (${impl}): replies, READY again, implicit registration and refused replies`, () => {
    const { clock, core, port } = setup(impl);
    // A heartbeat from an unknown worker registers it (queue restart).
    core.heartbeat(id("X"), clock.now());
    assertEquals(core.idleCount, 1);
    assertEquals(port.events[0], {
      type: "worker:ready",
      worker: hexOf("X"),
      implicit: true,
    });
    // A reply from a worker with no request: dropped, counted; it is idle.
    assertEquals(core.reply(id("X"), clock.now()), false);
    assertEquals(core.counts.droppedReplies, 1);
    const w = core.take(clock.now())!;
    assertEquals(core.reply(w.id, clock.now()), true);
    assertEquals([core.idleCount, core.busyCount], [1, 0]);
    // READY from a busy worker: a fresh conversation, idle again.
    core.take(clock.now());
    core.ready(id("X"), clock.now());
    assertEquals([core.idleCount, core.busyCount], [1, 0]);
    // A refused (oversize) message from a busy worker ends its request.
    core.take(clock.now());
    core.discard(id("X"), clock.now());
    assertEquals([core.idleCount, core.busyCount], [1, 0]);
    // ... and from an unknown or idle worker changes nothing.
    core.discard(id("nobody"), clock.now());
    core.discard(id("X"), clock.now());
    assertEquals([core.idleCount, core.busyCount], [1, 0]);
    assert(port.idles >= 4);
  });

  Deno.test(`ParanoidQueueCore (${impl}): LRU order; taking skips idle workers already expired`, () => {
    const { clock, core, port } = setup(impl);
    core.ready(id("A"), clock.now());
    clock.advance(500);
    core.ready(id("B"), clock.now());
    core.ready(id("C"), clock.now());
    const order = [core.take(clock.now()), core.take(clock.now())].map((w) =>
      new TextDecoder().decode(w!.id)
    );
    assertEquals(order, ["A", "B"]);
    core.reply(id("A"), clock.now());
    // C (since 500) is older than A (now): C first, then A.
    assertEquals(new TextDecoder().decode(core.take(clock.now())!.id), "C");
    assertEquals(new TextDecoder().decode(core.take(clock.now())!.id), "A");
    // Expiry between ticks: D silent 3 s is not handed a request.
    const t = clock.now();
    core.ready(id("D"), t);
    const late = t + 3000; // no tick ran yet at `late` (we do not advance)
    assertEquals(core.take(late), undefined);
    assertEquals(port.count("worker:expired"), 1);
  });

  Deno.test(`SimpleQueueCore (${impl}): LRU order, handles released while busy`, () => {
    const c = createCore({ impl });
    const port = new Port();
    const env = c.createEnvelope();
    const core = new SimpleQueueCore(c.createWorkerQueue(), env, port);
    for (const w of ["A", "B", "C"]) core.ready(id(w), true);
    assertEquals(port.count("worker:ready"), 3);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) {
      const w = core.take()!;
      got.push(new TextDecoder().decode(w.id));
      assertEquals(env.findBytes(w.id), -1); // forgotten while busy
      core.ready(w.id, false); // its reply: idle again, no event
    }
    assertEquals(got, ["A", "B", "C", "A", "B", "C"]);
    assertEquals(port.count("worker:ready"), 3);
    core.clear();
    assertEquals(core.idleCount, 0);
    assertEquals(core.take(), undefined);
  });
}
