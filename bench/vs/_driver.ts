// The request loop every Deno client of bench/vs runs (ours and NATS), so
// that both are timed and checked the same way; the C client
// (bench/vs/c/vs_client.c) follows the same protocol:
//
//   1. connect, send `warmup` requests (checked, not timed);
//   2. print {"event":"ready"} and wait for one line on stdin (the runner
//      samples every process's CPU counters, then writes "go");
//   3. send `requests` requests, timed, every reply checked;
//   4. print {"event":"done",...} and wait for stdin to close (the runner
//      samples CPU again first), then close and exit.
//
// A request body is 11 bytes: its index as 11 decimal digits. A reply must be
// exactly one frame equal to its request's body.
import { parseFlags } from "../../src/_util/args.ts";

/** Sends one body, resolves with the reply's frames. */
export type SendFn = (body: Uint8Array) => Promise<Uint8Array[]>;

/** The flags every client takes. */
export const CLIENT_FLAGS = {
  endpoint: { type: "string", description: "broker or server" },
  mode: { type: "string", description: "sync or async", default: "sync" },
  requests: { type: "string", description: "timed requests", default: "20000" },
  warmup: { type: "string", description: "untimed requests", default: "2000" },
  window: {
    type: "string",
    description: "async: requests in flight",
    default: "1000",
  },
} as const;

/** Client settings read from the command line. */
export interface ClientArgs {
  endpoint: string;
  mode: "sync" | "async";
  requests: number;
  warmup: number;
  window: number;
}

/** Reads the client flags (plus `extra`) from `args`. */
export function clientArgs(
  args: string[],
): ClientArgs {
  const f = parseFlags(args, CLIENT_FLAGS);
  const mode = f.mode === "async" ? "async" : "sync";
  return {
    endpoint: String(f.endpoint),
    mode,
    requests: Number(f.requests),
    warmup: Number(f.warmup),
    window: Number(f.window),
  };
}

const DIGITS = 11;
const WARM_BASE = 90_000_000_000;

function body(i: number): Uint8Array {
  const b = new Uint8Array(DIGITS);
  for (let k = DIGITS - 1; k >= 0; k--) {
    b[k] = 48 + (i % 10);
    i = Math.floor(i / 10);
  }
  return b;
}

function same(reply: Uint8Array[], sent: Uint8Array): boolean {
  if (reply.length !== 1 || reply[0].length !== sent.length) return false;
  const r = reply[0];
  for (let k = 0; k < sent.length; k++) if (r[k] !== sent[k]) return false;
  return true;
}

async function readLine(): Promise<string | null> {
  const buf = new Uint8Array(64);
  let s = "";
  for (;;) {
    const n = await Deno.stdin.read(buf);
    if (n === null) return s.length ? s : null;
    s += new TextDecoder().decode(buf.subarray(0, n));
    const i = s.indexOf("\n");
    if (i >= 0) return s.slice(0, i);
  }
}

async function untilEof(): Promise<void> {
  const buf = new Uint8Array(64);
  while ((await Deno.stdin.read(buf)) !== null) { /* wait */ }
}

interface Tally {
  ok: number;
  bad: number;
  firstBad?: string;
}

async function runOnce(
  send: SendFn,
  a: ClientArgs,
  n: number,
  base: number,
  lat: Float64Array | null,
  tally: Tally,
): Promise<number> {
  const one = async (i: number) => {
    const b = body(base + i);
    const t = performance.now();
    const reply = await send(b);
    if (lat) lat[i] = performance.now() - t;
    if (same(reply, b)) tally.ok++;
    else {
      tally.bad++;
      tally.firstBad ??= `request ${i}: ${reply.length} frame(s), first ${
        JSON.stringify(new TextDecoder().decode(reply[0] ?? new Uint8Array()))
      }`;
    }
  };
  const t0 = performance.now();
  if (a.mode === "sync") {
    for (let i = 0; i < n; i++) await one(i);
  } else {
    let next = 0;
    const lanes = Math.min(a.window, n);
    await Promise.all(Array.from({ length: lanes }, async () => {
      while (next < n) await one(next++);
    }));
  }
  return performance.now() - t0;
}

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/** Runs the protocol above; returns when the runner closed stdin. */
export async function drive(send: SendFn, a: ClientArgs): Promise<void> {
  const warm: Tally = { ok: 0, bad: 0 };
  await runOnce(send, a, a.warmup, WARM_BASE, null, warm);
  console.log(JSON.stringify({ event: "ready", warmOk: warm.ok }));
  if ((await readLine()) === null) return;
  const lat = new Float64Array(a.requests);
  const tally: Tally = { ok: 0, bad: warm.bad };
  const ms = await runOnce(send, a, a.requests, 0, lat, tally);
  lat.sort();
  console.log(JSON.stringify({
    event: "done",
    requests: a.requests,
    ok: tally.ok,
    bad: tally.bad,
    firstBad: tally.firstBad ?? warm.firstBad,
    elapsedMs: +ms.toFixed(3),
    p50Us: Math.round(pct(lat, 0.5) * 1000),
    p90Us: Math.round(pct(lat, 0.9) * 1000),
    p99Us: Math.round(pct(lat, 0.99) * 1000),
    maxUs: Math.round(pct(lat, 1) * 1000),
  }));
  await untilEof();
}
