/**
 * The held vote through the real node (`BinaryStar`, its sockets and its
 * voter), with its time on a `FakeClock`: this test is the peer (a PUB
 * that announces ACTIVE when told) and a client (a DEALER on the voter).
 *
 *   peer PUB (this test) ── "3" (ACTIVE) ─► SUB ┐
 *                                               BinaryStar "backup" (FakeClock)
 *   client DEALER (this test) ── request ─► voter ROUTER ┘
 *
 * - a request that arrives while the peer is overdue (silent for more than
 *   one heartbeat, not yet gone) is held, unanswered, and served at the
 *   peer's expiry instant, the node becoming ACTIVE;
 * - if the peer's state message arrives first, the held request is dropped
 *   and the node stays PASSIVE; the expiry that follows, with nothing
 *   held, does not make it active;
 * - `vote()` (for callers that cannot hold) still refuses at once.
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../src/_util/clock.ts";
import {
  BinaryStar,
  type BinaryStarEvent,
  DealerSocket,
  PubSocket,
  shutdown,
  silentLogger,
} from "../../mod.ts";
import { encodeStateMessage } from "../../src/protocol/bstar/codec.ts";
import { until } from "../pirate/_helpers.ts";

const LOCAL = "tcp://127.0.0.1:*";
const HB = 100;
const te = new TextEncoder();
const td = new TextDecoder();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Rig {
  clock: FakeClock;
  peer: PubSocket;
  node: BinaryStar;
  client: DealerSocket;
  events: BinaryStarEvent[];
  close(): Promise<void>;
}

/** A backup node made PASSIVE by the test's peer, at fake time 0. */
async function passiveBackup(): Promise<Rig> {
  const clock = new FakeClock(0);
  const peer = new PubSocket({ lingerMs: 0 });
  const peerEndpoint = peer.bind(LOCAL);
  const events: BinaryStarEvent[] = [];
  const node = await BinaryStar.start({
    role: "backup",
    stateBind: LOCAL,
    statePeer: peerEndpoint,
    heartbeatIntervalMs: HB,
    clock,
    logger: silentLogger,
    onEvent: (e) => events.push(e),
  });
  const frontend = node.voter(LOCAL, (msg) => msg); // echo, envelope and all
  const client = new DealerSocket({ lingerMs: 0 });
  client.connect(frontend);
  // PUB/SUB joins late: announce ACTIVE until the node has heard it.
  while (node.state !== "PASSIVE") {
    peer.trySend(encodeStateMessage(3));
    await sleep(10);
  }
  await sleep(50); // any announcement still in flight lands at fake time 0
  return {
    clock,
    peer,
    node,
    client,
    events,
    async close() {
      client.close();
      peer.close();
      await node.close();
    },
  };
}

/** Advances the fake clock in steps, as the real one would move. */
function advance(clock: FakeClock, ms: number): void {
  for (let left = ms; left > 0; left -= 10) clock.advance(Math.min(10, left));
}

Deno.test("held vote (real node, fake clock): a request while the peer is overdue is held, then served at the expiry instant", async () => {
  const r = await passiveBackup();
  try {
    advance(r.clock, 150); // the peer is 150 ms silent: overdue, not gone
    assert.equal(r.node.state, "PASSIVE");
    await r.client.send([new Uint8Array(0), te.encode("hello")]);
    await until(() => r.node.stats.held === 1, 10_000, "request held");
    assert.equal(r.node.state, "PASSIVE");
    const held = r.events.find((e) => e.type === "request:held");
    assert.ok(held && held.type === "request:held" && held.silentMs > HB);
    await sleep(50);
    assert.equal(r.client.tryReceive(), null, "no answer while held");
    advance(r.clock, 49);
    assert.equal(r.node.state, "PASSIVE", "not before the expiry instant");
    advance(r.clock, 1); // 200 ms: the peer is gone, the held request votes
    assert.equal(r.node.state, "ACTIVE");
    const reply = await r.client.receive({ timeoutMs: 10_000 });
    assert.equal(td.decode(reply[1]), "hello");
    const s = r.node.stats;
    assert.equal(s.accepted, 1);
    assert.equal(s.rejected, 0);
    assert.equal(s.votes, 1);
    const change = r.events.findLast((e) => e.type === "state:changed");
    assert.deepEqual(change, {
      type: "state:changed",
      from: "PASSIVE",
      to: "ACTIVE",
      cause: "HELD_VOTE",
    });
  } finally {
    await r.close();
  }
});

Deno.test("held vote (real node, fake clock): the peer's state message before the expiry drops the held request; nothing held, no takeover", async () => {
  const r = await passiveBackup();
  try {
    advance(r.clock, 150);
    await r.client.send([new Uint8Array(0), te.encode("late")]);
    await until(() => r.node.stats.held === 1, 10_000, "request held");
    r.peer.trySend(encodeStateMessage(3)); // the peer was only late
    await until(() => r.node.stats.rejected === 1, 10_000, "held dropped");
    assert.equal(r.node.state, "PASSIVE");
    // Silence counts again from 150: past the old expiry (200), and past
    // the new one (350) with nothing held, the node stays passive.
    advance(r.clock, 300);
    assert.equal(r.node.state, "PASSIVE");
    assert.ok(r.events.some((e) => e.type === "peer:lost"));
    await sleep(50);
    assert.equal(
      r.client.tryReceive(),
      null,
      "the dropped request got no reply",
    );
    assert.equal(r.node.stats.accepted, 0);
    assert.equal(r.node.stats.votes, 0);
  } finally {
    await r.close();
  }
});

Deno.test("held vote (real node, fake clock): vote() does not hold; it refuses while the peer is overdue, as before", async () => {
  const r = await passiveBackup();
  try {
    advance(r.clock, 150);
    assert.equal(r.node.vote(), false);
    assert.equal(r.node.stats.held, 0);
    assert.equal(r.node.stats.rejected, 1);
    advance(r.clock, 100);
    assert.equal(r.node.state, "PASSIVE"); // the refused request did not vote
    assert.equal(r.node.vote(), true); // a request after the expiry does
    assert.equal(r.node.state, "ACTIVE");
  } finally {
    await r.close();
  }
});

Deno.test("held vote (real node, fake clock): close() drops the held requests", async () => {
  const r = await passiveBackup();
  advance(r.clock, 150);
  const v = r.node.voteOrHold();
  assert.ok(v instanceof Promise);
  await r.close();
  assert.equal(await v, false);
});

Deno.test("teardown", async () => {
  await shutdown();
});
