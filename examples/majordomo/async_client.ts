/**
 * An asynchronous Majordomo client: keeps up to `--window` requests in
 * flight, `--count` in all, each with a unique payload, and checks every
 * reply. Prints one JSON summary line; exits 1 when any request failed.
 *
 *   deno run -A examples/majordomo/async_client.ts --endpoint tcp://127.0.0.1:5555 --count 1000
 */
import { MajordomoAsyncClient, shutdown } from "../../mod.ts";
import { endpoint, int, parseOrExit, run } from "./_cli.ts";

const o = parseOrExit({
  usage: "async_client.ts [flags]",
  about:
    'Sends --count requests with up to --window in flight and checks each echo. Prints {"event":"done",...}; exit 1 if any failed.',
  flags: {
    endpoint: {
      type: "string",
      description: "broker endpoint",
      default: "tcp://127.0.0.1:5555",
    },
    service: { type: "string", description: "service name", default: "echo" },
    count: { type: "string", description: "requests to send", default: "1000" },
    window: {
      type: "string",
      description: "requests in flight",
      default: "100",
    },
    "deadline-ms": {
      type: "string",
      description: "deadline per request, ms",
      default: "30000",
    },
  },
}, (f) => ({
  endpoint: endpoint(f),
  service: String(f.service),
  count: int(f, "count", 1),
  window: int(f, "window", 1),
  deadlineMs: int(f, "deadline-ms", 1, 2 ** 31 - 1),
}));

await run(async () => {
  const client = await MajordomoAsyncClient.connect(o.endpoint, {
    maxInFlight: o.window,
    deadlineMs: o.deadlineMs,
    attemptTimeoutMs: Math.min(5000, o.deadlineMs),
  });
  const td = new TextDecoder();
  const started = performance.now();
  const errors: Record<string, number> = {};
  const results = await Promise.all(
    Array.from(
      { length: o.count },
      (_, i) =>
        client.request(o.service, [`${i}`]).then(
          (r) => td.decode(r[0]) === `${i}`,
          (e) => {
            errors[e.name] = (errors[e.name] ?? 0) + 1;
            return false;
          },
        ),
    ),
  );
  const ok = results.filter(Boolean).length;
  console.log(JSON.stringify({
    event: ok === o.count ? "done" : "error",
    ok,
    count: o.count,
    errors,
    ms: Math.round(performance.now() - started),
    stats: client.stats,
  }));
  await client.close();
  await shutdown();
  return ok === o.count ? 0 : 1;
});
