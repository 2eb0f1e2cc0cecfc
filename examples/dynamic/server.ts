// Dynamic-worker server (seed 000): a ROUTER frontend for clients (5555) and
// a DEALER backend (5556) that every worker replies to; a worker per request,
// either an in-process task (--kind task), a Web Worker (--kind web-worker)
// or a child process (--kind process). All upper-case the request; "fail",
// "crash" and "sleep:<ms>" show error replies, "pid" answers the worker's pid.
//
//   deno run -A examples/dynamic/server.ts --kind web-worker --max-workers 4
//   deno run -A examples/dynamic/server.ts --frontend tcp://*:5555 --backend tcp://*:5556
import {
  consoleLogger,
  type DynamicTask,
  DynamicWorkerServer,
  shutdown,
} from "../../mod.ts";
import { flags, num, ready } from "../pirate/_args.ts";

const f = flags({
  bind: "string",
  frontend: "string",
  backend: "string",
  kind: "string",
  "max-workers": "string",
  "max-queued": "string",
  "job-timeout-ms": "string",
  "log-level": "string",
}, {
  frontend: "tcp://*:5555",
  backend: "tcp://*:5556",
  kind: "task",
  "max-workers": "8",
  "max-queued": "1000",
  "job-timeout-ms": "30000",
  "log-level": "info",
});
const td = new TextDecoder();
const task: DynamicTask = async (request) => {
  const text = td.decode(request[0]);
  if (text === "fail" || text === "crash") throw new Error(`asked to ${text}`);
  if (text === "pid") return [String(Deno.pid)];
  if (text.startsWith("sleep:")) {
    await new Promise((r) => setTimeout(r, Number(text.slice(6))));
  }
  return [text.toUpperCase()];
};
const module = new URL("./upper_worker.ts", import.meta.url);
const workers = {
  task,
  "web-worker": module,
  process: { process: module },
};
if (!Object.hasOwn(workers, f.kind as string)) {
  throw new TypeError("--kind must be task, web-worker or process");
}
const server = await DynamicWorkerServer.bind({
  // --bind is the older name of --frontend.
  endpoint: (f.bind ?? f.frontend) as string,
  backend: f.backend as string,
  worker: workers[f.kind as keyof typeof workers],
  maxWorkers: num(f, "max-workers"),
  maxQueued: num(f, "max-queued"),
  jobTimeoutMs: num(f, "job-timeout-ms"),
  logger: consoleLogger(f["log-level"] as "info", "dynamic"),
});
ready({
  endpoint: server.endpoint,
  frontend: server.frontend,
  backend: server.backend,
  kind: server.kind,
});
Deno.addSignalListener("SIGTERM", async () => {
  console.error(JSON.stringify(server.stats));
  await server.close();
  await shutdown();
  Deno.exit(0);
});
