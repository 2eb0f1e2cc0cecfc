/**
 * An asynchronous Majordomo client: keeps up to `--window` requests in
 * flight, `--count` in all, matching replies by correlation id. Prints one
 * JSON summary line.
 *
 *   deno run -A examples/majordomo/async_client.ts --endpoint tcp://127.0.0.1:5555 --count 1000
 */
import { MajordomoAsyncClient, shutdown } from "../../mod.ts";
import { intFlag, parseFlags } from "../../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  endpoint: {
    type: "string",
    description: "broker endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  service: { type: "string", description: "service name", default: "echo" },
  count: { type: "string", description: "requests to send", default: "1000" },
  window: { type: "string", description: "requests in flight", default: "100" },
  "deadline-ms": {
    type: "string",
    description: "deadline per request",
    default: "10000",
  },
});
const count = intFlag(f, "count", 1)!;
const client = new MajordomoAsyncClient(f.endpoint as string, {
  maxInFlight: intFlag(f, "window", 1),
  deadlineMs: intFlag(f, "deadline-ms", 1),
});
const td = new TextDecoder();
const started = performance.now();
const results = await Promise.allSettled(
  Array.from(
    { length: count },
    (_, i) =>
      client.request(f.service as string, [`${i}`]).then((r) =>
        td.decode(r[0]) === `${i}`
      ),
  ),
);
const ok = results.filter((r) => r.status === "fulfilled" && r.value).length;
console.log(
  JSON.stringify({
    event: "done",
    ok,
    count,
    ms: Math.round(performance.now() - started),
    stats: client.stats,
  }),
);
await client.close();
await shutdown();
