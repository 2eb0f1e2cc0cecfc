// The ONE adapter between the side-by-side benchmark and our public API.
//
// Everything bench/vs runs of ours (broker, workers, sync and async client)
// goes through these five functions, so a change of the Majordomo classes'
// shape (constructors today, `await X.connect()`/`X.bind()` soon) is adapted
// here and nowhere else. Only the package's public entry (mod.ts) is used.
import {
  configureReactor,
  libzmqInfo,
  MajordomoAsyncClient,
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
  shutdown,
  silentLogger,
} from "../../mod.ts";

// Reactor tuning for experiments: RZ_BENCH_REACTOR='{"spinUs":0}' in the
// environment of `deno task bench:vs` reaches every process of ours.
const reactorTuning = Deno.env.get("RZ_BENCH_REACTOR");
if (reactorTuning) configureReactor(JSON.parse(reactorTuning));

/** A running broker of ours. */
export interface OursBroker {
  /** The endpoint it is bound to (the port resolved). */
  endpoint: string;
  /** Stops it. */
  close(): Promise<void>;
}

/** A client of ours: sends one request, resolves with the reply's frames. */
export interface OursClient {
  request(service: string, body: Uint8Array): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

/**
 * Starts our broker bound to `endpoint`.
 *
 * @param maxQueue most requests a service may hold waiting (the C broker has
 * no limit; ours must not refuse the benchmark's in-flight window).
 */
export async function startBroker(
  endpoint: string,
  maxQueue: number,
): Promise<OursBroker> {
  const broker = await MajordomoBroker.bind(endpoint, {
    maxQueue,
    logger: silentLogger,
  });
  return { endpoint: broker.endpoints[0], close: () => broker.close() };
}

/**
 * Starts `count` echo workers for `service` in this process, each with
 * `concurrency` slots (default 1), each reply after `delayMs` (default 0:
 * at once, no timer).
 */
export async function startEchoWorkers(
  endpoint: string,
  service: string,
  count: number,
  concurrency = 1,
  delayMs = 0,
): Promise<{ close(): Promise<void>; ready: Promise<void> }> {
  const workers: MajordomoWorker[] = [];
  const handler = delayMs > 0
    ? async (req: Uint8Array[]) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return req;
    }
    : (req: Uint8Array[]) => req;
  for (let i = 0; i < count; i++) {
    workers.push(
      await MajordomoWorker.connect(endpoint, service, handler, {
        logger: silentLogger,
        ...(concurrency > 1 ? { concurrency } : {}),
      }),
    );
  }
  return {
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
    ready: Promise.all(workers.map((w) => w.ready)).then(() => {}),
  };
}

/** Our synchronous client (one request at a time). */
export async function syncClient(endpoint: string): Promise<OursClient> {
  // Generous attempt timeout: the benchmark measures speed, not retries; a
  // retry would show as a wrong count and fail the run.
  const c = await MajordomoClient.connect(endpoint, {
    attemptTimeoutMs: 30_000,
    maxAttempts: 1,
    logger: silentLogger,
  });
  return {
    request: (service, body) => c.request(service, [body]),
    close: () => c.close(),
  };
}

/** Our asynchronous client with `window` requests in flight at most. */
export async function asyncClient(
  endpoint: string,
  window: number,
): Promise<OursClient> {
  const c = await MajordomoAsyncClient.connect(endpoint, {
    maxInFlight: window,
    attemptTimeoutMs: 30_000,
    deadlineMs: 600_000,
    logger: silentLogger,
  });
  return {
    request: (service, body) => c.request(service, [body]),
    close: () => c.close(),
  };
}

/** Releases the transport so that the process can exit by itself. */
export function shutdownTransport(): Promise<void> {
  return shutdown();
}

/** Versions of what our side runs on, for the report. */
export function oursInfo(): { libzmq: string } {
  return { libzmq: libzmqInfo().version };
}
