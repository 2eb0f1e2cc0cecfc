// End-to-end Pirate benchmark (issue 6): requests/s through the Simple and
// Paranoid Pirate queues (each a child process running the example queue,
// workers in another child, 1 and 10 workers), against a raw DEALER<->ROUTER
// echo (a child too) measured in the same run as the baseline. The client is
// one DEALER in this process keeping --window requests in flight
// (`[""][body]`, what a REQ client sends).
//
//   deno run -A bench/pirate.ts [--requests 20000] [--window 100] [--rounds 1]
//
// Prints one JSON line per result, then a Markdown table.
import { parseArgs } from "node:util";
import { DealerSocket, RouterSocket, shutdown } from "../mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    role: { type: "string" },
    requests: { type: "string", default: "20000" },
    window: { type: "string", default: "100" },
    rounds: { type: "string", default: "1" },
    only: { type: "string" },
  },
});

if (values.role === "raw-echo") {
  // The baseline server: a ROUTER that returns every message as it came.
  const router = new RouterSocket({
    sendHighWaterMark: 0,
    receiveHighWaterMark: 0,
  });
  const endpoint = router.bind("tcp://127.0.0.1:*");
  console.log(JSON.stringify({ event: "ready", endpoint }));
  for (;;) {
    const msg = router.tryReceive() ?? await router.receive();
    if (!router.trySend(msg)) await router.send(msg);
  }
}

const N = Number(values.requests);
const WINDOW = Number(values.window);
const ROUNDS = Number(values.rounds);

export interface Proc {
  ready: Record<string, unknown>;
  child: Deno.ChildProcess;
}

/** Starts a Deno child and waits for its JSON ready line. */
export async function spawn(url: URL, args: string[]): Promise<Proc> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", url.pathname, ...args],
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${url.pathname} exited before its ready line`);
    buf += value;
    const i = buf.indexOf("\n");
    if (i < 0) continue;
    const ready = JSON.parse(buf.slice(0, i));
    void (async () => {
      while (!(await reader.read()).done) { /* drain */ }
    })().catch(() => {});
    return { ready, child };
  }
}

/** Kills a child and waits for it. */
export async function stop(p: Proc): Promise<void> {
  try {
    p.child.kill("SIGKILL");
  } catch { /* gone */ }
  await p.child.status;
}

/** Sends `n` requests keeping `window` in flight; returns requests/s. */
export async function drive(
  endpoint: string,
  n: number,
  window: number,
): Promise<number> {
  const d = new DealerSocket({ sendHighWaterMark: 0, receiveHighWaterMark: 0 });
  d.connect(endpoint);
  const empty = new Uint8Array(0);
  const body = new Uint8Array(16);
  const run = async (count: number) => {
    let sent = 0, received = 0;
    const send = async () => {
      const m = [empty, body];
      if (!d.trySend(m)) await d.send(m);
      sent++;
    };
    while (sent < Math.min(window, count)) await send();
    while (received < count) {
      if (d.tryReceive() === null) await d.receive({ timeoutMs: 60000 });
      received++;
      if (sent < count) await send();
    }
  };
  await run(Math.min(1000, n)); // warm-up: connections, workers, JIT
  const t0 = performance.now();
  await run(n);
  const rate = n / ((performance.now() - t0) / 1000);
  d.close();
  return rate;
}

const ex = (p: string) => new URL(`../examples/${p}`, import.meta.url);

interface Row {
  name: string;
  rate: number;
  baseline: number;
}

async function queueCase(
  kind: "simple" | "paranoid",
  workers: number,
): Promise<number> {
  const q = await spawn(ex(`pirate/${kind}_pirate_queue.ts`), [
    "--frontend",
    "tcp://127.0.0.1:*",
    "--backend",
    "tcp://127.0.0.1:*",
    ...(kind === "paranoid" ? ["--log-level", "warn"] : []),
  ]);
  const w = await Promise.all(
    Array.from(
      { length: kind === "simple" ? workers : 1 },
      () =>
        spawn(ex(`pirate/${kind}_pirate_worker.ts`), [
          "--connect",
          q.ready.backend as string,
          "--work-ms",
          "0",
          ...(kind === "paranoid"
            ? ["--count", String(workers), "--log-level", "warn"]
            : []),
        ]),
    ),
  );
  try {
    return await drive(q.ready.frontend as string, N, WINDOW);
  } finally {
    for (const p of w) await stop(p);
    await stop(q);
  }
}

if (import.meta.main) {
  const rows: Row[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const raw = await spawn(new URL(import.meta.url), ["--role", "raw-echo"]);
    const baseline = await drive(raw.ready.endpoint as string, N, WINDOW);
    await stop(raw);
    const rec = (name: string, rate: number) => {
      rows.push({ name, rate, baseline });
      console.log(JSON.stringify({
        bench: "pirate",
        name,
        round,
        requests: N,
        window: WINDOW,
        rps: Math.round(rate),
        rawEchoRps: Math.round(baseline),
        ratio: +(rate / baseline).toFixed(3),
        deno: Deno.version.deno,
        host: Deno.hostname(),
      }));
    };
    rec("raw DEALER<->ROUTER echo", baseline);
    for (const kind of ["simple", "paranoid"] as const) {
      for (const workers of [1, 10]) {
        const name = `${kind} pirate queue, ${workers} worker(s)`;
        if (values.only && !name.includes(values.only)) continue;
        rec(name, await queueCase(kind, workers));
      }
    }
  }
  console.log("\n| case | requests/s | × raw echo |\n|---|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${Math.round(r.rate)} | ${
        (r.rate / r.baseline).toFixed(3)
      } |`,
    );
  }
  await shutdown();
}
