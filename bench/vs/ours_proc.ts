// One process of our stack for bench/vs, on the public API via ./ours.ts:
//
//   deno run -A bench/vs/ours_proc.ts broker  --endpoint tcp://127.0.0.1:* [--max-queue N]
//   deno run -A bench/vs/ours_proc.ts workers --endpoint E [--count N]
//            [--concurrency C] [--delay-ms D] [--wait-ready]
//   deno run -A bench/vs/ours_proc.ts client  --endpoint E --mode sync|async ...
//
// Servers print one JSON ready line and run until SIGTERM/SIGINT; the client
// follows the protocol in ./_driver.ts.
import { parseFlags } from "../../src/_util/args.ts";
import { clientArgs, drive } from "./_driver.ts";
import {
  asyncClient,
  shutdownTransport,
  startBroker,
  startEchoWorkers,
  syncClient,
} from "./ours.ts";

const SERVICE = "echo";
const [role, ...rest] = Deno.args;

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    for (const s of ["SIGTERM", "SIGINT"] as const) {
      Deno.addSignalListener(s, () => resolve());
    }
  });
}

if (role === "broker") {
  const f = parseFlags(rest, {
    endpoint: {
      type: "string",
      description: "bind",
      default: "tcp://127.0.0.1:*",
    },
    "max-queue": {
      type: "string",
      description: "per service",
      default: "1000000",
    },
  });
  const b = await startBroker(String(f.endpoint), Number(f["max-queue"]));
  console.log(JSON.stringify({ event: "ready", endpoint: b.endpoint }));
  await untilSignal();
  await b.close();
} else if (role === "workers") {
  const f = parseFlags(rest, {
    endpoint: { type: "string", description: "broker" },
    count: { type: "string", description: "workers", default: "1" },
    concurrency: {
      type: "string",
      description: "slots per worker",
      default: "1",
    },
    "delay-ms": {
      type: "string",
      description: "reply after this many ms",
      default: "0",
    },
    "wait-ready": {
      type: "boolean",
      description: "print ready once every slot registered",
    },
  });
  const w = await startEchoWorkers(
    String(f.endpoint),
    SERVICE,
    Number(f.count),
    Number(f.concurrency),
    Number(f["delay-ms"]),
  );
  if (f["wait-ready"]) await w.ready;
  console.log(JSON.stringify({ event: "ready", workers: Number(f.count) }));
  await untilSignal();
  await w.close();
} else if (role === "client") {
  const a = clientArgs(rest);
  const c = a.mode === "sync"
    ? await syncClient(a.endpoint)
    : await asyncClient(a.endpoint, a.window);
  await drive((b) => c.request(SERVICE, b), a);
  await c.close();
} else {
  console.error(`usage: ours_proc.ts broker|workers|client [flags]`);
  Deno.exit(2);
}
await shutdownTransport();
