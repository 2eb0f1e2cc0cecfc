/**
 * Metrics of any component with a `stats` getter (Titanic, the Pirate
 * queues): `/stats` is the stats object, `/metrics` every finite number in
 * it as an `untyped` Prometheus metric named by its path.
 *
 * @module
 */
import { PromWriter } from "./prometheus.ts";

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()).replace(
    /[^a-zA-Z0-9_]/g,
    "_",
  );
}

/**
 * Serves a stats snapshot as `/stats` and `/metrics` (see
 * {@linkcode ObserveServer}).
 *
 * @example
 * ```ts
 * import { StatsMetrics } from "@reliable/zmq/observe";
 * const m = new StatsMetrics("rzmq_titanic", () => ({ store: { pending: 2 }, kind: "log" }));
 * console.log(m.prometheus().includes("rzmq_titanic_store_pending 2")); // true
 * ```
 */
export class StatsMetrics {
  readonly #prefix: string;
  readonly #read: () => object;

  /**
   * Serves what `read` returns.
   * @param prefix The metric name prefix (`rzmq_titanic`).
   * @param read Returns the current stats.
   */
  constructor(prefix: string, read: () => object) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
      throw new TypeError(
        `StatsMetrics: prefix must be a Prometheus name, got ${
          JSON.stringify(prefix)
        }`,
      );
    }
    if (typeof read !== "function") {
      throw new TypeError("StatsMetrics: read must be a function");
    }
    this.#prefix = prefix;
    this.#read = read;
  }

  /**
   * The stats, as `/stats` answers them.
   * @returns What `read` returned.
   */
  snapshot(): unknown {
    return this.#read();
  }

  /**
   * The stats as Prometheus text.
   * @returns Every finite number of the stats, one `untyped` metric each.
   */
  prometheus(): string {
    const w = new PromWriter();
    const walk = (path: string, v: unknown) => {
      if (typeof v === "number" && Number.isFinite(v)) {
        w.family(
          path,
          "untyped",
          `${path.slice(this.#prefix.length + 1)} from stats.`,
        );
        w.sample(path, v);
      } else if (typeof v === "boolean") {
        w.family(
          path,
          "untyped",
          `${
            path.slice(this.#prefix.length + 1)
          } from stats (1 true, 0 false).`,
        );
        w.sample(path, v ? 1 : 0);
      } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        for (const [k, x] of Object.entries(v)) walk(`${path}_${snake(k)}`, x);
      }
    };
    for (const [k, x] of Object.entries(this.#read())) {
      walk(`${this.#prefix}_${snake(k)}`, x);
    }
    return w.text();
  }
}
