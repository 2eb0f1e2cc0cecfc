// Dynamic-worker server (seed 000): a worker per request, either an
// in-process task (--kind task) or a Web Worker (--kind web-worker). Both
// upper-case the request; "fail", "crash" and "sleep:<ms>" show error replies.
//
//   deno run -A examples/dynamic/server.ts --kind web-worker --max-workers 4
import {
  consoleLogger,
  type DynamicTask,
  DynamicWorkerServer,
  shutdown,
} from "../../mod.ts";
import { flags, num, ready } from "../pirate/_args.ts";

const f = flags({
  bind: "string",
  kind: "string",
  "max-workers": "string",
  "max-queued": "string",
  "job-timeout-ms": "string",
  "log-level": "string",
}, {
  bind: "tcp://*:5555",
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
  if (text.startsWith("sleep:")) {
    await new Promise((r) => setTimeout(r, Number(text.slice(6))));
  }
  return [text.toUpperCase()];
};
if (f.kind !== "task" && f.kind !== "web-worker") {
  throw new TypeError("--kind must be task or web-worker");
}
const server = await DynamicWorkerServer.bind({
  endpoint: f.bind as string,
  worker: f.kind === "task"
    ? task
    : new URL("./upper_worker.ts", import.meta.url),
  maxWorkers: num(f, "max-workers"),
  maxQueued: num(f, "max-queued"),
  jobTimeoutMs: num(f, "job-timeout-ms"),
  logger: consoleLogger(f["log-level"] as "info", "dynamic"),
});
ready({ endpoint: server.endpoint, kind: server.kind });
Deno.addSignalListener("SIGTERM", async () => {
  console.error(JSON.stringify(server.stats));
  await server.close();
  await shutdown();
  Deno.exit(0);
});
