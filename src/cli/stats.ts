/**
 * `deno task stats`: prints a Majordomo broker's services and workers as
 * tables, from `mmi.stats` over ZeroMQ (for machines where HTTP is not
 * wanted). `--watch` refreshes every `--interval-ms` (the screen is cleared
 * when stdout is a terminal); `--format json` prints the reply as one JSON
 * line instead. A broker that does not answer within `--timeout-ms` exits
 * 1 with one line on stderr; a bad flag prints one line and the usage and
 * exits 2. SIGINT ends `--watch` with exit 0.
 *
 * @module
 */
import { MajordomoClient } from "../patterns/majordomo/client.ts";
import type {
  MajordomoBrokerStats,
  MajordomoWorkerInfo,
} from "../patterns/majordomo/broker_types.ts";
import { shutdown } from "../transport/mod.ts";
import { silentLogger } from "../_util/logger.ts";
import { checkEndpoint } from "../_util/endpoint.ts";
import {
  type FlagSpec,
  helpText,
  intFlag,
  parseFlags,
  UsageError,
} from "../_util/args.ts";

const SPEC: Record<string, FlagSpec> = {
  endpoint: {
    type: "string",
    description: "the broker's endpoint",
    default: "tcp://127.0.0.1:5555",
  },
  watch: { type: "boolean", description: "refresh until interrupted" },
  "interval-ms": {
    type: "string",
    description: "refresh interval with --watch, ms",
    default: "2000",
  },
  "timeout-ms": {
    type: "string",
    description: "how long to wait for the broker's answer, ms",
    default: "3000",
  },
  format: {
    type: "string",
    description: "table or json",
    default: "table",
  },
  help: { type: "boolean", short: "h", description: "show this help" },
};
const USAGE = "deno task stats --endpoint tcp://HOST:PORT [--watch]";
const td = new TextDecoder();

function fail(message: string): never {
  console.error(`stats: ${message}\n\n${helpText(USAGE, SPEC)}`);
  Deno.exit(2);
}

interface Config {
  endpoint: string;
  watch: boolean;
  intervalMs: number;
  timeoutMs: number;
  format: "table" | "json";
}

function readConfig(args: string[]): Config | "help" {
  const f = parseFlags(args, SPEC);
  if (f.help) return "help";
  const endpoint = f.endpoint as string;
  try {
    checkEndpoint("--endpoint", endpoint, "connect");
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const format = f.format as string;
  if (format !== "table" && format !== "json") {
    throw new UsageError(
      `--format must be table or json, got ${JSON.stringify(format)}`,
    );
  }
  return {
    endpoint,
    watch: f.watch === true,
    intervalMs: intFlag(f, "interval-ms", 100, 3_600_000)!,
    timeoutMs: intFlag(f, "timeout-ms", 100, 600_000)!,
    format,
  };
}

/**
 * Lays rows out as a text table, numbers right-aligned.
 * @param head The column titles.
 * @param rows The cells.
 * @returns The lines.
 */
export function table(head: string[], rows: (string | number)[][]): string[] {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const width = head.map((_, i) =>
    Math.max(...cells.map((r) => (r[i] ?? "").length))
  );
  const right = head.map((_, i) =>
    rows.length > 0 && rows.every((r) => typeof r[i] === "number")
  );
  return cells.map((r) =>
    r.map((c, i) => right[i] ? c.padStart(width[i]) : c.padEnd(width[i]))
      .join("  ").trimEnd()
  );
}

function ago(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The text report of one `mmi.stats` answer.
 * @param s The stats (with `workerList`).
 * @param endpoint The broker's endpoint.
 * @returns The lines.
 */
export function report(
  s: MajordomoBrokerStats,
  endpoint: string,
): string[] {
  const c = s.counters;
  const lines = [
    `broker ${endpoint}  instance ${s.instance}  core ${s.core}  ` +
    `rss ${Math.round(s.memory.rss / 1048576)} MiB`,
    `workers ${s.workers}  services ${s.services.length}  queued ${s.queued}  ` +
    `requests ${c.requests}  replies ${c.replies}  dropped ${c.droppedRequests}  ` +
    `expired ${c.expiredRequests}  lost ${c.lostRequests}  errors ${c.errorReplies}`,
    "",
  ];
  const services = [...s.services].sort((a, b) => a.name.localeCompare(b.name));
  lines.push(
    ...(services.length === 0 ? ["(no service)"] : table(
      ["SERVICE", "WORKERS", "IDLE", "BUSY", "QUEUED"],
      services.map((x) => [
        x.name,
        x.workers,
        x.waiting,
        x.workers - x.waiting,
        x.queued,
      ]),
    )),
    "",
  );
  const workers: MajordomoWorkerInfo[] = [...(s.workerList ?? [])].sort((
    a,
    b,
  ) => a.service.localeCompare(b.service) || a.worker.localeCompare(b.worker));
  lines.push(
    ...(workers.length === 0 ? ["(no worker)"] : table(
      ["WORKER", "SERVICE", "STATE", "LAST HEARD", "BUSY FOR"],
      workers.map((w) => [
        w.worker,
        w.service,
        w.busy ? "busy" : "idle",
        ago(w.heardMsAgo) + " ago",
        w.busy ? ago(w.busyMs) : "-",
      ]),
    )),
  );
  if (workers.length < s.workers) {
    lines.push(`(${workers.length} of ${s.workers} workers listed)`);
  }
  return lines;
}

async function main(): Promise<void> {
  let config: Config | "help";
  try {
    config = readConfig(Deno.args);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  if (config === "help") {
    console.log(helpText(USAGE, SPEC));
    return;
  }
  const { endpoint, timeoutMs } = config;
  const client = await MajordomoClient.connect(endpoint, {
    logger: silentLogger,
    attemptTimeoutMs: timeoutMs,
    maxAttempts: 1,
    checkServiceOnTimeout: false,
  });
  const ask = async (): Promise<MajordomoBrokerStats> => {
    const reply = await client.request("mmi.stats", ["workers"]);
    const status = reply.length > 0 ? td.decode(reply[0]) : "";
    if (status !== "200" || reply.length < 2) {
      throw new Error(
        `the broker at ${endpoint} does not serve mmi.stats (status ${
          status || "none"
        }); it is not a reliable-zmq broker`,
      );
    }
    return JSON.parse(td.decode(reply[1]));
  };
  let stop = false;
  const done = async (code: number) => {
    await client.close();
    await shutdown();
    Deno.exit(code);
  };
  if (config.watch) {
    Deno.addSignalListener("SIGINT", () => {
      stop = true;
      void done(0);
    });
  }
  const tty = Deno.stdout.isTerminal();
  for (let first = true; first || (config.watch && !stop); first = false) {
    let stats: MajordomoBrokerStats;
    try {
      stats = await ask();
    } catch (e) {
      if (stop) return;
      const msg = e instanceof Error &&
          (e.name === "RequestTimeoutError" ||
            e.name === "BrokerUnreachableError")
        ? `no answer from ${endpoint} within ${timeoutMs} ms`
        : e instanceof Error
        ? e.message
        : String(e);
      console.error(`stats: ${msg}`);
      if (!config.watch) return done(1);
      await new Promise((r) => setTimeout(r, config.intervalMs));
      continue;
    }
    if (config.format === "json") {
      console.log(JSON.stringify(stats));
    } else {
      const text = report(stats, endpoint).join("\n");
      if (config.watch && tty) {
        console.log(`\x1b[2J\x1b[H${new Date().toISOString()}\n${text}`);
      } else {
        console.log(
          (config.watch ? `${new Date().toISOString()}\n` : "") + text +
            (config.watch ? "\n" : ""),
        );
      }
    }
    if (config.watch) {
      await new Promise((r) => setTimeout(r, config.intervalMs));
    }
  }
  await done(0);
}

if (import.meta.main) await main();
