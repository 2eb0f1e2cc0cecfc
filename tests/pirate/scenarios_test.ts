/**
 * Pirate scenarios with real child processes (SIGKILL, SIGSTOP, restarts).
 * Heartbeats are short (100-250 ms) and every bound generous: the machine is
 * shared. Nothing waits on a sleep for ordering: each phase waits for a
 * reply, an exit status, a ready line or a queue event.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import {
  DealerSocket,
  LazyPirateClient,
  ParanoidPirateQueue,
  type PirateQueueEvent,
  RequestTimeoutError,
  shutdown,
} from "../../mod.ts";

const td = new TextDecoder();
const te = new TextEncoder();
const ex = (name: string) =>
  new URL(`../../examples/pirate/${name}`, import.meta.url);
const LOCAL = "tcp://127.0.0.1:*";
const echoCheck = (req: readonly (string | Uint8Array)[], rep: Uint8Array[]) =>
  td.decode(rep[rep.length - 1]) === req[0];

function hexOf(s: string): string {
  return [...te.encode(s)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function withStderr<T>(children: Child[], fn: () => Promise<T>) {
  try {
    return await fn();
  } catch (e) {
    for (const c of children) {
      console.error(
        `--- child ${c.pid} stderr ---\n${c.stderrText().slice(-4000)}`,
      );
    }
    throw e;
  }
}

function lpServer(bind: string, extra: string[] = []) {
  return spawnChild(ex("lazy_pirate_server.ts"), {
    args: ["--bind", bind, "--work-ms", "0", ...extra],
    readyTimeoutMs: 60000,
  });
}

/*
 *  client (REQ, retries)        lpserver #1 ── exits on request 11
 *     1..10 ──────────────────►  echo
 *     11 ─────────────────────►  (exit)            lpserver #2 (same port)
 *     11 (retry, new socket) ──────────────────────► echo
 *     12..20 ──────────────────────────────────────► echo ── SIGKILL
 *                                                  lpserver #3 (same port)
 *     21..30 ──────────────────────────────────────► echo ── SIGKILL
 *     31 ─ retries ─► RequestTimeoutError
 */
Deno.test("LazyPirateClient survives a server that crashes, is killed and restarted; every request answered once or failed with a typed error", async () => {
  const children: Child[] = [];
  const s1 = await lpServer(LOCAL, ["--crash-after", "10"]);
  children.push(s1);
  const endpoint = s1.endpoint;
  await withStderr(children, async () => {
    const client = await LazyPirateClient.connect(endpoint, {
      attemptTimeoutMs: 1000,
      maxAttempts: 30, // 30 s to cover a child restart on a loaded machine
      validateReply: echoCheck,
    });
    const answered: number[] = [];
    const ask = async (seq: number) => {
      const [r] = await client.request([String(seq)]);
      answered.push(Number(td.decode(r)));
    };
    for (let seq = 1; seq <= 10; seq++) await ask(seq);
    const pending = ask(11); // server #1 exits on receiving it
    const status = await s1.exited;
    assertEquals(status.code, 3);
    const s2 = await lpServer(endpoint);
    children.push(s2);
    await pending;
    for (let seq = 12; seq <= 20; seq++) await ask(seq);
    await s2.kill();
    const s3 = await lpServer(endpoint);
    children.push(s3);
    for (let seq = 21; seq <= 30; seq++) await ask(seq);
    assertEquals(answered, Array.from({ length: 30 }, (_, i) => i + 1));
    assert(client.stats.retries >= 1, "request 11 needed a retry");
    assertEquals(client.stats.malformed, 0);
    client.close();

    await s3.kill();
    const short = await LazyPirateClient.connect(endpoint, {
      attemptTimeoutMs: 250,
      maxAttempts: 3,
    });
    const err = await short.request(["31"]).then(() => null, (e) => e);
    assert(err instanceof RequestTimeoutError, String(err));
    assertEquals(err.attempts, 3);
    assert(err.elapsedMs >= 700, `elapsed ${err.elapsedMs}`);
    short.close();
  });
  for (const c of children) await c.kill();
});

function queueChild(
  script: string,
  args: string[],
): Promise<Child> {
  return spawnChild(ex(script), {
    args: ["--events", ...args],
    readyTimeoutMs: 60000,
  });
}

function readyWorkers(queue: Child): Set<string> {
  const set = new Set<string>();
  for (const line of queue.stdoutLines) {
    if (!line.includes('"worker:ready"')) continue;
    set.add(JSON.parse(line).worker);
  }
  return set;
}

/*
 *  10 clients ─► ppqueue (child) ◄─ 10 workers (one child)
 *                 │ SIGKILL
 *                 ▼ restart on the same ports
 *  workers notice silence, back off, reconnect with READY (or are
 *  registered by their next heartbeat); clients' retries carry on.
 */
Deno.test("ParanoidPirateQueue SIGKILL and restart with 10 workers and 10 clients: workers come back, every request answered", async () => {
  const HB = ["--heartbeat-ms", "200", "--liveness", "3"];
  const children: Child[] = [];
  let queue = await queueChild("paranoid_pirate_queue.ts", [
    "--frontend",
    LOCAL,
    "--backend",
    LOCAL,
    "--log-level",
    "warn",
    ...HB,
  ]);
  children.push(queue);
  const frontend = queue.ready.frontend as string;
  const backend = queue.ready.backend as string;
  const workers = await spawnChild(ex("paranoid_pirate_worker.ts"), {
    args: [
      "--connect",
      backend,
      "--count",
      "10",
      "--work-ms",
      "0",
      "--tag",
      "--reconnect-ms",
      "250",
      "--reconnect-max-ms",
      "2000",
      "--log-level",
      "warn",
      ...HB,
    ],
    readyTimeoutMs: 60000,
  });
  children.push(workers);
  const ids = (workers.ready.identities as string[]).map(hexOf);
  await withStderr(children, async () => {
    await queue.waitForLine(() => readyWorkers(queue).size === 10, 60000);
    const clients = await Promise.all(
      Array.from({ length: 10 }, () =>
        LazyPirateClient.connect(frontend, {
          attemptTimeoutMs: 1000,
          maxAttempts: 60,
          validateReply: echoCheck,
        })),
    );
    let phase = 1;
    const served = [new Set<string>(), new Set<string>()];
    const perClient = [Array(10).fill(0), Array(10).fill(0)];
    let stop = false;
    let progress: () => void = () => {};
    const running = clients.map(async (c, ci) => {
      for (let k = 0; !stop; k++) {
        const p = phase;
        const reply = await c.request([`${ci}.${k}`]);
        served[p - 1].add(td.decode(reply[0]));
        perClient[p - 1][ci]++;
        progress();
      }
    });
    const until = (test: () => boolean) =>
      new Promise<void>((resolve) => {
        if (test()) return resolve();
        progress = () => test() && resolve();
      });
    await until(() => perClient[0].every((n) => n >= 5));
    await queue.kill();
    phase = 2;
    queue = await queueChild("paranoid_pirate_queue.ts", [
      "--frontend",
      frontend,
      "--backend",
      backend,
      "--log-level",
      "warn",
      ...HB,
    ]);
    children.push(queue);
    const q2 = queue;
    await q2.waitForLine(() => readyWorkers(q2).size === 10, 60000);
    await until(() => perClient[1].every((n) => n >= 5));
    stop = true;
    await Promise.all(running);
    assertEquals([...readyWorkers(q2)].sort(), [...ids].sort());
    assert(
      served[1].size >= 2,
      `after restart ${served[1].size} workers served`,
    );
    for (const c of clients) {
      assertEquals(c.stats.failures, 0);
      assertEquals(c.stats.malformed, 0);
      c.close();
    }
  });
  for (const c of children) await c.kill();
});

class Events {
  readonly seen: PirateQueueEvent[] = [];
  #subs = new Set<() => void>();
  on = (e: PirateQueueEvent) => {
    this.seen.push(e);
    for (const s of [...this.#subs]) s();
  };
  until(test: () => boolean, timeoutMs = 30000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#subs.delete(check);
        clearInterval(poll);
        reject(new Error(`condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      // Some state (e.g. a worker going idle after a reply) changes without
      // an event: re-check on a short period as well.
      const poll = setInterval(() => check(), 50);
      const check = () => {
        if (!test()) return;
        clearTimeout(timer);
        clearInterval(poll);
        this.#subs.delete(check);
        resolve();
      };
      this.#subs.add(check);
    });
  }
  count(type: PirateQueueEvent["type"], worker?: string): number {
    return this.seen.filter((e) =>
      e.type === type &&
      (worker === undefined || "worker" in e && e.worker === worker)
    ).length;
  }
}

function workerChild(backend: string, args: string[]) {
  return spawnChild(ex("paranoid_pirate_worker.ts"), {
    args: ["--connect", backend, "--tag", "--log-level", "warn", ...args],
    readyTimeoutMs: 60000,
  });
}

/*
 *  queue (this process) ◄── worker A (child) ── SIGSTOP ─┐
 *                       ◄── worker B (child)             │
 *  expiry after ~liveness × interval ◄──────────────────┘
 *  requests then all go to B; SIGCONT: A registers again.
 */
Deno.test("ParanoidPirateQueue expires a SIGSTOPped worker within liveness × interval and frees its slot", async () => {
  const INTERVAL = 200, LIVENESS = 3;
  const events = new Events();
  const queue = await ParanoidPirateQueue.bind({
    frontend: LOCAL,
    backend: LOCAL,
    heartbeatIntervalMs: INTERVAL,
    liveness: LIVENESS,
    onEvent: events.on,
  });
  const HB = [
    "--heartbeat-ms",
    String(INTERVAL),
    "--liveness",
    String(LIVENESS),
    "--work-ms",
    "0",
  ];
  const a = await workerChild(queue.backendEndpoint, HB);
  const b = await workerChild(queue.backendEndpoint, HB);
  const aHex = hexOf((a.ready.identities as string[])[0]);
  const bName = (b.ready.identities as string[])[0];
  await withStderr([a, b], async () => {
    await events.until(() => queue.stats.idleWorkers === 2);
    a.pause();
    const t0 = performance.now();
    await events.until(() => events.count("worker:expired", aHex) === 1);
    const elapsed = performance.now() - t0;
    // Expiry = last sign of life + liveness × interval, checked every interval.
    assert(
      elapsed >= INTERVAL * LIVENESS - 2 * INTERVAL,
      `expired after ${elapsed} ms`,
    );
    assert(elapsed <= INTERVAL * LIVENESS * 10, `expired after ${elapsed} ms`);
    assertEquals(queue.stats.idleWorkers, 1);
    assertEquals(queue.stats.expired, 1);
    const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
      attemptTimeoutMs: 5000,
      maxAttempts: 1,
    });
    for (let i = 0; i < 5; i++) {
      const r = await client.request([`r${i}`]);
      assertEquals(td.decode(r[0]), bName);
    }
    client.close();
    a.resume();
    await events.until(() => events.count("worker:ready", aHex) >= 2);
    await events.until(() => queue.stats.idleWorkers === 2);
  });
  await a.kill();
  await b.kill();
  await queue.close();
});

/*
 *  queue (this process) ◄── worker (child) ── SIGKILL while busy
 *  client retries ──► no worker ... restarted worker (child) READY ──► reply
 */
Deno.test("ParanoidPirateQueue survives a worker SIGKILLed mid-request and restarted", async () => {
  const events = new Events();
  const queue = await ParanoidPirateQueue.bind({
    frontend: LOCAL,
    backend: LOCAL,
    heartbeatIntervalMs: 200,
    liveness: 3,
    onEvent: events.on,
  });
  const args = [
    "--heartbeat-ms",
    "200",
    "--liveness",
    "3",
    "--work-ms",
    "60000",
  ];
  const w1 = await workerChild(queue.backendEndpoint, args);
  const children = [w1];
  await withStderr(children, async () => {
    await events.until(() => queue.stats.idleWorkers === 1);
    const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
      attemptTimeoutMs: 1000,
      maxAttempts: 60,
    });
    const reply = client.request(["job"]);
    await events.until(() => queue.stats.busyWorkers === 1);
    await w1.kill(); // busy: its request is lost, the client's retry recovers
    const w2 = await workerChild(queue.backendEndpoint, [
      "--heartbeat-ms",
      "200",
      "--liveness",
      "3",
      "--work-ms",
      "0",
    ]);
    children.push(w2);
    const r = await reply;
    assertEquals(td.decode(r[0]), (w2.ready.identities as string[])[0]);
    assert(client.stats.retries >= 1);
    client.close();
    // The dead worker was busy, so no expiry applies to it, but its connection
    // is gone: the queue releases its bookkeeping instead of keeping it.
    await events.until(() => queue.stats.busyWorkers === 0, 10_000);
    assert(
      events.seen.some((e) => e.type === "worker:gone"),
      "the dead busy worker should be reported gone",
    );
  });
  for (const c of children) await c.kill();
  await queue.close();
});

/*
 *  client ─► queue (this process) ─► worker (child), 3 s job,
 *  heartbeat 100 ms × liveness 3: 10 liveness windows pass while busy.
 */
Deno.test("ParanoidPirateQueue does not declare a busy child worker dead during a long request", async () => {
  const events = new Events();
  const queue = await ParanoidPirateQueue.bind({
    frontend: LOCAL,
    backend: LOCAL,
    heartbeatIntervalMs: 100,
    liveness: 3,
    onEvent: events.on,
  });
  const w = await workerChild(queue.backendEndpoint, [
    "--heartbeat-ms",
    "100",
    "--liveness",
    "3",
    "--work-ms",
    "3000",
  ]);
  await withStderr([w], async () => {
    await events.until(() => queue.stats.idleWorkers === 1);
    const client = await LazyPirateClient.connect(queue.frontendEndpoint, {
      attemptTimeoutMs: 60000,
      maxAttempts: 1,
    });
    const r = await client.request(["long"]);
    assertEquals(td.decode(r[1]), "long");
    assertEquals(events.count("worker:expired"), 0);
    assertEquals(events.count("worker:ready"), 1); // no fresh READY: it never gave up on us
    await events.until(() => queue.stats.idleWorkers === 1);
    client.close();
  });
  await w.kill();
  await queue.close();
});

/*
 *  bad DEALERs ─► frontend / backend of each queue (child), then a real
 *  client and worker: malformed frames dropped, counted, service goes on.
 */
for (const kind of ["simple", "paranoid"] as const) {
  Deno.test(`${kind === "simple" ? "SimplePirateQueue" : "ParanoidPirateQueue"} (child) drops and counts malformed frames and keeps serving`, async () => {
    const q = await queueChild(`${kind}_pirate_queue.ts`, [
      "--frontend",
      LOCAL,
      "--backend",
      LOCAL,
      ...(kind === "paranoid"
        ? ["--heartbeat-ms", "250", "--log-level", "warn"]
        : []),
    ]);
    const w = await spawnChild(ex(`${kind}_pirate_worker.ts`), {
      args: [
        "--connect",
        q.ready.backend as string,
        "--work-ms",
        "0",
        ...(kind === "paranoid"
          ? ["--heartbeat-ms", "250", "--log-level", "warn"]
          : []),
      ],
      readyTimeoutMs: 60000,
    });
    await withStderr([q, w], async () => {
      await q.waitForLine((l) => l.includes('"worker:ready"'), 60000);
      const badFront = new DealerSocket();
      badFront.connect(q.ready.frontend as string);
      const badBack = new DealerSocket();
      badBack.connect(q.ready.backend as string);
      await badFront.send(["no delimiter"]);
      await badFront.send(["", ""].slice(0, 1)); // delimiter, no body
      await badBack.send([new Uint8Array([0x09])]); // unknown command
      await badBack.send(["x", "y", "z"]); // no delimiter where one belongs
      const counted = (l: string) => {
        if (!l.includes('"message:invalid"')) return false;
        const s = JSON.parse(l).stats;
        return s.invalidFrontend === 2 && s.invalidBackend === 2;
      };
      await q.waitForLine(counted, 30000);
      const client = await LazyPirateClient.connect(
        q.ready.frontend as string,
        {
          attemptTimeoutMs: 5000,
          maxAttempts: 3,
        },
      );
      for (let i = 0; i < 5; i++) {
        const r = await client.request([`ok${i}`]);
        assertEquals(td.decode(r[r.length - 1]), `ok${i}`);
      }
      client.close();
      badFront.close();
      badBack.close();
    });
    await w.kill();
    await q.kill();
  });
}

Deno.test("teardown", async () => {
  await shutdown();
});
