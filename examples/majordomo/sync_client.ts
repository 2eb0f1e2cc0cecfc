/**
 * A synchronous Majordomo client: sends `--count` requests to a service one
 * at a time and checks every reply. Prints one JSON summary line; exits 1
 * when any request failed.
 *
 *   deno run -A examples/majordomo/sync_client.ts --endpoint tcp://127.0.0.1:5555 --count 10
 */
import { MajordomoClient, shutdown } from "../../mod.ts";
import { endpoint, int, parseOrExit, run } from "./_cli.ts";

const o = parseOrExit({
  usage: "sync_client.ts [flags]",
  about:
    'Sends --count requests one at a time and checks each echo. Prints {"event":"done",...}; exit 1 if any failed.',
  flags: {
    endpoint: {
      type: "string",
      description: "broker endpoint",
      default: "tcp://127.0.0.1:5555",
    },
    service: { type: "string", description: "service name", default: "echo" },
    count: { type: "string", description: "requests to send", default: "10" },
    "attempt-ms": {
      type: "string",
      description: "per-attempt timeout, ms",
      default: "2500",
    },
    attempts: {
      type: "string",
      description: "sends per request at most",
      default: "3",
    },
  },
}, (f) => ({
  endpoint: endpoint(f),
  service: String(f.service),
  count: int(f, "count", 1),
  attemptTimeoutMs: int(f, "attempt-ms", 1, 2 ** 31 - 1),
  maxAttempts: int(f, "attempts", 1, 1000),
}));

await run(async () => {
  const client = await MajordomoClient.connect(o.endpoint, {
    attemptTimeoutMs: o.attemptTimeoutMs,
    maxAttempts: o.maxAttempts,
  });
  const td = new TextDecoder();
  const started = performance.now();
  let ok = 0;
  let error: { name: string; message: string } | undefined;
  try {
    for (let i = 0; i < o.count; i++) {
      const reply = await client.request(o.service, [`hello ${i}`]);
      if (td.decode(reply[0]) === `hello ${i}`) ok++;
    }
  } catch (e) {
    error = { name: (e as Error).name, message: (e as Error).message };
  } finally {
    await client.close();
    await shutdown();
  }
  console.log(JSON.stringify({
    event: error ? "error" : "done",
    ok,
    count: o.count,
    ms: Math.round(performance.now() - started),
    ...error,
  }));
  return ok === o.count ? 0 : 1;
});
