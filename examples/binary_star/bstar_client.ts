// Binary Star client of the guide's protocol (bstarcli) written against the
// transport only: a REQ socket, 1 s timeout, switch server, wait 2 s
// (settle), resend, forever. It shows that any client that follows the
// guide's rules works against the pair; BinaryStarClient is the library's
// version with a deadline.
import { ReqSocket, shutdown } from "../../mod.ts";
import { int, parse, type Program, ready, run, str } from "../_cli.ts";

const PROGRAM: Program = {
  usage: "deno run -A examples/binary_star/bstar_client.ts [flags]",
  about: `
Sends numbered requests to a Binary Star pair of echo servers, one at a time,
and prints one JSON line per reply: {"reply":N,"server":"..."}.

What to expect: with both servers up, replies come from the primary. Kill the
primary: after --timeout-ms plus --settle-ms the client is answered by the
backup ("I: server not responding, switching" on stderr in between).

  deno run -A examples/binary_star/bstar_client.ts --requests 100`,
  flags: {
    primary: {
      type: "string",
      description: "the primary's client endpoint",
      default: "tcp://localhost:5001",
    },
    backup: {
      type: "string",
      description: "the backup's client endpoint",
      default: "tcp://localhost:5002",
    },
    "timeout-ms": {
      type: "string",
      description: "wait for a reply, ms (guide REQUEST_TIMEOUT)",
      default: "1000",
    },
    "settle-ms": {
      type: "string",
      description: "wait after switching server, ms (guide SETTLE_DELAY)",
      default: "2000",
    },
    requests: {
      type: "string",
      description: "requests to send, then exit (0: forever)",
      default: "0",
    },
    "interval-ms": {
      type: "string",
      description: "pause between requests, ms",
      default: "0",
    },
  },
};

const f = parse(PROGRAM);
await run(PROGRAM, async () => {
  const servers = [str(f, "primary"), str(f, "backup")];
  const timeoutMs = int(f, "timeout-ms", 1, 600_000);
  const settleMs = int(f, "settle-ms", 0, 600_000);
  const total = int(f, "requests", 0);
  const intervalMs = int(f, "interval-ms", 0, 600_000);
  const td = new TextDecoder();
  let at = 0;
  let req = new ReqSocket({ lingerMs: 0 });
  req.connect(servers[at]);
  ready({ servers });
  for (let n = 1; total === 0 || n <= total; n++) {
    for (;;) {
      await req.send([String(n)]);
      const reply = await req.receive({
        signal: AbortSignal.timeout(timeoutMs),
      })
        .catch(() => null);
      if (reply !== null) {
        if (td.decode(reply[0]) !== String(n)) {
          throw new Error(`reply ${td.decode(reply[0])} to request ${n}`);
        }
        console.log(JSON.stringify({ reply: n, server: servers[at] }));
        break;
      }
      console.error("I: server not responding, switching");
      req.close();
      at = (at + 1) % 2;
      await new Promise((r) => setTimeout(r, settleMs));
      req = new ReqSocket({ lingerMs: 0 });
      req.connect(servers[at]);
    }
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  req.close();
  await shutdown();
});
