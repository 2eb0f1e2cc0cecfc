/**
 * Fast tier: DynamicWorkerServer's decisions without sockets or workers, on
 * a fake clock: job timeouts (exact, `Infinity` = never, 2^31-1 ms never
 * early), one timer for every outstanding job, admission (run, queue,
 * refuse), each job answered once, slots freed and queued requests pumped.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { FakeClock } from "../../src/_util/clock.ts";
import type { Frame } from "../../src/types.ts";
import {
  DynamicCore,
  type DynamicPort,
  type Job,
  type JobEnd,
} from "../../src/patterns/dynamic/_core.ts";
import type { DynamicWorkerServerEvent } from "../../src/patterns/dynamic/events.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const E = new Uint8Array(0);

class Port implements DynamicPort {
  started: Job[] = [];
  ended: [number, JobEnd][] = [];
  sent: string[][] = [];
  events: DynamicWorkerServerEvent[] = [];
  warnings = 0;
  core!: DynamicCore;
  /** Pool-like: the slot frees when the job ends. */
  freeOnEnd = true;
  start(job: Job): void {
    this.started.push(job);
  }
  end(job: Job, how: JobEnd): void {
    this.ended.push([job.seq, how]);
    if (this.freeOnEnd) this.core.freed();
  }
  send(frames: Frame[]): void {
    this.sent.push(frames.map((f) => typeof f === "string" ? f : td.decode(f)));
  }
  emit(e: DynamicWorkerServerEvent): void {
    this.events.push(e);
  }
  warn(): void {
    this.warnings++;
  }
}

function setup(maxWorkers = 2, maxQueued = 2, jobTimeoutMs = 1000) {
  const clock = new FakeClock();
  const port = new Port();
  const core = new DynamicCore(
    { maxWorkers, maxQueued, jobTimeoutMs },
    clock,
    port,
  );
  port.core = core;
  return { clock, core, port };
}

const client = (n: number) => [te.encode(`c${n}`), E];
const reply = (job: Job, status = "200", body = "ok") => [
  job.id,
  ...job.envelope,
  te.encode(status),
  te.encode(body),
];

Deno.test("DynamicCore: a job times out at exactly jobTimeoutMs with one 504, and its late reply is stale", () => {
  const { clock, core, port } = setup(2, 2, 1000);
  core.request(client(1), [te.encode("x")]);
  const job = port.started[0];
  clock.advance(999);
  assertEquals(port.sent.length, 0);
  clock.advance(1);
  assertEquals(port.sent, [["c1", "", "504", "worker exceeded 1000 ms"]]);
  assertEquals(port.ended, [[job.seq, "timeout"]]);
  assertEquals(core.counts.timeouts, 1);
  assertEquals(core.backend(reply(job)), false);
  assertEquals(core.counts.staleReplies, 1);
  assertEquals(port.sent.length, 1);
});

Deno.test("DynamicCore: jobTimeoutMs Infinity never times out; 2^31-1 ms does not fire early", () => {
  for (const t of [Infinity, 2 ** 31 - 1]) {
    const { clock, core, port } = setup(1, 0, t);
    core.request(client(1), [te.encode("x")]);
    clock.advance(1); // the old overflow: a 2^31 ms timer fired after 1 ms
    clock.advance(2 ** 31 - 3); // one ms short of 2^31-1
    assertEquals(port.sent.length, 0, String(t));
    assertEquals(core.outstanding, 1);
    clock.advance(1);
    assertEquals(port.sent.length, t === Infinity ? 0 : 1, String(t));
    if (t === Infinity) assertEquals(clock.pending, 0); // no timer at all
  }
});

Deno.test("DynamicCore: 20,000 outstanding jobs use one timer", () => {
  const { clock, core, port } = setup(100_000, 0, 5000);
  for (let i = 0; i < 20_000; i++) {
    core.request(client(i), [te.encode("x")]);
    if (i % 1000 === 0) clock.advance(1);
  }
  assertEquals(core.outstanding, 20_000);
  assertEquals(clock.pending, 1);
  // Answer half; the other half time out, each once.
  for (const job of port.started.slice(0, 10_000)) core.backend(reply(job));
  clock.advance(10_000);
  assertEquals(core.counts.replies, 10_000);
  assertEquals(core.counts.timeouts, 10_000);
  assertEquals(port.sent.length, 20_000);
  assertEquals(core.outstanding, 0);
  assertEquals(clock.pending, 0);
});

Deno.test("DynamicCore: runs maxWorkers, queues maxQueued, refuses the rest with 503; freed slots start queued requests in order", () => {
  const { core, port } = setup(2, 2);
  port.freeOnEnd = true;
  const fates = [1, 2, 3, 4, 5, 6].map((n) =>
    core.request(client(n), [te.encode(`r${n}`)])
  );
  assertEquals(fates, [
    "started",
    "started",
    "queued",
    "queued",
    "refused",
    "refused",
  ]);
  assertEquals([core.active, core.queued], [2, 2]);
  assertEquals(port.sent.map((f) => [f[0], f[2]]), [["c5", "503"], [
    "c6",
    "503",
  ]]);
  assertEquals(core.counts.rejected, 2);
  assertEquals(core.counts.requests, 4);
  // Job 1 answers: its slot goes to request 3, then 4.
  core.backend(reply(port.started[0]));
  core.backend(reply(port.started[1], "500", "boom"));
  assertEquals(
    port.started.map((j) => td.decode(j.body[0])),
    ["r1", "r2", "r3", "r4"],
  );
  assertEquals([core.counts.replies, core.counts.failures], [1, 1]);
  assertEquals(port.warnings, 1); // the worker's own failure is logged
  assertEquals([core.active, core.queued], [2, 0]);
});

Deno.test("DynamicCore: a task's slot frees only when it settles, even after its 504", () => {
  const { clock, core, port } = setup(1, 5, 100);
  port.freeOnEnd = false; // a task: the shell frees when it settles
  core.request(client(1), [te.encode("slow")]);
  core.request(client(2), [te.encode("next")]);
  clock.advance(100);
  assertEquals(port.sent[0][2], "504");
  assertEquals([core.active, core.queued], [1, 1]); // still held
  core.freed(); // the task settled
  assertEquals(port.started.length, 2);
  assertEquals([core.active, core.queued], [1, 0]);
});

Deno.test("DynamicCore: replies that do not match their job's client or status are dropped and the job waits on; a dead worker gets one 500", () => {
  const { core, port } = setup();
  core.request(client(1), [te.encode("x")]);
  const job = port.started[0];
  const bad = [
    [job.id, te.encode("c9"), E, te.encode("200"), te.encode("x")], // wrong client
    [job.id, ...job.envelope, te.encode("201"), te.encode("x")], // bad status
    [job.id, ...job.envelope, te.encode("200")], // 200 without a body
    [te.encode("short"), ...job.envelope, te.encode("200"), te.encode("x")], // not a job id
  ];
  for (const m of bad) assertEquals(core.backend(m), false);
  assertEquals(core.counts.invalidReplies, 4);
  assertEquals(core.outstanding, 1);
  core.died(job, "worker process 7 exited (code 1)");
  core.died(job, "again"); // once only
  assertEquals(port.sent, [[
    "c1",
    "",
    "500",
    "worker process 7 exited (code 1)",
  ]]);
  assertEquals(core.counts.failures, 1);
  assertEquals(core.backend(reply(job)), false); // too late
  assertEquals(core.counts.staleReplies, 1);
  assert(port.events.some((e) => e.type === "job:failed"));
});

Deno.test("DynamicCore: close() stops every deadline and start", () => {
  const { clock, core, port } = setup(1, 5, 100);
  core.request(client(1), [te.encode("a")]);
  core.request(client(2), [te.encode("b")]);
  core.close();
  clock.advance(1000);
  assertEquals(port.sent.length, 0);
  assertEquals(clock.pending, 0);
  assertEquals(core.request(client(3), [te.encode("c")]), "refused");
  assertEquals(port.started.length, 1);
});
