// The NATS side of bench/vs on Node, nats.js's own runtime (`--nats-runtime
// node`): the same roles and the same client protocol as nats_proc.ts and
// _driver.ts (ready line, "go" on stdin, done line, exit at stdin's end), in
// plain JavaScript because Node runs no TypeScript. It resolves
// @nats-io/transport-node from the repository's node_modules, which Deno
// fills when it caches nats_proc.ts.
//
//   node bench/vs/nats_node.mjs responders ENDPOINT COUNT [DELAY_MS]
//   node bench/vs/nats_node.mjs client ENDPOINT MODE REQUESTS WARMUP WINDOW
// Imported by a name held in a variable: `deno check` (which checks this
// file with the rest of the repository) would otherwise look the bare name up
// in Deno's import map; Node resolves it from node_modules.
const NATS_JS = "@nats-io/transport-node";
const { connect } = await import(NATS_JS);

const SUBJECT = "echo";
const DIGITS = 11;
const WARM_BASE = 90_000_000_000;
const [role, endpoint, ...rest] = process.argv.slice(2);

function body(i) {
  const b = new Uint8Array(DIGITS);
  for (let k = DIGITS - 1; k >= 0; k--) {
    b[k] = 48 + (i % 10);
    i = Math.floor(i / 10);
  }
  return b;
}

function same(r, b) {
  if (r.length !== b.length) return false;
  for (let k = 0; k < b.length; k++) if (r[k] !== b[k]) return false;
  return true;
}

const stdinLines = [];
const stdinWaiters = [];
let stdinEnded = false;
let stdinBuf = "";
process.stdin.on("data", (chunk) => {
  stdinBuf += chunk.toString();
  let i;
  while ((i = stdinBuf.indexOf("\n")) >= 0) {
    const l = stdinBuf.slice(0, i);
    stdinBuf = stdinBuf.slice(i + 1);
    const w = stdinWaiters.shift();
    if (w) w(l);
    else stdinLines.push(l);
  }
});
process.stdin.on("end", () => {
  stdinEnded = true;
  for (const w of stdinWaiters.splice(0)) w(null);
});
const nextLine = () =>
  stdinLines.length
    ? Promise.resolve(stdinLines.shift())
    : stdinEnded
    ? Promise.resolve(null)
    : new Promise((r) => stdinWaiters.push(r));

async function runOnce(nc, mode, window, n, base, lat, tally) {
  const one = async (i) => {
    const b = body(base + i);
    const t = performance.now();
    const m = await nc.request(SUBJECT, b, { timeout: 60_000 });
    if (lat) lat[i] = performance.now() - t;
    if (same(m.data, b)) tally.ok++;
    else {
      tally.bad++;
      tally.firstBad ??= `request ${i}: wrong reply`;
    }
  };
  const t0 = performance.now();
  if (mode === "sync") {
    for (let i = 0; i < n; i++) await one(i);
  } else {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(window, n) }, async () => {
        while (next < n) await one(next++);
      }),
    );
  }
  return performance.now() - t0;
}

const pct = (s, p) => s[Math.min(s.length - 1, Math.floor(s.length * p))];

if (role === "responders") {
  const conns = [];
  // DELAY_MS > 0: each reply after that many ms (a timer per request), the
  // callback returning at once, so requests overlap (pipelined).
  const delayMs = Number(rest[1] ?? 0);
  for (let i = 0; i < Number(rest[0] ?? 1); i++) {
    const nc = await connect({ servers: endpoint });
    nc.subscribe(SUBJECT, {
      queue: SUBJECT,
      callback: delayMs > 0
        ? (err, msg) => {
          if (!err) setTimeout(() => msg.respond(msg.data), delayMs);
        }
        : (err, msg) => {
          if (!err) msg.respond(msg.data);
        },
    });
    await nc.flush();
    conns.push(nc);
  }
  console.log(JSON.stringify({ event: "ready", responders: conns.length }));
  await new Promise((resolve) => {
    process.on("SIGTERM", resolve);
    process.on("SIGINT", resolve);
  });
  await Promise.all(conns.map((nc) => nc.close()));
  process.exit(0);
} else if (role === "client") {
  const [mode, requests, warmup, window] = rest;
  const nc = await connect({ servers: endpoint });
  const warm = { ok: 0, bad: 0 };
  await runOnce(
    nc,
    mode,
    Number(window),
    Number(warmup),
    WARM_BASE,
    null,
    warm,
  );
  console.log(JSON.stringify({ event: "ready", warmOk: warm.ok }));
  if ((await nextLine()) !== null) {
    const n = Number(requests);
    const lat = new Float64Array(n);
    const tally = { ok: 0, bad: warm.bad };
    const ms = await runOnce(nc, mode, Number(window), n, 0, lat, tally);
    lat.sort();
    console.log(JSON.stringify({
      event: "done",
      requests: n,
      ok: tally.ok,
      bad: tally.bad,
      firstBad: tally.firstBad ?? warm.firstBad,
      elapsedMs: +ms.toFixed(3),
      p50Us: Math.round(pct(lat, 0.5) * 1000),
      p90Us: Math.round(pct(lat, 0.9) * 1000),
      p99Us: Math.round(pct(lat, 0.99) * 1000),
      maxUs: Math.round(pct(lat, 1) * 1000),
    }));
    while ((await nextLine()) !== null) { /* wait for stdin's end */ }
  }
  await nc.close();
  process.exit(0);
} else {
  console.error("usage: nats_node.mjs responders|client ENDPOINT ...");
  process.exit(2);
}
