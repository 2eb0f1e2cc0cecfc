/**
 * A Titanic client (the zguide's `ticlient`, for many requests): stores
 * `--count` requests for `--service`, writes each UUID to `--uuids` as soon
 * as Titanic acknowledges it (a client must keep its UUIDs durably: they are
 * the only way back to the replies), then collects every reply and closes
 * it. Run it again with the same `--uuids` file after a crash: it collects
 * the requests it already stored instead of storing them again.
 *
 *   deno run -A examples/titanic/client.ts --service echo --count 10
 *
 * Exit code 0 when every request got its reply, 1 otherwise, 2 on bad flags.
 */
import { shutdown } from "../../mod.ts";
import { TitanicClient, TitanicError } from "../../src/patterns/titanic/mod.ts";
import {
  helpText,
  intFlag,
  parseFlags,
  UsageError,
} from "../../src/_util/args.ts";

const SPEC = {
  endpoint: {
    type: "string",
    description: "broker endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  service: { type: "string", description: "target service", default: "echo" },
  count: { type: "string", description: "requests to store", default: "1" },
  uuids: {
    type: "string",
    description: "file that keeps the UUIDs",
    default: "titanic-uuids.txt",
  },
  "deadline-ms": {
    type: "string",
    description: "how long to wait for each reply",
    default: "60000",
  },
  help: { type: "boolean", description: "show this help" },
} as const;
const USAGE = "client.ts [flags]";

let f, count: number, deadlineMs: number;
try {
  f = parseFlags(Deno.args, SPEC);
  count = intFlag(f, "count", 0, 1_000_000)!;
  deadlineMs = intFlag(f, "deadline-ms", 1, 2 ** 31 - 1)!;
  if (!(f.service as string)) {
    throw new UsageError("--service must not be empty");
  }
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`client.ts: ${e.message}\n\n${helpText(USAGE, SPEC)}`);
  Deno.exit(2);
}
if (f.help) {
  console.log(helpText(USAGE, SPEC));
  Deno.exit(0);
}

const file = f.uuids as string;
const td = new TextDecoder();
const client = await TitanicClient.connect(f.endpoint as string);
let failed = 0;
try {
  // 1. Requests stored by an earlier run that did not finish.
  let saved: string[] = [];
  try {
    saved = Deno.readTextFileSync(file).split("\n").filter((l) =>
      l.length === 32
    );
  } catch {
    // no file yet
  }
  // 2. New requests: store each, keep its UUID durably before going on.
  const out = Deno.openSync(file, { append: true, create: true });
  for (let i = saved.length; i < count; i++) {
    const uuid = await client.request(f.service as string, [`request ${i}`]);
    out.writeSync(new TextEncoder().encode(uuid + "\n"));
    out.syncDataSync();
    saved.push(uuid);
  }
  out.close();
  // 3. Collect and close.
  for (const uuid of saved) {
    try {
      const reply = await client.waitForReply(uuid, { deadlineMs });
      console.log(`${uuid}: ${reply.map((r) => td.decode(r)).join(" | ")}`);
      await client.closeRequest(uuid);
    } catch (e) {
      failed++;
      const why = e instanceof TitanicError
        ? `${e.status} ${e.text}`
        : (e as Error).message;
      console.error(`${uuid}: failed: ${why}`);
    }
  }
  if (failed === 0) Deno.removeSync(file);
} catch (e) {
  console.error(`client.ts: ${e instanceof Error ? e.message : e}`);
  failed++;
} finally {
  await client.close();
  await shutdown();
}
Deno.exit(failed === 0 ? 0 : 1);
