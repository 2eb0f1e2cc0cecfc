/**
 * The Majordomo broker as a Binary Star pair (`deno task broker --primary
 * | --backup`, real processes): the primary broker SIGKILLed under load;
 * workers and clients (given both brokers) move to the backup; every
 * request answered once with its own reply. Also the pair in one process:
 * a passive broker refuses workers (DISCONNECT) and drops client requests.
 */
import assert from "node:assert/strict";
import {
  curveKeyPair,
  MajordomoAsyncClient,
  MajordomoBroker,
  MajordomoBrokerPair,
  MajordomoClient,
  MajordomoWorker,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import { freePorts, sleep, states, waitState, withStderr } from "./_helpers.ts";

const td = new TextDecoder();
const CLI = new URL("../../src/cli/broker.ts", import.meta.url);
const PAIR_HB = 100; // failover timeout 200 ms

function brokerChild(
  role: "primary" | "backup",
  bind: string,
  local: string,
  peer: string,
): Promise<Child> {
  return spawnChild(CLI, {
    args: [
      `--${role}`,
      "--bind",
      bind,
      "--local",
      local,
      "--peer",
      peer,
      "--pair-heartbeat-ms",
      String(PAIR_HB),
      "--heartbeat-ms",
      "100",
      "--stats-ms",
      "0",
      "--log-level",
      "warn",
      "--log-format",
      "json",
    ],
    readyTimeoutMs: 60000,
  });
}

Deno.test({
  name:
    "Majordomo pair: primary broker SIGKILL under load; clients (sync and async) and workers move to the backup; every request answered once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const [a, b, c, d] = freePorts(4).map((p) => `tcp://127.0.0.1:${p}`);
    let primary: Child | undefined;
    let backup: Child | undefined;
    await withStderr(() => [primary, backup], async () => {
      primary = await brokerChild("primary", a, c, d);
      backup = await brokerChild("backup", b, d, c);
      await waitState(primary, "ACTIVE");
      await waitState(backup, "PASSIVE");
      const endpoints = [a, b] as const;
      const served = new Map<string, number>();
      const workers = await Promise.all(
        [0, 1].map((w) =>
          MajordomoWorker.connect(endpoints, "echo", (req) => {
            served.set(`w${w}`, (served.get(`w${w}`) ?? 0) + 1);
            return req;
          }, { heartbeatIntervalMs: 100, liveness: 3, logger: silentLogger })
        ),
      );
      await Promise.all(workers.map((w) => w.ready));
      let stopping = false;
      const replies = new Set<string>();
      const failures: unknown[] = [];
      let sent = 0;
      const check = (text: string, expect: string) => {
        assert.equal(text, expect, "own reply");
        assert.ok(!replies.has(text), `resolved twice: ${text}`);
        replies.add(text);
      };
      const sync = await Promise.all(
        [0, 1, 2].map(() =>
          MajordomoClient.connect(endpoints, {
            attemptTimeoutMs: 500,
            maxAttempts: 20,
            logger: silentLogger,
          })
        ),
      );
      const loops = sync.map(async (client, i) => {
        for (let n = 1; !stopping; n++) {
          sent++;
          const body = `s${i}:${n}`;
          try {
            const [r] = await client.request("echo", [body]);
            check(td.decode(r), body);
          } catch (e) {
            failures.push(e);
          }
          await sleep(5);
        }
      });
      const asyncClient = await MajordomoAsyncClient.connect(endpoints, {
        attemptTimeoutMs: 500,
        maxAttempts: 20,
        deadlineMs: 20_000,
        logger: silentLogger,
      });
      const asyncLoop = (async () => {
        for (let n = 1; !stopping; n++) {
          const batch = [0, 1, 2, 3].map(async (k) => {
            sent++;
            const body = `a${k}:${n}`;
            try {
              const [r] = await asyncClient.request("echo", [body]);
              check(td.decode(r), body);
            } catch (e) {
              failures.push(e);
            }
          });
          await Promise.all(batch);
          await sleep(5);
        }
      })();
      while (replies.size < 100) await sleep(20);
      const killedAt = performance.now();
      const before = replies.size;
      await primary.kill();
      await waitState(backup, "ACTIVE", 10_000);
      while (replies.size < before + 100) {
        await sleep(20);
        if (performance.now() - killedAt > 20_000) break;
      }
      console.log(
        `broker failover: ${
          replies.size - before
        } replies from the backup within ${
          Math.round(performance.now() - killedAt)
        } ms of SIGKILL`,
      );
      stopping = true;
      await Promise.all([...loops, asyncLoop]);
      assert.equal(failures.length, 0, String(failures[0]));
      assert.equal(replies.size, sent, "every request answered once");
      assert.ok(replies.size >= before + 100);
      assert.deepEqual(states(backup), ["BACKUP", "PASSIVE", "ACTIVE"]);
      for (const w of workers) assert.equal(w.endpoint, b, "worker moved");
      await Promise.all(sync.map((c) => c.close()));
      await asyncClient.close();
      await Promise.all(workers.map((w) => w.close()));
    });
    await backup?.kill();
    await primary?.kill();
    await shutdown();
  },
});

Deno.test({
  name:
    "Majordomo pair in one process: a passive broker sends workers DISCONNECT and drops client requests; they land on the active one",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const pair = { heartbeatIntervalMs: 50, logger: silentLogger };
    const [sp, sb] = freePorts(2).map((p) => `tcp://127.0.0.1:${p}`);
    const primary = await MajordomoBrokerPair.bind("tcp://127.0.0.1:*", {
      pair: { ...pair, role: "primary", stateBind: sp, statePeer: sb },
      broker: { heartbeatIntervalMs: 50, logger: silentLogger },
    });
    const backup = await MajordomoBrokerPair.bind("tcp://127.0.0.1:*", {
      pair: { ...pair, role: "backup", stateBind: sb, statePeer: sp },
      broker: { heartbeatIntervalMs: 50, logger: silentLogger },
    });
    while (primary.state !== "ACTIVE" || backup.state !== "PASSIVE") {
      await sleep(10);
    }
    // Workers given [backup, primary]: the passive backup refuses them.
    const endpoints = [backup.endpoint, primary.endpoint] as const;
    const worker = await MajordomoWorker.connect(endpoints, "echo", (r) => r, {
      heartbeatIntervalMs: 50,
      logger: silentLogger,
    });
    await worker.ready;
    assert.equal(worker.endpoint, primary.endpoint);
    const client = await MajordomoClient.connect(endpoints, {
      attemptTimeoutMs: 300,
      maxAttempts: 5,
      logger: silentLogger,
    });
    const [r] = await client.request("echo", ["hi"]);
    assert.equal(td.decode(r), "hi");
    assert.equal(client.endpoint, primary.endpoint);
    assert.ok(backup.stats.counters.notAdmitted > 0);
    assert.equal(backup.stats.workers, 0);
    assert.equal(primary.stats.workers, 1);
    assert.equal(backup.node.stats.rejected > 0, true);
    await client.close();
    await worker.close();
    await backup.close();
    await primary.close();
    // a plain broker still serves everything (admit unset)
    const plain = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
      logger: silentLogger,
    });
    assert.equal(plain.stats.counters.notAdmitted, 0);
    await plain.close();
  },
});

Deno.test({
  name:
    "Majordomo pair with CURVE: both brokers take security, workerSecurity and usersCounted; an allowed client is served and attributed, a worker key not on the worker list cannot register",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = curveKeyPair();
    const client = curveKeyPair();
    const worker = curveKeyPair();
    const pairOpts = { heartbeatIntervalMs: 50, logger: silentLogger };
    const broker = {
      heartbeatIntervalMs: 50,
      logger: silentLogger,
      security: {
        curve: {
          secretKey: server.secretKey,
          allow: [client.publicKey, worker.publicKey],
        },
      },
      workerSecurity: { allow: [worker.publicKey] },
      usersCounted: 10,
    };
    const [sp, sb] = freePorts(2).map((p) => `tcp://127.0.0.1:${p}`);
    const primary = await MajordomoBrokerPair.bind("tcp://127.0.0.1:*", {
      pair: { ...pairOpts, role: "primary", stateBind: sp, statePeer: sb },
      broker,
    });
    const backup = await MajordomoBrokerPair.bind("tcp://127.0.0.1:*", {
      pair: { ...pairOpts, role: "backup", stateBind: sb, statePeer: sp },
      broker,
    });
    try {
      while (primary.state !== "ACTIVE" || backup.state !== "PASSIVE") {
        await sleep(10);
      }
      const endpoints = [primary.endpoint, backup.endpoint] as const;
      const sec = (secretKey: string) => ({
        curve: { serverKey: server.publicKey, secretKey },
      });
      const w = await MajordomoWorker.connect(endpoints, "echo", (r) => r, {
        heartbeatIntervalMs: 50,
        logger: silentLogger,
        security: sec(worker.secretKey),
      });
      await w.ready;
      // The client's key is admitted but is not on the worker list.
      const impostor = await MajordomoWorker.connect(
        endpoints,
        "echo",
        () => ["impostor"],
        {
          heartbeatIntervalMs: 50,
          logger: silentLogger,
          security: sec(client.secretKey),
        },
      );
      const c = await MajordomoClient.connect(endpoints, {
        attemptTimeoutMs: 1000,
        maxAttempts: 3,
        logger: silentLogger,
        security: sec(client.secretKey),
      });
      for (let i = 0; i < 20; i++) {
        const [r] = await c.request("echo", [`m${i}`]);
        assert.equal(td.decode(r), `m${i}`);
      }
      while (primary.stats.counters.refusedWorkers === 0) await sleep(10);
      assert.equal(primary.stats.workers, 1);
      // Its 20 requests, and the client's own MMI probes (mmi.rz).
      const counted = primary.broker.requestsByUser()?.users[client.publicKey];
      assert.ok(counted !== undefined && counted >= 20 && counted <= 24);
      assert.equal(
        backup.broker.requestsByUser()?.users[client.publicKey],
        undefined,
      );
      await c.close();
      await impostor.close();
      await w.close();
    } finally {
      await backup.close();
      await primary.close();
    }
  },
});
