import { assert, assertEquals } from "../helpers/assert.ts";
import {
  parseZapRequest,
  z85Encode,
  ZapCore,
  type ZapRequest,
} from "../../src/security/_zap_core.ts";
import {
  openServerSecurity,
  readClientSecurity,
  readServerSecurity,
} from "../../src/security/settings.ts";
import { zapStats } from "../../src/security/zap.ts";
import {
  curveKeyPair,
  DealerSocket,
  RouterSocket,
  silentLogger,
} from "../../mod.ts";

const te = new TextEncoder();
const z85Alphabet =
  "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
function z85Decode(s: string): Uint8Array {
  const out = new Uint8Array((s.length / 5) * 4);
  for (let i = 0, o = 0; i < s.length; i += 5, o += 4) {
    let v = 0;
    for (let k = 0; k < 5; k++) v = v * 85 + z85Alphabet.indexOf(s[i + k]);
    new DataView(out.buffer).setUint32(o, v);
  }
  return out;
}

function req(p: Partial<ZapRequest>): ZapRequest {
  return {
    requestId: te.encode("1"),
    domain: "d",
    address: "127.0.0.1",
    identity: new Uint8Array(0),
    mechanism: "NULL",
    credentials: [],
    ...p,
  };
}

Deno.test("zap core: z85 matches RFC 32's test vector and libzmq's keys", () => {
  const v = new Uint8Array([0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
  assertEquals(z85Encode(v), "HelloWorld");
  const { publicKey } = curveKeyPair();
  assertEquals(z85Encode(z85Decode(publicKey)), publicKey);
});

Deno.test("zap core: CURVE allow-list, PLAIN users, NULL address lists, unknown domain; every decision counted", () => {
  const core = new ZapCore();
  const alice = curveKeyPair().publicKey;
  const mallory = curveKeyPair().publicKey;
  core.set("curve", {
    ipAllow: new Set(),
    ipDeny: new Set(),
    curve: new Set([alice]),
  });
  core.set("any", { ipAllow: new Set(), ipDeny: new Set(), curve: "any" });
  core.set("plain", {
    ipAllow: new Set(),
    ipDeny: new Set(),
    plain: new Map([["bob", "pw"]]),
  });
  core.set("null", { ipAllow: new Set(), ipDeny: new Set(["10.0.0.9"]) });
  core.set("only", { ipAllow: new Set(["10.0.0.1"]), ipDeny: new Set() });
  const curve = (domain: string, key: string) =>
    core.decide(
      req({ domain, mechanism: "CURVE", credentials: [z85Decode(key)] }),
    );

  let d = curve("curve", alice);
  assertEquals([d.allowed, d.status, d.userId], [true, "200", alice]);
  d = curve("curve", mallory);
  assertEquals([d.allowed, d.status, d.reason, d.userId], [
    false,
    "400",
    "unknown-key",
    mallory,
  ]);
  assert(curve("any", mallory).allowed);
  d = core.decide(
    req({
      domain: "plain",
      mechanism: "PLAIN",
      credentials: [te.encode("bob"), te.encode("pw")],
    }),
  );
  assertEquals([d.allowed, d.userId], [true, "bob"]);
  d = core.decide(
    req({
      domain: "plain",
      mechanism: "PLAIN",
      credentials: [te.encode("bob"), te.encode("px")],
    }),
  );
  assertEquals(d.reason, "wrong-password");
  d = core.decide(
    req({
      domain: "plain",
      mechanism: "PLAIN",
      credentials: [te.encode("eve"), te.encode("pw")],
    }),
  );
  assertEquals(d.reason, "unknown-user");
  assert(core.decide(req({ domain: "null" })).allowed);
  assertEquals(
    core.decide(req({ domain: "null", address: "10.0.0.9" })).reason,
    "address-denied",
  );
  assertEquals(
    core.decide(req({ domain: "only", address: "10.0.0.2" })).reason,
    "address-not-allowed",
  );
  assert(core.decide(req({ domain: "only", address: "10.0.0.1" })).allowed);
  // NULL to a CURVE domain, CURVE to a NULL domain, an unknown domain.
  assertEquals(
    core.decide(req({ domain: "curve" })).reason,
    "mechanism-not-allowed",
  );
  assertEquals(curve("null", alice).reason, "mechanism-not-allowed");
  assertEquals(core.decide(req({ domain: "nope" })).reason, "unknown-domain");
  assertEquals(core.counters("curve"), {
    allowed: 1,
    refused: 2,
    refusedBy: { "unknown-key": 1, "mechanism-not-allowed": 1 },
  });
  assertEquals(core.total.allowed, 5);
  assertEquals(core.total.refused, 8);
  // Parsing.
  assert(
    "error" in
      parseZapRequest([
        te.encode("2.0"),
        te.encode("1"),
        ...Array(4).fill(new Uint8Array()),
      ]),
  );
  assert("error" in parseZapRequest([te.encode("1.0")]));
  const ok = parseZapRequest(
    ["1.0", "7", "dom", "1.2.3.4", "", "NULL"].map((s) => te.encode(s)),
  );
  assert(!("error" in ok) && ok.domain === "dom" && ok.address === "1.2.3.4");
});

Deno.test("zap: settings are checked at construction with clear messages", () => {
  const server = curveKeyPair();
  const msg = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  };
  assert(
    /allow must be "any"/.test(
      msg(() =>
        readServerSecurity("S", { curve: { secretKey: server.secretKey } })
      ),
    ),
  );
  assert(
    /unknown option "secret"/.test(
      msg(() =>
        readServerSecurity("S", { curve: { secret: "x", allow: "any" } })
      ),
    ),
  );
  assert(
    /40-character Z85/.test(
      msg(() =>
        readServerSecurity("S", { curve: { secretKey: "short", allow: "any" } })
      ),
    ),
  );
  assert(/curve or plain/.test(msg(() => readClientSecurity("C", {}))));
  const c = readClientSecurity("C", {
    curve: { serverKey: server.publicKey },
  })!;
  assertEquals(c.curveServerKey, server.publicKey);
  assertEquals(String(c.curvePublicKey).length, 40); // an ephemeral pair
  const plan = readServerSecurity("S", {
    curve: { secretKey: server.secretKey, allow: "any" },
  })!;
  assertEquals(plan.publicKey, server.publicKey);
});

Deno.test("zap: a CURVE ROUTER admits an allowed key (User-Id = its key), refuses and counts an unknown one", async () => {
  const server = curveKeyPair();
  const alice = curveKeyPair();
  const mallory = curveKeyPair();
  const plan = readServerSecurity("test", {
    curve: { secretKey: server.secretKey, allow: [alice.publicKey] },
  })!;
  const decisions: string[] = [];
  const sec = openServerSecurity(
    plan,
    silentLogger,
    undefined,
    (d) => decisions.push(d.reason ?? "ok"),
  );
  const router = new RouterSocket(sec.options);
  router.captureUserId();
  const ep = router.bind("tcp://127.0.0.1:*");
  const good = new DealerSocket({
    ...readClientSecurity("c", {
      curve: { serverKey: server.publicKey, secretKey: alice.secretKey },
    }),
  });
  const bad = new DealerSocket({
    ...readClientSecurity("c", {
      curve: { serverKey: server.publicKey, secretKey: mallory.secretKey },
    }),
    reconnectInitialMs: 50,
  });
  try {
    assert(zapStats().running);
    bad.connect(ep);
    good.connect(ep);
    await bad.send(["from mallory"]);
    await good.send(["from alice"]);
    const [, body] = await router.receive({ timeoutMs: 10000 });
    assertEquals(new TextDecoder().decode(body), "from alice");
    assertEquals(router.lastUserId, alice.publicKey);
    // Mallory is refused (and retries: each attempt refused and counted).
    const t0 = Date.now();
    while (sec.registration.counters.refused === 0 && Date.now() - t0 < 10000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert(sec.registration.counters.refused >= 1);
    assertEquals(
      sec.registration.counters.refusedBy["unknown-key"],
      sec.registration.counters.refused,
    );
    assertEquals(sec.registration.counters.allowed, 1);
    assert(decisions.includes("unknown-key") && decisions.includes("ok"));
    assertEquals(router.tryReceive(), null); // nothing from mallory ever
  } finally {
    good.close();
    bad.close();
    router.close();
    sec.registration.release();
  }
  assert(!zapStats().running);
  assert(zapStats().total.refused >= 1);
});

Deno.test("zap: PLAIN users and NULL address lists on real sockets", async () => {
  const plan = readServerSecurity("t", { plain: { users: { bob: "pw" } } })!;
  const sec = openServerSecurity(plan, silentLogger);
  const router = new RouterSocket(sec.options);
  router.captureUserId();
  const ep = router.bind("tcp://127.0.0.1:*");
  const denyPlan = readServerSecurity("t", { ipDeny: ["127.0.0.1"] })!;
  const deny = openServerSecurity(denyPlan, silentLogger);
  const denied = new RouterSocket(deny.options);
  const denyEp = denied.bind("tcp://127.0.0.1:*");
  const bob = new DealerSocket(
    readClientSecurity("c", { plain: { username: "bob", password: "pw" } }),
  );
  const eve = new DealerSocket({
    ...readClientSecurity("c", {
      plain: { username: "bob", password: "guess" },
    }),
    reconnectInitialMs: 50,
  });
  const nul = new DealerSocket({ reconnectInitialMs: 50 });
  try {
    eve.connect(ep);
    bob.connect(ep);
    nul.connect(denyEp);
    await bob.send(["hi"]);
    void eve.send(["let me in"]).catch(() => {});
    void nul.send(["me too"]).catch(() => {});
    const [, body] = await router.receive({ timeoutMs: 10000 });
    assertEquals(new TextDecoder().decode(body), "hi");
    assertEquals(router.lastUserId, "bob");
    const t0 = Date.now();
    while (
      (sec.registration.counters.refused === 0 ||
        deny.registration.counters.refused === 0) &&
      Date.now() - t0 < 10000
    ) await new Promise((r) => setTimeout(r, 20));
    assert(sec.registration.counters.refusedBy["wrong-password"]! >= 1);
    assert(deny.registration.counters.refusedBy["address-denied"]! >= 1);
    assertEquals(denied.tryReceive(), null);
    assertEquals(router.tryReceive(), null);
  } finally {
    for (const s of [bob, eve, nul, router, denied]) s.close();
    sec.registration.release();
    deny.registration.release();
  }
});
