/**
 * The Titanic service: registers `titanic.request`, `titanic.reply` and
 * `titanic.close` with a Majordomo broker and dispatches stored requests to
 * their services. Prints `{"event":"ready",...}` once registered.
 *
 *   deno run -A examples/titanic/service.ts --endpoint tcp://127.0.0.1:5555 --dir .titanic
 *
 * (`deno task titanic` is the full command-line service; this is the
 * library API in a few lines.)
 */
import { shutdown } from "../../mod.ts";
import { TitanicService } from "../../src/patterns/titanic/mod.ts";
import { helpText, parseFlags, UsageError } from "../../src/_util/args.ts";

const SPEC = {
  endpoint: {
    type: "string",
    description: "broker endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  dir: { type: "string", description: "store directory", default: ".titanic" },
  store: { type: "string", description: "log or sqlite", default: "log" },
  help: { type: "boolean", description: "show this help" },
} as const;
const USAGE = "service.ts [flags]";

let f;
try {
  f = parseFlags(Deno.args, SPEC);
  if (f.store !== "log" && f.store !== "sqlite") {
    throw new UsageError(
      `--store must be log or sqlite, got ${JSON.stringify(f.store)}`,
    );
  }
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`service.ts: ${e.message}\n\n${helpText(USAGE, SPEC)}`);
  Deno.exit(2);
}
if (f.help) {
  console.log(helpText(USAGE, SPEC));
  Deno.exit(0);
}

let titanic: TitanicService;
try {
  titanic = await TitanicService.connect(f.endpoint as string, {
    dir: f.dir as string,
    store: f.store as "log" | "sqlite",
  });
} catch (e) {
  console.error(`service.ts: ${e instanceof Error ? e.message : e}`);
  await shutdown();
  Deno.exit(1);
}
const stop = async () => {
  await titanic.close();
  await shutdown();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", () => void stop());
Deno.addSignalListener("SIGTERM", () => void stop());
await titanic.ready;
console.log(
  JSON.stringify({ event: "ready", pending: titanic.stats.store.pending }),
);
