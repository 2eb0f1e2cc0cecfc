/**
 * 8/MMI codec: tells MMI services apart, decodes a query as the broker
 * reads it and a reply as a client reads it, and holds the status frames.
 * Pure; decoders never throw and return a typed message or a
 * `ProtocolError` whose `code` is an {@linkcode MmiMalformation} name. The
 * names and codes come from `spec.ts`, which this module re-exports.
 *
 * @example
 * ```ts
 * import { decodeMmiReply } from "./codec.ts";
 * const r = decodeMmiReply([new TextEncoder().encode("404")]);
 * if (!(r instanceof Error)) console.log(r.status); // "404"
 * ```
 *
 * @module
 */
import { ProtocolError } from "../../errors.ts";
import { ascii, isFrames } from "../_frames.ts";
import {
  MMI_PREFIX,
  MMI_SERVICE,
  MMI_STATS,
  MmiMalformation,
  MmiStatus,
} from "./spec.ts";

export {
  MMI_PREFIX,
  MMI_SERVICE,
  MMI_SPEC,
  MMI_STATS,
  MmiMalformation,
  MmiMessage,
  type MmiMessageName,
  MmiStatus,
} from "./spec.ts";

const te = new TextEncoder();
const td = new TextDecoder();
const PREFIX = ascii(MMI_PREFIX);
const SERVICE = ascii(MMI_SERVICE);
const STATS = ascii(MMI_STATS);

/**
 * `"200"`, `"404"`, `"501"` as frames (shared; never mutate).
 *
 * @example
 * ```ts
 * import { MMI_FRAME } from "./codec.ts";
 * console.log(MMI_FRAME["404"].length); // 3
 * ```
 */
export const MMI_FRAME: Readonly<Record<MmiStatus, Uint8Array>> = Object
  .fromEntries(
    Object.values(MmiStatus).map((s) => [s, ascii(s)]),
  ) as Record<MmiStatus, Uint8Array>;

/**
 * A `ProtocolError` from the 8/MMI codec: `code` names the malformation.
 *
 * @example
 * ```ts
 * import { decodeMmiReply, type MmiProtocolError } from "./codec.ts";
 * const r = decodeMmiReply([]);
 * if (r instanceof Error) { const e: MmiProtocolError = r; console.log(e.code); } // "NO_BODY"
 * ```
 */
export type MmiProtocolError = ProtocolError & {
  readonly code: MmiMalformation;
};

/**
 * An MMI query as the broker reads it: what to answer.
 *
 * @example
 * ```ts
 * import { decodeMmiQuery } from "./codec.ts";
 * const q = decodeMmiQuery("mmi.list", [new Uint8Array(1)]);
 * if (!(q instanceof Error)) console.log(q.type); // "not-implemented"
 * ```
 */
export type MmiQuery =
  | {
    /** `mmi.service`: is a worker registered for `name`? */
    readonly type: "service";
    /** The service asked about (the first body frame). */
    readonly name: Uint8Array;
  }
  | { readonly type: "stats" }
  | {
    /** Any other `mmi.*` service: answer 501. */
    readonly type: "not-implemented";
  };

/**
 * An MMI reply as a client reads it.
 *
 * @example
 * ```ts
 * import { decodeMmiReply } from "./codec.ts";
 * const r = decodeMmiReply([new TextEncoder().encode("200")]);
 * if (!(r instanceof Error)) console.log(r.status, r.rest.length); // "200" 0
 * ```
 */
export interface MmiReply {
  /** Always `"status"`. */
  readonly type: "status";
  /** The three-digit code; usually one of {@linkcode MmiStatus}. */
  readonly status: string;
  /** The frames after the status (`mmi.stats` puts its JSON there). */
  readonly rest: Uint8Array[];
}

function fail(code: MmiMalformation, frame: number): MmiProtocolError {
  return new ProtocolError("MMI", frame, MmiMalformation[code], {
    code,
  }) as MmiProtocolError;
}

function startsWith(s: Uint8Array, prefix: Uint8Array): boolean {
  if (s.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (s[i] !== prefix[i]) return false;
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b);
}

/**
 * Tells whether a service name is reserved for MMI (starts with `mmi.`).
 *
 * @param service The name, as a string or bytes.
 * @returns Whether it starts with `mmi.`.
 * @throws {TypeError} When it is neither a string nor bytes.
 * @example
 * ```ts
 * import { isMmiService } from "./codec.ts";
 * console.log(isMmiService("mmi.service"), isMmiService("echo")); // true false
 * ```
 */
export function isMmiService(service: string | Uint8Array): boolean {
  if (typeof service === "string") return service.startsWith(MMI_PREFIX);
  if (!(service instanceof Uint8Array)) {
    throw new TypeError(
      `isMmiService(): service must be a string or Uint8Array, got ${typeof service}`,
    );
  }
  return startsWith(service, PREFIX);
}

/**
 * Decodes an MMI query as the broker reads it from a client REQUEST: the
 * service frame and the body.
 *
 * @param service The request's service name (must start with `mmi.`).
 * @param body The request's body frames.
 * @returns What to answer, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeMmiQuery } from "./codec.ts";
 * const te = new TextEncoder();
 * const q = decodeMmiQuery("mmi.service", [te.encode("echo")]);
 * if (!(q instanceof Error) && q.type === "service") console.log(new TextDecoder().decode(q.name)); // "echo"
 * ```
 */
export function decodeMmiQuery(
  service: string | Uint8Array,
  body: readonly Uint8Array[],
): MmiQuery | MmiProtocolError {
  const s = typeof service === "string" ? te.encode(service) : service;
  if (!(s instanceof Uint8Array) || !isFrames(body)) {
    return fail("NOT_FRAMES", -1);
  }
  if (!startsWith(s, PREFIX)) return fail("NOT_MMI", -1);
  if (equal(s, SERVICE)) {
    if (body.length === 0) return fail("NO_BODY", -1);
    if (body[0].length === 0) return fail("EMPTY_SERVICE", 0);
    return { type: "service", name: body[0] };
  }
  if (equal(s, STATS)) return { type: "stats" };
  return { type: "not-implemented" };
}

/**
 * Decodes an MMI reply body as a client reads it: a three-digit status,
 * alone or followed by a space and text (other brokers), then any frames.
 *
 * @param body The reply's body frames.
 * @returns The status, or a `ProtocolError` (never throws).
 * @example
 * ```ts
 * import { decodeMmiReply } from "./codec.ts";
 * const r = decodeMmiReply([new TextEncoder().encode("501")]);
 * if (!(r instanceof Error)) console.log(r.status); // "501"
 * ```
 */
export function decodeMmiReply(
  body: readonly Uint8Array[],
): MmiReply | MmiProtocolError {
  if (!isFrames(body)) return fail("NOT_FRAMES", -1);
  if (body.length === 0) return fail("NO_BODY", -1);
  const f = body[0];
  if (f.length < 3 || (f.length > 3 && f[3] !== 0x20)) {
    return fail("BAD_STATUS", 0);
  }
  for (let i = 0; i < 3; i++) {
    if (f[i] < 0x30 || f[i] > 0x39) return fail("BAD_STATUS", 0);
  }
  return {
    type: "status",
    status: td.decode(f.subarray(0, 3)),
    rest: body.slice(1),
  };
}

/**
 * Reads the status code of an MMI reply body, the short form of
 * {@linkcode decodeMmiReply}.
 *
 * @param body The reply body.
 * @returns The three-digit code, or `null` when there is none.
 * @example
 * ```ts
 * import { parseMmiStatus } from "./codec.ts";
 * console.log(parseMmiStatus([new TextEncoder().encode("404")])); // "404"
 * ```
 */
export function parseMmiStatus(body: readonly Uint8Array[]): string | null {
  const r = decodeMmiReply(body);
  return r instanceof ProtocolError ? null : r.status;
}
