/**
 * DynamicWorkerServer's DEALER backend: it is a real socket (an external
 * DEALER can answer an outstanding job), and every job is answered once:
 * unknown, misrouted, duplicate and late (after a "504") backend messages are
 * dropped and counted. Also: a killed child process and crashed Web Workers.
 *
 *   client DEALER ──► ROUTER frontend ──► worker (task | Web Worker | process)
 *        ◄── [id][""]["200"][...] ◄── DEALER backend ◄── [job][id][""]["200"][...]
 *                                          ▲
 *                        external DEALER ──┘ (this test)
 */
import { assert, assertEquals, assertRejects } from "../helpers/assert.ts";
import {
  DealerSocket,
  DynamicWorkerServer,
  shutdown,
  silentLogger,
} from "../../mod.ts";

const td = new TextDecoder();
const LOCAL = "tcp://127.0.0.1:*";
const WORKER_URL = new URL(
  "../../examples/dynamic/upper_worker.ts",
  import.meta.url,
);

/** A DEALER client (sees every message, so a duplicate would show). */
function dealerClient(endpoint: string): DealerSocket {
  const c = new DealerSocket();
  c.connect(endpoint);
  return c;
}
async function next(c: DealerSocket): Promise<string[]> {
  return (await c.receive({ timeoutMs: 60000 })).map((f) => td.decode(f));
}

Deno.test("DynamicWorkerServer backend is a real DEALER socket: an external DEALER's reply for an outstanding job reaches its client; unknown, mismatched and duplicate ones are dropped and counted", async () => {
  // Every task hands its job id and client envelope to the test and waits.
  const started: { job: Uint8Array; envelope: readonly Uint8Array[] }[] = [];
  let onStart: (() => void) | undefined;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    logger: silentLogger,
    worker: async (req, { job, envelope }) => {
      const t = td.decode(req[0]);
      if (t !== "now") {
        started.push({ job, envelope });
        onStart?.();
        await gate;
      }
      return [t.toUpperCase()];
    },
  });
  const waitStarted = (n: number) =>
    started.length >= n
      ? Promise.resolve()
      : new Promise<void>((r) =>
        onStart = () => {
          if (started.length >= n) r();
        }
      );
  const client = dealerClient(server.frontendEndpoint);
  const ext = new DealerSocket();
  ext.connect(server.backendEndpoint);
  try {
    await client.send(["", "a"]);
    await waitStarted(1);
    const a = started[0];
    // An unknown job, then the right job for the wrong client, then the
    // right one, all on one connection (so read in this order).
    await ext.send([new Uint8Array(8), ...a.envelope, "200", "forged"]);
    await ext.send([a.job, "\x01fake", "", "200", "misrouted"]);
    await ext.send([a.job, ...a.envelope, "200", "x"]);
    assertEquals(await next(client), ["", "200", "x"]);
    assertEquals(server.stats.staleReplies, 1);
    assertEquals(server.stats.invalidReplies, 1);
    assertEquals(server.stats.replies, 1);
    // A duplicate for the answered job is dropped; the next job's reply
    // (sent after it on the same connection) is what the client gets.
    await ext.send([a.job, ...a.envelope, "200", "duplicate"]);
    await client.send(["", "b"]);
    await waitStarted(2);
    const b = started[1];
    await ext.send([b.job, ...b.envelope, "200", "y"]);
    assertEquals(await next(client), ["", "200", "y"]);
    assertEquals(server.stats.staleReplies, 2);
    // The two tasks now answer too, late, over the shared inproc DEALER:
    // dropped. "now" is answered after them on that same pipe.
    release();
    await client.send(["", "now"]);
    assertEquals(await next(client), ["", "200", "NOW"]);
    assertEquals(server.stats.staleReplies, 4);
    assertEquals(server.stats.replies, 3);
    assertEquals(client.tryReceive(), null);
  } finally {
    ext.close();
    client.close();
    await server.close();
  }
});

Deno.test("DynamicWorkerServer (task) drops a late reply after its 504: the client gets one reply per request", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    logger: silentLogger,
    jobTimeoutMs: 300,
    worker: async (req) => {
      const t = td.decode(req[0]);
      if (t === "slow") await gate; // ignores its abort signal
      return [t.toUpperCase()];
    },
  });
  const client = dealerClient(server.frontendEndpoint);
  try {
    await client.send(["", "slow"]);
    const timedOut = await next(client);
    assertEquals(timedOut.slice(0, 2), ["", "504"]);
    release(); // the task answers now, too late
    await client.send(["", "fast"]);
    assertEquals(await next(client), ["", "200", "FAST"]);
    assertEquals(server.stats.staleReplies, 1);
    assertEquals(server.stats.timeouts, 1);
    assertEquals(client.tryReceive(), null);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("DynamicWorkerServer (process) answers 500 when its child process is killed mid-job", async () => {
  const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    logger: silentLogger,
    worker: { process: WORKER_URL },
    maxWorkers: 1,
  });
  const client = dealerClient(server.frontendEndpoint);
  try {
    await client.send(["", "pid"]);
    const [, status, pid] = await next(client);
    assertEquals(status, "200");
    // One worker, reused: the same process gets the next job.
    await client.send(["", "sleep:60000"]);
    // Kill only once the job is assigned to that process; killing earlier
    // would make the server start a fresh process for it.
    for (let i = 0; server.stats.active === 0; i++) {
      if (i > 1000) throw new Error("the job was never assigned to the worker");
      await new Promise((r) => setTimeout(r, 5));
    }
    Deno.kill(Number(pid), "SIGKILL");
    const [, killed, reason] = await next(client);
    assertEquals(killed, "500");
    // Either the exit is seen first (SIGKILL), or handing over the job hits
    // the dead process's closed pipe first (BrokenPipe): both are this kill.
    assert(/SIGKILL|BrokenPipe/.test(reason), reason);
    // A fresh process serves the next request.
    await client.send(["", "after"]);
    assertEquals(await next(client), ["", "200", "AFTER"]);
    assertEquals(server.stats.failures, 1);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test({
  name:
    "DynamicWorkerServer (web-worker) ends crashed Web Workers without leaking their libzmq I/O threads",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const threads = () => [...Deno.readDirSync("/proc/self/task")].length;
    const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
      logger: silentLogger,
      worker: WORKER_URL,
      maxWorkers: 1,
    });
    const client = dealerClient(server.frontendEndpoint);
    try {
      await client.send(["", "warm"]);
      assertEquals(await next(client), ["", "200", "WARM"]);
      const before = threads();
      const N = 12;
      for (let i = 0; i < N; i++) {
        await client.send(["", "crash"]);
        assertEquals((await next(client)).slice(0, 2), ["", "500"]);
      }
      await client.send(["", "after"]);
      assertEquals(await next(client), ["", "200", "AFTER"]);
      // A Web Worker terminated with its socket open kept its libzmq
      // context (2 threads) alive: +24 here. Closed first: a few at most.
      const grown = threads() - before;
      assert(grown < N, `threads grew by ${grown} after ${N} crashes`);
      assertEquals(server.stats.failures, N);
    } finally {
      client.close();
      await server.close();
    }
  },
});

Deno.test("DynamicWorkerServer rejects an inproc:// backend for Web Workers and child processes", async () => {
  for (const worker of [WORKER_URL, { process: WORKER_URL }]) {
    await assertRejects(
      () =>
        DynamicWorkerServer.bind(LOCAL, "inproc://dynamic-test", { worker }),
      TypeError,
    );
  }
});

Deno.test("teardown", async () => {
  await shutdown();
});
