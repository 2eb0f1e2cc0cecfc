// Helpers shared by the Freelance examples.
import type { ParsedFlags } from "../../src/_util/args.ts";
import { UsageError } from "../_cli.ts";

/** The --connect endpoints: the flag repeated, or comma-separated. */
export function endpoints(f: ParsedFlags): string[] {
  const v = f.connect;
  const list = (Array.isArray(v) ? v : typeof v === "string" ? [v] : [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (list.length === 0) throw new UsageError("--connect is required");
  return list;
}

/** Sleeps `ms` (the demo servers' --work-ms). */
export const sleep = (ms: number) =>
  ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
