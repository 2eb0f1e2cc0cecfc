// Attribution: client requests counted per authenticated identity, bounded
// (the identities beyond `usersCounted` summed under `other`), PLAIN user
// names escaped in the Prometheus text; reloadSecurity() of the worker list.
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  BrokerMetrics,
  curveKeyPair,
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
  silentLogger,
  writeKeyPair,
} from "../../mod.ts";

const td = new TextDecoder();
const quiet = { logger: silentLogger };

Deno.test("attribution: at most usersCounted keys counted one by one, the rest under other", async () => {
  const server = curveKeyPair();
  const keys = [curveKeyPair(), curveKeyPair(), curveKeyPair(), curveKeyPair()];
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    ...quiet,
    usersCounted: 2,
    security: { curve: { secretKey: server.secretKey, allow: "any" } },
  });
  const clients: MajordomoClient[] = [];
  try {
    for (const [i, k] of keys.entries()) {
      const c = await MajordomoClient.connect(broker.endpoints[0], {
        ...quiet,
        attemptTimeoutMs: 5000,
        maxAttempts: 1,
        security: { curve: { serverKey: server.publicKey, ...k } },
      });
      clients.push(c);
      for (let n = 0; n <= i; n++) await c.request("mmi.service", ["x"]);
    }
    const u = broker.requestsByUser()!;
    assertEquals(u.usersCounted, 2);
    assertEquals(u.users, { [keys[1].publicKey]: 2, [keys[0].publicKey]: 1 });
    assertEquals(u.other, 3 + 4);
    assertEquals(u.unauthenticated, 0);
    assertEquals(broker.stats.counters.requests, 10);
  } finally {
    for (const c of clients) await c.close();
    await broker.close();
  }
  // Off: usersCounted 0, or no CURVE/PLAIN.
  const off = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    ...quiet,
    usersCounted: 0,
    security: { curve: { secretKey: server.secretKey, allow: "any" } },
  });
  const open = await MajordomoBroker.bind("tcp://127.0.0.1:*", quiet);
  assertEquals(off.requestsByUser(), undefined);
  assertEquals(open.requestsByUser(), undefined);
  await off.close();
  await open.close();
});

Deno.test("attribution: PLAIN user names in /stats and escaped in the Prometheus text", async () => {
  const odd = 'eve "the\\quoted"';
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    ...quiet,
    security: { plain: { users: { bob: "pw", [odd]: "pw2" } } },
  });
  const metrics = BrokerMetrics.attach(broker);
  const a = await MajordomoClient.connect(broker.endpoints[0], {
    ...quiet,
    security: { plain: { username: "bob", password: "pw" } },
  });
  const b = await MajordomoClient.connect(broker.endpoints[0], {
    ...quiet,
    security: { plain: { username: odd, password: "pw2" } },
  });
  try {
    await a.request("mmi.service", ["x"]);
    await b.request("mmi.service", ["x"]);
    await b.request("mmi.service", ["x"]);
    assertEquals(metrics.snapshot().users?.users, { [odd]: 2, bob: 1 });
    const text = metrics.prometheus();
    assert(
      text.includes(
        'rzmq_broker_user_requests_total{user="eve \\"the\\\\quoted\\""} 2',
      ),
      text,
    );
    assert(text.includes('rzmq_broker_user_requests_total{user="bob"} 1'));
    assert(text.includes("rzmq_broker_user_requests_other_total 0"));
  } finally {
    metrics.detach();
    await a.close();
    await b.close();
    await broker.close();
  }
});

Deno.test("reloadSecurity: a worker key added to the worker directory may register; a bad directory keeps the lists", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rzmq-reload-w-" });
  await Deno.mkdir(`${dir}/clients`);
  await Deno.mkdir(`${dir}/workers`);
  await Deno.mkdir(`${dir}/secret`);
  const server = curveKeyPair();
  const w = await writeKeyPair(`${dir}/secret/w1`);
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    ...quiet,
    heartbeatIntervalMs: 100,
    security: {
      curve: { secretKey: server.secretKey, allow: { dir: `${dir}/clients` } },
    },
    workerSecurity: { allow: { dir: `${dir}/workers` } },
  });
  const ep = broker.endpoints[0];
  const sec = {
    curve: { serverKey: server.publicKey, secretFile: w.secretFile },
  };
  try {
    // Not listed yet: refused at the handshake.
    const early = await MajordomoWorker.connect(ep, "echo", (r) => r, {
      ...quiet,
      heartbeatIntervalMs: 100,
      security: sec,
    });
    const t0 = Date.now();
    while (
      (broker.securityStats?.counters.refused ?? 0) === 0 &&
      Date.now() - t0 < 10000
    ) await new Promise((r) => setTimeout(r, 20));
    assert(broker.securityStats!.counters.refusedBy["unknown-key"]! >= 1);
    await early.close();
    await Deno.copyFile(w.publicFile, `${dir}/workers/w1`);
    const r = broker.reloadSecurity();
    assertEquals(r.ok, true);
    assertEquals(r.workers, { added: 1, removed: 0, admitted: 1 });
    assertEquals(r.clients, { added: 0, removed: 0, admitted: 0 });
    const worker = await MajordomoWorker.connect(ep, "echo", (q) => q, {
      ...quiet,
      heartbeatIntervalMs: 100,
      security: sec,
    });
    await worker.ready;
    // The worker key may also send requests (the ZAP handler admits it).
    const client = await MajordomoClient.connect(ep, {
      ...quiet,
      security: sec,
    });
    const [reply] = await client.request("echo", ["hi"]);
    assertEquals(td.decode(reply), "hi");
    await Deno.writeTextFile(`${dir}/workers/bad`, "xyz\n");
    const bad = broker.reloadSecurity();
    assertEquals(bad.ok, false);
    assert(bad.error!.includes("bad"), bad.error);
    assertEquals(bad.workers?.admitted, 1);
    await client.close();
    await worker.close();
  } finally {
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reloadSecurity: a PLAIN users file read again; a broker without security cannot reload", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rzmq-reload-plain-" });
  const file = `${dir}/users`;
  await Deno.writeTextFile(file, "bob=pw\nann=pw\n");
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    ...quiet,
    security: { plain: { users: { file } } },
  });
  const open = await MajordomoBroker.bind("tcp://127.0.0.1:*", quiet);
  try {
    await Deno.writeTextFile(file, "# bob left\nann=pw\ncid=pw\ndee=pw\n");
    const r = broker.reloadSecurity();
    assertEquals(r, {
      ok: true,
      clients: { added: 2, removed: 1, admitted: 3 },
    });
    const bob = await MajordomoClient.connect(broker.endpoints[0], {
      ...quiet,
      attemptTimeoutMs: 300,
      maxAttempts: 1,
      checkServiceOnTimeout: false,
      security: { plain: { username: "bob", password: "pw" } },
    });
    const cid = await MajordomoClient.connect(broker.endpoints[0], {
      ...quiet,
      security: { plain: { username: "cid", password: "pw" } },
    });
    try {
      const [status] = await cid.request("mmi.service", ["x"]);
      assertEquals(td.decode(status), "404");
      let failed: unknown;
      await bob.request("mmi.service", ["x"]).catch((e) => failed = e);
      assert(failed instanceof Error, "bob was removed");
      assertEquals(broker.requestsByUser()?.users, { cid: 1 });
    } finally {
      await bob.close();
      await cid.close();
    }
    let threw: unknown;
    try {
      open.reloadSecurity();
    } catch (e) {
      threw = e;
    }
    assert(threw instanceof TypeError);
  } finally {
    await broker.close();
    await open.close();
    await Deno.remove(dir, { recursive: true });
  }
});
