// End-to-end dynamic-worker benchmark (issue 6): requests/s through the
// DynamicWorkerServer example (a child process) per worker kind (in-process
// task, Web Worker, child process; every reply crosses the server's DEALER
// backend), against the raw DEALER<->ROUTER echo of bench/pirate.ts
// measured in the same run as the baseline. One DEALER client in this
// process keeps --window requests in flight.
//
//   deno run -A bench/dynamic.ts [--requests 20000] [--window 100] [--max-workers 8] [--rounds 1]
//
// Prints one JSON line per result, then a Markdown table.
import { parseArgs } from "node:util";
import { shutdown } from "../mod.ts";
import { drive, spawn, stop } from "./pirate.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "20000" },
    window: { type: "string", default: "100" },
    "max-workers": { type: "string", default: "8" },
    rounds: { type: "string", default: "1" },
  },
});
const N = Number(values.requests);
const WINDOW = Number(values.window);
const ROUNDS = Number(values.rounds);

const rows: { name: string; rate: number; baseline: number }[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const raw = await spawn(new URL("./pirate.ts", import.meta.url), [
    "--role",
    "raw-echo",
  ]);
  const baseline = await drive(raw.ready.endpoint as string, N, WINDOW);
  await stop(raw);
  const rec = (name: string, rate: number) => {
    rows.push({ name, rate, baseline });
    console.log(JSON.stringify({
      bench: "dynamic",
      name,
      round,
      requests: N,
      window: WINDOW,
      maxWorkers: Number(values["max-workers"]),
      rps: Math.round(rate),
      rawEchoRps: Math.round(baseline),
      ratio: +(rate / baseline).toFixed(3),
      deno: Deno.version.deno,
      host: Deno.hostname(),
    }));
  };
  rec("raw DEALER<->ROUTER echo", baseline);
  for (const kind of ["task", "web-worker", "process"]) {
    const server = await spawn(
      new URL("../examples/dynamic/server.ts", import.meta.url),
      [
        "--frontend",
        "tcp://127.0.0.1:*",
        "--backend",
        "tcp://127.0.0.1:*",
        "--kind",
        kind,
        "--max-workers",
        values["max-workers"]!,
        "--max-queued",
        String(WINDOW * 2),
        "--log-level",
        "warn",
      ],
    );
    try {
      rec(
        `dynamic server, ${kind}`,
        await drive(server.ready.endpoint as string, N, WINDOW),
      );
    } finally {
      await stop(server);
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
