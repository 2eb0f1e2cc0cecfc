// The load generator's one contact with the Majordomo public API (broker,
// worker, and the library's own client for `--client api`). That API is
// moving from constructors plus bind()/start() to `await X.bind()` /
// `await X.connect()` and from a stats() method to a `stats` getter; the
// functions below accept either shape, so the rest of bench/load/ never
// changes when it lands.
import {
  MajordomoBroker,
  MajordomoClient,
  MajordomoWorker,
} from "../../src/patterns/majordomo/mod.ts";
import type { Frame } from "../../src/types.ts";

/** A running broker, whatever the API's shape. */
export interface LoadBroker {
  readonly endpoint: string;
  /** The broker's stats snapshot (counters, workers, memory). */
  stats(): Record<string, unknown>;
  close(): Promise<void>;
}

/** A running worker. */
export interface LoadWorker {
  close(): Promise<void>;
}

/** A library client: one request at a time, Lazy Pirate retries inside. */
export interface LoadClient {
  request(service: string, body: Frame[]): Promise<Uint8Array[]>;
  close(): Promise<void>;
}

type Dyn = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

function call(o: unknown, name: string, ...args: unknown[]): unknown {
  return ((o as Dyn)[name] as Fn).apply(o, args);
}

// The constructors are private once the classes take the new shape.
type Ctor = new (...args: unknown[]) => unknown;

// An own static method (every class inherits Function.prototype.bind).
function hasStatic(cls: unknown, name: string): boolean {
  return Object.hasOwn(cls as object, name) &&
    typeof (cls as Dyn)[name] === "function";
}

/** Starts a broker bound to `endpoint` (`tcp://127.0.0.1:*` picks a port). */
export async function bindBroker(
  endpoint: string,
  options: Record<string, unknown>,
): Promise<LoadBroker> {
  let broker: unknown;
  let bound: string;
  if (hasStatic(MajordomoBroker, "bind")) {
    broker = await call(MajordomoBroker, "bind", endpoint, options);
    const eps = (broker as Dyn).endpoints as string[] | undefined;
    bound = eps?.[0] ?? endpoint;
  } else {
    broker = new (MajordomoBroker as unknown as Ctor)(options);
    bound = call(broker, "bind", endpoint) as string;
  }
  return {
    endpoint: bound,
    stats: () => {
      const s = (broker as Dyn).stats;
      return (typeof s === "function" ? call(broker, "stats") : s) as Record<
        string,
        unknown
      >;
    },
    close: () => Promise.resolve(call(broker, "close")).then(() => {}),
  };
}

/** Connects an echo-style worker for `service`. */
export async function connectWorker(
  endpoint: string,
  service: string,
  handler: (request: Uint8Array[]) => Frame[] | Promise<Frame[]>,
  options: Record<string, unknown> = {},
): Promise<LoadWorker> {
  let worker: unknown;
  if (hasStatic(MajordomoWorker, "connect")) {
    worker = await call(
      MajordomoWorker,
      "connect",
      endpoint,
      service,
      handler,
      options,
    );
  } else {
    worker = new (MajordomoWorker as unknown as Ctor)(
      endpoint,
      service,
      handler,
      options,
    );
    call(worker, "start");
  }
  return {
    close: () => Promise.resolve(call(worker, "close")).then(() => {}),
  };
}

/** Opens a library client (`MajordomoClient`). */
export async function connectClient(
  endpoint: string,
  options: { timeoutMs: number; attempts: number },
): Promise<LoadClient> {
  let client: unknown;
  // The option names are moving too (timeoutMs → attemptTimeoutMs).
  const opts: Record<string, unknown> = {
    timeoutMs: options.timeoutMs,
    attempts: options.attempts,
  };
  if (hasStatic(MajordomoClient, "connect")) {
    client = await call(MajordomoClient, "connect", endpoint, {
      attemptTimeoutMs: options.timeoutMs,
      maxAttempts: options.attempts,
    });
  } else {
    client = new (MajordomoClient as unknown as Ctor)(endpoint, opts);
  }
  return {
    request: (service, body) =>
      call(client, "request", service, body) as Promise<Uint8Array[]>,
    close: () => Promise.resolve(call(client, "close")).then(() => {}),
  };
}
