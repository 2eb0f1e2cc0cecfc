// Shared flag parsing for the Pirate and dynamic examples (node:util parseArgs).
import { parseArgs } from "node:util";

export type Flags = Record<string, string | boolean | undefined>;

/** Parses `--name value` / `--flag` options; unknown flags are an error. */
export function flags(
  spec: Record<string, "string" | "boolean">,
  defaults: Record<string, string | boolean> = {},
): Flags {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [k, type] of Object.entries(spec)) options[k] = { type };
  const { values } = parseArgs({ args: Deno.args, options, strict: true });
  return { ...defaults, ...values } as Flags;
}

/** A numeric flag. */
export function num(f: Flags, name: string): number {
  const v = Number(f[name]);
  if (!Number.isFinite(v)) throw new RangeError(`--${name} must be a number`);
  return v;
}

/** The ready line test harnesses and scripts wait for. */
export function ready(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ event: "ready", ...fields }));
}
