/**
 * Asks a Majordomo broker (8/MMI `mmi.service`) whether services have
 * workers, and prints the broker's `mmi.stats`. One JSON line.
 *
 *   deno run -A examples/majordomo/mmi_lookup.ts --endpoint tcp://127.0.0.1:5555 --service echo
 */
import { MajordomoClient, shutdown } from "../../mod.ts";
import { parseFlags } from "../../src/_util/args.ts";

const f = parseFlags(Deno.args, {
  endpoint: {
    type: "string",
    description: "broker endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  service: {
    type: "string",
    multiple: true,
    description: "service to look up",
    default: "echo",
  },
});
const client = new MajordomoClient(f.endpoint as string, {
  timeoutMs: 1000,
  attempts: 2,
});
const available: Record<string, boolean> = {};
for (const s of f.service as string[]) {
  available[s] = await client.serviceAvailable(s);
}
let stats: unknown = null;
try {
  stats = await client.brokerStats();
} catch {
  // not our broker: mmi.stats answers 501
}
console.log(JSON.stringify({ event: "done", available, stats }));
client.close();
await shutdown();
