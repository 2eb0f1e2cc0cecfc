// Benchmark helper: --count echo MajordomoWorkers in one process.
import { MajordomoWorker } from "../src/patterns/majordomo/mod.ts";
import { configureReactor } from "../src/transport/mod.ts";
import { intFlag, parseFlags } from "../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  endpoint: { type: "string", description: "broker" },
  count: { type: "string", description: "workers", default: "1" },
  "spin-us": { type: "string", description: "reactor spin, µs" },
});
const spin = intFlag(f, "spin-us", 0);
if (spin !== undefined) configureReactor({ spinUs: spin });
const n = intFlag(f, "count", 1)!;
for (let i = 0; i < n; i++) {
  await MajordomoWorker.connect(f.endpoint as string, "echo", (r) => r);
}
console.log(
  JSON.stringify({ event: "ready", endpoint: f.endpoint, workers: n }),
);
