// The echo benchmark itself, shared verbatim by both runtimes: the Deno
// program (echo_deno.ts, our transport) and the Node program (echo_node.mjs,
// zeromq.js) only construct sockets and hand them in. Both socket APIs have
// `send(frames): Promise`, `receive(): Promise<frames>` and `close()`.
//
// Plain JavaScript so that Node 20 runs it without a build step.
import process from "node:process";

/** Body size of every data message, bytes. */
export const BODY = 100;
/** A run fails after this long without progress. */
export const WATCHDOG_MS = 10_000;
/** Socket options used by both runtimes (names are the same in both APIs). */
export const SOCKET_OPTIONS = {
  sendHighWaterMark: 10_000,
  receiveHighWaterMark: 10_000,
  // Long enough for the final control reply to leave before the context ends.
  linger: 1_000,
};

const enc = new TextEncoder();
const dec = new TextDecoder();
const BEGIN = enc.encode("BGIN");
const STOP = enc.encode("STOP");

/** The shapes, with their sizes at scale 1. */
export const SHAPES = {
  sync1: { pairs: 1, total: 20_000, window: 1, warm: 1_000 },
  pipe1: { pairs: 1, total: 100_000, window: 1_000, warm: 1_000 },
  sync100: { pairs: 100, total: 100_000, window: 1, warm: 10 },
  pipe100: { pairs: 100, total: 100_000, window: 10, warm: 10 },
  lat2: { pairs: 1, total: 500, pauseMs: 2, warm: 1_000 },
  lat20: { pairs: 1, total: 100, pauseMs: 20, warm: 1_000 },
  idle: { pairs: 1, total: 1, idleMs: 5_000, warm: 100 },
};

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** A 100-byte body: pair number and sequence number, little-endian u32. */
function body(pair, seq) {
  const b = new Uint8Array(BODY);
  b[0] = pair & 255;
  b[1] = (pair >>> 8) & 255;
  b[2] = (pair >>> 16) & 255;
  b[3] = pair >>> 24;
  b[4] = seq & 255;
  b[5] = (seq >>> 8) & 255;
  b[6] = (seq >>> 16) & 255;
  b[7] = seq >>> 24;
  for (let i = 8; i < BODY; i++) b[i] = (i + seq) & 255;
  return b;
}

function u32(b, off) {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) |
    (b[off + 3] << 24)) >>> 0;
}

/** Throws unless the reply is exactly the expected body. */
function check(frames, pair, seq) {
  if (frames.length !== 1) {
    throw new Error(`pair ${pair}: reply has ${frames.length} frames`);
  }
  const b = frames[0];
  if (b.length !== BODY) {
    throw new Error(`pair ${pair}: reply of ${b.length} bytes`);
  }
  const p = u32(b, 0);
  const s = u32(b, 4);
  if (p !== pair || s !== seq) {
    throw new Error(
      `pair ${pair}: expected seq ${seq}, got pair ${p} seq ${s} (lost or reordered)`,
    );
  }
  if (b[BODY - 1] !== ((BODY - 1 + seq) & 255)) {
    throw new Error(`pair ${pair}: body of seq ${seq} corrupted`);
  }
}

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, i)];
}

/**
 * Fails the run after WATCHDOG_MS without progress by closing every socket
 * (pending operations then reject) and remembering why.
 */
class Watchdog {
  constructor(sockets, what) {
    this.last = performance.now();
    this.count = 0;
    this.fired = null;
    this.timer = setInterval(() => {
      const idle = performance.now() - this.last;
      if (idle > WATCHDOG_MS) {
        this.fired = `${what}: no progress for ${
          Math.round(idle)
        } ms after ${this.count} operations`;
        this.stop();
        for (const s of sockets) s.close();
      }
    }, 500);
  }
  tick() {
    this.count++;
    this.last = performance.now();
  }
  /** Idle on purpose (idle shape): no progress expected until `until`. */
  allow(ms) {
    this.last = performance.now() + ms;
  }
  stop() {
    clearInterval(this.timer);
  }
}

// ---------------------------------------------------------------- server --

/**
 * ROUTER echo: replies with the same frames. A 4-byte body is a control
 * message: "BGIN" marks the start of the timed part (CPU, parks), "STOP"
 * replies with the server's figures as JSON and ends the loop.
 *
 * @param {object} router a bound ROUTER socket
 * @param {() => number | null} parks reactor parks so far, or null
 * @returns {Promise<void>} once STOP was answered; the caller closes
 */
export async function serve(router, parks) {
  let cpu0 = cpuUs();
  let t0 = performance.now();
  let parks0 = parks();
  let handled = 0;
  for (;;) {
    const msg = await router.receive();
    const b = msg[msg.length - 1];
    if (b.length === 4) {
      if (b[0] === BEGIN[0]) {
        cpu0 = cpuUs();
        t0 = performance.now();
        parks0 = parks();
        handled = 0;
        await router.send(msg);
        continue;
      }
      if (b[0] === STOP[0]) {
        const wall = performance.now() - t0;
        const p = parks();
        const stats = {
          handled,
          cpuPct: ((cpuUs() - cpu0) / 1000 / wall) * 100,
          cpuUsPerOp: handled ? (cpuUs() - cpu0) / handled : null,
          parks: p === null ? null : p - parks0,
          procCpuUs: cpuUs(),
        };
        await router.send([msg[0], JSON.stringify(stats)]);
        return;
      }
    }
    await router.send(msg);
    handled++;
  }
}

// ---------------------------------------------------------------- client --

async function control(dealer, what) {
  await dealer.send([what]);
  const reply = await dealer.receive();
  return reply[0];
}

async function syncLoop(dealer, pair, from, count, wd) {
  for (let seq = from; seq < from + count; seq++) {
    await dealer.send([body(pair, seq)]);
    check(await dealer.receive(), pair, seq);
    wd.tick();
  }
}

async function pipeLoop(dealer, pair, from, count, window, wd) {
  const end = from + count;
  let next = from;
  while (next < end && next - from < window) {
    await dealer.send([body(pair, next++)]);
  }
  for (let seq = from; seq < end; seq++) {
    check(await dealer.receive(), pair, seq);
    wd.tick();
    if (next < end) await dealer.send([body(pair, next++)]);
  }
}

/**
 * Runs one shape against the echo server at `endpoint` and returns the
 * result object (the caller prints it as one JSON line).
 *
 * @param {string} shapeName a key of SHAPES
 * @param {object} opts
 * @param {() => object} opts.dealer creates a DEALER socket
 * @param {string} opts.endpoint the server's endpoint
 * @param {() => number | null} opts.parks reactor parks so far, or null
 * @param {number} [opts.scale] multiplies the message counts (quick runs)
 * @param {number} [opts.idleMs] overrides the idle shape's duration
 */
export async function runClient(shapeName, opts) {
  const shape = SHAPES[shapeName];
  if (!shape) throw new Error(`unknown shape ${shapeName}`);
  const scale = opts.scale ?? 1;
  const pairs = shape.pairs;
  const total = Math.max(pairs, Math.round(shape.total * scale));
  const perPair = Math.floor(total / pairs);
  const warm = Math.max(1, Math.round(shape.warm * Math.min(1, scale * 2)));
  const dealers = [];
  for (let i = 0; i < pairs; i++) {
    const d = opts.dealer();
    d.connect(opts.endpoint);
    dealers.push(d);
  }
  const wd = new Watchdog(dealers, `client ${shapeName}`);
  /** @type {Record<string, any>} */
  const result = { shape: shapeName, pairs };
  try {
    // Warm-up: connections up, code warm, every pair checked.
    await Promise.all(dealers.map((d, p) => syncLoop(d, p, 0, warm, wd)));
    await control(dealers[0], BEGIN);
    wd.tick();
    const cpu0 = cpuUs();
    const parks0 = opts.parks();
    const t0 = performance.now();
    let ops = perPair * pairs;
    if (shape.window === 1) {
      await Promise.all(
        dealers.map((d, p) => syncLoop(d, p, warm, perPair, wd)),
      );
    } else if (shape.window) {
      await Promise.all(
        dealers.map((d, p) => pipeLoop(d, p, warm, perPair, shape.window, wd)),
      );
      result.inFlight = shape.window * pairs;
    } else if (shape.pauseMs) {
      const rtt = [];
      const d = dealers[0];
      for (let i = 0; i < perPair; i++) {
        wd.allow(shape.pauseMs);
        await sleep(shape.pauseMs);
        const seq = warm + i;
        const b = body(0, seq);
        const s = performance.now();
        await d.send([b]);
        const reply = await d.receive();
        rtt.push((performance.now() - s) * 1000);
        check(reply, 0, seq);
        wd.tick();
      }
      rtt.sort((a, b) => a - b);
      result.pauseMs = shape.pauseMs;
      result.p50Us = percentile(rtt, 0.5);
      result.p99Us = percentile(rtt, 0.99);
      result.maxUs = rtt[rtt.length - 1];
    } else if (shape.idleMs) {
      // Hold one pending receive, idle; then prove it still wakes.
      const idleMs = opts.idleMs ?? shape.idleMs;
      const d = dealers[0];
      const pending = d.receive();
      wd.allow(idleMs);
      await sleep(idleMs);
      const wall = performance.now() - t0;
      result.idleMs = idleMs;
      result.cpuPct = ((cpuUs() - cpu0) / 1000 / wall) * 100;
      const p = opts.parks();
      result.parksIdle = p === null ? null : p - parks0;
      const seq = warm;
      const s = performance.now();
      await d.send([body(0, seq)]);
      check(await pending, 0, seq);
      result.wakeUs = (performance.now() - s) * 1000;
      wd.tick();
      ops = 1;
    }
    const wall = performance.now() - t0;
    const cpu = cpuUs() - cpu0;
    const p = opts.parks();
    result.ops = ops;
    result.seconds = wall / 1000;
    if (!shape.idleMs) {
      result.rate = ops / (wall / 1000);
      result.cpuPct = (cpu / 1000 / wall) * 100;
      result.cpuUsPerOp = cpu / ops;
      result.parksPerOp = p === null ? null : (p - parks0) / ops;
    }
    result.server = JSON.parse(dec.decode(await control(dealers[0], STOP)));
    result.ok = true;
  } catch (e) {
    result.ok = false;
    result.error = wd.fired ?? String(e?.stack ?? e);
  } finally {
    wd.stop();
    for (const d of dealers) d.close();
  }
  result.procCpuUs = cpuUs();
  return result;
}
