/**
 * The shape of a conformance vector, shared by every spec's `vectors.ts`,
 * and the helpers that turn its notation into bytes. Private to
 * `src/protocol/` and its tests.
 *
 * Notation: a frame is a string (its UTF-8 bytes; `""` is the empty frame)
 * or an array of octets (`[0x01]`). Vectors spell bytes out literally and
 * never read the spec data, so a wrong constant in `spec.ts` fails them.
 *
 * @module
 */

/** A frame in vector notation: a string is its UTF-8 bytes, an array its octets. */
export type VectorFrame = string | readonly number[];

/** The expected failure: the malformation class and the offending frame. */
export interface VectorError<Code extends string> {
  /** The malformation class (`ProtocolError.code`). */
  readonly error: Code;
  /** The offending frame's index in the input, or -1 for the whole message. */
  readonly frame: number;
}

/** One conformance vector: an input, who reads it, and the expected result. */
export interface Vector<Reader extends string, Expect, Code extends string> {
  /** Unique name, `<spec>/<reader>/<what>`. */
  readonly name: string;
  /** Which decoder reads it (and so which view: ROUTER or DEALER). */
  readonly reader: Reader;
  /** The message, in vector notation. */
  readonly frames?: readonly VectorFrame[];
  /** Instead of `frames`: a hostile value that is not a message at all. */
  readonly raw?: unknown;
  /** The decoded message, or the expected error. */
  readonly expect: Expect | VectorError<Code>;
  /** The rule it checks: an RFC section or a section of docs/PROTOCOLS.md. */
  readonly source: string;
}

const te = new TextEncoder();

/**
 * A frame's bytes.
 *
 * @param f A frame in vector notation.
 * @returns Its bytes (a new array).
 */
export function bytes(f: VectorFrame): Uint8Array {
  return typeof f === "string" ? te.encode(f) : new Uint8Array(f);
}

/**
 * A vector's input as a decoder receives it.
 *
 * @param v The vector.
 * @returns Its frames as bytes, or its raw value.
 */
export function input(
  v: { readonly frames?: readonly VectorFrame[]; readonly raw?: unknown },
): unknown {
  return v.frames === undefined ? v.raw : v.frames.map(bytes);
}

/**
 * Tells an expected error from an expected message.
 *
 * @param e The vector's `expect`.
 * @returns Whether it is an error.
 */
export function isVectorError<Code extends string>(
  e: object,
): e is VectorError<Code> {
  return "error" in e;
}

const TEXT_KEYS = new Set(["type", "status"]);
const LIST_KEYS = new Set(["body", "envelope", "rest"]);

function frameOf(v: unknown): number[] {
  if (v instanceof Uint8Array) return [...v];
  if (typeof v === "string") return [...te.encode(v)];
  if (Array.isArray(v)) return [...v];
  throw new TypeError(`not a frame: ${String(v)}`);
}

/**
 * A decoded message or an expected one, as plain data that compares with
 * `deepStrictEqual`: frames become arrays of octets (a string field is
 * taken as UTF-8), `type` and `status` stay strings.
 *
 * @param m A decoded message or a vector's `expect`.
 * @param omit Fields to leave out (e.g. `sender`, which is frame 0).
 * @returns The plain form.
 */
export function plain(
  m: object,
  omit: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (omit.includes(k)) continue;
    if (TEXT_KEYS.has(k)) out[k] = v;
    else if (LIST_KEYS.has(k)) out[k] = (v as unknown[]).map(frameOf);
    else out[k] = frameOf(v);
  }
  return out;
}
