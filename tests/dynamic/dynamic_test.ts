/**
 * DynamicWorkerServer: in-process tests (tasks, Web Workers, child
 * processes), the backend as a real socket, late and duplicate replies, and
 * the 1,000-client scenario against the example server as a child process.
 *
 *   1000 × REQ ──► ROUTER frontend ──► worker per request (task | Web Worker | process)
 *        ◄─────── [id][""]["200"][TEXT] ◄── DEALER backend ◄── worker's DEALER:
 *                                         [job][id][""]["200"][TEXT]
 */
import { assert, assertEquals, assertThrows } from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";
import {
  DealerSocket,
  DynamicStatus,
  DynamicWorkerServer,
  parseDynamicReply,
  ReqSocket,
  shutdown,
} from "../../mod.ts";

const td = new TextDecoder();
const LOCAL = "tcp://127.0.0.1:*";
const WORKER_URL = new URL(
  "../../examples/dynamic/upper_worker.ts",
  import.meta.url,
);

async function ask(endpoint: string, text: string) {
  const req = new ReqSocket();
  req.connect(endpoint);
  try {
    await req.send([text]);
    return parseDynamicReply(await req.receive({ timeoutMs: 60000 }));
  } finally {
    req.close();
  }
}

Deno.test("DynamicWorkerServer.bind() validates its options", () => {
  assertThrows(
    () => DynamicWorkerServer.bind(undefined as never),
    TypeError,
  );
  assertThrows(
    () => DynamicWorkerServer.bind({ worker: 42 as never }),
    TypeError,
  );
  assertThrows(
    () => DynamicWorkerServer.bind({ worker: "not a url" }),
    TypeError,
  );
  assertThrows(
    () =>
      DynamicWorkerServer.bind({
        worker: () => [],
        maxWorkers: 0,
        endpoint: LOCAL,
        backend: LOCAL,
      }),
    RangeError,
  );
  assertThrows(
    () =>
      DynamicWorkerServer.bind({
        worker: () => [],
        maxQueued: -1,
        endpoint: LOCAL,
        backend: LOCAL,
      }),
    RangeError,
  );
  assertThrows(
    () =>
      DynamicWorkerServer.bind({
        worker: () => [],
        jobTimeoutMs: 0,
        endpoint: LOCAL,
        backend: LOCAL,
      }),
    RangeError,
  );
  assertThrows(() => parseDynamicReply([]), TypeError);
});

for (const kind of ["task", "web-worker", "process"] as const) {
  Deno.test(`DynamicWorkerServer (${kind}) answers, and sends error replies for failures and timeouts`, async () => {
    const server = await DynamicWorkerServer.bind({
      endpoint: LOCAL,
      backend: LOCAL,
      worker: kind === "task"
        ? (req, { signal }) => {
          const t = td.decode(req[0]);
          if (t === "fail") throw new Error("asked to fail");
          if (t === "crash") return [] as string[]; // an invalid reply
          if (t.startsWith("sleep:")) {
            return new Promise((resolve, reject) => {
              const timer = setTimeout(() => resolve([t]), Number(t.slice(6)));
              signal.addEventListener("abort", () => {
                clearTimeout(timer);
                reject(signal.reason);
              });
            });
          }
          return [t.toUpperCase()];
        }
        : kind === "web-worker"
        ? WORKER_URL
        : { process: WORKER_URL },
      // A Web Worker's or child process's cold start (module load) counts against its first job.
      jobTimeoutMs: kind === "task" ? 1500 : 5000,
      maxWorkers: 2,
    });
    assertEquals(server.kind, kind);
    const ok = await ask(server.endpoint, "hi");
    assertEquals([ok.status, td.decode(ok.body[0])], ["200", "HI"]);
    const failed = await ask(server.endpoint, "fail");
    assertEquals(failed.status, DynamicStatus.FAILED);
    assert(failed.error!.includes("asked to fail"), failed.error);
    const crashed = await ask(server.endpoint, "crash");
    assertEquals(crashed.status, DynamicStatus.FAILED);
    const slow = await ask(server.endpoint, "sleep:20000");
    assertEquals(slow.status, DynamicStatus.TIMEOUT);
    // Malformed frames are dropped and counted; the server keeps serving.
    const bad = new DealerSocket();
    bad.connect(server.endpoint);
    await bad.send(["no delimiter"]);
    await bad.send([""]); // delimiter but no body
    // Same connection, so the good request is read after the bad ones.
    await bad.send(["", "after"]);
    const again = await bad.receive({ timeoutMs: 60000 });
    assertEquals(again.map((f) => td.decode(f)), ["", "200", "AFTER"]);
    assertEquals(server.stats.invalid, 2);
    assertEquals(server.stats.failures, 2);
    assertEquals(server.stats.timeouts, 1);
    bad.close();
    await server.close();
  });
}

Deno.test("DynamicWorkerServer starts a fresh Web Worker per request with reuseWebWorkers: false", async () => {
  const server = await DynamicWorkerServer.bind({
    endpoint: LOCAL,
    backend: LOCAL,
    worker: WORKER_URL.href,
    reuseWebWorkers: false,
    maxWorkers: 2,
  });
  const replies = await Promise.all(
    ["a", "b", "c", "d"].map((t) => ask(server.endpoint, t)),
  );
  assertEquals(replies.map((r) => td.decode(r.body[0])), ["A", "B", "C", "D"]);
  assertEquals(server.stats.webWorkers, 0);
  assertEquals(server.stats.replies, 4);
  await server.close();
});

Deno.test("DynamicWorkerServer bounds concurrent workers and refuses beyond its queue", async () => {
  let running = 0, peak = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const server = await DynamicWorkerServer.bind({
    endpoint: LOCAL,
    backend: LOCAL,
    worker: async (req) => {
      running++;
      peak = Math.max(peak, running);
      await gate;
      running--;
      return req;
    },
    maxWorkers: 3,
    maxQueued: 2,
  });
  const sockets = Array.from({ length: 8 }, () => {
    const s = new ReqSocket();
    s.connect(server.endpoint);
    return s;
  });
  await Promise.all(sockets.map((s, i) => s.send([`r${i}`])));
  // 3 run, 2 wait, 3 are refused at once.
  const refused = await Promise.all(
    sockets.map((s) =>
      s.receive({ timeoutMs: 500 }).then(
        (r) => parseDynamicReply(r).status,
        () => "pending",
      )
    ),
  );
  assertEquals(refused.filter((s) => s === "503").length, 3);
  assertEquals(server.stats.rejected, 3);
  assertEquals(server.stats.active, 3);
  assertEquals(server.stats.queued, 2);
  release();
  const pending = sockets.filter((_, i) => refused[i] === "pending");
  const rest = await Promise.all(
    pending.map((s) =>
      s.receive({ timeoutMs: 20000 }).then((r) => parseDynamicReply(r).status)
    ),
  );
  assertEquals(rest, ["200", "200", "200", "200", "200"]);
  assertEquals(peak, 3);
  for (const s of sockets) s.close();
  await server.close();
});

for (const kind of ["task", "web-worker", "process"] as const) {
  Deno.test(`DynamicWorkerServer (${kind}, server in a child process) answers 1,000 concurrent clients, each its own reply`, async () => {
    await using server = await spawnChild(
      new URL("../../examples/dynamic/server.ts", import.meta.url),
      {
        args: [
          "--frontend",
          LOCAL,
          "--backend",
          LOCAL,
          "--kind",
          kind,
          "--max-workers",
          "16",
          "--log-level",
          "warn",
        ],
        readyTimeoutMs: 60000,
      },
    );
    const N = 1000;
    const sockets = Array.from({ length: N }, () => {
      const s = new ReqSocket();
      s.connect(server.endpoint);
      return s;
    });
    try {
      await Promise.all(sockets.map((s, i) => s.send([`client ${i}`])));
      const replies = await Promise.all(
        sockets.map((s) => s.receive({ timeoutMs: 60000 })),
      );
      replies.forEach((r, i) => {
        const p = parseDynamicReply(r);
        assertEquals(p.status, "200", `client ${i}: ${p.error}`);
        assertEquals(td.decode(p.body[0]), `CLIENT ${i}`);
      });
      // Each job answered once: the server forwarded exactly N replies and
      // saw no late, duplicate or malformed backend message.
      await server.terminate(30000);
      const stats = JSON.parse(
        server.stderrText().split("\n").findLast((l) =>
          l.startsWith("{") && l.includes('"staleReplies"')
        )!,
      );
      assertEquals(
        [stats.requests, stats.replies, stats.staleReplies],
        [N, N, 0],
      );
      assertEquals([stats.failures, stats.invalidReplies], [0, 0]);
    } catch (e) {
      console.error(server.stderrText());
      throw e;
    } finally {
      for (const s of sockets) s.close();
    }
  });
}

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
  const server = await DynamicWorkerServer.bind({
    endpoint: LOCAL,
    backend: LOCAL,
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
  const client = dealerClient(server.endpoint);
  const ext = new DealerSocket();
  ext.connect(server.backend);
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
  const server = await DynamicWorkerServer.bind({
    endpoint: LOCAL,
    backend: LOCAL,
    jobTimeoutMs: 300,
    worker: async (req) => {
      const t = td.decode(req[0]);
      if (t === "slow") await gate; // ignores its abort signal
      return [t.toUpperCase()];
    },
  });
  const client = dealerClient(server.endpoint);
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
  const server = await DynamicWorkerServer.bind({
    endpoint: LOCAL,
    backend: LOCAL,
    worker: { process: WORKER_URL },
    maxWorkers: 1,
  });
  const client = dealerClient(server.endpoint);
  try {
    await client.send(["", "pid"]);
    const [, status, pid] = await next(client);
    assertEquals(status, "200");
    // One worker, reused: the same process gets the next job.
    await client.send(["", "sleep:60000"]);
    Deno.kill(Number(pid), "SIGKILL");
    const [, killed, reason] = await next(client);
    assertEquals(killed, "500");
    assert(reason.includes("SIGKILL"), reason);
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
    const server = await DynamicWorkerServer.bind({
      endpoint: LOCAL,
      backend: LOCAL,
      worker: WORKER_URL,
      maxWorkers: 1,
    });
    const client = dealerClient(server.endpoint);
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

Deno.test("DynamicWorkerServer rejects an inproc:// backend for Web Workers and child processes", () => {
  for (const worker of [WORKER_URL, { process: WORKER_URL }]) {
    assertThrows(
      () =>
        DynamicWorkerServer.bind({
          worker,
          endpoint: LOCAL,
          backend: "inproc://dynamic-test",
        }),
      TypeError,
    );
  }
  assertThrows(
    () =>
      DynamicWorkerServer.bind({
        worker: () => ["x"],
        endpoint: LOCAL,
        frontend: "tcp://127.0.0.1:1",
      }),
    TypeError,
  );
});

Deno.test("teardown", async () => {
  await shutdown();
});
