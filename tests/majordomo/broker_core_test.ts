// The broker's decisions without sockets and without sleeping: the core is
// driven message by message under a FakeClock (tests/majordomo/_broker_harness.ts),
// on both core implementations.
import assert from "node:assert/strict";
import { DISCONNECT, Harness, HB, REQ } from "./_broker_harness.ts";

for (const impl of ["ts", "wasm"] as const) {
  const t = (name: string, fn: () => void) =>
    Deno.test(`BrokerCore (${impl}): ${name}`, fn);

  t(
    "dispatches to the least recently ready worker and routes the reply",
    () => {
      const h = new Harness(impl);
      h.ready("W1");
      h.ready("W2");
      h.request("C1", ["a", "b"]);
      h.request("C2", ["c"]);
      assert.deepEqual(h.take("W1"), [[...REQ, "C1", "", "a", "b"]]);
      assert.deepEqual(h.take("W2"), [[...REQ, "C2", "", "c"]]);
      h.reply("W2", "C2", ["r2"]);
      assert.deepEqual(h.take("C2"), [["", "MDPC01", "echo", "r2"]]);
      // W2 is waiting again and now the most recently ready: W1 replies, and
      // the next request goes to W2.
      h.reply("W1", "C1", ["r1"]);
      h.request("C3", ["d"]);
      assert.deepEqual(h.take("W2"), [[...REQ, "C3", "", "d"]]);
      assert.equal(h.counters.dispatched, 3);
      assert.equal(h.counters.replies, 2);
    },
  );

  t(
    "RZ: the correlation frame is taken off before dispatch and put back on the reply",
    () => {
      const h = new Harness(impl);
      h.ready("W1");
      h.rz("C1", 7, ["hello", "x"]);
      assert.deepEqual(h.take("W1"), [[...REQ, "C1", "", "hello", "x"]]);
      h.reply("W1", "C1", ["W:hello"]);
      assert.deepEqual(h.take("C1"), [[
        "",
        "MDPC01",
        "echo",
        "#corr:7",
        "W:hello",
      ]]);
      // Queued first (no worker), then dispatched: the same.
      h.rz("C1", 8, ["later"], "slow");
      h.ready("W2", "slow");
      assert.deepEqual(h.take("W2"), [[...REQ, "C1", "", "later"]]);
      h.reply("W2", "C1", ["done"]);
      assert.deepEqual(h.take("C1"), [[
        "",
        "MDPC01",
        "slow",
        "#corr:8",
        "done",
      ]]);
      assert.equal(h.core.stats().held, 0);
    },
  );

  t(
    "RZ: a resend of a held request is dropped as a duplicate, until its reply is sent",
    () => {
      const h = new Harness(impl);
      h.rz("C1", 1, ["q"]); // queued: no worker yet
      h.rz("C1", 1, ["q"]);
      assert.equal(h.counters.duplicatesSuppressed, 1);
      assert.equal(h.core.stats().queued, 1);
      h.ready("W1");
      assert.equal(h.take("W1").length, 1);
      h.rz("C1", 1, ["q"]); // at the busy worker
      assert.equal(h.counters.duplicatesSuppressed, 2);
      h.rz("C2", 1, ["q"]); // same id, other client: not a duplicate
      assert.equal(h.counters.duplicatesSuppressed, 2);
      assert.equal(h.core.stats().queued, 1);
      h.reply("W1", "C1", ["r"]);
      assert.deepEqual(h.take("C1"), [["", "MDPC01", "echo", "#corr:1", "r"]]);
      assert.equal(h.take("W1").length, 1); // C2's request now runs
      h.reply("W1", "C2", ["r"]);
      h.rz("C1", 1, ["q"]); // answered: the key is forgotten, it runs again
      assert.equal(h.take("W1").length, 1);
      assert.equal(h.counters.duplicatesSuppressed, 2);
      assert.equal(h.eventsOf("request:duplicate").length, 2);
    },
  );

  t(
    "503 at each bound to an RZ client; a plain client gets nothing; all counted",
    () => {
      const h = new Harness(impl, {
        maxQueue: 2,
        maxPendingRequests: 3,
        maxServices: 2,
      });
      h.rz("C1", 1, ["a"]);
      h.rz("C1", 2, ["a"]);
      h.rz("C1", 3, ["a"]); // over maxQueue
      h.request("P1", ["a"]); // plain, over maxQueue
      const err = h.take("C1");
      assert.deepEqual(err.map((m) => m.slice(0, 5)), [[
        "",
        "MDPC01",
        "echo",
        "#err:3",
        "503",
      ]]);
      assert.match(err[0][5], /maxQueue/);
      assert.deepEqual(h.take("P1"), []);
      h.rz("C1", 4, ["a"], "other"); // third waiting request: fits
      h.rz("C1", 5, ["a"], "other"); // over maxPendingRequests
      h.rz("C1", 6, ["a"], "third"); // over maxServices
      assert.deepEqual(h.take("C1").map((m) => [m[3], m[4]]), [
        ["#err:5", "503"],
        ["#err:6", "503"],
      ]);
      assert.equal(h.counters.droppedRequests, 4);
      assert.equal(h.counters.errorReplies, 3);
      assert.deepEqual(
        h.eventsOf("request:dropped").map((e) => "reason" in e && e.reason),
        ["max-queue", "max-queue", "max-pending-requests", "max-services"],
      );
    },
  );

  t("503 at maxPendingBytes (frames plus bookkeeping)", () => {
    const h = new Harness(impl, { maxPendingBytes: 2000 });
    h.rz("C1", 1, ["x".repeat(1000)]);
    h.rz("C1", 2, ["x".repeat(1000)]);
    assert.deepEqual(h.take("C1").map((m) => [m[3], m[4]]), [[
      "#err:2",
      "503",
    ]]);
    assert.ok(h.core.stats().queuedBytes > 1000);
    assert.ok(h.core.stats().queuedBytes <= 2000);
  });

  t("504 after requestTtlMs to an RZ client; nothing to a plain one", () => {
    const h = new Harness(impl, { requestTtlMs: 1000 });
    h.rz("C1", 9, ["a"]);
    h.request("P1", ["a"]);
    h.advance(999);
    assert.deepEqual(h.take("C1"), []);
    h.advance(100);
    assert.deepEqual(h.take("C1").map((m) => [m[3], m[4]]), [[
      "#err:9",
      "504",
    ]]);
    assert.deepEqual(h.take("P1"), []);
    assert.equal(h.counters.expiredRequests, 2);
    assert.equal(h.core.stats().queued, 0);
    assert.equal(h.core.stats().services.length, 0); // forgotten
    assert.equal(h.core.stats().held, 0);
  });

  t("500 when the worker's handler failed; a plain client gets nothing", () => {
    const h = new Harness(impl);
    h.ready("W1");
    h.rz("C1", 4, ["a"]);
    h.take("W1");
    h.failReply("W1", "C1", "boom");
    assert.deepEqual(h.take("C1"), [[
      "",
      "MDPC01",
      "echo",
      "#err:4",
      "500",
      "boom",
    ]]);
    h.request("P1", ["a"]);
    h.take("W1");
    h.failReply("W1", "P1", "boom");
    assert.deepEqual(h.take("P1"), []);
    assert.equal(h.counters.handlerErrors, 2);
    // The worker is waiting again.
    h.request("P1", ["b"]);
    assert.equal(h.take("W1").length, 1);
  });

  t(
    "502 when the worker holding an RZ request expires, disconnects or is gone",
    () => {
      const h = new Harness(impl);
      h.ready("W1");
      h.ready("W2");
      h.ready("W3");
      h.rz("C1", 1, ["a"]);
      h.rz("C1", 2, ["b"]);
      h.rz("C1", 3, ["c"]);
      h.request("P1", ["d"]); // queued: every worker is busy
      h.disconnect("W2");
      // W3 is gone: the heartbeat to it is unroutable.
      h.gone.add("W3");
      for (let i = 0; i < 2; i++) {
        h.heartbeat("W1");
        h.advance(HB);
      }
      const errs = h.take("C1").map((m) => [m[3], m[4]]);
      assert.deepEqual(errs, [["#err:2", "502"], ["#err:3", "502"]]);
      // W1 holds #1 and falls silent: expired after 3 intervals, 502.
      for (let i = 0; i < 3; i++) h.advance(HB);
      assert.deepEqual(h.take("C1").map((m) => [m[3], m[4]]), [[
        "#err:1",
        "502",
      ]]);
      assert.equal(h.counters.lostRequests, 3);
      assert.equal(h.counters.expiredWorkers, 1);
      assert.equal(h.core.stats().workers, 0);
      assert.equal(h.core.stats().held, 0);
    },
  );

  t(
    "an idle worker expires after exactly liveness silent intervals; heartbeats keep it",
    () => {
      const h = new Harness(impl);
      h.ready("W1");
      h.ready("W2");
      for (let i = 0; i < 10; i++) {
        h.heartbeat("W2");
        h.advance(HB / 2);
      }
      // W1 silent for 5 intervals: gone; W2 kept.
      assert.equal(h.core.stats().workers, 1);
      assert.equal(h.eventsOf("worker:expired").length, 1);
      const h2 = new Harness(impl);
      h2.ready("W1");
      h2.advance(HB);
      h2.advance(HB);
      h2.advance(HB - 1);
      assert.equal(h2.core.stats().workers, 1);
      h2.advance(1);
      assert.equal(h2.core.stats().workers, 0);
    },
  );

  t(
    "a paused broker charges workers at most one interval for its pause",
    () => {
      const h = new Harness(impl);
      h.ready("W1");
      h.ready("W2");
      h.heartbeat("W1");
      h.heartbeat("W2");
      h.advance(HB);
      // The broker does not run for 10 s (SIGSTOP): then its timer fires
      // before the heartbeats waiting in its socket are read.
      h.clock.advance(10_000);
      h.core.tick(h.clock.now());
      assert.equal(h.core.stats().workers, 2, "no worker expired by the pause");
      assert.equal(h.counters.pauses, 1);
      assert.equal(h.eventsOf("broker:paused").length, 1);
      h.heartbeat("W1");
      h.heartbeat("W2");
      // A worker that really is dead still expires, 3 intervals on.
      for (let i = 0; i < 3; i++) {
        h.heartbeat("W1");
        h.advance(HB);
      }
      assert.equal(h.core.stats().workers, 1);
      assert.equal(h.counters.expiredWorkers, 1);
      // Requests dispatched right after the pause go to the live worker.
      h.request("P1", ["x"]);
      assert.equal(h.take("W1").length, 1);
    },
  );

  t("heartbeats go to workers sent nothing for half an interval", () => {
    const h = new Harness(impl);
    h.ready("W1");
    h.ready("W2");
    h.advance(HB);
    assert.equal(h.take("W1", true).length, 1);
    assert.equal(h.take("W2", true).length, 1);
    h.clock.advance(HB * 3 / 4);
    h.request("P1", ["x"]); // W1 gets a request: no heartbeat due next tick
    h.heartbeat("W2"); // (heard from is not sent to: W2 still gets one)
    h.advance(HB / 4);
    assert.deepEqual(h.take("W1", true), [[...REQ, "P1", "", "x"]]);
    assert.equal(h.take("W2", true).length, 1);
  });

  t("waiting requests of a client that is gone are dropped, not run", () => {
    const h = new Harness(impl);
    h.ready("W1");
    h.request("C1", ["first"]);
    h.take("W1");
    h.request("C1", ["second"]); // waits: W1 is busy
    h.rz("C1", 5, ["third"]);
    h.gone.add("C1");
    h.reply("W1", "C1", ["r"]); // unroutable: C1 is gone
    assert.equal(h.counters.unroutableReplies, 1);
    assert.deepEqual(h.take("W1"), []); // neither waiting request ran
    assert.equal(h.counters.abandonedRequests, 2);
    assert.equal(h.core.stats().queued, 0);
    assert.equal(h.core.stats().held, 0);
    // A client heard from again (routing id taken over) is served.
    h.gone.delete("C1");
    h.request("C1", ["back"]);
    assert.equal(h.take("W1").length, 1);
  });

  t(
    'a disconnect notification [id][""]: waiting requests dropped unrun, a worker forgotten at once',
    () => {
      const h = new Harness(impl);
      h.ready("W1");
      h.ready("W2");
      h.rz("C1", 1, ["a"]);
      h.rz("C1", 2, ["b"]);
      h.request("C1", ["c"]); // waits: both workers busy
      h.rz("C2", 1, ["d"]);
      h.deliver("C1", [""]); // C1's connection ended
      h.deliver("W1", [""]); // W1's too: its request (C1 #1) is lost
      assert.equal(h.counters.peersGone, 2);
      assert.equal(h.counters.lostRequests, 1);
      assert.equal(h.core.stats().workers, 1);
      h.take("W2");
      h.reply("W2", "C1", ["r"]);
      // W2 is free again: C1's waiting request is skipped, C2's runs.
      assert.deepEqual(h.take("W2").map((m) => m.slice(3)), [["C2", "", "d"]]);
      assert.equal(h.counters.abandonedRequests, 1);
      assert.equal(h.counters.invalidMessages, 0);
    },
  );

  t(
    "MMI: mmi.service, mmi.rz, mmi.stats, 501; a leading correlation frame is kept",
    () => {
      const h = new Harness(impl, { maxFrameBytes: 4096 });
      h.ready("W1");
      h.request("C1", ["echo"], "mmi.service");
      h.request("C1", ["nosuch"], "mmi.service");
      h.request("C1", ["x"], "mmi.frob");
      h.rz("C1", 3, ["echo"], "mmi.service");
      h.request("C1", ["rz"], "mmi.rz");
      const m = h.take("C1");
      assert.deepEqual(m.slice(0, 4), [
        ["", "MDPC01", "mmi.service", "200"],
        ["", "MDPC01", "mmi.service", "404"],
        ["", "MDPC01", "mmi.frob", "501"],
        ["", "MDPC01", "mmi.service", "#corr:3", "200"],
      ]);
      assert.equal(m[4][3], "200");
      const info = JSON.parse(m[4][4]);
      assert.equal(info.name, "reliable-zmq");
      assert.equal(info.instance, "inst-1");
      assert.equal(info.maxFrameBytes, 4096);
      assert.deepEqual(info.extensions, ["corr", "err", "werr", "dedup"]);
      h.request("C1", ["x"], "mmi.stats");
      const stats = JSON.parse(h.take("C1")[0][4]);
      assert.equal(stats.workers, 1);
      assert.equal(stats.counters.mmi, 6);
      assert.equal(h.eventsOf("mmi:answered").length, 6);
    },
  );

  t(
    "a frame over maxFrameBytes is dropped and counted (503 to RZ); a large reply is a 500",
    () => {
      const h = new Harness(impl, { maxFrameBytes: 100 });
      h.ready("W1");
      h.rz("C1", 1, ["x".repeat(101)]);
      h.request("P1", ["x".repeat(101)]);
      assert.deepEqual(h.take("C1").map((m) => [m[3], m[4]]), [[
        "#err:1",
        "503",
      ]]);
      assert.deepEqual(h.take("P1"), []);
      assert.deepEqual(h.take("W1"), []);
      h.rz("C1", 2, ["small"]);
      h.take("W1");
      h.reply("W1", "C1", ["y".repeat(101)]);
      assert.deepEqual(h.take("C1").map((m) => [m[3], m[4]]), [[
        "#err:2",
        "500",
      ]]);
      assert.equal(h.counters.oversizeMessages, 3);
    },
  );

  t("a worker that breaks 7/MDP gets DISCONNECT; its RZ request a 502", () => {
    const h = new Harness(impl);
    h.ready("W1");
    h.rz("C1", 1, ["a"]);
    h.take("W1");
    h.reply("W1", "C9", ["wrong client"]); // not the request it holds
    assert.deepEqual(h.take("W1", true), [DISCONNECT]);
    assert.deepEqual(h.take("C9"), []);
    assert.deepEqual(h.take("C1").map((m) => [m[3], m[4]]), [[
      "#err:1",
      "502",
    ]]);
    h.ready("W2");
    h.ready("W2"); // second READY
    h.heartbeat("W9"); // unknown worker
    h.deliver("W3", ["", "MDPW01", "\x01", "mmi.x"]); // READY for mmi.*
    assert.deepEqual(h.take("W2", true), [DISCONNECT]);
    assert.deepEqual(h.take("W9", true), [DISCONNECT]);
    assert.deepEqual(h.take("W3", true), [DISCONNECT]);
    h.deliver("X", ["junk"]);
    assert.equal(h.counters.invalidMessages, 1);
    assert.equal(h.core.stats().workers, 0);
  });

  t("state is freed: 1,000 clients come and go, nothing stays behind", () => {
    const h = new Harness(impl, { requestTtlMs: 500 });
    h.ready("W1");
    for (let i = 0; i < 1000; i++) {
      h.rz(`C${i}`, 1, ["a"]);
      h.rz(`C${i}`, 2, ["b"], `svc${i % 10}`); // no worker: will expire
      const [req] = h.take("W1");
      h.reply("W1", req[3], ["r"]);
    }
    h.advance(600);
    const s = h.core.stats();
    assert.equal(s.held, 0);
    assert.equal(s.queued, 0);
    assert.equal(s.queuedBytes, 0);
    assert.deepEqual(s.services.map((x) => x.name), ["echo"]);
    assert.equal(h.counters.expiredRequests, 1000);
  });
}
