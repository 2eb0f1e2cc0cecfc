/**
 * The Freelance classes on real sockets in one process: the wire each
 * server speaks (10/FLP and REP), malformed input dropped and counted,
 * option checks.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  DealerSocket,
  NoServerAnsweredError,
  RouterSocket,
  silentLogger,
} from "../../mod.ts";
import {
  FreelanceClient,
  FreelanceRepServer,
  FreelanceRetryClient,
  FreelanceServer,
  FreelanceShotgunClient,
} from "../../src/patterns/freelance/mod.ts";

const td = new TextDecoder();
const LOCAL = "tcp://127.0.0.1:*";
const texts = (m: Uint8Array[]) => m.map((f) => td.decode(f));
const quiet = { logger: silentLogger };

async function until(cond: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("FreelanceServer: identity is the endpoint; PING → PONG; a request whose control frame is PING is a request; malformed input dropped and counted", async () => {
  const server = await FreelanceServer.bind(
    LOCAL,
    (req) => ["OK", ...req],
    quiet,
  );
  const client = new RouterSocket({ routerMandatory: true, lingerMs: 0 });
  client.connect(server.endpoint);
  try {
    let sent = false;
    for (let i = 0; i < 500 && !sent; i++) {
      try {
        sent = client.trySend([server.endpoint, "PING"]);
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    assert(sent, "the server's identity is its endpoint");
    assertEquals(texts(await client.receive()), [server.endpoint, "PONG"]);
    await client.send([server.endpoint, "PING", "body"]);
    assertEquals(texts(await client.receive()), [
      server.endpoint,
      "PING",
      "OK",
      "body",
    ]);
    for (const bad of [["17"], ["ping"], ["PONG"], [""]]) {
      await client.send([server.endpoint, ...bad]);
    }
    await client.send([server.endpoint, "7", "x"]);
    assertEquals(texts(await client.receive()), [
      server.endpoint,
      "7",
      "OK",
      "x",
    ]);
    const s = server.stats;
    assertEquals([s.pings, s.requests, s.replies, s.malformed], [1, 2, 2, 4]);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("FreelanceServer: a handler that throws or returns nothing leaves the request unanswered and the client fails over", async () => {
  const bad = await FreelanceServer.bind(LOCAL, () => {
    throw new Error("boom");
  }, quiet);
  const empty = await FreelanceServer.bind(LOCAL, () => [], quiet);
  const good = await FreelanceServer.bind(LOCAL, async (r) => {
    await Promise.resolve();
    return r;
  }, quiet);
  const client = await FreelanceClient.connect(
    [bad.endpoint, empty.endpoint, good.endpoint],
    { attemptTimeoutMs: 100, deadlineMs: 5000, ...quiet },
  );
  try {
    await until(() => client.stats.aliveServers === 3);
    for (let i = 0; i < 6; i++) {
      assertEquals(texts(await client.request([`r${i}`])), [`r${i}`]);
    }
    assert(bad.stats.handlerErrors + empty.stats.handlerErrors >= 1);
    assert(client.stats.failovers >= 1);
  } finally {
    await client.close();
    await Promise.all([bad.close(), empty.close(), good.close()]);
  }
});

Deno.test("FreelanceClient: requests made before any server is up wait for one; a deadline with no server fails typed", async () => {
  const client = await FreelanceClient.connect([], {
    heartbeatIntervalMs: 50,
    ...quiet,
  });
  try {
    await client.request(["x"], { deadlineMs: 100 }).then(
      () => assert(false, "answered by nobody"),
      (e) => {
        assert(e instanceof NoServerAnsweredError, String(e));
        assertEquals(e.peers, []);
      },
    );
    const server = await FreelanceServer.bind(LOCAL, (r) => r, quiet);
    const pending = client.request(["early"], { deadlineMs: 10_000 });
    client.connect(server.endpoint);
    client.connect(server.endpoint);
    assertEquals(client.servers.length, 1);
    assertEquals(texts(await pending), ["early"]);
    await server.close();
  } finally {
    await client.close();
  }
});

Deno.test("FreelanceClient and FreelanceServer refuse bad options", async () => {
  const bad: [string, unknown][] = [
    ["heartbeatIntervalMs", 0],
    ["liveness", 0],
    ["attemptTimeoutMs", "1"],
    ["deadlineMs", -1],
    ["bogus", 1],
    ["socketOptions", { routingId: "me" }],
  ];
  for (const [k, v] of bad) {
    await FreelanceClient.connect([], { [k]: v } as never).then(
      (c) => {
        c.close();
        assert(false, `${k} accepted`);
      },
      (e) => assert(e instanceof TypeError || e instanceof RangeError, k),
    );
  }
  await FreelanceClient.connect([], { attemptTimeoutMs: 5000, deadlineMs: 100 })
    .then(() => assert(false), (e) => assert(e instanceof RangeError));
  await FreelanceClient.connect(["nope"]).then(
    () => assert(false),
    (e) => assert(e instanceof TypeError),
  );
  await FreelanceServer.bind(LOCAL, "x" as never).then(
    () => assert(false),
    (e) => assert(e instanceof TypeError),
  );
  await FreelanceServer.bind(LOCAL, (r) => r, { publicEndpoint: "x" }).then(
    () => assert(false),
    (e) => assert(e instanceof TypeError),
  );
  const c = await FreelanceClient.connect([], quiet);
  await c.request([] as never).then(
    () => assert(false),
    (e) => assert(e instanceof TypeError),
  );
  await c.close();
});

Deno.test("FreelanceRepServer: REP on the wire (model one), sequence echo (model two), malformed dropped and counted", async () => {
  const plain = await FreelanceRepServer.bind(
    LOCAL,
    (r) => ["re", ...r],
    quiet,
  );
  const seq = await FreelanceRepServer.bind(LOCAL, () => ["OK"], {
    sequenced: true,
    ...quiet,
  });
  const d1 = new DealerSocket({ lingerMs: 0 });
  const d2 = new DealerSocket({ lingerMs: 0 });
  d1.connect(plain.endpoint);
  d2.connect(seq.endpoint);
  try {
    await d1.send(["no delimiter"]);
    await d1.send([""]);
    await d1.send(["", "a", "b"]);
    assertEquals(texts(await d1.receive()), ["", "re", "a", "b"]);
    await d2.send(["", "7"]);
    await d2.send(["", "8", "body"]);
    assertEquals(texts(await d2.receive()), ["", "8", "OK"]);
    assertEquals(plain.stats.malformed, 2);
    assertEquals(seq.stats.malformed, 1);
  } finally {
    d1.close();
    d2.close();
    await plain.close();
    await seq.close();
  }
});

Deno.test("FreelanceShotgunClient and FreelanceRetryClient against FreelanceRepServer", async () => {
  const servers = await Promise.all(
    [1, 2, 3].map((i) =>
      FreelanceRepServer.bind(LOCAL, () => [`S${i}`], {
        sequenced: true,
        ...quiet,
      })
    ),
  );
  const shotgun = await FreelanceShotgunClient.connect(
    servers.map((s) => s.endpoint),
    quiet,
  );
  const echo = await FreelanceRepServer.bind(LOCAL, (r) => r, quiet);
  const retry = await FreelanceRetryClient.connect(
    ["tcp://127.0.0.1:1", echo.endpoint],
    { attemptTimeoutMs: 100, ...quiet },
  );
  try {
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => shotgun.request(["q"])),
    );
    assert(replies.every((r) => /^S[123]$/.test(td.decode(r[0]))));
    await until(() =>
      shotgun.stats.replies + shotgun.stats.duplicates ===
        shotgun.stats.sent
    );
    assertEquals(shotgun.stats.replies, 200);
    const r = await Promise.all(
      Array.from({ length: 5 }, (_, i) => retry.request([`m${i}`])),
    );
    assertEquals(r.map(texts), [0, 1, 2, 3, 4].map((i) => [`m${i}`]));
    await retry.request(["x"], { deadlineMs: 50 }).catch(() => {});
    const one = await FreelanceRetryClient.connect(["tcp://127.0.0.1:1"], {
      attemptTimeoutMs: 30,
      ...quiet,
    });
    await one.request(["x"]).then(() => assert(false), (e) => {
      assert(e instanceof NoServerAnsweredError);
      assertEquals(e.attempts, 3);
    });
    await one.close();
  } finally {
    await shotgun.close();
    await retry.close();
    await Promise.all([...servers, echo].map((s) => s.close()));
  }
});
