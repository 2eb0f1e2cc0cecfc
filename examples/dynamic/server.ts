// Dynamic-worker server: a ROUTER frontend for clients (5555) and a DEALER
// backend (5556) that every worker replies to; a worker per request, either
// an in-process task, a Web Worker or a child process.
import {
  consoleLogger,
  type DynamicTask,
  DynamicWorkerServer,
  shutdown,
} from "../../mod.ts";
import {
  int,
  jobMs,
  logLevel,
  parse,
  type Program,
  ready,
  run,
  str,
  UsageError,
} from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/dynamic/server.ts [flags]",
  about: `
Starts a worker per request: an in-process task (--kind task), a Deno Web
Worker (--kind web-worker) or a child process (--kind process), at most
--max-workers at once, up to --max-queued waiting. Every worker upper-cases
the request. Prints one JSON ready line; on SIGINT/SIGTERM prints its
counters as one JSON line on stderr and exits 0.

What to expect: every reply starts with a status frame. Send "fail" (the
worker throws: "500"), "crash" (the worker dies: "500"), "sleep:<ms>" (waits
first; past --job-timeout-ms the client gets "504"; a bad <ms> is a "500"),
"pid" (the worker's process id). Beyond --max-queued waiting requests the
client gets "503" at once.

  deno run -A examples/dynamic/server.ts --kind web-worker --max-workers 4
  deno run -A examples/dynamic/client.ts --clients 100`,
  flags: {
    frontend: {
      type: "string",
      description: "endpoint clients connect to",
      default: "tcp://*:5555",
    },
    bind: { type: "string", description: "same as --frontend (older name)" },
    backend: {
      type: "string",
      description: "endpoint workers reply to (tcp:// or ipc://)",
      default: "tcp://127.0.0.1:5556",
    },
    kind: {
      type: "string",
      description: "task, web-worker or process",
      default: "task",
    },
    "max-workers": {
      type: "string",
      description: "workers running at once",
      default: "8",
    },
    "max-queued": {
      type: "string",
      description: "requests waiting beyond them",
      default: "1000",
    },
    "job-timeout-ms": {
      type: "string",
      description: "time a worker may take, ms",
      default: "30000",
    },
    "log-level": {
      type: "string",
      description: "debug, info, warn, error or silent",
      default: "info",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const maxWorkers = int(f, "max-workers", 1, 100_000);
  const maxQueued = int(f, "max-queued", 0, 10_000_000);
  const jobTimeoutMs = int(f, "job-timeout-ms", 1, 2 ** 31 - 1);
  const level = logLevel(f);
  const td = new TextDecoder();
  const task: DynamicTask = async (request) => {
    const text = td.decode(request[0]);
    if (text === "fail" || text === "crash") {
      throw new Error(`asked to ${text}`);
    }
    if (text === "pid") return [String(Deno.pid)];
    if (text.startsWith("sleep:")) {
      const ms = jobMs(text.slice(6));
      await new Promise((r) => setTimeout(r, ms));
    }
    return [text.toUpperCase()];
  };
  const module = new URL("./upper_worker.ts", import.meta.url);
  const workers = {
    task,
    "web-worker": module,
    process: { process: module },
  };
  const kind = str(f, "kind");
  if (!Object.hasOwn(workers, kind)) {
    throw new UsageError(
      `--kind must be task, web-worker or process, got "${kind}"`,
    );
  }
  const server = await DynamicWorkerServer.bind(
    (f.bind ?? f.frontend) as string,
    str(f, "backend"),
    {
      worker: workers[kind as keyof typeof workers],
      maxWorkers,
      maxQueued,
      jobTimeoutMs,
      logger: consoleLogger(level, "dynamic"),
    },
  );
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    console.error(JSON.stringify(server.stats));
    await server.close();
    await shutdown();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  ready({
    endpoint: server.frontendEndpoint,
    frontend: server.frontendEndpoint,
    backend: server.backendEndpoint,
    kind: server.kind,
  });
});
