/**
 * DynamicWorkerServer: in-process tests (tasks, Web Workers, child
 * processes) and the 1,000-client scenario against the example server as a
 * child process. The backend socket itself: backend_test.ts.
 *
 *   1000 × REQ ──► ROUTER frontend ──► worker per request (task | Web Worker | process)
 *        ◄─────── [id][""]["200"][TEXT] ◄── DEALER backend ◄── worker's DEALER:
 *                                         [job][id][""]["200"][TEXT]
 */
import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../helpers/assert.ts";
import { spawnChild } from "../helpers/spawn.ts";
import {
  DealerSocket,
  DynamicStatus,
  DynamicWorkerServer,
  parseDynamicReply,
  ReqSocket,
  shutdown,
  silentLogger,
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

Deno.test("DynamicWorkerServer.bind() validates its arguments", async () => {
  const bind = (o: unknown, fe: unknown = LOCAL, be: unknown = LOCAL) =>
    DynamicWorkerServer.bind(fe as string, be as string, o as never);
  await assertRejects(() => bind(undefined), TypeError);
  await assertRejects(() => bind({ worker: 42 }), TypeError);
  await assertRejects(() => bind({ worker: "not a url" }), TypeError);
  await assertRejects(() => bind({ worker: () => [] }, "nope"), TypeError);
  await assertRejects(() => bind({ worker: () => [], timeout: 5 }), TypeError);
  for (
    const bad of [
      { maxWorkers: 0 },
      { maxQueued: -1 },
      { jobTimeoutMs: 0 },
      { jobTimeoutMs: 2 ** 31 },
      { jobTimeoutMs: NaN },
      { maxFrameBytes: 0 },
      { maxFrameBytes: 100, maxMessageBytes: 10 },
    ]
  ) {
    await assertRejects(
      () => bind({ worker: () => [], ...bad }),
      RangeError,
      JSON.stringify(bad),
    );
  }
  assertThrows(() => parseDynamicReply([]), TypeError);
});

for (const kind of ["task", "web-worker", "process"] as const) {
  Deno.test(`DynamicWorkerServer (${kind}) answers, and sends error replies for failures and timeouts`, async () => {
    const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
      logger: silentLogger,
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
    const ok = await ask(server.frontendEndpoint, "hi");
    assertEquals([ok.status, td.decode(ok.body[0])], ["200", "HI"]);
    const failed = await ask(server.frontendEndpoint, "fail");
    assertEquals(failed.status, DynamicStatus.FAILED);
    assert(failed.error!.includes("asked to fail"), failed.error);
    const crashed = await ask(server.frontendEndpoint, "crash");
    assertEquals(crashed.status, DynamicStatus.FAILED);
    const slow = await ask(server.frontendEndpoint, "sleep:20000");
    assertEquals(slow.status, DynamicStatus.TIMEOUT);
    // Malformed frames are dropped and counted; the server keeps serving.
    const bad = new DealerSocket();
    bad.connect(server.frontendEndpoint);
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
  const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    logger: silentLogger,
    worker: WORKER_URL.href,
    reuseWebWorkers: false,
    maxWorkers: 2,
  });
  const replies = await Promise.all(
    ["a", "b", "c", "d"].map((t) => ask(server.frontendEndpoint, t)),
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
  const server = await DynamicWorkerServer.bind(LOCAL, LOCAL, {
    logger: silentLogger,
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
    s.connect(server.frontendEndpoint);
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

Deno.test("teardown", async () => {
  await shutdown();
});
