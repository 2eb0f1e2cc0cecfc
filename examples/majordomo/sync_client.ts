/**
 * A synchronous Majordomo client: sends `--count` requests to a service one
 * at a time and checks every reply. Prints one JSON summary line.
 *
 *   deno run -A examples/majordomo/sync_client.ts --endpoint tcp://127.0.0.1:5555 --count 10
 */
import { MajordomoClient, shutdown } from "../../mod.ts";
import { intFlag, parseFlags } from "../../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  endpoint: {
    type: "string",
    description: "broker endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  service: { type: "string", description: "service name", default: "echo" },
  count: { type: "string", description: "requests to send", default: "10" },
  "timeout-ms": {
    type: "string",
    description: "per-attempt timeout",
    default: "2500",
  },
});
const client = new MajordomoClient(f.endpoint as string, {
  timeoutMs: intFlag(f, "timeout-ms", 1),
});
const count = intFlag(f, "count", 1)!;
const td = new TextDecoder();
const started = performance.now();
let ok = 0;
try {
  for (let i = 0; i < count; i++) {
    const reply = await client.request(f.service as string, [`hello ${i}`]);
    if (td.decode(reply[0]) === `hello ${i}`) ok++;
  }
  console.log(
    JSON.stringify({
      event: "done",
      ok,
      count,
      ms: Math.round(performance.now() - started),
    }),
  );
} catch (e) {
  console.log(
    JSON.stringify({
      event: "error",
      ok,
      count,
      error: (e as Error).name,
      message: (e as Error).message,
    }),
  );
} finally {
  client.close();
  await shutdown();
}
