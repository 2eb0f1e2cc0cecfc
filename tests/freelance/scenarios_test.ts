/**
 * Freelance scenarios with real child processes: servers killed with
 * SIGKILL under load, restarted on the same endpoint, frozen with SIGSTOP
 * and resumed, and fed malformed frames. Clients run in this process, so
 * every request's outcome is counted exactly. Heartbeats are short (100 ms)
 * and every bound generous: the machine is shared. Phases wait on counts,
 * events and ready lines, never on a sleep for ordering.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import {
  DealerSocket,
  FreelanceClient,
  type FreelanceClientEvent,
  FreelanceRetryClient,
  FreelanceShotgunClient,
  NoServerAnsweredError,
  silentLogger,
} from "../../mod.ts";

const td = new TextDecoder();
const ex = (name: string) =>
  new URL(`../../examples/freelance/${name}`, import.meta.url);
const LOCAL = "tcp://127.0.0.1:*";

function flServer(bind: string, tag: string, extra: string[] = []) {
  return spawnChild(ex("server.ts"), {
    args: ["--bind", bind, "--tag", tag, ...extra],
    readyTimeoutMs: 60_000,
  });
}

function repServer(bind: string, tag: string, sequenced: boolean) {
  return spawnChild(ex("rep_server.ts"), {
    args: ["--bind", bind, "--tag", tag, ...(sequenced ? ["--sequenced"] : [])],
    readyTimeoutMs: 60_000,
  });
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
  } finally {
    await Promise.all(children.map((c) => c.kill()));
  }
}

async function until(what: string, cond: () => boolean, ms = 30_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The outcome of every request of a load run. */
class Tally {
  answered = 0;
  failed = 0;
  readonly byTag = new Map<string, number>();
  readonly errors: string[] = [];
  settle(body: string, deadlineMs: number, p: Promise<Uint8Array[]>) {
    return p.then((reply) => {
      const [tag, ...rest] = reply.map((f) => td.decode(f));
      if (rest.length !== 1 || rest[0] !== body) {
        this.errors.push(
          `${body} answered ${JSON.stringify(reply.map((f) => td.decode(f)))}`,
        );
      }
      this.answered++;
      this.byTag.set(tag, (this.byTag.get(tag) ?? 0) + 1);
    }, (e) => {
      this.failed++;
      if (!(e instanceof NoServerAnsweredError)) {
        this.errors.push(`${body} failed untyped: ${e}`);
      } else if (e.elapsedMs < deadlineMs - 1) {
        this.errors.push(`${body} failed before its deadline: ${e.message}`);
      }
    });
  }
}

/*
 *  10 FreelanceClients (this process), 3 in flight each
 *     ├── S1 ── SIGKILL at request 1,000 ──────────── restarted at 5,000 ── used again
 *     ├── S2 ────────────── SIGKILL at request 3,000
 *     └── S3 ─────────────────────────────────────────────────────────────────
 *  10,000 requests: each answered once, with its own body, by a live server,
 *  or failed with NoServerAnsweredError after its deadline.
 */
Deno.test("FreelanceClient: 3 servers, 10 clients, 10,000 requests; two servers killed under load and one restarted; every request answered once by a survivor or failed typed", async () => {
  const children: Child[] = [];
  const [s1, s2, s3] = await Promise.all([
    flServer(LOCAL, "S1"),
    flServer(LOCAL, "S2"),
    flServer(LOCAL, "S3"),
  ]);
  children.push(s1, s2, s3);
  await withStderr(children, async () => {
    const endpoints = [s1.endpoint, s2.endpoint, s3.endpoint];
    const events: FreelanceClientEvent[] = [];
    const clients = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        FreelanceClient.connect(endpoints, {
          heartbeatIntervalMs: 100,
          liveness: 3,
          attemptTimeoutMs: 1000,
          deadlineMs: 10_000,
          logger: silentLogger,
          onEvent: i === 0 ? (e) => events.push(e) : undefined,
        })),
    );
    const TOTAL = 10_000;
    const DEADLINE = 10_000;
    const tally = new Tally();
    let issued = 0;
    let s1Back: Promise<void> | null = null;
    let killed1: Promise<unknown> | null = null;
    let killed2: Promise<unknown> | null = null;
    const restart = async () => {
      await killed1;
      const again = await flServer(s1.endpoint, "S1");
      children.push(again);
      await until(
        "every client to see S1 alive again",
        () =>
          clients.every((c) =>
            c.servers.find((s) => s.endpoint === s1.endpoint)?.state ===
              "alive"
          ),
      );
    };
    const worker = async (c: FreelanceClient, id: number) => {
      for (;;) {
        const n = ++issued;
        if (n > TOTAL) return;
        if (n === 1000) killed1 = s1.kill();
        if (n === 3000) killed2 = s2.kill();
        if (n === 5000) s1Back = restart();
        if (n >= 5000) await s1Back;
        const body = `c${id}-${n}`;
        await tally.settle(body, DEADLINE, c.request([body]));
      }
    };
    const started = Date.now();
    await Promise.all(
      clients.flatMap((c, i) => [0, 1, 2].map(() => worker(c, i))),
    );
    await Promise.all([killed1, killed2]);
    assertEquals(tally.errors.slice(0, 5), []);
    assertEquals(tally.answered + tally.failed, TOTAL);
    let replies = 0, failures = 0, requests = 0;
    for (const c of clients) {
      const s = c.stats;
      replies += s.replies;
      failures += s.failures;
      requests += s.requests;
      assertEquals(s.inFlight + s.waiting, 0);
    }
    assertEquals([requests, replies, failures], [
      TOTAL,
      tally.answered,
      tally.failed,
    ]);
    assert(tally.answered >= TOTAL * 0.99, `answered ${tally.answered}`);
    for (const t of ["S1", "S2", "S3"]) {
      assert((tally.byTag.get(t) ?? 0) > 0, `${t} answered nothing`);
    }
    assert(
      events.some((e) =>
        e.type === "server:dead" && e.endpoint === s2.endpoint
      ),
      "S2 seen dead",
    );
    const back = events.findLastIndex((e) =>
      e.type === "server:alive" && e.endpoint === s1.endpoint
    );
    const dead = events.findIndex((e) =>
      e.type === "server:dead" && e.endpoint === s1.endpoint
    );
    assert(dead >= 0 && back > dead, "S1 dead, then alive again");
    console.log(
      `  ${TOTAL} requests in ${Date.now() - started} ms: ${
        JSON.stringify(Object.fromEntries(tally.byTag))
      }, failed ${tally.failed}`,
    );
    await Promise.all(clients.map((c) => c.close()));
  });
});

Deno.test("FreelanceClient: a SIGSTOPped server is avoided once its heartbeats stop, and used again after SIGCONT", async () => {
  const children: Child[] = [];
  const [a, b] = await Promise.all([
    flServer(LOCAL, "A"),
    flServer(LOCAL, "B"),
  ]);
  children.push(a, b);
  await withStderr(children, async () => {
    const events: FreelanceClientEvent[] = [];
    const client = await FreelanceClient.connect([a.endpoint, b.endpoint], {
      heartbeatIntervalMs: 100,
      liveness: 3,
      attemptTimeoutMs: 300,
      deadlineMs: 10_000,
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    });
    const tally = new Tally();
    let n = 0;
    const batch = (k: number) =>
      Promise.all(
        Array.from({ length: k }, () => {
          const body = `r${++n}`;
          return tally.settle(body, 10_000, client.request([body]));
        }),
      );
    await until("both servers alive", () => client.stats.aliveServers === 2);
    await batch(200);
    assert((tally.byTag.get("A") ?? 0) > 0 && (tally.byTag.get("B") ?? 0) > 0);
    a.pause();
    // Load while A is frozen: its requests fail over to B.
    const during = batch(200);
    await until(
      "A seen dead",
      () =>
        events.some((e) =>
          e.type === "server:dead" && e.endpoint === a.endpoint
        ),
    );
    await during;
    const aBefore = tally.byTag.get("A") ?? 0;
    const mark = events.length;
    await batch(200);
    assertEquals(tally.byTag.get("A") ?? 0, aBefore, "A avoided while stopped");
    // A request sent to the frozen A would have timed out there and failed
    // over from it.
    assertEquals(
      events.slice(mark).filter((e) =>
        e.type === "request:failover" && e.from === a.endpoint
      ),
      [],
      "nothing sent to A while it is dead",
    );
    a.resume();
    await until(
      "A alive again",
      () =>
        client.servers.find((s) => s.endpoint === a.endpoint)?.state ===
          "alive",
    );
    await batch(200);
    assert((tally.byTag.get("A") ?? 0) > aBefore, "A used again");
    assertEquals(tally.errors, []);
    assertEquals(tally.answered, 800);
    // Replies A sent after SIGCONT to requests that had moved on were late.
    await client.close();
  });
});

Deno.test("FreelanceServer: malformed frames at a server process are dropped and counted, and it keeps serving", async () => {
  const children: Child[] = [];
  const s = await flServer(LOCAL, "S", ["--stats-ms", "50"]);
  children.push(s);
  await withStderr(children, async () => {
    const raw = new DealerSocket({ lingerMs: 0 });
    raw.connect(s.endpoint);
    const bad = [["17"], ["ping"], ["PONG"], [""], ["x".repeat(300), "y"]];
    for (const m of bad) await raw.send(m);
    await raw.send(["PING"]);
    assertEquals((await raw.receive()).map((f) => td.decode(f)), ["PONG"]);
    const line = await s.waitForLine((l) => {
      const j = JSON.parse(l);
      return j.event === "stats" && j.malformed >= bad.length;
    });
    assertEquals(JSON.parse(line).malformed, bad.length);
    assertEquals(JSON.parse(line).pings, 1);
    raw.close();
    const client = await FreelanceClient.connect(s.endpoint, {
      logger: silentLogger,
    });
    const reply = await client.request(["still"], { deadlineMs: 10_000 });
    assertEquals(reply.map((f) => td.decode(f)), ["S", "still"]);
    await client.close();
  });
});

Deno.test("FreelanceShotgunClient: 3 servers, two killed under load; every request answered by a survivor or failed typed", async () => {
  const children: Child[] = [];
  const servers = await Promise.all(
    ["S1", "S2", "S3"].map((t) => repServer(LOCAL, t, true)),
  );
  children.push(...servers);
  await withStderr(children, async () => {
    const client = await FreelanceShotgunClient.connect(
      servers.map((s) => s.endpoint),
      { deadlineMs: 5000, logger: silentLogger },
    );
    const TOTAL = 2000;
    let issued = 0, answered = 0, failed = 0;
    const kills: Promise<unknown>[] = [];
    const worker = async () => {
      for (;;) {
        const n = ++issued;
        if (n > TOTAL) return;
        if (n === 500) kills.push(servers[0].kill());
        if (n === 1000) kills.push(servers[1].kill());
        try {
          const [tag, ok] = await client.request([`r${n}`]);
          assertEquals(td.decode(ok), "OK");
          assert(/^S[123]$/.test(td.decode(tag)));
          answered++;
        } catch (e) {
          assert(e instanceof NoServerAnsweredError, String(e));
          assert(e.elapsedMs >= 4999);
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, worker));
    await Promise.all(kills);
    assertEquals(answered + failed, TOTAL);
    const s = client.stats;
    assertEquals([s.requests, s.replies, s.failures], [
      TOTAL,
      answered,
      failed,
    ]);
    assert(answered >= TOTAL * 0.99, `answered ${answered}`);
    assert(s.duplicates > 0, "the shotgun got duplicates");
    await client.close();
  });
});

Deno.test("FreelanceRetryClient: the first server killed; requests fail over to the next and stay there", async () => {
  const children: Child[] = [];
  const servers = await Promise.all(
    ["S1", "S2", "S3"].map((t) => repServer(LOCAL, t, false)),
  );
  children.push(...servers);
  await withStderr(children, async () => {
    const client = await FreelanceRetryClient.connect(
      servers.map((s) => s.endpoint),
      { attemptTimeoutMs: 1000, logger: silentLogger },
    );
    const tags: string[] = [];
    const ask = async (n: number) => {
      const [tag, body] = await client.request([`r${n}`]);
      assertEquals(td.decode(body), `r${n}`);
      tags.push(td.decode(tag));
    };
    for (let n = 1; n <= 50; n++) await ask(n);
    assertEquals(new Set(tags), new Set(["S1"]));
    await servers[0].kill();
    for (let n = 51; n <= 100; n++) await ask(n);
    assertEquals(tags.slice(50), Array(50).fill("S2"), "S2 from then on");
    assertEquals(client.stats.retries, 1, "one timeout, then sticky");
    await servers[1].kill();
    await servers[2].kill();
    await client.request(["x"]).then(() => assert(false, "answered"), (e) => {
      assert(e instanceof NoServerAnsweredError, String(e));
      assertEquals(e.attempts, 3);
    });
    assertEquals(client.stats.replies, 100);
    assertEquals(client.stats.failures, 1);
    await client.close();
  });
});
