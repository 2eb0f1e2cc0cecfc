/**
 * Asks a Majordomo broker (8/MMI `mmi.service`) whether services have
 * workers, and prints the broker's `mmi.stats` when it has them. One JSON
 * line; exits 1 when the broker does not answer.
 *
 *   deno run -A examples/majordomo/mmi_lookup.ts --endpoint tcp://127.0.0.1:5555 --service echo
 */
import { MajordomoClient, shutdown } from "../../mod.ts";
import { endpoint, parseOrExit, run } from "./_cli.ts";

const o = parseOrExit({
  usage: "mmi_lookup.ts [flags]",
  about:
    'Looks services up with mmi.service and prints {"event":"done","available":{...},"stats":...}.',
  flags: {
    endpoint: {
      type: "string",
      description: "broker endpoint",
      default: "tcp://127.0.0.1:5555",
    },
    service: {
      type: "string",
      multiple: true,
      description: "service to look up (repeatable)",
      default: "echo",
    },
  },
}, (f) => ({ endpoint: endpoint(f), services: f.service as string[] }));

await run(async () => {
  const client = await MajordomoClient.connect(o.endpoint, {
    attemptTimeoutMs: 1000,
    maxAttempts: 2,
  });
  try {
    const available: Record<string, boolean> = {};
    for (const s of o.services) available[s] = await client.serviceAvailable(s);
    let stats: unknown = null;
    try {
      stats = await client.brokerStats({ maxAttempts: 1 });
    } catch {
      // not our broker: mmi.stats answers 501
    }
    console.log(JSON.stringify({ event: "done", available, stats }));
  } finally {
    await client.close();
    await shutdown();
  }
});
