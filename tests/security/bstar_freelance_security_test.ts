// Security on Binary Star and Freelance: allow-listed keys served, unknown
// keys refused by the ZAP handler and counted, the client failing typed.
import { assert, assertEquals } from "../helpers/assert.ts";
import { curveKeyPair, silentLogger } from "../../mod.ts";
import {
  FreelanceClient,
  FreelanceRepServer,
  FreelanceRetryClient,
  FreelanceServer,
  FreelanceShotgunClient,
} from "../../src/patterns/freelance/mod.ts";
import {
  BinaryStarClient,
  BinaryStarServer,
} from "../../src/patterns/binary_star/mod.ts";
import { freePorts, sleep } from "../binary_star/_helpers.ts";

const td = new TextDecoder();
const quiet = { logger: silentLogger };

async function until(cond: () => boolean, ms = 10000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error("condition not met in time");
    await sleep(20);
  }
}

Deno.test("security: Freelance servers (model 3 and REP) admit allowed keys and refuse unknown ones; all three clients", async () => {
  const key = curveKeyPair();
  const client = curveKeyPair();
  const security = {
    curve: { secretKey: key.secretKey, allow: [client.publicKey] },
  };
  const s3 = await FreelanceServer.bind("tcp://127.0.0.1:*", (r) => r, {
    ...quiet,
    security,
  });
  const rep = await FreelanceRepServer.bind("tcp://127.0.0.1:*", (r) => r, {
    ...quiet,
    security,
  });
  const as = {
    curve: { serverKey: key.publicKey, secretKey: client.secretKey },
  };
  const c3 = await FreelanceClient.connect([s3.endpoint], {
    ...quiet,
    security: as,
  });
  const retry = await FreelanceRetryClient.connect([rep.endpoint], {
    ...quiet,
    security: as,
  });
  const shotgun = await FreelanceShotgunClient.connect([rep.endpoint], {
    ...quiet,
    security: as,
  });
  const stranger = await FreelanceClient.connect([s3.endpoint], {
    ...quiet,
    security: { curve: { serverKey: key.publicKey } }, // a new key of its own
  });
  const strangerRetry = await FreelanceRetryClient.connect([rep.endpoint], {
    ...quiet,
    attemptTimeoutMs: 200,
    deadlineMs: 600,
    security: { curve: { serverKey: key.publicKey } },
  });
  try {
    for (let i = 0; i < 5; i++) {
      const [r] = await c3.request([`m3-${i}`], { deadlineMs: 5000 });
      assertEquals(td.decode(r), `m3-${i}`);
      const [q] = await retry.request([`r-${i}`]);
      assertEquals(td.decode(q), `r-${i}`);
      const [g] = await shotgun.request([`g-${i}`]);
      assertEquals(td.decode(g), `g-${i}`);
    }
    let failed: unknown;
    await stranger.request(["in?"], { deadlineMs: 600 }).catch((e) =>
      failed = e
    );
    assert(failed instanceof Error, "the stranger's request must fail");
    failed = undefined;
    await strangerRetry.request(["in?"]).catch((e) => failed = e);
    assert(failed instanceof Error, "the stranger's retry must fail");
    await until(() =>
      (s3.securityStats?.counters.refused ?? 0) >= 1 &&
      (rep.securityStats?.counters.refused ?? 0) >= 1
    );
    assertEquals(s3.securityStats?.mechanism, "CURVE");
    assertEquals(s3.securityStats?.counters.allowed, 1);
    assert(s3.securityStats!.counters.refusedBy["unknown-key"]! >= 1);
    assert((rep.securityStats?.counters.allowed ?? 0) >= 2);
  } finally {
    await strangerRetry.close();
    await stranger.close();
    await shotgun.close();
    await retry.close();
    await c3.close();
    await rep.close();
    await s3.close();
  }
});

Deno.test("security: a Binary Star pair with one key pair serves an allowed client, refuses an unknown key", async () => {
  const key = curveKeyPair();
  const client = curveKeyPair();
  const security = {
    curve: { secretKey: key.secretKey, allow: [client.publicKey] },
  };
  const [sp, sb] = freePorts(2).map((p) => `tcp://127.0.0.1:${p}`);
  const common = { heartbeatIntervalMs: 50, ...quiet, security };
  const primary = await BinaryStarServer.start({
    ...common,
    role: "primary",
    frontend: "tcp://127.0.0.1:*",
    stateBind: sp,
    statePeer: sb,
    handler: (b) => [new TextEncoder().encode("ok"), ...b],
  });
  const backup = await BinaryStarServer.start({
    ...common,
    role: "backup",
    frontend: "tcp://127.0.0.1:*",
    stateBind: sb,
    statePeer: sp,
  });
  const endpoints = [
    primary.frontendEndpoint,
    backup.frontendEndpoint,
  ] as const;
  const c = await BinaryStarClient.connect(endpoints, {
    ...quiet,
    security: {
      curve: { serverKey: key.publicKey, secretKey: client.secretKey },
    },
  });
  const stranger = await BinaryStarClient.connect(endpoints, {
    ...quiet,
    attemptTimeoutMs: 200,
    settleMs: 200,
    deadlineMs: 800,
    security: { curve: { serverKey: key.publicKey } },
  });
  try {
    for (let i = 0; i < 5; i++) {
      const r = await c.request([`b${i}`]);
      assertEquals(r.map((f) => td.decode(f)), ["ok", `b${i}`]);
    }
    let failed: unknown;
    await stranger.request(["in?"]).catch((e) => failed = e);
    assert(failed instanceof Error, "the stranger's request must fail");
    await until(() => (primary.securityStats?.counters.refused ?? 0) >= 1);
    // One handshake per REQ socket the client opened (a new one per switch).
    assert((primary.securityStats?.counters.allowed ?? 0) >= 1);
    assertEquals(primary.state, "ACTIVE");
  } finally {
    await stranger.close();
    await c.close();
    await backup.close();
    await primary.close();
  }
});
