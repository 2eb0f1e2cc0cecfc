// Conformance: the broker runs as a real child process (the CLI) and raw
// DEALER peers check, frame by frame, what it sends against 7/MDP and 8/MMI
// (docs/PROTOCOLS.md, 7/MDP and 8/MMI). No sleeps: "nothing was sent" is proven by a later
// MMI round trip on the same socket (the broker answers in order).
import { shutdown } from "../../mod.ts";
import { spawnChild } from "../helpers/spawn.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  BROKER,
  brokerStats,
  Peer,
  show,
  spawnBroker,
  until,
} from "./_helpers.ts";

const DISCONNECT = ["", "MDPW01", "0x05"];
const CONF_HB = 500;

Deno.test("MajordomoBroker conformance (7/MDP + 8/MMI, frame by frame)", async (t) => {
  // Raw peers below never heartbeat: a 500 ms heartbeat (1.5 s expiry) keeps
  // them registered through each step even on a loaded machine.
  await using broker = await spawnBroker([
    "--request-ttl-ms",
    "300",
    "--heartbeat-ms",
    String(CONF_HB),
  ]);
  const ep = broker.endpoint;

  await t.step(
    "READY gets no reply; mmi.service then answers 200",
    async () => {
      // W --READY--> B ; W --mmi.service(echo)--> B ; B --200--> W (first message)
      const w = new Peer(ep);
      await w.send(["", "MDPW01", "\x01", "echo"]);
      assertEquals(await w.mmi("echo"), "200"); // the first message back
      await w.send(["", "MDPW01", "\x05"]);
      w.close();
    },
  );

  await t.step(
    "request and reply frames (multi-frame bodies kept)",
    async () => {
      // C --REQ--> B --REQUEST--> W --REPLY--> B --REPLY--> C
      const w = new Peer(ep, "W-conf");
      await w.send(["", "MDPW01", "\x01", "conf"]);
      assertEquals(await w.mmi("conf"), "200");
      const c = new Peer(ep, "C-conf");
      await c.send(["", "MDPC01", "conf", "a", "", "c"]);
      const req = await w.recvNonHeartbeat();
      assertEquals(show(req), [
        "",
        "MDPW01",
        "0x02",
        "C-conf",
        "",
        "a",
        "",
        "c",
      ]);
      await w.send(["", "MDPW01", "\x03", req[3], "", "r1", "r2"]);
      assertEquals(show(await c.recv()), ["", "MDPC01", "conf", "r1", "r2"]);
      c.close();
      // back to waiting: a second request reaches it
      const c2 = new Peer(ep, "C-conf2");
      await c2.send(["", "MDPC01", "conf", "again"]);
      assertEquals(show(await w.recvNonHeartbeat()), [
        "",
        "MDPW01",
        "0x02",
        "C-conf2",
        "",
        "again",
      ]);
      c2.close();
      w.close();
    },
  );

  await t.step(
    "the broker heartbeats a waiting worker with exactly 3 frames",
    async () => {
      const w = new Peer(ep);
      await w.send(["", "MDPW01", "\x01", "hb"]);
      const m = await w.recv(20 * CONF_HB);
      assertEquals(show(m), ["", "MDPW01", "0x04"]);
      w.close();
    },
  );

  await t.step(
    "mmi.service 200/404, other mmi.* 501, one status frame",
    async () => {
      const c = new Peer(ep);
      await c.send(["", "MDPC01", "mmi.service", "nosuch"]);
      assertEquals(show(await c.recv()), ["", "MDPC01", "mmi.service", "404"]);
      await c.send(["", "MDPC01", "mmi.frobnicate", "x", "y"]);
      assertEquals(show(await c.recv()), [
        "",
        "MDPC01",
        "mmi.frobnicate",
        "501",
      ]);
      await c.send(["", "MDPC01", "mmi.stats", "x"]);
      const s = await c.recv();
      assertEquals(show(s).slice(0, 4), ["", "MDPC01", "mmi.stats", "200"]);
      assert(typeof JSON.parse(show(s)[4]).counters === "object");
      c.close();
    },
  );

  await t.step(
    "READY for an mmi.* service is answered with DISCONNECT",
    async () => {
      const w = new Peer(ep);
      await w.send(["", "MDPW01", "\x01", "mmi.service"]);
      assertEquals(show(await w.recv()), DISCONNECT);
      assertEquals(await w.mmi("mmi.service"), "404");
      w.close();
    },
  );

  await t.step(
    "a second READY gets DISCONNECT and the worker is forgotten",
    async () => {
      const w = new Peer(ep);
      await w.send(["", "MDPW01", "\x01", "twice"]);
      assertEquals(await w.mmi("twice"), "200");
      await w.send(["", "MDPW01", "\x01", "twice"]);
      assertEquals(show(await w.recvNonHeartbeat()), DISCONNECT);
      assertEquals(await w.mmi("twice"), "404");
      w.close();
    },
  );

  await t.step(
    "HEARTBEAT, REPLY or REQUEST from an unknown worker get DISCONNECT",
    async () => {
      for (
        const msg of [
          ["", "MDPW01", "\x04"],
          ["", "MDPW01", "\x03", "C", "", "x"],
          ["", "MDPW01", "\x02", "C", "", "x"],
        ]
      ) {
        const w = new Peer(ep);
        await w.send(msg);
        assertEquals(show(await w.recv()), DISCONNECT);
        w.close();
      }
    },
  );

  await t.step(
    "an invalid message from a registered worker gets DISCONNECT",
    async () => {
      for (
        const bad of [
          ["", "MDPW01", "\x09"],
          ["", "MDPW01", "\x04", "extra"],
          ["", "MDPW01", "\x03", "C", "x", "body"],
          ["x", "MDPW01", "\x04"],
        ]
      ) {
        const w = new Peer(ep);
        await w.send(["", "MDPW01", "\x01", "bad"]);
        assertEquals(await w.mmi("bad"), "200");
        await w.send(bad);
        assertEquals(show(await w.recvNonHeartbeat()), DISCONNECT);
        assertEquals(await w.mmi("bad"), "404");
        w.close();
      }
    },
  );

  await t.step(
    "a REPLY from a waiting (not busy) worker gets DISCONNECT",
    async () => {
      const w = new Peer(ep);
      await w.send(["", "MDPW01", "\x01", "idle"]);
      assertEquals(await w.mmi("idle"), "200");
      await w.send(["", "MDPW01", "\x03", "C", "", "x"]);
      assertEquals(show(await w.recvNonHeartbeat()), DISCONNECT);
      w.close();
    },
  );

  await t.step(
    "invalid client messages are dropped without reply",
    async () => {
      const c = new Peer(ep);
      await c.send(["", "MDPC01", "echo"]); // no body
      await c.send(["", "MDPC01", "", "x"]); // empty service
      await c.send(["x", "MDPC01", "echo", "x"]); // not empty
      await c.send(["", "MDPX01", "echo", "x"]);
      assertEquals(await c.mmi("nosuch"), "404"); // first reply is the MMI one
      c.close();
    },
  );

  await t.step("worker DISCONNECT removes it silently", async () => {
    const w = new Peer(ep);
    await w.send(["", "MDPW01", "\x01", "bye"]);
    assertEquals(await w.mmi("bye"), "200");
    await w.send(["", "MDPW01", "\x05"]);
    assertEquals(await w.mmi("bye"), "404");
    w.close();
  });

  await t.step(
    "LRU: the longest-waiting worker gets the next request",
    async () => {
      const w1 = new Peer(ep, "W-lru-1");
      const w2 = new Peer(ep, "W-lru-2");
      await w1.send(["", "MDPW01", "\x01", "lru"]);
      assertEquals(await w1.mmi("lru"), "200");
      await w2.send(["", "MDPW01", "\x01", "lru"]);
      assertEquals(await w2.mmi("lru"), "200");
      const c = new Peer(ep);
      await c.send(["", "MDPC01", "lru", "1"]);
      const r1 = await w1.recvNonHeartbeat();
      assertEquals(show(r1).at(-1), "1");
      await c.send(["", "MDPC01", "lru", "2"]);
      const r2 = await w2.recvNonHeartbeat();
      assertEquals(show(r2).at(-1), "2");
      await w1.send(["", "MDPW01", "\x03", r1[3], "", "one"]);
      await w2.send(["", "MDPW01", "\x03", r2[3], "", "two"]);
      assertEquals(show(await c.recv()).at(-1), "one");
      assertEquals(show(await c.recv()).at(-1), "two");
      for (const p of [w1, w2, c]) p.close();
    },
  );

  await t.step(
    "a request waits for a worker, and expires after the TTL",
    async () => {
      const c = new Peer(ep, "C-wait");
      await c.send(["", "MDPC01", "later", "queued"]);
      const w = new Peer(ep);
      await w.send(["", "MDPW01", "\x01", "later"]);
      assertEquals(show(await w.recvNonHeartbeat()), [
        "",
        "MDPW01",
        "0x02",
        "C-wait",
        "",
        "queued",
      ]);
      w.close();
      const before = (await brokerStats(ep)).counters.expiredRequests;
      await c.send(["", "MDPC01", "never", "x"]);
      await until(
        async () => (await brokerStats(ep)).counters.expiredRequests > before,
        10000,
        "TTL expiry",
      );
      const w2 = new Peer(ep);
      await w2.send(["", "MDPW01", "\x01", "never"]);
      assertEquals(await w2.mmi("never"), "200"); // got no REQUEST first
      w2.close();
      c.close();
    },
  );

  await t.step(
    "a silent worker is purged after liveness × heartbeat",
    async () => {
      const w = new Peer(ep);
      await w.send(["", "MDPW01", "\x01", "silent"]);
      assertEquals(await w.mmi("silent"), "200");
      const t0 = performance.now();
      await until(
        async () => (await w.mmi("silent")) === "404",
        20000,
        "purge",
      );
      assert(performance.now() - t0 >= CONF_HB * 2, "purged too early");
      w.close();
    },
  );

  await t.step("SIGTERM: workers get DISCONNECT, exit code 0", async () => {
    const w = new Peer(ep);
    await w.send(["", "MDPW01", "\x01", "last"]);
    assertEquals(await w.mmi("last"), "200");
    const status = await broker.terminate();
    assertEquals(status.code, 0);
    assertEquals(show(await w.recvNonHeartbeat()), DISCONNECT);
    w.close();
  });
});

Deno.test("deno task broker: several --bind endpoints, one ready line, SIGINT exits 0", async () => {
  const child = await spawnChild(BROKER, {
    args: [
      "--bind",
      "tcp://127.0.0.1:*",
      "--bind",
      "tcp://127.0.0.1:*",
      "--log-level",
      "warn",
    ],
  });
  const eps = child.ready.endpoints as string[];
  assertEquals(eps.length, 2);
  assertEquals(child.endpoint, eps[0]);
  for (const ep of eps) {
    const p = new Peer(ep);
    assertEquals(await p.mmi("echo"), "404");
    p.close();
  }
  assertEquals(
    child.stdoutLines.filter((l) => l.includes('"ready"')).length,
    1,
  );
  child.signal("SIGINT");
  assertEquals((await child.exited).code, 0);
});

Deno.test("deno task broker: bad flags exit 2, --help exits 0", async () => {
  for (
    const args of [
      ["--bogus"],
      ["--heartbeat-ms", "abc"],
      ["--log-level", "loud"],
      ["--bind", "nonsense"],
      ["extra"],
    ]
  ) {
    const child = await spawnChild(BROKER, { args, waitReady: false });
    const status = await child.exited;
    assertEquals(status.code, 2, `${args.join(" ")}: ${child.stderrText()}`);
    assert(child.stderrText().length > 0);
  }
  const help = await spawnChild(BROKER, { args: ["--help"], waitReady: false });
  assertEquals((await help.exited).code, 0);
  await shutdown();
});
