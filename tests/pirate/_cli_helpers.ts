/**
 * Helpers of the queue CLI tests: start `deno task queue` as a child, read
 * its HTTP endpoint, put load through it.
 */
import { assertEquals } from "../helpers/assert.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";
import type { LazyPirateClient } from "../../mod.ts";
import { lazyClient } from "./_helpers.ts";

export const QUEUE = new URL("../../src/cli/queue.ts", import.meta.url);
export const WORKER = new URL(
  "../../examples/pirate/paranoid_pirate_worker.ts",
  import.meta.url,
);
export const LOCAL = "tcp://127.0.0.1:*";
export const HB = 200;
export const LIVENESS = 5;
export const td = new TextDecoder();
export const te = new TextEncoder();

/** Metric families as the npm parser gives them. */
export interface Family {
  name: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

/** A family's sample value (the one whose labels include `labels`). */
export function metric(
  fams: Family[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const f = fams.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name}`);
  const m = f.metrics.find((s) =>
    Object.entries(labels).every(([k, v]) => s.labels?.[k] === v)
  );
  if (!m) {
    throw new Error(`no sample of ${name} with ${JSON.stringify(labels)}`);
  }
  return Number(m.value);
}

/** The JSON of `/stats` (the parts the tests read) or of `/healthz`. */
export interface QueueJson {
  status?: string;
  kind: string;
  config: Record<string, number | string>;
  workers: { idle: number; busy: number; total: number };
  queue: { depth: number; readingClients: boolean };
  counters: Record<string, number>;
  security?: Record<
    "frontend" | "backend",
    { mechanism: string; admitted: number; refused: number; publicKey?: string }
  >;
}

/** GET `url`: the status and the JSON body. */
export async function getJson(url: string): Promise<[number, QueueJson]> {
  const r = await fetch(url);
  return [r.status, await r.json()];
}

/** Polls `test` until true. */
export async function until(
  what: string,
  test: () => Promise<boolean> | boolean,
  timeoutMs = 20000,
): Promise<void> {
  const t0 = Date.now();
  while (!(await test())) {
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Starts the CLI on loopback ports with --http, quiet. */
export function startQueue(args: string[]): Promise<Child> {
  return spawnChild(QUEUE, {
    args: [
      "--frontend",
      LOCAL,
      "--backend",
      LOCAL,
      "--http",
      "127.0.0.1:0",
      "--stats-ms",
      "0",
      "--log-level",
      "warn",
      ...args,
    ],
    readyTimeoutMs: 60000,
  });
}

/** Runs `fn`; on failure prints the children's stderr. */
export async function showStderr<T>(children: Child[], fn: () => Promise<T>) {
  try {
    return await fn();
  } catch (e) {
    for (const c of children) {
      console.error(`--- ${c.pid} stderr ---\n${c.stderrText().slice(-4000)}`);
    }
    throw e;
  }
}

/**
 * `clients` Lazy Pirate clients send `each` requests each, all at once;
 * every reply must be its own request (after the worker's tag, if any).
 * @returns The tags seen (who answered).
 */
export async function load(
  endpoint: string,
  clients: number,
  each: number,
): Promise<Map<string, number>> {
  const who = new Map<string, number>();
  const cs: LazyPirateClient[] = [];
  for (let c = 0; c < clients; c++) {
    cs.push(await lazyClient(endpoint, { timeoutMs: 10000, attempts: 1 }));
  }
  try {
    await Promise.all(cs.map(async (client, c) => {
      for (let i = 0; i < each; i++) {
        const body = `c${c}-r${i}`;
        const reply = (await client.request([body])).map((f) => td.decode(f));
        assertEquals(reply[reply.length - 1], body);
        const tag = reply.length > 1 ? reply[0] : "";
        who.set(tag, (who.get(tag) ?? 0) + 1);
      }
    }));
  } finally {
    await Promise.all(cs.map((c) => c.close()));
  }
  return who;
}
