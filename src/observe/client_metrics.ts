/**
 * Latency at the client, from send to reply (retries included), per
 * service, for any Majordomo client (sync or async) or anything with a
 * `request(service, body, options?)` returning a promise; plus the
 * client's own events (retries, resends, reconnects) counted by type.
 *
 * @module
 */
import type { Clock } from "../_util/clock.ts";
import { realClock } from "../_util/clock.ts";
import type { PatternEvent } from "../patterns/_kit/events.ts";
import {
  LatencyHistogram,
  type LatencySummary,
  PROMETHEUS_BUCKETS_SECONDS,
} from "./histogram.ts";
import { PromWriter } from "./prometheus.ts";

/** What {@linkcode ClientMetrics.wrap} times: a client's `request`. */
export interface RequestingClient<A extends unknown[], R> {
  /** Sends a request to a service and resolves with its reply. */
  request(service: string, ...rest: A): Promise<R>;
}

/**
 * One service in {@linkcode ClientMetrics.snapshot}.
 *
 * @example
 * ```ts
 * import type { ClientServiceMetrics } from "@reliable/zmq/observe";
 * const errorRate = (s: ClientServiceMetrics) => s.failed / Math.max(1, s.ok + s.failed);
 * ```
 */
export interface ClientServiceMetrics {
  /** The service. */
  name: string;
  /** Requests answered. */
  ok: number;
  /** Requests that failed (timeout, error reply, closed, ...). */
  failed: number;
  /** Send to reply, ms, answered requests only, since the start. */
  latencyMs: LatencySummary;
}

class Svc {
  ok = 0;
  failed = 0;
  readonly h = new LatencyHistogram(true);
}

/**
 * Client-side request latency and outcomes per service.
 *
 * @example
 * ```ts
 * import { ClientMetrics } from "@reliable/zmq/observe";
 * import { MajordomoBroker, MajordomoClient, MajordomoWorker } from "@reliable/zmq";
 * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
 * const [endpoint] = broker.endpoints;
 * const worker = await MajordomoWorker.connect(endpoint, "echo", (req) => req);
 * const metrics = new ClientMetrics();
 * const client = await MajordomoClient.connect(endpoint, { onEvent: metrics.listener });
 * const timed = metrics.wrap(client);
 * await timed.request("echo", ["hi"]);
 * console.log(metrics.snapshot().services[0].ok); // 1
 * await client.close();
 * await worker.close();
 * await broker.close();
 * ```
 */
export class ClientMetrics {
  readonly #clock: Clock;
  readonly #svc = new Map<string, Svc>();
  readonly #events = new Map<string, number>();
  readonly #maxServices: number;

  /**
   * Empty metrics.
   * @param options The time source (tests pass a `FakeClock`) and the most
   * services tracked one by one (further ones count as `"(other)"`).
   */
  constructor(options: { clock?: Clock; maxServices?: number } = {}) {
    this.#clock = options.clock ?? realClock;
    this.#maxServices = options.maxServices ?? 1000;
  }

  /** A listener for the client's `onEvent`: counts its events by type. */
  readonly listener = (event: PatternEvent): void => {
    this.#events.set(event.type, (this.#events.get(event.type) ?? 0) + 1);
  };

  #get(name: string): Svc {
    let s = this.#svc.get(name);
    if (s === undefined) {
      if (this.#svc.size >= this.#maxServices) name = "(other)";
      s = this.#svc.get(name);
      if (s === undefined) this.#svc.set(name, s = new Svc());
    }
    return s;
  }

  /**
   * Times one request.
   * @param service The service it is for.
   * @param request The request in progress.
   * @returns Its result, unchanged (a rejection is passed on).
   */
  async time<R>(service: string, request: Promise<R>): Promise<R> {
    const t0 = this.#clock.now();
    try {
      const r = await request;
      const s = this.#get(service);
      s.ok++;
      s.h.record(this.#clock.now() - t0);
      return r;
    } catch (e) {
      this.#get(service).failed++;
      throw e;
    }
  }

  /**
   * A view of `client` whose `request` is timed (other methods are not
   * available on it; keep the client for them).
   * @param client The client.
   * @returns An object with a timed `request`.
   */
  wrap<A extends unknown[], R>(
    client: RequestingClient<A, R>,
  ): RequestingClient<A, R> {
    return {
      request: (service: string, ...rest: A) =>
        this.time(service, client.request(service, ...rest)),
    };
  }

  /**
   * Outcomes and latency per service, and the client's events by type.
   * @returns A snapshot.
   */
  snapshot(): {
    services: ClientServiceMetrics[];
    events: Record<string, number>;
  } {
    return {
      services: [...this.#svc.entries()].sort(([a], [b]) => a < b ? -1 : 1)
        .map(([name, s]) => ({
          name,
          ok: s.ok,
          failed: s.failed,
          latencyMs: s.h.summary(),
        })),
      events: Object.fromEntries(this.#events),
    };
  }

  /**
   * The metrics as Prometheus text: `rzmq_client_requests_total{service,outcome}`,
   * `rzmq_client_events_total{event}` and the histogram
   * `rzmq_client_request_duration_seconds{service}`.
   * @returns The exposition text.
   */
  prometheus(): string {
    const w = new PromWriter();
    w.family(
      "rzmq_client_requests_total",
      "counter",
      "Requests per service: ok (answered) or failed.",
    );
    for (const [name, s] of this.#svc) {
      w.sample("rzmq_client_requests_total", s.ok, {
        service: name,
        outcome: "ok",
      });
      w.sample("rzmq_client_requests_total", s.failed, {
        service: name,
        outcome: "failed",
      });
    }
    w.family(
      "rzmq_client_events_total",
      "counter",
      "The client's events (retries, resends, reconnects) by type.",
    );
    for (const [type, n] of this.#events) {
      w.sample("rzmq_client_events_total", n, { event: type });
    }
    const h = "rzmq_client_request_duration_seconds";
    w.family(h, "histogram", "From send to reply at the client, per service.");
    for (const [name, s] of this.#svc) {
      const cum = s.h.cumulative();
      PROMETHEUS_BUCKETS_SECONDS.forEach((le, i) =>
        w.sample(h + "_bucket", cum[i], { service: name, le: String(le) })
      );
      w.sample(h + "_bucket", cum[cum.length - 1], {
        service: name,
        le: "+Inf",
      });
      w.sample(h + "_sum", s.h.sum / 1000, { service: name });
      w.sample(h + "_count", s.h.count, { service: name });
    }
    return w.text();
  }
}
