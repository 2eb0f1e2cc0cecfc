// The NATS side of bench/vs: nats.js (npm, pinned here only: NATS is never a
// dependency of the library) against a Debian nats-server.
//
//   deno run -A bench/vs/nats_proc.ts responders --endpoint 127.0.0.1:PORT [--count N]
//   deno run -A bench/vs/nats_proc.ts client --endpoint 127.0.0.1:PORT --mode sync|async ...
//
// Each responder is its own connection with a queue subscription on "echo"
// (group "echo"), so the server spreads requests over them as the broker
// spreads them over workers; it answers each request with its own body. The
// client uses request() (one reply inbox multiplexed per connection) and the
// protocol in ./_driver.ts.
import {
  connect,
  type NatsConnection,
} from "npm:@nats-io/transport-node@3.4.0";
import { parseFlags } from "../../src/_util/args.ts";
import { clientArgs, drive } from "./_driver.ts";

const SUBJECT = "echo";
const [role, ...rest] = Deno.args;

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    for (const s of ["SIGTERM", "SIGINT"] as const) {
      Deno.addSignalListener(s, () => resolve());
    }
  });
}

if (role === "responders") {
  const f = parseFlags(rest, {
    endpoint: { type: "string", description: "nats-server host:port" },
    count: { type: "string", description: "responders", default: "1" },
  });
  const conns: NatsConnection[] = [];
  for (let i = 0; i < Number(f.count); i++) {
    const nc = await connect({ servers: String(f.endpoint) });
    nc.subscribe(SUBJECT, {
      queue: SUBJECT,
      callback: (err, msg) => {
        if (!err) msg.respond(msg.data);
      },
    });
    await nc.flush();
    conns.push(nc);
  }
  console.log(JSON.stringify({ event: "ready", responders: conns.length }));
  await untilSignal();
  await Promise.all(conns.map((nc) => nc.close()));
} else if (role === "client") {
  const a = clientArgs(rest);
  const nc = await connect({ servers: a.endpoint });
  await drive(async (b) => {
    const m = await nc.request(SUBJECT, b, { timeout: 60_000 });
    return [m.data];
  }, a);
  await nc.close();
} else {
  console.error("usage: nats_proc.ts responders|client [flags]");
  Deno.exit(2);
}
