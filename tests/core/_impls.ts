/**
 * Test helpers: the implementations under test. Private to tests/core.
 *
 * @module
 */

import { createCore } from "../../src/core/mod.ts";
import type { Core, CoreImpl } from "../../src/core/mod.ts";

/** Every implementation that loads here, TS first. */
export function cores(): Core[] {
  const out: Core[] = [createCore({ impl: "ts" })];
  const auto = createCore();
  if (auto.impl === "wasm") out.push(auto);
  return out;
}

/** A core of the given implementation. */
export function core(impl: CoreImpl): Core {
  return createCore({ impl });
}

/** Seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** UTF-8 bytes of a string. */
export const te = (s: string): Uint8Array => new TextEncoder().encode(s);
/** An empty frame. */
export const EMPTY: Uint8Array = new Uint8Array(0);
