/**
 * BinaryStarClient against two stand-in servers (ROUTER sockets of this
 * test that answer when told), for its switch-and-settle behaviour:
 *
 *   client REQ ─► server A (ROUTER, this test)   server B (ROUTER, this test)
 *
 * - a reply that comes after the attempt timeout but during the settle
 *   delay is taken: the request resolves with it, nothing is sent to the
 *   other server, and the client stays with the one that answered;
 * - a reply that comes during the next attempt (on the other server) is
 *   taken too, and that attempt abandoned;
 * - a reply that comes once the client has gone back to its server (a
 *   fresh socket) is not taken: the other server's reply is, once;
 * - after a switch the client is connected to the other server before the
 *   settle delay ends (the resend does not wait for a connection).
 */
import assert from "node:assert/strict";
import {
  BinaryStarClient,
  type BinaryStarClientEvent,
  RouterSocket,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import type { Message } from "../../src/types.ts";

const LOCAL = "tcp://127.0.0.1:*";
const td = new TextDecoder();
const te = new TextEncoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Answers a REQ message (routing id, empty, body) with `body`. */
function answer(sock: RouterSocket, req: Message, body: string) {
  return sock.send([req[0], new Uint8Array(0), te.encode(body)]);
}

Deno.test("BinaryStarClient: a reply after the attempt timeout but within the settle delay is taken; no resend, stays on that server", async () => {
  const a = new RouterSocket({ lingerMs: 0 });
  const b = new RouterSocket({ lingerMs: 0 });
  const ea = a.bind(LOCAL);
  const eb = b.bind(LOCAL);
  const events: BinaryStarClientEvent[] = [];
  const client = await BinaryStarClient.connect([ea, eb], {
    attemptTimeoutMs: 100,
    settleMs: 5_000,
    deadlineMs: 20_000,
    logger: silentLogger,
    onEvent: (e) => events.push(e),
  });
  try {
    const pending = client.request(["one"]);
    const req = await a.receive({ timeoutMs: 10_000 });
    assert.equal(td.decode(req[2]), "one");
    // Answer only once the client has given up on this attempt.
    while (!events.some((e) => e.type === "server:switched")) await sleep(5);
    assert.equal(client.endpoint, eb);
    await answer(a, req, "from A");
    const reply = await pending;
    assert.equal(td.decode(reply[0]), "from A");
    assert.equal(client.endpoint, ea, "stays with the server that answered");
    assert.equal(b.tryReceive(), null, "nothing resent to B");
    const s = client.stats;
    assert.equal(s.lateReplies, 1);
    assert.equal(s.replies, 1);
    assert.equal(s.switches, 1);
    assert.deepEqual(events.map((e) => e.type), [
      "server:switched",
      "reply:late",
    ]);
    // The same socket serves the next request.
    const next = client.request(["two"]);
    const req2 = await a.receive({ timeoutMs: 10_000 });
    await answer(a, req2, "A again");
    assert.equal(td.decode((await next)[0]), "A again");
    assert.equal(b.tryReceive(), null);
  } finally {
    await client.close();
    a.close();
    b.close();
  }
});

Deno.test("BinaryStarClient: a late reply during the next attempt (on the other server) is taken too; the other server's reply is not", async () => {
  const a = new RouterSocket({ lingerMs: 0 });
  const b = new RouterSocket({ lingerMs: 0 });
  const ea = a.bind(LOCAL);
  const eb = b.bind(LOCAL);
  const client = await BinaryStarClient.connect([ea, eb], {
    attemptTimeoutMs: 1_000,
    settleMs: 10,
    deadlineMs: 60_000,
    logger: silentLogger,
  });
  try {
    // Let the first attempt (1 s) time out without an answer.
    const pending = client.request(["p"]);
    const reqA = await a.receive({ timeoutMs: 10_000 });
    const reqB = await b.receive({ timeoutMs: 10_000 }); // the resend, 1 s on
    await answer(a, reqA, "from A, late"); // during B's attempt
    const reply = await pending;
    assert.equal(td.decode(reply[0]), "from A, late");
    assert.equal(client.endpoint, ea);
    assert.equal(client.stats.lateReplies, 1);
    await answer(b, reqB, "from B, abandoned"); // its socket is closed
    const next = client.request(["q"]);
    const reqA2 = await a.receive({ timeoutMs: 10_000 });
    assert.equal(td.decode(reqA2[2]), "q");
    await answer(a, reqA2, "A: q");
    assert.equal(td.decode((await next)[0]), "A: q");
    assert.equal(client.stats.replies, 2);
  } finally {
    await client.close();
    a.close();
    b.close();
  }
});

Deno.test("BinaryStarClient: a reply on a socket the client has closed (it went back to that server) is not taken; the fresh one is, once", async () => {
  const a = new RouterSocket({ lingerMs: 0 });
  const b = new RouterSocket({ lingerMs: 0 });
  const ea = a.bind(LOCAL);
  const eb = b.bind(LOCAL);
  const client = await BinaryStarClient.connect([ea, eb], {
    attemptTimeoutMs: 100,
    settleMs: 50,
    deadlineMs: 20_000,
    logger: silentLogger,
  });
  try {
    const pending = client.request(["x"]);
    const reqA = await a.receive({ timeoutMs: 10_000 }); // attempt 1
    await b.receive({ timeoutMs: 10_000 }); // attempt 2, left unanswered
    const reqA2 = await a.receive({ timeoutMs: 10_000 }); // attempt 3
    assert.equal(td.decode(reqA2[2]), "x");
    assert.notDeepEqual(reqA2[0], reqA[0], "a fresh socket");
    await answer(a, reqA, "stale"); // its socket is closed: dropped
    await answer(a, reqA2, "fresh");
    const reply = await pending;
    assert.equal(td.decode(reply[0]), "fresh");
    assert.equal(client.endpoint, ea);
    assert.equal(client.stats.lateReplies, 0);
    assert.equal(client.stats.replies, 1);
    assert.equal(client.stats.switches, 2);
    // A later request gets its own reply.
    const next = client.request(["y"]);
    const reqA3 = await a.receive({ timeoutMs: 10_000 });
    assert.equal(td.decode(reqA3[2]), "y");
    await answer(a, reqA3, "A: y");
    assert.equal(td.decode((await next)[0]), "A: y");
  } finally {
    await client.close();
    a.close();
    b.close();
  }
});

Deno.test("BinaryStarClient: after a switch, the other server is connected during the settle delay, not after it", async () => {
  const a = new RouterSocket({ lingerMs: 0 });
  const b = new RouterSocket({ lingerMs: 0 });
  const ea = a.bind(LOCAL);
  const eb = b.bind(LOCAL);
  const monitor = b.monitor();
  const events: BinaryStarClientEvent[] = [];
  const client = await BinaryStarClient.connect([ea, eb], {
    attemptTimeoutMs: 50,
    settleMs: 5_000,
    deadlineMs: 20_000,
    logger: silentLogger,
    onEvent: (e) => events.push(e),
  });
  try {
    const pending = client.request(["z"]);
    await a.receive({ timeoutMs: 10_000 });
    // B accepts the client's connection while the client is still in its
    // 5 s settle delay (nothing has been resent yet).
    for await (const ev of monitor) if (ev.type === "accepted") break;
    assert.ok(events.some((e) => e.type === "server:switched"));
    assert.equal(b.tryReceive(), null, "nothing sent during the settle delay");
    await client.close();
    await assert.rejects(pending, (e: Error) => e.name === "ClosedError");
  } finally {
    monitor.close();
    await client.close();
    a.close();
    b.close();
  }
});

Deno.test("teardown", async () => {
  await shutdown();
});
