// Browser check of the live page (issue 16): starts the broker CLI with
// --http, workers on two services and a load, opens the page in headless
// Chromium (Debian's `chromium`, driven over the DevTools protocol with no
// npm package), saves a screenshot to docs/broker-page.png, then stops the
// load and checks that every number on the page equals /stats.
//
//   deno run -A bench/observe_page.ts [--seconds 12] [--chromium /usr/bin/chromium] [--screenshot docs/broker-page.png]
//
// Exits 0 when the page matches, 1 when it does not, 77 (skipped) when no
// Chromium is installed (`apt-get install -y chromium`).
import {
  MajordomoAsyncClient,
  MajordomoWorker,
} from "../src/patterns/majordomo/mod.ts";
import { shutdown } from "../src/transport/mod.ts";
import { intFlag, parseFlags } from "../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  seconds: { type: "string", description: "load duration", default: "12" },
  chromium: { type: "string", description: "browser binary" },
  screenshot: {
    type: "string",
    description: "where to save the screenshot",
    default: new URL("../docs/broker-page.png", import.meta.url).pathname,
  },
});
const SECONDS = intFlag(f, "seconds", 1, 600)!;

function findChromium(): string | undefined {
  const given = f.chromium as string | undefined;
  for (
    const p of given ? [given] : [
      "/usr/bin/chromium",
      "/usr/bin/chromium-browser",
      "/usr/bin/google-chrome",
    ]
  ) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* not there */ }
  }
  return undefined;
}

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.log(
    "SKIP: no Chromium found (apt-get install -y chromium, or --chromium PATH)",
  );
  Deno.exit(77);
}

// ---- the broker (the CLI, as an operator runs it) ---------------------------
const broker = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL("../src/cli/broker.ts", import.meta.url).pathname,
    "--bind",
    "tcp://127.0.0.1:*",
    "--http",
    "127.0.0.1:0",
    "--heartbeat-ms",
    "500",
    "--request-ttl-ms",
    "600000",
    "--log-level",
    "warn",
  ],
  stdout: "piped",
  stderr: "inherit",
  stdin: "null",
}).spawn();
const lines = broker.stdout.pipeThrough(new TextDecoderStream()).getReader();
let buf = "";
let ready: { endpoint: string; http: string } | undefined;
while (!ready) {
  const { value, done } = await lines.read();
  if (done) throw new Error("broker exited before its ready line");
  buf += value;
  const i = buf.indexOf("\n");
  if (i >= 0) ready = JSON.parse(buf.slice(0, i));
}
void (async () => {
  while (!(await lines.read()).done) { /* drain */ }
})();
const { endpoint, http } = ready;
console.log(`broker ${endpoint}, page ${http}`);

// ---- workers and load ---------------------------------------------------------
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const workers = [
  ...await Promise.all(
    [0, 1, 2].map(() =>
      MajordomoWorker.connect(endpoint, "echo", (r) => r, {
        heartbeatIntervalMs: 500,
      })
    ),
  ),
  ...await Promise.all(
    [0, 1].map(() =>
      MajordomoWorker.connect(endpoint, "resize", async (r) => {
        await sleep(5 + Math.random() * 20);
        return r;
      }, { heartbeatIntervalMs: 500 })
    ),
  ),
];
await Promise.all(workers.map((w) => w.ready));
const client = await MajordomoAsyncClient.connect(endpoint, {
  maxInFlight: 64,
});
let loading = true;
let sent = 0;
const lanes = Array.from({ length: 8 }, async (_, lane) => {
  while (loading) {
    const service = lane < 5 ? "echo" : "resize";
    await client.request(service, [`${sent++}`]);
    if (lane < 5) await sleep(2 + lane);
  }
});
// Three requests for a service with no worker wait in its queue.
const waiting = [0, 1, 2].map(() =>
  client.request("billing", ["x"], { deadlineMs: 600_000 }).catch(() => {})
);

// ---- the browser -------------------------------------------------------------
const profile = await Deno.makeTempDir({ prefix: "rzmq-page-" });
const browser = new Deno.Command(chromiumPath, {
  args: [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--remote-debugging-port=0",
    `--user-data-dir=${profile}`,
    "about:blank",
  ],
  stdout: "null",
  stderr: "piped",
  stdin: "null",
}).spawn();
const errLines = browser.stderr.pipeThrough(new TextDecoderStream())
  .getReader();
let devtools: string | undefined;
let errBuf = "";
while (!devtools) {
  const { value, done } = await errLines.read();
  if (done) throw new Error(`chromium exited: ${errBuf}`);
  errBuf += value;
  devtools = /DevTools listening on (ws:\/\/\S+)/.exec(errBuf)?.[1];
}
void (async () => {
  while (!(await errLines.read()).done) { /* drain */ }
})();
const debugBase = devtools.replace(/^ws:/, "http:").replace(
  /\/devtools\/.*/,
  "",
);
const target = await (await fetch(
  `${debugBase}/json/new?${encodeURIComponent("about:blank")}`,
  { method: "PUT" },
)).json();

/** A tiny DevTools protocol client over one page's WebSocket. */
class Cdp {
  #id = 0;
  #pending = new Map<number, (m: Record<string, unknown>) => void>();
  #events = new Map<string, ((p: unknown) => void)[]>();
  constructor(readonly ws: WebSocket) {
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.id !== undefined) {
        this.#pending.get(m.id)?.(m);
        this.#pending.delete(m.id);
      } else {
        for (const l of this.#events.get(m.method) ?? []) l(m.params);
      }
    };
  }
  static open(url: string): Promise<Cdp> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new Cdp(ws));
      ws.onerror = (e) => reject(new Error(String((e as ErrorEvent).message)));
    });
  }
  send(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) =>
      this.#pending.set(
        id,
        (m) =>
          m.error
            ? reject(new Error(`${method}: ${JSON.stringify(m.error)}`))
            : resolve(m.result as Record<string, unknown>),
      )
    );
  }
  once(event: string): Promise<unknown> {
    return new Promise((resolve) => {
      const list = this.#events.get(event) ?? [];
      list.push(resolve);
      this.#events.set(event, list);
    });
  }
  async eval<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    if (r.exceptionDetails) {
      throw new Error(`page: ${JSON.stringify(r.exceptionDetails)}`);
    }
    return (r.result as { value: T }).value;
  }
}

const cdp = await Cdp.open(target.webSocketDebuggerUrl);
await cdp.send("Page.enable");
await cdp.send("Runtime.enable");
const consoleErrors: string[] = [];
cdp.once("Runtime.exceptionThrown").then((p) =>
  consoleErrors.push(JSON.stringify(p))
);
await cdp.send("Emulation.setDeviceMetricsOverride", {
  width: 1280,
  height: 820,
  deviceScaleFactor: 1,
  mobile: false,
});
const loaded = cdp.once("Page.loadEventFired");
await cdp.send("Page.navigate", { url: http });
await loaded;

let failures = 0;
function check(ok: boolean, what: string) {
  if (!ok) {
    failures++;
    console.log(`MISMATCH ${what}`);
  }
}

// Let the charts fill under load, then take the screenshot.
for (let s = 0; s < SECONDS; s++) {
  await sleep(1000);
  const updates = await cdp.eval<number>("window.pageState.updates");
  if (s === 2) check(updates >= 1, "the page gets server-sent events");
}
const shot = await cdp.send("Page.captureScreenshot", { format: "png" });
const png = Uint8Array.from(
  atob(shot.data as string),
  (c) => c.charCodeAt(0),
);
await Deno.writeFile(f.screenshot as string, png);
console.log(
  `screenshot: ${f.screenshot} (${png.length} bytes), ${sent} requests sent`,
);

// ---- stop the load, let the numbers settle, compare -------------------------
loading = false;
await Promise.all(lanes);
type Stats = {
  workers: number;
  queued: number;
  clients: number;
  counters: Record<string, number>;
  services: Record<string, unknown>[];
  workerList: { worker: string; busy: boolean }[];
  [k: string]: unknown;
};
const getStats = async (): Promise<Stats> =>
  await (await fetch(`${http}stats`)).json();
let stats = await getStats();
for (let i = 0; i < 50; i++) {
  await sleep(300);
  const next = await getStats();
  const same = JSON.stringify(next.counters) === JSON.stringify(stats.counters);
  stats = next;
  if (same && stats.workerList.every((w) => !w.busy)) break;
}
// Two more pushes so the page shows the settled numbers; then read both.
const seen = await cdp.eval<number>("window.pageState.updates");
for (let i = 0; i < 50; i++) {
  await sleep(200);
  if (await cdp.eval<number>("window.pageState.updates") >= seen + 2) break;
}
stats = await getStats();
const shown = await cdp.eval<Record<string, string>>(`
  Object.fromEntries([...document.querySelectorAll("[data-k]")]
    .map((e) => [e.dataset.k, e.textContent]))`);

const fmt = (v: unknown, digits?: number): string => {
  if (v === null || v === undefined || Number.isNaN(v)) return "-";
  if (typeof v !== "number") return String(v);
  if (digits !== undefined) return v.toFixed(digits);
  return Number.isInteger(v) ? String(v) : String(Math.round(v * 1000) / 1000);
};
let compared = 0;
const expect = (key: string, want: string) => {
  compared++;
  check(shown[key] === want, `${key}: page ${shown[key]} vs /stats ${want}`);
};
expect("workers", fmt(stats.workers));
expect("queued", fmt(stats.queued));
expect("clients", fmt(stats.clients));
expect("services.length", fmt(stats.services.length));
expect("instance", fmt(stats.instance));
expect("counters.requests", fmt(stats.counters.requests));
expect("counters.replies", fmt(stats.counters.replies));
for (const [name, v] of Object.entries(stats.counters)) {
  expect(`counters.${name}`, fmt(v));
}
for (const s of stats.services) {
  const k = (field: string) => `svc:${s.name}:${field}`;
  for (
    const field of [
      "workers",
      "waiting",
      "queued",
      "received",
      "answered",
      "failed",
      "expired",
      "dropped",
      "lost",
    ]
  ) expect(k(field), fmt(s[field]));
  expect(k("busy"), fmt((s.workers as number) - (s.waiting as number)));
  const lat = s.latencyMs as Record<string, number>;
  for (const q of ["p50", "p90", "p99"]) {
    expect(k(`latencyMs.${q}`), fmt(lat[q], 2));
  }
}
for (const w of stats.workerList) {
  expect(`worker:${w.worker}:state`, w.busy ? "busy" : "idle");
}
const echo = stats.services.find((s) => s.name === "echo")!;
check(
  (echo.answered as number) > 0 && echo.workers === 3,
  "echo answered requests with its 3 workers",
);
check(
  stats.services.find((s) => s.name === "billing")?.queued === 3,
  "billing has 3 waiting requests",
);
check(consoleErrors.length === 0, `no page errors: ${consoleErrors}`);
console.log(
  JSON.stringify({
    bench: "observe-page",
    compared,
    failures,
    requests: sent,
    services: stats.services.map((s) => ({
      name: s.name,
      answered: s.answered,
      queued: s.queued,
      p50: (s.latencyMs as Record<string, number>).p50,
    })),
  }),
);

// ---- clean up ------------------------------------------------------------------
cdp.ws.close();
browser.kill("SIGTERM");
await browser.status;
await Deno.remove(profile, { recursive: true }).catch(() => {});
await client.close();
await Promise.all(waiting);
await Promise.all(workers.map((w) => w.close()));
broker.kill("SIGTERM");
await broker.status;
await shutdown();
console.log(
  failures === 0
    ? `PASS: the page shows what /stats says (${compared} numbers compared)`
    : `FAIL: ${failures} mismatches`,
);
Deno.exit(failures === 0 ? 0 : 1);
