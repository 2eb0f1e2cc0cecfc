// Freelance models one and two: the server (the guide's flserver1 and
// flserver2). REP on the wire: an echo server, or with --sequenced the
// model-two server that answers [seq]["OK"].
import { FreelanceRepServer, shutdown } from "../../mod.ts";
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
  usage: "deno run -A examples/freelance/rep_server.ts [flags]",
  about: `
A Freelance server for models one and two. Without --sequenced it echoes each
request (model one, for retry_client.ts); with --sequenced a request is
[seq][body...] and the answer [seq]["OK"] (model two, for shotgun_client.ts).
Prints one JSON ready line on stdout. Malformed requests are dropped and
counted (a warning on stderr, rate-limited).

  deno run -A examples/freelance/rep_server.ts --bind tcp://*:5555 --sequenced
  deno run -A examples/freelance/rep_server.ts --bind tcp://*:5556 --sequenced
  deno run -A examples/freelance/shotgun_client.ts --connect tcp://127.0.0.1:5555,tcp://127.0.0.1:5556

Kill one server: the clients keep working while any one lives.`,
  flags: {
    bind: {
      type: "string",
      description: "endpoint to bind",
      default: "tcp://*:5555",
    },
    sequenced: {
      type: "boolean",
      description: "model two: echo the sequence frame and answer OK",
    },
    tag: {
      type: "string",
      description:
        "put this text in front of every reply (which server answered)",
    },
    "work-ms": {
      type: "string",
      description: "time each request takes, ms",
      default: "0",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const workMs = int(f, "work-ms", 0, 600_000);
  const sequenced = f.sequenced === true;
  const tag = typeof f.tag === "string" ? [f.tag] : [];
  // Model two answers the same frames every time: build them once, and
  // answer at once (no promise) when there is no work to wait for.
  const ok = sequenced ? [...tag, new TextEncoder().encode("OK")] : null;
  const answer = (req: Uint8Array[]) => ok ?? [...tag, ...req];
  const server = await FreelanceRepServer.bind(
    str(f, "bind"),
    workMs > 0
      ? async (req) => {
        await sleep(workMs);
        return answer(req);
      }
      : answer,
    { sequenced },
  );
  exitOnSignal(async () => {
    await server.close();
    await shutdown();
  });
  ready({ endpoint: server.endpoint });
});
