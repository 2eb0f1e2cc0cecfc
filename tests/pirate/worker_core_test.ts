/**
 * Fast tier: the Pirate workers' transition tables (every state × event
 * pair) and the Paranoid worker's time decisions under a fake clock:
 * heartbeats, queue expiry, the jittered, bounded backoff schedule, busy
 * pausing the countdown. No sockets, no sleeping.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import { step } from "../../src/patterns/_kit/fsm.ts";
import { backoffMs } from "../../src/patterns/_kit/liveness.ts";
import {
  EVENTS,
  PARANOID_WORKER,
  SIMPLE_WORKER,
  STATES,
  type WorkerAction,
  type WorkerEvent,
  type WorkerState,
} from "../../src/patterns/pirate/_fsm.ts";
import { WorkerCore } from "../../src/patterns/pirate/_worker_core.ts";

const ACTIONS: readonly WorkerAction[] = [
  "heard",
  "reset-backoff",
  "announce",
  "send-heartbeat",
  "run-handler",
  "send-reply",
  "send-ready",
  "count-invalid",
  "refuse-request",
  "close-socket",
  "wait-backoff",
  "open-socket",
  "abort-handler",
  "stop",
];

/**
 * What each state accepts; every other pair must be refused (undefined):
 * such an event cannot happen there (no socket while waiting, no handler
 * outside busy), and the worker ignores it.
 */
const PARANOID_ACCEPTS: Record<WorkerState, WorkerEvent[]> = {
  connecting: [
    "connected",
    "heartbeat",
    "request",
    "invalid",
    "oversize",
    "beat-due",
    "silent",
    "close",
  ],
  ready: [
    "connected",
    "heartbeat",
    "request",
    "invalid",
    "oversize",
    "beat-due",
    "silent",
    "close",
  ],
  busy: [
    "connected",
    "heartbeat",
    "request",
    "invalid",
    "oversize",
    "replied",
    "failed",
    "beat-due",
    "silent",
    "close",
  ],
  waiting: ["backoff-done", "beat-due", "silent", "close"],
  closed: ["close"],
};

const SIMPLE_ACCEPTS: Record<WorkerState, WorkerEvent[]> = {
  connecting: ["connected", "request", "invalid", "oversize", "close"],
  ready: ["connected", "request", "invalid", "oversize", "close"],
  busy: ["connected", "replied", "failed", "close"],
  waiting: ["close"],
  closed: ["close"],
};

for (
  const [name, machine, accepts] of [
    ["Paranoid", PARANOID_WORKER, PARANOID_ACCEPTS],
    ["Simple", SIMPLE_WORKER, SIMPLE_ACCEPTS],
  ] as const
) {
  Deno.test(`${name} Pirate worker table: every state × event pair`, () => {
    let pairs = 0;
    for (const s of STATES) {
      for (const e of EVENTS) {
        pairs++;
        const t = step(machine, s, e);
        const accepted = (accepts[s] as readonly WorkerEvent[]).includes(e);
        assertEquals(t !== undefined, accepted, `${s} × ${e}`);
        if (!t) continue;
        assert(STATES.includes(t.next), `${s} × ${e} → ${t.next}`);
        for (const a of t.actions) assert(ACTIONS.includes(a), a);
        // Close always ends in closed, and only close leads there.
        assertEquals(t.next === "closed", e === "close", `${s} × ${e}`);
        if (s === "closed") assertEquals(t.actions.length, 0);
        // A handler runs only from a state without one, and only on a request.
        if (t.actions.includes("run-handler")) {
          assertEquals([e, t.next], ["request", "busy"]);
          assert(s !== "busy");
        }
        // Leaving busy other than by close sends exactly one answer.
        if (s === "busy" && t.next !== "busy" && e !== "close") {
          const answers = t.actions.filter((a) =>
            a === "send-reply" || a === "send-ready"
          );
          assertEquals(answers.length, 1, `${s} × ${e}`);
        }
        // Busy never sends heartbeats; only ready does.
        if (t.actions.includes("send-heartbeat")) assertEquals(s, "ready");
        // A socket is opened only after the backoff.
        if (t.actions.includes("open-socket")) {
          assertEquals([s, e], ["waiting", "backoff-done"]);
        }
      }
    }
    assertEquals(pairs, STATES.length * EVENTS.length);
  });
}

const POLICY = {
  heartbeatIntervalMs: 1000,
  liveness: 3,
  reconnectInitialMs: 1000,
  reconnectMaxMs: 8000,
  jitter: 0.5,
};

/** Drives a core's time events on a fake clock; records what it did. */
function drive(random: () => number = () => 0) {
  const clock = new FakeClock();
  const core = new WorkerCore(PARANOID_WORKER, POLICY, clock.now(), random);
  const log: { at: number; e: WorkerEvent; actions: string; delay?: number }[] =
    [];
  const on = (e: WorkerEvent) => {
    const t = core.on(e, clock.now());
    log.push({
      at: clock.now(),
      e,
      actions: t.actions.join(","),
      delay: t.delayMs,
    });
    return t;
  };
  /** Advances to `until`, applying each due event as the shell's timer would. */
  const run = (until: number) => {
    for (;;) {
      const at = core.nextDueAt();
      if (at > until) break;
      clock.advance(Math.max(0, at - clock.now()));
      const e = core.due(clock.now());
      if (e) on(e);
    }
    clock.advance(Math.max(0, until - clock.now()));
  };
  return { clock, core, log, on, run };
}

Deno.test("ParanoidPirateWorker core: heartbeats every interval while ready, none while connecting or busy", () => {
  const d = drive();
  d.run(2500); // never connected: no heartbeats, expiry at 3000
  assertEquals(d.log.length, 0);
  d.on("connected");
  d.on("heartbeat"); // the queue is alive
  d.run(5400); // (heard at 2500: silent at 5500)
  const beats = d.log.filter((x) => x.e === "beat-due").map((x) => x.at);
  // READY went at 0, so the first beat is due at once on connecting, then
  // one each second.
  assertEquals(beats, [2500, 3500, 4500]);
  d.on("request");
  d.run(20_000); // busy: no heartbeats, no expiry, whatever the silence
  assertEquals(d.log.filter((x) => x.e === "beat-due").length, 3);
  assertEquals(d.core.state, "busy");
  d.on("replied"); // the reply counts as sent: next beat a full interval on
  d.run(20_999);
  assertEquals(d.log.at(-1)!.e, "replied");
  d.run(21_000);
  assertEquals(d.log.at(-1)!.e, "beat-due");
  assertEquals(d.log.at(-1)!.at, 21_000);
});

Deno.test("ParanoidPirateWorker core: the queue expires after liveness × interval of silence; the countdown restarts with each message and with a reply", () => {
  const d = drive();
  d.on("connected");
  d.run(2999);
  assertEquals(d.core.state, "ready");
  d.run(3000);
  assertEquals(d.core.state, "waiting");
  assertEquals(d.log.at(-1)!.actions, "close-socket,wait-backoff");
  const d2 = drive();
  d2.on("connected");
  d2.clock.advance(2000);
  d2.on("heartbeat");
  d2.run(4999);
  assertEquals(d2.core.state, "ready");
  d2.on("request");
  d2.clock.advance(60_000);
  d2.on("replied");
  const t = d2.clock.now();
  d2.run(t + 2999);
  assertEquals(d2.core.state, "ready");
  d2.run(t + 3000);
  assertEquals(d2.core.state, "waiting");
});

Deno.test("ParanoidPirateWorker core: backoff doubles to its ceiling, jittered by up to half, reset by any message", () => {
  // random() = 0: no jitter taken off; 0.999...: almost half taken off.
  for (const r of [0, 0.5, 0.999999]) {
    const d = drive(() => r);
    const delays: number[] = [];
    d.run(100_000); // silent → waiting → backoff → connecting → silent ...
    for (const x of d.log) if (x.delay !== undefined) delays.push(x.delay);
    const full = [1000, 2000, 4000, 8000, 8000, 8000];
    assert(delays.length >= 6, `${delays.length} reconnects`);
    delays.slice(0, 6).forEach((ms, i) => {
      assertEquals(ms, Math.round(backoffMs(i + 1, POLICY, r)));
      assert(ms <= full[i] && ms >= full[i] / 2, `delay ${i} = ${ms}`);
    });
    assertEquals(d.core.failures >= 6, true);
    // A fresh socket after each backoff: connecting, READY again.
    const opens = d.log.filter((x) => x.actions === "open-socket").length;
    assertEquals(opens, d.log.filter((x) => x.e === "backoff-done").length);
    // Any message from the queue resets the schedule.
    while (d.core.state !== "connecting") d.run(d.core.nextDueAt());
    d.on("heartbeat");
    assertEquals(d.core.failures, 0);
  }
});

Deno.test("ParanoidPirateWorker core: the gap between READYs is silence plus backoff, exactly, on the fake clock", () => {
  const d = drive(() => 0);
  d.run(100_000);
  const opens = d.log.filter((x) => x.actions === "open-socket").map((x) =>
    x.at
  );
  // READY at 0; silent at 3000, wait 1000 → 4000; silent at 7000, wait 2000
  // → 9000; silent 12000, wait 4000 → 16000; silent 19000, wait 8000 → 27000
  assertEquals(opens.slice(0, 4), [4000, 9000, 16000, 27000]);
});

Deno.test("ParanoidPirateWorker core: close from every state ends every timer", () => {
  for (const s of ["connecting", "ready", "busy", "waiting"] as const) {
    const d = drive();
    if (s !== "connecting") d.on("connected");
    if (s === "busy") d.on("request");
    if (s === "waiting") d.run(3000);
    assertEquals(d.core.state, s);
    const t = d.on("close");
    assertEquals(t.state, "closed");
    assert(t.actions.includes("stop"));
    assertEquals(d.core.nextDueAt(), Infinity);
    assertEquals(d.core.due(1e12), undefined);
  }
});
