/**
 * LazyPirateClient against a plain REP server (one process, loopback TCP).
 */
import {
  assert,
  assertEquals,
  assertRejects,
  fail,
} from "../helpers/assert.ts";
import {
  ClosedError,
  LazyPirateClient,
  RepSocket,
  RequestTimeoutError,
  shutdown,
} from "../../mod.ts";

const td = new TextDecoder();

Deno.test("LazyPirateClient.request() gets the echo and checks the sequence", async () => {
  const rep = new RepSocket();
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const serving = (async () => {
    for (let i = 0; i < 3; i++) await rep.send(await rep.receive());
  })();
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 5000,
    validateReply: (req, rep) => td.decode(rep[0]) === req[0],
  });
  for (let seq = 1; seq <= 3; seq++) {
    const [r] = await client.request([String(seq)]);
    assertEquals(td.decode(r), String(seq));
  }
  await serving;
  assertEquals(client.stats.replies, 3);
  client.close();
  rep.close();
});

Deno.test("LazyPirateClient.request() fails with RequestTimeoutError after its attempts", async () => {
  const rep = new RepSocket(); // never answers
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 200,
    maxAttempts: 3,
  });
  const err = await client.request(["1"]).then(
    () => fail("expected a RequestTimeoutError"),
    (e) => e,
  );
  assert(err instanceof RequestTimeoutError, String(err));
  assertEquals(err.attempts, 3);
  assert(err.elapsedMs >= 3 * 200 - 5, `elapsed ${err.elapsedMs}`);
  assertEquals(client.stats.retries, 2);
  client.close();
  await assertRejects(() => client.request(["2"]), ClosedError);
  rep.close();
});

Deno.test("LazyPirateClient.request() stops at its own deadlineMs", async () => {
  const rep = new RepSocket(); // never answers
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 200,
    maxAttempts: 10,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const err = await client.request(["1"], { deadlineMs: 450 }).then(
    () => fail("expected a RequestTimeoutError"),
    (e) => e,
  );
  assert(err instanceof RequestTimeoutError, String(err));
  assertEquals(err.attempts, 3); // 200 + 200 + the last 50 ms
  assert(
    err.elapsedMs >= 445 && err.elapsedMs < 2000,
    `elapsed ${err.elapsedMs}`,
  );
  await assertRejects(
    () => client.request(["2"], { deadlineMs: -1 }),
    RangeError,
  );
  await client.close();
  rep.close();
});

Deno.test("LazyPirateClient: close() rejects a pending request with ClosedError", async () => {
  const rep = new RepSocket();
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 10000,
  });
  const p = client.request(["x"]);
  await rep.receive();
  client.close();
  await assertRejects(() => p, ClosedError);
  rep.close();
});

Deno.test("LazyPirateClient.request() rejects with the signal's reason on abort and stays usable", async () => {
  const rep = new RepSocket();
  const endpoint = rep.bind("tcp://127.0.0.1:*");
  const client = await LazyPirateClient.connect(endpoint, {
    attemptTimeoutMs: 10000,
  });
  const ac = new AbortController();
  const p = client.request(["first"], { signal: ac.signal });
  const seen = await rep.receive(); // the server has it; now give up
  assertEquals(td.decode(seen[0]), "first");
  const reason = new Error("user gave up");
  ac.abort(reason);
  const err = await p.then(() => null, (e) => e);
  assertEquals(err, reason);
  // The abandoned socket is gone; the next request uses a fresh one.
  await rep.send(seen); // reply to the abandoned request is never delivered
  const next = client.request(["second"]);
  const m = await rep.receive();
  await rep.send(m);
  assertEquals(td.decode((await next)[0]), "second");
  client.close();
  rep.close();
});

Deno.test("teardown", async () => {
  await shutdown();
});
