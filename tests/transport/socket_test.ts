// Transport tests: real libzmq sockets on 127.0.0.1, ports picked at run time.
import {
  AddressInUseError,
  ClosedError,
  curveKeyPair,
  DealerSocket,
  HostUnreachableError,
  libzmqInfo,
  PubSocket,
  reactorStats,
  type ReceiveSink,
  RepSocket,
  ReqSocket,
  RouterSocket,
  shutdown,
  Socket,
  SocketStateError,
  SubSocket,
  TimeoutError,
} from "../../mod.ts";
import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../helpers/assert.ts";

const text = new TextDecoder();
const enc = new TextEncoder();

function pair(): {
  router: RouterSocket;
  dealer: DealerSocket;
  endpoint: string;
} {
  const router = new RouterSocket({
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
  });
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const dealer = new DealerSocket({
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
  });
  dealer.connect(endpoint);
  return { router, dealer, endpoint };
}

Deno.test("libzmq loads from the npm:zeromq binary with CURVE", () => {
  const info = libzmqInfo();
  assertEquals(info.version, "4.3.5");
  assert(info.curve);
  assert(info.path.includes("zeromq"), info.path);
});

Deno.test("bind reports the endpoint actually bound, for port * and 0", () => {
  const a = new RouterSocket();
  const b = new RouterSocket();
  try {
    const ea = a.bind("tcp://127.0.0.1:*");
    const eb = b.bind("tcp://127.0.0.1:0");
    for (const e of [ea, eb]) {
      const m = /^tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(e);
      assert(m && Number(m[1]) > 0, e);
    }
    assert(ea !== eb);
    const c = new RouterSocket();
    try {
      assertThrows(() => c.bind(ea), AddressInUseError);
    } finally {
      c.close();
    }
  } finally {
    a.close();
    b.close();
  }
});

Deno.test("bad arguments throw TypeError or RangeError naming the method, the argument and what was received", async () => {
  const s = new DealerSocket();
  try {
    assertThrows(
      () => s.connect("localhost:5555"),
      /^TypeError: DealerSocket\.connect\(\): "localhost:5555" is not a ZeroMQ endpoint/,
    );
    assertThrows(
      () => s.bind(42 as unknown as string),
      /^TypeError: DealerSocket\.bind\(\): endpoint must be a string .*got number 42$/,
    );
    await assertRejects(
      () => s.send([]),
      /^RangeError: DealerSocket\.send\(\): frames must hold at least one frame/,
    );
    await assertRejects(
      () => s.send("x" as unknown as string[]),
      /^TypeError: DealerSocket\.send\(\): frames must be a non-empty array .*got "x"$/,
    );
    await assertRejects(
      () => s.send(["ok", 1 as unknown as string]),
      /^TypeError: DealerSocket\.send\(\): frames\[1\] must be a Uint8Array or a string, got 1$/,
    );
    assertThrows(
      () => s.trySend([null as unknown as string]),
      /^TypeError: DealerSocket\.trySend\(\): frames\[0\] .* got null$/,
    );
    await assertRejects(
      () => s.receive({ timeoutMs: -1 }),
      /^RangeError: DealerSocket\.receive\(\): timeoutMs must be between 0 and 2147483647 ms \(or Infinity for never\), got -1$/,
    );
    await assertRejects(
      () => s.receive({ timeout: 5 } as unknown as { timeoutMs: number }),
      /^TypeError: DealerSocket\.receive\(\): unknown option "timeout" \(did you mean "timeoutMs"\?\)/,
    );
    await assertRejects(
      () => s.receive({ signal: "x" as unknown as AbortSignal }),
      /^TypeError: DealerSocket\.receive\(\): signal must be an AbortSignal/,
    );
    assertThrows(
      () => new DealerSocket({ lingerMs: "x" as unknown as number }),
      /^TypeError: DealerSocket: lingerMs must be a number of milliseconds, got "x"$/,
    );
    assertThrows(
      () => new DealerSocket({ linger: 0 } as unknown as { lingerMs: number }),
      /^TypeError: DealerSocket: unknown option "linger" \(did you mean "lingerMs"\?\); known options: routingId, lingerMs,/,
    );
    assertThrows(
      () => new DealerSocket({ routerMandatory: true } as never),
      /unknown option "routerMandatory"/,
    );
    assertThrows(
      () => new DealerSocket({ routingId: "" }),
      /^RangeError: DealerSocket: routingId must be 1-255 bytes, got 0$/,
    );
    assertThrows(
      () => new DealerSocket({ sendHighWaterMark: -2 }),
      /^RangeError: DealerSocket: sendHighWaterMark must be an integer from 0/,
    );
    assertThrows(
      () => s.setOption("nope", 1),
      /^TypeError: DealerSocket\.setOption\(\): unknown option "nope"/,
    );
    assertThrows(
      () => s.setOption("routerMandatory", true),
      /ROUTER sockets only/,
    );
    assertThrows(
      () => new DealerSocket({ curveServerKey: "short" }),
      /^RangeError: DealerSocket: curveServerKey must be a 40-character Z85 key or 32 bytes, got 5 bytes$/,
    );
    assertThrows(
      () => new Socket("NOPE" as "DEALER"),
      /^TypeError: Socket: type must be one of PAIR, .*got "NOPE"$/,
    );
  } finally {
    s.close();
  }
});

Deno.test("DEALER↔ROUTER echo: 100,000 messages, none lost or reordered", async () => {
  const { router, dealer } = pair();
  const total = 100_000;
  const window = 1000;
  const echo = (async () => {
    for (let n = 0; n < total; n++) {
      const msg = await router.receive();
      if (!router.trySend(msg)) await router.send(msg);
    }
  })();
  let sent = 0;
  let received = 0;
  const body = new Uint8Array(100);
  const view = new DataView(body.buffer);
  const sender = (async () => {
    while (sent < total) {
      while (sent < total && sent - received < window) {
        view.setUint32(0, sent);
        await dealer.send([body]);
        sent++;
      }
      await new Promise((r) => setTimeout(r, 0));
    }
  })();
  while (received < total) {
    const [reply] = await dealer.receive({ timeoutMs: 10_000 });
    const seq = new DataView(reply.buffer, reply.byteOffset).getUint32(0);
    if (seq !== received) throw new Error(`expected ${received}, got ${seq}`);
    received++;
  }
  await sender;
  await echo;
  assertEquals(received, total);
  dealer.close();
  router.close();
});

Deno.test("multipart messages with frames from 0 B to 1 MiB arrive intact", async () => {
  const { router, dealer } = pair();
  const sizes = [0, 1, 5, 255, 256, 4096, 65536, 1 << 20, 0, 3];
  const frames = sizes.map((n, i) => {
    const f = new Uint8Array(n);
    for (let k = 0; k < n; k++) f[k] = (k * 31 + i) & 0xff;
    return f;
  });
  await dealer.send(frames);
  const [id, ...got] = await router.receive({ timeoutMs: 10_000 });
  assertEquals(got.length, frames.length);
  for (let i = 0; i < frames.length; i++) {
    assertEquals(got[i], frames[i], `frame ${i}`);
  }
  await router.send([id, ...got]);
  const back = await dealer.receive({ timeoutMs: 10_000 });
  assertEquals(back.map((f) => f.length), sizes);
  assertEquals(back[7], frames[7]);
  dealer.close();
  router.close();
});

Deno.test("1,000 sockets in one process are all served by the one reactor", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const dealers: DealerSocket[] = [];
  for (let i = 0; i < 999; i++) {
    const d = new DealerSocket({ routingId: `d${i}` });
    d.connect(endpoint);
    dealers.push(d);
  }
  assert(reactorStats().registered >= 1000);
  // Every dealer parks a receive first, then asks; the router answers each.
  const replies = dealers.map((d) => d.receive({ timeoutMs: 30_000 }));
  const started = performance.now();
  await Promise.all(dealers.map((d, i) => d.send([`req ${i}`])));
  for (let i = 0; i < dealers.length; i++) {
    const [id, body] = await router.receive({ timeoutMs: 30_000 });
    assertEquals(text.decode(body), `req ${text.decode(id).slice(1)}`);
    await router.send([id, `rep ${text.decode(id).slice(1)}`]);
  }
  const got = await Promise.all(replies);
  const ms = performance.now() - started;
  got.forEach((m, i) => assertEquals(text.decode(m[0]), `rep ${i}`));
  console.log(`  1,000 sockets: 999 round trips in ${ms.toFixed(0)} ms`);
  for (const d of dealers) d.close();
  router.close();
});

Deno.test("receive({ timeoutMs }) rejects with TimeoutError near its deadline", async () => {
  const { router, dealer } = pair();
  const t0 = performance.now();
  const err = await dealer.receive({ timeoutMs: 150 }).catch((e) => e);
  const elapsed = performance.now() - t0;
  assert(err instanceof TimeoutError, String(err));
  assert(elapsed >= 140 && elapsed < 2000, `elapsed ${elapsed}`);
  assertEquals(err.timeoutMs, 150);
  // The socket still works after a timed-out wait.
  await dealer.send(["after"]);
  const [id, body] = await router.receive({ timeoutMs: 5000 });
  assertEquals(text.decode(body), "after");
  await router.send([id, "ok"]);
  assertEquals(
    text.decode((await dealer.receive({ timeoutMs: 5000 }))[0]),
    "ok",
  );
  dealer.close();
  router.close();
});

Deno.test("timeoutMs of 2^31 ms or more is refused; Infinity waits (it does not fire after 1 ms as a raw timer would)", async () => {
  const { router, dealer } = pair();
  try {
    for (const bad of [2 ** 31, 1e12, NaN]) {
      await assertRejects(() => dealer.receive({ timeoutMs: bad }), RangeError);
      await assertRejects(
        () => dealer.send(["x"], { timeoutMs: bad }),
        RangeError,
      );
    }
    // setTimeout(f, 2 ** 31) or setTimeout(f, Infinity) would fire after
    // 1 ms; these waits must still be pending once a 100 ms wait has
    // timed out on another socket.
    const forever = dealer.receive({ timeoutMs: Infinity });
    const longest = router.receive({ timeoutMs: 2 ** 31 - 1 });
    let settled = 0;
    forever.then(() => settled++, () => settled++);
    longest.then(() => settled++, () => settled++);
    const probe = new DealerSocket();
    await assertRejects(() => probe.receive({ timeoutMs: 100 }), TimeoutError);
    probe.close();
    assertEquals(settled, 0);
    // Both complete with a message.
    await dealer.send(["wake"]);
    const [id, body] = await longest;
    assertEquals(text.decode(body), "wake");
    await router.send([id, "up"]);
    assertEquals(text.decode((await forever)[0]), "up");
  } finally {
    dealer.close();
    router.close();
  }
});

Deno.test("an AbortSignal cancels a pending receive with its reason", async () => {
  const { router, dealer } = pair();
  const ac = new AbortController();
  const p = dealer.receive({ signal: ac.signal });
  ac.abort(new Error("stop waiting"));
  await assertRejects(() => p, /stop waiting/);
  await assertRejects(() =>
    dealer.receive({ signal: AbortSignal.abort("gone") })
  );
  dealer.close();
  router.close();
});

Deno.test("close() during a pending receive rejects it with ClosedError; close is idempotent", async () => {
  const { router, dealer } = pair();
  const p1 = dealer.receive();
  const p2 = dealer.receive();
  dealer.close();
  dealer.close();
  await assertRejects(() => p1, ClosedError);
  await assertRejects(() => p2, ClosedError);
  await assertRejects(() => dealer.receive(), ClosedError);
  await assertRejects(() => dealer.send(["x"]), ClosedError);
  assert(dealer.closed);
  router.close();
  // Nothing is left waiting, so no wait stays parked.
  await shutdown();
  assertEquals(reactorStats().waiting, 0);
  assertEquals(reactorStats().parked, false);
});

Deno.test("send to a full peer waits, then resumes in order when the peer drains", async () => {
  const small = { sendBufferSize: 4096, receiveBufferSize: 4096 };
  const router = new RouterSocket({ receiveHighWaterMark: 1, ...small });
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const dealer = new DealerSocket({ sendHighWaterMark: 1, ...small });
  dealer.connect(endpoint);
  const frame = new Uint8Array(64 * 1024);
  const sends: Promise<void>[] = [];
  let done = 0;
  // Nobody reads: queue sends until one of them really has to wait.
  while (sends.length < 500) {
    sends.push(
      dealer.send([frame, String(sends.length)]).then(() => void done++),
    );
    await new Promise((r) => setTimeout(r, 1));
    if (done < sends.length) {
      await new Promise((r) => setTimeout(r, 100));
      if (done < sends.length) break;
    }
  }
  const total = sends.length;
  assert(done < total, `all ${total} sends completed without a reader`);
  assert(reactorStats().waiting >= 1);
  // A timed send behind them times out without sending anything.
  const late = await dealer.send(["late"], { timeoutMs: 100 }).catch((e) => e);
  assert(late instanceof TimeoutError, String(late));
  for (let i = 0; i < total; i++) {
    const [, , seq] = await router.receive({ timeoutMs: 10_000 });
    assertEquals(text.decode(seq), String(i));
  }
  await Promise.all(sends);
  assertEquals(done, total);
  assertEquals(
    router.tryReceive(),
    null,
    "the timed-out send must not have been sent",
  );
  dealer.close();
  router.close();
});

Deno.test("an unroutable ROUTER send with routerMandatory throws HostUnreachableError", async () => {
  const router = new RouterSocket({ routerMandatory: true });
  router.bind("tcp://127.0.0.1:*");
  const err = await router.send([enc.encode("nobody"), "hello"]).catch((e) =>
    e
  );
  assert(err instanceof HostUnreachableError, String(err));
  assert(/routing id "nobody"|routing id 0x/.test(err.message), err.message);
  assertThrows(() => router.trySend(["nobody", "x"]), HostUnreachableError);
  // Without the option the message is dropped silently, as libzmq does.
  const lax = new RouterSocket();
  assertEquals(lax.trySend(["nobody", "x"]), true);
  lax.close();
  router.close();
});

Deno.test("REQ/REP alternate strictly; a second send is a SocketStateError", async () => {
  const rep = new RepSocket();
  const req = new ReqSocket();
  req.connect(rep.bind("tcp://127.0.0.1:*"));
  await req.send(["1"]);
  await assertRejects(() => req.send(["2"]), SocketStateError);
  const [q] = await rep.receive({ timeoutMs: 5000 });
  await rep.send([q]);
  assertEquals(text.decode((await req.receive({ timeoutMs: 5000 }))[0]), "1");
  req.close();
  rep.close();
});

Deno.test("PUB/SUB delivers only subscribed prefixes", async () => {
  const pub = new PubSocket();
  const sub = new SubSocket();
  sub.subscribe("a.");
  sub.connect(pub.bind("tcp://127.0.0.1:*"));
  // Subscriptions propagate asynchronously: publish until one arrives.
  let got: Uint8Array[] | null = null;
  for (let i = 0; i < 100 && !got; i++) {
    pub.trySend(["b.skip"]);
    pub.trySend(["a.take", String(i)]);
    got = await sub.receive({ timeoutMs: 50 }).catch(() => null);
  }
  assert(got);
  assertEquals(text.decode(got[0]), "a.take");
  sub.close();
  pub.close();
});

Deno.test("receiveInto writes a message straight into caller memory", async () => {
  const { router, dealer } = pair();
  class Sink implements ReceiveSink {
    bytes = new Uint8Array(4);
    lengths = new Uint32Array(1);
    frames = 0;
    prepare(total: number, count: number) {
      if (total > this.bytes.length) this.bytes = new Uint8Array(total);
      if (count > this.lengths.length) this.lengths = new Uint32Array(count);
    }
    commit(count: number) {
      this.frames = count;
    }
  }
  const sink = new Sink();
  await dealer.send(["abc", "", "defgh"]);
  const n = await router.receiveInto(sink, { timeoutMs: 5000 });
  assertEquals(n, 4);
  assertEquals([...sink.lengths.subarray(1, 4)], [3, 0, 5]);
  const idLen = sink.lengths[0];
  assertEquals(text.decode(sink.bytes.subarray(idLen, idLen + 3)), "abc");
  assertEquals(text.decode(sink.bytes.subarray(idLen + 3, idLen + 8)), "defgh");
  assertEquals(router.tryReceiveInto(sink), 0);
  // A sink that refuses a message drops it, counts it and reports why.
  await dealer.send(["x"]);
  const refusing: ReceiveSink = {
    bytes: new Uint8Array(0),
    lengths: new Uint32Array(0),
    prepare() {
      throw new RangeError("too big for me");
    },
    commit() {},
  };
  await assertRejects(
    () => router.receiveInto(refusing, { timeoutMs: 5000 }),
    /too big/,
  );
  assertEquals(router.droppedMessages, 1);
  dealer.close();
  router.close();
});

Deno.test("socket monitor reports the accepted connection", async () => {
  const router = new RouterSocket();
  const endpoint = router.bind("tcp://127.0.0.1:*");
  const events = router.monitor();
  const dealer = new DealerSocket();
  dealer.connect(endpoint);
  const seen: string[] = [];
  while (!seen.includes("accepted")) {
    const ev = await events.next({ timeoutMs: 5000 });
    if (ev === null) break;
    seen.push(ev.type);
  }
  assert(seen.includes("accepted"), seen.join(","));
  events.close();
  dealer.close();
  router.close();
});

Deno.test("CURVE: an encrypted round trip with keys from curveKeyPair()", async () => {
  const server = curveKeyPair();
  const client = curveKeyPair();
  const router = new RouterSocket({
    curveServer: true,
    curveSecretKey: server.secretKey,
  });
  const dealer = new DealerSocket({
    curveServerKey: server.publicKey,
    curvePublicKey: client.publicKey,
    curveSecretKey: client.secretKey,
  });
  dealer.connect(router.bind("tcp://127.0.0.1:*"));
  await dealer.send(["secret"]);
  const [id, body] = await router.receive({ timeoutMs: 5000 });
  assertEquals(text.decode(body), "secret");
  await router.send([id, "ok"]);
  assertEquals(
    text.decode((await dealer.receive({ timeoutMs: 5000 }))[0]),
    "ok",
  );
  dealer.close();
  router.close();
});

Deno.test("async iteration ends when the socket closes", async () => {
  const { router, dealer } = pair();
  for (let i = 0; i < 3; i++) await dealer.send([String(i)]);
  const seen: string[] = [];
  for await (const [, body] of router) {
    seen.push(text.decode(body));
    if (seen.length === 3) router.close();
  }
  assertEquals(seen, ["0", "1", "2"]);
  dealer.close();
});

Deno.test("a child process that opens and closes sockets exits by itself", async () => {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./fixtures/open_close.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const out = await child.output();
  clearTimeout(timer);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertEquals(out.signal, null);
  assert(
    new TextDecoder().decode(out.stdout).includes("closed"),
    "fixture did not finish",
  );
});

Deno.test("shutdown leaves nothing parked", async () => {
  await shutdown();
  const s = reactorStats();
  assertEquals(s.waiting, 0);
  assertEquals(s.parked, false);
});

Deno.test("the transport releases its descriptors with an isolate's last socket (30 Web Workers)", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./fixtures/fd_count.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  const { before, after } = JSON.parse(
    new TextDecoder().decode(out.stdout).trim(),
  );
  // 30 isolates that each kept an epoll fd and an eventfd would add 60.
  assert(after - before < 10, `descriptors grew from ${before} to ${after}`);
});
