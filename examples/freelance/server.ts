// Freelance model three (the guide's flserver3): a 10/FLP server whose
// identity is its public endpoint; answers PING with PONG and echoes
// requests behind their control frame.
import { FreelanceServer, shutdown } from "../../mod.ts";
import {
  exitOnSignal,
  int,
  parse,
  type Program,
  ready,
  run,
  str,
} from "../_cli.ts";
import { sleep } from "./_common.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/freelance/server.ts [flags]",
  about: `
A 10/FLP server. Its identity is --public-endpoint (default: the bound
endpoint, port resolved, a * host written localhost), which is exactly what
clients must connect to. Echoes each request after --work-ms (with --reply,
answers that text instead). Prints one JSON ready line on stdout, and with
--stats-ms a JSON stats line that often. Malformed messages are dropped and
counted (a warning on stderr, rate-limited).

  deno run -A examples/freelance/server.ts --bind tcp://127.0.0.1:5555
  deno run -A examples/freelance/server.ts --bind tcp://127.0.0.1:5556
  deno run -A examples/freelance/client.ts --connect tcp://127.0.0.1:5555,tcp://127.0.0.1:5556

Kill one server (or stop it with kill -STOP): the clients stop using it once
its heartbeats stop, and use it again when it comes back.`,
  flags: {
    bind: {
      type: "string",
      description: "endpoint to bind",
      default: "tcp://127.0.0.1:5555",
    },
    "public-endpoint": {
      type: "string",
      description: "the endpoint clients connect to (the server's identity)",
    },
    "work-ms": {
      type: "string",
      description: "time each request takes, ms",
      default: "0",
    },
    tag: {
      type: "string",
      description:
        "put this text in front of every reply (which server answered)",
    },
    reply: {
      type: "string",
      description: "answer this text instead of echoing (e.g. OK)",
    },
    "stats-ms": {
      type: "string",
      description: "print a JSON stats line this often, ms (0: never)",
      default: "0",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const workMs = int(f, "work-ms", 0, 600_000);
  const statsMs = int(f, "stats-ms", 0, 3_600_000);
  const tag = typeof f.tag === "string" ? [f.tag] : [];
  // A fixed answer is built once and sent as it is every time.
  const fixed = typeof f.reply === "string"
    ? [...tag, new TextEncoder().encode(f.reply)]
    : null;
  const answer = (req: Uint8Array[]) => fixed ?? [...tag, ...req];
  const handler = workMs > 0
    ? async (req: Uint8Array[]) => {
      await sleep(workMs);
      return answer(req);
    }
    : answer;
  const server = await FreelanceServer.bind(str(f, "bind"), handler, {
    publicEndpoint: typeof f["public-endpoint"] === "string"
      ? f["public-endpoint"]
      : undefined,
  });
  exitOnSignal(async () => {
    await server.close();
    await shutdown();
  });
  ready({ endpoint: server.endpoint, pid: Deno.pid });
  if (statsMs > 0) {
    setInterval(() => {
      console.log(JSON.stringify({ event: "stats", ...server.stats }));
    }, statsMs);
  }
});
