// Freelance model one (the guide's flclient1): tries each server in turn
// over a fresh REQ socket, with a timeout per try.
import {
  consoleLogger,
  FreelanceRetryClient,
  NoServerAnsweredError,
  shutdown,
} from "../../mod.ts";
import { int, parse, type Program, run } from "../_cli.ts";
import { endpoints } from "./_common.ts";

const PROGRAM: Program = {
  usage:
    "deno run -A examples/freelance/retry_client.ts --connect EP[,EP...] [flags]",
  about: `
Sends --requests requests one after the other; each tries the servers in turn
(starting with the last one that answered), waiting --timeout-ms for each.
Prints one JSON summary line and exits 0 when every request was answered, 1
when one failed ("E: no server answered").

  deno run -A examples/freelance/rep_server.ts --bind tcp://*:5555
  deno run -A examples/freelance/retry_client.ts --connect tcp://127.0.0.1:5555,tcp://127.0.0.1:5556

The second server is not running: with the first one killed, every request
pays --timeout-ms for it before failing.`,
  flags: {
    connect: {
      type: "string",
      multiple: true,
      description: "server endpoints (repeat, or separate with commas)",
    },
    requests: {
      type: "string",
      description: "requests to send",
      default: "10",
    },
    "timeout-ms": {
      type: "string",
      description: "time one server gets to answer, ms",
      default: "1000",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const list = endpoints(f);
  const requests = int(f, "requests", 1);
  const client = await FreelanceRetryClient.connect(list, {
    attemptTimeoutMs: int(f, "timeout-ms", 1, 2 ** 31 - 1),
    logger: consoleLogger("warn", "flclient1"),
  });
  const started = performance.now();
  let failed = 0;
  for (let i = 1; i <= requests; i++) {
    try {
      await client.request([`hello ${i}`]);
    } catch (e) {
      if (!(e instanceof NoServerAnsweredError)) throw e;
      console.error(`E: no server answered: ${e.message}`);
      failed++;
    }
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ event: "done", ...client.stats, ms }));
  await client.close();
  await shutdown();
  if (failed > 0) Deno.exit(1);
});
