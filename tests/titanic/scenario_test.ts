// Titanic scenarios with real processes and real files: the worker down for
// a while (and killed) and back; a corrupted log tail cut at restart; a
// full disk; a day of request/reply/close traffic in a bounded log.
import { assert, assertEquals } from "../helpers/assert.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import { shutdown } from "../../src/transport/socket.ts";
import { TitanicClient } from "../../src/patterns/titanic/client.ts";
import { TitanicService } from "../../src/patterns/titanic/service.ts";
import { LogStore } from "../../src/patterns/titanic/store/log_store.ts";
import {
  mdpCall,
  spawnBroker,
  spawnTitanic,
  spawnWorker,
  startBroker,
  startWorker,
  td,
} from "./_helpers.ts";

const QUOTA_TITANIC = new URL("./fixtures/quota_titanic.ts", import.meta.url);
const FAST = [
  "--attempt-timeout-ms",
  "1000",
  "--retry-initial-ms",
  "100",
  "--retry-max-ms",
  "400",
  "--service-check-ms",
  "200",
];

async function client(endpoint: string) {
  return await TitanicClient.connect(endpoint, {
    logger: silentLogger,
    pollInitialMs: 20,
    pollMaxMs: 200,
  });
}

Deno.test({
  name:
    "scenario: the worker is down for a while, then killed mid-stream: every reply arrives, each its own",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "titanic-worker-" });
    await using broker = await spawnBroker();
    await using titanic = await spawnTitanic(broker.endpoint, dir, FAST);
    await titanic.waitForLine((l) => l.includes('"registered"'));
    const c = await client(broker.endpoint);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 200; i++) {
        ids.push(await c.request("echo", [`w${i}`]));
      }
      // No worker: all pending.
      for (const u of ids.slice(0, 20)) {
        assertEquals(await c.reply(u), { status: "pending" });
      }
      let worker: Child = await spawnWorker(broker.endpoint, [
        "--delay-ms",
        "2",
      ]);
      await worker.waitForLine((l) => l.includes('"exec"'));
      // Kill it once it has run a quarter, start another.
      await worker.waitForLine(() =>
        worker.stdoutLines.filter((l) => l.includes('"exec"')).length >= 50
      );
      const firstRuns = worker.stdoutLines.filter((l) =>
        l.includes('"exec"')
      ).length;
      await worker.kill();
      worker = await spawnWorker(broker.endpoint);
      for (const [i, u] of ids.entries()) {
        const r = await c.waitForReply(u, { deadlineMs: 30000 });
        assertEquals(td.decode(r[0]), `re:w${i}`);
      }
      const runs = firstRuns +
        worker.stdoutLines.filter((l) => l.includes('"exec"')).length;
      console.log(
        `200 requests, ${runs} executions (first worker ${firstRuns}, killed)`,
      );
      await worker.kill();
    } finally {
      await c.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "scenario: a corrupted log tail is cut at restart and every acknowledged request is still answered",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "titanic-tail-" });
    await using broker = await spawnBroker();
    let titanic = await spawnTitanic(broker.endpoint, dir, FAST);
    await titanic.waitForLine((l) => l.includes('"registered"'));
    const c = await client(broker.endpoint);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) {
        ids.push(await c.request("echo", [`t${i}`]));
      }
      await titanic.kill();
      const seg = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
        n.endsWith(".log")
      ).sort().pop()!;
      const garbage = crypto.getRandomValues(new Uint8Array(777));
      Deno.writeFileSync(`${dir}/${seg}`, garbage, { append: true });
      titanic = await spawnTitanic(broker.endpoint, dir, FAST);
      assertEquals(titanic.ready.tailBytesCut, 777);
      // At least the 100 acknowledged ones (a client retry after a lost
      // answer stores a copy: titanic.request is not idempotent).
      assert(Number(titanic.ready.pending) >= 100);
      await titanic.waitForLine((l) => l.includes('"registered"'));
      await using worker = await spawnWorker(broker.endpoint);
      for (const [i, u] of ids.entries()) {
        assertEquals(
          td.decode((await c.waitForReply(u, { deadlineMs: 30000 }))[0]),
          `re:t${i}`,
        );
      }
      assert(worker.stdoutLines.length > 0);
    } finally {
      await c.close();
      await titanic.kill();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

async function fullDisk(titanic: Child, endpoint: string) {
  const c = await client(endpoint);
  try {
    await using _worker = await spawnWorker(endpoint);
    const ok: string[] = [];
    let refused = 0;
    for (let i = 0; i < 5000 && refused < 20; i++) {
      const r = await mdpCall(endpoint, "titanic.request", [
        "echo",
        `d${i}`.padEnd(200, "."),
      ]);
      if (r[0] === "200") ok.push(r[1]);
      else {
        assertEquals(r[0], "500");
        refused++;
      }
    }
    assert(ok.length > 10, `stored ${ok.length} before the disk filled`);
    assertEquals(refused, 20);
    // What it has, it still serves: every stored request was answered (or
    // is pending while the full disk stops its reply from being stored).
    let ready = 0, pending = 0;
    for (const u of ok) {
      const r = await c.reply(u);
      if (r.status === "ready") ready++;
      else if (r.status === "pending") pending++;
      else throw new Error(`unexpected ${JSON.stringify(r)}`);
    }
    assertEquals(ready + pending, ok.length);
    assert(ready > 0);
    // And it is still up, answering.
    assertEquals(
      (await mdpCall(endpoint, "titanic.request", [
        "echo",
        "more".padEnd(200),
      ]))[0],
      "500",
    );
    assertEquals(
      (await mdpCall(endpoint, "titanic.reply", [ok[0]]))[0].length,
      3,
    );
    assert(!titanic.hasExited);
    return { stored: ok.length, ready, pending };
  } finally {
    await c.close();
  }
}

Deno.test({
  name:
    "scenario: a full disk (injected ENOSPC) makes Titanic answer 500 and keep serving what it has",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "titanic-full-" });
    await using broker = await spawnBroker();
    await using titanic = await spawnChild(QUOTA_TITANIC, {
      args: [
        "--endpoint",
        broker.endpoint,
        "--dir",
        dir,
        "--quota-bytes",
        "60000",
      ],
    });
    try {
      console.log(JSON.stringify(await fullDisk(titanic, broker.endpoint)));
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

function tmpfsPermitted(): boolean {
  try {
    const r = new Deno.Command("unshare", {
      args: [
        "-m",
        "sh",
        "-c",
        "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt",
      ],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return r.success;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "scenario: a full disk (a 96 KiB tmpfs) makes Titanic answer 500 and keep serving what it has",
  ignore: !tmpfsPermitted(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "titanic-tmpfs-" });
    await using broker = await spawnBroker();
    // The Titanic CLI in its own mount namespace, on a tiny tmpfs.
    const cli = new URL("../../src/cli/titanic.ts", import.meta.url).pathname;
    const script =
      `mount -t tmpfs -o size=96k tmpfs '${dir}' && exec '${Deno.execPath()}' run -A '${cli}' ` +
      `--endpoint '${broker.endpoint}' --dir '${dir}' --heartbeat-ms 100 --liveness 10 --log-level error --stats-ms 0 ${
        FAST.join(" ")
      }`;
    // unshare execs sh, which execs Deno: one process, one pid to kill.
    const proc = new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", script],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    let exited = false;
    void proc.status.then(() => exited = true);
    const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let buf = "";
      while (!buf.includes('"registered"')) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`titanic on tmpfs exited: ${buf}`);
        buf += value;
      }
      const handle = {
        get hasExited() {
          return exited;
        },
      } as unknown as Child;
      console.log(JSON.stringify(await fullDisk(handle, broker.endpoint)));
    } finally {
      if (!exited) proc.kill("SIGKILL");
      await proc.status;
      await lines.cancel().catch(() => {});
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "scenario: a day of request/reply/close traffic compressed: the log stays bounded",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const broker = await startBroker();
    const dir = Deno.makeTempDirSync({ prefix: "titanic-soak-" });
    const SEG = 16 * 1024;
    const store = await LogStore.open(dir, {
      maxSegmentBytes: SEG,
      logger: silentLogger,
    });
    const titanic = await TitanicService.connect(broker.endpoint, {
      store,
      heartbeatIntervalMs: 100,
      liveness: 10,
      logger: silentLogger,
    });
    await titanic.ready;
    let executions = 0;
    const w = await startWorker(broker.endpoint, "echo", (r) => {
      executions++;
      return [new Uint8Array(200), ...r];
    });
    const clients = await Promise.all(
      [1, 2, 3, 4].map(() => client(broker.endpoint)),
    );
    const TOTAL = Number(Deno.env.get("TITANIC_SOAK_REQUESTS") ?? "1500");
    let maxDisk = 0, done = 0;
    try {
      await Promise.all(clients.map(async (c, k) => {
        for (let i = 0; i < TOTAL / 4; i++) {
          await c.call("echo", [`s${k}-${i}`.padEnd(300, ".")], {
            deadlineMs: 30000,
          });
          done++;
          maxDisk = Math.max(maxDisk, store.stats.diskBytes);
        }
      }));
      const s = store.stats;
      const report = {
        requests: done,
        recordsWritten: s.writes,
        executions,
        leftOver: s.replied,
        maxDiskBytes: maxDisk,
        finalDiskBytes: s.diskBytes,
        segments: s.segments,
        compactions: s.compactions,
      };
      console.log(JSON.stringify(report));
      assertEquals(done, TOTAL);
      assertEquals([s.pending, s.parked], [0, 0]);
      // Left over: copies stored by a client's resend after a lost answer
      // (never closed; each ran once more than its original).
      assert(s.replied <= executions - TOTAL, `left over ${s.replied}`);
      // Each round writes 4 records (request, attempt, reply, close: about
      // 1.2 KB); 1,500 rounds write about 1.8 MB, over 100 segments' worth.
      // The log stays within a few segments however long it runs.
      assert(s.compactions >= 10, `compactions ${s.compactions}`);
      assert(maxDisk <= 6 * SEG, `max disk ${maxDisk}`);
    } finally {
      for (const c of clients) await c.close();
      await w.close();
      await titanic.close();
      await store.close();
      await broker.close();
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("scenario teardown", async () => {
  await shutdown();
});
