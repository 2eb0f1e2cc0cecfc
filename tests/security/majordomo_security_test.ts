// CURVE + ZAP on the Majordomo broker, clients and workers: allow-lists of
// client and worker keys, refusals counted, and a TCP relay that records
// every byte to show the request's plaintext never crosses the wire.
import { assert, assertEquals } from "../helpers/assert.ts";
import { relay } from "../helpers/relay.ts";
import {
  curveKeyPair,
  MajordomoAsyncClient,
  MajordomoBroker,
  type MajordomoBrokerEvent,
  MajordomoClient,
  MajordomoWorker,
  silentLogger,
  writeKeyPair,
} from "../../mod.ts";

const td = new TextDecoder();
const quiet = { logger: silentLogger };

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("security: an allow-listed client is served; an unknown client key is refused and the refusal counted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rzmq-sec-" });
  await Deno.mkdir(`${dir}/clients`);
  const server = await writeKeyPair(`${dir}/broker`);
  const alice = await writeKeyPair(`${dir}/clients/alice`);
  await Deno.rename(alice.secretFile, `${dir}/alice_secret`); // keep the allow dir public
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    ...quiet,
    heartbeatIntervalMs: 200,
    security: {
      curve: {
        secretFile: server.secretFile,
        allow: { dir: `${dir}/clients` },
      },
    },
  });
  const [ep] = broker.endpoints;
  const worker = await MajordomoWorker.connect(ep, "echo", (r) => r, {
    ...quiet,
    heartbeatIntervalMs: 200,
    security: {
      curve: {
        serverKeyFile: server.publicFile,
        secretFile: `${dir}/alice_secret`,
      },
    },
  });
  const good = await MajordomoClient.connect(ep, {
    ...quiet,
    security: {
      curve: { serverKey: server.publicKey, secretFile: `${dir}/alice_secret` },
    },
  });
  const stranger = await MajordomoClient.connect(ep, {
    ...quiet,
    attemptTimeoutMs: 300,
    maxAttempts: 1,
    checkServiceOnTimeout: false,
    security: { curve: { serverKey: server.publicKey } }, // a fresh, unknown key
  });
  try {
    const [reply] = await good.request("echo", ["hello"]);
    assertEquals(td.decode(reply), "hello");
    let failed: unknown;
    await stranger.request("echo", ["let me in"]).catch((e) => failed = e);
    assert(failed instanceof Error, "the stranger's request must fail");
    await until(() => (broker.securityStats?.counters.refused ?? 0) >= 1);
    const s = broker.securityStats!;
    assertEquals(s.mechanism, "CURVE");
    assertEquals(s.publicKey, server.publicKey);
    assert(s.counters.refusedBy["unknown-key"]! >= 1);
    assertEquals(s.counters.refused, s.counters.refusedBy["unknown-key"]);
    assertEquals(s.counters.allowed, 2); // the worker and the good client
    assertEquals(broker.stats.counters.dispatched, 1); // the stranger's never arrived
  } finally {
    await stranger.close();
    await good.close();
    await worker.close();
    await broker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("security: a worker without an allowed worker key cannot register", async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const workerKey = curveKeyPair();
  const events: MajordomoBrokerEvent[] = [];
  const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    ...quiet,
    heartbeatIntervalMs: 200,
    security: {
      curve: { secretKey: server.secretKey, allow: [client.publicKey] },
    },
    workerSecurity: { allow: [workerKey.publicKey] },
    onEvent: (e) => events.push(e),
  });
  const [ep] = broker.endpoints;
  const opts = (secretKey?: string) => ({
    ...quiet,
    heartbeatIntervalMs: 200,
    reconnectInitialMs: 200,
    security: {
      curve: {
        serverKey: server.publicKey,
        ...(secretKey ? { secretKey } : {}),
      },
    },
  });
  // A client's key is admitted on the socket but may not register.
  const impostor = await MajordomoWorker.connect(
    ep,
    "echo",
    () => ["impostor"],
    opts(client.secretKey),
  );
  // An unknown key is refused by the ZAP handler before any READY.
  const stranger = await MajordomoWorker.connect(
    ep,
    "echo",
    () => ["stranger"],
    opts(),
  );
  try {
    await until(() =>
      broker.stats.counters.refusedWorkers >= 1 &&
      (broker.securityStats?.counters.refused ?? 0) >= 1
    );
    assertEquals(broker.stats.workers, 0);
    const refused = events.filter((e) => e.type === "worker:refused");
    assert(
      refused.length >= 1 &&
        refused.every((e) =>
          e.type === "worker:refused" && e.reason === "not-authorized"
        ),
    );
    // The real worker registers and serves; the client gets its reply only.
    const real = await MajordomoWorker.connect(
      ep,
      "echo",
      (r) => r,
      opts(workerKey.secretKey),
    );
    const c = await MajordomoAsyncClient.connect(ep, {
      ...quiet,
      security: {
        curve: { serverKey: server.publicKey, secretKey: client.secretKey },
      },
    });
    try {
      for (let i = 0; i < 5; i++) {
        const [reply] = await c.request("echo", [`r${i}`]);
        assertEquals(td.decode(reply), `r${i}`);
      }
      assertEquals(broker.stats.workers, 1);
    } finally {
      await c.close();
      await real.close();
    }
  } finally {
    await impostor.close();
    await stranger.close();
    await broker.close();
  }
});

function contains(hay: Uint8Array, needle: string): boolean {
  return td.decode(hay).includes(needle); // latin-1-safe enough for ASCII needles
}

for (const curve of [false, true]) {
  Deno.test(`security: the request's plaintext ${curve ? "never crosses" : "crosses"} the wire with CURVE ${curve ? "on" : "off"}`, async () => {
    const server = curveKeyPair();
    const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
      ...quiet,
      ...(curve
        ? {
          security: {
            curve: { secretKey: server.secretKey, allow: "any" as const },
          },
        }
        : {}),
    });
    const port = Number(broker.endpoints[0].split(":").pop());
    const r = relay(port);
    const ep = `tcp://127.0.0.1:${r.port}`;
    const sec = curve
      ? { security: { curve: { serverKey: server.publicKey } } }
      : {};
    const secret = "TOP-SECRET-PAYLOAD-4242";
    const worker = await MajordomoWorker.connect(
      ep,
      "vault",
      (req) => [td.decode(req[0]) + "-REPLY-SECRET"],
      { ...quiet, ...sec },
    );
    const client = await MajordomoClient.connect(ep, { ...quiet, ...sec });
    try {
      const [reply] = await client.request("vault", [secret]);
      assertEquals(td.decode(reply), `${secret}-REPLY-SECRET`);
      const wire = r.bytes();
      assert(wire.length > 0, "the relay saw the traffic");
      assertEquals(contains(wire, secret), !curve);
      assertEquals(contains(wire, "REPLY-SECRET"), !curve);
      assertEquals(contains(wire, "vault"), !curve); // the service name too
      assertEquals(contains(wire, "CURVE"), curve); // the ZMTP greeting says which
    } finally {
      await client.close();
      await worker.close();
      await broker.close();
      await r.close();
    }
  });
}
