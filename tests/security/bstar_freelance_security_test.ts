// Security on Binary Star and Freelance: allow-listed client keys served,
// unknown keys refused (counted, and a typed error, never a hang), and a
// CURVE request's text not on the wire.
import { assert, assertEquals } from "../helpers/assert.ts";
import { relay } from "../helpers/relay.ts";
import {
  BinaryStarClient,
  BinaryStarServer,
  curveKeyPair,
  FreelanceClient,
  FreelanceRepServer,
  FreelanceRetryClient,
  FreelanceServer,
  FreelanceShotgunClient,
  NoServerAnsweredError,
  PeerUnavailableError,
  silentLogger,
} from "../../mod.ts";

const td = new TextDecoder();
const quiet = { logger: silentLogger };

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A primary and a backup sharing one CURVE key pair and one allow-list. */
async function bstarPair(secretKey: string, allow: string[]) {
  const common = {
    ...quiet,
    heartbeatIntervalMs: 50,
    security: { curve: { secretKey, allow } },
  };
  const primary = await BinaryStarServer.start({
    ...common,
    role: "primary",
    frontend: "tcp://127.0.0.1:*",
    stateBind: "tcp://127.0.0.1:*",
    statePeer: "tcp://127.0.0.1:1", // connected below, once known
  });
  const backup = await BinaryStarServer.start({
    ...common,
    role: "backup",
    frontend: "tcp://127.0.0.1:*",
    stateBind: "tcp://127.0.0.1:*",
    statePeer: primary.node.stateEndpoint,
  });
  primary.node.connectPeer(backup.node.stateEndpoint);
  return { primary, backup };
}

Deno.test("security: Binary Star pair with a CURVE allow-list", async () => {
  const pair = curveKeyPair();
  const known = curveKeyPair();
  const { primary, backup } = await bstarPair(pair.secretKey, [
    known.publicKey,
  ]);
  const endpoints = [
    primary.frontendEndpoint,
    backup.frontendEndpoint,
  ] as const;
  const client = await BinaryStarClient.connect(endpoints, {
    ...quiet,
    attemptTimeoutMs: 500,
    settleMs: 50,
    security: { curve: { serverKey: pair.publicKey, ...known } },
  });
  const stranger = await BinaryStarClient.connect(endpoints, {
    ...quiet,
    attemptTimeoutMs: 200,
    settleMs: 50,
    deadlineMs: 800,
    security: { curve: { serverKey: pair.publicKey } }, // a new key pair
  });
  try {
    for (let i = 0; i < 5; i++) {
      const [r] = await client.request([`bstar ${i}`]);
      assertEquals(td.decode(r), `bstar ${i}`);
    }
    let failed: unknown;
    await stranger.request(["let me in"]).catch((e) => failed = e);
    assert(failed instanceof PeerUnavailableError, String(failed));
    await until(() => (primary.securityStats?.counters.refused ?? 0) >= 1);
    const s = primary.securityStats!;
    assertEquals(s.mechanism, "CURVE");
    assertEquals(s.publicKey, pair.publicKey);
    assert(s.counters.allowed >= 1);
    assert(s.counters.refusedBy["unknown-key"]! >= 1);
    assertEquals(backup.securityStats?.publicKey, pair.publicKey);
  } finally {
    await stranger.close();
    await client.close();
    await backup.close();
    await primary.close();
  }
});

Deno.test("security: Binary Star over CURVE hides the request on the wire", async () => {
  const pair = curveKeyPair();
  const known = curveKeyPair();
  const { primary, backup } = await bstarPair(pair.secretKey, [
    known.publicKey,
  ]);
  const port = Number(primary.frontendEndpoint.split(":").at(-1));
  const r = relay(port);
  const client = await BinaryStarClient.connect(
    [`tcp://127.0.0.1:${r.port}`, backup.frontendEndpoint],
    {
      ...quiet,
      attemptTimeoutMs: 1000,
      settleMs: 50,
      security: { curve: { serverKey: pair.publicKey, ...known } },
    },
  );
  const secret = "PLAINTEXT-bstar-7d3f";
  try {
    const [reply] = await client.request([secret]);
    assertEquals(td.decode(reply), secret);
    const wire = r.bytes();
    assert(wire.length > 0, "the relay saw the traffic");
    assert(!td.decode(wire).includes(secret), "plaintext on the wire");
  } finally {
    await client.close();
    await r.close();
    await backup.close();
    await primary.close();
  }
});

const LOCAL = "tcp://127.0.0.1:*";

Deno.test("security: FreelanceServer pair (one key pair) and FreelanceClient over CURVE", async () => {
  const key = curveKeyPair(); // shared by both servers
  const known = curveKeyPair();
  const security = {
    curve: { secretKey: key.secretKey, allow: [known.publicKey] },
  };
  const servers = await Promise.all(
    ["A", "B"].map((n) =>
      FreelanceServer.bind(LOCAL, (r) => [n, ...r], { ...quiet, security })
    ),
  );
  const endpoints = servers.map((s) => s.endpoint);
  const client = await FreelanceClient.connect(endpoints, {
    ...quiet,
    security: { curve: { serverKey: key.publicKey, ...known } },
  });
  const stranger = await FreelanceClient.connect(endpoints, {
    ...quiet,
    heartbeatIntervalMs: 100,
    attemptTimeoutMs: 200,
    deadlineMs: 600,
    security: { curve: { serverKey: key.publicKey } },
  });
  try {
    for (let i = 0; i < 5; i++) {
      const [who, body] = await client.request([`fl ${i}`]);
      assert(["A", "B"].includes(td.decode(who)));
      assertEquals(td.decode(body), `fl ${i}`);
    }
    let failed: unknown;
    await stranger.request(["let me in"]).catch((e) => failed = e);
    assert(failed instanceof NoServerAnsweredError, String(failed));
    await until(() =>
      servers.every((s) => (s.securityStats?.counters.refused ?? 0) >= 1)
    );
    for (const s of servers) {
      assertEquals(s.securityStats?.publicKey, key.publicKey);
      assert(s.securityStats!.counters.refusedBy["unknown-key"]! >= 1);
    }
    assert(servers.some((s) => s.securityStats!.counters.allowed >= 1));
  } finally {
    await stranger.close();
    await client.close();
    await Promise.all(servers.map((s) => s.close()));
  }
});

Deno.test("security: FreelanceRepServer with FreelanceRetryClient and FreelanceShotgunClient over CURVE", async () => {
  const key = curveKeyPair();
  const known = curveKeyPair();
  const security = {
    curve: { secretKey: key.secretKey, allow: [known.publicKey] },
  };
  const as = {
    security: { curve: { serverKey: key.publicKey, ...known } },
  };
  const unknown = { security: { curve: { serverKey: key.publicKey } } };
  const echo = await FreelanceRepServer.bind(LOCAL, (r) => r, {
    ...quiet,
    security,
  });
  const seq = await FreelanceRepServer.bind(LOCAL, () => ["S"], {
    ...quiet,
    sequenced: true,
    security,
  });
  const retry = await FreelanceRetryClient.connect([echo.endpoint], {
    ...quiet,
    ...as,
  });
  const shotgun = await FreelanceShotgunClient.connect([seq.endpoint], {
    ...quiet,
    ...as,
  });
  const retryStranger = await FreelanceRetryClient.connect([echo.endpoint], {
    ...quiet,
    ...unknown,
    attemptTimeoutMs: 150,
    maxAttempts: 2,
  });
  const shotgunStranger = await FreelanceShotgunClient.connect(
    [seq.endpoint],
    { ...quiet, ...unknown, deadlineMs: 300 },
  );
  try {
    assertEquals(td.decode((await retry.request(["ping"]))[0]), "ping");
    assertEquals(td.decode((await shotgun.request(["q"]))[0]), "S");
    const fail = (p: Promise<unknown>) =>
      p.then(() => undefined, (e: unknown) => e);
    const [a, b] = await Promise.all([
      fail(retryStranger.request(["x"])),
      fail(shotgunStranger.request(["x"])),
    ]);
    assert(a instanceof NoServerAnsweredError, String(a));
    assert(b instanceof NoServerAnsweredError, String(b));
    await until(() =>
      (echo.securityStats?.counters.refused ?? 0) >= 1 &&
      (seq.securityStats?.counters.refused ?? 0) >= 1
    );
    assert(echo.securityStats!.counters.allowed >= 1);
    assert(seq.securityStats!.counters.allowed >= 1);
  } finally {
    await Promise.all(
      [retry, shotgun, retryStranger, shotgunStranger].map((c) => c.close()),
    );
    await echo.close();
    await seq.close();
  }
});
