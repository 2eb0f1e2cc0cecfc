// Helpers of the Titanic tests: an in-process broker and workers (the only
// place these tests build Majordomo objects), child processes for the
// scenarios, and raw TSP calls.
import { MajordomoBroker } from "../../src/patterns/majordomo/broker.ts";
import { MajordomoWorker } from "../../src/patterns/majordomo/worker.ts";
import { MajordomoClient } from "../../src/patterns/majordomo/client.ts";
import { silentLogger } from "../../src/_util/logger.ts";
import type { Frame } from "../../src/types.ts";
import { type Child, spawnChild } from "../helpers/spawn.ts";

export const te = new TextEncoder();
export const td = new TextDecoder();
/** Heartbeat for tests (short, per the test rules). */
export const HB = 100;
/**
 * Heartbeats of silence before a peer counts as dead: 1 s, so that a
 * loaded 2-core machine's pauses do not expire healthy peers (which would
 * lose the request in hand, as 7/MDP allows).
 */
export const LIVENESS = 10;

export const BROKER_CLI = new URL("../../src/cli/broker.ts", import.meta.url);
export const TITANIC_CLI = new URL("../../src/cli/titanic.ts", import.meta.url);
export const WORKER = new URL("./fixtures/worker.ts", import.meta.url);
export const SUBMITTER = new URL("./fixtures/submitter.ts", import.meta.url);

export interface Broker {
  endpoint: string;
  close(): Promise<void>;
}

/** A broker in this process on a loopback port picked at run time. */
export async function startBroker(): Promise<Broker> {
  const b = await MajordomoBroker.bind("tcp://127.0.0.1:*", {
    heartbeatIntervalMs: HB,
    liveness: LIVENESS,
    logger: silentLogger,
  });
  return { endpoint: b.endpoints[0], close: () => b.close() };
}

export interface Worker {
  close(): Promise<void>;
}

/** A worker in this process. */
export async function startWorker(
  endpoint: string,
  service: string,
  handler: (req: Uint8Array[]) => Frame[] | Promise<Frame[]>,
): Promise<Worker> {
  const w = await MajordomoWorker.connect(endpoint, service, handler, {
    heartbeatIntervalMs: HB,
    liveness: LIVENESS,
    reconnectInitialMs: HB,
    logger: silentLogger,
  });
  await w.ready;
  return w;
}

/** Sends one raw MDP request (any body) and returns the reply body as strings. */
export async function mdpCall(
  endpoint: string,
  service: string,
  body: Frame[],
): Promise<string[]> {
  const c = await MajordomoClient.connect(endpoint, {
    attemptTimeoutMs: 5000,
    maxAttempts: 1,
    checkServiceOnTimeout: false,
    logger: silentLogger,
  });
  try {
    return (await c.request(service, body)).map((f) => td.decode(f));
  } finally {
    await c.close();
  }
}

/** Polls `fn` until it is true (a condition wait, not a sleep for ordering). */
export async function until(
  fn: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20000,
): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await fn())) {
    if (performance.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The broker CLI as a child. */
export function spawnBroker(extra: string[] = []): Promise<Child> {
  return spawnChild(BROKER_CLI, {
    args: [
      "--bind",
      "tcp://127.0.0.1:*",
      "--heartbeat-ms",
      String(HB),
      "--liveness",
      String(LIVENESS),
      "--log-level",
      "warn",
      "--stats-ms",
      "0",
      ...extra,
    ],
  });
}

/** The Titanic CLI as a child. */
export function spawnTitanic(
  endpoint: string,
  dir: string,
  extra: string[] = [],
): Promise<Child> {
  return spawnChild(TITANIC_CLI, {
    args: [
      "--endpoint",
      endpoint,
      "--dir",
      dir,
      "--heartbeat-ms",
      String(HB),
      "--liveness",
      String(LIVENESS),
      "--log-level",
      "warn",
      "--stats-ms",
      "0",
      ...extra,
    ],
  });
}

/** The fixture worker (echo; one stdout line per execution). */
export function spawnWorker(
  endpoint: string,
  extra: string[] = [],
): Promise<Child> {
  return spawnChild(WORKER, { args: ["--endpoint", endpoint, ...extra] });
}
