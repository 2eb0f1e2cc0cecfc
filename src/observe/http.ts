/**
 * The HTTP endpoint of a broker process, on `Deno.serve`: `/healthz`,
 * `/stats` (JSON), `/metrics` (Prometheus text), `/events` (server-sent
 * events) and the live page at `/`. Off unless started; bound to loopback
 * unless told otherwise.
 *
 * @module
 */
import { count, readOptions } from "../_util/options.ts";
import type { Logger } from "../_util/logger.ts";
import { silentLogger } from "../_util/logger.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { pageHtml } from "./page.ts";

/**
 * What an {@linkcode ObserveServer} serves: a {@linkcode BrokerMetrics},
 * or anything else with a JSON snapshot and a Prometheus text.
 *
 * @example
 * ```ts
 * import type { ObserveTarget } from "@reliable/zmq/observe";
 * const target: ObserveTarget = {
 *   snapshot: () => ({ jobs: 1 }),
 *   prometheus: () => "# HELP jobs Jobs.\n# TYPE jobs gauge\njobs 1\n",
 * };
 * console.log(target.snapshot()); // { jobs: 1 }
 * ```
 */
export interface ObserveTarget {
  /** The JSON of `/stats`. */
  snapshot(): unknown;
  /** The text of `/metrics`. */
  prometheus(): string;
  /** Per-second history after `since` (for the live page), if any. */
  history?(since?: number): { t: number }[];
}

/**
 * Options of {@linkcode ObserveServer.bind}. Unknown keys are refused.
 *
 * @example
 * ```ts
 * import type { ObserveServerOptions } from "@reliable/zmq/observe";
 * const options: ObserveServerOptions = { hostname: "127.0.0.1", port: 8222 };
 * ```
 */
export interface ObserveServerOptions {
  /**
   * The address to listen on. Loopback by default: the page and the
   * numbers are not authenticated, so expose them on purpose only.
   * @default "127.0.0.1"
   */
  hostname?: string;
  /** The TCP port (0: any free port, see `port` on the server). @default 8222 */
  port?: number;
  /** Whether the process serves (`/healthz` says 200), else 503. @default always */
  healthy?: () => boolean;
  /** The live page's title. @default "reliable-zmq broker" */
  title?: string;
  /**
   * Whether to serve the live page at `/` (it shows a broker's
   * {@linkcode BrokerMetrics}; `false` for other targets: `/` then lists
   * the endpoints).
   * @default true
   */
  page?: boolean;
  /** How often `/events` pushes a snapshot, ms. @default 1000 */
  pushIntervalMs?: number;
  /** Where failures of the server are reported. @default silent */
  logger?: Logger;
}

const JSON_TYPE = "application/json; charset=utf-8";
const te = new TextEncoder();

function safeJson(value: unknown): string {
  // NaN and Infinity (an empty histogram's quantiles) become null.
  return JSON.stringify(
    value,
    (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
  );
}

/**
 * A running HTTP endpoint.
 *
 * | Path | Answer |
 * |---|---|
 * | `GET /healthz` | `200 {"status":"serving"}`, or `503 {"status":"shutting-down"}` once `shuttingDown()` was called or `healthy()` says false |
 * | `GET /stats` | `200` the target's JSON snapshot |
 * | `GET /metrics` | `200` Prometheus text exposition (version 0.0.4) |
 * | `GET /events` | server-sent events: `history` once, then `stats` every `pushIntervalMs` |
 * | `GET /` | the live page (no external resource) |
 *
 * Anything else is `404`; a method other than `GET` or `HEAD` is `405`.
 *
 * @example
 * ```ts
 * import { ObserveServer } from "@reliable/zmq/observe";
 * const server = await ObserveServer.bind({
 *   snapshot: () => ({ ok: true }),
 *   prometheus: () => "",
 * }, { port: 0 });
 * const res = await fetch(`${server.url}healthz`);
 * console.log(res.status, await res.json()); // 200 { status: "serving" }
 * server.shuttingDown();
 * const after = await fetch(`${server.url}healthz`);
 * console.log(after.status); // 503
 * await after.body?.cancel();
 * await server.close();
 * ```
 */
export class ObserveServer {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #streams = new Set<() => void>();
  #shuttingDown = false;
  #closing: Promise<void> | undefined;

  private constructor(
    target: ObserveTarget,
    o: Required<Omit<ObserveServerOptions, "healthy">> & {
      healthy?: () => boolean;
    },
  ) {
    const page = o.page ? pageHtml(o.title) : undefined;
    const healthy = o.healthy;
    this.#server = Deno.serve({
      hostname: o.hostname,
      port: o.port,
      onListen: () => {},
      onError: (e) => {
        o.logger.warn("observe: request failed", { error: String(e) });
        return new Response("internal error\n", { status: 500 });
      },
    }, (req) => {
      if (req.method !== "GET" && req.method !== "HEAD") {
        return new Response("method not allowed\n", {
          status: 405,
          headers: { allow: "GET, HEAD" },
        });
      }
      const path = new URL(req.url).pathname;
      switch (path) {
        case "/healthz": {
          const ok = !this.#shuttingDown && (healthy ? healthy() : true);
          return new Response(
            safeJson({ status: ok ? "serving" : "shutting-down" }) + "\n",
            {
              status: ok ? 200 : 503,
              headers: {
                "content-type": JSON_TYPE,
                "cache-control": "no-store",
              },
            },
          );
        }
        case "/stats":
          return new Response(safeJson(target.snapshot()) + "\n", {
            headers: { "content-type": JSON_TYPE, "cache-control": "no-store" },
          });
        case "/metrics":
          return new Response(target.prometheus(), {
            headers: {
              "content-type": PROMETHEUS_CONTENT_TYPE,
              "cache-control": "no-store",
            },
          });
        case "/events":
          return this.#events(target, o.pushIntervalMs);
        case "/":
        case "/index.html":
          if (page === undefined) {
            return new Response(
              safeJson({
                title: o.title,
                endpoints: ["/healthz", "/stats", "/metrics", "/events"],
              }) + "\n",
              { headers: { "content-type": JSON_TYPE } },
            );
          }
          return new Response(page, {
            headers: {
              "content-type": "text/html; charset=utf-8",
              "content-security-policy":
                "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:",
            },
          });
        default:
          return new Response("not found\n", { status: 404 });
      }
    });
  }

  #events(target: ObserveTarget, everyMs: number): Response {
    let timer: ReturnType<typeof setInterval> | undefined;
    let stop = () => {};
    const body = new ReadableStream<Uint8Array>({
      start: (ctrl) => {
        let last = -Infinity;
        const send = (event: string, data: unknown) => {
          try {
            ctrl.enqueue(
              te.encode(`event: ${event}\ndata: ${safeJson(data)}\n\n`),
            );
          } catch {
            stop();
          }
        };
        const history = target.history?.() ?? [];
        if (history.length) last = history[history.length - 1].t;
        send("history", history);
        const push = () => {
          const points = target.history?.(last) ?? [];
          if (points.length) last = points[points.length - 1].t;
          send("stats", { stats: target.snapshot(), points });
        };
        push();
        timer = setInterval(push, everyMs);
        stop = () => {
          clearInterval(timer);
          this.#streams.delete(stop);
          try {
            ctrl.close();
          } catch { /* closed already */ }
        };
        this.#streams.add(stop);
      },
      cancel: () => stop(),
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
      },
    });
  }

  /**
   * Starts serving.
   * @param target What to serve (a {@linkcode BrokerMetrics}).
   * @param options Address, port, health, page title, push interval.
   * @returns The running server, once it listens.
   * @throws {TypeError} On a bad option.
   * @throws {Deno.errors.AddrInUse} When the port is taken.
   * @example
   * ```ts
   * import { BrokerMetrics, ObserveServer } from "@reliable/zmq/observe";
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
   * const metrics = BrokerMetrics.attach(broker);
   * const http = await ObserveServer.bind(metrics, { port: 0, healthy: () => !broker.closed });
   * const stats = await (await fetch(`${http.url}stats`)).json();
   * console.log(stats.workers); // 0
   * await http.close();
   * await broker.close();
   * ```
   */
  static bind(
    target: ObserveTarget,
    options?: ObserveServerOptions,
  ): Promise<ObserveServer> {
    const owner = "ObserveServer.bind()";
    if (
      target === null || typeof target !== "object" ||
      typeof target.snapshot !== "function" ||
      typeof target.prometheus !== "function"
    ) {
      throw new TypeError(
        `${owner}: target must have snapshot() and prometheus() (a BrokerMetrics)`,
      );
    }
    const o = readOptions(owner, options, [
      "hostname",
      "port",
      "healthy",
      "title",
      "pushIntervalMs",
      "logger",
      "page",
    ]);
    if (o.hostname !== undefined && typeof o.hostname !== "string") {
      throw new TypeError(`${owner}: hostname must be a string`);
    }
    if (o.healthy !== undefined && typeof o.healthy !== "function") {
      throw new TypeError(`${owner}: healthy must be a function`);
    }
    if (o.title !== undefined && typeof o.title !== "string") {
      throw new TypeError(`${owner}: title must be a string`);
    }
    const full = {
      hostname: o.hostname ?? "127.0.0.1",
      port: count(owner, "port", o.port, 8222, 0, 65535),
      healthy: o.healthy,
      title: o.title ?? "reliable-zmq broker",
      pushIntervalMs: count(
        owner,
        "pushIntervalMs",
        o.pushIntervalMs,
        1000,
        50,
      ),
      logger: o.logger ?? silentLogger,
      page: o.page ?? true,
    };
    try {
      // Deno.serve binds before it returns (AddrInUse is thrown here).
      return Promise.resolve(new ObserveServer(target, full));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The former name of {@linkcode ObserveServer.bind} (every server class
   * of the library is made with `bind`).
   * @deprecated Use {@linkcode ObserveServer.bind}.
   * @param target What to serve.
   * @param options As for `bind`.
   * @returns The running server.
   * @example
   * ```ts
   * import { BrokerMetrics, ObserveServer } from "@reliable/zmq/observe";
   * import { MajordomoBroker } from "@reliable/zmq";
   * const broker = await MajordomoBroker.bind("tcp://127.0.0.1:*");
   * const http = await ObserveServer.serve(BrokerMetrics.attach(broker), { port: 0 });
   * await http.close();
   * await broker.close();
   * ```
   */
  static serve(
    target: ObserveTarget,
    options?: ObserveServerOptions,
  ): Promise<ObserveServer> {
    return ObserveServer.bind(target, options);
  }

  /** The address listened on. */
  get addr(): Deno.NetAddr {
    return this.#server.addr;
  }

  /** The port listened on. */
  get port(): number {
    return this.#server.addr.port;
  }

  /** The base URL, ending with `/` (`http://127.0.0.1:8222/`). */
  get url(): string {
    const h = this.#server.addr.hostname;
    return `http://${h.includes(":") ? `[${h}]` : h}:${this.port}/`;
  }

  /** From now on `/healthz` answers 503 (call it when shutdown starts). */
  shuttingDown(): void {
    this.#shuttingDown = true;
  }

  /**
   * Ends the event streams and stops the server. Idempotent.
   * @returns Resolves once the server is closed.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#shuttingDown = true;
    for (const stop of [...this.#streams]) stop();
    this.#closing = this.#server.shutdown();
    return this.#closing;
  }

  /** Same as {@linkcode ObserveServer.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
