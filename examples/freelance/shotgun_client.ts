// Freelance model two (the guide's flclient2): each request goes to every
// server; the first correctly numbered reply wins.
import {
  consoleLogger,
  FreelanceShotgunClient,
  NoServerAnsweredError,
  shutdown,
} from "../../mod.ts";
import { int, parse, type Program, run } from "../_cli.ts";
import { endpoints } from "./_common.ts";

const PROGRAM: Program = {
  usage:
    "deno run -A examples/freelance/shotgun_client.ts --connect EP[,EP...] [flags]",
  about: `
Sends --requests requests, --concurrency at a time, each to every connected
server; the first reply with the request's sequence number wins, the others
are counted as duplicates. Prints one JSON summary line (with the average
microseconds per request) and exits 0 when every request was answered, 1 when
one failed within --deadline-ms.

  deno run -A examples/freelance/rep_server.ts --bind tcp://*:5555 --sequenced
  deno run -A examples/freelance/rep_server.ts --bind tcp://*:5556 --sequenced
  deno run -A examples/freelance/shotgun_client.ts --connect tcp://127.0.0.1:5555,tcp://127.0.0.1:5556 --requests 10000`,
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
    "deadline-ms": {
      type: "string",
      description: "time a request may take, ms (guide GLOBAL_TIMEOUT)",
      default: "2500",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const requests = int(f, "requests", 1);
  const concurrency = int(f, "concurrency", 1, 100_000);
  const client = await FreelanceShotgunClient.connect(endpoints(f), {
    deadlineMs: int(f, "deadline-ms", 1, 2 ** 31 - 1),
    logger: consoleLogger("warn", "flclient2"),
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
