/**
 * A writer of the Prometheus text exposition format (version 0.0.4): one
 * `# HELP` and `# TYPE` per family, samples with escaped label values.
 *
 * @module
 */

/** The `Content-Type` of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE =
  "text/plain; version=0.0.4; charset=utf-8";

/** A Prometheus metric type. */
export type PromType = "counter" | "gauge" | "histogram" | "untyped";

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function value(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v !== v) return "NaN";
  return String(v);
}

function labels(l: Record<string, string> | undefined): string {
  if (l === undefined) return "";
  const keys = Object.keys(l);
  if (keys.length === 0) return "";
  return "{" + keys.map((k) => `${k}="${escapeLabel(l[k])}"`).join(",") + "}";
}

/**
 * Builds one exposition text.
 *
 * @example
 * ```ts
 * import { PromWriter } from "./prometheus.ts";
 * const w = new PromWriter();
 * w.family("jobs_total", "counter", "Jobs done.");
 * w.sample("jobs_total", 3, { queue: 'a"b' });
 * console.log(w.text());
 * // # HELP jobs_total Jobs done.
 * // # TYPE jobs_total counter
 * // jobs_total{queue="a\"b"} 3
 * ```
 */
export class PromWriter {
  readonly #lines: string[] = [];

  /**
   * Starts a metric family.
   * @param name The family name.
   * @param type Its type.
   * @param help One line saying what it counts.
   */
  family(name: string, type: PromType, help: string): void {
    this.#lines.push(`# HELP ${name} ${escapeHelp(help)}`);
    this.#lines.push(`# TYPE ${name} ${type}`);
  }

  /**
   * Adds one sample.
   * @param name The sample name (the family's, or with `_bucket`, `_sum`, `_count`).
   * @param v The value.
   * @param l Its labels.
   */
  sample(name: string, v: number, l?: Record<string, string>): void {
    this.#lines.push(`${name}${labels(l)} ${value(v)}`);
  }

  /** @returns The exposition text (ends with a newline). */
  text(): string {
    return this.#lines.join("\n") + "\n";
  }
}
