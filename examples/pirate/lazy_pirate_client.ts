// Lazy Pirate client (the guide's lpclient): sends sequence numbers, checks
// that each reply echoes its request, retries on a fresh socket.
import {
  consoleLogger,
  LazyPirateClient,
  RequestTimeoutError,
  shutdown,
} from "../../mod.ts";
import { int, parse, type Program, run, str } from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/pirate/lazy_pirate_client.ts [flags]",
  about: `
Sends --requests sequence numbers one at a time; each must come back as sent.
Prints "I: server replied OK (N)" per reply and exits 0 when all are answered.

What to expect: against lazy_pirate_server.ts --chaos the server is MEANT to
crash or stall after a few requests. This client then waits --timeout-ms,
retries on a fresh socket (a warning per retry on stderr) up to --attempts
times, and if the server stays down prints "E: server seems to be offline,
abandoning" and exits 1. Restart the server to see the retries succeed.
It also works against a Simple or Paranoid Pirate queue (--connect to the
queue's frontend, default port 5555).`,
  flags: {
    connect: {
      type: "string",
      description: "server or queue frontend endpoint",
      default: "tcp://127.0.0.1:5555",
    },
    requests: {
      type: "string",
      description: "requests to send",
      default: "10",
    },
    "timeout-ms": {
      type: "string",
      description: "time one attempt waits for its reply, ms",
      default: "2500",
    },
    attempts: {
      type: "string",
      description: "attempts per request (first send plus retries)",
      default: "3",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const requests = int(f, "requests", 1);
  const timeoutMs = int(f, "timeout-ms", 1, 2 ** 31 - 1);
  const attempts = int(f, "attempts", 1, 1000);
  const td = new TextDecoder();
  const client = await LazyPirateClient.connect(str(f, "connect"), {
    attemptTimeoutMs: timeoutMs,
    maxAttempts: attempts,
    validateReply: (req, rep) =>
      rep.length === 1 && td.decode(rep[0]) === req[0],
    logger: consoleLogger("warn", "lpclient"),
  });
  let code = 0;
  for (let seq = 1; seq <= requests; seq++) {
    try {
      const [reply] = await client.request([String(seq)]);
      console.log(`I: server replied OK (${td.decode(reply)})`);
    } catch (e) {
      if (!(e instanceof RequestTimeoutError)) throw e;
      console.log(`E: server seems to be offline, abandoning (${e.message})`);
      code = 1;
      break;
    }
  }
  await client.close();
  await shutdown();
  Deno.exit(code);
});
