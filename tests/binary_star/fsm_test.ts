/**
 * Binary Star's transition tables and core under the fake clock: every
 * state × event pair of both roles against an expected table written out
 * here (not read from the source), the client vote (request AND silent
 * peer), expiry, publishing, and whole histories (failover, restart, dual
 * active, dual passive).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../src/_util/clock.ts";
import { step } from "../../src/patterns/_kit/fsm.ts";
import {
  BACKUP_MACHINE,
  type BstarEvent,
  type BstarStateName,
  EVENTS,
  PRIMARY_MACHINE,
  STATES,
} from "../../src/patterns/binary_star/_fsm.ts";
import { BinaryStarCore } from "../../src/patterns/binary_star/_core.ts";
import {
  BstarState,
  decodeStateMessage,
  encodeStateMessage,
} from "../../src/protocol/bstar/codec.ts";
import { ProtocolError } from "../../src/errors.ts";

type Row = [BstarStateName, string];
/** Expected [next state, actions joined by ","] per state and event. */
const SHARED: Record<"PRIMARY" | "BACKUP", Record<BstarEvent, Row>> = {
  PRIMARY: {
    PEER_PRIMARY: ["PRIMARY", "same-role,drop-held"],
    PEER_BACKUP: ["ACTIVE", "become-active,serve-held"],
    PEER_ACTIVE: ["PASSIVE", "become-passive,drop-held"],
    PEER_PASSIVE: ["PRIMARY", "drop-held"],
    CLIENT_REQUEST: ["PRIMARY", "reject"],
    CLIENT_OVERDUE: ["PRIMARY", "hold"],
    CLIENT_VOTE: ["ACTIVE", "become-active,accept,serve-held"],
    HELD_VOTE: ["ACTIVE", "peer-lost,become-active,serve-held"],
    PEER_EXPIRED: ["PRIMARY", "peer-lost"],
  },
  BACKUP: {
    PEER_PRIMARY: ["BACKUP", ""],
    PEER_BACKUP: ["BACKUP", "same-role"],
    PEER_ACTIVE: ["PASSIVE", "become-passive"],
    PEER_PASSIVE: ["BACKUP", ""],
    CLIENT_REQUEST: ["BACKUP", "reject"],
    CLIENT_OVERDUE: ["BACKUP", "reject"],
    CLIENT_VOTE: ["BACKUP", "reject"],
    HELD_VOTE: ["BACKUP", "peer-lost,drop-held"],
    PEER_EXPIRED: ["BACKUP", "peer-lost"],
  },
};
const ACTIVE: Record<BstarEvent, Row> = {
  PEER_PRIMARY: ["ACTIVE", ""],
  PEER_BACKUP: ["ACTIVE", ""],
  PEER_ACTIVE: ["ACTIVE", "?"],
  PEER_PASSIVE: ["ACTIVE", ""],
  CLIENT_REQUEST: ["ACTIVE", "accept"],
  CLIENT_OVERDUE: ["ACTIVE", "accept"],
  CLIENT_VOTE: ["ACTIVE", "accept"],
  HELD_VOTE: ["ACTIVE", "peer-lost,serve-held"],
  PEER_EXPIRED: ["ACTIVE", "peer-lost"],
};
const PASSIVE: Record<BstarEvent, Row> = {
  PEER_PRIMARY: ["ACTIVE", "become-active,serve-held"],
  PEER_BACKUP: ["ACTIVE", "become-active,serve-held"],
  PEER_ACTIVE: ["PASSIVE", "drop-held"],
  PEER_PASSIVE: ["PASSIVE", "?"],
  CLIENT_REQUEST: ["PASSIVE", "reject"],
  CLIENT_OVERDUE: ["PASSIVE", "hold"],
  CLIENT_VOTE: ["ACTIVE", "become-active,accept,serve-held"],
  HELD_VOTE: ["ACTIVE", "peer-lost,become-active,serve-held"],
  PEER_EXPIRED: ["PASSIVE", "peer-lost"],
};
const EXPECTED = {
  primary: {
    ...SHARED,
    ACTIVE: {
      ...ACTIVE,
      PEER_ACTIVE: ["PASSIVE", "dual-active,become-passive"] as Row,
    },
    PASSIVE: {
      ...PASSIVE,
      PEER_PASSIVE: ["ACTIVE", "dual-passive,become-active,serve-held"] as Row,
    },
  },
  backup: {
    ...SHARED,
    ACTIVE: { ...ACTIVE, PEER_ACTIVE: ["ACTIVE", "dual-active"] as Row },
    PASSIVE: {
      ...PASSIVE,
      PEER_PASSIVE: ["PASSIVE", "dual-passive,drop-held"] as Row,
    },
  },
};

for (
  const [role, machine] of [["primary", PRIMARY_MACHINE], [
    "backup",
    BACKUP_MACHINE,
  ]] as const
) {
  Deno.test(`fsm ${role}: every state x event pair (${STATES.length}x${EVENTS.length})`, () => {
    let n = 0;
    for (const s of STATES) {
      for (const e of EVENTS) {
        const t = step(machine, s, e);
        assert.ok(t, `${role} ${s} ${e}: no transition`);
        const [next, actions] = EXPECTED[role][s][e];
        assert.equal(t.next, next, `${role} ${s} ${e}: next`);
        assert.equal(
          t.actions.join(","),
          actions,
          `${role} ${s} ${e}: actions`,
        );
        n++;
      }
    }
    assert.equal(n, 36);
  });
}

Deno.test("fsm: only ACTIVE accepts, and only ACTIVE or a vote leads into ACTIVE with accept", () => {
  for (const m of [PRIMARY_MACHINE, BACKUP_MACHINE]) {
    for (const s of STATES) {
      for (const e of EVENTS) {
        const t = step(m, s, e)!;
        if (t.actions.includes("accept")) assert.equal(t.next, "ACTIVE");
        if (
          e === "CLIENT_REQUEST" || e === "CLIENT_VOTE" ||
          e === "CLIENT_OVERDUE"
        ) {
          const n = ["accept", "reject", "hold"].filter((a) =>
            t.actions.includes(a as never)
          ).length;
          assert.equal(n, 1, `${s} ${e}: one of accept, reject, hold`);
        }
        // The rule against split brain: a silent peer alone never activates.
        if (e === "PEER_EXPIRED") assert.equal(t.next, s);
        // A request held while the peer is late never activates on its own.
        if (e === "CLIENT_OVERDUE") assert.equal(t.next, s);
      }
    }
  }
});

Deno.test("fsm: held requests are settled by every event that can follow them, served only into ACTIVE", () => {
  for (const m of [PRIMARY_MACHINE, BACKUP_MACHINE]) {
    for (const s of STATES) {
      const holds = step(m, s, "CLIENT_OVERDUE")!.actions.includes("hold");
      // Only a node that could take over holds: PRIMARY and PASSIVE.
      assert.equal(holds, s === "PRIMARY" || s === "PASSIVE", s);
      for (const e of EVENTS) {
        const t = step(m, s, e)!;
        const serve = t.actions.includes("serve-held");
        const drop = t.actions.includes("drop-held");
        assert.ok(!(serve && drop), `${s} ${e}: serve and drop`);
        if (serve) assert.equal(t.next, "ACTIVE", `${s} ${e}: serve`);
        if (drop) assert.notEqual(t.next, "ACTIVE", `${s} ${e}: drop`);
        if (!holds) continue;
        // From a holding state: the peer's messages, a vote and the
        // expiry with requests held settle them; another request does not.
        if (e.startsWith("PEER_") && e !== "PEER_EXPIRED") {
          assert.ok(serve || drop, `${s} ${e}: held requests not settled`);
          assert.equal(serve, t.next === "ACTIVE", `${s} ${e}`);
        }
        if (e === "CLIENT_VOTE" || e === "HELD_VOTE") {
          assert.ok(serve, `${s} ${e}: held requests not served`);
        }
        if (e === "HELD_VOTE") {
          // The held requests are the vote: silent peer AND a client.
          assert.equal(t.next, "ACTIVE");
          assert.ok(t.actions.includes("become-active"));
        }
      }
    }
  }
});

const P = { heartbeatIntervalMs: 100, liveness: 2 };

Deno.test("core under the fake clock: a client request counts as a vote only once the peer is silent for liveness x heartbeat", () => {
  const clock = new FakeClock(1000);
  const b = new BinaryStarCore("backup", P, clock.now());
  b.onPeerState(BstarState.ACTIVE, clock.now());
  assert.equal(b.state, "PASSIVE");
  clock.advance(199);
  let s = b.onClientRequest(clock.now());
  assert.equal(s.event, "CLIENT_REQUEST");
  assert.equal(s.accept, false);
  assert.equal(b.state, "PASSIVE");
  clock.advance(1);
  s = b.onClientRequest(clock.now());
  assert.equal(s.event, "CLIENT_VOTE");
  assert.deepEqual(s.actions, ["become-active", "accept", "serve-held"]);
  assert.equal(s.released, 0);
  assert.equal(b.state, "ACTIVE");
});

Deno.test("core: a silent peer alone (no client) never makes the backup active; PEER_EXPIRED is reported once per silence", () => {
  const clock = new FakeClock();
  const b = new BinaryStarCore("backup", P, 0);
  b.onPeerState(BstarState.ACTIVE, 0);
  const seen: string[] = [];
  for (let t = 0; t <= 2000; t += 10) {
    clock.advance(t - clock.now());
    const s = b.checkExpiry(clock.now());
    if (s) seen.push(`${clock.now()}:${s.event}:${s.state}`);
  }
  assert.deepEqual(seen, ["200:PEER_EXPIRED:PASSIVE"]);
  assert.equal(b.state, "PASSIVE");
  b.onPeerState(BstarState.ACTIVE, 2000); // heard again: a new silence may be reported
  assert.equal(b.checkExpiry(2199), undefined);
  assert.equal(b.checkExpiry(2200)?.event, "PEER_EXPIRED");
});

Deno.test("core: publish due every heartbeat; nextDueAt is the earlier of publish and expiry", () => {
  const c = new BinaryStarCore("primary", P, 0);
  assert.equal(c.publishDue(99), false);
  assert.equal(c.publishDue(100), true);
  assert.equal(c.nextDueAt(), 100);
  c.published(100);
  c.onPeerState(BstarState.BACKUP, 50);
  assert.equal(c.nextDueAt(), 200);
  c.published(200);
  assert.equal(c.nextDueAt(), 250); // the peer's expiry (50 + 200)
  c.checkExpiry(250);
  assert.equal(c.nextDueAt(), 300); // reported: only the publish is left
});

Deno.test("core: a lone primary serves after the expiry window, a lone backup never", () => {
  const p = new BinaryStarCore("primary", P, 0);
  assert.equal(p.onClientRequest(150).accept, false); // may be a failback
  assert.equal(p.onClientRequest(200).accept, true);
  assert.equal(p.state, "ACTIVE");
  const b = new BinaryStarCore("backup", P, 0);
  assert.equal(b.onClientRequest(10_000).accept, false);
  assert.equal(b.state, "BACKUP");
});

Deno.test("core histories: start, failover, primary restarts passive, manual recovery", () => {
  const p = new BinaryStarCore("primary", P, 0);
  const b = new BinaryStarCore("backup", P, 0);
  p.onPeerState(BstarState.BACKUP, 10);
  assert.equal(p.state, "ACTIVE");
  b.onPeerState(BstarState.ACTIVE, 20);
  assert.equal(b.state, "PASSIVE");
  assert.equal(b.onClientRequest(30).accept, false);
  // the primary dies at 20; the backup takes over at the first vote
  assert.equal(b.onClientRequest(219).accept, false);
  assert.equal(b.onClientRequest(220).accept, true);
  assert.equal(b.state, "ACTIVE");
  // the primary restarts and comes back passive
  const p2 = new BinaryStarCore("primary", P, 500);
  assert.equal(p2.onClientRequest(510).accept, false);
  b.onPeerState(BstarState.PRIMARY, 510);
  assert.equal(b.state, "ACTIVE");
  p2.onPeerState(BstarState.ACTIVE, 520);
  assert.equal(p2.state, "PASSIVE");
  // manual recovery: stop the backup; the primary takes over on a vote
  assert.equal(p2.onClientRequest(700).accept, false);
  assert.equal(p2.onClientRequest(720).accept, true);
  assert.equal(p2.state, "ACTIVE");
});

Deno.test("core: dual active is detected on both sides and resolved to one active (the backup)", () => {
  const p = new BinaryStarCore("primary", P, 0);
  const b = new BinaryStarCore("backup", P, 0);
  p.onPeerState(BstarState.BACKUP, 0);
  b.onPeerState(BstarState.ACTIVE, 0);
  // the primary is paused; the backup takes over on a vote
  assert.equal(b.onClientRequest(300).accept, true);
  // both wake up: each hears the other say ACTIVE
  const sb = b.onPeerState(BstarState.ACTIVE, 400);
  const sp = p.onPeerState(BstarState.ACTIVE, 400);
  assert.deepEqual(sp.actions, ["dual-active", "become-passive"]);
  assert.deepEqual(sb.actions, ["dual-active"]);
  assert.equal(p.state, "PASSIVE");
  assert.equal(b.state, "ACTIVE");
  // afterwards each sees a consistent peer
  assert.deepEqual(b.onPeerState(BstarState.PASSIVE, 410).actions, []);
  const again = p.onPeerState(BstarState.ACTIVE, 410);
  assert.equal(again.state, "PASSIVE");
  assert.deepEqual(again.actions, ["drop-held"]); // nothing held: a no-op
  assert.equal(again.released, 0);
});

// ---- the held vote: a request while the peer is overdue ----------------

/** A backup that saw the primary ACTIVE at `heardAt`, and is PASSIVE. */
function passiveBackup(heardAt: number): BinaryStarCore {
  const b = new BinaryStarCore("backup", P, 0);
  b.onPeerState(BstarState.ACTIVE, heardAt);
  assert.equal(b.state, "PASSIVE");
  return b;
}

Deno.test("held vote: a request once the peer is more than one heartbeat late is held, and votes at the expiry instant", () => {
  const clock = new FakeClock(1000);
  const b = passiveBackup(clock.now());
  clock.advance(100); // exactly one heartbeat: not overdue yet
  let s = b.onClientRequest(clock.now(), true);
  assert.equal(s.event, "CLIENT_REQUEST");
  assert.deepEqual(s.actions, ["reject"]);
  clock.advance(50); // 150 ms silent: overdue, not gone
  s = b.onClientRequest(clock.now(), true);
  assert.equal(s.event, "CLIENT_OVERDUE");
  assert.deepEqual(s.actions, ["hold"]);
  assert.equal(s.hold, true);
  assert.equal(s.accept, false);
  assert.equal(b.state, "PASSIVE");
  assert.equal(b.held, 1);
  // The timer is due at the peer's expiry (1200), before the next publish.
  b.published(1150);
  assert.equal(b.nextDueAt(), 1200);
  assert.equal(b.checkExpiry(1199.9), undefined);
  assert.equal(b.state, "PASSIVE");
  clock.advance(50);
  s = b.checkExpiry(clock.now())!;
  assert.equal(s.event, "HELD_VOTE");
  assert.deepEqual(s.actions, ["peer-lost", "become-active", "serve-held"]);
  assert.equal(s.released, 1);
  assert.equal(b.state, "ACTIVE");
  assert.equal(b.held, 0);
  // Reported once: no PEER_EXPIRED after it.
  assert.equal(b.checkExpiry(1500), undefined);
});

Deno.test("held vote: the peer's state message before the expiry drops the held requests (the peer still serves)", () => {
  const b = passiveBackup(0);
  assert.equal(b.onClientRequest(120, true).hold, true);
  assert.equal(b.onClientRequest(150, true).hold, true);
  assert.equal(b.held, 2);
  const s = b.onPeerState(BstarState.ACTIVE, 180); // late, but alive
  assert.deepEqual(s.actions, ["drop-held"]);
  assert.equal(s.released, 2);
  assert.equal(b.state, "PASSIVE");
  assert.equal(b.held, 0);
  // The silence starts again from 180: nothing at 200, an empty expiry at 380.
  assert.equal(b.checkExpiry(200), undefined);
  const e = b.checkExpiry(380)!;
  assert.equal(e.event, "PEER_EXPIRED");
  assert.equal(e.state, "PASSIVE"); // no client: no takeover
});

Deno.test("held vote: several held requests all vote and are all served at the expiry", () => {
  const b = passiveBackup(0);
  for (const t of [101, 150, 199]) {
    assert.equal(b.onClientRequest(t, true).event, "CLIENT_OVERDUE");
  }
  const s = b.checkExpiry(200)!;
  assert.equal(s.event, "HELD_VOTE");
  assert.equal(s.released, 3);
  assert.equal(b.state, "ACTIVE");
  // Later requests are served at once.
  assert.equal(b.onClientRequest(210, true).accept, true);
});

Deno.test("held vote: a vote that arrives before the expiry timer serves the held requests too", () => {
  const b = passiveBackup(0);
  b.onClientRequest(150, true);
  const s = b.onClientRequest(200, true); // the voter ran before the timer
  assert.equal(s.event, "CLIENT_VOTE");
  assert.deepEqual(s.actions, ["become-active", "accept", "serve-held"]);
  assert.equal(s.released, 1);
  assert.equal(b.state, "ACTIVE");
  // The timer then finds nothing held: a plain PEER_EXPIRED.
  assert.equal(b.checkExpiry(200)?.event, "PEER_EXPIRED");
  assert.equal(b.state, "ACTIVE");
});

Deno.test("held vote: a caller that cannot hold (vote()) is refused while the peer is overdue, as before", () => {
  const b = passiveBackup(0);
  const s = b.onClientRequest(150); // canHold defaults to false
  assert.equal(s.event, "CLIENT_REQUEST");
  assert.deepEqual(s.actions, ["reject"]);
  assert.equal(b.held, 0);
  // So the expiry alone does not make it active.
  assert.equal(b.checkExpiry(200)?.event, "PEER_EXPIRED");
  assert.equal(b.state, "PASSIVE");
});

Deno.test("held vote: a lone primary holds and serves at its expiry; a lone backup never holds", () => {
  const p = new BinaryStarCore("primary", P, 0);
  assert.equal(p.onClientRequest(50, true).accept, false); // may be a failback
  assert.equal(p.onClientRequest(50, true).hold, false);
  assert.equal(p.onClientRequest(150, true).hold, true);
  assert.equal(p.state, "PRIMARY");
  const s = p.checkExpiry(200)!;
  assert.equal(s.event, "HELD_VOTE");
  assert.equal(p.state, "ACTIVE");
  assert.equal(s.released, 1);
  const b = new BinaryStarCore("backup", P, 0);
  const r = b.onClientRequest(150, true);
  assert.equal(r.event, "CLIENT_OVERDUE");
  assert.deepEqual(r.actions, ["reject"]);
  assert.equal(b.held, 0);
  assert.equal(b.checkExpiry(200)?.event, "PEER_EXPIRED");
  assert.equal(b.state, "BACKUP");
});

Deno.test("held vote: held by a restarted primary, dropped when it hears the backup ACTIVE (it comes back passive)", () => {
  const p = new BinaryStarCore("primary", P, 0);
  p.onClientRequest(150, true);
  const s = p.onPeerState(BstarState.ACTIVE, 160);
  assert.deepEqual(s.actions, ["become-passive", "drop-held"]);
  assert.equal(s.released, 1);
  assert.equal(p.state, "PASSIVE");
});

Deno.test("held vote: held by a passive node whose peer restarts (says PRIMARY): it becomes active and serves them", () => {
  const b = passiveBackup(0);
  b.onClientRequest(150, true);
  const s = b.onPeerState(BstarState.PRIMARY, 160);
  assert.deepEqual(s.actions, ["become-active", "serve-held"]);
  assert.equal(s.released, 1);
  assert.equal(b.state, "ACTIVE");
});

Deno.test("held vote: failover history under the fake clock, primary dies between two heartbeats", () => {
  const clock = new FakeClock(0);
  const b = passiveBackup(0);
  // The primary published at 0, 100, then died at 130. A client's request
  // was in flight to it; the client times out and resends to the backup at
  // 290 in real time, but the backup heard the primary's 100 message late
  // (at 120) and its running time lags: at the resend it counts 160 ms of
  // silence, 40 ms short of the timeout. Without the hold it would drop the
  // request and the client would go round both servers once more.
  b.onPeerState(BstarState.ACTIVE, 120);
  clock.advance(280);
  const s = b.onClientRequest(clock.now(), true);
  assert.equal(s.hold, true);
  b.published(280); // the next publish (380) comes after the expiry
  const at = b.nextDueAt();
  assert.equal(at, 320);
  assert.equal(b.checkExpiry(319), undefined);
  const v = b.checkExpiry(at)!;
  assert.equal(v.event, "HELD_VOTE");
  assert.equal(b.state, "ACTIVE");
});

Deno.test("core: dual passive is resolved by the primary taking over", () => {
  const p = new BinaryStarCore("primary", P, 0);
  const b = new BinaryStarCore("backup", P, 0);
  p.apply("PEER_ACTIVE");
  b.apply("PEER_ACTIVE");
  assert.equal(p.state, "PASSIVE");
  assert.equal(b.state, "PASSIVE");
  p.onPeerState(BstarState.PASSIVE, 0);
  b.onPeerState(BstarState.PASSIVE, 0);
  assert.equal(p.state, "ACTIVE");
  assert.equal(b.state, "PASSIVE");
});

Deno.test("codec: state messages round-trip; anything else is a typed malformation", () => {
  for (const n of [1, 2, 3, 4] as const) {
    assert.equal(decodeStateMessage(encodeStateMessage(n)), n);
  }
  const bad: [unknown, string, number][] = [
    ["3", "NOT_FRAMES", -1],
    [[], "FRAME_COUNT", -1],
    [[new Uint8Array([0x33]), new Uint8Array()], "FRAME_COUNT", -1],
    [[new Uint8Array([0x35])], "BAD_STATE", 0],
    [[new Uint8Array([0x30])], "BAD_STATE", 0],
    [[new Uint8Array([0x33, 0x33])], "BAD_STATE", 0],
    [[new Uint8Array()], "BAD_STATE", 0],
  ];
  for (const [input, code, frame] of bad) {
    const r = decodeStateMessage(input);
    assert.ok(r instanceof ProtocolError, String(input));
    assert.equal(r.code, code);
    assert.equal(r.frame, frame);
  }
  assert.throws(() => encodeStateMessage(5 as 1), RangeError);
});

Deno.test("docs/BINARY_STAR.md holds the diagrams generated from the tables (deno task docs:fsm)", async () => {
  const { diagrams } = await import("../../tools/docs_fsm.ts");
  const doc = await Deno.readTextFile(
    new URL("../../docs/BINARY_STAR.md", import.meta.url),
  );
  assert.ok(doc.includes(diagrams()), "run deno task docs:fsm");
});
