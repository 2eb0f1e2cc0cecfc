// Freelance model three (the guide's flclient3 on flcliapi): a 10/FLP client
// that heartbeats its servers and sends each request to one live server,
// failing over within the request's deadline.
import {
  consoleLogger,
  FreelanceClient,
  NoServerAnsweredError,
  shutdown,
} from "../../mod.ts";
import { int, parse, type Program, run } from "../_cli.ts";
import { endpoints } from "./_common.ts";

const PROGRAM: Program = {
  usage:
    "deno run -A examples/freelance/client.ts --connect EP[,EP...] [flags]",
  about: `
Sends --requests requests, --concurrency at a time, each to one live server
(failing over to another after --attempt-timeout-ms, within --deadline-ms).
Prints one JSON summary line (with the average microseconds per request) and
exits 0 when every request was answered, 1 when one failed.

  deno run -A examples/freelance/server.ts --bind tcp://127.0.0.1:5555
  deno run -A examples/freelance/server.ts --bind tcp://127.0.0.1:5556
  deno run -A examples/freelance/client.ts --connect tcp://127.0.0.1:5555,tcp://127.0.0.1:5556 --requests 10000

Each endpoint must be exactly the server's identity (its --public-endpoint).`,
  flags: {
    connect: {
      type: "string",
      multiple: true,
      description: "server endpoints (repeat, or separate with commas)",
    },
    requests: {
      type: "string",
      description: "requests to send",
      default: "10000",
    },
    concurrency: {
      type: "string",
      description: "requests in flight at once",
      default: "1",
    },
    "heartbeat-ms": {
      type: "string",
      description: "ping a server not heard for this long, ms",
      default: "2000",
    },
    "attempt-timeout-ms": {
      type: "string",
      description: "time one server gets before the request moves on, ms",
      default: "1000",
    },
    "deadline-ms": {
      type: "string",
      description: "time a request may take, ms",
      default: "3000",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const requests = int(f, "requests", 1);
  const concurrency = int(f, "concurrency", 1, 100_000);
  const client = await FreelanceClient.connect(endpoints(f), {
    heartbeatIntervalMs: int(f, "heartbeat-ms", 1, 2 ** 31 - 1),
    attemptTimeoutMs: int(f, "attempt-timeout-ms", 1, 2 ** 31 - 1),
    deadlineMs: int(f, "deadline-ms", 1, 2 ** 31 - 1),
    logger: consoleLogger("warn", "flclient3"),
  });
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < requests) {
      next++;
      try {
        await client.request(["random name"]);
      } catch (e) {
        if (!(e instanceof NoServerAnsweredError)) throw e;
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = performance.now() - started;
  console.log(
    JSON.stringify({
      event: "done",
      ...client.stats,
      ms,
      usPerRequest: (ms * 1000) / requests,
    }),
  );
  await client.close();
  await shutdown();
  if (failed > 0) Deno.exit(1);
});
