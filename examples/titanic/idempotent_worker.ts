/**
 * A Majordomo worker for a service that must not run a request twice (a
 * "debit"): its handler is wrapped in an `IdempotentCache`, so a request
 * retried with the same key (its first frame, e.g. "client-7:42") is
 * answered from the cache. Titanic and every retrying client deliver at
 * least once; this makes the effect happen once.
 *
 *   deno run -A examples/titanic/idempotent_worker.ts --service debit
 */
import { consoleLogger, MajordomoWorker, shutdown } from "../../mod.ts";
import { IdempotentCache } from "../../src/patterns/titanic/mod.ts";
import { helpText, parseFlags, UsageError } from "../../src/_util/args.ts";

const SPEC = {
  endpoint: {
    type: "string",
    description: "broker endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  service: { type: "string", description: "service name", default: "debit" },
  help: { type: "boolean", description: "show this help" },
} as const;
const USAGE = "idempotent_worker.ts [flags]";

let f;
try {
  f = parseFlags(Deno.args, SPEC);
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(
    `idempotent_worker.ts: ${e.message}\n\n${helpText(USAGE, SPEC)}`,
  );
  Deno.exit(2);
}
if (f.help) {
  console.log(helpText(USAGE, SPEC));
  Deno.exit(0);
}

const td = new TextDecoder();
let balance = 1000;
const cache = new IdempotentCache({ windowMs: 10 * 60_000 });
const worker = await MajordomoWorker.connect(
  f.endpoint as string,
  f.service as string,
  cache.wrap((req) => {
    // req[0] is the request key; req[1] the amount.
    balance -= Number(td.decode(req[1] ?? new Uint8Array())) || 0;
    console.log(
      JSON.stringify({ event: "debit", key: td.decode(req[0]), balance }),
    );
    return [`balance ${balance}`];
  }),
  { logger: consoleLogger("warn", "debit") },
);
await worker.ready;
const stop = async () => {
  await worker.close();
  await shutdown();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", () => void stop());
Deno.addSignalListener("SIGTERM", () => void stop());
console.log(JSON.stringify({ event: "ready", service: f.service }));
