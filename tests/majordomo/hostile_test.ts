// Hostile input: 3 × 100,000 random and mutated 7/MDP messages from 8
// sockets at the broker (a real child process). Afterwards the broker must
// still answer correctly, must not have lost the request queued before the
// storm, must report no internal error, and its memory must stay bounded:
//
//   * queued request bytes ≤ --max-pending-bytes (16 MiB here), at most
//     --max-queue (100) requests per service, --max-services (2000) services;
//   * the broker's V8 old space is capped at 64 MiB (--max-old-space-size),
//     so a leak of JS objects would kill it (the test then fails), and after
//     the storms its used JS heap is at most 48 MiB and its external memory
//     (ArrayBuffers, the WASM core's memory) at most 32 MiB (measured: about
//     12-20 MiB and 6-11 MiB);
//   * its RSS grows by at most 192 MiB over the 300,000 messages and by at
//     most 48 MiB during the last 100,000 (measured: 110-135 MiB, flattening
//     to 4-34 MiB in the last round). RSS is mostly native memory: libzmq's
//     per-connection buffers and pipes at their high-water marks (8 new
//     connections per round) and malloc arenas, which do not shrink.
import { DealerSocket, MajordomoClient, shutdown } from "../../mod.ts";
import { assert, assertEquals } from "../helpers/assert.ts";
import {
  b,
  brokerStats,
  Peer,
  spawnBroker,
  spawnWorker,
  td,
  te,
  until,
} from "./_helpers.ts";

const ROUNDS = 3;
const HEAP_MIB = 64;
const RSS_BOUND_MIB = 192;
const LATE_BOUND_MIB = 48;
const HEAP_USED_BOUND_MIB = 48;
const EXTERNAL_BOUND_MIB = 32;

function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const m = status.match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

// Seeded PRNG (mulberry32) so a failure can be replayed.
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = [
  "echo",
  "a",
  "b",
  "c",
  "mmi.service",
  "mmi.x",
  "mmi.stats",
  "",
  "x".repeat(300),
];

function generator(seed: number) {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const rand = (n: number) => {
    const u = new Uint8Array(n);
    for (let i = 0; i < n; i++) u[i] = int(256);
    return u;
  };
  const service = () =>
    r() < 0.7
      ? te.encode(SERVICES[int(SERVICES.length)])
      : r() < 0.5
      ? rand(1 + int(12))
      : te.encode(`svc-${int(5000)}`);
  const body = () =>
    Array.from(
      { length: 1 + int(3) },
      () => (r() < 0.02 ? rand(int(65536)) : rand(int(40))),
    );
  const templates: (() => Uint8Array[])[] = [
    () => [b(), te.encode("MDPC01"), service(), ...body()],
    () => [b(), te.encode("MDPW01"), b(1), service()],
    () => [b(), te.encode("MDPW01"), b(3), rand(1 + int(8)), b(), ...body()],
    () => [b(), te.encode("MDPW01"), b(4)],
    () => [b(), te.encode("MDPW01"), b(5)],
    () => [b(), te.encode("MDPW01"), b(2), rand(5), b(), ...body()],
    () => Array.from({ length: int(8) + 1 }, () => rand(int(16))),
  ];
  return (): Uint8Array[] => {
    const msg = templates[int(templates.length)]();
    const mutations = r() < 0.3 ? 0 : 1 + int(3);
    for (let k = 0; k < mutations; k++) {
      const op = int(6);
      if (op === 0 && msg.length > 1) msg.splice(int(msg.length), 1); // drop a frame
      else if (op === 1) msg.splice(int(msg.length + 1), 0, rand(int(10))); // add one
      else if (op === 2) { // flip a byte
        const f = msg[int(msg.length)];
        if (f.length) {
          const c = f.slice();
          c[int(c.length)] ^= 1 << int(8);
          msg[msg.indexOf(f)] = c;
        }
      } else if (op === 3) msg[int(msg.length)] = b(int(256)); // 1-byte frame
      else if (op === 4) msg[int(msg.length)] = b(); // empty frame
      else msg.reverse();
    }
    return msg.length ? msg : [b()];
  };
}

async function storm(
  endpoint: string,
  seed: number,
  total: number,
  sockets = 8,
): Promise<void> {
  const next = generator(seed);
  const socks = Array.from(
    { length: sockets },
    (_, i) => new DealerSocket(i % 2 ? { routingId: `fuzz-${seed}-${i}` } : {}),
  );
  for (const s of socks) s.connect(endpoint);
  for (let i = 0; i < total; i++) {
    const s = socks[i % sockets];
    await s.send(next());
    if (i % 64 === 0) {
      for (const x of socks) {
        while (x.tryReceive() !== null) { /* drain */ }
      }
    }
  }
  // Let every fuzz socket finish: a round trip on each proves the broker read
  // everything it sent (the broker handles a connection's messages in order).
  await Promise.all(socks.map(async (s) => {
    await s.send(["", "MDPC01", "mmi.service", "echo"]);
    for (;;) {
      const m = await s.receive({ timeoutMs: 30000 });
      if (m.length === 4 && td.decode(m[2]) === "mmi.service") break;
    }
    s.close();
  }));
}

Deno.test("MajordomoBroker survives 300,000 hostile messages with bounded memory and no lost request", async () => {
  await using broker = await spawnBroker(
    [
      "--max-queue",
      "100",
      "--max-pending-bytes",
      String(16 << 20),
      "--max-services",
      "2000",
    ],
    "tcp://127.0.0.1:*",
    ["-A", `--v8-flags=--max-old-space-size=${HEAP_MIB}`],
  );
  const ep = broker.endpoint;
  await using _w = await spawnWorker(ep);
  await until(
    async () => (await brokerStats(ep)).workers === 1,
    20000,
    "echo worker",
  );

  // A request queued before the storm, for a service nobody fuzzes.
  const protectedService = `protected-${crypto.randomUUID()}`;
  const waiting = new Peer(ep, "C-protected");
  await waiting.send(["", "MDPC01", protectedService, "keep me"]);
  await until(async () => (await brokerStats(ep)).queued >= 1, 10000, "queued");

  const rss = [rssMiB(broker.pid)];
  for (let round = 1; round <= ROUNDS; round++) {
    await storm(ep, round, 100_000);
    rss.push(rssMiB(broker.pid));
    const m = (await brokerStats(ep)).memory;
    console.log(
      `round ${round}: heapUsed ${(m.heapUsed / 2 ** 20).toFixed(1)} MiB, ` +
        `external ${(m.external / 2 ** 20).toFixed(1)} MiB`,
    );
  }
  const s = await brokerStats(ep);
  console.log(
    `broker RSS after each 100k: ${
      rss.map((x) => x.toFixed(1)).join(" -> ")
    } MiB; ` +
      `counters ${JSON.stringify(s.counters)}`,
  );
  assertEquals(s.counters.internalErrors, 0);
  assert(s.counters.invalidMessages > 10_000, JSON.stringify(s.counters));
  assert(
    s.services.every((x) => x.queued <= 100),
    "a queue exceeded --max-queue",
  );
  assert(s.services.length <= 2000);
  assert(s.queuedBytes <= 16 << 20);
  const mib = (x: number) => x / 2 ** 20;
  assert(
    mib(s.memory.heapUsed) <= HEAP_USED_BOUND_MIB,
    `JS heap ${mib(s.memory.heapUsed).toFixed(1)} MiB`,
  );
  assert(
    mib(s.memory.external) <= EXTERNAL_BOUND_MIB,
    `external ${mib(s.memory.external).toFixed(1)} MiB`,
  );
  const growth = rss[ROUNDS] - rss[0];
  assert(
    growth <= RSS_BOUND_MIB,
    `RSS grew ${growth.toFixed(1)} MiB (bound ${RSS_BOUND_MIB})`,
  );
  const late = rss[ROUNDS] - rss[ROUNDS - 1];
  assert(
    late <= LATE_BOUND_MIB,
    `RSS grew ${
      late.toFixed(1)
    } MiB in the last round (bound ${LATE_BOUND_MIB})`,
  );

  // Fuzz "workers" are purged (their sockets closed); the real worker stays.
  await until(
    async () =>
      (await brokerStats(ep)).services.find((x) => x.name === "echo")
        ?.workers === 1,
    20000,
    "fuzz workers purged",
  );

  // The broker still answers correctly.
  const client = await MajordomoClient.connect(ep, { attemptTimeoutMs: 2000 });
  for (let i = 0; i < 100; i++) {
    const [r] = await client.request("echo", [`after-${i}`]);
    assertEquals(td.decode(r), `after-${i}`);
  }
  assert(await client.serviceAvailable("echo"));
  await client.close();

  // The request queued before the storm is still there.
  const w = new Peer(ep);
  await w.send(["", "MDPW01", "\x01", protectedService]);
  const req = await w.recvNonHeartbeat();
  assertEquals(td.decode(req[3]), "C-protected");
  assertEquals(td.decode(req.at(-1)!), "keep me");
  await w.send(["", "MDPW01", "\x03", req[3], "", "kept"]);
  assertEquals(td.decode((await waiting.recv()).at(-1)!), "kept");
  w.close();
  waiting.close();
  await shutdown();
});
