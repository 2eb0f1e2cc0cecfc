// Load-run child: --count echo workers for --service (the library's
// MajordomoWorker, through the API adapter), all in this process.
import { shutdown } from "../../src/transport/mod.ts";
import { intFlag, parseFlags } from "../../src/_util/args.ts";
import { connectWorker, type LoadWorker } from "./_api.ts";

const f = parseFlags(Deno.args, {
  endpoint: { type: "string", description: "broker" },
  count: { type: "string", description: "workers", default: "4" },
  service: { type: "string", description: "service", default: "echo" },
});
const n = intFlag(f, "count", 1)!;
const workers: LoadWorker[] = [];
for (let i = 0; i < n; i++) {
  workers.push(
    await connectWorker(f.endpoint as string, f.service as string, (r) => r),
  );
}
Deno.addSignalListener("SIGTERM", async () => {
  await Promise.all(workers.map((w) => w.close()));
  await shutdown();
  Deno.exit(0);
});
console.log(JSON.stringify({ event: "ready", workers: n, pid: Deno.pid }));
