/**
 * Binary Star scenarios with real processes (examples/binary_star/
 * bstar_server.ts as children, clients in this process), short heartbeats:
 * 250 ms × 2 = a 500 ms failover timeout.
 *
 * - primary SIGKILL under steady load: the backup serves within 2 × the
 *   failover timeout; every request answered with its own reply once or
 *   failed typed; the primary restarted comes back PASSIVE;
 * - clients that reach only the primary: the backup never becomes active,
 *   not even when the primary dies (no client votes for it);
 * - primary SIGSTOP longer than the timeout, then SIGCONT: the dual active
 *   is detected and resolved (the primary yields), none lasts;
 * - the guide's REQ client (switch after a timeout, settle, resend) works
 *   against the pair across a failover.
 */
import assert from "node:assert/strict";
import {
  BinaryStarClient,
  LazyPirateClient,
  PeerUnavailableError,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import type { Child } from "../helpers/spawn.ts";
import {
  bstarServer,
  guideClient,
  type PairPorts,
  pairPorts,
  sleep,
  states,
  waitState,
  withStderr,
} from "./_helpers.ts";

const HB = 250;
const FAILOVER = HB * 2;
const td = new TextDecoder();

interface Load {
  stop(): Promise<void>;
  /** Replies: client, request, time received (performance.now()). */
  replies: { c: number; n: number; at: number }[];
  failures: unknown[];
  sent: number;
}

/** `clients` BinaryStarClients each sending numbered requests back to back. */
async function steadyLoad(ports: PairPorts, clients: number): Promise<Load> {
  const load: Load = {
    replies: [],
    failures: [],
    sent: 0,
    stop: () => Promise.resolve(),
  };
  let stopping = false;
  const seen = new Set<string>();
  const cs = await Promise.all(
    Array.from({ length: clients }, () =>
      BinaryStarClient.connect(
        [ports.primary.frontend, ports.backup.frontend],
        {
          attemptTimeoutMs: 200,
          settleMs: FAILOVER,
          deadlineMs: 15_000,
          logger: silentLogger,
        },
      )),
  );
  const loops = cs.map(async (client, c) => {
    for (let n = 1; !stopping; n++) {
      load.sent++;
      try {
        const reply = await client.request([`${c}:${n}`]);
        const text = td.decode(reply[0]);
        assert.equal(text, `${c}:${n}`, "each request gets its own reply");
        assert.ok(!seen.has(text), `resolved twice: ${text}`);
        seen.add(text);
        load.replies.push({ c, n, at: performance.now() });
      } catch (e) {
        load.failures.push(e);
      }
      await sleep(10);
    }
  });
  load.stop = async () => {
    stopping = true;
    await Promise.all(loops);
    await Promise.all(cs.map((c) => c.close()));
  };
  return load;
}

Deno.test({
  name:
    "primary SIGKILL under steady load: the backup serves within 2 x the failover timeout, every request answered once; the restarted primary comes back passive",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ports = pairPorts();
    let primary: Child | undefined;
    let backup: Child | undefined;
    let primary2: Child | undefined;
    await withStderr(() => [primary, backup, primary2], async () => {
      primary = await bstarServer("primary", ports, HB);
      backup = await bstarServer("backup", ports, HB);
      await waitState(primary, "ACTIVE");
      await waitState(backup, "PASSIVE");
      const load = await steadyLoad(ports, 4);
      while (load.replies.length < 40) await sleep(20);
      const killedAt = performance.now();
      await primary.kill();
      await waitState(backup, "ACTIVE", 10_000);
      while (!load.replies.some((r) => r.at > killedAt)) await sleep(10);
      const firstServed = load.replies.find((r) => r.at > killedAt)!.at -
        killedAt;
      // every client gets back to work
      const perClient = [0, 1, 2, 3].map((c) => {
        const r = load.replies.find((x) => x.c === c && x.at > killedAt);
        return r ? r.at - killedAt : Infinity;
      });
      const t0 = performance.now();
      while (perClient.some((x) => x === Infinity)) {
        await sleep(20);
        for (let c = 0; c < 4; c++) {
          const r = load.replies.find((x) => x.c === c && x.at > killedAt);
          if (r) perClient[c] = r.at - killedAt;
        }
        if (performance.now() - t0 > 10_000) break;
      }
      console.log(
        `failover: first request served by the backup ${
          Math.round(firstServed)
        } ms after SIGKILL (limit ${2 * FAILOVER}); per client ${
          perClient.map(Math.round).join(", ")
        } ms`,
      );
      assert.ok(
        firstServed <= 2 * FAILOVER,
        `first served after ${firstServed} ms`,
      );
      for (const x of perClient) assert.ok(x <= 4 * FAILOVER, `client ${x} ms`);

      // the primary restarted comes back PASSIVE, never a second active
      primary2 = await bstarServer("primary", ports, HB);
      await waitState(primary2, "PASSIVE", 10_000);
      const before = load.replies.length;
      await sleep(4 * HB);
      assert.ok(load.replies.length > before, "still served by the backup");
      await load.stop();
      assert.deepEqual(states(primary2), ["PRIMARY", "PASSIVE"]);
      assert.deepEqual(states(backup), ["BACKUP", "PASSIVE", "ACTIVE"]);
      assert.equal(load.failures.length, 0, String(load.failures[0]));
      assert.equal(load.replies.length, load.sent, "every request answered");
    });
    await primary2?.kill();
    await backup?.kill();
    await shutdown();
  },
});

Deno.test({
  name:
    "clients that reach only the primary: the backup never becomes active, not even when the primary dies",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ports = pairPorts();
    let primary: Child | undefined;
    let backup: Child | undefined;
    await withStderr(() => [primary, backup], async () => {
      primary = await bstarServer("primary", ports, HB);
      backup = await bstarServer("backup", ports, HB);
      await waitState(primary, "ACTIVE");
      await waitState(backup, "PASSIVE");
      const client = await LazyPirateClient.connect(ports.primary.frontend, {
        attemptTimeoutMs: 300,
        maxAttempts: 1,
        logger: silentLogger,
      });
      for (let i = 0; i < 30; i++) {
        const [r] = await client.request([`${i}`]);
        assert.equal(td.decode(r), `${i}`);
        await sleep(20);
      }
      // The primary dies; its peer is silent, but no client asks the
      // backup: a cut alone never makes it active.
      await primary.kill();
      let failed = 0;
      for (let i = 0; i < 4; i++) {
        await client.request(["x"]).catch(() => failed++);
      }
      await sleep(2 * FAILOVER);
      assert.equal(failed, 4);
      assert.deepEqual(states(backup), ["BACKUP", "PASSIVE"]);
      await client.close();
    });
    await backup?.kill();
    await shutdown();
  },
});

Deno.test({
  name:
    "primary SIGSTOP longer than the failover timeout, then SIGCONT: dual active detected, the primary yields, none lasts; requests all answered",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ports = pairPorts();
    let primary: Child | undefined;
    let backup: Child | undefined;
    await withStderr(() => [primary, backup], async () => {
      primary = await bstarServer("primary", ports, HB);
      backup = await bstarServer("backup", ports, HB);
      await waitState(primary, "ACTIVE");
      await waitState(backup, "PASSIVE");
      const load = await steadyLoad(ports, 2);
      while (load.replies.length < 20) await sleep(20);
      primary.pause();
      await waitState(backup, "ACTIVE", 10_000); // the clients voted
      await sleep(2 * FAILOVER);
      primary.resume();
      // The primary wakes up ACTIVE, hears the backup ACTIVE, yields.
      await waitState(primary, "PASSIVE", 10_000);
      await sleep(4 * HB);
      const before = load.replies.length;
      await sleep(4 * HB);
      assert.ok(load.replies.length > before, "served after the resolution");
      await load.stop();
      assert.deepEqual(states(primary), ["PRIMARY", "ACTIVE", "PASSIVE"]);
      assert.deepEqual(states(backup), ["BACKUP", "PASSIVE", "ACTIVE"]);
      assert.match(primary.stderrText(), /both servers .* ACTIVE/);
      assert.equal(load.failures.length, 0, String(load.failures[0]));
      assert.equal(load.replies.length, load.sent);
    });
    await primary?.kill();
    await backup?.kill();
    await shutdown();
  },
});

Deno.test({
  name:
    "the guide's REQ client (timeout, switch, settle, resend) works against the pair across a failover",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ports = pairPorts();
    let primary: Child | undefined;
    let backup: Child | undefined;
    let client: Child | undefined;
    await withStderr(() => [primary, backup, client], async () => {
      primary = await bstarServer("primary", ports, HB);
      backup = await bstarServer("backup", ports, HB);
      await waitState(primary, "ACTIVE");
      await waitState(backup, "PASSIVE");
      client = await guideClient(ports, [
        "--timeout-ms",
        String(HB), // the guide: 1000 ms = one heartbeat
        "--settle-ms",
        String(FAILOVER), // the guide: 2000 ms = the failover timeout
        "--requests",
        "40",
        "--interval-ms",
        "20",
      ]);
      await client.waitForLine((l) => l.includes('"reply":10,'));
      await primary.kill();
      await client.waitForLine((l) => l.includes('"reply":40,'), 20_000);
      const replies = client.stdoutLines
        .filter((l) => l.includes('"reply"'))
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        replies.map((r) => r.reply),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal(replies.at(-1).server, ports.backup.frontend);
      assert.equal((await client.exited).code, 0);
    });
    await backup?.kill();
    await shutdown();
  },
});

Deno.test("BinaryStarClient: neither server up fails with PeerUnavailableError at the deadline", async () => {
  const ports = pairPorts();
  const client = await BinaryStarClient.connect(
    [ports.primary.frontend, ports.backup.frontend],
    {
      attemptTimeoutMs: 50,
      settleMs: 50,
      deadlineMs: 400,
      logger: silentLogger,
    },
  );
  const t = performance.now();
  const e = await client.request(["x"]).catch((e) => e);
  assert.ok(e instanceof PeerUnavailableError, String(e));
  assert.ok(e.peers.length >= 2);
  assert.ok(e.peers.includes(ports.backup.frontend));
  assert.ok(performance.now() - t < 2000);
  await client.close();
});

Deno.test("BinaryStarClient: a request's own deadlineMs overrides the client's", async () => {
  const ports = pairPorts();
  const client = await BinaryStarClient.connect(
    [ports.primary.frontend, ports.backup.frontend],
    {
      attemptTimeoutMs: 50,
      settleMs: 50,
      deadlineMs: 60_000,
      logger: silentLogger,
    },
  );
  const t = performance.now();
  const e = await client.request(["x"], { deadlineMs: 300 }).catch((e) => e);
  const took = performance.now() - t;
  assert.ok(e instanceof PeerUnavailableError, String(e));
  assert.match(e.message, /deadline 300 ms/);
  assert.ok(took >= 250 && took < 3000, `took ${took} ms`);
  await assert.rejects(
    client.request(["x"], { deadlineMs: 0 }),
    RangeError,
  );
  await assert.rejects(
    // @ts-expect-error: unknown key
    client.request(["x"], { deadline: 5 }),
    /unknown option "deadline"/,
  );
  await client.close();
});
